"""Make the pictures of the guide's autoencoder, VAE and GAN pages from real training runs.

Each example trains for a while (headless, with the probes the designer runs), its messages
go through the designer's relay into a :class:`~designer.training.live.LiveRun` as in the
app, and the training plots' tabs are grabbed: the same widgets a person sees while the run
trains. The PNGs go to ``resources/guide/`` (what :func:`core.guide_concepts.picture_path`
finds), quantised to 128 colours to stay small.

Run from the repository root (a display is needed, or ``QT_QPA_PLATFORM=offscreen``)::

    .venv/bin/python -m tests.designer.guide_pictures [autoencoder|vae|gan ...]

It takes a few minutes on two cores; nothing in the test suite runs it.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "resources" / "guide"
SIZE = (660, 330)  # each picture, in pixels: the guide shows it at this size


def first_example(*stems: str) -> str:
    """The first of ``stems`` that is shipped (an example may be renamed or replaced)."""
    for stem in stems:
        if (ROOT / "resources" / "examples" / f"{stem}.lfproj").is_file():
            return stem
    raise SystemExit(f"none of the examples {', '.join(stems)} is shipped")


#: page -> (example stems to try, epochs, [(tab attribute, picture file)]); a file name may
#: be ``(name, width)``: that tab is drawn that wide (its plots need the room) and scaled to
#: ``SIZE``.
PAGES = {
    "autoencoder": (("autoencoder",), 20, [("reconstructions", "autoencoder_reconstructions.png"),
                                            ("latent_space", "autoencoder_latent.png")]),
    "vae": (("vae_digits", "vae_shapes"), 150, [("vae_samples", "vae_samples.png"),
                                                 ("latent_space", "vae_latent.png")]),
    "gan": (("gan_digits", "gan_shapes"), 300, [("gan_samples", ("gan_samples.png", 800)),
                                                ("discriminator", "gan_discriminator.png")]),
}


def train_into_live(stem: str, epochs: int | None):
    """Train the example ``stem`` (``epochs`` of them, else its own), feeding a LiveRun as the app does."""
    import copy
    import json

    from core.data import load
    from core.project import Project
    from core.train import prepare
    from core.train.probes import standard_probes
    from designer.training.live import LiveRun
    from designer.training.relay import BatchUpdate, EpochUpdate, Relay, RunStarted

    path = ROOT / "resources" / "examples" / f"{stem}.lfproj"
    record = json.loads(path.read_text(encoding="utf-8"))
    if epochs is not None:
        record["training"] = {**copy.deepcopy(record.get("training") or {}), "epochs": epochs}
    project = Project.from_dict(record, path=path)
    dataset = load(project.data, project.directory)
    live = LiveRun()

    def post(item) -> None:  # what designer.training.session does with each message
        if isinstance(item, RunStarted):
            live.start(item.batches, item.epochs, item.history, item.task, item.class_names, item.run_dir)
        elif isinstance(item, BatchUpdate):
            live.add_batches(item.steps, item.losses, item.learning_rate)
        elif isinstance(item, EpochUpdate):
            live.add_epoch(item.row, item.best_epoch, item.confusion)
        elif hasattr(item, "kind"):
            live.add_snapshot(item)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        trainer = prepare(project, dataset, run_dir=Path(folder) / "run",
                          callbacks=[Relay(post), *standard_probes(post, dataset.info)])
        result = trainer.fit()
    print(f"{stem}: {result.status}, {live.epochs} epochs", flush=True)
    return live


def small_png(image) -> bytes:
    """A QImage as a PNG of at most 128 colours."""
    from PIL import Image
    from PySide6.QtCore import QBuffer, QIODevice

    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    picture = Image.open(io.BytesIO(bytes(buffer.data()))).convert("RGB")
    out = io.BytesIO()
    picture.quantize(128, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def make(page: str) -> list[Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    from core.atomic import write_bytes_atomic
    from designer.training.plots import TrainingPlots

    stems, epochs, tabs = PAGES[page]
    live = train_into_live(first_example(*stems), epochs)
    plots = TrainingPlots()
    plots.show()
    plots.set_live(live)
    written = []
    for name, file in tabs:
        file, width = file if isinstance(file, tuple) else (file, SIZE[0])
        height = round(SIZE[1] * width / SIZE[0])
        view = getattr(plots, name)
        plots.tabs.setCurrentWidget(view)
        plots.resize(width, height + 60)
        view.resize(width, height)
        plots.redraw_all()
        QTest.qWait(300)
        image = view.grab().toImage()
        if width != SIZE[0]:
            image = image.scaled(SIZE[0], SIZE[1], Qt.AspectRatioMode.IgnoreAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
        path = OUT / file
        write_bytes_atomic(path, small_png(image))
        written.append(path)
        print(f"  {path.relative_to(ROOT)} ({path.stat().st_size // 1024} KB)", flush=True)
    plots.close()
    return written


def main(argv: list[str]) -> int:
    from designer.app import create_app

    _app = create_app([])
    OUT.mkdir(parents=True, exist_ok=True)
    for page in argv or list(PAGES):
        make(page)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
