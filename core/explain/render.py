"""An :class:`~core.explain.base.Explanation` as files: PNG pictures, a CSV table, an HTML page.

Drawn with matplotlib's Agg canvas (Captum already needs matplotlib; no window, no
pyplot state, safe in any thread): an image beside its heat map, a bar chart of the
columns of a table row, the words of a text coloured by their attribution. Red pushes
towards the explained class, blue away from it (signed methods); magnitudes alone
(saliency, SmoothGrad, Grad-CAM) are one colour scale.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import numpy as np

from core.explain.base import IMAGE, SEQUENCE, Explanation

#: Bars shown per sample (the largest |attribution| first); the CSV keeps every column.
MAX_BARS = 20
POSITIVE, NEGATIVE = (0.84, 0.19, 0.15), (0.19, 0.42, 0.80)


# ---------------------------------------------------------------------- colours
def token_colour(value: float, scale: float, signed: bool) -> tuple[float, float, float]:
    """An RGB background for a token: white at 0, red (or blue when negative) at ``scale``."""
    strength = 0.0 if scale <= 0 else min(abs(value) / scale, 1.0)
    base = NEGATIVE if signed and value < 0 else POSITIVE
    return tuple(1.0 - strength * (1.0 - c) for c in base)


def _hex(rgb) -> str:
    return "#" + "".join(f"{int(round(c * 255)):02x}" for c in rgb)


def caption(explanation: Explanation, row: int) -> str:
    """``sample 12: predicted versicolor (93 %), explaining versicolor``."""
    confidence = explanation.confidence[row]
    sure = f" ({confidence:.0%})" if np.isfinite(confidence) else ""
    if explanation.target_names[row] == "reconstruction error":
        return f"sample {explanation.ids[row]}: reconstruction error {explanation.predictions[row]}"
    return (f"sample {explanation.ids[row]}: predicted {explanation.predictions[row]}{sure},"
            f" explaining {explanation.target_names[row]}")


# ---------------------------------------------------------------------- pictures
def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: Path) -> None:
    from core.atomic import write_bytes_atomic

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    write_bytes_atomic(path, buffer.getvalue())


def image_rgb(pixels: np.ndarray) -> np.ndarray:
    """A ``(C, H, W)`` image with values in [0, 1] as ``(H, W, 3)`` floats."""
    pixels = np.clip(np.asarray(pixels, np.float32), 0, 1)
    return np.repeat(pixels, 3, 0).transpose(1, 2, 0) if pixels.shape[0] == 1 else pixels[:3].transpose(1, 2, 0)


def image_png(explanation: Explanation, row: int, path: Path) -> None:
    """The image, and its heat map laid over it."""
    heat = explanation.heatmaps[row]
    signed = explanation.signed()
    limit = float(np.abs(heat).max()) or 1.0
    figure = _figure(7.2, 3.8)
    left, right = figure.subplots(1, 2)
    rgb = image_rgb(explanation.inputs[row])
    left.imshow(rgb, interpolation="nearest")
    left.set_title("sample", fontsize=9)
    right.imshow(rgb.mean(2), cmap="gray", interpolation="nearest")
    shown = right.imshow(heat, cmap="RdBu_r" if signed else "inferno", alpha=0.6,
                         vmin=-limit if signed else 0.0, vmax=limit, interpolation="bilinear")
    right.set_title(explanation.title + (f" at {explanation.layer}" if explanation.layer else ""), fontsize=9)
    for axes in (left, right):
        axes.set_xticks([])
        axes.set_yticks([])
    figure.colorbar(shown, ax=right, fraction=0.046, pad=0.04)
    figure.suptitle(caption(explanation, row), fontsize=9)
    _save(figure, path)


def bars_png(explanation: Explanation, row: int, path: Path) -> None:
    """The columns of one row as horizontal bars, the largest |attribution| at the top."""
    values = np.asarray(explanation.column_values[row], np.float64)
    order = np.argsort(-np.abs(values), kind="stable")[:MAX_BARS][::-1]
    figure = _figure(7.2, 1.2 + 0.32 * len(order))
    axes = figure.add_subplot(1, 1, 1)
    shown = values[order]
    axes.barh(range(len(order)), shown, color=[_hex(POSITIVE if v >= 0 else NEGATIVE) for v in shown])
    axes.set_yticks(range(len(order)), [explanation.columns[i] for i in order], fontsize=8)
    axes.axvline(0, color="0.4", linewidth=0.8)
    axes.set_xlabel(f"{explanation.title} (per column)", fontsize=8)
    axes.set_title(caption(explanation, row), fontsize=9)
    figure.tight_layout()
    _save(figure, path)


def sequence_png(explanation: Explanation, row: int, path: Path) -> None:
    """A time window: its values on top, the attribution of each step (summed over the
    features) below."""
    inputs = np.asarray(explanation.inputs[row], np.float64)
    steps = np.asarray(explanation.values[row], np.float64).sum(1)
    figure = _figure(7.2, 4.2)
    top, bottom = figure.subplots(2, 1, sharex=True)
    for feature in range(inputs.shape[1]):
        name = explanation.columns[feature] if feature < len(explanation.columns) else None
        top.plot(range(1, len(inputs) + 1), inputs[:, feature], linewidth=1.2, label=name)
    if 1 < inputs.shape[1] <= 8:
        top.legend(fontsize=7)
    top.set_ylabel("value", fontsize=8)
    bottom.bar(range(1, len(steps) + 1), steps,
               color=[_hex(POSITIVE if v >= 0 else NEGATIVE) for v in steps])
    bottom.axhline(0, color="0.4", linewidth=0.8)
    bottom.set_ylabel(explanation.title, fontsize=8)
    bottom.set_xlabel("step", fontsize=8)
    top.set_title(caption(explanation, row), fontsize=9)
    figure.tight_layout()
    _save(figure, path)


def text_png(explanation: Explanation, row: int, path: Path, width: int = 90) -> None:
    """The sample's words on backgrounds coloured by their attribution, wrapped into lines."""
    lines: list[list[tuple[str, float]]] = []
    for text in explanation.texts:
        line: list[tuple[str, float]] = []
        length = 0
        for token, value in zip(text.tokens[row], text.values[row]):
            if line and length + len(token) + 1 > width:
                lines.append(line)
                line, length = [], 0
            line.append((token, float(value)))
            length += len(token) + 1
        lines.append([(f"{text.column}:", np.nan)] + line if len(explanation.texts) > 1 else line)
    scale = max((abs(v) for line in lines for _t, v in line if np.isfinite(v)), default=0.0)
    figure = _figure(8.0, 0.9 + 0.32 * max(len(lines), 1))
    figure.text(0.01, 1 - 0.25 / figure.get_figheight(), caption(explanation, row), fontsize=9, va="top")
    renderer = figure.canvas.get_renderer()
    for number, line in enumerate(lines):
        x, y = 0.01, 1 - (0.65 + 0.32 * number) / figure.get_figheight()
        for token, value in line:
            colour = token_colour(value, scale, explanation.signed()) if np.isfinite(value) else (1, 1, 1)
            text = figure.text(x, y, token, fontsize=10, family="DejaVu Sans", va="top",
                               bbox={"facecolor": colour, "edgecolor": "none", "pad": 1.5})
            x += text.get_window_extent(renderer).width / figure.bbox.width + 0.006
    _save(figure, path)


# ---------------------------------------------------------------------- tables and pages
def _number(value: float) -> str:
    return f"{value:.6g}" if np.isfinite(value) else ""


def csv_header_and_rows(explanation: Explanation) -> tuple[list[str], list[list[str]]]:
    """One row per sample: its id, prediction, explained output, then one value per column
    (tables), per token (text: ``review[0]``, ... and the tokens themselves) or a summary of
    the heat map (images: total, |total|, peak row and column, a 4×4 grid of |attribution|)."""
    header = ["sample", "predicted", "confidence", "explained"]
    rows = [[explanation.ids[row], explanation.predictions[row], _number(explanation.confidence[row]),
             explanation.target_names[row]] for row in range(len(explanation))]
    if explanation.kind == IMAGE:
        header += ["total", "abs_total", "peak_row", "peak_col"]
        header += [f"region_{r}_{c}" for r in range(4) for c in range(4)]
        for cells, heat in zip(rows, np.asarray(explanation.heatmaps, np.float64)):
            peak = np.unravel_index(int(np.abs(heat).argmax()), heat.shape)
            grid = [np.abs(block).sum() for band in np.array_split(heat, 4, 0)
                    for block in np.array_split(band, 4, 1)]
            cells += [_number(heat.sum()), _number(np.abs(heat).sum()), str(peak[0]), str(peak[1])]
            cells += [_number(v) for v in grid]
        return header, rows
    if explanation.kind == SEQUENCE:
        per_step = np.asarray(explanation.values, np.float64).sum(2)
        header += list(explanation.columns) + [f"step_{i + 1}" for i in range(per_step.shape[1])]
        for row, cells in enumerate(rows):
            cells += [_number(v) for v in explanation.column_values[row]]
            cells += [_number(v) for v in per_step[row]]
        return header, rows
    text_names = {t.column for t in explanation.texts}
    keep = [i for i, c in enumerate(explanation.columns) if c not in text_names]
    header += [explanation.columns[i] for i in keep]
    widths = [max((len(t) for t in text.tokens), default=0) for text in explanation.texts]
    for text, width in zip(explanation.texts, widths):
        header += [f"{text.column}[{i}]" for i in range(width)] + [f"{text.column}_tokens"]
    for row, cells in enumerate(rows):
        cells += [_number(explanation.column_values[row, i]) for i in keep]
        for text, width in zip(explanation.texts, widths):
            values = text.values[row]
            cells += [_number(v) for v in values] + [""] * (width - len(values))
            cells.append(" ".join(text.tokens[row]))
    return header, rows


def attributions_csv(explanation: Explanation) -> str:
    header, rows = csv_header_and_rows(explanation)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def legend_sentence(explanation: Explanation) -> str:
    """What the colours mean, in words."""
    if explanation.signed():
        return (f"Red pushes towards {explanation.target_names[0] if len(explanation) == 1 else 'the explained output'},"
                " blue away from it; white does not matter.")
    return "The stronger the colour, the more the output reacts to it."


def tokens_paragraphs(explanation: Explanation, row: int) -> str:
    """One sample's words as HTML spans coloured by their attribution (a paragraph per
    text column; dark letters on the light colours, whatever the page's theme)."""
    signed = explanation.signed()
    parts = []
    for text in explanation.texts:
        values = text.values[row]
        scale = float(np.abs(values).max()) if len(values) else 0.0
        words = []
        for token, value in zip(text.tokens[row], values):
            colour = _hex(token_colour(float(value), scale, signed))
            words.append(f"<span style='background-color:{colour};color:#111111' title='{value:.4g}'>"
                         f"&nbsp;{html.escape(token)}&nbsp;</span>")
        label = f"<b>{html.escape(text.column)}:</b> " if len(explanation.texts) > 1 else ""
        parts.append(f"<p style='line-height:160%'>{label}{' '.join(words) or '(no words)'}</p>")
    return "\n".join(parts)


def tokens_html(explanation: Explanation) -> str:
    """Every sample's words coloured by their attribution, one paragraph each."""
    parts = [f"<!DOCTYPE html><meta charset='utf-8'><title>{html.escape(explanation.title)}</title>",
             "<body style='font-family:sans-serif;max-width:60em'>",
             f"<h1>{html.escape(explanation.title)}</h1>",
             f"<p>{html.escape(legend_sentence(explanation))}</p>"]
    for row in range(len(explanation)):
        parts.append(f"<h3>{html.escape(caption(explanation, row))}</h3>")
        parts.append(tokens_paragraphs(explanation, row))
    return "\n".join(parts) + "\n</body>\n"


def file_stem(index: int, sample_id: str) -> str:
    """``003_cat_12.png``-style names: the position, then the sample id made safe for a file name."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", str(sample_id)).strip("._")[:60]
    return f"{index:03d}_{safe or 'sample'}"


def write_files(explanation: Explanation, folder: str | Path) -> list[Path]:
    """``attributions.csv``, one PNG per sample (and ``tokens.html`` for text) in ``folder``."""
    from core.atomic import write_text_atomic

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "attributions.csv"]
    write_text_atomic(written[0], attributions_csv(explanation))
    if explanation.texts:
        written.append(folder / "tokens.html")
        write_text_atomic(written[-1], tokens_html(explanation))
    for row in range(len(explanation)):
        path = folder / f"{file_stem(row + 1, explanation.ids[row])}.png"
        if explanation.kind == IMAGE:
            image_png(explanation, row, path)
        elif explanation.kind == SEQUENCE:
            sequence_png(explanation, row, path)
        elif explanation.texts and len(explanation.columns) == len(explanation.texts):
            text_png(explanation, row, path)
        else:
            bars_png(explanation, row, path)
        written.append(path)
    return written
