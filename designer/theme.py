"""Light and dark themes: which one is on, applying it live, and telling the views.

A theme is a JSON file in ``resources/styles`` (``dark.json``, ``light.json``): the
application palette, the named colours of the canvas (:class:`designer.style.Colors`),
the colours filled into the style sheet template ``layerforge.qss``, and colours for
plots. The preference (``designer.settings.theme_mode()``) is ``system``, ``light`` or
``dark``; ``system`` follows the desktop's colour scheme (Qt 6.5+
``QStyleHints.colorScheme``, dark when the desktop does not say) and changes with it.

Hooks for other parts of the designer::

    from designer import theme

    theme.current()                      # the Theme in use: .name, .is_dark, .colors, .plot
    theme.current().plot["background"]   # plot colours: background, foreground, axis,
                                         # grid_alpha, legend, legend_border, series
    theme.notifier().theme_changed.connect(self._on_theme_changed)   # gets the new Theme
    theme.set_mode("light")              # store the preference and apply it at once

Views that paint with ``Colors.x`` at paint time only need a repaint on
``theme_changed``; colours copied into a widget (a pyqtgraph background, a style
sheet string) must be set again there.

The style sheet: at start-up the application gets the theme's own sheet (the shell's part
with ``panels=False``); once the window's panels are built (:func:`apply_panel_style`) it
gets both themes' rules, scoped by a property of the top-level windows
(:func:`scoped_sheet`), and keeps them. A switch then marks the windows with the new theme
and has each re-polished once: changing the application's sheet instead re-polishes every
widget once per ancestor (about 2.5 times the work for the designer's window).
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from core.resources import resource_path
from designer import settings
from designer.gui_gc import wrapping_widgets

MODES = settings.THEME_MODES
MODE_TITLES = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
PARTS_MARK = "/* @PARTS@"
#: The dynamic property on top-level windows: the theme whose style-sheet rules they follow.
THEME_PROPERTY = "lfTheme"
THEMES = ("dark", "light")
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_PSEUDO = re.compile(r"(::?[a-zA-Z-]+(\([^)]*\))?)+$")
_WINDOW_MARK = re.compile(r"/\* lfTheme: [a-z]+ \*/")
SCOPED_MARK = "/* lfTheme: scoped */"


@dataclass(frozen=True)
class Theme:
    name: str
    title: str
    palette: dict[str, str]
    colors: dict[str, str]
    sheet: dict[str, str]
    plot: dict[str, Any]
    category_text: dict[str, str]

    @property
    def is_dark(self) -> bool:
        return self.name == "dark"

    def style_sheet(self) -> str:
        return _sheet(self.name)


@lru_cache(maxsize=None)
def load(name: str) -> Theme:
    """The theme ``name`` (``dark`` or ``light``) from ``resources/styles/<name>.json``."""
    with open(resource_path("styles", f"{name}.json"), encoding="utf-8") as handle:
        data = json.load(handle)
    return Theme(data["name"], data["title"], data["palette"], data["colors"], data["sheet"],
                 data["plot"], data.get("category_text", {}))


@lru_cache(maxsize=None)
def _template() -> str:
    with open(resource_path("styles", "layerforge.qss"), encoding="utf-8") as handle:
        return handle.read()


@lru_cache(maxsize=None)
def _sheet(name: str) -> str:
    sheet = _template()
    # url() in a style sheet is relative to the current folder: point it at our icons
    sheet = sheet.replace("@ICONS@", resource_path("icons").as_posix())
    for token, value in load(name).sheet.items():
        sheet = sheet.replace(f"@{token}@", value)
    return sheet


@lru_cache(maxsize=None)
def scoped_sheet(fallback: str = "dark") -> str:
    """Both themes' style sheets in one, each rule scoped to the windows marked with its theme.

    The application keeps this one sheet whatever the theme (see :func:`apply_panel_style`):
    a selector ``S`` of theme ``t`` becomes ``*[lfTheme="t"] S`` (a widget in a window marked
    ``t``, its dialogs, menus and tooltips included) and, for a single widget class,
    ``S[lfTheme="t"]`` (the marked window itself). A switch then marks the windows again and
    has each re-polished once (:func:`_mark_windows`), where changing the application's sheet
    re-polishes every widget once per ancestor. Each selector gains the same attribute, so the
    rules keep their order of precedence.

    The ``fallback`` theme's plain rules come first, for widgets outside a marked window: one
    being built without a parent gets the right sizes (both themes share them), and its
    colours once it joins a window (Qt re-polishes it then; the scoped rules are more
    specific, so they win).
    """
    parts = [SCOPED_MARK, _COMMENT.sub("", load(fallback).style_sheet())]
    return "\n".join(parts + [_scoped(load(name).style_sheet(), name) for name in THEMES])


def is_scoped(sheet: str) -> bool:
    return sheet.startswith(SCOPED_MARK)


def _scoped(sheet: str, name: str) -> str:
    rules = []
    for selectors, body in _RULE.findall(_COMMENT.sub("", sheet)):
        scoped = []
        for selector in (part.strip() for part in selectors.split(",")):
            scoped.append(f'*[{THEME_PROPERTY}="{name}"] {selector}')
            if " " not in selector:  # it can match a window itself
                pseudo = _PSEUDO.search(selector)
                cut = pseudo.start() if pseudo else len(selector)
                scoped.append(f'{selector[:cut]}[{THEME_PROPERTY}="{name}"]{selector[cut:]}')
        rules.append(f"{', '.join(scoped)} {{{body}}}")
    return "\n".join(rules)


def _mark_windows(name: str, only_new: bool = False) -> None:
    """Mark the top-level windows with theme ``name`` and have each re-polished (once per widget,
    by touching a comment in the style sheet of each window without a parent: its popups and
    dialogs are among its children). ``only_new``: only windows not marked ``name`` yet
    (windows made after the last switch)."""
    with wrapping_widgets():  # a collection amid the wrapping could free a listed window
        listed = QApplication.topLevelWidgets()
    windows = [w for w in listed
               if shiboken6.isValid(w) and not (only_new and w.property(THEME_PROPERTY) == name)]
    for window in windows:  # all marked first: a popup re-polished early looks up its window's mark
        window.setProperty(THEME_PROPERTY, name)
    for window in windows:  # a window with a parent (a popup, a dialog) is re-polished with it
        if shiboken6.isValid(window) and window.parentWidget() is None:
            own = _WINDOW_MARK.sub("", window.styleSheet())
            window.setStyleSheet(f"{own}/* lfTheme: {name} */")


def _on_focus_window_changed(*_args) -> None:
    """A window opened without a parent after a switch gets marked (dialogs with a parent follow
    their parent's mark from the start)."""
    theme = _state["theme"]
    app = QApplication.instance()
    if theme is not None and app is not None and is_scoped(app.styleSheet()):
        _mark_windows(theme.name, only_new=True)


class ThemeNotifier(QObject):
    """Emits ``theme_changed(theme)`` after a theme was applied (also when the system's changed)."""

    theme_changed = Signal(object)


_state: dict[str, Any] = {"theme": None, "notifier": None, "following": False, "watching": False}


def notifier() -> ThemeNotifier:
    """The one notifier (created on first use, owned by the application)."""
    if _state["notifier"] is None:
        _state["notifier"] = ThemeNotifier(QApplication.instance())
    return _state["notifier"]


def current() -> Theme:
    """The theme in use (before any was applied: the one the preference picks)."""
    return _state["theme"] or load(resolve(settings.theme_mode()))


def system_scheme() -> str | None:
    """``light`` or ``dark`` as the desktop says, or ``None`` when it does not (or Qt < 6.5)."""
    app = QGuiApplication.instance()
    hints = app.styleHints() if app is not None else None
    scheme = getattr(hints, "colorScheme", None)
    if scheme is None:
        return None
    value = scheme()
    if value == Qt.ColorScheme.Light:
        return "light"
    if value == Qt.ColorScheme.Dark:
        return "dark"
    return None


def resolve(mode: str) -> str:
    """The theme name for a preference: ``system`` follows the desktop (dark when unknown)."""
    if mode in ("light", "dark"):
        return mode
    return system_scheme() or "dark"


def apply(app: QApplication | None = None, mode: str | None = None, panels: bool = True) -> Theme:
    """Apply the theme for ``mode`` (default: the preference) to the whole application.

    ``panels=False`` sets only the part of the style sheet the window's shell needs
    (start-up); :func:`apply_panel_style` adds the rest. Once it has, the style sheet stays and
    the windows are marked with the theme instead.
    """
    from designer.icons import install_style
    from designer.style import Colors

    app = app or QApplication.instance()
    theme = load(resolve(mode or settings.theme_mode()))
    previous = _state["theme"]
    _state["theme"] = theme
    for key, value in theme.colors.items():
        setattr(Colors, key, value)
    install_style(app)  # Fusion, with icons in the theme's colours (designer/icons.py)
    app.setPalette(_palette(theme))
    if is_scoped(app.styleSheet()):  # the window is built: it holds both themes' rules
        _mark_windows(theme.name, only_new=previous is theme)
    else:  # start-up: the theme's own sheet until the panels are built (apply_panel_style)
        sheet = theme.style_sheet()
        app.setStyleSheet(sheet if panels else sheet.split(PARTS_MARK)[0])
    _pyqtgraph_defaults(theme)
    _follow_system(app)
    _watch_new_windows(app)
    if previous is not None and previous is not theme:
        notifier().theme_changed.emit(theme)
    return theme


def apply_panel_style(app: QApplication) -> None:
    """The whole style sheet, once the window's shell is up and before its panels are built:
    both themes' rules (:func:`scoped_sheet`), the windows marked with the theme in use. From
    then on a theme switch only marks and re-polishes the windows."""
    name = current().name
    _mark_windows(name, only_new=True)
    if not is_scoped(app.styleSheet()):
        app.setStyleSheet(scoped_sheet(name))


def set_mode(mode: str) -> Theme:
    """Store the preference ``mode`` (``system``, ``light``, ``dark``) and apply it live."""
    if mode not in MODES:
        raise ValueError(f"unknown theme {mode!r}: choose one of {', '.join(MODES)}")
    settings.set_theme_mode(mode)
    return apply(mode=mode)


def _palette(theme: Theme) -> QPalette:
    palette = QPalette()
    for role_name, color in theme.palette.items():
        role = getattr(QPalette.ColorRole, role_name, None)
        if role is not None:
            palette.setColor(role, QColor(color))
    disabled = QColor(theme.palette.get("disabled", "#808080"))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def _pyqtgraph_defaults(theme: Theme) -> None:
    """Plots made from now on default to the theme's colours (only if pyqtgraph is loaded already:
    importing it here would slow the start)."""
    pg = sys.modules.get("pyqtgraph")
    if pg is not None:
        pg.setConfigOptions(background=theme.plot["background"], foreground=theme.plot["foreground"])


def _watch_new_windows(app: QApplication) -> None:
    if not _state["watching"]:
        app.focusWindowChanged.connect(_on_focus_window_changed)
        _state["watching"] = True


def _follow_system(app: QApplication) -> None:
    """Re-apply on the desktop's colour scheme change while the preference is ``system``."""
    if _state["following"]:
        return
    signal = getattr(app.styleHints(), "colorSchemeChanged", None)
    if signal is None:
        return
    signal.connect(_on_system_scheme_changed)
    _state["following"] = True


def _on_system_scheme_changed(*_args) -> None:
    if settings.theme_mode() == "system":
        apply()


def category_text_color(category: str) -> QColor:
    """A category's colour for text (darker in the light theme, so it reads on white)."""
    from designer.style import category_color

    override = current().category_text.get(category)
    return QColor(override) if override else category_color(category)
