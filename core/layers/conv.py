"""Convolution & Pooling layers."""

from __future__ import annotations

import math
from typing import Any

from core.errors import ShapeError
from core.layers.params import ParamSet
from core.layers.registry import BuildContext, LayerSpec, Shape, p, register
from core.layers.rules import check_pool_padding, fpair, numel, pair, show, windows

_IMAGE_HINT = ("add a Reshape before it (for example to (1, 28, 28) for 784 pixels),"
               " or load image data")
_SEQ_HINT = "add a Reshape before it, for example to (1, length) for one channel"


def _need_image(shape: Shape) -> None:
    if len(shape) != 3:
        raise ShapeError(f"needs (channels, height, width) input but receives {show(shape)}:"
                         f" {_IMAGE_HINT}")


def _need_signal(shape: Shape) -> None:
    if len(shape) != 2:
        raise ShapeError(f"needs (channels, length) input but receives {show(shape)}: {_SEQ_HINT}")


def _check_groups(in_ch: int, params: dict[str, Any]) -> None:
    groups = params["groups"]
    if in_ch % groups or params["out_channels"] % groups:
        raise ShapeError(f"has groups={groups}, which must divide both its {in_ch} input"
                         f" channels and its {params['out_channels']} out_channels")


# ----------------------------------------------------------------------------- conv
def _conv_params(dims: int):
    def count(inputs, params, out) -> int:
        in_ch = inputs[0][0]
        kernel = math.prod(_as_tuple(params["kernel_size"], dims))
        weights = params["out_channels"] * (in_ch // params["groups"]) * kernel
        return weights + (params["out_channels"] if params["bias"] else 0)
    return count


def _conv_macs(dims: int):
    def count(inputs, params, out) -> int:
        in_ch = inputs[0][0]
        kernel = math.prod(_as_tuple(params["kernel_size"], dims))
        return numel(out) * (in_ch // params["groups"]) * kernel
    return count


def _as_tuple(value: Any, dims: int) -> tuple[int, ...]:
    return pair(value) if dims == 2 else (int(value),)


def _conv1d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_signal(shape)
    _check_groups(shape[0], params)
    (length,) = windows(shape[1:], (params["kernel_size"],), (params["stride"],),
                        (params["padding"],), (params["dilation"],), shape)
    return (params["out_channels"], length)


def _conv2d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_image(shape)
    _check_groups(shape[0], params)
    h, w = windows(shape[1:], pair(params["kernel_size"]), pair(params["stride"]),
                   pair(params["padding"]), pair(params["dilation"]), shape)
    return (params["out_channels"], h, w)


def _convtranspose2d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_image(shape)
    _check_groups(shape[0], params)
    k, s, pad = pair(params["kernel_size"]), pair(params["stride"]), pair(params["padding"])
    op, d = pair(params["output_padding"]), pair(params["dilation"])
    sizes = []
    for size, ki, si, pi, oi, di in zip(shape[1:], k, s, pad, op, d):
        if oi >= si and oi >= di:
            raise ShapeError(f"has output_padding {oi}, which must be smaller than its stride"
                             f" {si} or its dilation {di}")
        n = (size - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
        if n < 1:
            raise ShapeError(f"would produce an empty output from {show(shape)}: reduce its padding")
        sizes.append(n)
    return (params["out_channels"], *sizes)


def _convtranspose_params(inputs, params, out) -> int:
    in_ch = inputs[0][0]
    kernel = math.prod(pair(params["kernel_size"]))
    weights = in_ch * (params["out_channels"] // params["groups"]) * kernel
    return weights + (params["out_channels"] if params["bias"] else 0)


def _convtranspose_macs(inputs, params, out) -> int:
    kernel = math.prod(pair(params["kernel_size"]))
    return numel(inputs[0]) * (params["out_channels"] // params["groups"]) * kernel


def _builder(cls_name: str, in_key: str | None = "in_channels", tuple_keys=(), drop=()):
    """A build function that passes the node's params to ``torch.nn.<cls_name>``."""
    def build(inputs, params, ctx):
        import torch.nn as nn

        kwargs = {k: v for k, v in params.items() if k not in drop}
        for key in tuple_keys:
            if isinstance(kwargs.get(key), list):
                kwargs[key] = tuple(kwargs[key])
        if in_key:
            kwargs[in_key] = inputs[0][0]
        return getattr(nn, cls_name)(**kwargs)
    return build


def _conv_param_set(dims: int, transpose: bool = False) -> ParamSet:
    kind = "int_or_pair" if dims == 2 else "int"
    items = [
        p("out_channels", "int", 16, "Number of filters, i.e. output channels", minimum=1, maximum=65536),
        p("kernel_size", kind, 3, "Size of each filter's window", minimum=1, maximum=1024),
        p("stride", kind, 1, "Step between window positions", minimum=1, maximum=1024),
        p("padding", kind, 0, "Zeros added on each side of the input", minimum=0, maximum=1024),
    ]
    if transpose:
        items.append(p("output_padding", kind, 0, "Extra size added to one side of the output",
                       minimum=0, maximum=1024))
    items += [
        p("dilation", kind, 1, "Spacing between the window's taps", minimum=1, maximum=1024),
        p("groups", "int", 1, "Split channels into independent groups", minimum=1, maximum=65536),
        p("bias", "bool", True, "Learn an additive bias per output channel"),
    ]
    return ParamSet(tuple(items))


_CONV_KEYS = ("kernel_size", "stride", "padding", "dilation", "output_padding")

register(LayerSpec(
    type="Conv1d", category="Convolution & Pooling", id_prefix="conv",
    summary="Slides learned filters along a sequence or signal (channels, length).",
    explanation=(
        "A 1-D convolution slides out_channels small learned filters along the length of"
        " a signal. Each filter looks at kernel_size neighbouring steps of every input"
        " channel and produces one output channel, so the same pattern is detected"
        " wherever it occurs. Use it for audio, sensor signals and other sequences."),
    params=_conv_param_set(1),
    infer=_conv1d_infer, build=_builder("Conv1d", tuple_keys=_CONV_KEYS),
    count_params=_conv_params(1), count_macs=_conv_macs(1),
    shape_formula="L_out = ⌊(L + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1",
    when_to_use="Signals and sequences where local patterns matter.",
))

register(LayerSpec(
    type="Conv2d", category="Convolution & Pooling", id_prefix="conv",
    summary="Slides learned filters over an image (channels, height, width).",
    explanation=(
        "A 2-D convolution slides out_channels learned filters of kernel_size×kernel_size"
        " over the image. Each filter combines a small neighbourhood of every input"
        " channel into one number per position, producing one feature map per filter."
        " Because the same weights are used at every position, convolutions find edges,"
        " textures and shapes anywhere in the image with far fewer parameters than a"
        " Linear layer. padding keeps the border; stride 2 halves the size."),
    params=_conv_param_set(2),
    infer=_conv2d_infer, build=_builder("Conv2d", tuple_keys=_CONV_KEYS),
    count_params=_conv_params(2), count_macs=_conv_macs(2),
    shape_formula="H_out = ⌊(H + 2·padding − dilation·(kernel_size − 1) − 1) / stride⌋ + 1 (same for W)",
    when_to_use="Images, and any grid-shaped data.",
))

register(LayerSpec(
    type="ConvTranspose2d", category="Convolution & Pooling", id_prefix="deconv",
    summary="Learned upsampling: the reverse of a strided convolution.",
    explanation=(
        "A transposed convolution spreads each input value over a kernel_size window of"
        " the output, weighted by learned filters, so it makes feature maps larger. With"
        " stride 2 it doubles height and width. Decoders of autoencoders and generators use"
        " it to go from a small code back to a full image."),
    params=_conv_param_set(2, transpose=True),
    infer=_convtranspose2d_infer, build=_builder("ConvTranspose2d", tuple_keys=_CONV_KEYS),
    count_params=_convtranspose_params, count_macs=_convtranspose_macs,
    shape_formula="H_out = (H − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1",
    when_to_use="Decoders that must grow feature maps back to image size.",
))


# ----------------------------------------------------------------------------- pooling
def _pool1d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_signal(shape)
    k = params["kernel_size"]
    s = params["stride"] or k
    check_pool_padding((k,), (params["padding"],))
    (length,) = windows(shape[1:], (k,), (s,), (params["padding"],), (1,), shape)
    return (shape[0], length)


def _pool2d_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_image(shape)
    k = pair(params["kernel_size"])
    s = pair(params["stride"]) if params["stride"] is not None else k
    pad = pair(params["padding"])
    check_pool_padding(k, pad)
    h, w = windows(shape[1:], k, s, pad, (1, 1), shape)
    return (shape[0], h, w)


def _pool_params(dims: int) -> ParamSet:
    kind = "int_or_pair" if dims == 2 else "int"
    return ParamSet((
        p("kernel_size", kind, 2, "Size of the pooling window", minimum=1, maximum=1024),
        p("stride", kind, None, "Step between windows", minimum=1, maximum=1024, optional=True,
          none_means="same as kernel_size"),
        p("padding", kind, 0, "Padding on each side (at most half the window)", minimum=0,
          maximum=512),
    ))


def _pool_macs(inputs, params, out) -> int:
    return 0


_POOL_TEXT = {
    "Max": ("keeps the largest value of each window",
            "Max pooling keeps the strongest response in each window, so the network"
            " becomes tolerant to small shifts while the feature map shrinks."),
    "Avg": ("keeps the average of each window",
            "Average pooling replaces each window by its mean, smoothing and shrinking the"
            " feature map."),
}

for kind_name, (what, why) in _POOL_TEXT.items():
    for dims, infer in ((1, _pool1d_infer), (2, _pool2d_infer)):
        type_name = f"{kind_name}Pool{dims}d"
        shape_text = "(channels, length)" if dims == 1 else "(channels, height, width)"
        register(LayerSpec(
            type=type_name, category="Convolution & Pooling", id_prefix="pool",
            summary=f"Downsamples {shape_text}: {what}.",
            explanation=(
                f"{why} It has no weights. With the default kernel_size 2 and stride equal"
                " to the kernel, each spatial size is halved."),
            params=_pool_params(dims), infer=infer,
            build=_builder(type_name, in_key=None, tuple_keys=("kernel_size", "stride", "padding")),
            count_macs=_pool_macs,
            shape_formula="size_out = ⌊(size + 2·padding − kernel_size) / stride⌋ + 1",
            when_to_use="After convolutions, to shrink feature maps and add shift tolerance.",
        ))


def _adaptive_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    _need_image(shape)
    return (shape[0], *pair(params["output_size"]))


register(LayerSpec(
    type="AdaptiveAvgPool2d", category="Convolution & Pooling", id_prefix="gap",
    summary="Averages each feature map down to a fixed output_size, whatever the input size.",
    explanation=(
        "Adaptive average pooling chooses its windows so that every channel ends up"
        " exactly output_size (for example 1×1, which is global average pooling). It lets"
        " a network accept images of any size and replaces large Linear layers at the end"
        " of modern CNNs."),
    params=ParamSet((
        p("output_size", "int_or_pair", 1, "Height and width of the output", minimum=1, maximum=4096),
    )),
    infer=_adaptive_infer,
    build=_builder("AdaptiveAvgPool2d", in_key=None, tuple_keys=("output_size",)),
    shape_formula="(N, C, H, W) -> (N, C, output_size, output_size)",
    when_to_use="Global average pooling before the classifier of a CNN.",
))


# ----------------------------------------------------------------------------- upsample
_UPSAMPLE_RANK = {"nearest": (2, 3), "linear": (2,), "bilinear": (3,), "bicubic": (3,)}


def _upsample_infer(inputs, params, ctx) -> Shape:
    (shape,) = inputs
    mode = params["mode"]
    if len(shape) not in _UPSAMPLE_RANK[mode]:
        wanted = " or ".join("(channels, length)" if r == 2 else "(channels, height, width)"
                             for r in _UPSAMPLE_RANK[mode])
        raise ShapeError(f"in mode {mode!r} needs {wanted} input but receives {show(shape)}:"
                         " choose another mode or reshape its input")
    factors = fpair(params["scale_factor"]) if len(shape) == 3 else (fpair(params["scale_factor"])[0],)
    return (shape[0], *(int(math.floor(size * f)) for size, f in zip(shape[1:], factors)))


def _upsample_build(inputs, params, ctx):
    from torch import nn

    factor = params["scale_factor"]
    if isinstance(factor, list):
        factor = tuple(float(f) for f in factor)
    else:
        factor = float(factor)
    return nn.Upsample(scale_factor=factor, mode=params["mode"])


register(LayerSpec(
    type="Upsample", category="Convolution & Pooling",
    summary="Enlarges feature maps by scale_factor without learned weights.",
    explanation=(
        "Upsample makes each feature map larger by repeating (nearest) or interpolating"
        " (linear, bilinear, bicubic) its values. Unlike ConvTranspose2d it learns nothing;"
        " a Conv2d after it is a common, artefact-free way to build decoders."),
    params=ParamSet((
        p("scale_factor", "float_or_pair", 2.0, "How many times larger each spatial size becomes",
          minimum=0.01, maximum=64),
        p("mode", "choice", "nearest", "How new values are computed",
          choices=("nearest", "linear", "bilinear", "bicubic")),
    )),
    infer=_upsample_infer, build=_upsample_build,
    shape_formula="size_out = ⌊size × scale_factor⌋",
    when_to_use="Decoders and segmentation networks.",
))
