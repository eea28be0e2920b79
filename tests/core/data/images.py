"""Image folders for tests, drawn with Pillow: classes of shapes, plus broken files on request."""

from __future__ import annotations

from pathlib import Path

import numpy as np

SHAPES = ("circle", "square", "triangle")


def draw(shape: str, size: tuple[int, int] = (24, 32), seed: int = 0, mode: str = "RGB"):
    """One image of ``shape`` (width, height = size) in a random colour on a dark background."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(seed)
    width, height = size
    image = Image.new("RGB", size, tuple(int(v) for v in rng.integers(0, 60, 3)))
    pen = ImageDraw.Draw(image)
    colour = tuple(int(v) for v in rng.integers(120, 256, 3))
    r = min(width, height) * rng.uniform(0.25, 0.4)
    cx, cy = width / 2 + rng.uniform(-3, 3), height / 2 + rng.uniform(-3, 3)
    if shape == "circle":
        pen.ellipse([cx - r, cy - r, cx + r, cy + r], fill=colour)
    elif shape == "square":
        pen.rectangle([cx - r, cy - r, cx + r, cy + r], fill=colour)
    else:
        pen.polygon([(cx, cy - r), (cx + r, cy + r), (cx - r, cy + r)], fill=colour)
    return image.convert(mode) if mode != "RGB" else image


def make_folder(root: Path, counts: dict[str, int] | None = None, size=(24, 32), mode: str = "RGB",
                broken: bool = False, fmt: str = "PNG") -> Path:
    """``root/<class>/<class>_<i>.png`` images; with ``broken``, add the usual bad files."""
    counts = counts or {name: 6 for name in SHAPES}
    suffix = {"PNG": ".png", "JPEG": ".jpg"}[fmt]
    seed = 0
    for name, count in counts.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(count):
            seed += 1
            draw(name if name in SHAPES else SHAPES[seed % 3], size, seed, mode).save(
                folder / f"{name}_{i:03d}{suffix}", fmt)
    if broken:
        add_broken_files(root / next(iter(counts)))
    return root


BROKEN = {
    "zero.png": "empty file (0 bytes)",
    "notes.txt": "not an image file",
    "text_named.jpg": "not an image, although its name ends in .jpg",
    "truncated.png": "truncated or damaged image",
}


def add_broken_files(folder: Path) -> None:
    """A zero-byte file, a stray text file, a text file named .jpg and a truncated PNG."""
    (folder / "zero.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not an image\n")
    (folder / "text_named.jpg").write_text("hello, I am not a JPEG\n")
    import io

    buffer = io.BytesIO()
    draw("circle", (64, 64), 99).save(buffer, "PNG")
    data = buffer.getvalue()
    (folder / "truncated.png").write_bytes(data[: len(data) // 2])
