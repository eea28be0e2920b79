"""Checking a project as a whole: its data's shapes, then the graph's shapes.

Shared by ``layerforge check`` and the designer, so both say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.data import DataInfo, describe
from core.errors import DataError
from core.project import Project
from core.shapes import Analysis, DataShapes, Problem, ShapeInference, format_shape


@dataclass
class CheckReport:
    analysis: Analysis
    data_info: DataInfo | None = None
    data_problem: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        extra = [Problem(self.data_problem)] if self.data_problem else []
        return extra + self.analysis.problems

    @property
    def ready(self) -> bool:
        return self.data_problem is None and self.analysis.ready


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


def check_project(project: Project, data_spec: dict[str, Any] | None = None,
                  inference: ShapeInference | None = None) -> CheckReport:
    shapes, info, problem = data_shapes_of(project, data_spec)
    analysis = (inference or ShapeInference()).analyze(project.graph, shapes)
    return CheckReport(analysis, info, problem)


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
