"""The data-kind registry: one :class:`DataSource` per ``data.kind`` of a project file.

Each kind registers itself at the bottom of its own module (``core.data.csv_source``,
``core.data.image_source``, ``core.data.builtin``); importing :mod:`core.data` imports
them all. Everything that depends on the kind (``describe``, ``load``, what the CLI's
``--data PATH`` means, the designer's words for the data) goes through :data:`SOURCES`,
so a new kind (text, ...) is one module that registers a spec, plus its test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from core.errors import DataError, UnknownNameError
from core.registry import Registry, closest

if TYPE_CHECKING:  # pragma: no cover
    from core.data.dataset import CancelCallback, DataInfo, Dataset, ProgressCallback

#: ``describe(spec, base_dir) -> DataInfo``
Describe = Callable[[dict, Path], "DataInfo"]
#: ``load(spec, base_dir, progress, cancel, cache_dir) -> Dataset``; progress, cancel and
#: cache_dir may be None.
Load = Callable[[dict, Path, "ProgressCallback | None", "CancelCallback | None", "Path | None"],
                "Dataset"]


def _path_name(spec: dict[str, Any]) -> str:
    return Path(str(spec.get("path", ""))).name


@dataclass(frozen=True)
class DataSource:
    """Everything LayerForge knows about one kind of data.

    ``options`` are the keys of the ``data`` section this kind reads besides ``kind``
    (their checks and defaults live in the kind's options parser), ``required`` those
    that must be given. ``preprocessing_kinds`` are the ``kind`` values the loader writes
    into ``preprocessing.json``: prediction and export (:mod:`core.data.predict`) encode
    new inputs by them; ``predict_input`` says in words what prediction reads.
    """

    name: str
    title: str
    doc: str
    describe: Describe
    load: Load
    options: tuple[str, ...]
    required: tuple[str, ...]
    preprocessing_kinds: tuple[str, ...]
    predict_input: str
    #: The project's data in a few words (the gallery's cards): ``Data: the table iris.csv``.
    summary: Callable[[dict], str]
    #: The Edit menu's words for loading it: ``Load data from iris.csv``.
    action: Callable[[dict], str]
    #: Whether a path given alone (``layerforge check --data PATH``) is this kind of data.
    opens: Callable[[Path], bool] | None = None
    #: ``read_options(spec, base_dir)``: the kind's typed settings (``CsvOptions``,
    #: ``ImageOptions``, ``BuiltinOptions``) read from a data section without opening any
    #: file; a :class:`DataError` with one sentence for the first wrong value. ``describe``
    #: and ``load`` read the section through it, and so does ``project.data.problems()``,
    #: so the Problems panel, ``check`` and a run's start judge a value alike.
    read_options: Callable[[dict, Path], Any] | None = None


class UnknownDataKind(DataError, UnknownNameError):
    """A ``data.kind`` that no registered :class:`DataSource` has."""


class DataSources(Registry[DataSource]):
    """Data kinds by ``data.kind``; :meth:`of` answers for a project's data section."""

    def __init__(self) -> None:
        super().__init__("data kind")

    def unknown(self, name: object) -> Exception:
        known = [repr(n) for n in self.names()]
        choices = ", ".join(known[:-1]) + " or " + known[-1] if len(known) > 1 else "".join(known)
        text = f"data.kind must be {choices}, got {name!r}"
        near = closest(name, list(self.names()), n=1)
        if near:
            text += f": did you mean {near[0]!r}?"
        return UnknownDataKind(text, subject=self.subject, name=name, location="data.kind")

    def of(self, spec: Any) -> DataSource:
        """The kind of a project's ``data`` section; a :class:`DataError` when there is none."""
        if not isinstance(spec, dict):
            raise DataError("the project has no data yet: load a CSV file, an image folder, or"
                            " choose a built-in dataset")
        return self.get(spec.get("kind"))

    def for_path(self, path: Path) -> DataSource:
        """The first kind that opens ``path`` (a folder of images, else a table)."""
        for source in self:
            if source.opens is not None and source.opens(path):
                return source
        raise DataError(f"{path} is neither a data file nor a folder LayerForge can read")


#: The one data-kind registry; importing :mod:`core.data` fills it.
SOURCES = DataSources()


def file_summary(words: str) -> Callable[[dict], str]:
    """``Data: <words> <file name>`` for kinds that read one path."""
    return lambda spec: f"Data: {words} {_path_name(spec)}"


def file_action(verb: str) -> Callable[[dict], str]:
    """``<verb> <file name>`` (or ``data``) for the Edit menu."""
    return lambda spec: f"{verb} {_path_name(spec) or 'data'}"
