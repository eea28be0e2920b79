"""Where a sweep's study lives: an Optuna RDB storage (SQLite by default, any SQLAlchemy URL).

The default is ``sweeps.db`` in the project's runs folder. A PostgreSQL or MySQL URL lets
several machines share one study. Opening a storage that cannot be reached is one
sentence (:class:`SweepError`), never a SQLAlchemy traceback. Workers on one machine
take turns to claim a trial through :func:`claim_lock` (a file lock beside a SQLite file),
so that they never start more trials than were asked for.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from pathlib import Path
from typing import Iterator

from core.sweep.spec import SweepError

DB_NAME = "sweeps.db"
#: Seconds between a running trial's heartbeats, and without one before it counts as dead.
HEARTBEAT_SECONDS, GRACE_SECONDS = 5, 30


def default_storage(runs_dir: str | Path) -> str:
    """``sqlite:///<runs folder>/sweeps.db`` (the folder is made)."""
    folder = Path(runs_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DB_NAME}"


def shown(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url


def sqlite_path(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite:///"):
        return None
    path = url[len("sqlite:///"):].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def _engine_kwargs(url: str) -> dict:
    if url.startswith("sqlite"):
        # Several worker processes write the same file: wait for the lock rather than fail.
        return {"connect_args": {"timeout": 120}}
    if url.startswith(("postgresql", "mysql")):
        return {"connect_args": {"connect_timeout": 10}, "pool_pre_ping": True}
    return {}


def open_storage(url: str, heartbeat: bool = True, stale_callback=None):
    """An Optuna ``RDBStorage`` for ``url``; ``heartbeat`` turns on running trials' heartbeats
    (and their ``stale_callback``), as workers need and readers do not."""
    import sqlalchemy.exc

    path = sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        raise SweepError(f"the sweep storage {shown(url)} cannot be reached: the folder"
                         f" {path.parent} does not exist")
    options = {"heartbeat_interval": HEARTBEAT_SECONDS, "grace_period": GRACE_SECONDS,
               "heartbeat_stale_trial_callback": stale_callback} if heartbeat else {}
    try:
        return _create(url, options)
    except sqlalchemy.exc.NoSuchModuleError:
        raise SweepError(f"{shown(url)} is not a storage LayerForge can use: give a URL such as"
                         " sqlite:///sweeps.db, postgresql://user@host/db or mysql://user@host/db") from None
    except sqlalchemy.exc.ArgumentError:
        raise SweepError(f"{shown(url)!r} is not a storage URL: give one such as sqlite:///sweeps.db"
                         " or postgresql://user@host/db") from None
    except ImportError as err:
        dialect = url.split(":", 1)[0]
        raise SweepError(f"the sweep storage {shown(url)} needs the database driver for {dialect}"
                         f" ({_root(err)}): install it with pip (psycopg2-binary for PostgreSQL,"
                         " PyMySQL for MySQL)") from None
    except sqlalchemy.exc.SQLAlchemyError as err:
        raise SweepError(f"the sweep storage {shown(url)} cannot be reached ({_root(err)}): check the"
                         " address, that the database runs and that this machine may connect to it") from None
    except RuntimeError as err:  # Optuna's schema version check
        raise SweepError(f"the sweep storage {shown(url)} was made by another Optuna version"
                         f" ({_root(err)}): run 'optuna storage upgrade --storage URL'") from None


def _create(url: str, options: dict):
    """The storage; made under the claim lock, and tried again when another process was
    creating the same tables at that moment ("table ... already exists")."""
    import time

    import optuna
    import sqlalchemy.exc

    for attempt in range(5):
        try:
            with claim_lock(url), warnings.catch_warnings():
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                storage = optuna.storages.RDBStorage(url, engine_kwargs=_engine_kwargs(url), **options)
                if sqlite_path(url) is not None:
                    _fast_sqlite(storage.engine)
                return storage
        except sqlalchemy.exc.OperationalError as err:
            if "already exists" not in str(err) or attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))


def _fast_sqlite(engine) -> None:
    """Write-ahead logging, synced at checkpoints rather than at every commit: a trial reports
    every epoch, and a commit that waits for the disk each time cost more than a small
    network's epoch. A killed process loses nothing committed; only a power cut could
    lose the last moments (Optuna would then see a trial as running and fail it)."""
    from sqlalchemy import event

    def pragmas(connection, record) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    engine.dispose()  # connections made before the listener go


def _root(err: BaseException) -> str:
    """The first line of the innermost cause: the driver's own words."""
    while err.__cause__ is not None or err.__context__ is not None:
        err = err.__cause__ or err.__context__
    text = str(getattr(err, "orig", None) or err).strip().splitlines()
    return (text[0] if text else type(err).__name__)[:160]


@contextlib.contextmanager
def claim_lock(url: str) -> Iterator[None]:
    """Held while a worker counts the trials and claims the next one. A file lock beside a
    SQLite file (all its workers are on this machine); other databases rely on
    :func:`core.sweep.study.surplus`, which gives a claim back when two machines raced."""
    path = sqlite_path(url)
    if path is None:
        yield
        return
    lock = path.with_name(path.name + ".lock")
    with open(lock, "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no lock; the surplus check still holds
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def host_id() -> str:
    """This machine: its name and boot (a process id means something only within one boot)."""
    import socket

    boot = ""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        pass
    return f"{socket.gethostname()}:{boot}" if boot else socket.gethostname()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    try:  # a killed child that nobody has waited for yet is a zombie: dead all the same
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True
