"""The Problems dock: every error, warning and hint of the design, one line each.

Clicking a problem that names a node emits ``node_requested(node_id)``; the window
selects that node and centres the canvas on it.

Hints (``core.hints``) follow the errors and warnings and never block training:
design hints are worked out after every check; hints about a run's loss curve come
from :meth:`ProblemsPanel.set_training_history` (rows as in ``metrics.csv``, for
the training panel to call after each epoch), :meth:`ProblemsPanel.show_run_hints`
(a run folder), or :meth:`ProblemsPanel.follow_session` (a training session's
``started``/``progressed`` signals; ``designer.status.follow_training`` connects it).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QListView, QListWidget, QListWidgetItem, QStyledItemDelegate,
                               QStyleOptionViewItem, QWidget)

from core.hints import design_hints, run_hints, training_hints
from core.shapes import ERROR, HINT, WARNING, Problem
from designer.analysis import AnalysisService
from designer.style import Colors, badge_icon

NODE_ROLE = Qt.ItemDataRole.UserRole
SEVERITY_ROLE = Qt.ItemDataRole.UserRole + 1


def _mark(severity: str) -> tuple[str, str]:
    """The badge and its colour (read at call time: the theme may have changed)."""
    return {ERROR: ("●", Colors.error), WARNING: ("▲", Colors.warning)}.get(severity, ("i", Colors.selected))


class WrappingDelegate(QStyledItemDelegate):
    """Items as wide as the list and as tall as their text wrapped to that width.

    Qt sizes a wrapped item for a width a few pixels off the one it paints in: the list
    then scrolled sideways, or cut the last line. Here the height is measured for a
    slightly narrower text (at worst one spare line) and the width is the list's own.
    """

    SPARE = 10  # pixels narrower than the painted text

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        width = self.parent().viewport().width()
        measured = QStyleOptionViewItem(option)
        measured.rect = QRect(0, 0, max(40, width - option.decorationSize.width() - self.SPARE), 1)
        return QSize(width, super().sizeHint(measured, index).height())


class ProblemsPanel(QListWidget):
    node_requested = Signal(str)

    def __init__(self, analysis: AnalysisService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemList")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.setItemDelegate(WrappingDelegate(self))
        self.setResizeMode(QListView.ResizeMode.Adjust)  # wrapped again when the panel's width changes
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.analysis = analysis
        self.run_hints: list[Problem] = []
        #: The verdicts of Train ▸ Diagnose… (:meth:`show_diagnosis`), until another project opens.
        self.diagnosis_hints: list[Problem] = []
        self._history: list[dict] = []
        self._run_training: dict = {}
        self._project = None
        analysis.analysis_changed.connect(self._on_analysis_changed)
        analysis.data_changed.connect(self._on_analysis_changed)
        self.itemClicked.connect(self._on_item_clicked)
        self.itemActivated.connect(self._on_item_clicked)
        self._on_analysis_changed()

    def messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def hint_messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count()) if self.item(i).data(SEVERITY_ROLE) == HINT]

    # ------------------------------------------------------------------ hints
    def design_hints(self) -> list[Problem]:
        analysis, project = self.analysis, self.analysis.project
        if project is None or analysis.analysis is None:
            return []
        return design_hints(project.graph, analysis.analysis, analysis.data_info, project.training,
                            project.data)

    def set_training_history(self, rows: list[dict], training: dict | None = None) -> None:
        """Hints about a run's loss curve from its metrics rows (the training panel may call this)."""
        self.run_hints = training_hints(rows, training)
        self._on_analysis_changed()

    def show_run_hints(self, run_dir) -> None:
        """Hints about the run in folder ``run_dir`` (its ``metrics.csv`` and ``run.json``)."""
        self.run_hints = run_hints(run_dir)
        self._on_analysis_changed()

    def show_diagnosis(self, results) -> None:
        """One hint per sanity experiment (``core.diagnose.Diagnosis``): its verdict."""
        self.diagnosis_hints = [Problem(f"{r.title}: {r.verdict}", None, HINT) for r in results]
        self._on_analysis_changed()

    def follow_session(self, session) -> None:
        """Recompute the run hints after every epoch of a training session (duck-typed signals)."""
        session.started.connect(self._on_run_started)
        session.progressed.connect(self._on_run_progressed)

    def _on_run_started(self, item) -> None:
        self._history = [dict(row) for row in (getattr(item, "history", None) or [])]
        self._run_training = dict(getattr(item, "settings", None) or {})
        self.set_training_history(self._history, self._run_training)

    def _on_run_progressed(self, item) -> None:
        row = getattr(item, "row", None)
        if isinstance(row, dict):
            self._history.append(dict(row))
            self.set_training_history(self._history, self._run_training)

    # ------------------------------------------------------------------ showing
    def _on_analysis_changed(self, *_args) -> None:
        self.clear()
        project = self.analysis.project
        if project is not self._project:  # a new project: the old run's hints do not apply
            self._project, self.run_hints, self.diagnosis_hints = project, [], []
        if project is None:
            return
        if self.analysis.waiting_for_data:
            self._add("…", Colors.text_dim, "Checking the data…", None)
            return
        order = {ERROR: 0, WARNING: 1}
        problems = sorted(self.analysis.problems, key=lambda p: order.get(p.severity, 2))
        if not any(p.severity in order for p in problems):
            self._add("✓", Colors.ok, "No problems: the network is ready to train.", None)
        for problem in problems + self.design_hints() + self.run_hints + self.diagnosis_hints:
            mark, color = _mark(problem.severity)
            message = problem.message[:1].upper() + problem.message[1:]
            self._add(mark, color, message, problem.node_id, problem.severity)

    def _add(self, mark: str, color: str, text: str, node_id: str | None, severity: str | None = None) -> None:
        item = QListWidgetItem(_mark_icon(mark, color), text)
        item.setData(NODE_ROLE, node_id)
        item.setData(SEVERITY_ROLE, severity)
        tip = text + ("\n\nClick to show the layer." if node_id else "")
        if severity == HINT:
            tip = "Hint (training is not blocked): " + tip
        item.setToolTip(tip)
        self.addItem(item)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_requested.emit(node_id)


def _mark_icon(mark: str, color: str) -> QIcon:
    """A small round badge with ``mark`` in it (●, ▲, ✓, …), as an icon."""
    return badge_icon(color, {"●": "!", "▲": "!", "✓": "✓", "…": "…"}.get(mark, mark), Colors.window)
