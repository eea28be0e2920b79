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
    #: The option that multiplies the work per sample (integrated gradients' steps, SmoothGrad's
    #: noisy copies) and its label in the Explain window; None: one pass per sample.
    repeat_option: str | None = None
    repeat_label: str = ""

    def repeats(self, options: dict | None = None) -> int:
        """Forward passes per sample with ``options`` (default: the method's own)."""
        if self.repeat_option is None:
            return 1
        return int({**self.options, **(options or {})}[self.repeat_option])

    def settings(self, overrides: dict | None = None) -> dict:
        """The method's options with ``overrides``; one sentence for an unknown or bad one."""
        from core.explain.base import ExplainError

        options = dict(self.options)
        for key, value in (overrides or {}).items():
            if key not in options:
                raise ExplainError(f"{self.title} has no option {key!r}: it takes"
                                   f" {', '.join(options) or 'none'}")
            if key == self.repeat_option and not (isinstance(value, int) and 1 <= value <= MAX_REPEATS):
                raise ExplainError(f"{self.title}'s {key} must be a whole number from 1 to"
                                   f" {MAX_REPEATS}, got {value!r}")
            options[key] = value
        return options

    @property
    def short(self) -> str:
        return self.aliases[0] if self.aliases else self.name

    def problem(self, facts) -> str | None:
        """Why this method cannot explain a run with these :class:`~core.explain.facts.ModelFacts`."""
        if self.needs_layer and (facts.kind != IMAGE or not facts.spatial_layers):
            return (f"{self.title} needs a convolutional network on images (a Conv2d layer whose"
                    " maps are larger than one pixel), and this run has none: use saliency,"
                    " ig or smoothgrad")
        return None

    def applies(self, facts) -> bool:
        return self.problem(facts) is None

    def function(self) -> Callable:
        module, _, name = self.compute.partition(":")
        return getattr(importlib.import_module(module), name)


#: The most steps (noisy copies) a person may ask for: beyond it nothing visible changes.
MAX_REPEATS = 5000

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
    compute="core.explain.methods:integrated_gradients", options={"steps": 32},
    repeat_option="steps", repeat_label="Steps:"))
METHODS.register(ExplainMethod(
    name="smoothgrad", title="SmoothGrad",
    doc="Saliency averaged over noisy copies of the sample: less speckle, the same idea.",
    compute="core.explain.methods:smoothgrad", options={"samples": 16, "noise": 0.15},
    repeat_option="samples", repeat_label="Noisy copies:"))
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
