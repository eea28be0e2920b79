"""The files below a folder, each real file once: links are followed, but never in a loop.

The plain tree is walked first, without following any link, so every file found without
a link keeps its own path (and, in an image folder, its own class). Links are followed
afterwards, and only to folders and files not listed yet: a link back to a folder above
it (``cat/loop -> ..``), a second link to the same folder, or a link to a file already
listed is left out and named in :attr:`Listing.repeats`. Without this, ``cat/loop -> ..``
multiplied ten images into thousands, under every class at once. Folders and files are
told apart by their real path (``os.path.realpath``), which every platform has (Windows'
``os.scandir`` gives no inode numbers).
"""

from __future__ import annotations

import os
import stat
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

#: Why a repeated link is left out (shown in the skipped-files list).
REPEAT_REASON = ("a link to a folder or file that is already read (a link loop, or a second"
                 " way to the same files): left out")


@dataclass
class Listing:
    """``files``: ``(path relative to the root, '/'-separated, size, mtime_ns)``, sorted; size
    -1 for a file that cannot be read (a broken link). ``repeats``: links left out."""

    files: list[tuple[str, int, int]] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)


def _key(path: str) -> str:
    return os.path.normcase(path)


class _Walker:
    def __init__(self, skip: Callable[[str], bool]) -> None:
        self.skip = skip
        self.listing = Listing()
        self.seen_dirs: set[str] = set()
        self.seen_files: set[str] = set()
        self.links: deque[tuple[str, str]] = deque()  # (relative path, path) to follow later

    def enter(self, rel: str, real: str) -> bool:
        """Whether the folder at ``real`` is new (and now seen); a repeat is listed."""
        if _key(real) in self.seen_dirs:
            self.listing.repeats.append(rel)
            return False
        self.seen_dirs.add(_key(real))
        return True

    def plain(self, folder: str, prefix: str, real: str) -> None:
        """Walk ``folder`` (real path ``real``) without following links; queue the links."""
        pending = [(folder, prefix, real)]
        found_links: list[tuple[str, str]] = []
        while pending:
            folder, prefix, real = pending.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if self.skip(entry.name):
                    continue
                rel = prefix + entry.name
                try:
                    if entry.is_symlink():
                        found_links.append((rel, entry.path))
                    elif entry.is_dir(follow_symlinks=False):
                        # realpath, not a join: a Windows junction is a folder, not a link
                        inner = os.path.realpath(entry.path)
                        if self.enter(rel, inner):
                            pending.append((entry.path, rel + "/", inner))
                    else:
                        self.add_file(rel, os.path.join(real, entry.name),
                                      entry.stat(follow_symlinks=False))
                except OSError:
                    self.listing.files.append((rel, -1, 0))
        self.links.extend(sorted(found_links))

    def add_file(self, rel: str, real: str, info: os.stat_result) -> None:
        if _key(real) in self.seen_files:
            self.listing.repeats.append(rel)
            return
        self.seen_files.add(_key(real))
        self.listing.files.append((rel, info.st_size, info.st_mtime_ns))

    def follow(self) -> None:
        """Follow the queued links, each to a folder or file not seen yet."""
        while self.links:
            rel, path = self.links.popleft()
            try:
                info = os.stat(path)
            except OSError:  # broken, or a loop of links
                self.listing.files.append((rel, -1, 0))
                continue
            real = os.path.realpath(path)
            if stat.S_ISDIR(info.st_mode):
                if self.enter(rel, real):
                    self.plain(path, rel + "/", real)
            else:
                self.add_file(rel, real, info)


def walk(root: str | Path, tops: Sequence[str] | None = None,
         skip: Callable[[str], bool] = lambda name: False) -> Listing:
    """Every file below ``root`` whose name (and folders' names) ``skip`` does not refuse.

    With ``tops`` only those sub-folders of ``root`` are walked (an image folder's classes);
    a link back to ``root`` itself counts as a repeat either way.
    """
    walker = _Walker(skip)
    root = str(root)
    root_real = os.path.realpath(root)
    walker.enter("", root_real)
    if tops is None:
        walker.plain(root, "", root_real)
    else:
        for name in tops:
            path = os.path.join(root, name)
            if os.path.islink(path):  # a class folder that is a link: after the plain tree
                walker.links.append((name, path))
            elif walker.enter(name, os.path.join(root_real, name)):
                walker.plain(path, name + "/", os.path.join(root_real, name))
    walker.follow()
    walker.listing.files.sort()
    walker.listing.repeats.sort()
    return walker.listing
