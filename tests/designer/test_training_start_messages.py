"""After F5 the panel says at once what is being prepared, phase by phase, until the run starts."""

from __future__ import annotations

from tests.designer.test_training_helpers import spiral, train_and_wait, training  # noqa: F401


def test_each_phase_before_the_first_batch_is_said(qtbot, window, training, spiral):
    said: list[str] = []
    training.session.loading.connect(lambda fraction, message: said.append(message))
    shown: list[str] = []
    training.session.loading.connect(lambda fraction, message: shown.append(training.panel.status.text()))
    assert train_and_wait(qtbot, training).status == "completed"
    assert said[0] == "Loading the data…"
    phases = [m for m in said if m in ("Building the network…",
                                       "Setting up the device and the optimiser, then the first batch…")]
    assert phases == ["Building the network…",
                      "Setting up the device and the optimiser, then the first batch…"]
    assert shown and shown[-1] == said[-1]  # the panel shows each message as it comes
