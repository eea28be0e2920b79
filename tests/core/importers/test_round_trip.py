"""Round trip: every shipped example, trained briefly, exported to ONNX and imported back,
gives the same design (node ids, types and wires) and the same predictions.

"The same design" is the design of what the ONNX file holds: the network that makes the
primary head's predictions, in inference form. PyTorch's exporter folds a BatchNorm that
follows a convolution into the convolution's weights, drops Dropout (a no-op when
predicting) and keeps only the mean of a VAE's Sample; the expected design is the
original with exactly those changes (``inference_design``), and nothing else may differ.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest
import torch

from core.build import _feeds
from core.export.exporter import export_run
from core.export.source import verification_inputs
from core.export.verify import difference
from core.heads import heads_of, primary_head
from core.importers.api import import_model
from core.project import Project
from core.train import load_trained_model
from tests.conftest import EXAMPLES
from tests.core.export import projects

pytestmark = pytest.mark.slow

#: A GAN is two networks and exports by parts (tests/core/test_gan.py): not in this loop.
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.lfproj")
               if '"target": "generator"' not in p.read_text(encoding="utf-8"))


def inference_design(project: Project) -> tuple[dict[str, str], set[tuple[str, str, int]]]:
    """The original design as the ONNX file holds it: ``({id: type}, {(source, target, port)})``."""
    graph = project.graph
    head = primary_head(heads_of(graph)).node_id
    keep = _feeds(graph, head)
    types = {i: graph.nodes[i].type for i in keep}
    edges = {(e.source, e.target, e.target_port) for e in graph.edges if e.target in keep}

    def splice(node_id: str, through: str) -> None:
        for source, target, port in list(edges):
            if source == node_id:
                edges.discard((source, target, port))
                edges.add((through, target, port))
        for edge in [e for e in edges if e[1] == node_id]:
            edges.discard(edge)
        del types[node_id]

    for node_id in list(types):
        kind = types[node_id]
        inputs = sorted((e for e in edges if e[1] == node_id), key=lambda e: e[2])
        if kind in ("Dropout", "Dropout2d", "Identity"):
            splice(node_id, inputs[0][0])
        elif kind.startswith("BatchNorm") and types.get(inputs[0][0], "").startswith("Conv") and \
                [e for e in edges if e[0] == inputs[0][0]] == [inputs[0]]:
            splice(node_id, inputs[0][0])
        elif kind == "Sample":  # inference: z is the mean; the log-variance branch is gone
            splice(node_id, inputs[0][0])
    alive, changed = {head}, True
    while changed:
        changed = False
        for source, target, _ in edges:
            if target in alive and source not in alive:
                alive.add(source)
                changed = True
    return ({i: t for i, t in types.items() if i in alive},
            {e for e in edges if e[0] in alive and e[1] in alive})


def _fewer_rows(project_path, rows: int = 160):
    """A CSV example reads the first ``rows`` rows of its file (a copy beside the project)."""
    data = json.loads(project_path.read_text(encoding="utf-8"))
    if (data.get("data") or {}).get("kind") == "csv":
        source = project_path.parent / data["data"]["path"]
        lines = source.read_text(encoding="utf-8").splitlines(keepends=True)[:rows + 1]
        (project_path.parent / "rows.csv").write_text("".join(lines), encoding="utf-8")
        data["data"]["path"] = "rows.csv"
        project_path.write_text(json.dumps(data), encoding="utf-8")
    return project_path


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each example trained for one epoch on a few samples and exported to ONNX."""
    root = tmp_path_factory.mktemp("round-trip")
    done = {}
    for name in NAMES:
        project = _fewer_rows(projects.small_example(name, root / name, samples=48))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            run = projects.train(project, root / name / "run")
        [result] = export_run(run, "onnx", root / name / f"{name}.onnx")
        assert result.ok, result.line()
        done[name] = (run, result.path)
    return done


@pytest.mark.parametrize("name", NAMES)
def test_an_exported_example_imports_back_to_its_design_and_predictions(exported, name, tmp_path):
    run, onnx_path = exported[name]
    result = import_model(onnx_path, tmp_path / f"{name}.lfproj")
    original = load_trained_model(run)
    imported = load_trained_model(result.run_dir)
    types, edges = inference_design(original.project)
    graph = Project.load(result.project_path).graph
    assert {i: n.type for i, n in graph.nodes.items()} == types
    assert {(e.source, e.target, e.target_port) for e in graph.edges} == edges
    assert imported.info.task == original.info.task
    assert imported.info.class_names == original.info.class_names
    assert imported.preprocessing == original.preprocessing
    x = verification_inputs(original, rows=32).x  # the example's own data
    with torch.no_grad():
        before = original.inference_module()(torch.from_numpy(x)).numpy()
        after = imported.inference_module()(torch.from_numpy(x)).numpy()
    assert difference(before, after).ok, difference(before, after)
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5)
    record = json.loads((result.run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["imported"]["from_layerforge"] is True
