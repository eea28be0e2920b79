"""The bottleneck of an autoencoder: the validation set in its code space, as training goes.

The code is found as :mod:`core.train.probes.autoencoder` says (a VAE's Sample mean, else
the narrowest layer on the way to the reconstruction). At most ``max_points`` validation
samples (a fixed random choice) are encoded at each run; a code of two numbers is drawn as
it is, a wider one on its first two principal components (:func:`pca_2d`, the axes' signs
kept from one picture to the next). Each point has its sample's class when the data has
classes, even on reconstruction data, whose labels are not targets: a folder of images
keeps its class sub-folders, a built-in dataset its generated labels
(:func:`sample_classes`). Runs at most 1% of the time besides each epoch's end (:mod:`.paced`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePosixPath

import numpy as np

from core.train.probes.autoencoder import (autoencoder_parts, head_module, layer_widths,
                                           narrowest_layer, project_graph)
from core.train.probes.base import Sink, probe_rows, probe_split
from core.train.probes.embedding_map import pca_2d
from core.train.probes.paced import PacedProbe
from core.train.probes.reconstruction import applies
from core.train.probes.registry import PROBES, ProbeSpec

#: Validation samples in the scatter.
MAX_POINTS = 600


@dataclass
class LatentSpace:
    """The code of ``points.shape[0]`` validation samples, in 2-D.

    ``points[i]`` is sample ``i``'s code (``code_size == 2``) or its projection on the codes'
    first two principal components (``explained``: each axis's share of the variance).
    ``labels[i]`` indexes ``class_names`` (None: the data has no classes); ``labels`` and
    ``class_names`` are the same objects in every snapshot of a run.
    """

    kind: str
    epoch: int
    batch: int | None  # None at the end of an epoch
    step: int
    code_id: str  # the Sample layer or the narrowest layer
    variational: bool
    code_size: int
    points: np.ndarray  # float32 (M, 2)
    labels: np.ndarray | None  # int64 (M,)
    class_names: list[str] = field(default_factory=list)
    explained: np.ndarray | None = None  # float32 (2,) with PCA, else None

    @property
    def projected(self) -> bool:
        return self.code_size > 2


def sample_classes(dataset, split, rows: np.ndarray) -> tuple[np.ndarray, list[str]] | None:
    """The class of each of ``split``'s ``rows``, and the class names; None without classes.

    Classification data has them as targets; reconstruction data keeps them aside: an image
    folder in its ids (``<class>/<file>``, its classes in ``dataset.schema``), a built-in
    dataset in the labels its generator makes (its ids are the generated rows)."""
    info = dataset.info
    if split.y is not None and info.class_names and np.asarray(split.y).ndim == 1:
        return np.asarray(split.y, np.int64)[rows], list(info.class_names)
    ids = split.ids
    if ids is None:
        return None
    pre = dataset.preprocessing or {}
    classes = [str(row[0]) for row in (getattr(dataset, "schema", None) or {}).get("classes") or []]
    if pre.get("kind") == "image" and classes:
        parents = [PurePosixPath(str(ids[int(r)]).replace("\\", "/")).parts[0] for r in rows]
        if all(p in classes for p in parents):
            return np.array([classes.index(p) for p in parents], np.int64), classes
        return None
    builtin = pre.get("builtin")
    if pre.get("kind") == "builtin" and builtin:
        from core.data.builtin import class_names_of

        labels = builtin_labels(json.dumps(builtin, sort_keys=True))
        names = class_names_of(builtin["name"], int(labels.max()) + 1)
        try:
            return labels[[int(ids[int(r)]) for r in rows]], names
        except (ValueError, IndexError):
            return None
    return None


@lru_cache(maxsize=4)
def builtin_labels(spec: str) -> np.ndarray:
    """The labels a built-in dataset's generator makes for ``spec`` (JSON), by row: generating
    the data again is the only way to them (a third of a second for 2,000 shapes), so a
    session's runs on the same data do it once."""
    from core.data.builtin import generate

    _x, labels = generate(json.loads(spec))
    labels.setflags(write=False)
    return labels


class LatentProbe(PacedProbe):
    """The validation set's codes in 2-D (see the module docstring)."""

    def __init__(self, sink: Sink, *, max_points: int = MAX_POINTS, every_batches: int | None = None,
                 every_seconds: float | None = 2.0, at_epoch_end: bool = True):
        super().__init__(sink, every_batches, every_seconds, at_epoch_end)
        self.max_points = max_points
        self._encode = None  # module: inputs -> codes (a VAE's encoder), or the head's network
        self._code = ""
        self._hooked = None  # the narrowest layer's module, when the code is read by a hook
        self._previous = None

    def prepare(self, trainer) -> None:
        import torch

        from core.generate import encoder_network

        self._encode, self._previous = None, None
        parts = autoencoder_parts(trainer) if applies(trainer.info) else None
        if parts is None:
            self.enabled = False
            return
        _name, split = probe_split(trainer.dataset)
        rows = probe_rows(split, self.max_points, seed=7)
        self._inputs = torch.from_numpy(np.ascontiguousarray(split.x[rows], np.float32)).to(
            trainer.placement.device)
        self._classes = sample_classes(trainer.dataset, split, rows)
        self.variational = parts.variational
        if parts.variational:
            self._code = parts.code_id
            self._encode = encoder_network(head_module(trainer, parts.head_id), parts.code_id)
            return
        network = head_module(trainer, parts.head_id)
        widths = layer_widths(trainer, network, self._inputs[:2])
        code = narrowest_layer(widths, project_graph(trainer), parts.head_id,
                               int(np.prod(split.x.shape[1:])))
        if code is None:  # no layer narrower than the input: no bottleneck to show
            self.enabled = False
            return
        self._code, self._encode = code, network
        self._hooked = getattr(trainer.module, code)

    def compute(self, trainer, epoch, batch, step) -> LatentSpace | None:
        if self._encode is None:
            return None
        codes = self._codes(trainer).reshape(len(self._inputs), -1)
        if codes.shape[1] == 2:
            points, explained = codes, None
        else:
            points, explained = pca_2d(codes, self._previous)
            explained = explained.astype(np.float32)
        self._previous = points
        labels, names = self._classes if self._classes is not None else (None, [])
        return LatentSpace("latent_space", epoch, batch, step, self._code, self.variational,
                           int(codes.shape[1]), np.asarray(points, np.float32), labels, names, explained)

    def _codes(self, trainer) -> np.ndarray:
        if self._hooked is None:
            with trainer.evaluating():
                return self._encode(self._inputs).float().cpu().numpy()
        seen = []
        hook = self._hooked.register_forward_hook(lambda _m, _i, out: seen.append(out) and None)
        try:
            with trainer.evaluating():
                self._encode(self._inputs)
        finally:
            hook.remove()
        return seen[0].float().cpu().numpy()


PROBES.register(ProbeSpec(
    name="latent_space", title="Latent space",
    doc="An autoencoder's bottleneck: the validation samples' codes in 2-D (their principal"
        " components when wider), coloured by class when the data has classes.",
    make=LatentProbe, snapshot=LatentSpace, views=("latent_space",), part="latent_space",
    applies=applies))
