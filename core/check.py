"""Checking a project as a whole: its data's shapes, then the graph's shapes.

Shared by ``layerforge check`` and the designer, so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.data import DataInfo, describe
from core.errors import DataError, TrainingError
from core.project import Project
from core.shapes import (ERROR, WARNING, Analysis, DataShapes, Problem, ShapeInference, format_shape,
                         node_label)


@dataclass
class CheckReport:
    analysis: Analysis
    data_info: DataInfo | None = None
    data_problem: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Problems of the training settings and the memory estimate (see ``readiness_problems``).
    extra: list[Problem] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        head = [Problem(self.data_problem)] if self.data_problem else []
        return head + self.extra + self.analysis.problems

    @property
    def ready(self) -> bool:
        return not any(p.severity == ERROR for p in self.problems)


def data_shapes_of(project: Project, data_spec: dict[str, Any] | None = None) -> tuple[DataShapes, DataInfo | None, str | None]:
    """The data's shapes for shape inference, the data's facts, and a data problem if any.

    A project without data still gets shapes when its Input (and Output) have explicit
    sizes, so a person can design before loading data.
    """
    spec = project.data if data_spec is None else data_spec
    if spec is None:
        return DataShapes(), None, None
    try:
        info = describe(spec, project.directory)
    except DataError as err:
        return DataShapes(), None, str(err)
    loss = (project.training or {}).get("loss", "auto")
    return info.shapes(loss if isinstance(loss, str) else "auto"), info, None


def readiness_problems(project: Project, info: DataInfo | None, analysis: Analysis,
                       available_memory: int | None | object = ..., where: str = "on this computer",
                       training: dict[str, Any] | None = None) -> list[Problem]:
    """What stands between a project and its first training step, beyond the graph's shapes.

    The one validator behind ``layerforge check``, the Problems panel and the start of
    training (``core.train.setup.prepare``): the data's warnings, the training settings
    (checked for this data's task), ``init_from``, and whether one training step fits in
    ``available_memory`` bytes (default: the RAM free now; ``None`` skips the estimate).
    ``training``: the settings actually used when they differ from the project's
    (the CLI's ``--epochs``, ``--lr``).
    """
    from core.layers.lr_multiplier import multiplier_problems
    from core.memory import available_system_memory, estimate, memory_problem
    from core.train.rundir import init_from_file
    from core.train.spec import parse_training

    problems = [Problem(text, severity=WARNING) for text in getattr(info, "warnings", None) or ()]
    spec, sentences = parse_training(project.training if training is None else training, info)
    problems.extend(Problem(text) for text in sentences)
    problems.extend(multiplier_problems(project.graph))
    if spec.init_from:
        try:
            init_from_file(spec.init_from, project.directory)
        except TrainingError as err:
            problems.append(Problem(str(err)))
    if analysis.ready:
        if available_memory is ...:
            available_memory = available_system_memory()
        est = estimate(analysis, spec.batch_size, spec.optimizer)
        label = node_label(project.graph, est.largest_node) if est.largest_node else None
        sentence = memory_problem(est, available_memory, where, label)
        if sentence:
            problems.append(Problem(sentence, est.largest_node))
    return problems


def check_project(project: Project, data_spec: dict[str, Any] | None = None,
                  inference: ShapeInference | None = None) -> CheckReport:
    shapes, info, problem = data_shapes_of(project, data_spec)
    analysis = (inference or ShapeInference()).analyze(project.graph, shapes)
    return CheckReport(analysis, info, problem, notes=list(project.migration_notes),
                       extra=readiness_problems(project, info, analysis))


def format_table(project: Project, analysis: Analysis) -> str:
    """The per-node table ``layerforge check`` prints."""
    rows = [("node", "type", "output", "params", "MACs")]
    for node_id in analysis.order or list(project.graph.nodes):
        result = analysis.results[node_id]
        if result.error:
            shape = "error"
        elif result.output is None:
            shape = "-"
        else:
            shape = format_shape(result.output)
        rows.append((node_id, result.type, shape, f"{result.params:,}", f"{result.macs:,}"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for i, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1]), row[2].ljust(widths[2]),
                 row[3].rjust(widths[3]), row[4].rjust(widths[4])]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def format_totals(analysis: Analysis) -> str:
    return (f"total: {analysis.total_params:,} parameters ({analysis.size_mb:.2f} MB as float32),"
            f" {analysis.total_macs:,} multiply-accumulates per sample")
