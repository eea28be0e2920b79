"""Where a command writes: never over its own input, over an existing file only when asked.

``layerforge train --run-dir``, ``predict --out`` and ``export --out`` check their
destinations with :func:`check_destination` before any work starts, and word a failed
write (a full disk, a read-only folder) with :func:`write_failure`: one sentence each.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Iterable

from core.errors import LayerForgeError

#: What to do about a failed write, by errno.
_ADVICE = {errno.ENOSPC: "free space or choose another folder",
           errno.EDQUOT: "free space or choose another folder",
           errno.EACCES: "choose a folder you can write to",
           errno.EPERM: "choose a folder you can write to",
           errno.EROFS: "choose a folder you can write to"}


def check_destination(path: str | os.PathLike, *, overwrite: bool, option: str = "--out",
                      inputs: Iterable[tuple[str, str | os.PathLike | None]] = (),
                      error: type[LayerForgeError] = LayerForgeError, held: str = "",
                      also: str = "") -> None:
    """Raise ``error`` when writing ``path`` would replace what a person may want to keep.

    ``inputs`` (``[("the data", path), ...]``: "PATH is the data this command reads") are
    never replaced, even with ``overwrite``; a folder among them covers every file inside
    it. Otherwise an existing file, or a folder with something in it, is replaced only
    with ``overwrite``. ``held`` says what is there ("a training run (completed)");
    ``also`` names another way out.
    """
    path = Path(path).expanduser()
    for what, source in inputs:
        where = _input_words(path, Path(source).expanduser(), what) if source is not None else ""
        if where:
            raise error(f"{path} is {where} this command reads, so it is never replaced (not even"
                        f" with --overwrite): choose another {option}")
    if overwrite or not _occupied(path):
        return
    there = f"already holds {held}" if held else "already exists"
    raise error(f"{path} {there}: give --overwrite to replace it{also}, or choose another {option}")


def check_destinations(paths: Iterable[str | os.PathLike], **kwargs) -> None:
    """:func:`check_destination` for each of ``paths`` (the files one export writes)."""
    for path in paths:
        check_destination(path, **kwargs)


def write_failure(path: str | os.PathLike, err: OSError) -> str:
    """``could not write PATH: no space left on device (errno 28): free space or choose another folder``."""
    reason = (err.strerror or str(err) or type(err).__name__).rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    code = f" (errno {err.errno})" if err.errno else ""
    advice = _ADVICE.get(err.errno, "choose another folder")
    return f"could not write {path}: {reason}{code}: {advice}"


def _occupied(path: Path) -> bool:
    if path.is_symlink() or path.is_file():
        return True
    if path.is_dir():
        return any(path.iterdir())
    return path.exists()


def _input_words(path: Path, source: Path, what: str) -> str:
    """``"the data"`` when ``path`` is the input ``source``, ``"inside FOLDER, which"`` when it
    is an existing file in the input folder ``source``, else ``""``."""
    if not path.exists() or not source.exists():
        return ""
    if os.path.samefile(path, source):
        return what
    if source.is_dir() and source.resolve() in path.resolve().parents:
        return f"inside {what} {source}, which"
    return ""
