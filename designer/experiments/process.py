"""``layerforge sweep`` run as a child process of the designer: trials never train in the GUI.

The process's output comes back line by line (``line``); :meth:`SweepProcess.stop` asks it
to stop as Ctrl-C does (the running trials stop after their batch and are queued again
for the next start).
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal

import core


class SweepProcess(QObject):
    line = Signal(str)
    finished = Signal(int)  # the exit code (0 done, 130 stopped, 2 a problem, else a crash)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self._buffer = ""
        self.lines: list[str] = []

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, project_path: Path, *, study: str, storage: str, runs_dir: Path, trials: int,
              workers: int, timeout: float | None = None) -> None:
        args = ["-m", "core.cli", "sweep", str(project_path), "--study", study, "--storage", storage,
                "--runs-dir", str(runs_dir), "--trials", str(trials), "--workers", str(workers)]
        if timeout:
            args += ["--timeout", repr(float(timeout))]
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        root = str(Path(core.__file__).resolve().parents[1])
        old = env.value("PYTHONPATH", "")
        env.insert("PYTHONPATH", root + (os.pathsep + old if old else ""))
        env.insert("PYTHONUNBUFFERED", "1")
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.readyReadStandardOutput.connect(self._read)
        process.finished.connect(self._on_finished)
        self.process, self._buffer, self.lines = process, "", []
        process.start(sys.executable, args)

    def stop(self) -> None:
        """Ask the sweep to stop after the running trials' current batch."""
        if not self.running:
            return
        pid = self.process.processId()
        if hasattr(signal, "SIGINT") and os.name == "posix" and pid:
            os.kill(pid, signal.SIGINT)
        else:  # pragma: no cover - Windows
            self.process.terminate()

    def shutdown(self, wait_ms: int = 20000) -> None:
        """Stop and wait (the window is closing); kill it if it does not end in time."""
        if not self.running:
            return
        self.stop()
        if not self.process.waitForFinished(wait_ms):
            self.process.kill()
            self.process.waitForFinished(2000)

    def _read(self) -> None:
        data = bytes(self.process.readAllStandardOutput()).decode("utf-8", "replace")
        self._buffer += data
        *complete, self._buffer = self._buffer.split("\n")
        for text in complete:
            text = text.rstrip("\r")
            if text.strip():
                self.lines.append(text)
                self.line.emit(text)

    def _on_finished(self, code: int, status) -> None:
        self._read()
        if self._buffer.strip():
            self.lines.append(self._buffer.strip())
            self.line.emit(self._buffer.strip())
            self._buffer = ""
        self.finished.emit(code if status == QProcess.ExitStatus.NormalExit else -1)
