"""The live-probe registry: one :class:`ProbeSpec` per kind of snapshot the GUI shows.

Each probe module registers its spec at its bottom; importing :mod:`core.train.probes`
imports them in the order the designer's tabs show them. The designer's worker makes
the probes that apply (:func:`probes_for`) in the training thread, and its plots find
the views and the live part of a snapshot by its ``kind`` (the spec's name), so a new
probe is its module here, its view in ``designer/training/plots`` and its test.
Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from core.registry import Registry

if TYPE_CHECKING:  # pragma: no cover
    from core.data.dataset import DataInfo
    from core.train.callbacks import Callback


def _always(info: "DataInfo") -> bool:
    return True


@dataclass(frozen=True)
class ProbeSpec:
    """Everything LayerForge knows about one live probe.

    ``make(sink, **options)`` builds the callback that computes in the training thread
    and sends ``snapshot`` instances (``kind == name``) to ``sink``; ``applies(info)``
    says whether it is worth running on this data. ``views`` name the designer's plot
    tabs that show it (attributes of ``designer.training.plots.TrainingPlots``) and
    ``part`` the part of the designer's ``LiveRun`` that keeps it. ``at_end`` probes run
    once when training ends rather than while it runs.
    """

    name: str
    title: str
    doc: str
    make: Callable[..., "Callback"]
    snapshot: type
    views: tuple[str, ...]
    part: str
    applies: Callable[["DataInfo"], bool] = _always
    at_end: bool = False


#: The one live-probe registry; importing :mod:`core.train.probes` fills it.
PROBES: Registry[ProbeSpec] = Registry("live probe")


def probes_for(info: "DataInfo") -> list[ProbeSpec]:
    """The probes that apply to data described by ``info``, in registration order."""
    return [spec for spec in PROBES if spec.applies(info)]


def spec_of(snapshot: Any) -> ProbeSpec | None:
    """The spec of the probe that sent ``snapshot`` (by its ``kind``), or None."""
    kind = getattr(snapshot, "kind", None)
    return PROBES.get(kind) if kind in PROBES else None
