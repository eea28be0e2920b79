"""How training in the window shares the machine with the GUI thread (issue 16): torch in the
training thread leaves a core to the GUI thread, the GUI thread gets a bounded number of batch
deliveries however many batches an epoch has, and the plots' timer redraws keep to their share
of a busy GUI thread (fake clocks: no wall-clock assertion)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from designer.training.relay import UPDATES_PER_SECOND
from designer.training.threads import training_threads
from tests.designer.test_training_helpers import (example_copy, open_project, train_and_wait,  # noqa: F401
                                                  training)


@pytest.fixture
def many_batches(tmp_path, qtbot, window, training):
    """The spiral example with 3 epochs of 200 batches each (4000 points, batch 16)."""
    path = example_copy(tmp_path, "spiral_mlp", data={"samples": 4000},
                        training={"epochs": 3, "batch_size": 16})
    open_project(qtbot, window, path)
    return path


def threads_of_a_new_thread() -> int:
    """torch's thread count as a thread started now sees it (the process-wide setting)."""
    import threading

    import torch

    seen = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


def test_threads_leave_one_core_and_the_persons_choice_wins(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert training_threads(cores=8) == 7
    assert training_threads(cores=2) == 1
    assert training_threads(cores=1) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert training_threads(cores=2) == 3


def test_training_in_the_window_leaves_a_core_and_sends_few_batch_updates(qtbot, window, training,
                                                                          many_batches, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    threads_before = threads_of_a_new_thread()
    result = train_and_wait(qtbot, training)
    assert result.status == "completed", result.reason
    record = json.loads((training.session.run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["threads"] == training_threads()  # what the training thread ran with
    assert threads_of_a_new_thread() == threads_before  # given back when the run ended
    live = training.session.live
    batches = live.batches_per_epoch * 3
    assert batches >= 600 and len(live.batch_x) == batches  # every loss reached the plots...
    # ...in a few deliveries: at most UPDATES_PER_SECOND a second, plus one at each epoch's end
    deliveries = live.versions["batches"]
    assert deliveries <= UPDATES_PER_SECOND * result.seconds + 3 + 1
    assert deliveries < batches / 10


class Clocks:
    """The plots' wall clock and GUI-thread CPU clock, advanced by the test."""

    def __init__(self) -> None:
        self.wall, self.cpu = 100.0, 5.0

    def clocks(self):
        return (lambda: self.wall, lambda: self.cpu)


def live_run_with_batches(count: int):
    from designer.training.live import LiveRun

    live = LiveRun()
    live.start(batches_per_epoch=100, epochs=3)
    live.add_batches(np.arange(1, count + 1), np.linspace(2.0, 1.0, count), 0.01)
    return live


def tick(plots, clocks: Clocks, seconds: float, busy: float) -> None:
    """A timer tick ``seconds`` after the previous one, the GUI thread busy ``busy`` of it."""
    clocks.wall += seconds
    clocks.cpu += busy * seconds
    plots.timer.timeout.emit()


def ticked_plots(qtbot):
    """Shown training plots whose timer the test ticks, on clocks it sets: ``(plots, clocks)``."""
    from designer.training.plots import TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    plots.timer.stop()  # the test ticks it
    plots.show()
    qtbot.waitExposed(plots)
    clocks = Clocks()
    plots.clocks = clocks.clocks()
    return plots, clocks


def test_timer_redraws_keep_to_their_share_of_a_busy_gui_thread(qtbot):
    from designer.training.plots import DRAW_SHARE, MAX_DRAW_WAIT

    plots, clocks = ticked_plots(qtbot)
    live = live_run_with_batches(50)
    plots.set_live(live)
    smooth = plots.overview.loss.smooth
    # a quiet GUI thread: every tick draws
    for _ in range(5):
        tick(plots, clocks, 0.1, busy=DRAW_SHARE / 2)
    assert plots.paced_ticks == 0
    # a GUI thread busy four times its share: ticks are skipped, none for longer than MAX_DRAW_WAIT
    live.add_batches(np.arange(51, 101), np.linspace(1.0, 0.5, 50), 0.01)
    ticks, drawn_at = 20, []
    for number in range(ticks):
        skipped = plots.paced_ticks
        tick(plots, clocks, 0.1, busy=4 * DRAW_SHARE)
        if plots.paced_ticks == skipped:
            drawn_at.append(number)
    assert 0 < len(drawn_at) < ticks / 2
    assert all(b - a <= round(MAX_DRAW_WAIT / 0.1) + 1 for a, b in zip(drawn_at, drawn_at[1:]))
    # nothing is lost: a drawn tick shows every batch that arrived meanwhile
    assert len(smooth.xData) == len(live.batch_x) == 100
    # a tab change draws at once, whatever the pacing
    live.add_batches(np.arange(101, 121), np.linspace(0.5, 0.4, 20), 0.01)
    plots.tabs.setCurrentWidget(plots.loss)
    assert len(plots.loss.loss.smooth.xData) == 120
