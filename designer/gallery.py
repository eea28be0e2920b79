"""File ▸ New and the welcome page: a gallery of the example projects in ``resources/examples``.

Each entry shows the example's name, its one-sentence ``description`` (what it
learns), the data it trains on, and a small picture of its graph, drawn by the real
canvas scene. One click picks it: the window opens it **as a new untitled copy**
(the example file itself is never changed; Save asks where to put the copy). The
examples train on data that comes with LayerForge (built-in sets, or a small CSV file in
``resources/sample_data``), so each opens ready to train. "Empty canvas" starts
from nothing. ``welcome=True`` makes it the welcome page (``designer/welcome.py``);
both have the "Show at start-up" check box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPixmap, QUndoStack
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QVBoxLayout, QWidget)

from core.errors import ProjectError
from core.project import Project
from core.resources import examples_dir
from designer import settings
from designer.canvas.scene import GraphScene
from designer.editor import GraphEditor
from designer.layout import auto_layout
from designer.style import Colors

THUMBNAIL = QSize(220, 110)
MAX_THUMBNAIL_SCALE = 0.3  # cards drawn as coloured blocks, the same for every example
PATH_ROLE = Qt.ItemDataRole.UserRole
EMPTY = ""  # the "Empty canvas" entry's path
WELCOME_INTRO = ("Build a neural network by dragging layers onto the canvas, then watch it learn."
                 " Press F1 on any layer to learn what it does, and F5 to train.")


def example_paths() -> list[Path]:
    """The example projects, in a stable order (the quick-start one first)."""
    paths = sorted(examples_dir().glob("*.lfproj"))
    return sorted(paths, key=lambda p: (p.stem != "spiral_mlp", p.stem))


def data_text(project: Project) -> str:
    """What the project trains on, in a few words: ``Built-in data: ... · 1,000 samples``."""
    from core.data import SOURCES

    data = project.data or {}
    if data.get("kind") in SOURCES:
        return SOURCES.get(data["kind"]).summary(data)
    return "No data yet: load a CSV file or an image folder"


def render_thumbnail(project: Project, size: QSize = THUMBNAIL) -> QPixmap:
    """A small picture of ``project``'s graph: auto-laid out, drawn by a throw-away canvas scene."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor(Colors.canvas))
    graph = project.graph.copy()
    graph.move_nodes(auto_layout(list(graph.nodes), [(e.source, e.target) for e in graph.edges]))
    scene = GraphScene(GraphEditor(QUndoStack(), lambda: graph))
    scene.set_graph(graph)
    bounds = scene.graph_bounds()
    if not bounds.isEmpty():
        bounds = bounds.adjusted(-30, -30, 30, 30)
        scale = min(size.width() / bounds.width(), size.height() / bounds.height(), MAX_THUMBNAIL_SCALE)
        target = QRectF(0, 0, bounds.width() * scale, bounds.height() * scale)
        target.moveCenter(QRectF(0, 0, size.width(), size.height()).center())
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, target, bounds, Qt.AspectRatioMode.IgnoreAspectRatio)
        painter.end()
    scene.set_graph(None)
    return pixmap


#: What a gallery row adds around its card, in pixels (layerforge.qss, ``#gallery::item``:
#: padding 8, margin 4 and border 1 on each side).
ITEM_FRAME = 26


class NewProjectDialog(QDialog):
    """Pick an example (or the empty canvas); ``chosen`` is its path, ``EMPTY``, or ``None``."""

    def __init__(self, parent=None, welcome: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to LayerForge" if welcome else "New project")
        self.setObjectName("welcomeDialog" if welcome else "newProjectDialog")
        self.chosen: str | None = None
        title = QLabel("Welcome to LayerForge" if welcome else "Start from an example", objectName="galleryTitle")
        hint = QLabel((WELCOME_INTRO + " " if welcome else "")
                      + "Click an example to open it as a new, untitled copy. The examples train on"
                      " data that comes with LayerForge, so each is ready to train.", wordWrap=True,
                      objectName="galleryIntro")
        self.show_at_startup = QCheckBox("Show at start-up", objectName="showAtStartup")
        self.show_at_startup.setChecked(bool(settings.welcome_at_startup()))
        self.show_at_startup.setToolTip("Show this gallery each time LayerForge starts (also in Preferences)")
        self.show_at_startup.toggled.connect(settings.set_welcome_at_startup)
        self.list = QListWidget(objectName="gallery")
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self._fill()
        self.list.viewport().installEventFilter(self)  # rows follow the list's width
        self.list.itemClicked.connect(self._on_item_clicked)
        self.list.itemActivated.connect(self._on_item_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close if welcome
                                   else QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.show_at_startup)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 12)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(bottom)
        self.resize(780, 700)

    def _fill(self) -> None:
        for path in example_paths():
            try:
                project = Project.load(path)
            except ProjectError:
                continue  # a broken example must not hide the others
            self._add_entry(project.name, project.description or path.name,
                            f"{len(project.graph)} layers · {path.name}", render_thumbnail(project), str(path),
                            data_text(project))
        empty = QPixmap(THUMBNAIL)
        empty.fill(QColor(Colors.canvas))
        self._add_entry("Empty canvas", "Start from nothing: drag layers from the palette.", "", empty, EMPTY)

    def _add_entry(self, name: str, description: str, facts: str, picture: QPixmap, path: str,
                   data: str = "") -> None:
        item = QListWidgetItem(name)
        item.setData(PATH_ROLE, path)
        item.setToolTip(description)
        item.setForeground(QColor(0, 0, 0, 0))  # the row's widget shows the text
        card = QWidget()
        row = QHBoxLayout(card)
        row.setContentsMargins(8, 6, 8, 6)
        row.setSpacing(14)
        image = QLabel()
        image.setPixmap(picture)
        row.addWidget(image)
        text = QVBoxLayout()
        text.setSpacing(4)
        text.addStretch(1)
        text.addWidget(QLabel(name, objectName="galleryName"))
        text.addWidget(QLabel(description, objectName="galleryDescription", wordWrap=True))
        if data:
            text.addWidget(QLabel(data, objectName="galleryData", wordWrap=True))
        if facts:
            text.addWidget(QLabel(facts, objectName="galleryFacts"))
        text.addStretch(1)
        row.addLayout(text, 1)
        for label in card.findChildren(QLabel):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        item.setSizeHint(QSize(640, max(THUMBNAIL.height() + 20, card.sizeHint().height())))
        self.list.addItem(item)
        self.list.setItemWidget(item, card)

    def _fit_rows(self) -> None:
        """Each row as tall as its card needs at the list's width: a card's wrapped
        description is taller in a narrower list (a size hint made before the card had a
        width cut long descriptions in half)."""
        width = self.list.viewport().width() - 2 * self.list.spacing()
        if width <= ITEM_FRAME:
            return
        for index in range(self.list.count()):
            item = self.list.item(index)
            card = self.list.itemWidget(item)
            height = card.heightForWidth(width - ITEM_FRAME) if card is not None else -1
            if height > 0:
                item.setSizeHint(QSize(width, max(THUMBNAIL.height(), height) + ITEM_FRAME))

    def eventFilter(self, watched, event) -> bool:
        if watched is self.list.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_rows()
        return super().eventFilter(watched, event)

    def entry_names(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(PATH_ROLE)
        self.accept()
