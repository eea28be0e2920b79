"""CSV loading: time and peak memory against pandas' pyarrow reader, and the preview's speed.

Run: ``.venv/bin/python -m tests.bench.bench_csv [--rows 1000000] [--pairs 5]``.

Writes a CSV of ``rows`` × 20 numeric columns + a class column (about 155 MB for 1 M
rows) to a temporary folder. Each measurement runs in a fresh subprocess, so that its
peak resident memory (VmHWM) can be read; imports happen before the clock starts and
before the baseline memory is taken. Sides alternate (A B A B ...):

- reference: ``pandas.read_csv(path, engine="pyarrow")`` alone;
- LayerForge: ``core.data.load(spec)`` -> the float32 training/validation arrays
  (``Split.x``/``Split.y``, what the trainer wraps as tensors with ``torch.from_numpy``),
  with type detection, the class label map, a stratified split and standard scaling.

Targets (issue 4): load time <= 1.3x the reference; peak memory <= 3x the final float32
array. Also: the CSV dialog's preview (reading only the head) of a file over 100 MB < 1 s.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FEATURES = 20

_CHILD = r"""
import json, sys, time
import numpy as np

def rss():
    out = {}
    for line in open('/proc/self/status'):
        if line.startswith(('VmRSS', 'VmHWM')):
            out[line.split(':')[0]] = int(line.split()[1]) * 1024
    return out

side, path = sys.argv[1], sys.argv[2]
if side == 'pandas':
    import pandas as pd
    import pyarrow  # noqa: F401
else:
    import pyarrow, pyarrow.csv  # noqa: F401
    import core.data, core.data.csv_source  # noqa: F401
base = rss()['VmRSS']
start = time.perf_counter()
if side == 'pandas':
    frame = pd.read_csv(path, engine='pyarrow')
    rows = len(frame)
else:
    dataset = core.data.load({'kind': 'csv', 'path': path, 'target': 'label'})
    assert dataset.train.x.dtype == np.float32 and dataset.train.x.flags['C_CONTIGUOUS']
    rows = len(dataset.train) + len(dataset.validation)
elapsed = time.perf_counter() - start
print(json.dumps({'seconds': elapsed, 'peak': rss()['VmHWM'] - base, 'rows': rows}))
"""


def write_csv(path: Path, rows: int) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(0)
    columns = {f"f{i}": pa.array(np.round(rng.normal(size=rows), 4)) for i in range(FEATURES)}
    columns["label"] = pa.array(np.array(["alpha", "beta", "gamma"])[rng.integers(0, 3, rows)])
    pacsv.write_csv(pa.table(columns), path)


def measure(side: str, path: Path, cache: Path) -> dict:
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT), LAYERFORGE_CACHE_DIR=str(cache))
    result = subprocess.run([sys.executable, "-c", _CHILD, side, str(path)], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=600)
    if result.returncode:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout)


def preview_seconds(path: Path, repeat: int = 5) -> float:
    from core.data.csv_format import read_head

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        head = read_head(path)
        times.append(time.perf_counter() - start)
        assert len(head.rows) == 500
    return statistics.median(times)


_DIALOG = r"""
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from designer.data import CsvImportDialog
times = []
for _ in range(3):
    start = time.perf_counter()
    dialog = CsvImportDialog(sys.argv[1])
    dialog.show()
    app.processEvents()
    assert dialog.head_model.rowCount() == 500
    times.append(time.perf_counter() - start)
    dialog.reject()
print(sorted(times)[1])
"""


def dialog_preview_seconds(path: Path) -> float | None:
    """The CSV dialog on screen with its preview (offscreen Qt), median of three."""
    import os

    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    result = subprocess.run([sys.executable, "-c", _DIALOG, str(path)], capture_output=True,
                            text=True, env=env, cwd=ROOT, timeout=300)
    if result.returncode:
        print(f"(the dialog could not be measured: {result.stderr.strip().splitlines()[-1:]})")
        return None
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lf-bench-csv-") as tmp:
        path = Path(tmp) / "big.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.rows:,} rows × {FEATURES} numeric + 1 class column: {size_mb:.0f} MB,"
              f" written in {time.perf_counter() - started:.1f} s")
        final = args.rows * FEATURES * 4
        runs: dict[str, list[dict]] = {"pandas": [], "layerforge": []}
        for pair in range(args.pairs):
            for side in (("pandas", "layerforge") if pair % 2 == 0 else ("layerforge", "pandas")):
                runs[side].append(measure(side, path, Path(tmp) / f"cache{pair}"))
        assert all(r["rows"] == args.rows for side in runs.values() for r in side)
        time_ratios = [lf["seconds"] / pd["seconds"] for lf, pd in zip(runs["layerforge"], runs["pandas"])]
        print()
        print(f"{'side':<48} {'median s':>9} {'peak MB':>8} {'peak / float32 array':>21}")
        labels = {"pandas": 'reference: pandas.read_csv(engine="pyarrow")',
                  "layerforge": "LayerForge load() -> float32 training arrays"}
        for side, label in labels.items():
            seconds = statistics.median(r["seconds"] for r in runs[side])
            peak = statistics.median(r["peak"] for r in runs[side])
            print(f"{label:<48} {seconds:9.3f} {peak / 1e6:8.0f} {peak / final:20.2f}×")
        print(f"(final float32 array: {final / 1e6:.0f} MB)")
        print()
        peak_ratios = [r["peak"] / final for r in runs["layerforge"]]
        print(f"{'ratio':<48} {'median':>7} {'min':>6} {'max':>6}  target")
        for label, values, target in (("load time / pandas read time (per pair)", time_ratios, 1.3),
                                      ("LayerForge peak memory / float32 array", peak_ratios, 3.0)):
            ok = statistics.median(values) <= target
            print(f"{label:<48} {statistics.median(values):7.2f} {min(values):6.2f}"
                  f" {max(values):6.2f}  <= {target}  {'OK' if ok else 'MISSED'}")
        for label, seconds in ((f"preview: read_head of the {size_mb:.0f} MB file, s", preview_seconds(path)),
                               ("preview: the CSV dialog shown with its rows, s",
                                dialog_preview_seconds(path))):
            if seconds is not None:
                print(f"{label:<48} {seconds:7.3f}{'':14}  < 1.0  {'OK' if seconds < 1 else 'MISSED'}")


if __name__ == "__main__":
    main()
