"""Shape inference speed on a 300-node residual CNN (issue: under 50 ms, and per edit).

Run: ``.venv/bin/python -m tests.bench.bench_shapes``. Prints medians of several
runs and the ratio against the reference measured in the same run: torch's meta
device running the built module (what shape inference would cost done with torch).
"""

from __future__ import annotations

import statistics
import time

from core.shapes import ShapeInference
from tests.bench.graphs import residual_cnn

TARGET_MS = 50.0


def _median_ms(fn, repeat: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def main() -> None:
    graph = residual_cnn()
    print(f"graph: {len(graph)} nodes, {len(graph.edges)} edges")
    rows = []

    cold = _median_ms(lambda: ShapeInference().analyze(graph), 21)
    rows.append(("full check, empty cache", cold))

    inference = ShapeInference()
    inference.analyze(graph)
    state = {"k": 0}

    def edit_late():
        state["k"] ^= 1
        graph.set_param("b40_bn1", "eps", 1e-5 if state["k"] else 1e-3)
        inference.analyze(graph)

    def edit_early():
        state["k"] ^= 1
        graph.set_param("stem", "kernel_size", 3 if state["k"] else 5)
        graph.set_param("stem", "padding", 1 if state["k"] else 2)
        inference.analyze(graph)

    rows.append(("re-check after editing a late node", _median_ms(edit_late, 41)))
    rows.append(("re-check after editing the stem (all shapes downstream change)",
                 _median_ms(edit_early, 41)))

    import torch  # noqa: F401  (import cost is not part of the reference)

    from core.build import meta_shapes

    meta_shapes(graph)  # warm-up: first meta dispatch is much slower
    reference = _median_ms(lambda: meta_shapes(graph), 5)
    rows.append(("reference: build + forward on torch's meta device", reference))

    width = max(len(r[0]) for r in rows)
    print(f"{'measurement'.ljust(width)}  median ms    min    max  vs meta  vs 50 ms target")
    for name, (median, low, high) in rows:
        verdict = "-" if name.startswith("reference") else (
            f"{'OK' if median <= TARGET_MS else 'SLOW'} ({median / TARGET_MS:.2f}×)")
        print(f"{name.ljust(width)}  {median:9.2f} {low:6.2f} {high:6.2f}  {median / reference[0]:6.3f}×"
              f"  {verdict}")


if __name__ == "__main__":
    main()
