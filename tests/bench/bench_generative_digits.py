"""Generated 8×8 digits judged by a classifier: the VAE and GAN examples (issue 13's target).

Run: ``.venv/bin/python -m tests.bench.bench_generative_digits [--models vae,gan]
[--count 500] [--device cpu] [--keep FOLDER]``.

1. **The judge.** The 1,797 digits of ``resources/sample_data/digits`` are shuffled (seed 0):
   ``count`` of them are held out, the others train a small CNN classifier with LayerForge
   (``layerforge train``: Conv 32 → ReLU → MaxPool → Conv 64 → ReLU → Linear 128 → ReLU →
   Output, Adam at 0.002 with weight decay 0.0003, batch 32, 100 epochs keeping the last one,
   not the best). It is
   trained on real images only, never on a generative model's.
2. **Each model** of ``--models`` (``vae`` is ``resources/examples/vae_digits.lfproj``,
   ``gan`` is ``gan_digits.lfproj``; a name whose example does not exist is skipped with a
   line): ``python -m core.cli train EXAMPLE --run-dir RUN --device cpu`` with the
   example's shipped settings (wall time from the command's start to its end), then
   ``python -m core.cli generate RUN --count 500 --out FOLDER --seed 0``.
3. **Judging.** ``layerforge predict``'s code (:func:`core.export.predict.predict_file`)
   classifies the generated images, the held-out real digits and ``count`` images of uniform
   noise (every pixel 0..255, seed 0). For each set: the share with confidence (the highest
   class probability) at least 0.99 and at least 0.8, and the digits that the confident
   (≥ 0.99) predictions cover, with how many of each.

Target (issue 13): each model trains in at most 10 minutes on the CPU, at least 70% of its
500 generated images get confidence ≥ 0.99, and those cover at least 8 of the 10 digits.
Such a classifier is overconfident (noise gets high confidence too), which is why the real
and noise figures are printed beside the generated ones: a model's figure means something
only between the two. Prints a PASS or FAIL line per model.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DIGITS = ROOT / "resources" / "sample_data" / "digits"
EXAMPLES = ROOT / "resources" / "examples"
SIZE = 8
CONFIDENT, LIKELY = 0.99, 0.8
#: Issue 13's target per model.
TARGET_MINUTES, TARGET_CONFIDENT, TARGET_DIGITS = 10.0, 0.70, 8

_CHAIN = (("conv1", "Conv2d", {"out_channels": 32, "kernel_size": 3, "padding": 1}), ("relu1", "ReLU", {}),
          ("pool", "MaxPool2d", {"kernel_size": 2}),
          ("conv2", "Conv2d", {"out_channels": 64, "kernel_size": 3, "padding": 1}), ("relu2", "ReLU", {}),
          ("flatten", "Flatten", {}), ("hidden", "Linear", {"out_features": 128}), ("relu3", "ReLU", {}))


def judge_project(data: Path) -> dict:
    """The judge: a small CNN classifying 8×8 grey digits, trained on ``data``."""
    nodes = [{"id": "input", "type": "Input", "params": {}, "pos": [0, 0]}]
    nodes += [{"id": i, "type": t, "params": p, "pos": [150 * (n + 1), 0]} for n, (i, t, p) in enumerate(_CHAIN)]
    nodes.append({"id": "output", "type": "Output", "params": {}, "pos": [150 * (len(_CHAIN) + 1), 0]})
    ids = [node["id"] for node in nodes]
    return {
        "format": "layerforge.project", "format_version": 3, "name": "Digits judge",
        "description": "Classifies 8×8 digits: the judge of the generative digits benchmark.",
        "graph": {"nodes": nodes, "edges": [{"source": a, "target": b} for a, b in zip(ids, ids[1:])]},
        "data": {"kind": "image_folder", "path": str(data), "image_size": [SIZE, SIZE], "color": "grayscale"},
        "training": {"epochs": 100, "batch_size": 32, "optimizer": "adam", "learning_rate": 0.002,
                     "weight_decay": 0.0003, "seed": 0,
                     "early_stopping": {"patience": 1000, "restore_best": False}},
    }


def split_digits(work: Path, count: int) -> tuple[Path, Path]:
    """``count`` digits copied to ``work/real/<digit>/`` (held out), the rest to ``work/judge_data``."""
    files = sorted(DIGITS.glob("*/*.png"))
    random.Random(0).shuffle(files)
    for folder, part in (("real", files[:count]), ("judge_data", files[count:])):
        for path in part:
            target = work / folder / path.parent.name
            target.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target / path.name)
    return work / "real", work / "judge_data"


def write_noise(folder: Path, count: int) -> Path:
    """``count`` 8×8 grey PNGs of uniform noise (seed 0)."""
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8), "L").save(folder / f"noise_{i:04d}.png")
    return folder


def layerforge(*args: str) -> tuple[int, float, str]:
    """``python -m core.cli ARGS`` here: its exit code, wall seconds and the tail of its errors."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, capture_output=True,
                          text=True)
    return done.returncode, time.perf_counter() - start, (done.stderr or done.stdout)[-2000:]


@dataclass
class Figures:
    images: int
    confident: float  # share with confidence >= CONFIDENT
    likely: float  # share with confidence >= LIKELY
    covered: dict[str, int]  # digit -> confident predictions of it

    def row(self, name: str) -> str:
        counts = " ".join(f"{digit}:{n}" for digit, n in sorted(self.covered.items()))
        return (f"  {name:<24} {self.images:>6,} {100 * self.confident:>8.1f}% {100 * self.likely:>7.1f}%"
                f" {len(self.covered):>7}   {counts}")


def judge(judge_run: Path, folder: Path) -> Figures:
    """The judge's confidence on every image of ``folder`` (class sub-folders or not)."""
    from core.export.predict import predict_file

    table = predict_file(judge_run, folder)
    classes = [name[len("prob_"):] for name in table.header if name.startswith("prob_")]
    probabilities = np.asarray(table.outputs, np.float64)
    confidence, predicted = probabilities.max(axis=1), probabilities.argmax(axis=1)
    sure = confidence >= CONFIDENT
    covered = {classes[k]: int(n) for k, n in enumerate(np.bincount(predicted[sure], minlength=len(classes))) if n}
    return Figures(len(confidence), float(sure.mean()), float((confidence >= LIKELY).mean()), covered)


HEADER = (f"  {'images':<24} {'count':>6} {'conf≥0.99':>9} {'conf≥0.8':>8} {'digits':>7}"
          "   confident predictions per digit")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="vae,gan",
                        help="comma-separated: NAME trains resources/examples/NAME_digits.lfproj")
    parser.add_argument("--count", type=int, default=500, help="images generated, held out and of noise")
    parser.add_argument("--device", default="cpu", help="where the examples train (the target is for the CPU)")
    parser.add_argument("--keep", metavar="FOLDER", help="work in FOLDER and keep it (runs, samples)")
    args = parser.parse_args(argv)
    models = [name.strip() for name in args.models.split(",") if name.strip()]

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.keep).resolve() if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        real, judge_data = split_digits(work, args.count)
        project = work / "judge.lfproj"
        project.write_text(json.dumps(judge_project(judge_data), indent=1), encoding="utf-8")
        code, seconds, errors = layerforge("train", str(project), "--run-dir", str(work / "judge-run"),
                                           "--device", "cpu", "--quiet", "--overwrite")
        if code:
            print(f"the judge did not train (exit code {code}):\n{errors}")
            return 1
        judge_run = work / "judge-run"
        final = json.loads((judge_run / "run.json").read_text(encoding="utf-8")).get("final") or {}
        accuracy = final.get("val_accuracy")
        print(f"judge: a small CNN trained by LayerForge on {sum(1 for _ in judge_data.glob('*/*.png')):,}"
              f" real digits in {seconds:.0f} s"
              + (f" (validation accuracy {accuracy:.3f})" if isinstance(accuracy, float) else "")
              + f"; {args.count} others held out")
        real_figures = judge(judge_run, real)
        noise_figures = judge(judge_run, write_noise(work / "noise", args.count))

        verdicts = []
        for name in models:
            example = EXAMPLES / f"{name}_digits.lfproj"
            print()
            if not example.is_file():
                print(f"{name}: skipped, {example.relative_to(ROOT)} does not exist (yet)")
                continue
            run_dir, samples = work / f"{name}-run", work / f"{name}-samples"
            code, seconds, errors = layerforge("train", str(example), "--run-dir", str(run_dir), "--device",
                                               args.device, "--quiet", "--overwrite")
            if code:
                print(f"{name}: training {example.name} failed (exit code {code}):\n{errors}")
                verdicts.append(f"{name}: FAIL (training failed)")
                continue
            shutil.rmtree(samples, ignore_errors=True)
            code, _, errors = layerforge("generate", str(run_dir), "--count", str(args.count), "--out",
                                         str(samples), "--seed", "0")
            if code:
                print(f"{name}: layerforge generate failed (exit code {code}):\n{errors}")
                verdicts.append(f"{name}: FAIL (generate failed)")
                continue
            minutes = seconds / 60
            generated = judge(judge_run, samples)
            print(f"{name}: {example.relative_to(ROOT)} trained on {args.device} in {minutes:.2f} min"
                  f" (wall time of layerforge train), {args.count} images from layerforge generate --seed 0")
            print(HEADER)
            print(generated.row(f"generated by {name}"))
            print(real_figures.row("real (held out)"))
            print(noise_figures.row("uniform noise"))
            misses = [text for text, ok in (
                (f"{minutes:.1f} min > {TARGET_MINUTES:.0f}", minutes <= TARGET_MINUTES),
                (f"{100 * generated.confident:.1f}% < {100 * TARGET_CONFIDENT:.0f}% confident",
                 generated.confident >= TARGET_CONFIDENT),
                (f"{len(generated.covered)} < {TARGET_DIGITS} digits", len(generated.covered) >= TARGET_DIGITS))
                if not ok]
            verdicts.append(f"{name}: {'FAIL (' + '; '.join(misses) + ')' if misses else 'PASS'}"
                            f" ({minutes:.1f} min, {100 * generated.confident:.1f}% at ≥{CONFIDENT},"
                            f" {len(generated.covered)} digits covered; target ≤{TARGET_MINUTES:.0f} min,"
                            f" ≥{100 * TARGET_CONFIDENT:.0f}%, ≥{TARGET_DIGITS} digits)")
        print()
        for line in verdicts:
            print(line)
        if args.keep:
            print(f"runs, samples and the judge kept in {work}")
    return 0 if all("PASS" in line for line in verdicts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
