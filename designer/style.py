"""The look: the dark theme, category colours, fonts and icons, in one place.

Colours are view state (the project file never stores them). The canvas items and
the palette ask this module for a category's colour and icon, so a category looks
the same everywhere; ``resources/styles/dark.qss`` styles the widgets around them.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from core.resources import resource_path

#: One accent per palette category (the icons in resources/icons use the same colours).
CATEGORY_COLORS = {
    "Input/Output": "#4fc3f7",
    "Core": "#8c9eff",
    "Convolution & Pooling": "#ffb74d",
    "Recurrent & Attention": "#ce93d8",
    "Normalization & Regularization": "#4db6ac",
    "Activations": "#aed581",
    "Merge": "#f48fb1",
}
_CATEGORY_ICONS = {
    "Input/Output": "category_io.svg",
    "Core": "category_core.svg",
    "Convolution & Pooling": "category_conv.svg",
    "Recurrent & Attention": "category_recurrent.svg",
    "Normalization & Regularization": "category_norm.svg",
    "Activations": "category_activation.svg",
    "Merge": "category_merge.svg",
}


class Colors:
    """Named colours of the canvas and the panels."""

    window = "#1b1e24"
    panel = "#22262e"
    canvas = "#181b20"
    grid_minor = "#20242b"
    grid_major = "#272c35"
    card = "#2a2f39"
    card_header = "#313744"
    card_border = "#3b4251"
    selected = "#5fb3ff"
    error = "#ff5c5c"
    warning = "#f5b942"
    text = "#e6e9ef"
    text_dim = "#97a0b0"
    shape_text = "#7fe0c4"
    shape_unknown = "#7b8494"
    params_text = "#d9b36c"
    wire = "#6f7a8c"
    wire_hover = "#d6deea"
    port = "#aab4c4"
    port_free = "#5a6372"
    pill = "#1c2027"


def category_color(category: str) -> QColor:
    return QColor(CATEGORY_COLORS.get(category, "#9aa3b2"))


@lru_cache(maxsize=None)
def category_icon(category: str) -> QIcon:
    name = _CATEGORY_ICONS.get(category)
    return QIcon(str(resource_path("icons", name))) if name else QIcon()


@lru_cache(maxsize=None)
def app_icon() -> QIcon:
    return QIcon(str(resource_path("icons", "layerforge.svg")))


@lru_cache(maxsize=None)
def mono_font(point_size: float = 9.0) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(point_size)
    return font


def ui_font(point_size: float = 9.0, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def apply_theme(app: QApplication, panels: bool = True) -> None:
    """Fusion style, a dark palette and the style sheet from ``resources/styles``.

    With ``panels=False`` only the rules the window's shell needs are set (start-up
    shows the shell first); :func:`apply_panel_style` adds the rest when the panels
    are built.
    """
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: Colors.window,
        QPalette.ColorRole.WindowText: Colors.text,
        QPalette.ColorRole.Base: Colors.panel,
        QPalette.ColorRole.AlternateBase: "#262b34",
        QPalette.ColorRole.ToolTipBase: "#2d3340",
        QPalette.ColorRole.ToolTipText: Colors.text,
        QPalette.ColorRole.PlaceholderText: "#6c7585",
        QPalette.ColorRole.Text: Colors.text,
        QPalette.ColorRole.Button: "#2a2f39",
        QPalette.ColorRole.ButtonText: Colors.text,
        QPalette.ColorRole.BrightText: "#ffffff",
        QPalette.ColorRole.Highlight: "#2f6db5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: Colors.selected,
        QPalette.ColorRole.Mid: "#3b4251",
        QPalette.ColorRole.Dark: "#15181d",
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c7585"))
    app.setPalette(palette)
    sheet = _style_sheet()
    app.setStyleSheet(sheet if panels else sheet.split(_PARTS_MARK)[0])


def apply_panel_style(app: QApplication) -> None:
    """The whole style sheet, after a ``panels=False`` start (otherwise nothing changes)."""
    sheet = _style_sheet()
    if app.styleSheet() == sheet.split(_PARTS_MARK)[0]:
        app.setStyleSheet(sheet)


_PARTS_MARK = "/* @PARTS@"


@lru_cache(maxsize=None)
def _style_sheet() -> str:
    with open(resource_path("styles", "dark.qss"), encoding="utf-8") as handle:
        sheet = handle.read()
    # url() in a style sheet is relative to the current folder: point it at our icons
    return sheet.replace("@ICONS@", resource_path("icons").as_posix())
