"""The window stays calm while it trains (issue 16): a timer redraw draws the shown tab one
plot per chunk, a new run goes back to the Overview when the shown tab goes, and a run trains
with the garbage collector's old objects frozen, unfrozen when it ends. Fake clocks: no
wall-clock assertion."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import numpy as np
import pytest

from designer.training.interpreter import TrainingInterpreter
from tests.designer.test_training_helpers import spiral, train_and_wait, training  # noqa: F401
from tests.designer.test_training_pacing import live_run_with_batches, tick, ticked_plots


def add_norms(live, step: int) -> None:
    live.add_snapshot(SimpleNamespace(kind="norms", layers=["dense_1", "dense_2"], step=step,
                                      weight_norm=[1.0 + step / 100, 2.0], grad_norm=[0.1, 0.2]))


@pytest.fixture
def plots(qtbot):
    widget, clocks = ticked_plots(qtbot)
    widget.test_clocks = clocks
    return widget


def overview_drawn(plots) -> tuple[int, int]:
    """(loss points, gradient-norm points) the Overview shows."""
    overview = plots.overview
    return len(overview.loss.smooth.xData), len(overview.grads.curves[0].xData)


def test_a_timer_redraw_draws_one_plot_per_chunk_and_every_changed_plot_in_the_round(plots, qtbot):
    from designer.training.plots import MAX_CHUNKS, SETS_PER_CHUNK

    assert SETS_PER_CHUNK == 1 and MAX_CHUNKS >= 6  # the Overview's plots fit in one round
    live = live_run_with_batches(10)
    add_norms(live, 10)
    plots.set_live(live)  # a new run: the whole tab at once
    assert overview_drawn(plots) == (10, 1)
    live.add_batches(np.arange(11, 21), np.linspace(1.0, 0.9, 10), 0.01)
    add_norms(live, 20)
    tick(plots, plots.test_clocks, 0.1, busy=0.0)
    # the tick itself draws one of the two changed plots...
    assert sorted(a != b for a, b in zip((10, 1), overview_drawn(plots))) == [False, True]
    assert plots.chunk_timer.isActive()
    # ...and the next chunk, once the event loop has gone round, the other one
    qtbot.waitUntil(lambda: overview_drawn(plots) == (20, 2), timeout=2000)
    qtbot.waitUntil(lambda: not plots.chunk_timer.isActive(), timeout=2000)  # the round ends
    redraws = plots.redraws
    qtbot.wait(50)
    assert plots.redraws == redraws  # nothing changed: no chunk draws


def test_a_tab_change_draws_the_whole_tab_and_ends_the_round(plots, qtbot):
    live = live_run_with_batches(10)
    add_norms(live, 10)
    plots.set_live(live)
    plots.tabs.setCurrentWidget(plots.norms)  # shown: drawn whole
    norms = plots.norms
    add_norms(live, 20)
    tick(plots, plots.test_clocks, 0.1, busy=0.0)
    assert sorted([len(norms.weights.curves[0].xData), len(norms.grads.curves[0].xData)]) == [1, 2]
    qtbot.waitUntil(lambda: len(norms.weights.curves[0].xData) == len(norms.grads.curves[0].xData) == 2,
                    timeout=2000)
    # another tab is drawn whole when it is shown, and a round under way stops
    live.add_batches(np.arange(11, 31), np.linspace(1.0, 0.9, 20), 0.01)
    add_norms(live, 30)
    tick(plots, plots.test_clocks, 0.1, busy=0.0)
    plots.tabs.setCurrentWidget(plots.overview)
    assert overview_drawn(plots) == (30, 3)
    assert not plots._chunks_left


def test_a_new_run_shows_the_overview_when_the_shown_tab_goes(plots, monkeypatch):
    finished = live_run_with_batches(10)
    finished.report = object()  # the last run's final report: the Results tab is there...
    monkeypatch.setattr(plots.results, "update_from", lambda live: False)  # ...(not drawn here)
    plots.set_live(finished)
    plots._set_tab_visibility()
    plots.tabs.setCurrentWidget(plots.results)
    assert plots.tabs.currentWidget() is plots.results
    plots.tabs.setCurrentWidget(plots.norms)  # a tab beside it stays as it is...
    plots.set_live(live_run_with_batches(5))
    assert plots.tabs.currentWidget() is plots.norms
    plots.set_live(finished)
    plots.tabs.setCurrentWidget(plots.results)
    plots.set_live(live_run_with_batches(5))  # ...but when the shown tab goes, the Overview comes
    assert plots.tabs.currentWidget() is plots.overview


def test_the_collector_is_frozen_for_a_run_and_given_back():
    frozen = gc.get_freeze_count()
    settings = TrainingInterpreter()
    settings.enter()
    settings.enter()  # twice: still one run
    assert gc.get_freeze_count() > frozen  # the objects of before the run are frozen
    settings.leave()
    settings.leave()
    assert gc.get_freeze_count() == 0


def test_a_run_in_the_window_trains_with_the_collector_frozen_and_gives_it_back(qtbot, window, training,
                                                                                  spiral):
    seen = []
    training.session.state_changed.connect(lambda state: seen.append((state, gc.get_freeze_count() > 0)))
    result = train_and_wait(qtbot, training)
    assert result.status == "completed", result.reason
    running = [frozen for state, frozen in seen if state == "running"]
    assert running and all(running)
    assert gc.get_freeze_count() == 0
