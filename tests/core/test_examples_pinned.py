"""Every shipped example learns what it learned before a change of the spine.

The pins (tests/core/pinned/example_metrics.json) were first written by the commit
before several Inputs and Outputs existed (900659c) and were identical, bit for bit,
after it. Regenerate them only for a change meant to alter training:
``python -m tests.core.pinned.example_metrics > tests/core/pinned/example_metrics.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.pinned.example_metrics import EXAMPLES, example_metrics

PINS = json.loads((Path(__file__).parent / "pinned" / "example_metrics.json").read_text())


def test_every_shipped_example_has_pinned_metrics():
    assert sorted(PINS) == sorted(path.name for path in EXAMPLES.glob("*.lfproj"))


@pytest.mark.parametrize("name", sorted(PINS))
def test_example_trains_to_its_pinned_metrics(name, tmp_path):
    got = example_metrics(EXAMPLES / name, tmp_path)
    assert got.keys() == PINS[name].keys()
    for key, pinned in PINS[name].items():
        # Same seed, one thread: equal here; other CPUs may round a last digit differently.
        assert got[key] == pytest.approx(pinned, rel=1e-4, abs=1e-6), key
