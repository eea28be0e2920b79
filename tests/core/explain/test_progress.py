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


def test_one_image_with_many_steps_reports_progress_inside_its_chunk(image_run):
    trained = load_trained_model(image_run)
    samples = validation_samples(trained).take([0])
    seen = []
    explain(trained, samples, "ig", options={"steps": 1000}, progress=lambda f, m: seen.append(f))
    inside = sorted({round(f, 3) for f in seen if 0 < f < 1})
    assert len(inside) >= 5  # 1000 steps go through in passes of 128 rows, each reported
    assert seen == sorted(seen) and seen[-1] == 1.0


def test_cancel_stops_one_long_image_between_its_passes(image_run):
    trained = load_trained_model(image_run)
    samples = validation_samples(trained).take([0])
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 3  # the chunk has begun; stop at its third pass

    with pytest.raises(Cancelled):
        explain(trained, samples, "ig", options={"steps": 1000}, cancel=cancel)
    assert len(asked) == 4  # far fewer than the 8 passes the steps need
