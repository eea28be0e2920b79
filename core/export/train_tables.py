"""The optimiser and loss tables of the standalone ``train.py``, written from the registries.

``train.py`` runs without LayerForge, so it cannot ask :mod:`core.train.optimizers` or
:mod:`core.train.losses` which torch class a name means. Its source carries two empty
tables (``OPTIMIZERS: dict = {}``, ``LOSSES: dict = {}``); :func:`with_tables` fills them
when the folder is exported, so a new registry entry reaches exported code with no edit
to ``train.py``, and a name missing there is refused there with a clear sentence.
"""

from __future__ import annotations

from typing import Any, Callable

from core.errors import ExportError
from core.train.losses import LOSSES
from core.train.optimizers import OPTIMIZERS


def optimizer_table() -> dict[str, tuple[str, tuple[str, ...]]]:
    """optimiser name -> (``torch.optim`` class, the training settings it takes by name)."""
    return {spec.name: (spec.torch_class, spec.settings) for spec in OPTIMIZERS}


def loss_table() -> dict[str, tuple[str, dict[str, str]]]:
    """loss name -> (``torch.nn`` class, {its keyword: the training setting that gives it})."""
    return {spec.name: (spec.torch_class, dict(spec.options)) for spec in LOSSES}


#: The placeholder line of train.py each table replaces.
TABLES: dict[str, Callable[[], dict[str, Any]]] = {
    "OPTIMIZERS: dict = {}": optimizer_table,
    "LOSSES: dict = {}": loss_table,
}


def with_tables(source: str) -> str:
    """``train.py``'s source with its tables filled in (one entry per line)."""
    for placeholder, table in TABLES.items():
        if source.count(placeholder + "\n") != 1:
            raise ExportError(f"core/export/standalone/train.py lacks the line {placeholder!r}"
                              " that LayerForge fills in: reinstall LayerForge")
        head = placeholder.removesuffix("{}")
        body = "".join(f"    {name!r}: {value!r},\n" for name, value in table().items())
        source = source.replace(placeholder + "\n", head + "{\n" + body + "}\n")
    return source
