"""The attribution methods, one registry like the optimisers' and losses' (``core.registry``).

Each :class:`ExplainMethod` says what it is (title, one-line doc for the CLI help, the docs
and the designer), which runs it fits (:meth:`ExplainMethod.problem`) and where its
computation lives (``"module:function"``, imported on first use, so reading the registry
imports neither torch nor Captum). The computations are in :mod:`core.explain.methods`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Callable

from core.errors import UnknownNameError
from core.explain.base import IMAGE
from core.registry import Registry, unknown_sentence


@dataclass(frozen=True)
class ExplainMethod:
    """One attribution method: its names, words and computation."""

    name: str
    title: str
    doc: str
    compute: str  # "module:function": function(target_model, inputs, baselines, target, options)
    #: Shorter names the CLI accepts (``ig`` for ``integrated_gradients``); the first is shown.
    aliases: tuple[str, ...] = ()
    #: Grad-CAM looks at one layer's maps instead of the input.
    needs_layer: bool = False
    #: Whether the attributions have a sign (a push towards or away from the output).
    signed: bool = False
    options: dict = field(default_factory=dict)

    @property
    def short(self) -> str:
        return self.aliases[0] if self.aliases else self.name

    def problem(self, facts) -> str | None:
        """Why this method cannot explain a run with these :class:`~core.explain.facts.ModelFacts`."""
        if self.needs_layer and (facts.kind != IMAGE or not facts.spatial_layers):
            return (f"{self.title} needs a convolutional network on images (a layer whose output is"
                    " a stack of 2-D maps, such as Conv2d), and this run has none: use saliency,"
                    " ig or smoothgrad")
        return None

    def applies(self, facts) -> bool:
        return self.problem(facts) is None

    def function(self) -> Callable:
        module, _, name = self.compute.partition(":")
        return getattr(importlib.import_module(module), name)


METHODS: Registry[ExplainMethod] = Registry("attribution method")

METHODS.register(ExplainMethod(
    name="saliency", title="Saliency",
    doc="How strongly the output reacts to a small change of each input (|gradient|): quick,"
        " but noisy.",
    compute="core.explain.methods:saliency"))
METHODS.register(ExplainMethod(
    name="integrated_gradients", title="Integrated gradients", aliases=("ig",), signed=True,
    doc="Each input's share of the change of the output from a neutral baseline (black image,"
        " average row, padding) to the sample; positive pushes towards the class.",
    compute="core.explain.methods:integrated_gradients", options={"steps": 32}))
METHODS.register(ExplainMethod(
    name="smoothgrad", title="SmoothGrad",
    doc="Saliency averaged over noisy copies of the sample: less speckle, the same idea.",
    compute="core.explain.methods:smoothgrad", options={"samples": 16, "noise": 0.15}))
METHODS.register(ExplainMethod(
    name="grad_cam", title="Grad-CAM", aliases=("gradcam",), needs_layer=True,
    doc="Which regions of the image a convolution layer's maps point to for the class"
        " (coarse, at that layer's resolution, then enlarged to the image).",
    compute="core.explain.methods:grad_cam"))


def method(name: object) -> ExplainMethod:
    """The method named ``name`` or one of its aliases; one sentence for an unknown name."""
    for spec in METHODS:
        if name == spec.name or name in spec.aliases:
            return spec
    known = [spec.short for spec in METHODS]
    raise UnknownNameError(unknown_sentence(METHODS.subject, name, known),
                           subject=METHODS.subject, name=name)


def cli_names() -> list[str]:
    """The names ``layerforge explain --method`` lists: ``saliency, ig, smoothgrad, gradcam``."""
    return [spec.short for spec in METHODS]
