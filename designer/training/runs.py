"""The runs of a project, read from their folders (no Qt): ``run.json`` and ``metrics.csv``.

A project's runs live in ``runs/`` beside its file (an unsaved project's in the
designer's own folder). A run whose ``run.json`` still says ``running`` but is not
the one training now was killed: it is listed as ``interrupted`` and can be continued
from its checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import TrainingError
from core.train.rundir import CHECKPOINT, METRICS_CSV, read_metrics_csv, read_run_json

INTERRUPTED = "interrupted"


@dataclass
class RunSummary:
    path: Path
    name: str
    project_name: str
    status: str  # completed, stopped, failed, running (now), interrupted (killed)
    reason: str | None
    started: str
    epochs: int
    epochs_completed: int
    seconds: float
    device: str
    training: dict[str, Any]
    best: dict[str, float] | None
    final: dict[str, float] | None
    monitor: str
    has_checkpoint: bool
    changes: list = field(default_factory=list)

    @property
    def can_continue(self) -> bool:
        """A checkpoint to go on from (a completed run continues with more epochs)."""
        return self.has_checkpoint and self.status != "running"

    def settings_text(self) -> str:
        t = self.training
        parts = [str(t.get("optimizer", "?")), f"lr {t.get('learning_rate', '?'):g}"
                 if isinstance(t.get("learning_rate"), (int, float)) else "lr ?",
                 f"batch {t.get('batch_size', '?')}"]
        schedule = t.get("schedule")
        kind = schedule.get("type") if isinstance(schedule, dict) else schedule
        if kind and kind != "none":
            parts.append(str(kind))
        return ", ".join(parts)

    def result_text(self) -> str:
        """The monitored value of the best epoch, with a headline metric."""
        best = self.best or {}
        keys = [self.monitor] + [k for k in ("val_accuracy", "val_r2", "val_loss", "train_loss")
                                 if k != self.monitor]
        shown = [f"{k} {best[k]:.4g}" for k in keys if isinstance(best.get(k), (int, float))][:2]
        return ", ".join(shown)


def summarize(run_dir: Path, live_dir: Path | None = None) -> RunSummary | None:
    """The summary of one run folder, or None if it is not a readable run."""
    try:
        run = read_run_json(run_dir)
    except TrainingError:
        return None
    status = run.get("status") or "?"
    if status == "running" and (live_dir is None or Path(live_dir).resolve() != run_dir.resolve()):
        status = INTERRUPTED
    training = run.get("training") or (run.get("project") or {}).get("training") or {}
    return RunSummary(
        path=run_dir, name=run.get("name") or run_dir.name,
        project_name=(run.get("project") or {}).get("name", ""), status=status, reason=run.get("reason"),
        started=str(run.get("started") or ""), epochs=int(run.get("epochs") or training.get("epochs") or 0),
        epochs_completed=int(run.get("epochs_completed") or 0), seconds=float(run.get("seconds") or 0.0),
        device=str(run.get("device") or ""), training=training, best=run.get("best"),
        final=run.get("final"), monitor=str(run.get("monitor") or "val_loss"),
        has_checkpoint=(run_dir / CHECKPOINT).exists(), changes=list(run.get("changes") or []))


def list_runs(folder: Path, project_name: str | None = None,
              live_dir: Path | None = None) -> list[RunSummary]:
    """Runs in ``folder`` (newest first); only ``project_name``'s when given."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    runs = []
    for child in folder.iterdir():
        if child.is_dir() and (child / "run.json").exists():
            summary = summarize(child, live_dir)
            if summary is not None and (project_name is None or summary.project_name == project_name):
                runs.append(summary)
    return sorted(runs, key=lambda r: (r.started, r.name), reverse=True)


def read_metrics(run_dir: Path) -> list[dict[str, float]]:
    """A run's metrics rows; empty when it has none yet (or the file is damaged)."""
    path = Path(run_dir) / METRICS_CSV
    if not path.exists():
        return []
    try:
        return read_metrics_csv(path)
    except (OSError, ValueError):
        return []


def combined_csv(runs: list[RunSummary]) -> str:
    """The metrics of several runs in one table, with the run's name in the first column."""
    from core.train.rundir import metrics_csv_text

    rows = []
    for run in runs:
        for row in read_metrics(run.path):
            rows.append({"run": run.name, **row})
    return metrics_csv_text(rows)
