"""Property: every design ``check`` passes trains its first epoch.

Hypothesis mutates the shipped examples the way a person edits them (a parameter
set to an odd value, a layer inserted or deleted, an extra wire, a training setting,
an Input shape or Output width set by hand, a second Input or Output) and, for every project that
``check_project`` calls ready, builds it and trains one epoch on a small sample of
its data. No exception may escape except the product's own ``LayerForgeError``, and
the run must not end as "failed" for anything but a diverging loss.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from core.check import check_project
from core.data import load
from core.errors import LayerForgeError
from core.layers import REGISTRY
from core.project import Project
from core.train.spec import LOSSES, OPTIMIZERS, PRECISIONS, SCHEDULES
from core.train.setup import prepare

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [json.loads(p.read_text()) for p in sorted((ROOT / "resources/examples").glob("*.lfproj"))]
#: A table as people bring them: numbers, a category, a class column (the CSV is written
#: by the test where "TABLE" stands).
TABLE_PROJECT = {**EXAMPLES[0], "name": "Table", "data": {"kind": "csv", "path": "TABLE", "target": "label"},
                 "graph": json.loads((ROOT / "resources/examples/spiral_mlp.lfproj").read_text())["graph"],
                 "training": {"epochs": 1}}


def _write_table(folder: Path) -> Path:
    import numpy as np

    rng = np.random.default_rng(0)
    lines = ["a,b,c,colour,label"]
    for row in range(60):
        a, b, c = rng.normal(size=3)
        lines.append(f"{a:.3f},{b:.3f},{c:.3f},{['red', 'green', 'blue'][row % 3]},{'xyz'[row % 3]}")
    path = folder / "table.csv"
    path.write_text("\n".join(lines) + "\n")
    return path
LAYER_TYPES = sorted(t for t in REGISTRY.names() if t not in ("Input", "Output"))

INTS = st.sampled_from([-1, 0, 1, 2, 3, 5, 8, 33])
FLOATS = st.sampled_from([0.0, 0.5, 0.99, 1.0, 2.0, -0.1])
TRAINING_VALUES = {
    "loss": st.sampled_from(LOSSES),
    "optimizer": st.sampled_from(OPTIMIZERS),
    "precision": st.sampled_from(PRECISIONS),
    "schedule": st.sampled_from(SCHEDULES),
    "batch_size": st.sampled_from([1, 3, 7, 64, 10_000]),
    "label_smoothing": FLOATS,
    "momentum": FLOATS,
    "learning_rate": st.sampled_from([1e-6, 0.01, 1.0, 100.0]),
    "gradient_clip": st.sampled_from([None, 0.1, 5.0]),
    "early_stopping": st.sampled_from([None, True, {"patience": 1}]),
    "monitor": st.sampled_from(["val_loss", "val_accuracy", "val_mae", "train_f1"]),
    "weight_decay": FLOATS,
}


def _param_value(draw, param):
    kind = getattr(param, "kind", None)
    choices = param.options() if kind == "choice" else None
    if choices:
        return draw(st.sampled_from(list(choices)))
    if kind == "name_list":  # table columns (a, b, c, colour), a builtin's (x, y), or none
        return draw(st.lists(st.sampled_from(["a", "b", "colour", "x", "y", "label", "nope"]),
                             min_size=1, max_size=3, unique=True))
    if kind == "bool":
        return draw(st.booleans())
    if kind == "float":
        return draw(FLOATS)
    if kind == "int_list":
        return draw(st.lists(INTS, min_size=1, max_size=4))
    return draw(INTS)


@st.composite
def mutated_projects(draw):
    project = copy.deepcopy(draw(st.sampled_from(EXAMPLES + [TABLE_PROJECT])))
    if project["data"]["kind"] == "builtin":
        project["data"]["samples"] = 48
    project["training"].update({"epochs": 1, "batch_size": 16})
    nodes, edges = project["graph"]["nodes"], project["graph"]["edges"]
    for _ in range(draw(st.integers(1, 4))):
        what = draw(st.sampled_from(["param", "insert", "delete", "wire", "training", "ends",
                                     "second end"]))
        if what == "param":
            node = draw(st.sampled_from(nodes))
            params = REGISTRY.get(node["type"]).params
            names = [param.name for param in params]
            if names:
                name = draw(st.sampled_from(names))
                node["params"][name] = _param_value(draw, params.get(name))
        elif what == "insert" and edges:
            edge = draw(st.sampled_from(edges))
            new_id = f"mut{len(nodes)}"
            layer = REGISTRY.get(draw(st.sampled_from(LAYER_TYPES)))
            chosen = draw(st.lists(st.sampled_from([param.name for param in layer.params] or ["-"]),
                                   max_size=2, unique=True))
            nodes.append({"id": new_id, "type": layer.type,
                          "params": {name: _param_value(draw, layer.params.get(name))
                                     for name in chosen if name != "-"}})
            edges.remove(edge)
            edges += [{"source": edge["source"], "target": new_id},
                      {"source": new_id, "target": edge["target"],
                       **({"target_port": edge["target_port"]} if "target_port" in edge else {})}]
        elif what == "delete":
            inner = [n for n in nodes if n["type"] not in ("Input", "Output")]
            if inner:
                gone = draw(st.sampled_from(inner))["id"]
                into = [e["source"] for e in edges if e["target"] == gone]
                out = [e for e in edges if e["source"] == gone]
                nodes[:] = [n for n in nodes if n["id"] != gone]
                edges[:] = [e for e in edges if gone not in (e["source"], e["target"])]
                if into:
                    edges += [{**e, "source": into[0]} for e in out]
        elif what == "wire":
            source, target = draw(st.sampled_from(nodes))["id"], draw(st.sampled_from(nodes))["id"]
            edges.append({"source": source, "target": target, "target_port": 9})
        elif what == "training":
            key = draw(st.sampled_from(sorted(TRAINING_VALUES)))
            project["training"][key] = draw(TRAINING_VALUES[key])
        elif what == "second end":  # another Input or Output, wired to an inner layer
            inner = [n["id"] for n in nodes if n["type"] not in ("Input", "Output")]
            if inner:
                new_id, other = f"end{len(nodes)}", draw(st.sampled_from(inner))
                kind = draw(st.sampled_from(["Input", "Output"]))
                params = REGISTRY.get(kind).params
                chosen = draw(st.lists(st.sampled_from([p.name for p in params]), max_size=3, unique=True))
                nodes.append({"id": new_id, "type": kind,
                              "params": {name: _param_value(draw, params.get(name)) for name in chosen}})
                edges.append({"source": new_id, "target": other, "target_port": 1} if kind == "Input"
                             else {"source": other, "target": new_id})
        else:
            node = draw(st.sampled_from([n for n in nodes if n["type"] in ("Input", "Output")]))
            if node["type"] == "Input":
                node["params"]["shape"] = draw(st.lists(st.sampled_from([1, 2, 3, 28]), min_size=1, max_size=3))
            else:
                node["params"]["units"] = draw(st.sampled_from([1, 2, 3, 5]))
    return project


@pytest.mark.slow
@settings(max_examples=int(os.environ.get("LF_CONTRACT_EXAMPLES", 120)), deadline=None,
          derandomize=not os.environ.get("LF_CONTRACT_EXAMPLES"),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(mutated_projects())
def test_every_design_check_passes_trains_its_first_epoch(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("contract")
    if data["data"].get("path") == "TABLE":
        data["data"]["path"] = str(_write_table(folder))
    try:
        project = Project.from_dict(data, path=folder / "mutated.lfproj")
    except LayerForgeError:
        event("refused on load")
        return  # refused on load, with a sentence: the fuzz test covers that
    report = check_project(project)
    if not report.ready:
        event("refused by check")
        return
    event(f"trained ({project.data['kind']} data)")
    dataset = load(project.data, project.directory)
    try:
        result = prepare(project, dataset, run_dir=folder / "run").fit()
    except LayerForgeError as err:
        pytest.fail(f"check said ready, then training refused: {err}\n{json.dumps(data)}")
    assert result.status == "completed" or "loss" in (result.reason or ""), (result.reason, json.dumps(data))
