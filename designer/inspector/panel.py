"""The inspector (right dock): the selected node's name, parameters, shapes and explanation.

It shows what the graph and the latest analysis hold and writes back only through
the :class:`~designer.editor.GraphEditor` (one undo command per edit). It observes
the current graph (``node_changed``, ``node_renamed``, ``node_removed``) and the
analysis, and blocks its own editors' signals while showing new values, so that an
update never echoes back as an edit. The "?" button beside the layer's name (and F1,
which the window handles) asks for the layer's guide page: ``help_requested(node_id)``.
"""

from __future__ import annotations

import re
from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QLineEdit, QScrollArea, QStackedWidget,
                               QToolButton, QVBoxLayout, QWidget)

from core.graph import Graph, Node
from core.layers import REGISTRY
from core.shapes import Analysis, format_shape
from designer.analysis import AnalysisService
from designer.editor import GraphEditor
from designer.inspector.advanced import AdvancedSection
from designer.inspector.editors import ParamEditor, make_editor, show_field_error
from designer.style import CATEGORY_COLORS


def _section(title: str) -> QLabel:
    return QLabel(title.upper(), objectName="sectionTitle")


class Inspector(QScrollArea):
    help_requested = Signal(str)  # node id

    def __init__(self, editor: GraphEditor, analysis: AnalysisService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.analysis = analysis
        self.graph: Graph | None = None
        self.node_id: str | None = None
        self.param_editors: dict[str, ParamEditor] = {}
        #: Called with (label, editor, parameter name) for each parameter row the inspector
        #: builds: other parts add to its context menu (the Experiments panel's "Vary this").
        self.param_row_hooks: list = []
        self._shown_type: str | None = None
        self.setWidgetResizable(True)
        self.setMinimumWidth(270)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        self.hint = QLabel("Select a layer on the canvas to see its shapes and edit its settings.",
                           objectName="emptyHint", wordWrap=True, alignment=Qt.AlignmentFlag.AlignTop)
        self.stack.addWidget(self.hint)
        self.body = QWidget(objectName="inspectorBody")
        self.stack.addWidget(self.body)
        self.setWidget(self.stack)
        self._build_body()
        analysis.analysis_changed.connect(self._on_analysis_changed)

    def _build_body(self) -> None:
        column = QVBoxLayout(self.body)
        column.setContentsMargins(12, 10, 12, 12)
        column.setSpacing(6)
        self.title = QLabel(objectName="inspectorTitle")
        self.category = QLabel(objectName="inspectorCategory")
        self.help_button = QToolButton(objectName="helpButton", text="?")
        self.help_button.setToolTip("What this layer computes, its parameters and its shape rule (F1)")
        self.help_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.help_button.clicked.connect(self._on_help_clicked)
        heading = QHBoxLayout()
        heading.addWidget(self.title, 1)
        heading.addWidget(self.help_button, 0, Qt.AlignmentFlag.AlignVCenter)
        column.addLayout(heading)
        column.addWidget(self.category)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.name_edit = QLineEdit(objectName="nodeName")
        self.name_edit.setToolTip("The node's name: letters, digits and _ (it names the layer in"
                                  " the built model and in exported code)")
        self.name_edit.editingFinished.connect(self._on_name_edited)
        self.name_error = QLabel(objectName="fieldError", wordWrap=True)
        self.name_error.hide()
        form.addRow("Name", self.name_edit)
        form.addRow("", self.name_error)
        column.addLayout(form)

        column.addWidget(_section("Shapes"))
        self.node_error = QLabel(objectName="nodeError", wordWrap=True)
        self.node_error.hide()
        column.addWidget(self.node_error)
        shapes = QFormLayout()
        self.input_shape = QLabel(objectName="shapeValue", wordWrap=True)
        self.output_shape = QLabel(objectName="shapeValue")
        self.param_count = QLabel()
        self.macs = QLabel()
        for label, widget in (("Input", self.input_shape), ("Output", self.output_shape),
                              ("Parameters", self.param_count), ("MACs / sample", self.macs)):
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            shapes.addRow(label, widget)
        column.addLayout(shapes)

        self.params_title = _section("Parameters")
        column.addWidget(self.params_title)
        self.params_host = QWidget()
        self.params_form = QFormLayout(self.params_host)
        self.params_form.setContentsMargins(0, 0, 0, 0)
        self.params_form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        column.addWidget(self.params_host)
        self.advanced = AdvancedSection(self.editor)  # how the layer trains (lr multiplier)
        column.addWidget(self.advanced)

        column.addWidget(_section("About this layer"))
        self.explanation = QLabel(objectName="explanation", wordWrap=True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        column.addWidget(self.explanation)
        column.addStretch(1)

    # ------------------------------------------------------------------ binding
    def set_graph(self, graph: Graph | None) -> None:
        if self.graph is not None:
            self.graph.node_changed.disconnect(self._on_node_changed)
            self.graph.node_renamed.disconnect(self._on_node_renamed)
            self.graph.node_removed.disconnect(self._on_node_removed)
            self.graph.reset.disconnect(self._on_graph_reset)
        self.graph = graph
        if graph is not None:
            graph.node_changed.connect(self._on_node_changed)
            graph.node_renamed.connect(self._on_node_renamed)
            graph.node_removed.connect(self._on_node_removed)
            graph.reset.connect(self._on_graph_reset)
        self.show_node(None)

    def show_selection(self, node_ids: list[str]) -> None:
        if len(node_ids) == 1:
            self.show_node(node_ids[0])
            return
        self.show_node(None)
        if node_ids:
            self.hint.setText(f"{len(node_ids)} layers selected.\n\nDelete, copy, cut or duplicate them"
                              " from the Edit menu; select one layer to edit its settings.")

    def show_node(self, node_id: str | None) -> None:
        if node_id is None or self.graph is None or node_id not in self.graph:
            self.node_id = None
            self.hint.setText("Select a layer on the canvas to see its shapes and edit its settings.")
            self.stack.setCurrentWidget(self.hint)
            return
        rebuild = self.graph.nodes[node_id].type != self._shown_type
        self.node_id = node_id
        node = self.graph.nodes[node_id]
        if rebuild:
            self._build_params(node)
        self._show_values(node)
        self._show_analysis()
        self.stack.setCurrentWidget(self.body)

    def _build_params(self, node: Node) -> None:
        while self.params_form.rowCount():
            self.params_form.removeRow(0)
        self.param_editors = {}
        spec = REGISTRY.get(node.type)
        for param in spec.params:
            editor = make_editor(param)
            editor.value_edited.connect(lambda value, name=param.name: self._on_param_edited(name, value))
            if param.optional:
                editor.fallback = lambda p=param: self._automatic_value(p)
            label = QLabel(param.name)
            label.setToolTip(param.doc)
            self.params_form.addRow(label, editor)
            self.param_editors[param.name] = editor
            for hook in self.param_row_hooks:
                hook(label, editor, param.name)
        self.params_title.setVisible(bool(self.param_editors))
        self.params_host.setVisible(bool(self.param_editors))
        color = CATEGORY_COLORS.get(spec.category, "#9aa3b2")
        self.title.setText(spec.type)
        self.category.setText(f"<span style='color:{color}'>●</span> {escape(spec.category)}"
                              f" — {escape(spec.summary)}")
        self.category.setWordWrap(True)
        parts = [f"<p>{escape(spec.explanation)}</p>"]
        if spec.shape_formula:
            parts.append(f"<p><b>Shape:</b> <code>{escape(spec.shape_formula)}</code></p>")
        if spec.when_to_use:
            parts.append(f"<p><b>When to use:</b> {escape(spec.when_to_use)}</p>")
        self.explanation.setText("".join(parts))
        self._shown_type = node.type

    def _on_help_clicked(self) -> None:
        if self.node_id is not None:
            self.help_requested.emit(self.node_id)

    def _automatic_value(self, param) -> object:
        """What "auto" currently means for ``param``: another setting ("same as kernel_size"), or
        what the data gives ("from the data": the node's analysed output shape, 3 units)."""
        if self.node_id is None or self.graph is None:
            return None
        node = self.graph.nodes[self.node_id]
        match = re.match(r"same as (\w+)", param.none_means or "")
        if match is not None:
            return REGISTRY.get(node.type).effective_params(node.params).get(match.group(1))
        if param.none_means != "from the data":
            return None
        analysis: Analysis | None = self.analysis.analysis
        result = analysis.results.get(self.node_id) if analysis is not None else None
        shape = result.output if result is not None and not result.error else None
        if not shape:
            return None
        if param.kind == "int_list":
            return list(shape)
        return shape[0] if len(shape) == 1 else None

    def _show_values(self, node: Node) -> None:
        self.name_edit.blockSignals(True)
        self.name_edit.setText(node.id)
        self.name_edit.blockSignals(False)
        self._show_name_error(None)
        self._offer_fitting_choices(node)
        for name, editor in self.param_editors.items():
            editor.set_value(node.params.get(name))
        self.advanced.show_node(node)

    def _offer_fitting_choices(self, node: Node) -> None:
        """Narrow each choice whose list depends on the node's other settings and the data
        (``Param.choices_in``: the Output's losses for its target) to what fits now."""
        data = self.analysis.data_shapes
        for editor in self.param_editors.values():
            param = editor.param
            if param.choices_in:
                value = node.params.get(param.name)
                editor.set_options(param.options_in(node.params, data),
                                   str(value if value is not None else param.default))

    def _stale_choices(self, node: Node, name: str, value) -> list[str]:
        """The other choices of ``node`` that no longer fit once ``name`` is ``value`` (a loss
        that does not fit the Output's new target): they go back to their default with it."""
        params = {**node.params, name: value}
        data = self.analysis.data_shapes
        return [p.name for p in REGISTRY.get(node.type).params
                if p.choices_in and p.name != name and params.get(p.name) is not None
                and params[p.name] != p.default and params[p.name] not in p.options_in(params, data)]

    def _show_analysis(self) -> None:
        if self.node_id is None:
            return
        self._offer_columns()
        if self.graph is not None and self.node_id in self.graph:
            self._offer_fitting_choices(self.graph.nodes[self.node_id])  # the data's task decides
        for editor in self.param_editors.values():
            editor.show_auto()  # "auto (3)" follows the data
        analysis: Analysis | None = self.analysis.analysis
        result = analysis.results.get(self.node_id) if analysis is not None else None
        if result is None:
            waiting = "? (checking the data…)" if self.analysis.waiting_for_data else "?"
            self.input_shape.setText(waiting)
            self.output_shape.setText(waiting)
            self.param_count.setText("?")
            self.macs.setText("?")
            self.node_error.hide()
            return
        self.input_shape.setText(", ".join(format_shape(s) for s in result.inputs) or
                                 ("from the data" if result.type == "Input" else "—"))
        self.output_shape.setText(format_shape(result.output) if result.output is not None else "—")
        self.param_count.setText(f"{result.params:,}")
        self.macs.setText(f"{result.macs:,}")
        messages = [p.message for p in analysis.problems if p.node_id == self.node_id]
        if result.error and result.error not in messages:
            messages.insert(0, result.error)
        self.node_error.setText("\n".join(messages))
        self.node_error.setVisible(bool(messages))

    # ------------------------------------------------------------------ edits
    def _offer_columns(self) -> None:
        """Give name-list editors (the Input's columns) the data's feature columns to check;
        while the data is being read they keep what they offered."""
        shapes = self.analysis.data_shapes
        if shapes is None:
            return
        for editor in self.param_editors.values():
            if editor.param.kind == "name_list":
                editor.set_columns(shapes.feature_columns)

    def _on_param_edited(self, name: str, value) -> None:
        if self.node_id is None or self.graph is None:
            return
        node = self.graph.nodes[self.node_id]
        stale = self._stale_choices(node, name, value)
        if not stale:
            problem = self.editor.set_param(self.node_id, name, value)
        else:  # e.g. the target changes and the loss no longer fits it: both in one undo step
            problem = self._set_with_defaults(node, name, value, stale)
        editor = self.param_editors.get(name)
        if editor is not None:
            editor.show_error(problem)

    def _set_with_defaults(self, node: Node, name: str, value, stale: list[str]) -> str | None:
        """Set ``name`` and put the ``stale`` parameters back to their defaults, as one undo step."""
        from core.errors import LayerForgeError

        try:
            REGISTRY.get(node.type).params.get(name).validate(value)
        except LayerForgeError as err:
            return str(err)
        stack = self.editor.undo_stack
        stack.beginMacro(f"Change {name} of {node.id} (and {', '.join(stale)} back to"
                         f" {'its' if len(stale) == 1 else 'their'} default)")
        try:
            problem = self.editor.set_param(node.id, name, value)
            for other in stale:
                self.editor.set_param(node.id, other, None)
        finally:
            stack.endMacro()
        return problem

    def _on_name_edited(self) -> None:
        if self.node_id is None:
            return
        new_id = self.name_edit.text().strip()
        problem = self.editor.rename(self.node_id, new_id)
        self._show_name_error(problem)

    def _show_name_error(self, message: str | None) -> None:
        show_field_error(self.name_edit, self.name_error, message)

    def focus_name(self) -> None:
        if self.node_id is not None:
            self.name_edit.setFocus()
            self.name_edit.selectAll()

    # ------------------------------------------------------------------ model -> view
    def _on_node_changed(self, node_id: str) -> None:
        if node_id == self.node_id and self.graph is not None:
            self._show_values(self.graph.nodes[node_id])

    def _on_node_renamed(self, old_id: str, new_id: str) -> None:
        if old_id == self.node_id:
            self.node_id = new_id
            self.name_edit.blockSignals(True)
            self.name_edit.setText(new_id)
            self.name_edit.blockSignals(False)
            self._show_name_error(None)

    def _on_node_removed(self, node) -> None:
        if node.id == self.node_id:
            self.show_node(None)

    def _on_graph_reset(self) -> None:
        self.show_node(None)

    def _on_analysis_changed(self, analysis) -> None:
        self._show_analysis()
