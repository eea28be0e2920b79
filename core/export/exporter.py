"""Export a finished run to one or more formats, verifying each before it is saved.

Each export is written into a hidden staging folder beside its destination
(``.<name>.XXXX.partial/``), loaded back with its own runtime and compared with the
in-app model on a validation batch (and on a batch of one, for the dynamic batch
dimension). Only when the largest relative difference is within
:data:`~core.export.formats.TOLERANCE` are the files moved into place (a rename, so the
destination holds either the previous version or the new one). A failed export is
deleted with its staging folder: nothing is left that looks like a valid model.

Before anything is written, every file an export will put in place is checked
(``core.overwrite``): the run's own files are never replaced, other existing files only
with ``overwrite``. A write the disk refuses (full, read-only) is one
:class:`ExportError` sentence, and the staging folder is deleted with what it held.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from core.data.dataset import Cancelled
from core.errors import ExportError
from core.export.formats import EXPORT_FORMATS, TOLERANCE, ExportFormat, default_path, unknown_format_message
from core.export.heads import ALL, PRIMARY, check_heads, exported_heads, outputs_note
from core.export.parts import CODE_PARTS, check_part, check_whole, latent_inputs, part_model
from core.export.source import VerifyInputs, export_record, open_run, verification_inputs
from core.export.verify import Difference
from core.overwrite import check_destinations, write_failure

Progress = Callable[[float, str], None]


@dataclass
class ExportResult:
    """What happened to one export."""

    format: str
    path: Path | None  # where it was saved; None when it failed
    verified: bool
    difference: Difference | None = None
    checked_on: str = ""  # "64 validation samples"
    error: str = ""  # why it failed, one sentence
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.verified and self.path is not None

    def line(self) -> str:
        """One line for the CLI and the dialog."""
        name = self.format
        if self.ok:
            text = (f"{name}: verified, max difference {self.difference.absolute:.2e}"
                    f" (relative {self.difference.relative:.2e}) on {self.checked_on} -> {self.path}")
        else:
            text = f"{name}: FAILED, {self.error}"
        for note in self.notes:
            text += f" [{note}]"
        return text


def parse_formats(text: str | list[str]) -> list[str]:
    """``"onnx,pt2"`` or ``"all"`` -> format names; an unknown one is an :class:`ExportError`."""
    names = text if isinstance(text, list) else [p.strip() for p in str(text).split(",") if p.strip()]
    if names == ["all"]:
        return list(EXPORT_FORMATS.names())
    for name in names:
        if name not in EXPORT_FORMATS:
            raise ExportError(unknown_format_message(name))
    if not names:
        raise ExportError(unknown_format_message(""))
    return list(dict.fromkeys(names))


def destination(out: str | Path | None, run_dir: Path, project_name: str, fmt: ExportFormat,
                several: bool) -> Path:
    """Where an export goes: ``out`` itself, or a default name inside the folder ``out``
    (or ``<run>/export/`` without ``out``). Refuses to replace a folder that is not a code
    export (even with ``overwrite``)."""
    if out is None:
        path = default_path(run_dir / "export", project_name, fmt)
    else:
        out = Path(out).expanduser()
        if several and out.exists() and not out.is_dir():
            raise ExportError(f"{out} is a file: with several formats, --out must be a folder")
        inside = several or (out.is_dir() and not (fmt.folder and fmt.made(out)))
        path = default_path(out, project_name, fmt) if inside else out
    if fmt.folder and path.exists() and not fmt.made(path) and (
            path.is_file() or any(path.iterdir())):
        raise ExportError(f"{path} already exists and is not a LayerForge code export, so it is"
                          " not replaced: choose another folder")
    if not fmt.folder and path.is_dir():
        raise ExportError(f"{path} is a folder: give a file name for the {fmt.title} export")
    return path


def _check(cancel) -> None:
    if cancel is not None and cancel():
        raise Cancelled()


def export_run(run_dir: str | Path, formats: str | list[str], out: str | Path | None = None,
               progress: Progress | None = None, cancel: Callable[[], bool] | None = None,
               *, overwrite: bool = True, part: str | None = None,
               heads: str = PRIMARY) -> list[ExportResult]:
    """Export the run in ``run_dir`` to each of ``formats``; one result per format.

    A person's mistake (not a run folder, a run that did not finish, an unknown format,
    a destination that exists when ``overwrite`` is false, one of the run's own files)
    raises :class:`ExportError` before anything is written; so does a disk that refuses
    the files (nothing is left behind then). A format that cannot be converted or does
    not verify gives a failed result and leaves nothing behind.

    ``part`` (``decoder`` or ``encoder``; a GAN's ``generator`` or ``discriminator``) exports
    that part alone (:mod:`core.export.parts`), as ONNX or ``.pt2``; a GAN has no whole.

    ``heads="all"`` exports every head of a network with several Outputs (one output per
    Output, named by its id: :mod:`core.export.heads`); the default is the primary head's.
    """
    report = progress or (lambda fraction, message: None)
    names = parse_formats(formats)
    if part is not None:
        check_part(part, names)
    check_heads(heads, names, part)
    run_dir = Path(run_dir).expanduser()
    report(0.0, f"opening {run_dir.name}")
    trained = open_run(run_dir)
    if part is not None:
        trained = part_model(trained, part)
    else:
        check_whole(trained)
    if heads == ALL:
        from core.export.every_head import every_head

        trained = every_head(trained)
    stem = trained.project.name + (f" {part}" if part else "")
    jobs = [_Job(name, destination(out, run_dir, stem, EXPORT_FORMATS.get(name),
                                   len(names) > 1))
            for name in names]
    run_files = [("a file of the run", f) for f in run_dir.iterdir() if f.is_file()]
    for job in jobs:
        check_destinations(job.targets(), overwrite=overwrite, inputs=run_files, error=ExportError)
    _check(cancel)
    report(0.05, "reading validation data to check the exports on")
    if part in CODE_PARTS:
        codes = latent_inputs(trained)
        inputs = VerifyInputs(codes, f"{len(codes)} random latent codes")
    else:
        inputs = verification_inputs(trained)
    record = export_record(trained)
    try:
        for i, job in enumerate(jobs):
            _check(cancel)
            report(0.15 + 0.55 * i / len(jobs), f"writing {job.fmt.title}")
            job.write(trained, inputs.x, record)
        _check(cancel)
        _verify(trained, jobs, inputs.x, report)
        _check(cancel)
        results = [job.finish(inputs.what) for job in jobs]
        if exported_heads(trained):  # the line printed names the outputs
            for result in results:
                result.notes.append(outputs_note(trained))
    finally:
        for job in jobs:
            job.discard()
    report(1.0, "done")
    return results


class _Job:
    """One format on its way: staged, written, verified, then moved into place or dropped."""

    def __init__(self, name: str, path: Path) -> None:
        self.name, self.path = name, Path(path).resolve()
        self.fmt = EXPORT_FORMATS.get(name)
        self.stage: Path | None = None
        self.error = ""
        self.difference: Difference | None = None
        self.notes: list[str] = []

    @property
    def staged(self) -> Path:
        return self.stage / self.path.name

    def targets(self) -> list[Path]:
        """Every file (or the folder) this export puts in place."""
        return self.fmt.targets(self.path)

    def write(self, trained, sample, record: dict[str, Any]) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.stage = Path(tempfile.mkdtemp(prefix=f".{self.path.name}.", suffix=".partial",
                                               dir=self.path.parent))
        except OSError as err:
            raise ExportError(write_failure(self.path.parent, err)) from None
        try:
            self.notes = self.fmt.write_to(trained, self.staged, sample, record, final_dir=self.path.parent)
        except ExportError as err:
            self.error = str(err)
        except OSError as err:  # a full disk, a folder that became read-only
            raise ExportError(write_failure(self.path, err)) from None

    def finish(self, checked_on: str) -> ExportResult:
        notes = ([self.fmt.deprecated] if self.fmt.deprecated else []) + self.notes
        if not self.error and self.difference is not None and not self.difference.ok:
            d = self.difference
            self.error = (f"its outputs differ from the in-app model by up to {d.absolute:.3g}"
                          f" (relative {d.relative:.3g}, more than {TOLERANCE:g}) on {checked_on}")
        if self.error or self.difference is None:
            return ExportResult(self.name, None, False, self.difference, checked_on, notes=notes,
                                error=f"{self.error or 'it was not checked'}; nothing was saved")
        try:
            _move_into_place(self.stage, self.staged, self.path)
        except OSError as err:
            raise ExportError(write_failure(self.path, err)) from None
        return ExportResult(self.name, self.path, True, self.difference, checked_on, notes=notes)

    def discard(self) -> None:
        if self.stage is not None:
            shutil.rmtree(self.stage, ignore_errors=True)


def _verify(trained, jobs: list[_Job], x, report: Progress) -> None:
    """In-process checks first (ONNX Runtime, safetensors), then one clean process for the rest."""
    from core.export.verify import batches_to_check, compare_outputs, outputs_in_clean_process

    pending = [job for job in jobs if not job.error]
    clean = {job.name: job for job in pending if job.fmt.checked_in_clean_process}
    for job in pending:
        if job.name in clean:
            continue
        report(0.7, f"checking {job.fmt.title} against the in-app model")
        try:
            job.difference = job.fmt.verify_here(trained, job.staged, x)
        except ExportError as err:
            job.error = str(err)
    if not clean:
        return
    report(0.8, "loading " + ", ".join(j.fmt.title for j in clean.values())
           + " in a fresh Python process without LayerForge")
    batches = batches_to_check(x)
    checks = {name: job.fmt.clean_check_of(job.staged) for name, job in clean.items()}
    for name, outputs in outputs_in_clean_process(checks, batches, next(iter(clean.values())).stage).items():
        if isinstance(outputs, str):
            clean[name].error = ("it could not be loaded in a fresh Python process without"
                                 f" LayerForge: {outputs}")
        else:
            clean[name].difference = compare_outputs(trained, batches, outputs)


def _move_into_place(stage: Path, staged: Path, path: Path) -> None:
    """Rename the verified files from the staging folder to their destination."""
    if staged.is_dir():
        old = stage / ".previous"
        if path.exists():
            os.replace(path, old)
        try:
            os.replace(staged, path)
        except OSError:
            if old.exists():  # the earlier export goes back where it was
                os.replace(old, path)
            raise
        return
    for item in sorted(stage.iterdir()):
        if item.is_file() and not item.name.startswith("."):
            os.replace(item, path.parent / item.name)
