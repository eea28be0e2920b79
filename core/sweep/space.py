"""What a trial changes in a project, and the range a setting gets when someone says "vary this".

:func:`apply_values` is the one place where a trial's values reach the project: a
training setting goes into ``training``, ``node.param`` into that node's ``params``; the
rest of the project (and its keys this version does not know) is copied unchanged.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from core.project import Project


def apply_values(project: Project, values: dict[str, Any], name: str | None = None) -> Project:
    """A copy of ``project`` with a trial's ``values`` applied (same file location, so relative
    data paths resolve as before); the copy has no sweep section of its own."""
    data = project.to_dict()
    data.pop("sweep", None)
    training = dict(data.get("training") or {})
    nodes = {node["id"]: node for node in data["graph"]["nodes"]}
    for key, value in values.items():
        if "." in key:
            node_id, param = key.split(".", 1)
            node = nodes[node_id]
            node["params"] = {**(node.get("params") or {}), param: value}
        else:
            training[key] = value
    data["training"] = training
    if name:
        data["name"] = name
    return Project.from_dict(copy.deepcopy(data), path=project.path)


def current_value(project: Project, name: str) -> Any:
    """The value the project has now for a training setting or ``node.param`` (the default
    when it is not written down)."""
    if "." in name:
        from core.layers import REGISTRY

        node_id, param_name = name.split(".", 1)
        node = project.graph.nodes[node_id]
        if param_name in node.params:
            return node.params[param_name]
        param = REGISTRY.get(node.type).params.get(param_name)
        return param.default if param is not None else None
    training = project.training or {}
    if name in training:
        return training[name]
    from core.train.spec import TrainSpec

    return TrainSpec.from_dict({k: v for k, v in training.items() if k in ("optimizer",)}).to_dict().get(name)


def default_range(project: Project, name: str) -> dict[str, Any]:
    """A sensible first range for ``name`` around its current value (the project-file form):
    ×1/4..×4 on a log scale for widths, ÷10..×10 for rates, the whole list for choices."""
    from core.sweep.spec import target_kind

    kind = target_kind(project, name)
    value = current_value(project, name)
    low_bound, high_bound, options = _bounds(project, name)
    if kind == "choice":
        if options:
            return {"choices": list(options)}
        if isinstance(value, bool):
            return {"choices": [True, False]}
        return {"choices": [value]}
    if name == "batch_size":
        base = value if isinstance(value, int) and value > 0 else 32
        return {"choices": sorted({max(1, base // 2), base, base * 2, base * 4})}
    if name == "weight_decay":
        return {"low": 1e-6, "high": 1e-2, "log": True}
    if kind == "int":
        base = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 16
        low = max(int(low_bound) if low_bound is not None else 1, max(1, base // 4))
        high = min(int(high_bound) if high_bound is not None else base * 4, base * 4)
        if high <= low:
            high = low + max(1, base)
        return {"low": low, "high": high, **({"log": True} if low > 0 and high / low >= 8 else {})}
    base = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0
    if high_bound is not None and high_bound <= 1:  # a share: dropout, momentum, smoothing
        low = float(low_bound or 0.0)
        high = round(min(float(high_bound), max(0.5, 2 * base)), 6)
        return {"low": low, "high": high if high > low else float(high_bound)}
    if base > 0:
        low, high = base / 10, base * 10
        if low_bound is not None:
            low = max(low, float(low_bound)) or base / 10
        if high_bound is not None:
            high = min(high, float(high_bound))
        return {"low": _round(low), "high": _round(high), "log": True}
    return {"low": float(low_bound or 0.0), "high": float(high_bound) if high_bound is not None else 1.0}


def _round(value: float) -> float:
    """Three significant digits: 0.0001 rather than 0.00010000000000000002."""
    if value == 0:
        return 0.0
    digits = 3 - int(math.floor(math.log10(abs(value))))
    return round(value, digits)


def _bounds(project: Project, name: str) -> tuple[float | None, float | None, tuple]:
    """The lowest and highest value the target accepts, and its choices."""
    if "." in name:
        from core.layers import REGISTRY

        node_id, param_name = name.split(".", 1)
        param = REGISTRY.get(project.graph.nodes[node_id].type).params.get(param_name)
        if param is None:
            return None, None, ()
        return param.minimum, param.maximum, param.options() if param.kind == "choice" else ()
    from core.resources import load_json_resource

    prop = load_json_resource("schema", "project.schema.json")["$defs"]["training"]["properties"].get(name, {})
    low = prop.get("minimum", prop.get("exclusiveMinimum"))
    high = prop.get("maximum", prop.get("exclusiveMaximum"))
    if "exclusiveMaximum" in prop and high is not None and high <= 1:
        high = round(high - 0.01, 6)
    options = tuple(prop.get("enum") or ())
    return low, high, options
