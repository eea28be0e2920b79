"""Finding the images of a class-per-sub-folder tree and reading their headers.

Only headers are read (size and colour mode), so a scan of thousands of files is quick;
it is remembered on disk per folder state (every file's path, size and modification
time), so a second scan of an unchanged folder costs a directory walk. Files that
cannot be images are listed with the reason and left out; the layout mistakes a person
makes (no class sub-folders, one class only) are refused with the expected layout.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.atomic import write_text_atomic
from core.data.dataset import CancelCallback, ProgressCallback
from core.data.file_walk import REPEAT_REASON, walk
from core.data.paths import resolve
from core.errors import DataError

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".gif",
                              ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".pnm", ".tga",
                              ".ico", ".qoi", ".avif"})
GRAYSCALE_MODES = frozenset({"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "I;16N", "F", "La"})
_FORMAT_EXTENSIONS = {"JPEG": {".jpg", ".jpeg", ".jpe", ".jfif"}, "PNG": {".png"},
                      "GIF": {".gif"}, "BMP": {".bmp", ".dib"}, "TIFF": {".tif", ".tiff"},
                      "WEBP": {".webp"}}
LAYOUT = ("one sub-folder per class with the images inside, for example"
          " {root}/cat/001.jpg and {root}/dog/002.jpg")
_SCAN_VERSION = 1


@dataclass
class ImageEntry:
    """One image that opened: where it is (relative to the root), its class and header facts."""

    path: str
    label: int
    width: int
    height: int
    mode: str


@dataclass
class FolderScan:
    """The classes and images of a folder, and what was left out and why."""

    root: Path
    classes: list[str]
    entries: list[ImageEntry]
    skipped: list[list[str]] = field(default_factory=list)  # [relative path, reason]
    notes: list[str] = field(default_factory=list)
    fingerprint: str = ""

    def counts(self) -> list[int]:
        counts = [0] * len(self.classes)
        for entry in self.entries:
            counts[entry.label] += 1
        return counts

    def median_size(self) -> tuple[int, int]:
        """Median height and width of the images."""
        heights = sorted(e.height for e in self.entries)
        widths = sorted(e.width for e in self.entries)
        middle = len(heights) // 2
        return heights[middle], widths[middle]

    def all_grayscale(self) -> bool:
        return all(e.mode in GRAYSCALE_MODES for e in self.entries)

    def absolute(self, entry: ImageEntry) -> Path:
        return self.root / entry.path


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in ("Thumbs.db", "desktop.ini", "__MACOSX")


def read_header(path: Path) -> tuple[int, int, str, str | None]:
    """``(width, height, mode, format)`` of an image file; raises ``OSError``/``ValueError``."""
    from PIL import Image, ImageOps  # noqa: F401 - ImageOps registers nothing, Image does

    with Image.open(path) as image:
        width, height = image.size
        orientation = image.getexif().get(0x0112, 1) if hasattr(image, "getexif") else 1
        if orientation in (5, 6, 7, 8):
            width, height = height, width
        mode = image.mode
        if mode == "P":
            mode = _palette_mode(image)
        return width, height, mode, image.format


def _palette_mode(image) -> str:
    palette = image.getpalette() or []
    rgb = [palette[i:i + 3] for i in range(0, len(palette), 3)]
    gray = all(c[0] == c[1] == c[2] for c in rgb if len(c) == 3)
    return "L" if gray and "transparency" not in image.info else "P"


def problem_of(path: Path, size: int) -> str | None:
    """Why a file is not used as an image, or None."""
    if Path(path).suffix.lower() not in IMAGE_EXTENSIONS:
        return "not an image file"
    if size == 0:
        return "empty file (0 bytes)"
    if size < 0:
        return "cannot be read"
    return None


def _header_or_reason(path: Path) -> tuple[tuple[int, int, str, str | None] | None, str | None]:
    from core.data.image_decode import describe_error

    try:
        return read_header(path), None
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad files
        if "cannot identify image file" in str(err):
            return None, f"not an image, although its name ends in {Path(path).suffix.lower()}"
        return None, describe_error(err)


def _fingerprint(root: Path, files: list[tuple[str, int, int]]) -> str:
    digest = hashlib.sha256(str(root).encode())
    for rel, size, mtime in files:
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()[:32]


def _layout_error(root: Path, what: str) -> DataError:
    return DataError(f"{root} {what}: an image folder needs {LAYOUT.format(root=root.name)}")


def scan_folder(root: str | Path, *, cache_root: Path | None = None,
                progress: ProgressCallback | None = None, cancel: CancelCallback | None = None,
                require_classes: bool = True) -> FolderScan:
    """Classes (sub-folders, sorted), images with their headers, and skipped files."""
    root = resolve(root)
    if not root.exists():
        raise DataError(f"{root} does not exist: choose the folder that holds the class sub-folders")
    if not root.is_dir():
        raise DataError(f"{root} is a file, not a folder: choose the folder that holds one"
                        " sub-folder per class")
    try:
        children = sorted(p for p in root.iterdir() if not _hidden(p.name))
    except OSError as err:
        raise DataError(f"{root} cannot be read: {err.strerror or err}") from None
    class_dirs = [p for p in children if p.is_dir()]
    loose = [p for p in children if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    if require_classes and not class_dirs:
        what = "holds images but no class sub-folders" if loose else "has no class sub-folders"
        raise _layout_error(root, what)
    found = walk(root, [d.name for d in class_dirs], skip=_hidden)
    listing = _by_class([d.name for d in class_dirs], found.files)
    repeats = [[rel, REPEAT_REASON] for rel in found.repeats]
    fingerprint = _fingerprint(root, found.files + [(p.name, 0, 0) for p in loose]
                               + [(rel, -2, 0) for rel in found.repeats])  # -2: a repeated link
    stored = _load_scan(cache_root, fingerprint, root)
    if stored is None:
        stored = _scan(root, listing, fingerprint, progress, cancel, repeats=repeats)
        _save_scan(cache_root, stored)
    if loose and class_dirs:
        stored.notes.append(f"{len(loose)} images directly in {root.name} (not in a class folder)"
                            " are left out")
    if require_classes and len(stored.classes) < 2:
        if stored.classes:
            raise _layout_error(root, f"has only one class with images ({stored.classes[0]!r});"
                                " a classifier needs at least two")
        raise _layout_error(root, "has no readable images in its sub-folders")
    return stored


HEADER_CHUNK = 128


def header_chunk(paths: list[str]) -> list[tuple]:
    """Worker task: ``(width, height, mode, format)`` or ``(None, reason)`` per path."""
    out = []
    for path in paths:
        header, reason = _header_or_reason(Path(path))
        out.append(header if header is not None else (None, reason))
    return out


def _by_class(classes: list[str], files: list[tuple[str, int, int]]) -> list[tuple[str, list]]:
    """``[(class, [(path inside the class folder, size, mtime), ...]), ...]`` in class order."""
    grouped: dict[str, list] = {name: [] for name in classes}
    for rel, size, mtime in files:
        name, _slash, inner = rel.partition("/")
        grouped[name].append((inner, size, mtime))
    return list(grouped.items())


def _scan(root: Path, listing, fingerprint: str, progress, cancel, workers=None,
          repeats: list[list[str]] | None = None) -> FolderScan:
    from core.data.workers import run_chunks

    candidates, skipped = [], [list(r) for r in repeats or []]
    for name, files in listing:
        for rel, size, _mtime in files:
            shown = f"{name}/{rel}"
            reason = problem_of(root / shown, size)
            if reason is None:
                candidates.append((name, shown))
            else:
                skipped.append([shown, reason])
    paths = [str(root / shown) for _name, shown in candidates]
    tasks = [paths[i:i + HEADER_CHUNK] for i in range(0, len(paths), HEADER_CHUNK)]

    def report(done: int) -> None:
        if progress is not None:
            progress(done / max(len(tasks), 1),
                     f"reading image headers: {min(done * HEADER_CHUNK, len(paths)):,} of {len(paths):,}")

    headers = run_chunks(header_chunk, tasks, workers=workers, progress=report, cancel=cancel)
    by_class: dict[str, list] = {name: [] for name, _files in listing}
    notes: list[str] = []
    for (name, shown), header in zip(candidates, headers):
        if header[0] is None:
            skipped.append([shown, header[1]])
            continue
        width, height, mode, fmt = header
        suffix = Path(shown).suffix.lower()
        if fmt in _FORMAT_EXTENSIONS and suffix not in _FORMAT_EXTENSIONS[fmt]:
            notes.append(f"{shown} is a {fmt} image with a {suffix} name: read it anyway")
        by_class[name].append((shown, width, height, mode))
    classes: list[str] = []
    entries: list[ImageEntry] = []
    for name, found in by_class.items():
        if not found:
            notes.append(f"class folder {name!r} has no images: left out")
            continue
        classes.append(name)
        entries.extend(ImageEntry(p, len(classes) - 1, w, h, m) for p, w, h, m in found)
    skipped.sort()
    return FolderScan(root=root, classes=classes, entries=entries, skipped=skipped, notes=notes,
                      fingerprint=fingerprint)


def _scan_file(cache_root: Path | None, fingerprint: str) -> Path | None:
    return None if cache_root is None else cache_root / "scans" / f"{fingerprint}.json"


def _load_scan(cache_root: Path | None, fingerprint: str, root: Path) -> FolderScan | None:
    path = _scan_file(cache_root, fingerprint)
    if path is None:
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("version") != _SCAN_VERSION:
            return None
        return FolderScan(root=root, classes=data["classes"],
                          entries=[ImageEntry(**e) for e in data["entries"]],
                          skipped=data["skipped"], notes=data["notes"], fingerprint=fingerprint)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save_scan(cache_root: Path | None, scan: FolderScan) -> None:
    path = _scan_file(cache_root, scan.fingerprint)
    if path is None:
        return
    data = {"version": _SCAN_VERSION, "classes": scan.classes,
            "entries": [asdict(e) for e in scan.entries], "skipped": scan.skipped,
            "notes": scan.notes}
    try:
        write_text_atomic(path, json.dumps(data))
    except OSError:
        pass


def list_images(path: str | Path) -> tuple[Path, list[str], list[list[str]]]:
    """For prediction: every image below ``path`` (a folder, sub-folders optional, or one
    file) as paths relative to the root, and the files left out with the reason."""
    path = resolve(path)
    if path.is_file():
        return path.parent, [path.name], []
    if not path.is_dir():
        raise DataError(f"{path} does not exist: choose an image file or a folder of images")
    found = walk(path, skip=_hidden)
    images, skipped = [], [[rel, REPEAT_REASON] for rel in found.repeats]
    for rel, size, _mtime in found.files:
        reason = problem_of(path / rel, size)
        if reason is None:
            images.append(rel)
        elif reason != "not an image file":
            skipped.append([rel, reason])
    if not images:
        raise DataError(f"{path} holds no image files (.png, .jpg, ...): choose a folder of images")
    return path, images, skipped
