"""Icons in the theme's colours: enabled run buttons and the panels' close crosses stand out
on both themes, disabled ones are fainter, and the toolbar says what each button does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QToolButton

from designer import theme
from tests.designer.test_training_helpers import spiral, training  # noqa: F401


@pytest.fixture(autouse=True)
def _back_to_dark():
    yield
    theme.apply(mode="dark")


def ink(image: QImage) -> float:
    """The mean lightness (0-255) of the pixels an icon paints (alpha over half)."""
    values = [QColor(image.pixel(x, y)).lightness() for y in range(image.height()) for x in range(image.width())
              if QColor.fromRgba(image.pixel(x, y)).alpha() > 128]
    assert values, "the icon paints nothing"
    return sum(values) / len(values)


def icon_ink(icon: QIcon, mode=QIcon.Mode.Normal) -> float:
    return ink(icon.pixmap(24, 24, mode).toImage())


def background() -> float:
    return QApplication.instance().palette().color(QPalette.ColorRole.Window).lightness()


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_enabled_icons_stand_out_more_than_disabled_ones(window, training, mode):
    theme.apply(mode=mode)
    QApplication.processEvents()
    ground = background()
    for action in training.run_actions:
        icon = action.icon()
        enabled, disabled = icon_ink(icon), icon_ink(icon, QIcon.Mode.Disabled)
        assert abs(enabled - ground) > 120, (action.text(), enabled, ground)
        assert abs(enabled - ground) > abs(disabled - ground) + 40, (action.text(), enabled, disabled)
    cross = window.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton)
    assert abs(icon_ink(cross) - ground) > 120  # the panels' close buttons


def test_the_train_button_on_the_toolbar_is_the_brightest_when_it_can_train(window, training, spiral):
    QApplication.processEvents()
    assert training.train_action.isEnabled() and not training.stop_action.isEnabled()
    train = training.toolbar.widgetForAction(training.train_action)
    stop = training.toolbar.widgetForAction(training.stop_action)
    assert ink(train.grab().toImage()) > ink(stop.grab().toImage())


def test_the_toolbar_names_its_buttons(window, training):
    assert training.toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    buttons = [training.toolbar.widgetForAction(a) for a in training.run_actions]
    assert all(isinstance(b, QToolButton) for b in buttons)
    assert [b.text().replace("&", "") for b in buttons] == ["Train", "Pause", "Resume", "Stop"]
    assert all(b.width() > b.iconSize().width() + 20 for b in buttons)  # room for the word


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_progress_text_is_readable_over_the_filled_bar(qtbot, mode):
    from designer.training.progress import ProgressLine

    theme.apply(mode=mode)
    bar = ProgressLine()
    qtbot.addWidget(bar)
    bar.resize(300, ProgressLine.HEIGHT)
    bar.setRange(0, 10)
    bar.setValue(10)  # full: all the text is over the accent colour
    bar.setFormat("Batch 25 of 25")
    image = bar.grab().toImage()
    fill = QColor(theme.current().sheet["accent"]).lightness()
    middle = [QColor(image.pixel(x, y)).lightness() for y in range(4, image.height() - 4)
              for x in range(100, 200)]
    text = max(middle, key=lambda value: abs(value - fill))  # the glyphs' ink
    assert abs(text - fill) > 90, (mode, text, fill)


@pytest.mark.parametrize("mode", ["dark", "light"])
def test_dialog_buttons_carry_no_style_icons(qtbot, mode):
    """The style's crosses and ticks on Close, Cancel and OK were dark on the dark theme."""
    from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout

    theme.apply(mode=mode)
    dialog = QDialog()
    qtbot.addWidget(dialog)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close | QDialogButtonBox.StandardButton.Ok)
    QVBoxLayout(dialog).addWidget(buttons)
    dialog.show()
    QApplication.processEvents()
    assert all(button.icon().isNull() for button in buttons.buttons())
