"""What a finished run generates, read from its ``run.json`` alone (no torch, no weights).

The Generate dialog and the Predict window ask this on the GUI thread: whether a run is a
variational autoencoder, a GAN or a conditional GAN (and its classes), to word their text
and offer a class choice. Plain JSON, so it works before torch is imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VAE, GAN, CONDITIONAL_GAN = "vae", "gan", "conditional_gan"

#: How each kind makes a sample, for the Generate dialog.
DESCRIPTIONS = {
    VAE: "a variational autoencoder: its decoder turns codes drawn from the unit Gaussian"
         " into new samples",
    GAN: "a GAN: its generator turns noise drawn from the unit Gaussian into new samples",
    CONDITIONAL_GAN: "a conditional GAN: its generator turns noise drawn from the unit Gaussian"
                     " into a new sample of the class it is given",
}


@dataclass(frozen=True)
class GenerativeKind:
    """``kind`` (one of VAE, GAN, CONDITIONAL_GAN, or None: not generative) and the classes a
    conditional GAN draws from."""

    kind: str | None
    class_names: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.kind or "", "a network that does not generate samples")


def _nodes(project: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = ((project or {}).get("graph") or {}).get("nodes") or []
    return [n for n in nodes if isinstance(n, dict)]


def is_gan_project(project: dict[str, Any]) -> bool:
    """Whether a project's JSON (a run's ``project``) holds a generator and a discriminator Output."""
    targets = {(n.get("params") or {}).get("target") for n in _nodes(project) if n.get("type") == "Output"}
    return {"generator", "discriminator"} <= targets


def generative_kind(run: dict[str, Any]) -> GenerativeKind:
    """What the run in ``run`` (its ``run.json``) generates."""
    project = run.get("project") if isinstance(run.get("project"), dict) else {}
    nodes = _nodes(project)
    if is_gan_project(project):
        if any(n.get("type") == "Input" and (n.get("params") or {}).get("label") for n in nodes):
            info = ((run.get("data") or {}).get("info") or {})
            return GenerativeKind(CONDITIONAL_GAN, tuple(str(c) for c in info.get("class_names") or ()))
        return GenerativeKind(GAN)
    if any(n.get("type") == "Sample" for n in nodes):
        return GenerativeKind(VAE)
    return GenerativeKind(None)
