"""The look: the dark theme, category colours, fonts and icons, in one place.

Colours are view state (the project file never stores them). The canvas items and
the palette ask this module for a category's colour and icon, so a category looks
the same everywhere; ``resources/styles/dark.qss`` styles the widgets around them.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QIcon, QPainter, QPixmap
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
    "Generative": "#ffd54f",
    # the guide's groups beyond the palette's categories
    "Losses": "#ff8a65",
    "Training": "#90caf9",
}
_CATEGORY_ICONS = {
    "Input/Output": "category_io.svg",
    "Core": "category_core.svg",
    "Convolution & Pooling": "category_conv.svg",
    "Recurrent & Attention": "category_recurrent.svg",
    "Normalization & Regularization": "category_norm.svg",
    "Activations": "category_activation.svg",
    "Merge": "category_merge.svg",
    "Generative": "category_generative.svg",
}


class Colors:
    """Named colours of the canvas and the panels (the dark theme's until a theme is applied)."""

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
    ok = "#7fd88f"
    link = "#5fb3ff"
    code_bg = "#1a1d23"


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
def badge_icon(color: str, glyph: str = "", glyph_color: str = "#ffffff") -> QIcon:
    """A round badge in ``color``, with ``glyph`` (one character) in it if given."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(color))
    painter.drawEllipse(4, 4, 24, 24)
    if glyph:
        painter.setPen(QColor(glyph_color))
        font = painter.font()
        font.setPixelSize(16)
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return QIcon(pixmap)


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
    """Fusion style, the theme's palette and style sheet (the preference: system, light or dark).

    With ``panels=False`` only the rules the window's shell needs are set (start-up
    shows the shell first); :func:`apply_panel_style` adds the rest when the panels
    are built.
    """
    from designer import theme

    theme.apply(app, panels=panels)


def apply_panel_style(app: QApplication) -> None:
    """The whole style sheet once the window's shell is up, both themes' rules scoped to the
    windows (``designer.theme.scoped_sheet``): switching theme then re-polishes each window once."""
    from designer import theme

    theme.apply_panel_style(app)
