"""Every registry refuses a second registration of a name, for every entry it holds.

One test for the eight registries of domain lists (core.registry.Registry); the per-
registry files test what differs (unknown-name sentences, a real use, the docs).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.errors import LayerForgeError, UnknownNameError

from core.data.sources import SOURCES
from core.export.formats import EXPORT_FORMATS
from core.train.losses import LOSSES
from core.train.metric_specs import METRICS
from core.train.optimizers import OPTIMIZERS
from core.train.probes.registry import PROBES
from core.train.schedules import SCHEDULES
from core.tasks import TASKS

REGISTRIES = (OPTIMIZERS, SCHEDULES, LOSSES, METRICS, SOURCES, EXPORT_FORMATS, PROBES, TASKS)
ENTRIES = [(registry, name) for registry in REGISTRIES for name in registry.names()]


@pytest.mark.parametrize("registry, name", ENTRIES, ids=[f"{r.subject}:{n}" for r, n in ENTRIES])
def test_a_second_registration_is_refused(registry, name):
    with pytest.raises(ValueError, match=f"{registry.subject} '{name}' is already registered"):
        registry.register(registry.get(name))
    assert name in registry and name in registry.names() and registry.get(name).name == name


@pytest.mark.parametrize("registry, name", ENTRIES, ids=[f"{r.subject}:{n}" for r, n in ENTRIES])
def test_a_near_miss_is_one_sentence_naming_the_entry(registry, name):
    for typo in (name + "x", name.upper()):  # a slip, and the case (pointed out, not guessed)
        with pytest.raises(UnknownNameError) as caught:
            registry.get(typo)
        sentence = str(caught.value)
        assert isinstance(caught.value, LayerForgeError) and "\n" not in sentence
        assert repr(typo) in sentence and f"did you mean {name!r}" in sentence, sentence


#: Every registry module, and what reads it before a run starts (the designer's GUI thread,
#: the CLI's help): importing them must not load torch, onnx or onnxruntime.
REGISTRY_MODULES = ("core.train.optimizers", "core.train.schedules", "core.train.losses",
                    "core.train.metric_specs", "core.train.spec", "core.schema_gen",
                    "core.export.train_tables", "core.data.sources", "core.export",
                    "core.export.formats", "core.cli.export", "core.train.probes",
                    "core.train.probes.registry", "core.tasks")


def test_importing_the_registries_loads_no_torch_and_no_onnx():
    code = (f"import sys; import {', '.join(REGISTRY_MODULES)};"
            " heavy = [m for m in ('torch', 'onnx', 'onnxruntime') if m in sys.modules];"
            " assert not heavy, heavy")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parents[2],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
