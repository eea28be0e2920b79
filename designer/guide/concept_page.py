"""A concept page (``core.guide_concepts``) as HTML for the guide's text browser.

Short paragraphs, the formula, the examples that show the idea as links
(``example:<stem>``: the guide window opens that example in the main window, ready to
train), a sentence for an example that is not shipped yet, and related pages
(``guide:<key>``). Pictures of the idea's training (``Concept.pictures``, grabbed from the
training plots) come under "Watch it train" at their own size (grabbed as small as they are
shown, so their text stays sharp), each with its caption. The live demo of a page, if any, is a widget below the text
(:mod:`designer.guide.demos`).
"""

from __future__ import annotations

from html import escape

from core.guide_concepts import concept, missing_examples, shipped_examples, shipped_pictures
from core.guide_texts import entries
from designer.style import Colors

EXAMPLE_SCHEME = "example"


def concept_html(entry) -> str:
    page = concept(entry.key)
    c = Colors
    style = (f"<style>"
             f"h3 {{ color: {c.text_dim}; font-size: 8.5pt; letter-spacing: 1px; margin-top: 14px;"
             f" margin-bottom: 4px; }}"
             f"p {{ margin-top: 2px; margin-bottom: 8px; line-height: 130%; }}"
             f"a {{ color: {c.link}; text-decoration: none; }}"
             f"code {{ color: {c.shape_text}; }}"
             f"</style>")
    parts = [style, f"<p style='font-size: 10.5pt; color: {c.text}'><b>{escape(page.summary)}</b></p>"]
    parts += [f"<p>{escape(text)}</p>" for text in page.paragraphs]
    if page.formula:
        lines = "<br>".join(escape(line) for line in page.formula.split("\n"))
        parts += [_section("Formula"),
                  f"<table width='100%' cellspacing='0' cellpadding='8' style='background: {c.code_bg};"
                  f" border: 1px solid {c.card_border};'><tr><td><code style='font-family: monospace;"
                  f" font-size: 10pt'>{lines}</code></td></tr></table>"]
    shipped = shipped_examples(page)
    missing = missing_examples(page)
    if shipped or missing:
        parts.append(_section("Try it"))
    for stem, title, why in shipped:
        parts.append(f"<p>▶ <a href='{EXAMPLE_SCHEME}:{escape(stem)}'><b>Open the example “{escape(title)}”</b></a>"
                     f" — {escape(why)}. It opens as a new copy, ready to train (F5).</p>")
    for stem in missing:
        parts.append(f"<p style='color: {c.text_dim}'>The example {escape(stem)}.lfproj is not part of this"
                     f" version of LayerForge yet.</p>")
    parts += _pictures(page)
    pages = entries()
    links = [pages[key] for key in page.see_also if key in pages]
    if links:
        parts += [_section("See also"),
                  "<p>" + " · ".join(f"<a href='guide:{escape(e.key)}'>{escape(e.title)}</a>" for e in links)
                  + "</p>"]
    return "".join(parts)


def _pictures(page) -> list[str]:
    """The page's shipped pictures, each with its caption below it."""
    pictures = shipped_pictures(page)
    if not pictures:
        return []
    parts = [_section("Watch it train")]
    for path, caption in pictures:
        # line-height 100%: the pages' 130% would add a third of the picture's height below it
        parts.append(f"<p style='line-height: 100%'><img src='{escape(path.as_uri())}'><br>"
                     f"<span style='color: {Colors.text_dim}; font-size: 8.5pt'>{escape(caption)}</span></p>")
    return parts


def _section(title: str) -> str:
    return f"<h3>{escape(title.upper())}</h3>"
