"""Text columns: LayerForge's token encoding against the ``tokenizers`` library called directly.

Run: ``.venv/bin/python -m tests.bench.bench_tokenize [--sentences 1000000] [--repeats 3]``
(or ``LAYERFORGE_BENCH_SENTENCES=20000`` for a quick run).

Generates short sentences (4 to 15 words from a vocabulary of 5,000 made-up words), trains a
word-level tokenizer on them as the CSV loader does (not timed), then times, median of
``repeats`` runs each, alternating sides:

- reference: ``tokenizer.encode_batch_fast(texts)`` (``encode_batch`` on older
  ``tokenizers``) and the ids of each encoding as Python lists: the least a caller does
  to get token ids out of the library;
- LayerForge, loader: :func:`core.data.encoder.text_tokens` on the column's distinct
  texts, then each row's ids by its code, as :class:`core.data.table_encode.TableEncoder`
  does (the CSV reader hands over distinct texts and codes);
- LayerForge, raw cells: :func:`core.data.encoder.encode_text` on the cells themselves
  (what prediction from a pandas frame and the standalone export do: strip, find the
  distinct texts, tokenize, cut and pad).

Both LayerForge sides give the float32 ``(rows, max_length)`` array the network takes.
Target (issue 12): LayerForge at least 0.5x the reference's speed (ratio = reference time /
LayerForge time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TARGET = 0.5


def make_sentences(count: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    vocabulary = ["".join(rng.choice(letters, rng.integers(2, 9))) for _ in range(5000)]
    lengths = rng.integers(4, 16, count)
    words = rng.choice(np.array(vocabulary, dtype=object), int(lengths.sum()))
    ends = np.cumsum(lengths)
    return [" ".join(words[end - n:end]) for end, n in zip(ends.tolist(), lengths.tolist())]


def fitted_column(texts: list[str], max_length: int = 16) -> dict:
    """A text column's preprocessing entry, trained on ``texts`` as the loader trains it."""
    import numpy as np

    from core.data.text import TextOptions, fit_text_column

    codes = np.arange(len(texts), dtype=np.int32)
    fitted = fit_text_column("text", texts, codes, codes, TextOptions(max_length=max_length), "bench")
    return fitted.column


def median_time(run, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int,
                        default=int(os.environ.get("LAYERFORGE_BENCH_SENTENCES", 1_000_000)))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    from core.data import encoder

    print(f"generating {args.sentences:,} sentences ...", flush=True)
    texts = make_sentences(args.sentences)
    column = fitted_column(texts)
    tokenizer = encoder.text_tokenizer(column)
    encode = getattr(tokenizer, "encode_batch_fast", None) or tokenizer.encode_batch
    length = column["max_length"]
    print(f"vocabulary {column['vocab_size']:,} tokens, max_length {length}, tokenizers"
          f" {__import__('tokenizers').__version__}, {os.cpu_count()} CPUs", flush=True)

    codes = np.arange(len(texts), dtype=np.int64)

    def reference():
        return [e.ids for e in encode(texts, add_special_tokens=False)]

    def loader():
        tokens, _lengths = encoder.text_tokens(column, texts)
        return tokens[codes]

    def raw_cells():
        return encoder.encode_text(column, texts)

    sides = {"reference": reference, "loader": loader, "raw cells": raw_cells}
    times: dict[str, list[float]] = {name: [] for name in sides}
    results = {}
    for _ in range(args.repeats):  # alternate the sides
        for name, run in sides.items():
            elapsed, results[name] = median_time(run, 1)
            times[name].append(elapsed)
    medians = {name: statistics.median(values) for name, values in times.items()}
    reference_ids = results["reference"]
    check = np.zeros((len(reference_ids), length), np.float32)
    for row, ids in zip(check, reference_ids):
        row[:min(len(ids), length)] = ids[:length]
    assert np.array_equal(results["loader"], check) and np.array_equal(results["raw cells"], check)

    rate = args.sentences / medians["reference"]
    print(f"reference (tokenizers directly): {medians['reference']:.3f} s ({rate:,.0f} sentences/s)")
    ok = True
    for name in ("loader", "raw cells"):
        ratio = medians["reference"] / medians[name]
        ok &= ratio >= TARGET
        print(f"LayerForge {name}: {medians[name]:.3f} s, speed ratio {ratio:.2f}x the reference"
              f" (target >= {TARGET}x): {'ok' if ratio >= TARGET else 'SLOWER THAN TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
