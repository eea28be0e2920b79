"""A generative run's decoder or encoder as a model of its own, for the usual exporters.

A variational autoencoder is used in halves: the decoder turns a code (a latent vector)
into a new sample, the encoder turns a sample into its code. :func:`part_model` gives a
:class:`~core.train.load.TrainedModel` whose module is that half (cut out by
:mod:`core.generate`), so the ONNX and ``.pt2`` writers and their verification run on it
unchanged. The decoder takes float32 codes ``(batch, latent)`` and returns the
reconstruction as the network does (for images: pixels); the encoder takes the network's
own input and returns the code's mean.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.errors import ExportError

#: Part name -> what it is, for the CLI help and the Export dialog.
PARTS = {
    "decoder": "the layers after Sample: a latent code in, a new sample out",
    "encoder": "the layers before Sample: a sample in, the mean of its latent code out",
}
#: The formats a part can be exported to (the others need the whole run's data path).
PART_FORMATS = ("onnx", "pt2")


def check_part(part: str, formats: list[str]) -> None:
    if part not in PARTS:
        raise ExportError(f"unknown part {part!r}: choose {' or '.join(PARTS)}")
    others = [f for f in formats if f not in PART_FORMATS]
    if others:
        raise ExportError(f"the {part} alone can be exported as {' or '.join(PART_FORMATS)},"
                          f" not {', '.join(others)}")


def part_model(trained, part: str):
    """``trained`` reduced to its ``part`` (``decoder`` or ``encoder``)."""
    from core.generate import GenerateError, decoder_network, encoder_network, generative_parts

    try:
        parts = generative_parts(trained)
        network = trained.network if trained.network is not None else trained.module
        if part == "decoder":
            module = decoder_network(network, parts.sample_id)
        else:
            module = encoder_network(network, parts.sample_id)
    except GenerateError as err:
        raise ExportError(str(err)) from None
    latent = list(parts.latent_shape)
    pre = dict(trained.preprocessing, part=part)
    run = dict(trained.run, output_activation="none")
    if part == "decoder":
        pre.update(kind="latent", input_shape=latent, input_scaling=None, feature_names=[])
        info = replace(trained.info, input_shape=tuple(latent))
    else:
        pre.update(target_scaling=None)
        info = trained.info
    return replace(trained, module=module, network=None, preprocessing=pre, info=info, run=run)


def latent_inputs(part_trained, rows: int = 64) -> np.ndarray:
    """Codes to verify a decoder on: the unit Gaussian its training pulled the codes towards."""
    rng = np.random.default_rng(0)
    return rng.standard_normal((rows, *part_trained.info.input_shape)).astype(np.float32)


def available_parts(project: dict) -> list[str]:
    """The parts of a run's network (its ``run.json`` ``project``) that can be exported alone:
    a network with a Sample layer has a decoder and an encoder."""
    nodes = (project.get("graph") or {}).get("nodes") or []
    if any(isinstance(node, dict) and node.get("type") == "Sample" for node in nodes):
        return ["decoder", "encoder"]
    return []
