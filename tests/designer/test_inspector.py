"""The inspector: generated editors, live shapes downstream, inline refusals, rename."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from designer.inspector.editors import FloatSpinBox
from tests.designer.conftest import open_example, settle


def type_into(widget, text: str) -> None:
    widget.setFocus()
    target = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    QTest.keyClick(target, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(target, text)
    QTest.keyClick(target, Qt.Key.Key_Return)


def test_editors_follow_the_parameter_schema(window, qtbot):
    window.editor.add_layer("Conv2d", (0, 0))
    window.scene.select_nodes(["conv1"])
    editors = window.inspector.param_editors
    assert list(editors) == ["out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "bias"]
    out = editors["out_channels"].field
    assert isinstance(out, QSpinBox) and (out.minimum(), out.maximum()) == (1, 65536)
    assert out.value() == 16
    assert isinstance(editors["kernel_size"].field, QLineEdit)
    assert editors["kernel_size"].field.text() == "3"
    assert isinstance(editors["bias"].field, QCheckBox) and editors["bias"].field.isChecked()
    window.editor.add_layer("Upsample", (0, 200))
    window.scene.select_nodes(["upsample1"])
    assert isinstance(window.inspector.param_editors["mode"].field, QComboBox)
    window.editor.add_layer("BatchNorm1d", (0, 400))
    window.scene.select_nodes(["bn1"])
    eps = window.inspector.param_editors["eps"].field
    assert isinstance(eps, FloatSpinBox) and eps.text() == "1e-05"
    assert "Batch normalisation rescales" in window.inspector.explanation.text()


def test_editing_a_parameter_changes_the_shapes_downstream_on_the_canvas(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    scene = window.scene
    assert scene.nodes["relu1"].shape_text == "6×28×28"
    assert scene.nodes["conv2"].shape_text == "16×10×10"
    window.scene.select_nodes(["conv1"])
    assert window.inspector.output_shape.text() == "6×28×28"
    type_into(window.inspector.param_editors["out_channels"].field, "8")
    settle(qtbot, window)
    assert window.project.graph.nodes["conv1"].params["out_channels"] == 8
    assert scene.nodes["conv1"].shape_text == "8×28×28"
    assert scene.nodes["relu1"].shape_text == "8×28×28"
    assert scene.nodes["pool1"].shape_text == "8×14×14"
    assert scene.nodes["conv2"].params_text == "3.22k params"  # 16·8·5·5 + 16
    assert window.inspector.output_shape.text() == "8×28×28"
    assert window.undo_stack.undoText() == "Change out_channels of conv1"
    assert window.edit_actions["undo"].text() == "&Undo Change out_channels of conv1"

    type_into(window.inspector.param_editors["kernel_size"].field, "3, 5")
    settle(qtbot, window)
    assert window.project.graph.nodes["conv1"].params["kernel_size"] == [3, 5]
    assert scene.nodes["relu1"].shape_text == "8×30×28"


def test_a_shape_error_outlines_the_node_red_with_the_reason(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    window.scene.select_nodes(["conv2"])
    type_into(window.inspector.param_editors["kernel_size"].field, "20")
    settle(qtbot, window)
    item = window.scene.nodes["conv2"]
    assert item.error and "conv2" in item.error
    assert "conv2" in item.toolTip() and item.error.split(" ")[2] in item.toolTip()
    assert window.inspector.node_error.isVisible()
    assert any("conv2" in m for m in window.problems.messages())
    assert "problem" in window.summary.text()
    window.undo_stack.undo()
    settle(qtbot, window)
    assert item.error is None
    assert "ready to train" in window.summary.text()


def test_an_invalid_value_is_refused_inline_and_changes_nothing(window, qtbot):
    open_example(qtbot, window, "lenet_shapes")
    window.scene.select_nodes(["conv1"])
    before = window.project.to_json()
    editor = window.inspector.param_editors["kernel_size"]
    type_into(editor.field, "three")
    assert "kernel_size must be" in editor.error_text
    type_into(editor.field, "0")
    assert "kernel_size must be" in editor.error_text and "from 1 to 1024" in editor.error_text
    assert window.project.to_json() == before
    assert editor.field.property("invalid") is True
    type_into(editor.field, "3")
    assert editor.error_text == ""


def test_optional_parameters_have_an_automatic_state(window, qtbot):
    window.editor.add_layer("MaxPool2d", (0, 0))
    window.scene.select_nodes(["pool1"])
    stride = window.inspector.param_editors["stride"]
    assert stride.auto is not None and stride.auto.isChecked() and not stride.field.isEnabled()
    assert "same as kernel_size" in stride.auto.toolTip()
    stride.auto.click()
    assert window.project.graph.nodes["pool1"].params["stride"] == 2
    type_into(stride.field, "3")
    assert window.project.graph.nodes["pool1"].params["stride"] == 3
    stride.auto.click()
    assert "stride" not in window.project.graph.nodes["pool1"].params
    window.undo_stack.undo()
    assert window.project.graph.nodes["pool1"].params["stride"] == 3
    assert not stride.auto.isChecked() and stride.field.text() == "3"


def test_an_automatic_field_shows_what_auto_resolves_to(window, qtbot):
    """Not a greyed "1" when the data makes it 3: the field says ``auto (3)``, and unticking
    auto starts from that value."""
    open_example(qtbot, window, "lenet_shapes")  # three classes of shapes, 1×28×28 images
    window.scene.select_nodes(["output"])
    units = window.inspector.param_editors["units"]
    assert units.auto.isChecked() and not units.field.isEnabled()
    assert units.field.text() == "auto (3)" and "3 now" in units.auto.toolTip()
    window.scene.select_nodes(["input"])
    shape = window.inspector.param_editors["shape"]
    assert shape.field.text() == "auto (1, 28, 28)"
    window.scene.select_nodes(["pool1"])
    assert window.inspector.param_editors["stride"].field.text() == "auto (2)"  # its kernel size
    window.scene.select_nodes(["output"])
    units = window.inspector.param_editors["units"]  # made again for another layer type
    units.auto.click()
    assert window.project.graph.nodes["output"].params["units"] == 3  # still a network that trains
    assert units.field.text() == "3" and units.field.isEnabled()
    window.undo_stack.undo()
    assert units.field.text() == "auto (3)"


def test_auto_says_what_it_means_before_the_data_is_known(window, qtbot):
    window.editor.add_layer("Output", (0, 0))
    window.scene.select_nodes(["output1"])
    assert window.inspector.param_editors["units"].field.text() == "auto (from the data)"


def test_renaming_in_the_inspector_is_undoable_and_refuses_bad_names(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.scene.select_nodes(["fc1"])
    name = window.inspector.name_edit
    type_into(name, "hidden")
    graph = window.project.graph
    assert "hidden" in graph and "fc1" not in graph
    assert [(e.source, e.target) for e in graph.incoming("relu1")] == [("hidden", "relu1")]
    assert window.scene.nodes["hidden"].node_id == "hidden"
    assert window.undo_stack.undoText() == "Rename 'fc1' to 'hidden'"
    type_into(name, "relu1")
    assert "already exists" in window.inspector.name_error.text()
    type_into(name, "2fast")
    assert "must start with a letter" in window.inspector.name_error.text()
    assert "hidden" in graph
    window.undo_stack.undo()
    assert "fc1" in graph and window.inspector.name_edit.text() == "fc1"


def test_a_float_spin_box_shows_and_takes_small_numbers(window, qtbot):
    window.editor.add_layer("BatchNorm2d", (0, 0))
    window.scene.select_nodes(["bn1"])
    eps = window.inspector.param_editors["eps"].field
    type_into(eps, "0.001")
    assert window.project.graph.nodes["bn1"].params["eps"] == 0.001
    assert eps.text() == "0.001"


def test_the_inspector_shows_inputs_outputs_and_counts(window, qtbot):
    open_example(qtbot, window, "spiral_mlp")
    window.scene.select_nodes(["fc2"])
    inspector = window.inspector
    assert inspector.input_shape.text() == "64"
    assert inspector.output_shape.text() == "64"
    assert inspector.param_count.text() == "4,160"
    window.scene.select_nodes(["fc1", "fc2"])
    assert "2 layers selected" in inspector.hint.text()
    window.scene.select_nodes([])
    assert inspector.stack.currentWidget() is inspector.hint
