"""The plots move their views and titles only when they must (issue 16: each move repaints axes).

A y range that the data leaves grows past it with a lead, so a falling loss moves the view every
few redraws; a title set again with the same text is left alone (no relayout, no repaint)."""

from __future__ import annotations

import numpy as np
import pytest

from designer.training.plots.style import (Y_LEAD, Y_MARGIN, SteadyRange, add_plot, layout_widget, set_title,
                                           steady_y_range)


def falling_loss(points: int = 400) -> np.ndarray:
    """log10 of a loss falling from 2.3 towards 0.05 with noise, as the Overview's log axis sees it."""
    rng = np.random.default_rng(0)
    steps = np.arange(1, points + 1)
    loss = 0.05 + 2.25 * np.exp(-steps / 120) * (1 + 0.05 * rng.standard_normal(points))
    return np.log10(loss)


def ranges_while_growing(values: np.ndarray) -> list[tuple[float, float]]:
    """The y range after each new point (the data so far), as the redraws would set it."""
    current, seen = None, []
    for end in range(2, len(values) + 1):
        current = steady_y_range(current, float(values[:end].min()), float(values[:end].max()))
        seen.append(current)
    return seen


def test_a_falling_loss_moves_the_y_range_rarely_and_the_range_always_holds_the_data():
    values = falling_loss()
    ranges = ranges_while_growing(values)
    moves = sum(1 for before, after in zip(ranges, ranges[1:]) if after != before)
    assert moves <= 16  # a fit with the margin alone (no lead) moved it 27 times
    for end, (low, high) in enumerate(ranges, start=2):
        y0, y1 = values[:end].min(), values[:end].max()
        assert low <= y0 and y1 <= high
        assert y1 - y0 >= 0.5 * (high - low) or end < 3  # the data fills at least half of the view


def test_the_range_leads_on_the_side_the_data_left_and_keeps_the_margin_on_the_other():
    low, high = steady_y_range((0.0, 1.0), -0.1, 0.9)  # the data went below the view
    span = 1.0
    assert low == pytest.approx(-0.1 - Y_LEAD * span)
    assert high == pytest.approx(0.9 + Y_MARGIN * span)
    assert steady_y_range((low, high), -0.05, 0.9) == (low, high)  # inside, and filling it: stays


def test_a_range_the_data_fills_less_than_half_of_is_fitted_anew_with_the_margin():
    low, high = steady_y_range((0.0, 10.0), 4.0, 5.0)
    assert (low, high) == pytest.approx((4.0 - Y_MARGIN, 5.0 + Y_MARGIN))


def test_steady_range_sets_the_plot_view_only_when_the_range_moves(qtbot):
    canvas = layout_widget()
    qtbot.addWidget(canvas)
    plot = add_plot(canvas, 0, 0, "Loss")
    steady = SteadyRange(plot)
    changes = []
    plot.vb.sigYRangeChanged.connect(lambda *_: changes.append(plot.vb.viewRange()[1]))
    values = falling_loss(200)
    for end in range(2, len(values) + 1):
        steady.update(2, bounds=(0.0, end / 100, float(values[:end].min()), float(values[:end].max())))
    expected = ranges_while_growing(values)
    moves = 1 + sum(1 for before, after in zip(expected, expected[1:]) if after != before)
    assert len(changes) == moves  # the view moved exactly when the range did, no more
    assert plot.vb.viewRange()[1] == pytest.approx(list(steady.y))


def test_setting_a_title_again_with_the_same_text_leaves_it_alone(qtbot):
    canvas = layout_widget()
    qtbot.addWidget(canvas)
    plot = add_plot(canvas, 0, 0, "Activations of relu1")
    document = plot.titleLabel.item.document()
    revision = document.revision()
    set_title(plot, "Activations of relu1")
    assert document.revision() == revision  # not set again: no relayout of the canvas
    set_title(plot, "Activations of relu2")
    assert document.revision() != revision
    assert plot.titleLabel.text == "Activations of relu2"
