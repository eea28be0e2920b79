"""Where LayerForge keeps data it can rebuild: decoded images, described data.

``$LAYERFORGE_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/layerforge`` (``~/.cache/layerforge``
on Linux), else ``%LOCALAPPDATA%\\LayerForge\\cache`` on Windows. Everything here can be
deleted at any time; it is rebuilt on the next load.

:func:`remember` / :func:`recall` keep the facts ``describe()`` returns for a data spec,
keyed on the spec and on the size and modification time of the file or folder, in
memory and on disk, so the designer can ask for shapes on every edit for free.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import OrderedDict
from dataclasses import asdict
from pathlib import Path
from typing import Any

from core.atomic import write_text_atomic
from core.data.dataset import DataInfo
from core.errors import DataError

_MEMORY: "OrderedDict[str, tuple[DataInfo | None, str | None]]" = OrderedDict()
_MEMORY_SIZE = 64


def cache_dir() -> Path:
    """The root of LayerForge's cache (created on first use by the writers)."""
    override = os.environ.get("LAYERFORGE_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":  # pragma: no cover - not tested on Linux
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "LayerForge" / "cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "layerforge"


def stat_key(path: Path) -> list[Any]:
    """Size and modification time of a file (or a folder's own entry)."""
    try:
        info = path.stat()
    except OSError:
        return [str(path), None, None]
    return [str(path), info.st_size, info.st_mtime_ns]


#: Bumped when :class:`DataInfo` gains facts, so that older remembered descriptions are
#: described again rather than read without them (2: ``feature_columns``; 3: ``vocab_size``
#: and text columns).
FACTS_VERSION = 3


def spec_key(spec: dict[str, Any], *parts: Any) -> str:
    text = json.dumps([spec, *parts, FACTS_VERSION], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def recall(key: str) -> DataInfo | None:
    """The remembered facts for ``key``; a remembered data problem is raised again."""
    if key in _MEMORY:
        _MEMORY.move_to_end(key)
        info, problem = _MEMORY[key]
    else:
        try:
            stored = json.loads((cache_dir() / "describe" / f"{key}.json").read_text("utf-8"))
        except (OSError, ValueError):
            return None
        info = _info_from_dict(stored["info"]) if stored.get("info") else None
        problem = stored.get("problem")
        _remember_in_memory(key, info, problem)
    if problem:
        raise DataError(problem)
    return info


def remember(key: str, info: DataInfo | None = None, problem: str | None = None) -> None:
    _remember_in_memory(key, info, problem)
    payload = {"info": asdict(info) if info else None, "problem": problem}
    try:
        write_text_atomic(cache_dir() / "describe" / f"{key}.json", json.dumps(payload))
    except OSError:
        pass  # a read-only cache only costs time


def forget_all() -> None:
    """Drop the in-memory facts (tests, and after deleting the cache folder)."""
    _MEMORY.clear()


def _remember_in_memory(key: str, info: DataInfo | None, problem: str | None) -> None:
    _MEMORY[key] = (info, problem)
    _MEMORY.move_to_end(key)
    while len(_MEMORY) > _MEMORY_SIZE:
        _MEMORY.popitem(last=False)


def _info_from_dict(data: dict[str, Any]) -> DataInfo:
    data = dict(data)
    data["input_shape"] = tuple(data["input_shape"])
    return DataInfo(**data)
