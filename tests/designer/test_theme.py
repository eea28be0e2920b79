"""Light and dark themes: the override switches palette, style sheet and canvas live; system follows."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from core.resources import resource_path
from designer import settings, theme
from designer.style import Colors


@pytest.fixture(autouse=True)
def _back_to_dark():
    yield
    theme.apply(mode="dark")  # the other tests expect the default look


def _window_color() -> str:
    return QApplication.instance().palette().color(QPalette.ColorRole.Window).name()


def test_the_override_switches_palette_style_and_canvas_live(window, qtbot):
    theme.apply(mode="dark")
    dark, light = theme.load("dark"), theme.load("light")
    canvas_before = window.view.viewport().grab().toImage().pixelColor(QPoint(5, 5)).name()
    seen = []
    theme.notifier().theme_changed.connect(seen.append)
    theme.set_mode("light")
    assert settings.theme_mode() == "light"  # stored
    assert seen and seen[-1].name == "light"
    assert _window_color() == light.palette["Window"]
    assert Colors.canvas == light.colors["canvas"] and Colors.text == light.colors["text"]
    sheet = QApplication.instance().styleSheet()
    assert light.sheet["bar"] in sheet and re.findall(r"@[a-z_]+@", sheet) == []  # every colour filled in
    QApplication.processEvents()
    canvas_after = window.view.viewport().grab().toImage().pixelColor(QPoint(5, 5)).name()
    assert canvas_before == QColor(dark.colors["canvas"]).name()
    assert canvas_after == QColor(light.colors["canvas"]).name()
    # the View ▸ Theme menu does the same, back to dark
    menu = window.findChild(type(window.menu("View")), "themeMenu")
    menu.mode_actions["dark"].trigger()
    assert _window_color() == dark.palette["Window"] and settings.theme_mode() == "dark"


def test_system_mode_follows_the_desktop(window, monkeypatch):
    settings.set_theme_mode("system")
    monkeypatch.setattr(theme, "system_scheme", lambda: "light")
    theme._on_system_scheme_changed()
    assert theme.current().name == "light" and _window_color() == theme.load("light").palette["Window"]
    monkeypatch.setattr(theme, "system_scheme", lambda: None)  # the desktop does not say: dark
    theme._on_system_scheme_changed()
    assert theme.current().name == "dark"
    settings.set_theme_mode("light")  # an override ignores the desktop
    monkeypatch.setattr(theme, "system_scheme", lambda: "dark")
    theme.apply()
    theme._on_system_scheme_changed()
    assert theme.current().name == "light"


def test_plot_colours_and_category_text_differ_per_theme():
    dark, light = theme.load("dark"), theme.load("light")
    assert dark.plot["background"] != light.plot["background"]
    assert QColor(light.plot["foreground"]).lightness() < 80 < QColor(dark.plot["foreground"]).lightness()
    theme.apply(mode="light")
    assert theme.category_text_color("Activations").lightness() < 120  # readable on white


def test_svg_icons_are_crisp_at_any_size(qapp):
    icon = QIcon(str(resource_path("icons", "layerforge.svg")))
    assert not icon.isNull()
    big = icon.pixmap(256, 256)
    assert big.width() == 256  # rendered from the SVG at the size asked, not scaled up
    assert icon.pixmap(512, 512).width() == 512
