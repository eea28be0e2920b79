"""Data paths as the loaders use them: absolute, links resolved, a link loop refused.

A link that leads back to itself (``ln -s loop loop``) makes ``Path.resolve`` raise
``RuntimeError`` on Python 3.11 and 3.12 and makes ``open``/``stat`` fail with ``ELOOP``
everywhere; both become one sentence here.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from core.errors import DataError


def loop_error(path: str | Path) -> DataError:
    return DataError(f"{path} is a symbolic link that links to itself (a link loop): point it at"
                     " the real file or folder, or choose another path")


def is_loop(err: OSError) -> bool:
    return err.errno == errno.ELOOP


def resolve(path: str | Path) -> Path:
    """``path`` absolute with ``~`` expanded and its links resolved; a link loop is a DataError.
    A path that does not exist is returned as it is: the caller says what it expected."""
    path = Path(path).expanduser()
    try:
        resolved = path.resolve()
    except RuntimeError:  # "Symlink loop from ..." (Python < 3.13)
        raise loop_error(path) from None
    except OSError as err:
        if is_loop(err):
            raise loop_error(path) from None
        return path.absolute()
    try:
        os.stat(resolved)
    except OSError as err:
        if is_loop(err):
            raise loop_error(path) from None
    return resolved
