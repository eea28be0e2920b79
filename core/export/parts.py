"""Half of a generative run as a model of its own, for the usual exporters.

A variational autoencoder is used in halves: the decoder turns a code (a latent vector)
into a new sample, the encoder turns a sample into its code. A GAN is two networks: the
generator turns noise into a new sample, the discriminator scores a sample (one logit:
above 0 says real). :func:`part_model` gives a :class:`~core.train.load.TrainedModel` whose
module is that part (cut out by :mod:`core.generate` and :func:`core.build.head_network`),
so the ONNX and ``.pt2`` writers and their verification run on it unchanged. The decoder
and the generator take float32 codes ``(batch, latent)`` and return samples as the network
makes them (for images: pixels); the encoder and the discriminator take the network's own
input and return the code's mean, or the logit.

A conditional GAN's generator takes two things, the noise and the class. Its export takes
them as one float32 input ``(batch, noise + classes)``: the noise, then the class one-hot
(:func:`core.generate.packed_generator`), so the usual one-input writers and their
verification apply; the file's metadata names the classes in order.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from core.errors import ExportError

#: Part name -> what it is, for the CLI help and the Export dialog.
PARTS = {
    "decoder": "the layers after Sample: a latent code in, a new sample out",
    "encoder": "the layers before Sample: a sample in, the mean of its latent code out",
    "generator": "a GAN's generator: a noise vector in, a new sample out",
    "discriminator": "a GAN's discriminator: a sample in, one logit out (above 0: real)",
}
#: The parts that take a code drawn from the unit Gaussian (verified on random codes).
CODE_PARTS = ("decoder", "generator")
#: The parts of each kind of generative network.
VAE_PARTS, GAN_PARTS = ("decoder", "encoder"), ("generator", "discriminator")
#: The formats a part can be exported to (the others need the whole run's data path).
PART_FORMATS = ("onnx", "pt2")


def check_part(part: str, formats: list[str]) -> None:
    if part not in PARTS:
        raise ExportError(f"unknown part {part!r}: choose {', '.join(PARTS)}")
    others = [f for f in formats if f not in PART_FORMATS]
    if others:
        raise ExportError(f"the {part} alone can be exported as {' or '.join(PART_FORMATS)},"
                          f" not {', '.join(others)}")


def check_whole(trained) -> None:
    """A GAN is two networks with nothing to export as one: say to choose a part."""
    from core.subnetworks import is_adversarial_graph

    if is_adversarial_graph(trained.project.graph):
        raise ExportError(f"{trained.run_dir.name} is a GAN, two networks: export one of them with"
                          " --part generator (noise in, a new sample out) or --part discriminator"
                          " (a sample in, one logit out), as onnx or pt2")


def part_model(trained, part: str):
    """``trained`` reduced to its ``part`` (``decoder``, ``encoder``, ``generator`` or
    ``discriminator``)."""
    from core.build import head_network
    from core.generate import (GenerateError, encoder_network, generative_parts, packed_generator,
                               sampler_network)

    try:
        parts = generative_parts(trained)
    except GenerateError as err:
        raise ExportError(str(err)) from None
    fitting = GAN_PARTS if parts.kind == "gan" else VAE_PARTS
    if part not in fitting:
        what = "a GAN" if parts.kind == "gan" else "a variational autoencoder"
        raise ExportError(f"{trained.run_dir.name} is {what}: its parts are"
                          f" {' and '.join(fitting)}, not {part}")
    if parts.conditional and part == "discriminator":
        raise ExportError(f"the discriminator of {trained.run_dir.name}, a conditional GAN, takes"
                          " an image and its class, which an export cannot take yet: export"
                          " --part generator")
    network = trained.network if trained.network is not None else trained.module
    try:
        if part in CODE_PARTS and parts.conditional:
            module = packed_generator(sampler_network(network, parts), parts)
        elif part in CODE_PARTS:
            module = sampler_network(network, parts)
        elif part == "encoder":
            module = encoder_network(network, parts.sample_id)
        else:
            module = head_network(network, _discriminator_of(trained)).eval()
    except GenerateError as err:
        raise ExportError(str(err)) from None
    latent = list(parts.latent_shape)
    pre = dict(trained.preprocessing, part=part)
    run = dict(trained.run, output_activation="none")
    if part in CODE_PARTS and parts.conditional:
        pre.update(code_size=latent[0], label_classes=list(parts.class_names))
        latent = [latent[0] + len(parts.class_names)]
    if part in CODE_PARTS:
        pre.update(kind="latent", input_shape=latent, input_scaling=None, feature_names=[])
        info = replace(trained.info, input_shape=tuple(latent))
    else:
        pre.update(target_scaling=None)
        info = trained.info
    return replace(trained, module=module, network=None, preprocessing=pre, info=info, run=run)


def _discriminator_of(trained) -> str:
    from core.subnetworks import subnetworks

    return subnetworks(trained.project.graph).discriminator


def latent_inputs(part_trained, rows: int = 64) -> np.ndarray:
    """Codes to verify a decoder or generator on: the unit Gaussian its codes come from (a
    conditional generator's: followed by every class in turn, one-hot)."""
    rng = np.random.default_rng(0)
    codes = rng.standard_normal((rows, *part_trained.info.input_shape)).astype(np.float32)
    classes = part_trained.preprocessing.get("label_classes")
    if classes:
        size = int(part_trained.preprocessing["code_size"])
        codes[:, size:] = np.eye(len(classes), dtype=np.float32)[np.arange(rows) % len(classes)]
    return codes


def available_parts(project: dict) -> list[str]:
    """The parts of a run's network (its ``run.json`` ``project``) that can be exported alone:
    a network with a Sample layer has a decoder and an encoder, a GAN a generator and a
    discriminator."""
    nodes = (project.get("graph") or {}).get("nodes") or []
    targets = {(node.get("params") or {}).get("target") for node in nodes
               if isinstance(node, dict) and node.get("type") == "Output"}
    if {"generator", "discriminator"} <= targets:
        return list(GAN_PARTS)
    if any(isinstance(node, dict) and node.get("type") == "Sample" for node in nodes):
        return list(VAE_PARTS)
    return []
