"""Long attributions report progress and stop when cancelled (between chunks of samples)."""

from __future__ import annotations

import pytest

from core.data import Cancelled
from core.explain import explain, validation_samples
from core.train import load_trained_model


def test_progress_goes_up_to_one_chunk_by_chunk(table_run):
    trained = load_trained_model(table_run)
    samples = validation_samples(trained).take(range(10))
    seen = []
    explain(trained, samples, "smoothgrad", chunk=4, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _m in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("samples 5–8 of 10" in m for _f, m in seen)


def test_cancel_stops_before_the_next_chunk(table_run):
    trained = load_trained_model(table_run)
    samples = validation_samples(trained).take(range(10))
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 1  # let the first chunk through

    with pytest.raises(Cancelled):
        explain(trained, samples, "integrated_gradients", chunk=4, cancel=cancel)
    assert len(calls) == 2
