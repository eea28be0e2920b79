"""The designer's lists come from the core registries: a tab for each probe's views, the live
part each probe's snapshots go to, a radio button per export format, the data words."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from core.data import SOURCES
from core.export.formats import DEFAULT_FORMAT, EXPORT_FORMATS
from core.train.probes import PROBES
from designer.training.live import LiveRun


def test_the_plots_have_each_probes_views_in_registry_order(qtbot):
    from designer.training.plots import PROBE_VIEWS, TrainingPlots

    plots = TrainingPlots()
    qtbot.addWidget(plots)
    names = [name for spec in PROBES for name in spec.views]
    assert set(names) <= set(PROBE_VIEWS), "a probe names a view that designer/training/plots lacks"
    assert plots.views == [plots.overview, plots.loss, *(getattr(plots, name) for name in names)]
    assert [plots.tabs.widget(i) for i in range(plots.tabs.count())] == plots.views


@pytest.mark.parametrize("name", PROBES.names())
def test_each_probes_snapshot_is_kept_in_its_live_part(name):
    spec = PROBES.get(name)
    live = LiveRun()
    if hasattr(live, f"_add_{spec.part}"):
        return  # kept as a series: filled from real snapshots in test_training_plots
    assert hasattr(live, spec.part)  # where its views read the latest one
    snapshot = SimpleNamespace(kind=name)
    live.add_snapshot(snapshot)
    assert getattr(live, spec.part) is snapshot and live.versions[spec.part] == 1
    live.add_snapshot(SimpleNamespace(kind="not a probe"))  # ignored
    assert getattr(live, spec.part) is snapshot


def test_the_export_dialog_offers_every_format(qtbot):
    from designer.export.dialog import FormatChoice

    choice = FormatChoice()
    qtbot.addWidget(choice)
    assert list(choice.buttons) == list(EXPORT_FORMATS.names())
    assert [choice.buttons[f.name].text() for f in EXPORT_FORMATS] == [f.title for f in EXPORT_FORMATS]
    assert choice.name == DEFAULT_FORMAT


@pytest.mark.parametrize("name", SOURCES.names())
def test_the_gallery_and_the_edit_menu_describe_each_data_kind(name):
    from designer.data.commands import describe_change
    from designer.gallery import data_text

    data = {"kind": name, "path": "folder/iris.csv", "name": "spiral", "samples": 1000}
    source = SOURCES.get(name)
    assert data_text(SimpleNamespace(data=data)) == source.summary(data)
    assert describe_change(data) == source.action(data)
