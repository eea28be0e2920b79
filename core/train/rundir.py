"""A run directory: ``run.json``, ``metrics.csv``, ``model.safetensors``, ``preprocessing.json``, ``last.ckpt``.

Every file is written atomically (``core.atomic``). Writes are queued to one
background thread, in order, so that the training thread only pays for serialising
(a memory copy) and never waits for the disk; ``flush()`` waits for the queue. A
process killed at any moment leaves each file either old or new, never half-written.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import queue
import re
import threading
import time
from pathlib import Path
from typing import Any, Callable

from core.atomic import fsync_dir, write_bytes_atomic, write_text_atomic
from core.errors import TrainingError

RUN_FORMAT = "layerforge.run"
RUN_VERSION = 1
RUN_JSON, METRICS_CSV, WEIGHTS, PREPROCESSING, CHECKPOINT = (
    "run.json", "metrics.csv", "model.safetensors", "preprocessing.json", "last.ckpt")


#: Overrides the user's runs folder (the designer's preference sets it for its own runs).
RUNS_DIR_ENV = "LAYERFORGE_RUNS_DIR"


def remove_interrupted_writes(run_dir: str | Path) -> list[str]:
    """Delete the temporary files of writes a kill interrupted (``.last.ckpt.x1y2.tmp``),
    which ``core.atomic`` leaves beside a run's files; returns their names. The files
    themselves are whole (old or new), so nothing is lost."""
    removed = []
    for name in (RUN_JSON, METRICS_CSV, WEIGHTS, PREPROCESSING, CHECKPOINT):
        for stale in Path(run_dir).glob(f".{name}.*.tmp"):
            try:
                stale.unlink()
                removed.append(stale.name)
            except OSError:
                pass
    return removed


def init_from_file(source: str | Path, base_dir: str | Path | None) -> Path:
    """The weights file ``training.init_from`` names (a run folder or a ``.safetensors``
    file, relative to the project's folder); raises :class:`TrainingError` when it is not
    there, so ``check`` says so before training starts."""
    path = Path(source).expanduser()
    if not path.is_absolute() and base_dir is not None:
        path = (Path(base_dir) / path).resolve()
    file = path / WEIGHTS if path.is_dir() else path
    if not file.is_file():
        raise TrainingError(f"training.init_from: {path} has no {WEIGHTS}: give the folder of a"
                            " finished run or a .safetensors file, or clear init_from",
                            location="training")
    return file


def user_runs_folder() -> Path:
    """The user's own runs folder: ``$LAYERFORGE_RUNS_DIR`` or ``~/LayerForge/runs``."""
    return Path(os.environ.get(RUNS_DIR_ENV) or Path.home() / "LayerForge" / "runs").expanduser()


def runs_folder(project_dir: str | Path | None, fallback: str | Path | None = None) -> Path:
    """Where a project's runs go: ``runs/`` beside the project file.

    Except when that would write into LayerForge's own files (the shipped examples,
    read-only in an installed bundle), into a folder that cannot be written, or the
    project is not saved yet (``project_dir`` None): then ``fallback``, else the
    user's runs folder.
    """
    from core.resources import resources_dir

    if project_dir is not None:
        folder = Path(project_dir).resolve()
        shipped = resources_dir()
        if folder != shipped and shipped not in folder.parents and os.access(folder, os.W_OK):
            return folder / "runs"
    return Path(fallback).expanduser() if fallback else user_runs_folder()


def default_run_dir(project_dir: str | Path | None, project_name: str, when: float | None = None,
                    fallback: str | Path | None = None, data_label: str | None = None) -> Path:
    """``<runs folder>/<project name>[-<data label>]-<timestamp>/`` (see :func:`runs_folder`);
    a new name if that exists. ``data_label`` (:func:`data_label`) tells runs on other data apart."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    parts = [_safe_name(project_name) or "run"] + ([_safe_name(data_label)] if data_label else [])
    base = runs_folder(project_dir, fallback) / "-".join([p for p in parts if p] + [stamp])
    path, n = base, 2
    while path.exists():
        path = base.with_name(f"{base.name}-{n}")
        n += 1
    return path


def data_label(data: dict[str, Any] | None) -> str | None:
    """A short name for a project's data, for run names: a built-in dataset's name, else the
    stem of its file or folder (``iris`` for ``data/iris.csv``); None without data."""
    data = data or {}
    label = data.get("name") or Path(str(data.get("path") or "")).stem
    return str(label) if label else None


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")


def metrics_csv_text(rows: list[dict[str, Any]]) -> str:
    """Rows as CSV; floats written exactly (shortest repr that reads back the same)."""
    columns: list[str] = []
    for row in rows:
        for key in row:
            if key not in columns:
                columns.append(key)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


def read_metrics_csv(path: str | Path) -> list[dict[str, float]]:
    """``metrics.csv`` back as rows of numbers (``epoch`` as int)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = []
        for raw in csv.DictReader(handle):
            row: dict[str, float] = {}
            for key, value in raw.items():
                if value in ("", None):
                    continue
                row[key] = int(value) if key == "epoch" else float(value)
            rows.append(row)
    return rows


def json_text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=_json_default) + "\n"


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def finite(data: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by None, recursively."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [finite(v) for v in data]
    return data


class RunDirectory:
    """Writes one run's files; ``enabled=False`` (non-zero DDP ranks) writes nothing."""

    def __init__(self, path: str | Path, enabled: bool = True):
        self.path = Path(path)
        self.enabled = enabled
        self._queue: queue.Queue[tuple[str, Callable[[], bytes]] | None] = queue.Queue()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        #: Seconds the writer thread has spent producing and writing files (fsync included).
        self.busy_seconds = 0.0
        self._lock: int | None = None  # the folder's descriptor while this run holds it

    # ------------------------------------------------------------------ reading
    def read_run(self) -> dict[str, Any]:
        return read_run_json(self.path)

    # ------------------------------------------------------------------ writing
    def create(self) -> None:
        if not self.enabled:
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TrainingError(f"the run folder {self.path} cannot be created:"
                                f" {err.strerror or err}") from None
        if self._lock is None:
            self._lock = lock_folder(self.path)

    def release(self) -> None:
        """Let another run use the folder (also when the process ends, however it ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def write(self, name: str, data: bytes | str | Callable[[], bytes]) -> None:
        """Queue an atomic write of ``name``; ``data`` may be a function run on the writer thread."""
        if not self.enabled:
            return
        self._raise_pending()
        if isinstance(data, str):
            data = data.encode("utf-8")
        produce = data if callable(data) else (lambda payload=data: payload)
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="layerforge-run-writer",
                                            daemon=True)
            self._thread.start()
        self._queue.put((name, produce))

    @property
    def idle(self) -> bool:
        """Whether every queued write is done."""
        return self._queue.unfinished_tasks == 0

    def write_json(self, name: str, data: Any) -> None:
        self.write(name, json_text(finite(data)))

    def write_now(self, name: str, text: str) -> None:
        """Write synchronously (after everything queued)."""
        if not self.enabled:
            return
        self.flush()
        write_text_atomic(self.path / name, text)

    def flush(self) -> None:
        """Wait until every queued write is on disk; re-raise a write error."""
        if self._thread is not None:
            self._queue.join()
        self._raise_pending()

    def close(self) -> None:
        try:
            if self._thread is not None:
                self._queue.join()
                self._queue.put(None)
                self._thread.join()
                self._thread = None
            self._raise_pending()
        finally:
            self.release()

    def _raise_pending(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise TrainingError(f"writing the run folder {self.path} failed: {err}") from err

    def _work(self) -> None:
        """Write the queued files in order: whatever is queued together is written together,
        each file fsynced and renamed into place (atomic), then the folder fsynced once for
        all of them (a run's files come in fours; the folder's fsync costs as much as a file's)."""
        while True:
            jobs = [self._queue.get()]
            while jobs[-1] is not None:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            written = False
            try:
                for job in jobs:
                    if job is None or self._error is not None:
                        continue
                    name, produce = job
                    started = time.perf_counter()
                    try:
                        write_bytes_atomic(self.path / name, produce(), sync_dir=False)
                        written = True
                    except BaseException as err:  # noqa: BLE001 - reported on the training thread
                        self._error = err
                    self.busy_seconds += time.perf_counter() - started
                if written:
                    started = time.perf_counter()
                    fsync_dir(self.path)
                    self.busy_seconds += time.perf_counter() - started
            finally:
                for _job in jobs:
                    self._queue.task_done()
            if jobs[-1] is None:
                return


def lock_folder(path: str | Path) -> int | None:
    """Hold ``path`` for one run: an exclusive ``flock`` on the folder itself, held while the
    returned descriptor is open (the system lets go when the process ends, even killed).
    Two runs writing one folder would leave one run's weights beside the other's
    preprocessing. None where locks are not available (the run goes on unguarded)."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise TrainingError(f"{path} is in use by another training run: wait until it ends, or"
                            " choose another run folder") from None
    except OSError:  # a file system without locks
        os.close(fd)
        return None
    return fd


def check_not_in_use(path: str | Path) -> None:
    """TrainingError when another run holds ``path`` (:func:`lock_folder`); nothing held after."""
    fd = lock_folder(path) if Path(path).is_dir() else None
    if fd is not None:
        os.close(fd)


def read_run_json(run_dir: str | Path) -> dict[str, Any]:
    """A run's ``run.json``, checked; one sentence when it is missing or broken."""
    run_dir = Path(run_dir)
    path = run_dir / RUN_JSON
    if not run_dir.is_dir():
        raise TrainingError(f"{run_dir} is not a folder: give the folder of a training run")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingError(f"{run_dir} has no {RUN_JSON}: it is not a LayerForge run folder") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TrainingError(f"{path} cannot be read ({err}): the file is damaged") from None
    if not isinstance(data, dict) or data.get("format") != RUN_FORMAT:
        raise TrainingError(f"{path} is not a LayerForge run description")
    if data.get("format_version", 0) > RUN_VERSION:
        raise TrainingError(f"{path} was written by a newer LayerForge: update LayerForge to read it")
    return data
