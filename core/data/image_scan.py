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
import os
import struct
from dataclasses import dataclass, field
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
        return header_facts(image, path)


def header_facts(image, path: Path) -> tuple[int, int, str, str | None]:
    """``(width, height, mode, format)`` of ``image``, opened from ``path`` (the size as the
    EXIF orientation turns it; a palette of grays is mode ``L``)."""
    width, height = image.size
    orientation = _exif(image, path).get(0x0112, 1)
    if orientation in (5, 6, 7, 8):
        width, height = height, width
    mode = image.mode
    if mode == "P":
        mode = palette_mode(image)
    return width, height, mode, image.format


#: PNG chunks that can carry EXIF or XMP (and so an orientation) when they follow the pixels.
_LATE_EXIF_CHUNKS = frozenset({b"eXIf", b"tEXt", b"zTXt", b"iTXt"})
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _exif(image, path: Path):
    """The image's EXIF, as Pillow's ``getexif()`` gives it, without decoding a PNG's pixels.

    A PNG's ``getexif()`` decodes the whole image, in case EXIF chunks follow the pixel
    data (that was most of a folder scan's time). When the file's chunk list shows it
    whole and without such chunks there, the chunks read with the header are all there
    is, and the base class reads the EXIF from them. Other files (and truncated PNGs,
    whose decoding fails here as before) take Pillow's own way.
    """
    from PIL import Image

    if image.format == "PNG" and _png_without_late_exif(path):
        return Image.Image.getexif(image)
    return image.getexif()


def _png_without_late_exif(path: Path) -> bool:
    """True when every chunk of the PNG at ``path`` lies inside the file, up to ``IEND``, and
    none after the first ``IDAT`` can carry EXIF or XMP. Reads chunk heads only."""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if handle.read(8) != _PNG_SIGNATURE:
                return False
            position, pixels_seen = 8, False
            while True:
                head = handle.read(8)
                if len(head) < 8:
                    return False
                length, kind = struct.unpack(">I4s", head)
                position += 12 + length  # length, type, data, CRC
                if position > size:
                    return False
                if kind == b"IEND":
                    return True
                if kind == b"IDAT":
                    pixels_seen = True
                elif pixels_seen and kind in _LATE_EXIF_CHUNKS:
                    return False
                handle.seek(position)
    except OSError:
        return False


def palette_mode(image) -> str:
    palette = image.getpalette() or []
    rgb = [palette[i:i + 3] for i in range(0, len(palette), 3)]
    gray = all(c[0] == c[1] == c[2] for c in rgb if len(c) == 3)
    return "L" if gray and "transparency" not in image.info else "P"


def _suffix(path: str | Path) -> str:
    """The file name's extension in lower case (``Path.suffix``, without making a Path: a scan
    asks it of every file)."""
    name = os.path.basename(path)
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def problem_of(path: str | Path, size: int) -> str | None:
    """Why a file is not used as an image, or None."""
    if _suffix(path) not in IMAGE_EXTENSIONS:
        return "not an image file"
    if size == 0:
        return "empty file (0 bytes)"
    if size < 0:
        return "cannot be read"
    return None


def _header_or_reason(path: Path) -> tuple[tuple[int, int, str, str | None] | None, str | None]:
    try:
        return read_header(path), None
    except Exception as err:  # noqa: BLE001 - Pillow raises many kinds for bad files
        return None, header_problem(path, err)


def header_problem(path: Path, err: BaseException) -> str:
    """Why the header of the file at ``path`` could not be read (``err`` was raised)."""
    from core.data.image_decode import describe_error

    if "cannot identify image file" in str(err):
        return f"not an image, although its name ends in {Path(path).suffix.lower()}"
    return describe_error(err)


def _fingerprint(root: Path, files: list[tuple[str, int, int]]) -> str:
    digest = hashlib.sha256(str(root).encode())
    for rel, size, mtime in files:
        digest.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return digest.hexdigest()[:32]


def _layout_error(root: Path, what: str) -> DataError:
    return DataError(f"{root} {what}: an image folder needs {LAYOUT.format(root=root.name)}")


@dataclass
class FolderListing:
    """A class-per-sub-folder tree walked (no file opened): what a scan starts from."""

    root: Path
    listing: list[tuple[str, list]]  # [(class, [(path inside the class folder, size, mtime)])]
    repeats: list[list[str]]
    loose: list[Path]
    fingerprint: str


def list_folder(root: str | Path) -> FolderListing:
    """The class folders and files of ``root`` and its fingerprint; refuses a missing folder."""
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
    class_dirs = [p.name for p in children if p.is_dir()]
    loose = [p for p in children if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
    found = walk(root, class_dirs, skip=_hidden)
    files, repeats = found.files, found.repeats
    fingerprint = _fingerprint(root, files + [(p.name, 0, 0) for p in loose]
                               + [(rel, -2, 0) for rel in repeats])  # -2: a repeated link
    return FolderListing(root, _by_class(class_dirs, files), [[rel, REPEAT_REASON] for rel in repeats],
                         loose, fingerprint)


def stored_scan(folder: FolderListing, cache_root: Path | None) -> FolderScan | None:
    """The scan remembered for this folder state, or None."""
    return _load_scan(cache_root, folder.fingerprint, folder.root)


def scan_folder(root: str | Path, *, cache_root: Path | None = None,
                progress: ProgressCallback | None = None, cancel: CancelCallback | None = None,
                require_classes: bool = True) -> FolderScan:
    """Classes (sub-folders, sorted), images with their headers, and skipped files."""
    folder = list_folder(root)
    check_layout(folder, require_classes)
    stored = stored_scan(folder, cache_root)
    if stored is None:
        stored = _scan(folder, progress, cancel)
        save_scan(cache_root, stored)
    return finish_scan(folder, stored, require_classes)


def check_layout(folder: FolderListing, require_classes: bool) -> None:
    """Refuse a folder without class sub-folders (before any file is opened)."""
    if require_classes and not folder.listing:
        what = "holds images but no class sub-folders" if folder.loose else "has no class sub-folders"
        raise _layout_error(folder.root, what)


def finish_scan(folder: FolderListing, scan: FolderScan, require_classes: bool) -> FolderScan:
    """The note on loose images, and the refusal of a folder with fewer than two classes."""
    if folder.loose and folder.listing:
        scan.notes.append(f"{len(folder.loose)} images directly in {folder.root.name} (not in a"
                          " class folder) are left out")
    if require_classes and len(scan.classes) < 2:
        if scan.classes:
            raise _layout_error(folder.root, f"has only one class with images ({scan.classes[0]!r});"
                                " a classifier needs at least two")
        raise _layout_error(folder.root, "has no readable images in its sub-folders")
    return scan


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


def candidates(folder: FolderListing) -> tuple[list[str], list[list[str]]]:
    """The files that may be images (``class/path``, in scan order) and those left out at once."""
    found, skipped = [], [list(r) for r in folder.repeats]
    for name, files in folder.listing:
        for rel, size, _mtime in files:
            shown = f"{name}/{rel}"
            reason = problem_of(shown, size)  # the name decides, not the folder
            if reason is None:
                found.append(shown)
            else:
                skipped.append([shown, reason])
    return found, skipped


def _scan(folder: FolderListing, progress, cancel, workers=None) -> FolderScan:
    from core.data.image_decode import pillow_ready
    from core.data.workers import run_chunks

    shown, skipped = candidates(folder)
    paths = [str(folder.root / s) for s in shown]
    tasks = [paths[i:i + HEADER_CHUNK] for i in range(0, len(paths), HEADER_CHUNK)]

    def report(done: int) -> None:
        if progress is not None:
            progress(done / max(len(tasks), 1),
                     f"reading image headers: {min(done * HEADER_CHUNK, len(paths)):,} of {len(paths):,}")

    pillow_ready()
    headers = run_chunks(header_chunk, tasks, workers=workers, progress=report, cancel=cancel)
    return assemble_scan(folder, shown, headers, skipped)


def assemble_scan(folder: FolderListing, shown: list[str], headers: list[tuple],
                  skipped: list[list[str]]) -> FolderScan:
    """The scan from each candidate's header (``(width, height, mode, format)`` or ``(None,
    reason)``, as :func:`header_chunk` gives them): entries, classes, skipped files, notes."""
    by_class: dict[str, list] = {name: [] for name, _files in folder.listing}
    notes: list[str] = []
    skipped = [list(s) for s in skipped]
    for path, header in zip(shown, headers):
        if header[0] is None:
            skipped.append([path, header[1]])
            continue
        width, height, mode, fmt = header
        suffix = _suffix(path)
        if fmt in _FORMAT_EXTENSIONS and suffix not in _FORMAT_EXTENSIONS[fmt]:
            notes.append(f"{path} is a {fmt} image with a {suffix} name: read it anyway")
        by_class[path.partition("/")[0]].append((path, width, height, mode))
    classes: list[str] = []
    entries: list[ImageEntry] = []
    for name, found in by_class.items():
        if not found:
            notes.append(f"class folder {name!r} has no images: left out")
            continue
        classes.append(name)
        entries.extend(ImageEntry(p, len(classes) - 1, w, h, m) for p, w, h, m in found)
    skipped.sort()
    return FolderScan(root=folder.root, classes=classes, entries=entries, skipped=skipped, notes=notes,
                      fingerprint=folder.fingerprint)


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


def save_scan(cache_root: Path | None, scan: FolderScan) -> None:
    path = _scan_file(cache_root, scan.fingerprint)
    if path is None:
        return
    data = {"version": _SCAN_VERSION, "classes": scan.classes,
            "entries": [vars(e) for e in scan.entries], "skipped": scan.skipped,
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
