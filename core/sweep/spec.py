"""The ``sweep`` section of a project: what varies, what is optimised, how trials are run.

A project file may hold::

    "sweep": {
      "parameters": {
        "learning_rate":    {"low": 0.0001, "high": 0.1, "log": true},
        "fc1.out_features": {"low": 8, "high": 128, "log": true},
        "drop1.p":          {"low": 0.0, "high": 0.5},
        "optimizer":        {"choices": ["adam", "sgd"]}
      },
      "metric": "val_accuracy", "direction": "maximize",
      "trials": 24, "timeout": null, "sampler": "tpe", "pruner": "hyperband"
    }

A parameter is a training setting (``learning_rate``) or a layer parameter addressed as
``node_id.param``. :func:`parse_sweep` reads the section into a :class:`SweepSpec` with
one sentence per structural problem; :func:`sweep_problems` also checks it against the
project (the node and parameter exist, the layer and the training checks accept the
ends of each range and every choice, the metric is a column the run writes).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from core.errors import LayerForgeError
from core.registry import and_list
from core.sweep.choices import PRUNERS, SAMPLERS

DEFAULT_TRIALS = 20
DIRECTIONS = {"minimize": "minimize", "min": "minimize", "maximize": "maximize", "max": "maximize"}
#: Training settings a sweep may not vary: they decide what is measured, not how it trains.
NOT_VARIED = ("monitor", "metrics")
_RANGE_KEYS = ("type", "low", "high", "log", "step")
_KEYS = ("parameters", "metric", "direction", "trials", "timeout", "sampler", "pruner", "study",
         "seed")


class SweepError(LayerForgeError):
    """A sweep cannot start or be read: bad settings, an unreachable storage, a study clash."""


@dataclass(frozen=True)
class Varied:
    """One varied setting: a range (``int``/``float``, optionally log-scaled) or a list."""

    name: str  # "learning_rate" or "fc1.out_features"
    kind: str  # "int", "float" or "choice"
    low: float | int | None = None
    high: float | int | None = None
    log: bool = False
    step: float | int | None = None
    choices: tuple[Any, ...] = ()

    @property
    def node_id(self) -> str | None:
        """The node a layer parameter belongs to (None for a training setting)."""
        return self.name.split(".", 1)[0] if "." in self.name else None

    @property
    def param(self) -> str:
        """The layer parameter or training setting's own name."""
        return self.name.split(".", 1)[1] if "." in self.name else self.name

    def grid_values(self) -> list[Any] | None:
        """Every value a grid search tries, or None for a range without a step."""
        if self.kind == "choice":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            return None
        count = int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1
        return [round(self.low + i * self.step, 12) for i in range(count)]

    def distribution(self):
        """The Optuna distribution of this setting."""
        import optuna.distributions as d

        if self.kind == "choice":
            return d.CategoricalDistribution(list(self.choices))
        if self.kind == "int":
            return d.IntDistribution(int(self.low), int(self.high), log=self.log, step=int(self.step or 1))
        return d.FloatDistribution(float(self.low), float(self.high), log=self.log,
                                   step=float(self.step) if self.step is not None else None)

    def to_dict(self) -> dict[str, Any]:
        """The project-file form of this setting."""
        if self.kind == "choice":
            return {"choices": list(self.choices)}
        data: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.log:
            data["log"] = True
        if self.step is not None:
            data["step"] = self.step
        return data

    def describe(self) -> str:
        """``0.0001 to 0.1 (log)`` or ``adam, sgd``: the values in words."""
        if self.kind == "choice":
            return ", ".join(json.dumps(c) for c in self.choices)
        text = f"{self.low:g} to {self.high:g}"
        return text + (" (log)" if self.log else "") + (f" step {self.step:g}" if self.step else "")


@dataclass
class SweepSpec:
    """The sweep section with its defaults; ``metric``/``direction`` None: the run's monitor."""

    parameters: list[Varied] = field(default_factory=list)
    metric: str | None = None
    direction: str | None = None
    trials: int = DEFAULT_TRIALS
    timeout: float | None = None
    sampler: str = "tpe"
    pruner: str = "hyperband"
    study: str | None = None
    seed: int | None = 0

    def resolved_metric(self, training: dict[str, Any] | None) -> str:
        """The metrics.csv column optimised: the section's, else the training monitor."""
        monitor = (training or {}).get("monitor")
        return self.metric or (monitor if isinstance(monitor, str) else None) or "val_loss"

    def resolved_direction(self, training: dict[str, Any] | None) -> str:
        """``minimize`` or ``maximize``: the section's, else what suits the metric."""
        if self.direction:
            return self.direction
        from core.train.spec import metric_direction

        return "maximize" if metric_direction(self.resolved_metric(training)) == "max" else "minimize"

    def grid(self) -> dict[str, list[Any]] | None:
        """Each parameter's values for a grid search (None when one is a range without a step)."""
        values = {v.name: v.grid_values() for v in self.parameters}
        return None if any(v is None for v in values.values()) else values  # type: ignore[return-value]

    def grid_size(self) -> int | None:
        grid = self.grid()
        return math.prod(len(v) for v in grid.values()) if grid is not None else None

    def settings_key(self, training: dict[str, Any] | None) -> dict[str, Any]:
        """What a study is tied to: the search space and the objective (trials, time, sampler
        and pruner may change between runs of the same study)."""
        return {"parameters": {v.name: {"kind": v.kind, **v.to_dict()} for v in self.parameters},
                "metric": self.resolved_metric(training),
                "direction": self.resolved_direction(training)}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"parameters": {v.name: v.to_dict() for v in self.parameters}}
        for key in ("metric", "direction"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        data.update({"trials": self.trials, "timeout": self.timeout, "sampler": self.sampler,
                     "pruner": self.pruner})
        if self.study:
            data["study"] = self.study
        if self.seed != 0:
            data["seed"] = self.seed
        return data


def default_study_name(project_name: str, spec: SweepSpec, training: dict[str, Any] | None) -> str:
    """``<project>-<8 hex digits of the settings>``: running the same sweep again finds its
    study, and changing what varies starts a new one instead of mixing the two."""
    key = json.dumps(spec.settings_key(training), sort_keys=True, default=str)
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", project_name).strip("._") or "sweep"
    return f"{stem}-{digest}"


def study_name(project, spec: SweepSpec) -> str:
    """The study a project's sweep uses: the section's ``study``, else the default name."""
    return spec.study or default_study_name(project.name, spec, project.training)


# ---------------------------------------------------------------------- parsing
def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, float) else f"{value:g}"
    return text if len(text) <= 40 else text[:37] + "..."


def parse_sweep(section: Any, kinds: dict[str, str] | None = None) -> tuple[SweepSpec, list[str]]:
    """The spec (problem entries left out) and one sentence per structural problem.

    ``kinds`` maps a parameter's name to ``int``/``float``/``choice`` where the target
    says (a layer parameter's kind); else a range is ``int`` when both ends are whole
    numbers.
    """
    problems: list[str] = []
    spec = SweepSpec()
    if section is None:
        return spec, problems
    if not isinstance(section, dict):
        return spec, ["the sweep section must be an object such as {\"parameters\": {...}}"]
    for key in section:
        if key not in _KEYS:
            close = difflib.get_close_matches(key, _KEYS, n=1, cutoff=0.6)
            hint = f": did you mean {close[0]!r}?" if close else f" (it knows {and_list(_KEYS)})"
            problems.append(f"sweep.{key} is not a sweep setting{hint}")
    parameters = section.get("parameters", {})
    if not isinstance(parameters, dict):
        problems.append("sweep.parameters must be an object of name: range pairs, such as"
                        " {\"learning_rate\": {\"low\": 0.0001, \"high\": 0.1, \"log\": true}}")
        parameters = {}
    for name, raw in parameters.items():
        varied, problem = _parse_varied(str(name), raw, (kinds or {}).get(name))
        if problem:
            problems.append(problem)
        elif varied is not None:
            spec.parameters.append(varied)
    metric = section.get("metric")
    if metric is not None and (not isinstance(metric, str) or not metric.strip()):
        problems.append(f"sweep.metric must be a metrics.csv column such as \"val_loss\", got {_show(metric)}")
    else:
        spec.metric = metric
    direction = section.get("direction")
    if direction is not None:
        if direction not in DIRECTIONS:
            problems.append(f"sweep.direction must be \"minimize\" or \"maximize\", got {_show(direction)}")
        else:
            spec.direction = DIRECTIONS[direction]
    trials = section.get("trials", DEFAULT_TRIALS)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        problems.append(f"sweep.trials must be a whole number of at least 1, got {_show(trials)}")
    else:
        spec.trials = trials
    timeout = section.get("timeout")
    if timeout is not None and (not _number(timeout) or timeout <= 0):
        problems.append(f"sweep.timeout must be a number of seconds above 0, or null, got {_show(timeout)}")
    else:
        spec.timeout = float(timeout) if timeout is not None else None
    for key, registry in (("sampler", SAMPLERS), ("pruner", PRUNERS)):
        value = section.get(key, getattr(spec, key))
        if value not in registry:
            problems.append(f"sweep.{key} must be one of {and_list(registry.names())}, got {_show(value)}")
        else:
            setattr(spec, key, value)
    study = section.get("study")
    if study is not None and (not isinstance(study, str) or not study.strip()):
        problems.append(f"sweep.study must be a name, got {_show(study)}")
    else:
        spec.study = study
    seed = section.get("seed", 0)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        problems.append(f"sweep.seed must be a whole number of at least 0, or null, got {_show(seed)}")
    else:
        spec.seed = seed
    if spec.sampler == "grid" and not problems:
        flat = [v.name for v in spec.parameters if v.grid_values() is None]
        if flat:
            problems.append(f"sweep.parameters.{flat[0]}: a grid search needs a list of choices or"
                            " a step for each range: add \"step\" or use another sampler")
    return spec, problems


def _parse_varied(name: str, raw: Any, kind: str | None) -> tuple[Varied | None, str | None]:
    where = f"sweep.parameters.{name}"
    if not isinstance(raw, dict):
        return None, (f"{where} must be an object with low and high, or with choices, got {_show(raw)}")
    if "choices" in raw:
        extra = [k for k in raw if k != "choices"]
        if extra:
            return None, f"{where} has both choices and {extra[0]}: give a list of choices or a range, not both"
        choices = raw["choices"]
        if not isinstance(choices, list) or not choices:
            return None, f"{where} has an empty list of choices: give at least one value"
        for value in choices:
            if not (value is None or isinstance(value, (str, bool)) or _number(value)):
                return None, (f"{where}: choice {_show(value)} cannot be varied (a choice is a number,"
                              " text, true, false or null)")
        seen = [json.dumps(c) for c in choices]
        twice = next((c for c in seen if seen.count(c) > 1), None)
        if twice is not None:
            return None, f"{where} lists {twice} twice: each choice once"
        return Varied(name, "choice", choices=tuple(choices)), None
    unknown = [k for k in raw if k not in _RANGE_KEYS]
    if unknown:
        return None, f"{where}.{unknown[0]} is not a range setting (low, high, log, step, or choices)"
    if "low" not in raw or "high" not in raw:
        return None, f"{where} is an empty range: give both low and high (or a list of choices)"
    low, high, log, step = raw["low"], raw["high"], raw.get("log", False), raw.get("step")
    for key, value in (("low", low), ("high", high)):
        if not _number(value):
            return None, f"{where}.{key} must be a number, got {_show(value)}"
    if not isinstance(log, bool):
        return None, f"{where}.log must be true or false, got {_show(log)}"
    declared = raw.get("type")
    if declared is not None and declared not in ("int", "float"):
        return None, f"{where}.type must be \"int\" or \"float\", got {_show(declared)}"
    if kind == "choice":
        return None, f"{where} takes a list of choices, not a range (such as {{\"choices\": [...]}})"
    kind = declared or kind or ("int" if isinstance(low, int) and isinstance(high, int) else "float")
    if kind == "int":
        for key, value in (("low", low), ("high", high)):
            if not float(value).is_integer():
                return None, f"{where}.{key} must be a whole number (the setting takes whole numbers), got {_show(value)}"
        low, high = int(low), int(high)
    else:
        low, high = float(low), float(high)
    if low > high:
        return None, f"{where} has low {_show(low)} above high {_show(high)}: swap them"
    if low == high:
        return None, f"{where} is an empty range (low equals high, {_show(low)}): widen it or remove the setting"
    if log and low <= 0:
        return None, f"{where} is on a log scale, so low must be above 0, got {_show(low)}"
    if step is not None:
        if log:
            return None, f"{where} cannot have both a step and a log scale: remove one"
        if not _number(step) or step <= 0 or (kind == "int" and not float(step).is_integer()):
            return None, f"{where}.step must be a {'whole ' if kind == 'int' else ''}number above 0, got {_show(step)}"
        if step > high - low:
            return None, f"{where}.step {_show(step)} is larger than the range: make it smaller"
        step = int(step) if kind == "int" else float(step)
    return Varied(name, kind, low, high, log, step), None


# ---------------------------------------------------------------------- against the project
def target_kinds(project) -> dict[str, str]:
    """For each parameter of ``project``'s sweep that names a real target, the kind of
    value it takes (``int``, ``float`` or ``choice``)."""
    section = (project.extra or {}).get("sweep") or {}
    parameters = section.get("parameters") if isinstance(section, dict) else None
    kinds = {}
    for name in parameters or {}:
        kind = target_kind(project, str(name))
        if kind:
            kinds[name] = kind
    return kinds


def target_kind(project, name: str) -> str | None:
    """``int``/``float``/``choice`` for a training setting or ``node.param``; None if unknown."""
    if "." in name:
        node_id, param_name = name.split(".", 1)
        node = project.graph.nodes.get(node_id)
        if node is None:
            return None
        from core.layers import REGISTRY

        param = REGISTRY.get(node.type).params.get(param_name)
        if param is None:
            return None
        return param.kind if param.kind in ("int", "float") else (
            "int" if param.kind == "int_or_pair" else "choice")
    return training_kinds().get(name)


def training_kinds() -> dict[str, str]:
    """The kind of value of each training setting, read off the project schema."""
    from core.resources import load_json_resource

    properties = load_json_resource("schema", "project.schema.json")["$defs"]["training"]["properties"]
    kinds = {}
    for key, prop in properties.items():
        types = prop.get("type")
        types = [types] if isinstance(types, str) else (types or [])
        kinds[key] = "int" if "integer" in types else "float" if "number" in types else "choice"
    return kinds


def sweep_spec(project, info=None) -> tuple[SweepSpec, list[str]]:
    """The project's sweep section parsed, and every problem with it, one sentence each;
    with the data's ``info`` the metric is also checked against the task's metrics."""
    section = (project.extra or {}).get("sweep")
    spec, problems = parse_sweep(section, target_kinds(project))
    if section is None:
        return spec, ["the project has no sweep section: add the settings to vary (see docs/sweeps.md)"]
    if not spec.parameters and not problems:
        problems.append("the sweep varies nothing: add a setting to sweep.parameters (a training"
                        " setting such as learning_rate, or node_id.param such as fc1.out_features)")
    for varied in spec.parameters:
        problems.extend(_target_problems(project, varied, info))
    metric = spec.resolved_metric(project.training)
    problem = _metric_problem(project, metric, info)
    if problem:
        problems.append(problem)
    return spec, problems


def sweep_problems(project, info=None) -> list[str]:
    """Every problem with ``project``'s sweep section (empty when it can run)."""
    return sweep_spec(project, info)[1]


def check_sweep(project, info=None) -> SweepSpec:
    """The project's sweep, or :class:`SweepError` with the first problem's sentence."""
    spec, problems = sweep_spec(project, info)
    if problems:
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SweepError(problems[0] + more, location="sweep")
    return spec


def _values(varied: Varied) -> list[Any]:
    return list(varied.choices) if varied.kind == "choice" else [varied.low, varied.high]


def _target_problems(project, varied: Varied, info=None) -> list[str]:
    where = f"sweep.parameters.{varied.name}"
    if varied.node_id is not None:
        return _layer_problems(project, varied, where)
    from core.train.spec import KNOWN_KEYS, training_problems

    key = varied.name
    if key not in KNOWN_KEYS:
        close = difflib.get_close_matches(key, KNOWN_KEYS, n=1, cutoff=0.7)
        hint = f": did you mean {close[0]!r}?" if close else (
            ": a layer parameter is written node_id.param, such as fc1.out_features")
        return [f"{where}: {key!r} is not a training setting{hint}"]
    if key in NOT_VARIED:
        return [f"{where}: training.{key} cannot vary in a sweep (it decides what is measured):"
                " set sweep.metric instead"]
    kind = training_kinds().get(key)
    if varied.kind != "choice" and kind == "choice":
        return [f"{where}: training.{key} takes a list of choices, not a range"]
    for value in _values(varied):
        trial = {**(project.training or {}), key: value}
        refused = [p for p in training_problems(trial, info) if p.startswith(f"training.{key}")]
        if refused:
            return [f"{where}: the value {_show(value)} is refused: {refused[0]}"]
    return []


def _layer_problems(project, varied: Varied, where: str) -> list[str]:
    from core.errors import ParamError
    from core.layers import REGISTRY

    node_id, param_name = varied.node_id, varied.param
    node = project.graph.nodes.get(node_id)
    if node is None:
        close = difflib.get_close_matches(node_id, list(project.graph.nodes), n=1, cutoff=0.6)
        hint = f": did you mean {close[0]!r}?" if close else ": check the node's name on the canvas"
        return [f"{where}: the design has no node {node_id!r}{hint}"]
    params = REGISTRY.get(node.type).params
    param = params.get(param_name)
    if param is None:
        known = and_list([p.name for p in params]) if len(params) else "none"
        return [f"{where}: {node_id} ({node.type}) has no parameter {param_name!r} (its parameters: {known})"]
    if varied.kind != "choice" and param.kind not in ("int", "float", "int_or_pair", "float_or_pair"):
        return [f"{where}: {node_id}.{param_name} takes {param.range_text()}, so give a list of choices"]
    for value in _values(varied):
        try:
            param.validate(value)
        except ParamError as err:
            return [f"{where}: {node_id} ({node.type}) refuses {_show(value)}: {err}"]
    return []


def _metric_problem(project, metric: str, info=None) -> str | None:
    from core.train import metric_specs
    from core.train.spec import parse_training

    if metric in ("val_loss", "train_loss"):
        return None
    if info is not None:
        written = parse_training(project.training, info)[0].metrics
    else:
        configured = (project.training or {}).get("metrics")
        written = configured if isinstance(configured, list) else [m.name for m in metric_specs.METRICS]
    columns = ["val_loss", "train_loss"] + [f"{split}_{m}" for m in written for split in ("val", "train")]
    if metric in columns:
        return None
    close = difflib.get_close_matches(metric, columns, n=1, cutoff=0.6)
    hint = f": did you mean {close[0]!r}?" if close else ""
    return (f"sweep.metric {metric!r} is not a column the runs write (they write"
            f" {and_list(columns[:6], False)}{', ...' if len(columns) > 6 else ''}){hint}")
