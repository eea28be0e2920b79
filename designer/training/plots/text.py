"""Views of what a text network learns: the word vectors of an Embedding on their two
principal components, and the attention weights of one sample.

Both draw the latest snapshot of their probe (``core.train.probes.embedding_map`` and
``core.train.probes.attention``): plain numpy arrays computed in the training thread.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from designer.training.live import LiveRun
from designer.training.plots.curves import Versioned
from designer.training.plots.images import image_item, lookup_table
from designer.training.plots.options import drop_options_menu
from designer.training.plots.style import qcolor, scheme, set_title, style_plot
from designer.training.plots.views import PlotView

#: The most frequent words that get a label on the map (every point has its word as a tooltip).
LABELLED = 40
#: Words longer than this are cut on an axis or a label.
WORD_CHARS = 14
#: Head choice: the mean of the heads.
MEAN = -1


def short_word(word: str, limit: int = WORD_CHARS) -> str:
    word = str(word)
    return word if len(word) <= limit else word[: limit - 1] + "…"


def percent(share: float) -> str:
    return f"{100 * share:.1f} %" if share < 0.995 else f"{100 * share:.0f} %"


def label_font(points: float = 8.0) -> QFont:
    font = QFont()
    font.setPointSizeF(points)
    return font


def note_label(text: str) -> QLabel:
    """A line of explanation above a plot, cut where the tab is narrow (the whole text is its
    tooltip). Not word-wrapped: a wrapped label makes the dock's scroll area give the tab its
    preferred height instead of the room there is, and the plot would run off the bottom."""
    label = QLabel(text)
    label.setObjectName("explanation")
    label.setMinimumWidth(40)
    label.setToolTip(text)
    return label


def set_note(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setToolTip(text)


# ---------------------------------------------------------------------- the word map
class WordMap(Versioned):
    """The words' 2-D points, the most frequent labelled; axes name their share of variance.

    The view moves only when the points leave it or shrink to less than half of it, so the
    words can be followed as they drift."""

    parts = ("embedding_map",)

    def __init__(self, plot: pg.PlotItem, labelled: int = LABELLED) -> None:
        super().__init__()
        self.plot, self.labelled = plot, labelled
        self.points = pg.ScatterPlotItem(pen=pg.mkPen(None), hoverable=True,
                                         tip=lambda x, y, data: str(data),
                                         hoverBrush=pg.mkBrush(qcolor(scheme().highlight)))
        plot.addItem(self.points)
        self.labels: list[pg.TextItem] = []
        self.view: tuple[float, float, float, float] | None = None
        self.words: list[str] = []
        self._points = np.zeros((0, 2))
        self._sizes = np.zeros(0)
        self._brushes: list = []
        self.updates = 0  # how many snapshots were drawn (tests read it)
        plot.vb.sigResized.connect(lambda _vb: self._place_labels())

    theme_drawn = True  # the points' brushes are made when the words arrive

    def forget_drawn(self) -> None:
        super().forget_drawn()
        self.words = []  # sizes and brushes again, in the theme's colours

    @staticmethod
    def point_brushes() -> tuple:
        """(a word's brush, a labelled word's brush)."""
        color = scheme().train
        return pg.mkBrush(qcolor(color, 110)), pg.mkBrush(qcolor(color, 240))

    def reset(self) -> None:
        super().reset()
        for item in self.labels:
            self.plot.removeItem(item)
        self.labels, self.view, self.words = [], None, []
        self._points = np.zeros((0, 2))
        self.points.clear()

    def shown_labels(self) -> list[str]:
        """The words written on the map now (tests, screenshots)."""
        return [item.textItem.toPlainText() for item in self.labels if item.isVisible()]

    def _label(self, index: int) -> pg.TextItem:
        while len(self.labels) <= index:
            item = pg.TextItem("", color=scheme().text, anchor=(0.5, 1.05))
            item.setFont(label_font())
            self.plot.addItem(item, ignoreBounds=True)
            self.labels.append(item)
        return self.labels[index]

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live) or live.embedding_map is None:
            return False
        snap = live.embedding_map
        points = np.asarray(snap.points, np.float64)
        count = len(points)
        if snap.words != self.words:  # the same words all run long: sizes and labels once
            self.words = list(snap.words)
            counts = np.asarray(snap.counts, np.float64)
            if counts.size and counts.max() > 0:
                sizes = 5 + 7 * np.log1p(counts) / np.log1p(counts.max())
            else:  # ranked by id: the first words a little larger
                sizes = np.linspace(11, 5, count)
            self._sizes = sizes
            plain, labelled = self.point_brushes()
            self._brushes = [labelled if i < self.labelled else plain for i in range(count)]
        self.points.setData(x=points[:, 0], y=points[:, 1], size=self._sizes, brush=self._brushes,
                            data=np.array(self.words, dtype=object))
        for i in range(min(count, self.labelled)):
            item = self._label(i)
            text = short_word(snap.words[i])
            if item.textItem.toPlainText() != text:
                item.setText(text)
            item.setPos(float(points[i, 0]), float(points[i, 1]))
        self._points = points
        self._fit(points)
        self._place_labels()
        x, y = snap.explained[:2]
        self.plot.setLabel("bottom", f"PC 1 ({percent(float(x))} of variance)")
        self.plot.setLabel("left", f"PC 2 ({percent(float(y))} of variance)")
        how = "most frequent" if snap.ranking == "frequency" else "first (by token id)"
        where = f" of {snap.column!r}" if snap.column else ""
        epoch = f"epoch {snap.epoch}" + (f", batch {snap.batch}" if snap.batch else " (end)")
        set_title(self.plot, f"Embedding {snap.node_id}: the {count} {how} words{where},"
                             f" {snap.dim}-D vectors on 2 principal components · {epoch}")
        self.updates += 1
        return True

    def _place_labels(self) -> None:
        """Label the most frequent words first; a word whose label would cover one already
        written keeps only its point (and its tooltip)."""
        shown = min(len(self._points), self.labelled, len(self.labels))
        try:
            unit_x, unit_y = self.plot.vb.viewPixelSize()
        except Exception:  # noqa: BLE001 - a view without a size yet: label them all
            unit_x = unit_y = 0.0
        metrics = QFontMetricsF(label_font())
        height = metrics.height() * unit_y
        taken: list[tuple[float, float, float, float]] = []
        for i in range(shown):
            item = self.labels[i]
            width = (metrics.horizontalAdvance(item.textItem.toPlainText()) + 4) * unit_x
            x, y = self._points[i]
            box = (x - width / 2, x + width / 2, y, y + height)
            free = not any(box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3]
                           for b in taken)
            if free:
                taken.append(box)
            item.setVisible(free)
        for item in self.labels[shown:]:
            item.setVisible(False)

    def _fit(self, points: np.ndarray) -> None:
        """Show the points with a margin; move only when they leave the view or fill less
        than half of it."""
        if not len(points) or not np.isfinite(points).all():
            return
        x0, y0 = points.min(0)
        x1, y1 = points.max(0)
        if self.view is not None:
            a0, a1, b0, b1 = self.view
            inside = a0 <= x0 and x1 <= a1 and b0 <= y0 and y1 <= b1
            full = (x1 - x0) >= 0.5 * (a1 - a0) or (y1 - y0) >= 0.5 * (b1 - b0)
            if inside and full:
                return
        dx, dy = max(x1 - x0, 1e-6), max(y1 - y0, 1e-6)
        # room above the points for their labels
        self.view = (x0 - 0.08 * dx, x1 + 0.08 * dx, y0 - 0.08 * dy, y1 + 0.14 * dy)
        self.plot.setRange(xRange=self.view[:2], yRange=self.view[2:], padding=0)


class EmbeddingMapView(PlotView):
    """The Embeddings tab: where the network puts the most frequent words."""

    title = "Embeddings"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.note = note_label(
            f"Each point is a word's vector on the two directions in which the vectors differ most"
            f" (PCA): words the network uses alike move together. The {LABELLED} most frequent are"
            f" labelled; point at any other to see its word.")
        self.note.setContentsMargins(8, 6, 8, 0)
        self.layout().insertWidget(0, self.note)
        plot = self.layout_widget.addPlot(row=0, col=0)
        style_plot(plot, "Embedding")
        plot.disableAutoRange()
        plot.getAxis("left").setWidth(56)
        self.word_map = WordMap(plot)
        self.sets = [self.word_map]

    def shown(self, live: LiveRun) -> bool:
        """Only for runs whose network has a text Embedding."""
        return live.embedding_map is not None


# ---------------------------------------------------------------------- attention
class TokenAxis(pg.AxisItem):
    """An axis with a word at the middle of each cell (at 0.5, 1.5, ...). The bottom one writes
    them upwards; either leaves out every other word (and more) when they would overlap."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.words: list[str] = []
        self.font_ = label_font()

    def set_words(self, words: list[str]) -> None:
        words = [short_word(w) for w in words]
        if words == self.words:
            return
        self.words = words
        self.setTicks([[(i + 0.5, "") for i in range(len(words))], []])
        metrics = QFontMetricsF(self.font_)
        longest = max((metrics.horizontalAdvance(w) for w in words), default=0.0)
        room = int(longest) + 14
        if self.label.isVisible():  # the axis's own title sits beyond the words
            room += int(self.label.boundingRect().height()) + 2
        if self.orientation == "bottom":
            self.setHeight(room)
        else:
            self.setWidth(room)
        self.picture = None
        self.update()

    def shown_every(self, spacing: float) -> int:
        """Label every n-th word so that labels are a text line apart (``spacing``: pixels per word)."""
        line = QFontMetricsF(self.font_).height()
        step = 1
        while spacing > 0 and spacing * step < line * 0.95:
            step += 1
        return step

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs):  # noqa: N802 - pyqtgraph's name
        super().drawPicture(p, axisSpec, tickSpecs, [])
        view = self.linkedView()
        if view is None or not self.words:
            return
        bottom = self.orientation == "bottom"
        where = []
        for i in range(len(self.words)):
            point = self.mapFromScene(view.mapViewToScene(QPointF(i + 0.5, i + 0.5)))
            where.append(point.x() if bottom else point.y())
        spacing = abs(where[1] - where[0]) if len(where) > 1 else 1e9
        step = self.shown_every(spacing)
        line = QFontMetricsF(self.font_).height()
        p.setFont(self.font_)
        p.setPen(self.textPen())
        gap = 6
        bounds = self.boundingRect()
        for i in range(0, len(self.words), step):
            word, at = self.words[i], where[i]
            if bottom:
                if not bounds.left() <= at <= bounds.right():
                    continue
                p.save()
                p.translate(at, gap)
                p.rotate(-90)
                p.drawText(QRectF(-bounds.height(), -line / 2, bounds.height(), line),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), word)
                p.restore()
            else:
                if not bounds.top() <= at <= bounds.bottom():
                    continue
                p.drawText(QRectF(0, at - line / 2, bounds.width() - gap, line),
                           int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), word)

    def shown_words(self) -> list[str]:
        """The words this axis writes at its present size (tests, screenshots)."""
        view = self.linkedView()
        if view is None or len(self.words) < 2:
            return list(self.words)
        size = view.width() if self.orientation == "bottom" else view.height()
        return self.words[:: self.shown_every(size / len(self.words))]


class AttentionMap(Versioned):
    """The chosen layer's and head's (or the heads' mean) weights as a heat map: a row is a
    word that attends (query), a column a word it takes from (key)."""

    parts = ("attention",)

    def __init__(self, plot: pg.PlotItem) -> None:
        super().__init__()
        self.plot = plot
        self.image = image_item()
        self.image.setLookupTable(lookup_table())
        plot.addItem(self.image)
        plot.invertY(True)
        # cells fill the plot (not locked square): the words on both axes stay beside their
        # rows and columns in a wide, low dock instead of far from a small centred square
        plot.setAspectLocked(False)
        plot.showGrid(x=False, y=False)
        plot.setLabel("bottom", "attends to (key)")
        plot.setLabel("left", "word (query)")
        colors = scheme()
        self.bar = pg.ColorBarItem(values=(0.0, 1.0), colorMap=pg.colormap.get("viridis"),
                                   interactive=False, width=12, colorMapMenu=False)
        self.bar.setImageItem(self.image, insert_in=plot)
        drop_options_menu(self.bar)  # a colour bar is a PlotItem too
        self.bar.axis.setPen(pg.mkPen(colors.axis))
        self.bar.axis.setTextPen(pg.mkPen(colors.axis))
        self.bar.axis.setTickFont(label_font())
        self.layer_id: str | None = None
        self.head = MEAN
        self.shown: np.ndarray | None = None  # the matrix on show (tests read it)
        self.shown_layer = None  # its LayerAttention

    def show_choice(self, layer_id: str | None, head: int) -> None:
        if (layer_id, head) != (self.layer_id, self.head):
            self.layer_id, self.head = layer_id, head
            self._seen = ()

    def reset(self) -> None:
        super().reset()
        self.shown = self.shown_layer = None
        self.image.clear()

    @staticmethod
    def chosen(snapshot, layer_id: str | None):
        layers = {layer.node_id: layer for layer in snapshot.layers}
        return layers.get(layer_id) or (snapshot.layers[0] if snapshot.layers else None)

    def update(self, live: LiveRun) -> bool:
        if not self.stale(live) or live.attention is None:
            return False
        snap = live.attention
        layer = self.chosen(snap, self.layer_id)
        if layer is None:
            return True
        weights = np.asarray(layer.weights, np.float32)
        head = self.head if 0 <= self.head < len(weights) else MEAN
        matrix = weights.mean(0) if head == MEAN else weights[head]
        size = len(matrix)
        top = float(matrix.max()) if matrix.size else 1.0
        top = top if top > 1e-6 else 1.0
        self.image.setImage(matrix, autoLevels=False, levels=(0.0, top))
        self.image.setRect(QRectF(0, 0, size, size))
        self.bar.setLevels((0.0, top))
        for name in ("bottom", "left"):
            self.plot.getAxis(name).set_words(snap.tokens)
        self.plot.setRange(xRange=(0, size), yRange=(0, size), padding=0.01)
        which = "mean of the heads" if head == MEAN else f"head {head + 1} of {len(weights)}"
        epoch = f"epoch {snap.epoch}" + (f", batch {snap.batch}" if snap.batch else " (end)")
        set_title(self.plot, f"Attention of {layer.node_id} · {layer.layer_type} · {which} ·"
                             f" {snap.split} sample {snap.sample} · {epoch}")
        self.shown, self.shown_layer = matrix, layer
        return True


def attention_plot(layout: pg.GraphicsLayoutWidget) -> pg.PlotItem:
    """A plot whose axes write the sample's words (:class:`TokenAxis`)."""
    plot = layout.addPlot(row=0, col=0, axisItems={"left": TokenAxis("left"), "bottom": TokenAxis("bottom")})
    return style_plot(plot, "Attention", grid=False)


class AttentionView(PlotView):
    """The Attention tab: one sample's attention weights, per layer and head."""

    title = "Attention"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_box = QComboBox()
        self.layer_box.setMinimumContentsLength(14)
        self.layer_box.setToolTip("Which attention layer")
        self.head_box = QComboBox()
        self.head_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.head_box.setToolTip("One head's weights, or the mean of all heads")
        self.note = note_label("")
        controls = QHBoxLayout()
        controls.setContentsMargins(6, 6, 6, 0)
        controls.addWidget(QLabel("Layer"))
        controls.addWidget(self.layer_box)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Head"))
        controls.addWidget(self.head_box)
        controls.addStretch(1)
        self.note.setContentsMargins(8, 0, 8, 0)
        self.layout().insertLayout(0, controls)
        self.layout().insertWidget(1, self.note)
        self.map = AttentionMap(attention_plot(self.layout_widget))
        self.sets = [self.map]
        self._layers: list[str] = []
        self._heads = 0
        self.layer_box.currentTextChanged.connect(lambda _text: self._on_choice_changed())
        self.head_box.currentIndexChanged.connect(lambda _index: self._on_choice_changed())

    def shown(self, live: LiveRun) -> bool:
        """Only for runs whose network has attention layers."""
        return live.attention is not None

    def _on_choice_changed(self) -> None:
        index = self.head_box.currentIndex()
        self.map.show_choice(self.layer_box.currentText() or None, MEAN if index <= 0 else index - 1)

    def update_from(self, live: LiveRun) -> bool:
        snap = live.attention
        if snap is not None:
            self._offer(snap)
        changed = super().update_from(live)
        if changed and self.map.shown_layer is not None:
            set_note(self.note, self._explain(self.map.shown_layer, snap))
        return changed

    def _offer(self, snap) -> None:
        """The layer and head choosers list what the snapshot has (kept when they still exist)."""
        layers = [layer.node_id for layer in snap.layers]
        if layers != self._layers:
            self._layers = layers
            current = self.layer_box.currentText()
            self.layer_box.blockSignals(True)
            self.layer_box.clear()
            self.layer_box.addItems(layers)
            if current in layers:
                self.layer_box.setCurrentText(current)
            self.layer_box.blockSignals(False)
            self.layer_box.setEnabled(len(layers) > 1)
        layer = AttentionMap.chosen(snap, self.layer_box.currentText() or None)
        heads = layer.heads if layer is not None else 0
        if heads != self._heads:
            self._heads = heads
            index = self.head_box.currentIndex()
            self.head_box.blockSignals(True)
            self.head_box.clear()
            self.head_box.addItems(["Mean of the heads"] + [f"Head {h + 1}" for h in range(heads)])
            self.head_box.setCurrentIndex(index if 0 <= index <= heads else 0)
            self.head_box.blockSignals(False)
        self._on_choice_changed()

    @staticmethod
    def _explain(layer, snap) -> str:
        padded = snap.length - snap.real_tokens
        steps = f"{padded} padding step{'s' if padded != 1 else ''}"
        shown = len(snap.tokens)
        cut = f" The first {shown} of {snap.real_tokens} words." if shown < snap.real_tokens else ""
        rows = "A row is a word; its colours: how much it takes from each word"
        if padded and not layer.masked:  # what to do first: it may be cut off on the right
            share = float(np.mean(layer.padding_share)) if np.size(layer.padding_share) else 0.0
            return (f"This layer also attends to the {steps} ({percent(share)} of a word's attention,"
                    f" left out here): wire the text Input into its second input to hide them."
                    f" {rows}.{cut}")
        hidden = f" The {steps} are hidden from the layer." if padded else ""
        return f"{rows} (rows sum to 1).{hidden}{cut}"

    def reset(self) -> None:
        super().reset()
        set_note(self.note, "")
