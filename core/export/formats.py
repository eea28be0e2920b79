"""The export-format registry: one :class:`ExportFormat` per ``--format`` name. Imports nothing heavy.

Each entry carries what people see (title, one-line description, default file name)
and where its writer and verifier live, as ``"module:function"`` strings imported only
when an export runs (so the Export dialog and ``layerforge export --help`` never import
torch or onnx). :mod:`core.export.exporter` runs every format the same way from them.
A new format is its writer module, one ``EXPORT_FORMATS.register(...)`` below, a row in
docs/export.md and nothing else: ``tests/core/export/test_format_registry.py`` exports
and verifies every registered format.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from core.registry import Registry


def _resolve(ref: str) -> Callable:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


@dataclass(frozen=True)
class ExportFormat:
    """One way to export a trained model.

    ``write`` is ``write(trained, path, sample, record)`` (plus ``final_dir=``, the folder
    the files end up in, when ``wants_final_dir``). A format is verified either in this
    process, ``verify(trained, path, x) -> Difference``, or, with ``clean_check`` instead,
    by loading it in a fresh Python process that cannot import LayerForge
    (``clean_check(path) -> CleanCheck``). ``outputs(path)`` lists every file it puts at the
    destination when that is more than ``path`` itself.
    """

    name: str  # the CLI's --format value
    title: str  # what the dialog shows
    description: str  # one line: what it is and who loads it
    suffix: str  # the default file name's ending ("" for a folder)
    write: str  # "module:function"
    verify: str = ""  # "module:function", in this process
    clean_check: str = ""  # "module:function", in a fresh process without LayerForge
    outputs: str = ""  # "module:function"; default: the destination only
    short: str = ""  # a word or two for lists ("ONNX", ".pt2"); default: the title
    folder: bool = False  # writes a folder rather than one file
    marks: tuple[str, ...] = ()  # files that show a folder is an earlier export of this format
    wants_final_dir: bool = False
    deprecated: str = ""  # why not to choose it (shown beside it), or ""

    def __post_init__(self) -> None:
        if bool(self.verify) == bool(self.clean_check):
            raise ValueError(f"export format {self.name!r} needs exactly one of verify and clean_check")

    @property
    def checked_in_clean_process(self) -> bool:
        return bool(self.clean_check)

    def write_to(self, trained, path: Path, sample, record: dict[str, Any], final_dir: Path) -> list[str]:
        """Write the export at ``path`` (a staging folder); ``final_dir`` is where it will end up.
        Returns the writer's notes for the person (e.g. which exporter made the file)."""
        extra = {"final_dir": final_dir} if self.wants_final_dir else {}
        return list(_resolve(self.write)(trained, path, sample, record, **extra) or [])

    def verify_here(self, trained, path: Path, x):
        """The :class:`~core.export.verify.Difference` from the in-app model (in this process)."""
        return _resolve(self.verify)(trained, path, x)

    def clean_check_of(self, path: Path):
        """The :class:`~core.export.verify.CleanCheck` that loads ``path`` in a fresh process."""
        return _resolve(self.clean_check)(path)

    def made(self, folder: Path) -> bool:
        """Whether ``folder`` holds an earlier export of this format (which may be replaced)."""
        return bool(self.marks) and all((folder / name).is_file() for name in self.marks)

    def targets(self, path: Path) -> list[Path]:
        """Every file (or the folder) this export puts in place at ``path``."""
        return list(_resolve(self.outputs)(path)) if self.outputs else [path]


class FormatView(Mapping):
    """``FORMATS``: the registry read as a ``{name: ExportFormat}`` mapping, in registration order."""

    def __init__(self, registry: Registry[ExportFormat]) -> None:
        self._registry = registry

    def __getitem__(self, name: str) -> ExportFormat:
        if name not in self._registry:
            raise KeyError(name)
        return self._registry.get(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._registry.names())

    def __len__(self) -> int:
        return len(self._registry)


#: The one export-format registry, in the order the dialog and ``--help`` list them.
EXPORT_FORMATS: Registry[ExportFormat] = Registry("export format")
#: The registry as a mapping (the name older code and the public API use).
FORMATS = FormatView(EXPORT_FORMATS)
#: What the dialog selects first and ``--format`` means when not given.
DEFAULT_FORMAT = "onnx"

EXPORT_FORMATS.register(ExportFormat(
    "onnx", "ONNX",
    "One self-contained .onnx file for ONNX Runtime and other ONNX tools; class"
    " names and feature names in its metadata.", ".onnx",
    write="core.export.onnx_format:write", verify="core.export.onnx_format:verify",
    outputs="core.export.onnx_format:outputs"))
EXPORT_FORMATS.register(ExportFormat(
    "pt2", "PyTorch ExportedProgram (.pt2)",
    "torch.export's format: torch.export.load() gives the model back in any"
    " PyTorch 2 program, without LayerForge.", ".pt2", short=".pt2",
    write="core.export.pt2_format:write", clean_check="core.export.pt2_format:clean_check"))
EXPORT_FORMATS.register(ExportFormat(
    "safetensors", "Weights (safetensors)",
    "The trained weights as safetensors, with the project (.lfproj) and"
    " preprocessing.json beside them, to continue in LayerForge or load by hand.",
    ".safetensors", short="safetensors", wants_final_dir=True,
    write="core.export.weights_format:write", verify="core.export.weights_format:verify",
    outputs="core.export.weights_format:outputs"))
EXPORT_FORMATS.register(ExportFormat(
    "python", "Standalone PyTorch code",
    "A folder with model.py (a plain nn.Module), the weights, predict.py and"
    " train.py: runs with torch, numpy and safetensors only.", "_pytorch", folder=True,
    short="Python code", marks=("model.py", "preprocessing.json"),
    write="core.export.python_format:write", clean_check="core.export.python_format:clean_check"))
EXPORT_FORMATS.register(ExportFormat(
    "torchscript", "TorchScript (deprecated)",
    "A traced TorchScript file for LibTorch (C++) programs.", ".torchscript.pt", short="TorchScript",
    write="core.export.torchscript_format:write",
    clean_check="core.export.torchscript_format:clean_check",
    deprecated="TorchScript is deprecated by PyTorch: prefer .pt2 or ONNX"))

#: The largest relative difference an export may show against the in-app model.
TOLERANCE = 1e-4


def unknown_format_message(name: str) -> str:
    return (f"there is no export format {name!r}: choose one of {', '.join(EXPORT_FORMATS.names())}"
            " (or 'all')")


def slug(name: str) -> str:
    """A file-name stem from a project name: ``Spiral MLP`` -> ``spiral_mlp``."""
    text = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()
    return text or "model"


def default_path(folder: str | Path, project_name: str, fmt: ExportFormat) -> Path:
    """Where an export goes when no file name is given: ``<folder>/<slug><suffix>``."""
    return Path(folder) / f"{slug(project_name)}{fmt.suffix}"
