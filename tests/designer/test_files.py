"""Files: save and reopen, the unsaved-changes prompt, broken files, drops, recent files, New."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox

from core.project import Project
from designer import settings
from designer.main_window import MainWindow
from tests.conftest import EXAMPLES
from tests.designer.conftest import (choose_file, click, drag_event, open_example, press_button, settle,
                                    when_modal)


def test_save_as_then_reopen_gives_the_same_project(window, qtbot, tmp_path):
    open_example(qtbot, window, "lenet_shapes")
    editor = window.editor
    editor.set_param("conv1", "out_channels", 10)
    editor.rename("fc2", "hidden")
    editor.move({"relu1": (333.5, 44.0)})
    assert window.windowTitle() == "lenet_shapes.lfproj* — LayerForge"
    target = tmp_path / "my net"
    dialogs = when_modal(qtbot, choose_file(target))
    assert window.files.save_as()
    assert isinstance(dialogs[0], QFileDialog)
    saved = tmp_path / "my net.lfproj"
    assert saved.is_file()
    assert window.windowTitle() == "my net.lfproj — LayerForge"
    data = json.loads(saved.read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in data["graph"]["nodes"]}
    assert nodes["conv1"]["params"]["out_channels"] == 10
    assert "hidden" in nodes and nodes["relu1"]["pos"] == [333.5, 44]
    assert window.project.path == saved
    assert settings.recent_files()[0] == str(saved)
    text = window.project.to_json()

    other = MainWindow()
    try:
        assert other.files.open_path(saved, confirm=False)
        settle(qtbot, other)
        assert other.project.to_json() == text
        assert other.scene.nodes["relu1"].shape_text == "10×28×28"
        assert not other.is_dirty()
    finally:
        other.close()


def test_save_writes_to_the_open_file_and_clears_the_star(window, qtbot, tmp_path):
    path = tmp_path / "net.lfproj"
    path.write_text((EXAMPLES / "spiral_mlp.lfproj").read_text(encoding="utf-8"), encoding="utf-8")
    assert window.files.open_path(path)
    window.editor.set_param("fc1", "out_features", 8)
    assert window.windowTitle().startswith("net.lfproj*")
    window.files.save_action.trigger()
    assert json.loads(path.read_text())["graph"]["nodes"][1]["params"]["out_features"] == 8
    assert window.windowTitle() == "net.lfproj — LayerForge"
    assert not list(tmp_path.glob(".net.lfproj.*.tmp"))  # atomic save left no temporary file
    window.undo_stack.undo()  # back before the save: unsaved again
    assert window.windowTitle().startswith("net.lfproj*")


def test_saving_an_opened_example_asks_where_and_leaves_the_example_alone(window, qtbot, tmp_path):
    example = EXAMPLES / "spiral_mlp.lfproj"
    original = example.read_text(encoding="utf-8")
    window.files.open_path(example)
    window.editor.set_param("fc1", "out_features", 5)
    seen = when_modal(qtbot, choose_file(tmp_path / "mine"))
    assert window.files.save()
    assert isinstance(seen[0], QFileDialog)
    assert example.read_text(encoding="utf-8") == original
    assert window.project.path == tmp_path / "mine.lfproj"
    assert json.loads((tmp_path / "mine.lfproj").read_text())["graph"]["nodes"][1]["params"]["out_features"] == 5


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_the_unsaved_changes_prompt(window, qtbot, tmp_path, answer):
    path = tmp_path / "net.lfproj"
    path.write_text((EXAMPLES / "spiral_mlp.lfproj").read_text(encoding="utf-8"), encoding="utf-8")
    window.files.open_path(path)
    window.editor.delete(["relu2"])
    edited = window.project.to_json()
    button = {"cancel": QMessageBox.StandardButton.Cancel, "discard": QMessageBox.StandardButton.Discard,
              "save": QMessageBox.StandardButton.Save}[answer]
    seen = when_modal(qtbot, lambda box: press_button(box, button))
    opened = window.files.open_path(EXAMPLES / "lenet_shapes.lfproj")
    box = seen[0]
    assert isinstance(box, QMessageBox) and "Save the changes to net.lfproj?" in box.text()
    if answer == "cancel":
        assert not opened
        assert window.project.to_json() == edited and window.windowTitle().startswith("net.lfproj*")
        return
    assert opened and window.project.name == "LeNet-5 shapes"
    saved = json.loads(path.read_text(encoding="utf-8"))
    has_relu2 = any(n["id"] == "relu2" for n in saved["graph"]["nodes"])
    assert has_relu2 == (answer == "discard")


def test_closing_with_unsaved_changes_asks_first(qtbot, tmp_path):
    window = MainWindow()
    window.show()
    window.editor.add_layer("Linear", (0, 0))
    when_modal(qtbot, lambda box: press_button(box, QMessageBox.StandardButton.Cancel))
    assert not window.close()
    assert window.isVisible()
    when_modal(qtbot, lambda box: press_button(box, QMessageBox.StandardButton.Discard))
    assert window.close()


@pytest.mark.parametrize("content, words", [
    ('{"format": "layerforge.project",\n "format_version": 1,\n "graph": {,}', "not valid JSON: line 3"),
    (json.dumps({"format": "layerforge.project", "format_version": 1, "graph": {
        "nodes": [{"id": "a", "type": "Conv3d", "params": {}}], "edges": []}}), "Conv3d"),
    (json.dumps({"format": "layerforge.project", "format_version": 7, "graph": {"nodes": [], "edges": []}}),
     "newer LayerForge"),
])
def test_a_broken_file_gets_a_dialog_and_the_window_keeps_its_project(window, qtbot, tmp_path, content, words):
    open_example(qtbot, window, "spiral_mlp")
    window.editor.set_param("fc1", "out_features", 9)
    before = window.project.to_json()
    broken = tmp_path / "broken.lfproj"
    broken.write_text(content, encoding="utf-8")
    texts = []
    when_modal(qtbot, lambda box: (texts.append((box.windowTitle(), box.text(), box.informativeText())),
                                   box.accept()))
    assert not window.files.open_path(broken, confirm=False)
    title, text, reason = texts[0]
    assert title == "Cannot open project" and "broken.lfproj cannot be opened" in text
    assert words in reason
    assert window.project.to_json() == before
    assert window.windowTitle().startswith("spiral_mlp.lfproj*")
    window.editor.set_param("fc1", "out_features", 11)  # still usable
    assert window.project.graph.nodes["fc1"].params["out_features"] == 11


def drop_files(widget, paths: list[Path]) -> bool:
    """Drag files over ``widget`` and drop them; returns whether the drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = drag_event(QDragEnterEvent, QPoint(100, 100), mime)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    drop = drag_event(QDropEvent, QPoint(100, 100), mime)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def test_dropping_a_project_file_on_the_canvas_or_window_opens_it(window, qtbot, tmp_path):
    assert drop_files(window.view.viewport(), [EXAMPLES / "two_branch.lfproj", EXAMPLES / "spiral_mlp.lfproj"])
    assert window.project.path == EXAMPLES / "two_branch.lfproj"
    csv = tmp_path / "table.csv"
    csv.write_text("a,b\n1,2\n")
    seen = when_modal(qtbot, lambda dialog: dialog.reject())
    drop_files(window.view.viewport(), [csv])  # a table opens the CSV import dialog instead
    assert seen and type(seen[0]).__name__ == "CsvImportDialog"
    assert window.project.path == EXAMPLES / "two_branch.lfproj"
    assert drop_files(window.palette, [EXAMPLES / "perceptron.lfproj"])  # reaches the window
    assert window.project.path == EXAMPLES / "perceptron.lfproj"


def test_the_recent_files_menu_reopens_a_file(window, qtbot, tmp_path):
    copy = tmp_path / "a.lfproj"
    copy.write_text((EXAMPLES / "perceptron.lfproj").read_text(encoding="utf-8"), encoding="utf-8")
    window.files.open_path(copy)
    window.files.open_path(EXAMPLES / "spiral_mlp.lfproj")
    menu = window.files.recent_menu
    menu.aboutToShow.emit()
    names = [a.text() for a in menu.actions() if a.text()]
    assert names[:2] == ["spiral_mlp.lfproj", "a.lfproj"]
    next(a for a in menu.actions() if a.text() == "a.lfproj").trigger()
    assert window.project.path == copy
    # the list lives in the isolated settings folder, not the user's
    assert Path(settings.settings().fileName()).parent == Path(settings.state_dir())


def test_new_shows_the_example_gallery_and_opens_an_untitled_copy(window, qtbot):
    from designer.gallery import NewProjectDialog

    seen = []

    def pick(dialog) -> None:
        assert isinstance(dialog, NewProjectDialog)
        names = dialog.entry_names()
        seen.append(names)
        items = [dialog.list.item(i) for i in range(dialog.list.count())]
        card = dialog.list.itemWidget(items[0])
        picture = card.findChildren(QLabel)[0].pixmap().toImage()
        seen.append(len({picture.pixel(x, y) for x in range(0, picture.width(), 5)
                         for y in range(0, picture.height(), 5)}))
        seen.append(card.findChild(QLabel, "galleryDescription").text())
        target = next(i for i in items if i.text() == "Residual block CNN")
        dialog.list.scrollToItem(target)
        click(dialog.list.viewport(), dialog.list.visualItemRect(target).center())

    when_modal(qtbot, pick)
    assert window.files.new_project()
    names, colours, description = seen
    assert names[0] == "Spiral MLP" and "Residual block CNN" in names and names[-1] == "Empty canvas"
    assert len(names) == len(list(EXAMPLES.glob("*.lfproj"))) + 1
    assert colours > 3  # a picture, not a blank square
    assert "interleaved spiral arms" in description  # the description is shown
    project = window.project
    assert project.path is None and project.name == "Residual block CNN"
    example = Project.load(EXAMPLES / "residual_cnn.lfproj")
    assert project.graph.to_dict() == example.graph.to_dict()
    assert window.windowTitle() == "Residual block CNN (not saved) — LayerForge"
    settle(qtbot, window)
    assert "ready to train" in window.summary.text()


def test_thumbnails_are_drawn_by_the_canvas(qapp):
    from designer.gallery import render_thumbnail

    image: QImage = render_thumbnail(Project.load(EXAMPLES / "lenet_shapes.lfproj")).toImage()
    colours = {image.pixel(x, y) for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}
    assert len(colours) > 5


def test_save_as_elsewhere_keeps_data_paths_right_through_undo_and_redo(window, qtbot, tmp_path):
    import shutil

    from core.resources import resource_path

    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    (home / "tables").mkdir(parents=True)
    elsewhere.mkdir()
    first, second = home / "tables" / "flowers.csv", home / "tables" / "more_flowers.csv"
    shutil.copy(resource_path("sample_data", "flowers.csv"), first)
    shutil.copy(first, second)
    project = json.loads((EXAMPLES / "spiral_mlp.lfproj").read_text(encoding="utf-8"))
    project["data"] = {"kind": "csv", "path": "tables/flowers.csv", "target": "species"}
    (home / "net.lfproj").write_text(json.dumps(project), encoding="utf-8")
    assert window.files.open_path(home / "net.lfproj", confirm=False)
    settle(qtbot, window)

    def data_file() -> Path:
        return window.project.resolve(window.project.data["path"])

    # a data-settings edit and a graph edit before Save As
    menu = window.extensions["designer.data.menu:install"]
    assert menu.apply({**window.project.data, "path": "tables/more_flowers.csv"})
    window.editor.set_param("fc1", "out_features", 8)
    when_modal(qtbot, choose_file(elsewhere / "net"))
    assert window.files.save_as()
    saved = json.loads((elsewhere / "net.lfproj").read_text(encoding="utf-8"))
    assert saved["data"]["path"] == "../home/tables/more_flowers.csv"
    assert data_file() == second.resolve()

    window.undo_stack.undo()  # the graph edit
    assert data_file() == second.resolve()
    window.undo_stack.undo()  # the data edit made before Save As
    assert data_file() == first.resolve()
    window.undo_stack.redo()
    assert data_file() == second.resolve()
    window.undo_stack.undo()
    window.files.save_action.trigger()  # saved where it now is, pointing at the first table
    saved = json.loads((elsewhere / "net.lfproj").read_text(encoding="utf-8"))
    assert saved["data"]["path"] == "../home/tables/flowers.csv"
    window.undo_stack.redo()
    window.undo_stack.redo()
    assert data_file() == second.resolve()
    assert window.project.graph.node("fc1").params["out_features"] == 8
    settle(qtbot, window)
    assert window.analysis.data_info.input_shape == (4,)  # the table is still found and read
