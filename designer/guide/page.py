"""A guide page as HTML for the guide's text browser, in the current theme's colours.

Sections: what it computes (explanation), the formula (shape rule for layers, the
formula for losses and optimisers), the parameters (name, default, allowed values,
meaning), when to use it, and links to related pages (``guide:<key>``).
"""

from __future__ import annotations

from html import escape

from core.guide_texts import GuideEntry, entries
from designer.style import Colors

LINK_SCHEME = "guide"

#: Related pages worth a click from a page.
SEE_ALSO = {
    "layer:Softmax": ("loss:cross_entropy",),
    "layer:Sigmoid": ("loss:bce",),
    "layer:LogSoftmax": ("loss:cross_entropy",),
    "layer:Dropout": ("topic:overfitting",),
    "layer:Dropout2d": ("topic:overfitting",),
    "layer:BatchNorm1d": ("topic:batch_size", "layer:LayerNorm"),
    "layer:BatchNorm2d": ("topic:batch_size",),
    "layer:Linear": ("layer:ReLU", "concept:perceptron"),
    "layer:Conv2d": ("concept:convolution",),
    "layer:LSTM": ("concept:recurrence",),
    "layer:GRU": ("concept:recurrence",),
    "layer:Sample": ("concept:vae",),
    "layer:Output": ("loss:auto", "loss:cross_entropy", "loss:mse"),
    "layer:ReLU": ("layer:LeakyReLU", "layer:GELU"),
    "loss:auto": ("loss:cross_entropy", "loss:bce", "loss:mse"),
    "loss:mse": ("loss:huber", "loss:l1"),
    "loss:l1": ("loss:huber", "loss:smooth_l1"),
    "loss:huber": ("loss:smooth_l1", "loss:mse"),
    "loss:smooth_l1": ("loss:huber",),
    "loss:cross_entropy": ("layer:Softmax", "loss:bce"),
    "loss:bce": ("layer:Sigmoid", "loss:cross_entropy"),
    "loss:hinge": ("loss:cross_entropy",),
    "topic:learning_rate": ("topic:schedule", "optimizer:adam", "optimizer:sgd", "concept:backpropagation"),
    "topic:schedule": ("topic:learning_rate",),
    "topic:batch_size": ("topic:learning_rate", "layer:BatchNorm1d"),
    "topic:overfitting": ("layer:Dropout", "topic:learning_rate", "concept:regularisation"),
}
_OPTIMIZER_SEE_ALSO = ("topic:learning_rate", "topic:schedule")


def related(entry: GuideEntry) -> list[GuideEntry]:
    keys = SEE_ALSO.get(entry.key) or (_OPTIMIZER_SEE_ALSO if entry.key.startswith("optimizer:") else ())
    pages = entries()
    return [pages[k] for k in keys if k in pages]


def page_html(entry: GuideEntry) -> str:
    """The body of ``entry``'s page (the title and plot are separate widgets)."""
    if entry.key.startswith("concept:"):
        from designer.guide.concept_page import concept_html

        return concept_html(entry)
    c = Colors
    style = (f"<style>"
             f"h3 {{ color: {c.text_dim}; font-size: 8.5pt; letter-spacing: 1px; margin-top: 14px;"
             f" margin-bottom: 4px; }}"
             f"p {{ margin-top: 2px; margin-bottom: 6px; }}"
             f"a {{ color: {c.link}; text-decoration: none; }}"
             f"td, th {{ padding: 4px 8px; vertical-align: top; }}"
             f"th {{ color: {c.text_dim}; text-align: left; font-weight: 600; }}"
             f"code {{ color: {c.shape_text}; }}"
             f"</style>")
    parts = [style, f"<p style='font-size: 10.5pt; color: {c.text}'><b>{escape(entry.summary)}</b></p>",
             _section("What it does" if not entry.key.startswith("topic:") else "In short"),
             f"<p>{escape(entry.explanation)}</p>"]
    if entry.formula:
        label = {"Shape": "How it changes the shape"}.get(entry.formula_label, entry.formula_label)
        parts += [_section(label),
                  f"<table width='100%' cellspacing='0' cellpadding='8' style='background: {c.code_bg};"
                  f" border: 1px solid {c.card_border};'><tr><td><code style='font-family: monospace;"
                  f" font-size: 10pt'>{escape(entry.formula)}</code></td></tr></table>"]
    if entry.example:
        parts.append(f"<p style='margin-top: 6px'>For example, with the default parameters:"
                     f" <code>{escape(entry.example)}</code></p>")
    if entry.settings:
        title = "Parameters" if entry.key.startswith("layer:") else "Settings"
        rows = "".join(
            f"<tr><td><code>{escape(s.name)}</code></td><td>{escape(s.default)}</td>"
            f"<td style='color: {c.text_dim}'>{escape(s.allowed)}</td><td>{escape(s.meaning)}</td></tr>"
            for s in entry.settings)
        allowed = "<th>allowed</th>" if any(s.allowed for s in entry.settings) else "<th></th>"
        parts += [_section(title),
                  f"<table cellspacing='0' style='border-collapse: collapse'><tr><th>name</th><th>default</th>"
                  f"{allowed}<th>meaning</th></tr>{rows}</table>"]
    if entry.when_to_use:
        parts += [_section("When to use it"), f"<p>{escape(entry.when_to_use)}</p>"]
    links = related(entry)
    if links:
        parts += [_section("See also"),
                  "<p>" + " · ".join(f"<a href='{LINK_SCHEME}:{escape(e.key)}'>{escape(e.title)}</a>"
                                     for e in links) + "</p>"]
    return "".join(parts)


def _section(title: str) -> str:
    return f"<h3>{escape(title.upper())}</h3>"
