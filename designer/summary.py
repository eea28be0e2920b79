"""The model summary in the status bar: parameters, size, MACs, and whether it can train.

``summary_text(analysis, ...)`` is the sentence (testable without a window);
:class:`SummaryLabel` shows it and follows the analysis service.
"""

from __future__ import annotations

from typing import Iterable

from PySide6.QtWidgets import QLabel, QWidget

from core.layers.frozen import is_frozen
from core.shapes import ERROR, Analysis
from designer.analysis import AnalysisService
from designer.canvas.node_item import format_count
from designer.style import Colors


def summary_text(analysis: Analysis | None, waiting: bool, errors: int,
                 frozen: Iterable[str] = (), training: bool = False) -> tuple[str, bool]:
    """The summary and whether the design is ready to train; ``errors``: how many errors the
    Problems panel lists (the data's, the settings' and the graph's, so the two never
    disagree); ``frozen`` node ids split the parameters into trainable and frozen;
    ``training``: a run is under way (it says so instead of "ready to train")."""
    if waiting:
        return "Checking the data…", False
    if analysis is None:
        return "", False
    kept = sum(analysis.results[n].params for n in frozen if n in analysis.results)
    total = analysis.total_params
    counts = (f"{total:,} parameters" if not kept else
              f"{total:,} parameters ({total - kept:,} trainable, {kept:,} frozen)")
    facts = (f"{counts}  ·  {analysis.size_mb:.2f} MB"
             f"  ·  {format_count(analysis.total_macs)} MACs/sample")
    if errors:
        return f"{facts}  ·  {errors} problem{'s' if errors != 1 else ''}", False
    return f"{facts}  ·  {'training' if training else 'ready to train'}", True


class SummaryLabel(QLabel):
    def __init__(self, analysis: AnalysisService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("summary")
        self.analysis = analysis
        self.training = False  # a run is under way (on_training_state)
        analysis.analysis_changed.connect(self._on_analysis_changed)
        analysis.data_changed.connect(self._on_analysis_changed)
        self._on_analysis_changed()

    def _on_analysis_changed(self, *_args) -> None:
        project = self.analysis.project
        frozen = [n.id for n in project.graph.nodes.values() if is_frozen(n)] if project else []
        errors = sum(1 for p in self.analysis.problems if p.severity == ERROR)
        text, ready = summary_text(self.analysis.analysis, self.analysis.waiting_for_data,
                                   errors, frozen, self.training)
        mark = (f"<span style='color:{Colors.ok}'>✓</span> " if ready else
                f"<span style='color:{Colors.error}'>●</span> " if text and not self.analysis.waiting_for_data
                else "")
        self.setText(mark + text)
        self.setToolTip("Total trainable parameters, size of the float32 weights, multiply-accumulate"
                        " operations for one sample, and whether the network can be trained.")

    def on_training_state(self, state: str) -> None:
        """The training session's state: while a run is under way the summary says "training"."""
        training = state in ("loading", "running", "paused", "stopping")
        if training != self.training:
            self.training = training
            self._on_analysis_changed()
