"""Loading and checking long chains: time must grow with the number of nodes, not its square.

Run: ``.venv/bin/python -m tests.bench.bench_graph_scale``. Writes chains of 1,000, 5,000
and 20,000 nodes (Input [8] -> Linear -> ReLU -> ... -> Output with 2 units, no data)
to a temporary folder and times, in this process, ``Project.load`` + ``check_project``
(medians of several runs) against ``json.loads`` of the same file, measured in the same
run as the reference. A linear load keeps the ratio about the same from 1k to 20k
nodes; a quadratic one multiplies it by about 20. Then ``layerforge check`` of the 20k
chain is timed as a whole command (imports and printing included) against the issue's
target of 3 s. Wall-clock times on a shared 2-core machine are noisy: read the ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

SIZES = (1_000, 5_000, 20_000)
TARGET_S = 3.0


def chain_project(n_nodes: int) -> dict[str, Any]:
    """A project whose graph is one chain of ``n_nodes`` nodes (Input, Linear/ReLU pairs, Output)."""
    nodes: list[dict[str, Any]] = [{"id": "input", "type": "Input", "params": {"shape": [8]}}]
    edges: list[dict[str, Any]] = []
    previous = "input"
    for i in range(n_nodes - 2):
        if i % 2 == 0:
            node = {"id": f"fc{i // 2 + 1}", "type": "Linear", "params": {"out_features": 8}}
        else:
            node = {"id": f"relu{i // 2 + 1}", "type": "ReLU", "params": {}}
        nodes.append(node)
        edges.append({"source": previous, "target": node["id"]})
        previous = node["id"]
    nodes.append({"id": "output", "type": "Output", "params": {"units": 2}})
    edges.append({"source": previous, "target": "output"})
    return {"format": "layerforge.project", "format_version": 1, "name": f"chain of {n_nodes}",
            "graph": {"nodes": nodes, "edges": edges}}


def _median_s(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), max(times)


def _cli_seconds(path: Path, repeat: int) -> tuple[float, float, float, int]:
    """``layerforge check PATH`` as a separate process (start-up included)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    times, code = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "core.cli", "check", str(path)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        times.append(time.perf_counter() - start)
        code = done.returncode
    return statistics.median(times), min(times), max(times), code


def main() -> None:
    from core.check import check_project, format_table
    from core.project import Project

    rows = []
    with tempfile.TemporaryDirectory(prefix="lf-scale-") as folder:
        paths = {}
        for n in SIZES:
            path = Path(folder) / f"chain_{n}.lfproj"
            path.write_text(json.dumps(chain_project(n)), encoding="utf-8")
            paths[n] = path
        for n in SIZES:
            path = paths[n]
            repeat = 7 if n < 20_000 else 5
            # Alternate the reference and the measured side, as pairs (GUIDE.md section 7).
            reference, measured, ratios = [], [], []
            for _ in range(repeat):
                ref = _median_s(lambda: json.loads(path.read_text(encoding="utf-8")), 1)[0]

                def load_and_check():
                    project = Project.load(path)
                    report = check_project(project)
                    format_table(project, report.analysis)
                    assert report.ready, [p.message for p in report.problems][:3]

                got = _median_s(load_and_check, 1)[0]
                reference.append(ref)
                measured.append(got)
                ratios.append(got / ref)
            rows.append((n, statistics.median(reference), statistics.median(measured),
                         min(measured), max(measured), statistics.median(ratios),
                         min(ratios), max(ratios)))
        cli = _cli_seconds(paths[20_000], 3)

    print("Project.load + check_project + format_table, in process; reference: json.loads of the"
          " same file (median of paired runs; one process, shared 2-core machine)")
    print(f"{'nodes':>7}  {'json.loads ms':>13}  {'load+check ms':>13}  {'min':>7}  {'max':>7}"
          f"  {'ratio':>7}  {'ratio range':>15}  {'ms per 1k nodes':>15}")
    for n, ref, med, low, high, ratio, rlow, rhigh in rows:
        print(f"{n:>7,}  {ref * 1000:13.1f}  {med * 1000:13.1f}  {low * 1000:7.1f}  {high * 1000:7.1f}"
              f"  {ratio:6.1f}×  {rlow:6.1f}–{rhigh:6.1f}×  {med * 1e6 / n:15.1f}")
    first, last = rows[0], rows[-1]
    growth = (last[2] / first[2]) / (last[0] / first[0])
    print(f"time per node, {last[0]:,} vs {first[0]:,} nodes: {growth:.2f}× "
          f"({'linear' if growth < 2 else 'worse than linear'}; quadratic would be about"
          f" {last[0] / first[0]:.0f}×)")
    median, low, high, code = cli
    verdict = "MET" if median < TARGET_S and code == 0 else "NOT MET"
    print(f"layerforge check, {SIZES[-1]:,} nodes, whole command: median {median:.2f} s"
          f" (min {low:.2f}, max {high:.2f}, exit code {code}); target {TARGET_S:.0f} s: {verdict}")
    in_process = last[2]
    print(f"in-process load + check, {SIZES[-1]:,} nodes: {in_process:.2f} s;"
          f" target {TARGET_S:.0f} s: {'MET' if in_process < TARGET_S else 'NOT MET'}")


if __name__ == "__main__":
    main()
