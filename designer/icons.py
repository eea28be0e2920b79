"""Icons drawn in the theme's text colour: the run buttons and the panels' title-bar buttons.

Fusion's own media and title-bar icons are black pictures: on the dark theme an enabled
Train button was near-black on dark grey, and its disabled look (Qt lightens it) stood
out more than the enabled one. Here each icon is a small SVG shape painted in the theme's
``text`` colour, and in ``text_faint`` when disabled, so enabled is always the brighter.
:class:`IconStyle` hands them out for the standard pixmaps the window uses; after a theme
change, widgets that keep an icon (toolbar actions) ask :func:`themed_icon` again.
"""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication, QProxyStyle, QStyle

#: Each icon's shape in a 16×16 box; ``@c@`` is its colour.
SHAPES = {
    "play": '<path d="M4.5 2.5v11l9-5.5z" fill="@c@"/>',
    "pause": '<rect x="3.5" y="2.5" width="3.2" height="11" rx="0.8" fill="@c@"/>'
             '<rect x="9.3" y="2.5" width="3.2" height="11" rx="0.8" fill="@c@"/>',
    "resume": '<path d="M1.5 3v10l6.5-5zM8 3v10l6.5-5z" fill="@c@"/>',
    "stop": '<rect x="3" y="3" width="10" height="10" rx="1.6" fill="@c@"/>',
    "close": '<path d="M4 4l8 8M12 4l-8 8" stroke="@c@" stroke-width="1.7" stroke-linecap="round"'
             ' fill="none"/>',
    "float": '<rect x="2.5" y="5.5" width="8" height="8" rx="1" stroke="@c@" stroke-width="1.4" fill="none"/>'
             '<path d="M5.5 2.5h8v8" stroke="@c@" stroke-width="1.4" fill="none"/>',
}
#: The standard pixmaps drawn here instead of by Fusion.
STANDARD = {
    QStyle.StandardPixmap.SP_MediaPlay: "play",
    QStyle.StandardPixmap.SP_MediaPause: "pause",
    QStyle.StandardPixmap.SP_MediaSeekForward: "resume",
    QStyle.StandardPixmap.SP_MediaStop: "stop",
    QStyle.StandardPixmap.SP_TitleBarCloseButton: "close",
    QStyle.StandardPixmap.SP_DockWidgetCloseButton: "close",
    QStyle.StandardPixmap.SP_TitleBarNormalButton: "float",
}
SIZES = (12, 16, 20, 24, 32, 48)


def themed_icon(name: str, role: str = "text") -> QIcon:
    """The icon ``name`` (a key of :data:`SHAPES`) in the current theme's colour ``role`` (a key
    of the theme's ``sheet``: ``on_accent`` on an accent-coloured button), faint when disabled."""
    from designer import theme

    sheet = theme.current().sheet
    return _icon(name, sheet[role], sheet["text_faint"])


@lru_cache(maxsize=None)
def _icon(name: str, color: str, disabled: str) -> QIcon:
    icon = QIcon()
    for mode, tint in ((QIcon.Mode.Normal, color), (QIcon.Mode.Active, color),
                       (QIcon.Mode.Selected, color), (QIcon.Mode.Disabled, disabled)):
        for size in SIZES:
            icon.addPixmap(_pixmap(name, tint, size), mode)
    return icon


def _pixmap(name: str, color: str, size: int) -> QPixmap:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">{SHAPES[name]}</svg>'
    renderer = QSvgRenderer(QByteArray(svg.replace("@c@", color).encode()))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


class IconStyle(QProxyStyle):
    """Fusion, with the run and title-bar icons of :data:`STANDARD` in the theme's colours."""

    def standardIcon(self, standard_icon, option=None, widget=None) -> QIcon:
        name = STANDARD.get(standard_icon)
        if name is not None:
            return themed_icon(name)
        return super().standardIcon(standard_icon, option, widget)


def install_style(app: QApplication) -> None:
    """Give ``app`` the :class:`IconStyle` (once; a style sheet set later keeps it underneath)."""
    if app.property("layerforgeIconStyle"):
        return
    style = IconStyle("Fusion")
    app.setStyle(style)
    app.setProperty("layerforgeIconStyle", True)
    _KEEP.append(style)  # the application uses it; Python must not collect it


_KEEP: list[QStyle] = []
