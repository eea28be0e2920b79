"""The welcome gallery: shown over the quick-start project on the first run only, unless asked."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QLabel

from core.project import Project
from designer import settings
from designer.app import start_window
from designer.gallery import NewProjectDialog
from tests.conftest import EXAMPLES
from tests.designer.conftest import click, settle

SPIRAL = str(EXAMPLES / "spiral_mlp.lfproj")


def _start(qtbot):
    window = start_window([SPIRAL])
    qtbot.waitUntil(lambda: window.is_built and window.project.path is not None, timeout=10_000)
    QApplication.processEvents()
    return window


def _welcome(window) -> NewProjectDialog | None:
    dialog = getattr(window, "welcome_dialog", None)
    return dialog if dialog is not None and dialog.isVisible() else None


def _close(window) -> None:
    window.undo_stack.setClean()
    window.close()
    QApplication.processEvents()


def test_first_run_shows_the_welcome_once_over_the_quick_start_project(qtbot, monkeypatch):
    from designer import welcome

    decisions: list = []  # what each start-up's show_at_startup returned (None: no welcome)
    real_show_at_startup = welcome.show_at_startup

    def recorded(window):
        decisions.append(real_show_at_startup(window))
        return decisions[-1]

    monkeypatch.setattr(welcome, "show_at_startup", recorded)
    assert settings.welcome_at_startup() is None  # a first run
    window = _start(qtbot)
    try:
        qtbot.waitUntil(lambda: _welcome(window) is not None, timeout=5000)
        dialog = _welcome(window)
        assert dialog.windowTitle() == "Welcome to LayerForge"
        assert window.project.path == EXAMPLES / "spiral_mlp.lfproj"  # open behind it
        assert not dialog.show_at_startup.isChecked()
        assert settings.welcome_at_startup() is False  # recorded
        first = dialog.list.itemWidget(dialog.list.item(0))
        assert "interleaved spiral arms" in first.findChild(QLabel, "galleryData").text()
        dialog.reject()
    finally:
        _close(window)
    assert len(decisions) == 1 and decisions[0] is not None
    window = _start(qtbot)  # the second run: no welcome
    try:
        # Wait for the start-up decision itself (not a fixed time): it was "no welcome".
        qtbot.waitUntil(lambda: len(decisions) == 2, timeout=5000)
        assert decisions[1] is None and _welcome(window) is None
        # the Help menu can still show it
        (action,) = [a for a in window.menu("Help").actions() if a.text() == "&Welcome…"]
        action.trigger()
        qtbot.waitUntil(lambda: _welcome(window) is not None, timeout=5000)
        _welcome(window).show_at_startup.setChecked(True)  # "show at start-up"
        _welcome(window).reject()
    finally:
        _close(window)
    window = _start(qtbot)  # asked for at start-up: shown again
    try:
        qtbot.waitUntil(lambda: _welcome(window) is not None, timeout=5000)
        assert len(decisions) == 3 and decisions[2] is _welcome(window)
        _welcome(window).reject()
    finally:
        _close(window)


def test_one_click_in_the_welcome_opens_an_example_ready_to_train(qtbot):
    settings.set_welcome_at_startup(True)
    window = _start(qtbot)
    try:
        qtbot.waitUntil(lambda: _welcome(window) is not None, timeout=5000)
        dialog = _welcome(window)
        items = [dialog.list.item(i) for i in range(dialog.list.count())]
        target = next(i for i in items if i.text() == "LeNet-5 shapes")
        dialog.list.scrollToItem(target)
        click(dialog.list.viewport(), dialog.list.visualItemRect(target).center())
        qtbot.waitUntil(lambda: window.project.name == "LeNet-5 shapes", timeout=5000)
        assert window.project.path is None  # an untitled copy: the example stays as it is
        assert window.project.graph.to_dict() == Project.load(EXAMPLES / "lenet_shapes.lfproj").graph.to_dict()
        settle(qtbot, window)
        assert "ready to train" in window.summary.text()
        assert _welcome(window) is None
    finally:
        _close(window)


def test_every_gallery_card_shows_its_whole_description_at_any_width(qtbot):
    dialog = NewProjectDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for width in (780, 560):  # the default, then narrower: descriptions wrap onto more lines
        dialog.resize(width, 700)
        for _ in range(3):  # the list lays out, then its rows follow its width
            QApplication.processEvents()
        for index in range(dialog.list.count()):
            card = dialog.list.itemWidget(dialog.list.item(index))
            description = card.findChild(QLabel, "galleryDescription")
            needed = description.heightForWidth(description.width())
            assert description.height() >= needed, (dialog.list.item(index).text(), width)
            bottom = max(label.geometry().bottom() for label in card.findChildren(QLabel))
            assert bottom <= card.height(), (dialog.list.item(index).text(), width)
