"""Predictions of the exported model for a CSV file or a folder of images.

    python predict.py DATA [--out predictions.csv] [--batch-size 1024] [--device cpu]

DATA is a CSV file with the columns the model was trained on (other columns, the
target too, are ignored), or a folder of images (sub-folders are searched; a single
image file works too). It writes one row per sample: the row number (as a spreadsheet
shows it, the header being row 1) or the image's path, `prediction` (the class name
or the value) and, for classification, one `prob_<class>` column per class.

The functions here turn a file into the model's input exactly as LayerForge did when
it trained, following preprocessing.json; train.py uses them too. The encoding rules
(columns, categories, fill values, windows, the predictions table) are in encoder.py
beside this file, a copy of LayerForge's own encoder. Needs torch, numpy, safetensors,
and pandas (CSV files) or Pillow (images); not LayerForge. A model trained on text
columns needs the tokenizers package too (pip install tokenizers): their tokenizer is
stored in preprocessing.json.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def _shared(name: str):
    """``name`` (encoder, csv_lines) beside this file; inside LayerForge's source tree, LayerForge's own."""
    import importlib

    if (HERE / f"{name}.py").is_file():
        if str(HERE) not in sys.path:
            sys.path.insert(0, str(HERE))
        return importlib.import_module(name)
    try:
        return importlib.import_module(f"core.data.{name}")
    except ImportError:
        raise ImportError(f"{name}.py is missing from {HERE}: export the model from"
                          " LayerForge again") from None


encoder = _shared("encoder")
csv_lines = _shared("csv_lines")  # row numbers as a spreadsheet shows them
NULL_VALUES = frozenset(encoder.NULL_VALUES)  # cells read as missing (as LayerForge reads them)
IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".bmp", ".dib", ".gif",
                              ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pbm", ".pnm", ".tga",
                              ".ico", ".qoi", ".avif"})
HIDDEN = ("Thumbs.db", "desktop.ini", "__MACOSX")


class DataProblem(Exception):
    """A data file that cannot be used; the message says what to fix."""


def load_preprocessing(folder: Path = HERE) -> dict:
    return encoder.load_preprocessing(folder)


def is_image_model(pre: dict) -> bool:
    return encoder.is_image_model(pre)


# ---------------------------------------------------------------------- tables
def table_settings(pre: dict) -> dict:
    """The ``table`` part of preprocessing.json; built-in 2-D sets read columns x and y."""
    try:
        return encoder.table_settings(pre)
    except encoder.EncodingProblem:
        raise DataProblem(f"this model was trained on {pre.get('kind')!r} data, which predict.py"
                          " cannot read from a file") from None


def read_csv(path: Path, table: dict, delimiter: str | None = None, encoding: str | None = None):
    """Every cell as text (a pandas DataFrame), with the training file's CSV settings."""
    import pandas as pd

    options = table.get("csv") or {}
    header = options.get("header", True)
    # a file that reads as UTF-8 is UTF-8 (as layerforge predict decides), whatever the
    # training file was; else the training file's encoding, else Windows-1252
    fallback = options.get("encoding") or "cp1252"
    if fallback.replace("_", "-").lower() in ("utf-8", "utf8"):
        fallback = "cp1252"
    encoding = encoding or "utf-8-sig"  # a byte-order mark is not part of the first name
    kwargs = dict(sep=delimiter or options.get("delimiter") or ",", dtype=str,
                  keep_default_na=False, na_filter=False, header=0 if header else None)
    try:
        frame = pd.read_csv(path, encoding=encoding, **kwargs)
    except UnicodeDecodeError:
        frame = pd.read_csv(path, encoding=fallback, **kwargs)
    except FileNotFoundError:
        raise DataProblem(f"{path} does not exist") from None
    if header:
        frame.columns = [str(c).strip() or f"column {i + 1}" for i, c in enumerate(frame.columns)]
    else:
        names = table.get("source_columns") or []
        frame.columns = [names[i] if i < len(names) else f"column {i + 1}" for i in range(frame.shape[1])]
    return frame


def numbers(cells, decimal: str = ".") -> np.ndarray:
    """Text cells as float64 (NaN where missing or not a number)."""
    return encoder.parse_numbers(np.asarray(cells, dtype=object), decimal)


def encode_columns(frame, table: dict, source: str = "the file") -> np.ndarray:
    """The encoded (unscaled) features of every row, in preprocessing.json's feature order."""
    columns = table["columns"]
    for column in columns:
        if column["name"] not in frame.columns:
            raise DataProblem(f"{source} has no column {column['name']!r}, which the model was"
                              f" trained on: {_missing_column_advice(frame)}")
    cells = {c["name"]: frame[c["name"]].to_numpy(dtype=object) for c in columns}
    if not columns:
        return np.zeros((len(frame), 0), np.float32)
    check_numbers(cells, columns, (table.get("csv") or {}).get("decimal", "."), source)
    try:  # text columns need the tokenizers package: said in one sentence when it is missing
        return encoder.encode_table(columns, cells, (table.get("csv") or {}).get("decimal", "."))
    except encoder.EncodingProblem as err:
        raise DataProblem(str(err)) from None


def _missing_column_advice(frame) -> str:
    """What to do when a column is missing: a header read as one column names its delimiter."""
    if len(frame.columns) == 1:
        name = str(frame.columns[0])
        for mark, option in ((";", "';'"), ("\t", "$'\\t'"), (",", "','"), ("|", "'|'")):
            if mark in name:
                return (f"the header reads as one column ({name[:60]!r}), so the file's delimiter is"
                        f" another: give --delimiter {option}")
    return "add it (the file needs the same columns as the training data)"


def check_numbers(cells: dict, columns: list, decimal: str, source: str) -> None:
    """Numeric columns whose cells are not numbers would be filled as missing values and the
    predictions made on made-up inputs: none a number is refused, some get a warning."""
    for column in columns:
        if column.get("type") != "numeric":
            continue
        values = cells[column["name"]]
        codes, seen = encoder.text_codes(values)  # each distinct cell once; -1: missing
        not_number = np.array([np.isnan(encoder.to_number(text, decimal)) for text in seen] + [False])
        bad, given = not_number[codes], codes >= 0
        if not bad.any():
            continue
        example = seen[int(codes[np.flatnonzero(bad)[0]])]
        other = "," if decimal == "." else "."
        hint = (f"check the decimal mark (the training file used {decimal!r}: give --decimal {other!r}"
                " if this file uses the other) and the delimiter (--delimiter)")
        if bad.sum() == given.sum():
            raise DataProblem(f"{source}: no cell of the numeric column {column['name']!r} is a number"
                              f" (such as {example!r}): {hint}")
        print(f"predict.py: warning: {int(bad.sum())} of {len(codes)} cells of {column['name']!r} in"
              f" {source} are not numbers (such as {example!r}) and were filled as missing values;"
              f" {hint}", file=sys.stderr)


def warn_unseen_categories(frame, table: dict, shown) -> None:
    """A categorical cell whose value training never saw is read as no known category: the
    prediction there is a guess, which the person is told (``shown`` numbers the rows)."""
    for column in table.get("columns") or []:
        if column.get("type") != encoder.CATEGORICAL or column["name"] not in frame.columns:
            continue
        codes, seen = encoder.text_codes(frame[column["name"]].to_numpy(dtype=object))
        values, at = encoder.unseen_categories(column, seen, codes)
        if values:
            sentence = encoder.unseen_sentence(column, values, len(at), len(codes), shown([at[0]])[0])
            print(f"predict.py: warning: {sentence}", file=sys.stderr)


def time_order(frame, order_by: str | None, decimal: str = ".") -> np.ndarray:
    """Row positions in time order (by ``order_by``: dates, numbers, else text; stable)."""
    if not order_by or order_by not in frame.columns:
        return np.arange(len(frame))
    return encoder.time_order(frame[order_by].to_numpy(dtype=object), decimal)


def windows(series: np.ndarray, window: int, count: int) -> np.ndarray:
    """``(count, window, features)``: sample ``i`` is rows ``i .. i + window - 1``."""
    return encoder.windows(series, window, count)


def encode_csv(path: Path, pre: dict, delimiter: str | None = None,
               encoding: str | None = None, decimal: str | None = None) -> tuple[np.ndarray, list[str], object]:
    """A CSV file as the model's encoded input, the row numbers, and the table (for targets)."""
    table = table_settings(pre)
    if decimal:  # this file's decimal mark, not the training file's
        table = {**table, "csv": {**(table.get("csv") or {}), "decimal": decimal}}
    frame = read_csv(path, table, delimiter, encoding)
    if len(frame) == 0:
        raise DataProblem(f"{path.name} has no data rows")
    options = table.get("csv") or {}
    header = options.get("header", True)
    blanks = csv_lines.blank_lines(path, encoding or options.get("encoding") or "utf-8",
                                   delimiter or options.get("delimiter") or ",", header,
                                   whitespace=True)  # pandas skips lines of spaces too

    def shown(rows) -> list[str]:
        return [str(r) for r in csv_lines.shown_row(np.asarray(rows, dtype=np.int64), blanks, header)]

    encoded = encode_columns(frame, table, path.name)
    warn_unseen_categories(frame, table, shown)
    if pre.get("kind") != "sequence":
        return encoded, shown(np.arange(len(frame))), frame
    sequence = pre["sequence"]
    rows = time_order(frame, sequence.get("order_by"), options.get("decimal", "."))
    window = int(sequence["window"])
    count = len(rows) - window + 1
    if count < 1:
        raise DataProblem(f"{path.name} has {len(rows)} rows, fewer than the model's window of {window}")
    x = windows(encoded[rows], window, count)
    return x, shown(rows[window - 1:]), frame.iloc[rows].reset_index(drop=True)


# ---------------------------------------------------------------------- images
def list_images(path: Path) -> tuple[Path, list[str]]:
    """Every image file below ``path`` (or ``path`` itself), relative, sorted as LayerForge sorts."""
    path = Path(path).expanduser().resolve()
    if path.is_file():
        return path.parent, [path.name]
    if not path.is_dir():
        raise DataProblem(f"{path} does not exist: give an image file or a folder of images")
    found = []
    pending = [(str(path), "")]
    while pending:
        folder, prefix = pending.pop()
        for entry in os.scandir(folder):
            if entry.name.startswith(".") or entry.name in HIDDEN:
                continue
            if entry.is_dir():
                pending.append((entry.path, prefix + entry.name + "/"))
            elif Path(entry.name).suffix.lower() in IMAGE_EXTENSIONS and entry.stat().st_size > 0:
                found.append(prefix + entry.name)
    if not found:
        raise DataProblem(f"{path} holds no image files (.png, .jpg, ...)")
    return path, sorted(found)


def _to_8bit(image):
    from PIL import Image

    values = np.asarray(image, dtype=np.float32)
    if image.mode.startswith("I;16") or (image.mode == "I" and values.max(initial=0) > 255):
        values = values / 257.0
    elif image.mode == "F" and values.max(initial=0) <= 1.0:
        values = values * 255.0
    return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")


def load_image(path: Path, size: tuple[int, int], color: str) -> np.ndarray:
    """``(C, H, W)`` uint8: oriented by EXIF, transparency over white, stretched (bilinear)."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        if image.format == "JPEG":
            longest = max(size)
            image.draft("L" if color == "grayscale" else "RGB", (longest, longest))
        image.load()
        image = ImageOps.exif_transpose(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode in ("I", "F") or image.mode.startswith("I;16"):
        image = _to_8bit(image)
    elif image.mode == "1":
        image = image.convert("L")
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba).convert("RGB")
    target = "L" if color == "grayscale" else "RGB"
    if image.mode != target:
        image = image.convert(target)
    if image.size != (size[1], size[0]):
        image = image.resize((size[1], size[0]), Image.BILINEAR)
    array = np.asarray(image)
    return array[None] if array.ndim == 2 else array.transpose(2, 0, 1)


def encode_images(path: Path, pre: dict) -> tuple[np.ndarray, list[str]]:
    """Images as float32 pixels in [0, 1] ``(N, C, H, W)`` and their relative paths."""
    shape = pre["input_shape"]
    image = pre.get("image") or {}
    size = tuple(image.get("size") or shape[1:])
    color = image.get("color") or ("grayscale" if shape[0] == 1 else "rgb")
    root, files = list_images(path)
    pixels, ids = [], []
    for name in files:
        try:
            pixels.append(load_image(root / name, size, color))
            ids.append(name)
        except Exception as err:  # noqa: BLE001 - one bad file must not stop the others
            print(f"skipped {name}: {err}", file=sys.stderr)
    if not pixels:
        raise DataProblem(f"{path} holds no readable images")
    return encoder.to_unit(np.stack(pixels)), ids


def encode(path: Path, pre: dict, delimiter: str | None = None,
           encoding: str | None = None, decimal: str | None = None) -> tuple[np.ndarray, list[str], str]:
    """A file or folder as ``(encoded input, ids, id column name)``."""
    if is_image_model(pre):
        x, ids = encode_images(path, pre)
        return x, ids, "file"
    x, ids, _frame = encode_csv(Path(path), pre, delimiter, encoding, decimal)
    return x, ids, "row"


# ---------------------------------------------------------------------- predicting
def predict(model, x: np.ndarray, batch_size: int = 1024, device: str = "cpu") -> np.ndarray:
    """The model's outputs (probabilities or values) for encoded inputs, batch by batch."""
    import torch

    outputs = []
    with torch.inference_mode():
        for start in range(0, len(x), batch_size):
            batch = torch.from_numpy(np.ascontiguousarray(x[start:start + batch_size])).to(device)
            outputs.append(model(batch).float().cpu().numpy())
    return np.concatenate(outputs) if outputs else np.zeros((0, 0), np.float32)


def number(value) -> str:
    return encoder.number(value)


def prediction_rows(outputs: np.ndarray, ids: list[str], id_name: str, pre: dict) -> list[list[str]]:
    """The predictions table: a header row, then one row per sample."""
    header, body = encoder.prediction_table(outputs, ids, id_name, pre)
    return [header] + body


def write_csv(rows: list[list[str]], path: Path) -> None:
    tmp = Path(str(path) + ".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="a CSV file, an image folder or an image")
    parser.add_argument("--out", type=Path, default=Path("predictions.csv"), help="the CSV to write")
    parser.add_argument("--weights", type=Path, help="weights to use instead of weights.safetensors")
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, mps ...")
    parser.add_argument("--delimiter", help="the CSV delimiter, when it differs from the training file's")
    parser.add_argument("--encoding", help="the CSV encoding, when it differs from the training file's")
    parser.add_argument("--decimal", choices=(".", ","),
                        help="the CSV decimal mark, when it differs from the training file's")
    args = parser.parse_args(argv)
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import model as model_code

    pre = load_preprocessing()
    try:
        x, ids, id_name = encode(args.data, pre, args.delimiter, args.encoding, args.decimal)
    except (DataProblem, encoder.EncodingProblem) as err:
        print(f"predict.py: {err}", file=sys.stderr)
        return 2
    predictor = model_code.load_model(HERE, args.device)
    if args.weights:
        from safetensors.torch import load_file

        predictor.network.load_state_dict(load_file(str(args.weights)))
    outputs = predict(predictor, x, args.batch_size, args.device)
    if pre.get("task") == "reconstruction":
        outputs = ((outputs - x) ** 2).reshape(len(x), -1).mean(axis=1)
    write_csv(prediction_rows(outputs, ids, id_name, pre), args.out)
    print(f"{len(ids)} predictions written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
