"""Writes the parts of resources/schema/project.schema.json that the registries own.

The training section's choices (optimizers, losses, schedules and their options,
metrics) and the descriptions that name them are read off :mod:`core.train.optimizers`,
:mod:`core.train.schedules`, :mod:`core.train.losses` and :mod:`core.train.metric_specs`;
the rest of the file is written by hand. Only the generated properties' lines are
rewritten, in the file's own layout, so hand edits elsewhere survive::

    python -m core.schema_gen          # rewrite the file
    python -m core.schema_gen --check  # exit 1 when it is out of date (a test runs this)
"""

from __future__ import annotations

import json
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

from core.registry import and_list
from core.train import losses, metric_specs, optimizers
from core.train.schedules import SCHEDULES

#: Properties written over several lines (the rest of the training section is one line each).
_EXPANDED = ("schedule", "properties")
_PROPERTY_INDENT = 8


def schema_path() -> Path:
    from core.resources import resource_path

    return resource_path("schema", "project.schema.json")


def _names(names, quoted: bool = False) -> str:
    return and_list(list(names), quoted)


def _learning_rates() -> str:
    specs = sorted(optimizers.OPTIMIZERS, key=lambda s: s.default_learning_rate)
    groups = [f"{rate} for {_names(s.name for s in group)}"
              for rate, group in groupby(specs, key=lambda s: s.default_learning_rate)]
    return "Step size; default " + ", ".join(groups) + "."


def _schedule() -> dict[str, Any]:
    names = SCHEDULES.names()
    properties: dict[str, Any] = {"type": {"enum": list(names)}}
    for option in dict.fromkeys(o for spec in SCHEDULES for o in spec.options):
        users = [spec.name for spec in SCHEDULES if option in spec.options]
        if option.name in properties:
            raise ValueError(f"schedule option {option.name!r} differs between schedules:"
                             " share one ScheduleOption")
        properties[option.name] = {**option.schema(),
                                   "description": ", ".join(users) + ": " + option.doc}
    return {"description": f"A name ({', '.join(names)}), or an object with \"type\" and its options."
                           " Checked by the settings table (core.train.settings).",
            "examples": [*names, {"type": "step", "step_size": 10, "gamma": 0.1}],
            "properties": properties}


def training_properties() -> dict[str, dict[str, Any]]:
    """The generated keys of each generated property of ``$defs.training.properties``."""
    by_setting = {key: optimizers.taking(key) for key in optimizers.extra_settings()}
    huber = "; ".join(f"{spec.name}: {keyword}" for spec in losses.LOSSES
                      for keyword, setting in spec.options.items() if setting == "huber_delta")
    return {
        "optimizer": {"enum": list(optimizers.OPTIMIZERS.names())},
        "learning_rate": {"description": _learning_rates()},
        "momentum": {"description": f"{_names(by_setting['momentum'])} only; 0.9 is a common choice."},
        "nesterov": {"description": f"{_names(by_setting['nesterov'])} with momentum above 0 only."},
        "betas": {"description": f"{_names(by_setting['betas'])}: decay rates of the gradient averages."},
        "schedule": _schedule(),
        "loss": {"enum": list(losses.choices())},
        "label_smoothing": {"description": f"{_names(losses.using('label_smoothing'))} only."},
        "huber_delta": {"description": huber + "."},
        "metrics": {"items": {"enum": list(metric_specs.for_task(None))}},
    }


def _lines(key: str, value: Any, indent: int) -> list[str]:
    """``"key": value`` in the file's layout: one line, or one line per entry when expanded."""
    pad = " " * indent
    if not (isinstance(value, dict) and key in _EXPANDED):
        return [f"{pad}{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}"]
    inner: list[str] = []
    items = list(value.items())
    for i, (name, item) in enumerate(items):
        lines = _lines(name, item, indent + 2)
        if i < len(items) - 1:
            lines[-1] += ","
        inner += lines
    return [f"{pad}{json.dumps(key)}: {{", *inner, f"{pad}}}"]


def _span(lines: list[str], start: int, key: str) -> tuple[int, int]:
    """The first and last line of training property ``key`` (searched from ``start``)."""
    head = " " * _PROPERTY_INDENT + json.dumps(key) + ": "
    first = next(i for i in range(start, len(lines)) if lines[i].startswith(head))
    if not lines[first].rstrip().endswith("{"):
        return first, first
    close = " " * _PROPERTY_INDENT + "}"
    last = next(i for i in range(first + 1, len(lines)) if lines[i].rstrip().rstrip(",") == close)
    return first, last


def render(text: str) -> str:
    """``text`` (the schema file) with the generated properties written from the registries."""
    current = json.loads(text)["$defs"]["training"]["properties"]
    lines = text.split("\n")
    section = lines.index('    "training": {', next(i for i, line in enumerate(lines) if '"$defs"' in line))
    for key, generated in training_properties().items():
        first, last = _span(lines, section, key)
        new = _lines(key, {**current[key], **generated}, _PROPERTY_INDENT)
        if lines[last].rstrip().endswith(","):
            new[-1] += ","
        lines[first:last + 1] = new
    result = "\n".join(lines)
    json.loads(result)  # still JSON
    return result


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = schema_path()
    text = path.read_text(encoding="utf-8")
    wanted = render(text)
    if "--check" in argv:
        if wanted != text:
            print(f"{path} is out of date: run python -m core.schema_gen", file=sys.stderr)
            return 1
        return 0
    if wanted != text:
        from core.atomic import write_text_atomic

        write_text_atomic(path, wanted)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
