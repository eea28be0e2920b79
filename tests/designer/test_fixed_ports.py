"""Layers with a fixed second input (SequencePool's token ids) show a port for each input,
and a wire dropped on a port lands on that input, in any order."""

from __future__ import annotations

from PySide6.QtCore import QPoint

from tests.designer.conftest import drag, port_point
from tests.designer.test_canvas_editing import drop_layer


def test_token_ids_wired_first_into_input_1_then_the_sequence_into_input_0(window, qtbot):
    view = window.view
    view.resetTransform()
    for type_name, (x, y) in {"Input": (90, 200), "Embedding": (280, 100),
                              "SequencePool": (500, 200)}.items():
        drop_layer(window, type_name, QPoint(x, y))
    graph = window.project.graph
    pool = window.scene.nodes["seqpool1"]
    assert [p.port for p in pool.in_ports] == [0, 1]  # both inputs shown before any wire
    first, second = (pool.in_ports[i].scenePos() for i in (0, 1))
    assert second.y() > first.y()

    def wire(source: str, target: str, port: int = 0) -> None:
        drag(view.viewport(), port_point(window, source, output=True),
             port_point(window, target, output=False, index=port))

    wire("input1", "seqpool1", port=1)
    wire("input1", "embed1")
    wire("embed1", "seqpool1", port=0)
    ports = {e.source: e.target_port for e in graph.incoming("seqpool1")}
    assert ports == {"input1": 1, "embed1": 0}
    pool = window.scene.nodes["seqpool1"]
    assert [p.connected for p in pool.in_ports] == [True, True]
    # each wire ends on its own port
    ends = {w.edge.source: w.path().pointAtPercent(1.0) for w in pool.wires if w.edge.target == "seqpool1"}
    assert ends["input1"] != ends["embed1"]
