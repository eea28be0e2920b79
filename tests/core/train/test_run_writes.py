"""The run folder's writer: files queued together are fsynced and renamed one by one and the
folder fsynced once for them all (issue 16), and every name is durable when ``fit`` returns."""

from __future__ import annotations

import os
import threading

from core import atomic
from core.train import rundir as rundir_module
from core.train.rundir import RunDirectory
from core.train.setup import prepare
from tests.core.train.tiny import dataset, project


def _log_syncs(monkeypatch) -> list[tuple[str, str]]:
    """Record each rename into place and each folder fsync, in order."""
    events: list[tuple[str, str]] = []
    replace, sync = os.replace, atomic.fsync_dir

    def logged_replace(src, dst, *args, **kwargs):
        replace(src, dst, *args, **kwargs)
        events.append(("replace", os.path.basename(dst)))

    def logged_sync(directory):
        sync(directory)
        events.append(("fsync_dir", os.path.basename(directory)))

    monkeypatch.setattr(atomic.os, "replace", logged_replace)
    monkeypatch.setattr(rundir_module, "fsync_dir", logged_sync)
    monkeypatch.setattr(atomic, "fsync_dir", logged_sync)
    return events


def test_files_queued_together_share_one_folder_fsync(tmp_path, monkeypatch):
    events = _log_syncs(monkeypatch)
    runs = RunDirectory(tmp_path / "run")
    runs.create()
    started, release = threading.Event(), threading.Event()

    def slow_first():
        started.set()
        release.wait(10)
        return b"first"

    runs.write("a.bin", slow_first)
    assert started.wait(10)  # the writer holds the first file: the next three queue up
    runs.write("b.bin", b"second")
    runs.write("c.bin", lambda: b"third")
    runs.write_json("d.json", {"n": 4})
    release.set()
    runs.close()
    assert events == [("replace", "a.bin"), ("fsync_dir", "run"),
                      ("replace", "b.bin"), ("replace", "c.bin"), ("replace", "d.json"),
                      ("fsync_dir", "run")]
    assert (tmp_path / "run" / "a.bin").read_bytes() == b"first"
    assert (tmp_path / "run" / "c.bin").read_bytes() == b"third"
    assert (tmp_path / "run" / "d.json").read_text() == '{\n  "n": 4\n}\n'
    assert not list((tmp_path / "run").glob(".*.tmp"))


def test_a_single_atomic_write_still_syncs_its_folder(tmp_path, monkeypatch):
    events = _log_syncs(monkeypatch)
    atomic.write_bytes_atomic(tmp_path / "one.bin", b"x")
    atomic.write_bytes_atomic(tmp_path / "two.bin", b"y", sync_dir=False)
    assert events == [("replace", "one.bin"), ("fsync_dir", tmp_path.name), ("replace", "two.bin")]


def test_every_file_of_a_run_is_durable_when_fit_returns(tmp_path, monkeypatch):
    events = _log_syncs(monkeypatch)
    proj = project(tmp_path, training={"epochs": 3, "batch_size": 16, "seed": 0, "device": "cpu"})
    result = prepare(proj, dataset(proj), run_dir=tmp_path / "run").fit()
    assert result.status == "completed"
    renamed = {name for kind, name in events if kind == "replace"}
    assert {"run.json", "metrics.csv", "last.ckpt", "model.safetensors"} <= renamed
    assert events[-1] == ("fsync_dir", "run")  # the last rename's folder fsync came after it
