"""File ▸ New: a gallery of the example projects in ``resources/examples``.

Each entry shows the example's name, its one-sentence ``description`` and a small
picture of its graph, drawn by the real canvas scene. One click picks it: the
window opens it **as a new untitled copy** (the example file itself is never
changed; Save asks where to put the copy). "Empty canvas" starts from nothing.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap, QUndoStack
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout

from core.errors import ProjectError
from core.project import Project
from core.resources import examples_dir
from designer.canvas.scene import GraphScene
from designer.editor import GraphEditor
from designer.layout import auto_layout
from designer.style import Colors

THUMBNAIL = QSize(220, 96)
PATH_ROLE = Qt.ItemDataRole.UserRole
EMPTY = ""  # the "Empty canvas" entry's path


def example_paths() -> list[Path]:
    """The example projects, in a stable order (the quick-start one first)."""
    paths = sorted(examples_dir().glob("*.lfproj"))
    return sorted(paths, key=lambda p: (p.stem != "spiral_mlp", p.stem))


def render_thumbnail(project: Project, size: QSize = THUMBNAIL) -> QPixmap:
    """A small picture of ``project``'s graph, drawn by a throw-away canvas scene."""
    pixmap = QPixmap(size)
    pixmap.fill(QColor(Colors.canvas))
    graph = project.graph.copy()
    if any(n.pos is None for n in graph.nodes.values()):
        graph.move_nodes(auto_layout(list(graph.nodes), [(e.source, e.target) for e in graph.edges]))
    stack = QUndoStack()
    scene = GraphScene(GraphEditor(stack, lambda: graph))
    scene.set_graph(graph)
    bounds = scene.graph_bounds()
    if not bounds.isEmpty():
        bounds = bounds.adjusted(-30, -30, 30, 30)
        target = QRectF(0, 0, size.width(), size.height())
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        scene.render(painter, target, bounds, Qt.AspectRatioMode.KeepAspectRatio)
        painter.end()
    scene.set_graph(None)
    return pixmap


class NewProjectDialog(QDialog):
    """Pick an example (or the empty canvas); ``chosen`` is its path, ``EMPTY``, or ``None``."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New project")
        self.setObjectName("newProjectDialog")
        self.chosen: str | None = None
        title = QLabel("Start from an example", objectName="galleryTitle")
        hint = QLabel("Click one to open it as a new, untitled copy. The examples train on built-in"
                      " data, so each is ready to train.", wordWrap=True)
        self.list = QListWidget(objectName="gallery")
        self.list.setIconSize(THUMBNAIL)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self._fill()
        self.list.itemClicked.connect(self._on_item_clicked)
        self.list.itemActivated.connect(self._on_item_clicked)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)
        self.resize(720, 640)

    def _fill(self) -> None:
        for path in example_paths():
            try:
                project = Project.load(path)
            except ProjectError:
                continue  # a broken example must not hide the others
            text = f"{project.name}\n{project.description or path.name}"
            item = QListWidgetItem(QIcon(render_thumbnail(project)), text)
            item.setData(PATH_ROLE, str(path))
            item.setToolTip(f"{project.description}\n\n{len(project.graph)} layers · {path.name}")
            item.setSizeHint(QSize(660, THUMBNAIL.height() + 22))
            self.list.addItem(item)
        empty = QPixmap(THUMBNAIL)
        empty.fill(QColor(Colors.canvas))
        item = QListWidgetItem(QIcon(empty), "Empty canvas\nStart from nothing: drag layers from the palette.")
        item.setData(PATH_ROLE, EMPTY)
        item.setSizeHint(QSize(660, THUMBNAIL.height() + 22))
        self.list.addItem(item)

    def entry_names(self) -> list[str]:
        return [self.list.item(i).text().split("\n")[0] for i in range(self.list.count())]

    def _on_item_clicked(self, item: QListWidgetItem) -> None:
        self.chosen = item.data(PATH_ROLE)
        self.accept()
