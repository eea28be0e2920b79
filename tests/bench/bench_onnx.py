"""ONNX Runtime running the exported model against the in-app PyTorch model, on the CPU.

Run: ``.venv/bin/python -m tests.bench.bench_onnx [--rounds N] [--threads N]``.

Two LayerForge projects are trained for one epoch on the built-in shapes images
(28×28, 3 classes; the weights do not matter for speed) and exported with
``core.export.export_run`` (verified as usual):

- MLP: Flatten -> 784-256-128 -> 3 (ReLU);
- CNN: the LeNet-5 example (two 5×5 convolutions, max pooling, three Linear layers).

Arms, alternated in every round (A B, then B A, ...): ``torch`` is the in-app model
(``TrainedModel.inference_module()`` under ``torch.inference_mode()``, what
``layerforge predict`` runs) and ``onnxruntime`` the exported ``.onnx`` file in an
``InferenceSession`` with the CPU provider and default options. Both take the same
float32 batch of pixels in [0, 1]. Each measurement repeats the call for about 0.2 s
and keeps the time per call; the table shows the medians and the median (min–max) of
the per-round ratios torch time / ONNX Runtime time (above 1: ONNX Runtime is faster).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from core.cli import main as cli
from core.export import export_run
from core.train import load_trained_model
from tests.conftest import EXAMPLES

MLP = {"nodes": [{"id": "input", "type": "Input", "params": {}},
                 {"id": "flatten", "type": "Flatten", "params": {}},
                 {"id": "fc1", "type": "Linear", "params": {"out_features": 256}},
                 {"id": "relu1", "type": "ReLU", "params": {}},
                 {"id": "fc2", "type": "Linear", "params": {"out_features": 128}},
                 {"id": "relu2", "type": "ReLU", "params": {}},
                 {"id": "output", "type": "Output", "params": {}}],
       "edges": [{"source": a, "target": b} for a, b in
                 (("input", "flatten"), ("flatten", "fc1"), ("fc1", "relu1"), ("relu1", "fc2"),
                  ("fc2", "relu2"), ("relu2", "output"))]}
BATCHES = (1, 256)
SECONDS = 0.2


def make_runs(folder: Path) -> dict[str, Path]:
    """Train the two projects for one epoch and export each to ONNX; name -> (run, onnx)."""
    lenet = json.loads((EXAMPLES / "lenet_shapes.lfproj").read_text())
    lenet["data"]["samples"] = 300
    mlp = {**lenet, "name": "MLP", "graph": MLP}
    runs = {}
    for name, project in (("MLP", mlp), ("CNN", lenet)):
        path = folder / f"{name}.lfproj"
        path.write_text(json.dumps(project))
        run = folder / f"{name}-run"
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["train", str(path), "--epochs", "1", "--run-dir", str(run), "--quiet"]) == 0
        result = export_run(run, "onnx", folder / f"{name}.onnx")[0]
        assert result.ok, result.line()
        runs[name] = (run, result.path)
    return runs


def per_call(function, x) -> float:
    """Seconds per call, repeating for about SECONDS (after one warm-up call)."""
    function(x)
    count, started = 0, time.perf_counter()
    while True:
        function(x)
        count += 1
        elapsed = time.perf_counter() - started
        if elapsed >= SECONDS:
            return elapsed / count


def main() -> None:
    import onnxruntime as ort

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0,
                        help="threads for both runtimes (default: each its own default)")
    args = parser.parse_args()
    options = ort.SessionOptions()
    if args.threads:
        torch.set_num_threads(args.threads)
        options.intra_op_num_threads = args.threads
    print(f"torch {torch.__version__} ({torch.get_num_threads()} threads), onnxruntime {ort.__version__}"
          f" ({args.threads or 'default'} threads), {args.rounds} rounds, about {SECONDS} s per measurement")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (run, onnx_path) in make_runs(Path(tmp)).items():
            module = load_trained_model(run).inference_module()
            session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])

            def with_torch(x, module=module):
                with torch.inference_mode():
                    return module(torch.from_numpy(x)).numpy()

            def with_onnx(x, session=session):
                return session.run(None, {"input": x})[0]

            for batch in BATCHES:
                x = np.random.default_rng(0).random((batch, 1, 28, 28), dtype=np.float32)
                assert np.abs(with_torch(x) - with_onnx(x)).max() < 1e-4
                times = {"torch": [], "onnxruntime": []}
                ratios = []
                for round_ in range(args.rounds):
                    order = [("torch", with_torch), ("onnxruntime", with_onnx)]
                    for arm, function in (order if round_ % 2 == 0 else order[::-1]):
                        times[arm].append(per_call(function, x))
                    ratios.append(times["torch"][-1] / times["onnxruntime"][-1])
                rows.append((name, batch, statistics.median(times["torch"]),
                             statistics.median(times["onnxruntime"]), statistics.median(ratios),
                             min(ratios), max(ratios)))
                print(f"  {name} batch {batch}: done")
    print()
    print(f"{'model':<6} {'batch':>5} {'torch ms':>10} {'onnxruntime ms':>15}   torch/onnxruntime median (min-max)")
    for name, batch, t, o, ratio, low, high in rows:
        print(f"{name:<6} {batch:>5} {t * 1e3:>10.3f} {o * 1e3:>15.3f}   {ratio:5.2f} ({low:.2f}-{high:.2f})")


if __name__ == "__main__":
    main()
