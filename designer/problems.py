"""The Problems dock: every error, warning and hint of the design, one line each.

Clicking a problem that names a node emits ``node_requested(node_id)``; the window
selects that node and centres the canvas on it.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from core.shapes import ERROR, WARNING
from designer.analysis import AnalysisService
from designer.style import Colors

NODE_ROLE = Qt.ItemDataRole.UserRole
_MARKS = {ERROR: ("●", Colors.error), WARNING: ("▲", Colors.warning)}


class ProblemsPanel(QListWidget):
    node_requested = Signal(str)

    def __init__(self, analysis: AnalysisService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("problemList")
        self.setWordWrap(True)
        self.setUniformItemSizes(False)
        self.analysis = analysis
        analysis.analysis_changed.connect(self._on_analysis_changed)
        analysis.data_changed.connect(self._on_analysis_changed)
        self.itemClicked.connect(self._on_item_clicked)
        self.itemActivated.connect(self._on_item_clicked)
        self._on_analysis_changed()

    def messages(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def _on_analysis_changed(self, *_args) -> None:
        self.clear()
        if self.analysis.project is None:
            return
        if self.analysis.waiting_for_data:
            self._add("…", Colors.text_dim, "Checking the data…", None)
            return
        problems = self.analysis.problems
        if not problems:
            self._add("✓", "#7fd88f", "No problems: the network is ready to train.", None)
            return
        order = {ERROR: 0, WARNING: 1}
        for problem in sorted(problems, key=lambda p: order.get(p.severity, 2)):
            mark, color = _MARKS.get(problem.severity, ("i", Colors.selected))
            message = problem.message[:1].upper() + problem.message[1:]
            self._add(mark, color, message, problem.node_id)

    def _add(self, mark: str, color: str, text: str, node_id: str | None) -> None:
        item = QListWidgetItem(_mark_icon(mark, color), text)
        item.setData(NODE_ROLE, node_id)
        item.setToolTip(text + ("\n\nClick to show the layer." if node_id else ""))
        self.addItem(item)

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.node_requested.emit(node_id)


@lru_cache(maxsize=None)
def _mark_icon(mark: str, color: str) -> QIcon:
    """A small round badge with ``mark`` in it (●, ▲, ✓, …), as an icon."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(4, 4, 24, 24)
    painter.setPen(QColor(Colors.window))
    font = painter.font()
    font.setPixelSize(16)
    font.setBold(True)
    painter.setFont(font)
    glyph = {"●": "!", "▲": "!", "✓": "✓", "…": "…"}.get(mark, mark)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return QIcon(pixmap)
