"""The layer palette (left dock): the registry's layers by category, with a search box.

Built from the registry's metadata alone (no torch). Each item carries its layer
type; dragging one gives ``LAYER_MIME`` data that the canvas accepts, and
double-clicking (or Enter) emits ``layer_requested(type)``, which the window turns
into "add near the centre, wired after the selected node". The context menu (and F1,
which the window handles) opens the guide page of a layer: ``help_requested(type)``.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QMenu, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from core.layers import REGISTRY
from designer.canvas.view import LAYER_MIME
from designer import theme
from designer.style import category_icon, ui_font

TYPE_ROLE = Qt.ItemDataRole.UserRole
CATEGORY_ROLE = Qt.ItemDataRole.UserRole + 1


class _LayerTree(QTreeWidget):
    """A tree whose leaf items drag out as layer types."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        types = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        if types:
            mime.setData(LAYER_MIME, types[0].encode("utf-8"))
            mime.setText(types[0])
        return mime


class Palette(QWidget):
    layer_requested = Signal(str)
    help_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setObjectName("paletteSearch")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Filter by name or description, e.g. conv, norm, attention; Enter adds the first")
        self.tree = _LayerTree()
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(10)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setAnimated(True)
        self.tree.setIconSize(QSize(18, 18))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._fill()
        self.search.textChanged.connect(self._on_search_changed)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.itemActivated.connect(self._on_item_activated)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._show_context_menu)
        theme.notifier().theme_changed.connect(self._on_theme_changed)
        self.setMinimumWidth(210)

    def _fill(self) -> None:
        for category, specs in REGISTRY.by_category().items():
            if not specs:
                continue
            group = QTreeWidgetItem([category.upper()])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            group.setFont(0, ui_font(8.0, bold=True))
            group.setForeground(0, theme.category_text_color(category))
            group.setData(0, CATEGORY_ROLE, category)
            group.setToolTip(0, category)
            self.tree.addTopLevelItem(group)
            for spec in specs:
                item = QTreeWidgetItem([spec.type])
                item.setIcon(0, category_icon(category))
                item.setData(0, TYPE_ROLE, spec.type)
                item.setToolTip(0, f"<b>{spec.type}</b><br>{spec.summary}<br><i>Drag onto the canvas,"
                                   " or double-click to add after the selected layer; F1 or right-click"
                                   " for its guide.</i>")
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                item.setData(0, Qt.ItemDataRole.StatusTipRole, spec.summary)
                group.addChild(item)
            group.setExpanded(True)

    # ------------------------------------------------------------------ lookups
    def layer_items(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(g).child(i) for g in range(self.tree.topLevelItemCount())
                for i in range(self.tree.topLevelItem(g).childCount())]

    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        return next((i for i in self.layer_items() if i.data(0, TYPE_ROLE) == type_name), None)

    def current_type(self) -> str | None:
        """The layer the person is on: the current item, else the search's first match."""
        item = self.tree.currentItem()
        if item is not None and item.data(0, TYPE_ROLE) and not item.isHidden():
            return item.data(0, TYPE_ROLE)
        visible = self.visible_types()
        return visible[0] if visible and self.search.text().strip() else None

    def visible_types(self) -> list[str]:
        return [i.data(0, TYPE_ROLE) for i in self.layer_items() if not i.isHidden()]

    # ------------------------------------------------------------------ filtering
    def _on_search_changed(self, text: str) -> None:
        words = text.lower().split()
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            shown = 0
            for i in range(group.childCount()):
                item = group.child(i)
                spec = REGISTRY.get(item.data(0, TYPE_ROLE))
                haystack = f"{spec.type} {spec.summary}".lower()
                match = all(w in haystack for w in words)
                item.setHidden(not match)
                shown += match
            group.setHidden(shown == 0)
            group.setExpanded(True)

    def _add_first_match(self) -> None:
        visible = self.visible_types()
        if visible:
            exact = [t for t in visible if t.lower() == self.search.text().strip().lower()]
            self.layer_requested.emit((exact or visible)[0])

    def _on_item_activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.layer_requested.emit(type_name)

    def _show_context_menu(self, pos: QPoint) -> None:
        item = self.tree.itemAt(pos)
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        if not type_name:
            return
        self.tree.setCurrentItem(item)
        menu = QMenu(self)
        menu.setObjectName("paletteMenu")
        menu.addAction(f"Add {type_name}", lambda: self.layer_requested.emit(type_name))
        guide = menu.addAction(f"Guide: What Is {type_name}?", lambda: self.help_requested.emit(type_name))
        guide.setShortcut("F1")
        menu.popup(self.tree.viewport().mapToGlobal(pos))
        self.context_menu = menu

    def _on_theme_changed(self, _theme) -> None:
        for g in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(g)
            group.setForeground(0, theme.category_text_color(group.data(0, CATEGORY_ROLE)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.search.clear()
        super().keyPressEvent(event)
