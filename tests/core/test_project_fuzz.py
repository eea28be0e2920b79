"""Property-based tests: random and mutated project JSON raises only ProjectError.

Whatever a file holds, loading it either succeeds (and then the design can be
checked and saved again) or fails with the project's own error and a sentence.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import ProjectError
from core.project import Project
from core.shapes import analyze

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [json.loads(p.read_text()) for p in sorted((ROOT / "resources/examples").glob("*.lfproj"))]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
                    st.sampled_from(["Linear", "Input", "Output", "ReLU", "Add", "Concat", "fc1",
                                     "input", "layerforge.project", "out_features", "kernel_size"]))
json_values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.text(max_size=10), children, max_size=5)),
    max_leaves=25)

FUZZ = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load_or_refuse(data) -> None:
    try:
        project = Project.from_json(json.dumps(data), path="fuzz.lfproj")
    except ProjectError as err:
        assert str(err).strip() and "\n" not in str(err)
        assert err.problems
        return
    analyze(project.graph)  # a loaded design can always be checked ...
    saved = project.to_json()  # ... and saved, and what is read back is what was saved
    again = Project.from_json(saved, path="fuzz.lfproj")
    assert again.to_dict() == project.to_dict()
    assert again.to_json() == saved
    assert list(again.graph.nodes) == list(project.graph.nodes)
    assert list(again.graph.edges) == list(project.graph.edges)


@FUZZ
@given(json_values)
def test_random_json_only_raises_project_error(data):
    _load_or_refuse(data)


@FUZZ
@given(json_values)
def test_random_json_inside_a_project_envelope(graph):
    _load_or_refuse({"format": "layerforge.project", "format_version": 1, "graph": graph})


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _paths(child, prefix + (index,))


@st.composite
def mutated_projects(draw):
    data = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        paths = [p for p in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        parent = data
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        else:
            parent[path[-1]] = draw(json_values)
    return data


@FUZZ
@given(mutated_projects())
def test_mutated_examples_only_raise_project_error(data):
    _load_or_refuse(data)
