"""A real short-text topic set made on this machine: first paragraphs of library docstrings.

The text benchmark needs real sentences written by people, in several imbalanced topics,
and no file may be downloaded. The docstrings of the libraries installed here are such
text: each row is the first paragraph of one docstring (a class, function or method),
labelled by the library it documents. Eight topics, 2,000 rows, imbalanced like a real
ticket or title set (500 down to 150 rows):

numpy (array maths), torch.nn (neural network layers), tkinter (GUI widgets), asyncio
(asynchronous I/O), email (messages and MIME), xml (parsers and DOM), logging (handlers
and loggers), web (http and urllib).

The rows depend on the library versions installed, so the file is made when the benchmark
runs, not shipped. Run ``python -m tests.bench.docstring_topics OUT.csv`` to write it.
"""

from __future__ import annotations

import csv
import importlib
import inspect
import pkgutil
import random
import sys
from pathlib import Path

#: label -> (packages whose docstrings it takes, rows kept)
TOPICS: dict[str, tuple[tuple[str, ...], int]] = {
    "numpy": (("numpy",), 500),
    "torch.nn": (("torch.nn",), 350),
    "tkinter": (("tkinter",), 250),
    "asyncio": (("asyncio",), 200),
    "email": (("email",), 150),
    "xml": (("xml",), 150),
    "logging": (("logging",), 150),
    "web": (("http", "urllib"), 150),
}


def first_paragraph(doc: str) -> str:
    """A docstring's first paragraph on one line."""
    return " ".join(inspect.cleandoc(doc).strip().split("\n\n")[0].split())


def _modules(root: str) -> list:
    package = importlib.import_module(root)
    modules = [package]
    for info in pkgutil.walk_packages(getattr(package, "__path__", []), root + "."):
        parts = info.name.split(".")[1:]
        if any(part.startswith("_") or "test" in part for part in parts):
            continue
        try:
            modules.append(importlib.import_module(info.name))
        except BaseException:  # noqa: BLE001 - an optional sub-module that cannot import here
            continue
    return modules


def docstrings(root: str) -> set[str]:
    """First paragraphs (25 to 250 characters) of the public docstrings under ``root``."""
    home = root.split(".")[0]
    texts: set[str] = set()
    for module in _modules(root):
        for name, obj in list(vars(module).items()):
            if name.startswith("_") or not str(getattr(obj, "__module__", "") or "").startswith(home):
                continue
            members = [obj]
            if inspect.isclass(obj):
                members += [v for k, v in vars(obj).items() if not k.startswith("_")]
            for member in members:
                doc = getattr(member, "__doc__", None)
                if isinstance(doc, str):
                    text = first_paragraph(doc)
                    if 25 < len(text) < 250:
                        texts.add(text)
    return texts


def rows(seed: int = 0) -> list[tuple[str, str]]:
    """(text, label) rows, shuffled; a text found under two topics is dropped from both."""
    found = {label: set().union(*(docstrings(root) for root in roots))
             for label, (roots, _) in TOPICS.items()}
    seen: dict[str, int] = {}
    for texts in found.values():
        for text in texts:
            seen[text] = seen.get(text, 0) + 1
    rng = random.Random(seed)
    out: list[tuple[str, str]] = []
    for label, (_, count) in TOPICS.items():
        unique = sorted(t for t in found[label] if seen[t] == 1)
        out += [(text, label) for text in rng.sample(unique, min(count, len(unique)))]
    rng.shuffle(out)
    return out


def write(path: Path, seed: int = 0) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows(seed))
    return path


if __name__ == "__main__":
    target = write(Path(sys.argv[1] if len(sys.argv) > 1 else "docstring_topics.csv"))
    print(f"wrote {target}")
