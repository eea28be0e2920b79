"""The layer reference as Markdown, generated from the registry (``docs/layers.md``).

``python -m core.layers.reference > docs/layers.md`` rewrites the file; a test checks
that the committed file matches the registry.
"""

from __future__ import annotations

from core.layers import CATEGORIES, REGISTRY, LayerSpec


def _default_text(param) -> str:
    if param.default is None:
        return param.none_means or "automatic"
    if isinstance(param.default, bool):
        return "true" if param.default else "false"
    return f"`{param.default}`"


def layer_markdown(spec: LayerSpec) -> str:
    lines = [f"### {spec.type}", "", f"*{spec.summary}*", "", spec.explanation, ""]
    lines.append(f"**Shape:** {spec.shape_formula}")
    lines.append("")
    if spec.when_to_use:
        lines += [f"**When to use it:** {spec.when_to_use}", ""]
    if len(spec.params):
        lines += ["| parameter | default | allowed | meaning |", "| --- | --- | --- | --- |"]
        for param in spec.params:
            lines.append(f"| `{param.name}` | {_default_text(param)} | {param.range_text()} | {param.doc} |")
        lines.append("")
    return "\n".join(lines)


def markdown_reference() -> str:
    out = ["# Layer reference", "",
           "Generated from LayerForge's layer registry (`python -m core.layers.reference`).",
           "Type names are PyTorch's class names and parameters use PyTorch's argument names;",
           "sizes that follow from the input (`in_features`, `in_channels`, `num_features`,",
           "`input_size`, `normalized_shape`, `embed_dim`, `d_model`) are inferred and never written.",
           "Shapes are written with the batch dimension `N`.", ""]
    for category, specs in REGISTRY.by_category().items():
        if category not in CATEGORIES or not specs:
            continue
        out += [f"## {category}", ""]
        out += [layer_markdown(spec) for spec in specs]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(markdown_reference(), end="")
