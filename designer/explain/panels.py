"""The views of one explained sample: image overlay, column bars, coloured words, steps.

Each view draws from an :class:`~core.explain.base.Explanation` (numpy arrays) and one
row of it; :class:`ResultView` shows the one that fits the data (tables with text
columns get the bars and the words).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QGridLayout, QLabel, QSplitter, QStackedWidget, QTextBrowser, QVBoxLayout,
                               QWidget)

from core.explain.base import IMAGE, SEQUENCE
from core.explain.render import MAX_BARS, NEGATIVE, POSITIVE, caption, legend_sentence, tokens_paragraphs
from designer.explain.pictures import heat_rgb, image_rgb, overlay_rgb, pixmap
from designer.training.plots.style import add_plot, layout_widget, scheme

IMAGE_SIZE = 260


def _rgb(colour) -> tuple[int, int, int]:
    return tuple(int(round(c * 255)) for c in colour)


class ImagePanel(QWidget):
    """The sample, the heat map, and the heat map laid over the sample."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sample = QLabel()
        self.heat = QLabel()
        self.overlay = QLabel()
        grid = QGridLayout(self)
        for col, (title, label) in enumerate((("Sample", self.sample), ("Attribution", self.heat),
                                              ("Over the sample", self.overlay))):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setMinimumSize(120, 120)
            heading = QLabel(title)
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            grid.addWidget(heading, 0, col)
            grid.addWidget(label, 1, col)
        grid.setRowStretch(2, 1)

    def show_row(self, explanation, row: int) -> None:
        signed = explanation.signed()
        heat = explanation.heatmaps[row]
        pixels = explanation.inputs[row]
        self.sample.setPixmap(pixmap((image_rgb(pixels) * 255).astype(np.uint8), IMAGE_SIZE))
        self.heat.setPixmap(pixmap(heat_rgb(heat, signed), IMAGE_SIZE))
        self.overlay.setPixmap(pixmap(overlay_rgb(pixels, heat, signed), IMAGE_SIZE))

    @property
    def has_overlay(self) -> bool:
        return not self.overlay.pixmap().isNull()


class BarsPanel(QWidget):
    """Horizontal bars, one per column, the largest |attribution| at the top."""

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = layout_widget()
        self.plot = add_plot(self.plots, 0, 0, title)
        self.plot.getAxis("left").setWidth(None)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.bars: pg.BarGraphItem | None = None
        self.names: list[str] = []
        self.values = np.zeros(0)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.plots)

    def show_values(self, names: list[str], values, title: str | None = None, x_label: str = "") -> None:
        values = np.asarray(values, np.float64)
        order = np.argsort(-np.abs(values), kind="stable")[:MAX_BARS][::-1]
        self.names = [names[i] for i in order][::-1]
        self.values = values[order][::-1]
        shown = values[order]
        if self.bars is not None:
            self.plot.removeItem(self.bars)
        brushes = [pg.mkBrush(*_rgb(POSITIVE if v >= 0 else NEGATIVE)) for v in shown]
        self.bars = pg.BarGraphItem(x0=np.minimum(shown, 0), width=np.abs(shown), y=np.arange(len(shown)),
                                    height=0.7, brushes=brushes, pen=pg.mkPen(None))
        self.plot.addItem(self.bars)
        self.plot.getAxis("left").setTicks([[(i, _short(names[k])) for i, k in enumerate(order)]])
        self.plot.setYRange(-0.6, len(shown) - 0.4, padding=0.02)
        low, high = float(min(shown.min(initial=0), 0)), float(max(shown.max(initial=0), 0))
        self.plot.setXRange(low, high if high > low else low + 1, padding=0.05)
        self.plot.setLabel("bottom", x_label, color=scheme().text_dim)
        if title is not None:
            self.plot.setTitle(html.escape(title), color=scheme().text, size="9.5pt")


class StepsPanel(QWidget):
    """A time window: its values on top, one bar per step's attribution below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plots = layout_widget()
        self.series = add_plot(self.plots, 0, 0, "The window", "", "value")
        self.steps = add_plot(self.plots, 1, 0, "Attribution per step", "step", "")
        self.steps.setXLink(self.series)
        self.curves: list = []
        self.bars: pg.BarGraphItem | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.plots)

    def show_row(self, explanation, row: int) -> None:
        inputs = np.asarray(explanation.inputs[row], np.float64)
        steps = np.asarray(explanation.values[row], np.float64).sum(1)
        for item in self.curves:
            self.series.removeItem(item)
        x = np.arange(1, len(inputs) + 1)
        self.curves = [self.series.plot(x, inputs[:, f], pen=pg.mkPen(scheme().color(f), width=1.5))
                       for f in range(inputs.shape[1])]
        if self.bars is not None:
            self.steps.removeItem(self.bars)
        brushes = [pg.mkBrush(*_rgb(POSITIVE if v >= 0 else NEGATIVE)) for v in steps]
        self.bars = pg.BarGraphItem(x=x, height=steps, width=0.8, brushes=brushes, pen=pg.mkPen(None))
        self.steps.addItem(self.bars)


class TextPanel(QTextBrowser):
    """The sample's words, coloured by their attribution (a larger font: words are the point)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        self.setFont(font)

    def show_row(self, explanation, row: int) -> None:
        self.setHtml(tokens_paragraphs(explanation, row))


class ResultView(QWidget):
    """What one explained sample looks like, for any kind of data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = QLabel("Choose a sample and press Explain.")
        self.caption.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setObjectName("explanation")
        self.image = ImagePanel()
        self.bars = BarsPanel()
        self.text = TextPanel()
        self.steps = StepsPanel()
        self.table_page = QSplitter(Qt.Orientation.Vertical)
        self.table_page.addWidget(self.bars)
        self.table_page.addWidget(self.text)
        self.stack = QStackedWidget()
        self.empty = QLabel()
        for page in (self.empty, self.image, self.table_page, self.steps):
            self.stack.addWidget(page)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.caption)
        box.addWidget(self.stack, 1)
        box.addWidget(self.legend)
        self.explanation = None

    def clear(self, message: str = "Choose a sample and press Explain.") -> None:
        self.explanation = None
        self.caption.setText(message)
        self.legend.clear()
        self.stack.setCurrentWidget(self.empty)

    def show_explanation(self, explanation, row: int = 0) -> None:
        self.explanation = explanation
        layer = f" at layer {explanation.layer}" if explanation.layer else ""
        self.caption.setText(f"<b>{html.escape(explanation.title)}{html.escape(layer)}</b> — "
                             f"{html.escape(caption(explanation, row))}")
        self.legend.setText(legend_sentence(explanation))
        if explanation.kind == IMAGE:
            self.image.show_row(explanation, row)
            self.stack.setCurrentWidget(self.image)
        elif explanation.kind == SEQUENCE:
            self.steps.show_row(explanation, row)
            self.stack.setCurrentWidget(self.steps)
        else:
            only_text = bool(explanation.texts) and len(explanation.columns) == len(explanation.texts)
            self.bars.setVisible(not only_text)
            self.text.setVisible(bool(explanation.texts))
            if not only_text:
                self.bars.show_values(explanation.columns, explanation.column_values[row],
                                      "Attribution per column", explanation.title)
            if explanation.texts:
                self.text.show_row(explanation, row)
            self.stack.setCurrentWidget(self.table_page)


def _short(name: str, limit: int = 22) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
