"""Project files (``*.lfproj``): load, validate, save.

Loading goes parse -> format check -> JSON Schema -> layer registry -> graph (the
training section's values are not judged on loading: see ``_loader_schema``). Every
problem found on the way is reported with where it is (node id, field) and what is
wrong; all of them at once when there are several. Nothing is ever unpickled.
Saving is atomic, and keys this version does not know are written back unchanged.
"""

from __future__ import annotations

import copy
import json
import math
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from core import migrations
from core.atomic import write_text_atomic
from core.errors import GraphError, ProjectError
from core.events import Signal
from core.graph import Edge, Graph, Node, id_problem
from core.layers import REGISTRY
from core.project_sections import DataSettings, Section, TrainingSettings
from core.resources import load_json_resource

FORMAT = "layerforge.project"
SUFFIX = ".lfproj"
#: Keys of the data section that hold paths relative to the project file.
PATH_KEYS = ("path", "validation_path")
TRAINING_PATH_KEYS = ("init_from",)
_KNOWN_TOP = ("format", "format_version", "name", "description", "graph", "data", "training")
_NODE_KEYS = ("id", "type", "params", "pos")


class Project:
    """A design with its data and training settings; observed through its signals.

    ``changed`` fires after any change, graph included; ``data_changed``,
    ``training_changed`` and ``name_changed`` say which section changed.
    ``setting_changed(section, key, old, new)`` says which key of ``training`` or ``data``
    changed when one was set on its own (``project.training.set(key, value)``).

    ``training`` is a :class:`TrainingSettings` and ``data`` a :class:`DataSettings` (or
    None before any data): dicts with typed setters (``core.project_sections``).
    Assigning a plain dict wraps it.
    """

    _training: TrainingSettings
    _data: DataSettings | None

    def __init__(self, name: str = "Untitled", graph: Graph | None = None,
                 data: dict[str, Any] | None = None, training: dict[str, Any] | None = None,
                 description: str = "", extra: dict[str, Any] | None = None,
                 path: str | os.PathLike | None = None):
        self.changed = Signal()
        self.data_changed = Signal()
        self.training_changed = Signal()
        self.name_changed = Signal()
        self.sweep_changed = Signal()
        self.setting_changed = Signal()
        self._data = self._training = None  # type: ignore[assignment]
        self.name = name
        self.description = description
        self.graph = graph or Graph()
        self.data = copy.deepcopy(data)
        self.training = copy.deepcopy(training) if training is not None else {}
        self.extra = copy.deepcopy(extra) if extra else {}
        self.path = Path(path).resolve() if path else None
        #: What loading changed to bring an older file up to date (``core.migrations``).
        self.migration_notes: list[str] = []
        self.graph.changed.connect(self.changed.emit)

    # ------------------------------------------------------------------ sections
    @property
    def training(self) -> TrainingSettings:
        return self._training

    @training.setter
    def training(self, value: dict[str, Any] | None) -> None:
        self._training = self._adopt(self._training, TrainingSettings(value or {}), self._on_training_key)

    @property
    def data(self) -> DataSettings | None:
        return self._data

    @data.setter
    def data(self, value: dict[str, Any] | None) -> None:
        new = None if value is None else DataSettings(value)
        self._data = self._adopt(self._data, new, self._on_data_key)

    @staticmethod
    def _adopt(old: Section | None, new: Any, listener) -> Any:
        """Listen to the section that replaces ``old`` (a whole section assigned: undo)."""
        if old is not None:
            old.unsubscribe(listener)
        if new is not None:
            new.subscribe(listener)
        return new

    def _on_training_key(self, key: str, old: Any, new: Any) -> None:
        self.setting_changed.emit("training", key, old, new)
        self.training_changed.emit()
        self.changed.emit()

    def _on_data_key(self, key: str, old: Any, new: Any) -> None:
        self.setting_changed.emit("data", key, old, new)
        self.data_changed.emit()
        self.changed.emit()

    # ------------------------------------------------------------------ paths
    @property
    def directory(self) -> Path:
        """The folder relative paths are resolved against (the current folder if unsaved)."""
        return self.path.parent if self.path else Path.cwd()

    def resolve(self, relative: str | os.PathLike) -> Path:
        """An absolute path for a path written in the project (relative to the file)."""
        return (self.directory / Path(relative).expanduser()).resolve()

    # ------------------------------------------------------------------ edits
    def set_name(self, name: str) -> str:
        old, self.name = self.name, name
        self.name_changed.emit()
        self.changed.emit()
        return old

    def set_data(self, data: dict[str, Any] | None,
                 relative_to: str | os.PathLike | None = None) -> dict[str, Any] | None:
        """Replace the data section. ``relative_to``: the folder its relative paths were written
        against (an undo step recorded before Save As moved the project); they are rebased."""
        if data is not None and relative_to is not None and Path(relative_to) != self.directory:
            data = rebase_paths(data, Path(relative_to), self.directory)
        old, self.data = self.data, copy.deepcopy(data)
        self.data_changed.emit()
        self.changed.emit()
        return old

    def set_training(self, training: dict[str, Any]) -> dict[str, Any]:
        old, self.training = self.training, copy.deepcopy(training)
        self.training_changed.emit()
        self.changed.emit()
        return old

    @property
    def sweep(self) -> dict[str, Any] | None:
        """The ``sweep`` section (what a sweep varies: ``core.sweep.spec``), or None."""
        return self.extra.get("sweep")

    def set_sweep(self, sweep: dict[str, Any] | None) -> dict[str, Any] | None:
        """Replace the sweep section (None removes it); returns the old one, for undo."""
        old = copy.deepcopy(self.extra.get("sweep"))
        if sweep is None:
            self.extra.pop("sweep", None)
        else:
            self.extra["sweep"] = copy.deepcopy(sweep)
        self.sweep_changed.emit()
        self.changed.emit()
        return old

    # ------------------------------------------------------------------ serialising
    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"format": FORMAT, "format_version": migrations.CURRENT, "name": self.name}
        if self.description:
            data["description"] = self.description
        data["graph"] = self.graph.to_dict()
        if self.data is not None:
            data["data"] = copy.deepcopy(dict(self.data))
        data["training"] = copy.deepcopy(dict(self.training))
        for key, value in self.extra.items():
            data.setdefault(key, copy.deepcopy(value))
        return data

    def to_json(self) -> str:
        return dump_project_json(self.to_dict())

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Write the project atomically; with a new ``path``, relative data paths are rebased
        (edits recorded before keep working: :meth:`set_data` takes their folder)."""
        target = Path(path).resolve() if path else self.path
        if target is None:
            raise ProjectError("the project has no file yet: choose where to save it")
        if target.parent != self.directory:
            if self.data:
                self.data = rebase_paths(self.data, self.directory, target.parent)
            if self.training:
                self.training = rebase_training(self.training, self.directory, target.parent)
        write_text_atomic(target, self.to_json())
        self.path = target
        return target

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Project":
        path = Path(path)
        shown = path.name
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise ProjectError(f"{path} does not exist: check the file name") from None
        except IsADirectoryError:
            raise ProjectError(f"{path} is a folder, not a project file") from None
        except OSError as err:
            raise ProjectError(f"{path} cannot be read: {err.strerror or err}") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ProjectError(f"{shown} is not a LayerForge project: it is not text (UTF-8)") from None
        return cls.from_json(text, path=path)

    @classmethod
    def from_json(cls, text: str, path: str | os.PathLike | None = None) -> "Project":
        shown = Path(path).name if path else "the project"
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise ProjectError(f"{shown} is not valid JSON: line {err.lineno}, column {err.colno}:"
                               f" {err.msg}", location=f"line {err.lineno}") from None
        except ValueError as err:
            raise ProjectError(f"{shown} is not valid JSON: {err}") from None
        except RecursionError:
            raise ProjectError(f"{shown} is nested too deeply to be a project file") from None
        return cls.from_dict(data, path=path)

    @classmethod
    def from_dict(cls, data: Any, path: str | os.PathLike | None = None) -> "Project":
        shown = Path(path).name if path else "the project"
        _check_format(data, shown)
        data, notes = migrations.migrate(data)
        problems = _schema_problems(data)
        if not problems:
            graph, problems = _graph_from_dict(data["graph"])
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise ProjectError(f"{shown}: {first}{more}", problems=[f"{shown}: {p}" for p in problems])
        extra = {k: v for k, v in data.items() if k not in _KNOWN_TOP}
        project = cls(name=data.get("name") or (Path(path).stem if path else "Untitled"),
                      graph=graph, data=data.get("data"), training=data.get("training") or {},
                      description=data.get("description", ""), extra=extra, path=path)
        project.migration_notes = [f"{shown}: {note}" for note in notes]
        return project


# ---------------------------------------------------------------------- validation
def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a project file (write a number)")


def _check_format(data: Any, shown: str) -> None:
    if not isinstance(data, dict):
        raise ProjectError(f"{shown} is not a LayerForge project: it should hold a JSON object")
    if data.get("format") != FORMAT:
        raise ProjectError(f"{shown} is not a LayerForge project: its \"format\" should be"
                           f" \"{FORMAT}\"", location="format")
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ProjectError(f"{shown}: format_version must be a whole number such as"
                           f" {migrations.CURRENT}", location="format_version")
    if version > migrations.CURRENT:
        raise ProjectError(f"{shown} was saved by a newer LayerForge (format version {version};"
                           f" this version reads up to {migrations.CURRENT}): update LayerForge to"
                           " open it", location="format_version")


def _schema_problems(data: dict[str, Any]) -> list[str]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_loader_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    return [_describe_schema_error(e, data) for e in errors[:20]]


@lru_cache(maxsize=1)
def _loader_schema() -> dict[str, Any]:
    """The project schema as loading applies it: the training section only has to be an
    object. Its values are the settings table's to judge (``core.train.settings``), so a bad
    one opens and is reported in that table's words by ``layerforge check``, the Problems
    panel and the start of a run; the schema's training properties describe the settings
    for the form and for editors."""
    schema = copy.deepcopy(load_json_resource("schema", "project.schema.json"))  # it is cached
    schema["$defs"]["training"] = {"type": "object"}
    return schema


_JSON_TYPES = {"object": "an object", "array": "a list", "string": "text", "integer": "a whole number",
               "number": "a number", "boolean": "true or false", "null": "null"}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "null"


def _location(path: list, data: Any) -> str:
    """``graph.nodes[1].params`` -> ``node 'fc1' params`` where a node id is known."""
    parts: list[str] = []
    node = data
    for i, key in enumerate(path):
        if isinstance(key, int) and i >= 1 and path[i - 1] == "nodes":
            item = node[key] if isinstance(node, list) and key < len(node) else None
            label = item.get("id") if isinstance(item, dict) else None
            parts[-1:] = [f"node {label!r}" if isinstance(label, str) else f"node {key + 1}"]
        elif isinstance(key, int) and i >= 1 and path[i - 1] == "edges":
            parts[-1:] = [f"edge {key + 1}"]
        elif isinstance(key, int):
            parts.append(f"[{key}]")
        else:
            parts.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return " ".join(parts).replace(" [", "[") or "the file"


def _describe_schema_error(error: Any, data: Any) -> str:
    where = _location(list(error.absolute_path), data)
    kind = error.validator
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"{where} is missing {missing!r}"
    if kind == "type":
        wanted = error.validator_value
        wanted = [wanted] if isinstance(wanted, str) else wanted
        words = " or ".join(_JSON_TYPES.get(w, w) for w in wanted)
        return f"{where} must be {words}, not {_json_type(error.instance)}"
    if kind == "enum":
        allowed = ", ".join(json.dumps(v) for v in error.validator_value)
        return f"{where} must be one of {allowed}, not {json.dumps(error.instance)[:60]}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[kind]
        return f"{where} must be {words} {error.validator_value}, not {error.instance}"
    if kind in ("minItems", "maxItems"):
        return f"{where} must hold {'at least' if kind == 'minItems' else 'at most'} {error.validator_value} items"
    if kind in ("minLength", "maxLength"):
        return f"{where} must be {'at least' if kind == 'minLength' else 'at most'} {error.validator_value} characters long"
    if kind == "const":
        return f"{where} must be {json.dumps(error.validator_value)}"
    return f"{where}: {error.message[:200]}"


def _graph_from_dict(data: dict[str, Any]) -> tuple[Graph, list[str]]:
    """Build the graph node by node, collecting every problem instead of stopping at one."""
    graph = Graph()
    problems: list[str] = []
    for index, raw in enumerate(data["nodes"]):
        node_id, type_name = raw["id"], raw["type"]
        label = f"node {node_id!r}"
        problem = id_problem(node_id)
        if problem:
            problems.append(f"node {index + 1}: {problem}")
            continue
        if node_id in graph.nodes:
            problems.append(f"{label} appears twice: node ids must be unique")
            continue
        if type_name not in REGISTRY:
            try:
                REGISTRY.get(type_name)
            except ProjectError as err:
                problems.append(f"{label} has an {err}")
            continue
        spec = REGISTRY.get(type_name)
        params = raw.get("params", {})
        param_problems = spec.validate_params(params)
        if param_problems:
            problems.extend(f"{label} ({type_name}): {p}" for p in param_problems)
            continue
        pos = raw.get("pos")
        if pos is not None and not all(math.isfinite(v) for v in pos):
            problems.append(f"{label}: pos must hold two finite numbers")
            continue
        extra = {k: copy.deepcopy(v) for k, v in raw.items() if k not in _NODE_KEYS}
        graph.add_node(Node(node_id, type_name, copy.deepcopy(params),
                            (float(pos[0]), float(pos[1])) if pos is not None else None, extra))

    raw_ids = {r.get("id") for r in data["nodes"]}
    used_ports: dict[tuple[str, int], int] = {}
    for index, raw in enumerate(data["edges"]):
        source, target = raw["source"], raw["target"]
        label = f"edge {index + 1} ({source} -> {target})"
        missing = [n for n in (source, target) if n not in graph.nodes]
        if missing:
            absent = [m for m in missing if m not in raw_ids]
            if absent:  # else the node's own problem was reported already
                problems.append(f"{label} points to node {absent[0]!r}, which does not exist:"
                                " delete the edge or add the node")
            continue
        if source == target:
            problems.append(f"{label} connects a node to itself: delete it")
            continue
        if graph.nodes[target].type == "Input":
            problems.append(f"{label} leads into Input {target!r}, which takes no inputs: delete it")
            continue
        if graph.nodes[source].type == "Output":
            problems.append(f"{label} leaves Output {source!r}, which is the end of the network:"
                            " delete it")
            continue
        port = raw.get("target_port", 0)
        if (target, port) in used_ports:
            problems.append(f"{label} uses input {port} of {target!r}, which edge"
                            f" {used_ports[(target, port)]} already uses: give it another"
                            " target_port")
            continue
        used_ports[(target, port)] = index + 1
        edge = Edge(source, target, port)
        if edge in graph.edges:
            problems.append(f"{label} appears twice: delete one")
            continue
        graph.add_edge(edge)
    if not problems:
        try:
            graph.topological_order()
        except GraphError as err:
            problems.append(str(err))
    return graph, problems


# ---------------------------------------------------------------------- writing
def dump_project_json(data: dict[str, Any]) -> str:
    """JSON with one node and one edge per line, so that git diffs stay readable."""
    lines = ["{"]
    items = list(data.items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if key == "graph" and isinstance(value, dict):
            lines.append('  "graph": {')
            graph_items = list(value.items())
            for j, (gkey, gvalue) in enumerate(graph_items):
                gcomma = "," if j < len(graph_items) - 1 else ""
                if isinstance(gvalue, list) and gvalue:
                    lines.append(f"    {json.dumps(gkey)}: [")
                    for k, item in enumerate(gvalue):
                        icomma = "," if k < len(gvalue) - 1 else ""
                        lines.append("      " + json.dumps(item, ensure_ascii=False) + icomma)
                    lines.append("    ]" + gcomma)
                else:
                    lines.append(f"    {json.dumps(gkey)}: {json.dumps(gvalue)}{gcomma}")
            lines.append("  }" + comma)
        else:
            body = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            lines.append(f"  {json.dumps(key)}: {body}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def rebase_paths(data: dict[str, Any], old_dir: Path, new_dir: Path) -> dict[str, Any]:
    """Rewrite relative data paths so they still point to the same files from ``new_dir``."""
    return _rebase(data, PATH_KEYS, old_dir, new_dir)


def rebase_training(training: dict[str, Any], old_dir: Path, new_dir: Path) -> dict[str, Any]:
    """The same for the training section's paths (``init_from``: the weights to start from)."""
    return _rebase(training, TRAINING_PATH_KEYS, old_dir, new_dir)


def _rebase(section: dict[str, Any], keys: tuple[str, ...], old_dir: Path, new_dir: Path) -> dict[str, Any]:
    section = copy.deepcopy(section)
    for key in keys:
        value = section.get(key)
        if not isinstance(value, str) or not value or Path(value).expanduser().is_absolute():
            continue
        absolute = (old_dir / value).resolve()
        try:
            section[key] = Path(os.path.relpath(absolute, new_dir)).as_posix()
        except ValueError:  # another drive on Windows
            section[key] = str(absolute)
    return section
