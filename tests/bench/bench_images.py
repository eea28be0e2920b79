"""Image folder loading: parallel decode vs a plain Pillow loop, and epochs from the cache.

Run: ``.venv/bin/python -m tests.bench.bench_images [--images 5000] [--rounds 3]``.

Generates 5 000 small PNG and JPEG files (40-80 px, three classes) in a temporary
folder, then alternates, round after round:

- reference: a single-process loop that opens each file with Pillow, applies EXIF
  orientation, converts to RGB, resizes and stores the pixels in a float32 array;
- decode: LayerForge decoding the folder into its memory-mapped cache with the default
  number of worker processes (the folder's headers were scanned before, as
  ``describe()`` does when the data is chosen);
- cold load: ``load()`` of a folder never seen (no scan, no cache), as ``layerforge
  train`` meets a new folder: with the image size and colour given, the headers are read
  by the decode workers in the same pass (``core/data/image_first_load.py``);
- second load: ``load()`` again, from the cache (no decoding);
- epoch: one shuffled pass over the training split in batches of 64, as a trainer
  reads it after the first epoch, with the splits in memory and memory-mapped.

Targets (issue 4): decode throughput >= 1.6x the reference; cached epochs >= 10x faster
than decoding; (issue 16) cold load >= 1.5x the reference on two cores. Prints medians,
per-round ratios and the load average beside them (the machines are shared).

Wall-clock ratios of a two-process load against a one-process loop shrink when other
work holds the cores: Linux shares the CPU between sessions (``autogroup``), so while
another session keeps both cores busy, this one gets about one core however many workers
it starts, and the cold-load ratio falls towards the ratio of CPU seconds. Those are
printed too (this process and its forked workers; workers started from a fork server are
not counted): a ratio that the load average does not move.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

SIZE = (64, 64)


def make_images(root: Path, count: int) -> None:
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(0)
    for i in range(count):
        label = ("circle", "square", "triangle")[i % 3]
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        w, h = (int(v) for v in rng.integers(40, 81, 2))
        image = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(0, 80, 3)))
        pen = ImageDraw.Draw(image)
        box = [w * 0.2, h * 0.2, w * 0.8, h * 0.8]
        colour = tuple(int(v) for v in rng.integers(120, 256, 3))
        if label == "circle":
            pen.ellipse(box, fill=colour)
        elif label == "square":
            pen.rectangle(box, fill=colour)
        else:
            pen.polygon([(w / 2, h * 0.2), (w * 0.8, h * 0.8), (w * 0.2, h * 0.8)], fill=colour)
        noise = rng.integers(0, 30, (h, w, 3), dtype=np.uint8)
        image = Image.fromarray(np.asarray(image) // 2 + noise)
        if i % 2:
            image.save(folder / f"{i:05d}.jpg", quality=90)
        else:
            image.save(folder / f"{i:05d}.png")


def reference_loop(paths: list[Path]) -> float:
    from PIL import Image, ImageOps

    start = time.perf_counter()
    out = np.empty((len(paths), 3, SIZE[0], SIZE[1]), np.float32)
    for i, path in enumerate(paths):
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image).convert("RGB").resize((SIZE[1], SIZE[0]),
                                                                         Image.BILINEAR)
            out[i] = np.asarray(image, np.float32).transpose(2, 0, 1) / 255
    return time.perf_counter() - start


def _autogroup() -> str:
    try:
        setting = Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip()
        return {"1": "yes", "0": "no"}[setting]
    except (OSError, KeyError):
        return "unknown"


def cpu_seconds() -> float:
    """CPU time of this process and of its children that have ended (forked workers)."""
    own, children = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def decode_only(scan, cache_root: Path) -> float:
    from core.data.image_cache import decoded_images

    shutil.rmtree(cache_root / "images", ignore_errors=True)
    start = time.perf_counter()
    decoded = decoded_images(scan, SIZE, "rgb", cache_root)
    elapsed = time.perf_counter() - start
    assert not decoded.from_cache and not decoded.failed
    return elapsed


def cold_load(spec, cache_root: Path) -> tuple[float, float]:
    """Seconds and CPU seconds of a first load (the old cache's removal not counted)."""
    from core.data import load

    shutil.rmtree(cache_root, ignore_errors=True)
    cpu, start = cpu_seconds(), time.perf_counter()
    load(spec, cache_dir=cache_root)
    return time.perf_counter() - start, cpu_seconds() - cpu


def cached_load(spec, cache_root: Path):
    from core.data import load

    start = time.perf_counter()
    dataset = load(spec, cache_dir=cache_root)
    elapsed = time.perf_counter() - start
    assert dataset.schema["from_cache"]
    return elapsed, dataset


def epoch(x: np.ndarray) -> float:
    """One shuffled pass in batches of 64, as a trainer reads a split."""
    start = time.perf_counter()
    order = np.random.default_rng(0).permutation(len(x))
    total = 0.0
    for first in range(0, len(order), 64):
        batch = np.asarray(x[np.sort(order[first:first + 64])])
        total += float(batch[:, 0, 0, 0].sum())
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--as-designer", action="store_true",
                        help="import Qt first, as the designer does (workers start from a fork server)")
    args = parser.parse_args()
    if args.as_designer:
        import PySide6.QtCore  # noqa: F401 - its presence makes the loader use a fork server
    from core.data.workers import default_workers
    from core.data.image_scan import scan_folder

    with tempfile.TemporaryDirectory(prefix="lf-bench-images-") as tmp:
        root, cache_root = Path(tmp) / "images", Path(tmp) / "cache"
        started = time.perf_counter()
        make_images(root, args.images)
        from core.data.workers import _context

        print(f"{args.images} images generated in {time.perf_counter() - started:.1f} s;"
              f" default workers: {default_workers()}, started by {_context().get_start_method()}")
        paths = sorted(p for p in root.rglob("*") if p.is_file())
        spec = {"kind": "image_folder", "path": str(root), "image_size": list(SIZE), "color": "rgb"}
        started = time.perf_counter()
        scan = scan_folder(root, cache_root=cache_root)
        print(f"header scan (once, as describe() does): {time.perf_counter() - started:.2f} s")
        print(f"load average before the rounds: {' '.join(open('/proc/loadavg').read().split()[:3])}")
        print(f"CPU shared between sessions (autogroup): {_autogroup()}")
        rows: dict[str, list[float]] = {k: [] for k in ("reference", "decode", "cold", "load", "epoch",
                                                        "mapped", "reference cpu", "cold cpu")}
        for _ in range(args.rounds):
            started = cpu_seconds()
            rows["reference"].append(reference_loop(paths))
            rows["reference cpu"].append(cpu_seconds() - started)
            rows["decode"].append(decode_only(scan, cache_root))
            elapsed, cpu = cold_load(spec, cache_root)
            rows["cold"].append(elapsed)
            rows["cold cpu"].append(cpu)
            elapsed, dataset = cached_load(spec, cache_root)
            rows["load"].append(elapsed)
            rows["epoch"].append(epoch(dataset.train.x))
            os.environ["LAYERFORGE_IMAGE_MEMORY"] = "0"  # splits as memory-mapped files
            try:
                mapped = cached_load(spec, cache_root)[1]
            finally:
                del os.environ["LAYERFORGE_IMAGE_MEMORY"]
            assert isinstance(mapped.train.x, np.memmap)
            rows["mapped"].append(epoch(mapped.train.x))
        n = args.images
        med = {k: statistics.median(v) for k, v in rows.items()}
        train = len(dataset.train)
        print()
        print(f"{'measurement':<52} {'median s':>9} {'images/s':>9}")
        names = {"reference": ("reference: single-process Pillow loop", n),
                 "decode": ("LayerForge decode into the cache (default workers)", n),
                 "cold": ("LayerForge cold load (header scan + decode + split)", n),
                 "load": ("LayerForge second load() from the cache", n),
                 "epoch": ("epoch from the cache (splits in memory)", train),
                 "mapped": ("epoch from the cache (splits memory-mapped)", train)}
        for key, (label, count) in names.items():
            print(f"{label:<52} {med[key]:9.3f} {count / med[key]:9.0f}")

        def speed(a, b, count_a=n, count_b=n):  # throughput of b / throughput of a, per round
            return [(count_b / tb) / (count_a / ta) for ta, tb in zip(rows[a], rows[b])]

        print()
        forked = _context().get_start_method() == "fork"  # else the workers' CPU is not counted
        print(f"{'ratio of throughputs (per round)':<52} {'median':>7}  {'min':>6}  {'max':>6}  target")
        ratios = [
            ("decode / reference", speed("reference", "decode"), 1.6),
            ("cold load / reference", speed("reference", "cold"), 1.5),
            ("cold load / decode alone (1.0: scan costs nothing)", speed("decode", "cold"), None),
            ("epoch from cache (memory) / decode", speed("decode", "epoch", n, train), 10.0),
            ("epoch from cache (memory-mapped) / decode", speed("decode", "mapped", n, train), 10.0),
            ("second load from cache / decode", speed("decode", "load"), None)]
        if forked:
            ratios.append(("CPU s: reference / cold load (1.0: as much work)",
                           speed("reference cpu", "cold cpu"), None))
        for label, values, target in ratios:
            verdict = "" if target is None else (
                f">= {target}  {'OK' if statistics.median(values) >= target else 'MISSED'}")
            print(f"{label:<52} {statistics.median(values):7.2f}  {min(values):6.2f}"
                  f"  {max(values):6.2f}  {verdict}")
        print(f"load average after the rounds: {' '.join(open('/proc/loadavg').read().split()[:3])}")


if __name__ == "__main__":
    main()
