"""The guide window: a searchable index of every layer, loss and training topic, and its page.

One window per main window, opened by F1 (the selected layer, or the palette's
current item), the palette's context menu, the inspector's "?" button and Help ▸
Guide. ``show_topic(key, params)`` shows a page (``layer:Conv2d``, ``loss:huber``,
``topic:learning_rate``); activation and loss pages have a plot of the function,
drawn for the node's own parameters when opened from a node.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QSplitter, QTextBrowser, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from core.curves import plot_for
from core.guide_texts import GuideEntry, entries, entry as find_entry, search
from designer import theme
from designer.guide.concept_page import EXAMPLE_SCHEME
from designer.guide.demos import DemoArea
from designer.guide.page import LINK_SCHEME, page_html
from designer.guide.plot import CurvePlot
from designer.style import app_icon, badge_icon, category_color, category_icon, ui_font

KEY_ROLE = Qt.ItemDataRole.UserRole
GROUP_ROLE = Qt.ItemDataRole.UserRole + 1
FIRST_PAGE = "layer:Linear"  # what the index shows before any page was asked for


class GuideWindow(QWidget):
    #: A concept page's example link was clicked: the example's file stem (``spiral_mlp``).
    example_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("guideWindow")
        self.setWindowTitle("LayerForge Guide")
        self.setWindowIcon(app_icon())
        self.current_key: str | None = None
        self._params: dict[str, Any] | None = None
        self.search = QLineEdit(placeholderText="Search layers, activations, losses…", objectName="guideSearch")
        self.search.setClearButtonEnabled(True)
        self.index = QTreeWidget(objectName="guideIndex")
        self.index.setHeaderHidden(True)
        self.index.setRootIsDecorated(False)
        self.index.setIndentation(10)
        self.title = QLabel(objectName="guideTitle")
        self.group = QLabel(objectName="guideGroup", wordWrap=True)
        self.plot = CurvePlot()
        self.plot_note = QLabel(objectName="guideGroup", wordWrap=True)
        self.text = QTextBrowser(objectName="guideText")
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._on_link)
        self.demo = DemoArea()
        self._build()
        self._fill_index()
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._show_first_match)
        self.index.currentItemChanged.connect(self._on_current_item_changed)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        theme.notifier().theme_changed.connect(self._on_theme_changed)
        self.resize(980, 680)

    def _build(self) -> None:
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.search)
        column.addWidget(self.index)
        page = QWidget(objectName="guidePage")
        body = QVBoxLayout(page)
        body.setContentsMargins(20, 16, 20, 12)
        body.setSpacing(6)
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        body.addLayout(header)
        body.addWidget(self.group)
        body.addWidget(self.plot)
        body.addWidget(self.plot_note)
        body.addWidget(self.text, 1)
        body.addWidget(self.demo)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(page)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 730])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

    def _fill_index(self) -> None:
        groups: dict[str, QTreeWidgetItem] = {}
        for page in entries().values():
            group = groups.get(page.group)
            if group is None:
                group = QTreeWidgetItem([page.group.upper()])
                group.setData(0, GROUP_ROLE, page.group)
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setFont(0, ui_font(8.0, bold=True))
                group.setForeground(0, theme.category_text_color(page.group))
                self.index.addTopLevelItem(group)
                groups[page.group] = group
            item = QTreeWidgetItem([page.title])
            item.setData(0, KEY_ROLE, page.key)
            item.setToolTip(0, page.summary)
            icon = category_icon(page.group)
            item.setIcon(0, icon if not icon.isNull() else badge_icon(category_color(page.group).name()))
            group.addChild(item)
        self.index.expandAll()

    # ------------------------------------------------------------------ the index
    def index_items(self) -> list[QTreeWidgetItem]:
        return [self.index.topLevelItem(g).child(i) for g in range(self.index.topLevelItemCount())
                for i in range(self.index.topLevelItem(g).childCount())]

    def visible_keys(self) -> list[str]:
        return [i.data(0, KEY_ROLE) for i in self.index_items() if not i.isHidden()]

    def filter(self, text: str) -> None:
        """Show only the pages matching every word of ``text`` (title, summary, key words)."""
        matching = {page.key for page in search(text)}
        for g in range(self.index.topLevelItemCount()):
            group = self.index.topLevelItem(g)
            shown = 0
            for i in range(group.childCount()):
                item = group.child(i)
                hidden = item.data(0, KEY_ROLE) not in matching
                item.setHidden(hidden)
                shown += not hidden
            group.setHidden(shown == 0)

    def _show_first_match(self) -> None:
        keys = self.visible_keys()
        if keys:
            self.show_topic(keys[0])

    def _on_current_item_changed(self, item: QTreeWidgetItem | None, _previous) -> None:
        key = item.data(0, KEY_ROLE) if item is not None else None
        if key and key != self.current_key:
            self.show_topic(key)

    # ------------------------------------------------------------------ pages
    def show_topic(self, key: str, params: dict[str, Any] | None = None) -> GuideEntry:
        """Show page ``key`` (a bare layer type works too); ``params``: a node's, for its plot."""
        page = find_entry(key)
        self.current_key = page.key
        self._params = params
        self.title.setText(page.title)
        self.group.setText(page.group + (" · drawn for this node's parameters" if params and page.plot else ""))
        self.text.setHtml(page_html(page))
        plot = plot_for(page.plot, params)
        self.plot.set_plot(plot)
        self.plot_note.setText(plot.note if plot is not None else "")
        self.plot_note.setVisible(bool(plot is not None and plot.note))
        self.demo.show_for(page.key)
        item = next((i for i in self.index_items() if i.data(0, KEY_ROLE) == page.key), None)
        if item is not None and self.index.currentItem() is not item:
            self.index.blockSignals(True)
            self.index.setCurrentItem(item)
            self.index.blockSignals(False)
            self.index.scrollToItem(item)
        return page

    def open_topic(self, key: str, params: dict[str, Any] | None = None) -> None:
        """Show page ``key`` and bring the window to the front."""
        self.show_topic(key, params)
        self.show()
        self.raise_()
        self.activateWindow()

    def open_index(self) -> None:
        """Bring the window up with the search box focused (Help ▸ Guide Index)."""
        self.open_topic(self.current_key or FIRST_PAGE, self._params)
        self.search.setFocus()
        self.search.selectAll()

    def _on_link(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith(LINK_SCHEME + ":"):
            self.show_topic(text[len(LINK_SCHEME) + 1:])
        elif text.startswith(EXAMPLE_SCHEME + ":"):
            self.example_requested.emit(text[len(EXAMPLE_SCHEME) + 1:])

    def _on_theme_changed(self, _theme) -> None:
        for g in range(self.index.topLevelItemCount()):
            group = self.index.topLevelItem(g)
            group.setForeground(0, theme.category_text_color(group.data(0, GROUP_ROLE)))
        if self.current_key:
            self.show_topic(self.current_key, self._params)

