"""New samples from a trained generative run: a VAE's decoder or a GAN's generator fed with
random codes.

A run can generate when its network has a :mod:`Sample <core.layers.generative>` layer on
the way to its primary Output (a variational autoencoder): the layers after it are the
*decoder*, those before it the *encoder*. :func:`decoder_network` and
:func:`encoder_network` cut them out of the trained module (torch.fx copies sharing the
trained layers), so they can be run and exported alone. A GAN (:mod:`core.subnetworks`)
generates with its generator: the same cut, from its noise Input to its generator Output
(:func:`sampler_network`). A conditional GAN's generator also takes the class label
(its label Input, one-hot), as a second input of the cut. :func:`generate` draws codes from
the unit Gaussian (what the KL term pulled a VAE's codes towards, and what a GAN's noise
Input draws), decodes them (for a conditional GAN: with the chosen class, or an even
spread over the classes) and gives the results in the data's own units.
:func:`write_images` and :func:`write_table` save them as PNG files or a CSV, and
:func:`grid_image` tiles images into one picture.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import LayerForgeError


class GenerateError(LayerForgeError):
    """A run that cannot generate, or a request it cannot meet (one sentence)."""


@dataclass
class GenerativeParts:
    """Where a run's network splits: the node the code enters at (a VAE's Sample, a GAN's noise
    Input), the code's shape, and the Output the samples leave by (None: the primary one)."""

    sample_id: str
    latent_shape: tuple[int, ...]
    output_id: str | None = None
    kind: str = "vae"  # or "gan"
    label_id: str | None = None  # a conditional GAN's label Input (into the generator)
    class_names: tuple[str, ...] = ()  # the classes a conditional GAN's label chooses from

    @property
    def conditional(self) -> bool:
        return self.label_id is not None


def generative_parts(trained) -> GenerativeParts:
    """A GAN's noise Input and generator Output, or the Sample node on the way to the primary
    Output; :class:`GenerateError` without either."""
    from core.heads import heads_of, primary_head
    from core.shapes import analyze
    from core.subnetworks import subnetworks

    graph = trained.project.graph
    gan = subnetworks(graph)
    if gan is not None:
        if gan.noise is None:
            raise GenerateError(f"the generator of {trained.run_dir.name} does not start from a"
                                " noise Input, so there is no code to draw")
        size = int(graph.nodes[gan.noise].params["noise"])
        if not gan.conditional:
            return GenerativeParts(gan.noise, (size,), gan.generator, "gan")
        names = tuple(str(c) for c in trained.preprocessing.get("class_names") or ())
        return GenerativeParts(gan.noise, (size,), gan.generator, "gan", gan.generator_label, names)
    samples = [node_id for node_id, node in graph.nodes.items() if node.type == "Sample"]
    if not samples:
        raise GenerateError(f"{trained.run_dir.name} has no Sample layer, so it has no decoder to"
                            " draw from: generating needs a variational autoencoder or a GAN"
                            " (open the 'Variational autoencoder' or 'GAN' example)")
    output = primary_head(heads_of(graph)).node_id
    feeding = [s for s in samples if graph.reaches(s, output)]
    if not feeding:
        raise GenerateError(f"the Sample layer '{samples[0]}' does not lead to the Output"
                            f" '{output}': wire the decoder from Sample to the Output")
    sample_id = feeding[-1]
    shape = analyze(graph, trained.info.shapes()).shape_of(sample_id)
    return GenerativeParts(sample_id, tuple(shape), output)


def sampler_network(network, parts: GenerativeParts):
    """The module from a code to a new sample: a VAE's decoder, a GAN's generator (its Output
    alone first, then cut from the node the code enters at; layers shared with ``network``)."""
    from core.build import head_network

    if parts.output_id is not None:
        network = head_network(network, parts.output_id)
    return decoder_network(network, parts.sample_id, parts.label_id)


def decoder_network(module, sample_id: str, label_id: str | None = None):
    """The layers after ``sample_id`` as a module from a code ``z`` to the output (a module
    with one output: cut a network with several by :func:`core.build.head_network` first).
    ``sample_id`` is a VAE's Sample layer or a GAN's noise Input: whatever it computed, ``z``
    now stands for it. With ``label_id`` (a conditional GAN's label Input) the module takes
    ``(z, label)``, the label one-hot, and ``label`` stands for what that Input computed.

    Refused with a sentence when a layer after Sample also reads a layer before it (a
    skip connection around the code): such a decoder cannot run from a code alone.
    """
    import torch.fx as fx

    graph = fx.Graph()
    env: dict[Any, Any] = {}
    before: dict[Any, str] = {}  # nodes that depend on the encoder side, and which layer
    z = graph.placeholder("z")
    label = graph.placeholder("label") if label_id is not None else None
    for node in module.graph.nodes:
        if node.op == "call_module" and node.target == sample_id:
            env[node] = z
            continue
        if label is not None and node.op == "call_module" and node.target == label_id:
            env[node] = label
            continue
        if node.op == "output":
            value = node.args[0]
            if value in before:
                raise GenerateError(
                    f"the layers after '{sample_id}' also read '{before[value]}', which comes"
                    " before it: a decoder must start from the code alone; remove that wire")
            graph.output(env[value])
            continue
        inputs = node.all_input_nodes
        if node.op == "placeholder" or any(n in before for n in inputs):
            mixed = [n for n in inputs if n in env]
            if mixed and node.op != "placeholder":
                culprit = next(n for n in inputs if n in before)
                raise GenerateError(
                    f"'{node.target}' after '{sample_id}' also reads '{before[culprit]}', which"
                    " comes before it: a decoder must start from the code alone; remove that wire")
            before[node] = str(node.target)
            continue
        env[node] = graph.node_copy(node, lambda n: env[n])
    return _module_of(module, graph)


def with_label_input(module, label_id: str):
    """``module`` (one Output's network, such as a conditional GAN's discriminator) taking the
    class label as a second input ``label`` (one-hot) in place of what its label Input
    ``label_id`` computes; layers shared."""
    import torch.fx as fx

    graph = fx.Graph()
    env: dict[Any, Any] = {}
    nodes = list(module.graph.nodes)
    for node in nodes:
        if node.op == "placeholder":
            env[node] = graph.node_copy(node, lambda n: env[n])
    label = graph.placeholder("label")
    for node in nodes:
        if node.op == "placeholder":
            continue
        if node.op == "call_module" and node.target == label_id:
            env[node] = label
            continue
        env[node] = graph.node_copy(node, lambda n: env[n])
    return _module_of(module, graph)


def packed_generator(generator, parts: GenerativeParts):
    """A conditional generator ``(z, label)`` as a module of one input: the noise followed by
    the class one-hot, ``(batch, noise + classes)`` (what its export takes)."""
    import torch

    class PackedGenerator(torch.nn.Module):
        def __init__(self, inner, code_size: int):
            super().__init__()
            self.inner, self.code_size = inner, code_size

        def forward(self, packed):
            return self.inner(packed[:, :self.code_size], packed[:, self.code_size:])

    return PackedGenerator(generator, int(parts.latent_shape[0])).eval()


def one_hot(labels, classes: int, like):
    """Class indices ``(N,)`` as one-hot rows ``(N, classes)`` of ``like``'s dtype and device
    (float32 when ``like`` is not floating): what a label Input gives."""
    import torch

    dtype = like.dtype if like.is_floating_point() else torch.float32
    return torch.nn.functional.one_hot(labels.long().reshape(-1), classes).to(like.device, dtype)


def encoder_network(module, sample_id: str):
    """The layers before ``sample_id`` as a module from the network's input to the code's
    mean (Sample's first input): what an input is encoded to."""
    import torch.fx as fx

    target = next((n for n in module.graph.nodes
                   if n.op == "call_module" and n.target == sample_id), None)
    if target is None:
        raise GenerateError(f"the network has no layer '{sample_id}'")
    graph = fx.Graph()
    env: dict[Any, Any] = {}
    for node in module.graph.nodes:
        if node is target:
            graph.output(env[target.args[0]])
            break
        env[node] = graph.node_copy(node, lambda n: env[n])
    return _module_of(module, graph)


def _module_of(module, graph):
    import torch.fx as fx

    part = fx.GraphModule(module, graph, class_name=type(module).__name__)
    part.graph.eliminate_dead_code()
    part.recompile()
    part.delete_all_unused_submodules()
    return part.eval()


@dataclass
class Generated:
    """Decoded samples in the data's units, and the codes they came from."""

    values: np.ndarray  # (count, *output shape), float32
    codes: np.ndarray  # (count, *latent shape)
    is_image: bool
    feature_names: list[str]
    labels: np.ndarray | None = None  # a conditional GAN's class index per sample
    class_names: tuple[str, ...] = ()

    def label_names(self) -> list[str] | None:
        """Each sample's class name (None: not a conditional GAN)."""
        if self.labels is None:
            return None
        return [self.class_names[i] if i < len(self.class_names) else str(i) for i in self.labels]


def random_codes(count: int, latent_shape: tuple[int, ...], seed: int | None) -> np.ndarray:
    """``count`` codes from the unit Gaussian (repeatable with ``seed``)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((count, *latent_shape)).astype(np.float32)


def class_index(parts: GenerativeParts, label: str | int) -> int:
    """The index of a class given by name (as the data names it) or by index; a sentence
    naming the classes when it is neither."""
    names = list(parts.class_names)
    text = str(label).strip()
    if text in names:
        return names.index(text)
    if text.lstrip("-").isdigit() and 0 <= int(text) < len(names):
        return int(text)
    shown = ", ".join(names[:20]) + (" ..." if len(names) > 20 else "")
    raise GenerateError(f"there is no class {text!r}: the classes are {shown} (a name, or an"
                        f" index from 0 to {len(names) - 1})")


def spread_labels(count: int, classes: int) -> np.ndarray:
    """``count`` class indices spread evenly over the classes: 0, 1, ..., classes - 1, 0, ..."""
    return (np.arange(count) % classes).astype(np.int64)


def generate(trained, count: int, seed: int | None = None, codes: np.ndarray | None = None,
             label: str | int | None = None) -> Generated:
    """Decode ``count`` random codes (or the given ``codes``) of a run with a Sample layer, or
    generate from them with a GAN's generator; a conditional GAN's of the class ``label``
    (a name or an index), or of every class in turn without it."""
    import torch

    from core.data.scaling import unscale_inputs

    if codes is None and (not isinstance(count, int) or count < 1 or count > 100_000):
        raise GenerateError(f"the number of samples must be from 1 to 100,000, got {count!r}")
    parts = generative_parts(trained)
    if label is not None and not parts.conditional:
        raise GenerateError(f"{trained.run_dir.name} does not take a class label (it is not a"
                            " conditional GAN): generate without a label")
    network = trained.network if trained.network is not None else trained.module
    decoder = sampler_network(network, parts)
    if codes is None:
        codes = random_codes(count, parts.latent_shape, seed)
    labels = None
    if parts.conditional:
        labels = (np.full(len(codes), class_index(parts, label), np.int64) if label is not None
                  else spread_labels(len(codes), len(parts.class_names)))
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(codes), 256):
            z = torch.from_numpy(codes[start:start + 256])
            if labels is None:
                out = decoder(z)
            else:
                out = decoder(z, one_hot(torch.from_numpy(labels[start:start + 256]),
                                         len(parts.class_names), z))
            outputs.append(out.float().cpu().numpy())
    values = np.concatenate(outputs)
    pre = trained.preprocessing
    reconstructs = pre.get("task") == "reconstruction" or tuple(values.shape[1:]) == tuple(trained.info.input_shape)
    if reconstructs:
        values = unscale_inputs(pre, values)
    is_image = values.ndim == 4 and values.shape[1] in (1, 3)
    names = list(pre.get("feature_names") or [])
    if not names or len(names) != int(np.prod(values.shape[1:])):
        names = [f"value_{i}" for i in range(int(np.prod(values.shape[1:])))]
    return Generated(values, codes, is_image, names, labels, parts.class_names)


def to_pixels(image: np.ndarray) -> np.ndarray:
    """A ``(C, H, W)`` image in [0, 1] (values outside are clipped) as uint8 ``(H, W[, 3])``."""
    pixels = np.clip(image, 0.0, 1.0) * 255.0 + 0.5
    pixels = pixels.astype(np.uint8)
    return pixels[0] if pixels.shape[0] == 1 else np.transpose(pixels, (1, 2, 0))


def grid_image(images: np.ndarray, columns: int | None = None, gap: int = 2, fill: int = 0):
    """The images ``(N, C, H, W)`` tiled into one Pillow image, ``columns`` wide (about square),
    ``gap`` pixels of grey level ``fill`` between them."""
    from PIL import Image

    count, _channels, height, width = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = math.ceil(count / columns)
    tiles = [to_pixels(image) for image in images]
    mode = "L" if tiles[0].ndim == 2 else "RGB"
    sheet = Image.new(mode, (columns * (width + gap) + gap, rows * (height + gap) + gap),
                      fill if mode == "L" else (fill, fill, fill))
    for i, tile in enumerate(tiles):
        row, column = divmod(i, columns)
        sheet.paste(Image.fromarray(tile, mode), (gap + column * (width + gap), gap + row * (height + gap)))
    return sheet


def write_png(image, path: str | Path) -> Path:
    """Save a Pillow image (or uint8 pixels) as a PNG file, atomically."""
    import io

    from PIL import Image

    from core.atomic import write_bytes_atomic

    if isinstance(image, np.ndarray):
        image = Image.fromarray(image, "L" if image.ndim == 2 else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    path = Path(path).expanduser()
    write_bytes_atomic(path, buffer.getvalue())
    return path


def image_paths(generated: Generated, folder: str | Path) -> list[Path]:
    """Where :func:`write_images` puts each image: ``sample_0001.png`` ... in ``folder``; a
    conditional GAN's in a sub-folder named after each sample's class (the layout of an
    image folder, so the samples can be loaded as data)."""
    folder = Path(folder).expanduser()
    digits = max(4, len(str(len(generated.values))))
    names = [f"sample_{i:0{digits}d}.png" for i in range(1, len(generated.values) + 1)]
    classes = generated.label_names()
    if classes is None:
        return [folder / name for name in names]
    return [folder / label / name for label, name in zip(classes, names)]


def write_images(generated: Generated, folder: str | Path) -> list[Path]:
    """One PNG per generated image at :func:`image_paths` (folders made if missing)."""
    paths = image_paths(generated, folder)
    for path in {p.parent for p in paths}:
        path.mkdir(parents=True, exist_ok=True)
    return [write_png(to_pixels(image), path) for image, path in zip(generated.values, paths)]


def write_table(generated: Generated, path: str | Path) -> Path:
    """One CSV row per generated sample, its columns named as the data's features."""
    import io

    from core.atomic import write_text_atomic

    path = Path(path).expanduser()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(generated.feature_names)
    for row in generated.values.reshape(len(generated.values), -1):
        writer.writerow([f"{float(v):.6g}" for v in row])
    write_text_atomic(path, out.getvalue())
    return path


def latent_walk(latent_shape: tuple[int, ...], steps: int = 8, span: float = 2.5) -> np.ndarray:
    """A ``steps`` × ``steps`` grid of codes: the first two code features walk from ``-span``
    to ``span`` (columns, then rows), the others stay 0 (the prior's centre)."""
    size = int(np.prod(latent_shape))
    if size < 2:
        raise GenerateError("a latent walk needs a code of at least two numbers")
    values = np.linspace(-span, span, steps, dtype=np.float32)
    codes = np.zeros((steps * steps, size), np.float32)
    for row, b in enumerate(values):
        for column, a in enumerate(values):
            codes[row * steps + column, :2] = (a, b)
    return codes.reshape(steps * steps, *latent_shape)
