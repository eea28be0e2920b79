"""The training form's choices come from the registries: each optimiser, loss, schedule
and metric shows its title, with its one-line doc as the tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt

from core.data.dataset import REGRESSION, DataInfo
from core.train.losses import AUTO_DOC, LOSSES
from core.train.metric_specs import METRICS, for_task
from core.train.optimizers import OPTIMIZERS
from core.train.schedules import SCHEDULES
from designer.training.form import TrainingForm

NUMBERS = DataInfo((4,), REGRESSION, target_names=["price"])


def _items(box) -> dict:
    return {box.itemData(i): (box.itemText(i), box.itemData(i, Qt.ItemDataRole.ToolTipRole))
            for i in range(box.count())}


def test_choices_show_the_registries_titles_and_docs(qtbot):
    form = TrainingForm()
    qtbot.addWidget(form)
    form.show_training({"optimizer": "sgd", "schedule": {"type": "step", "gamma": 0.5}}, NUMBERS)
    assert _items(form.rows["optimizer"].editor.box) == {s.name: (s.title, s.doc) for s in OPTIMIZERS}
    losses = _items(form.rows["loss"].editor.box)
    assert losses.pop("auto")[1] == AUTO_DOC
    assert losses == {s.name: (s.title, s.doc) for s in LOSSES if REGRESSION in s.tasks}
    schedule = form.rows["schedule"].editor
    assert _items(schedule.type_box.box) == {s.name: (s.title, s.doc) for s in SCHEDULES}
    assert {name: box.toolTip() for name, box in schedule.option_boxes.items()} == {
        o.name: o.doc for o in SCHEDULES.get("step").options}
    assert schedule.option_boxes["gamma"].value() == 0.5
    boxes = form.rows["metrics"].editor.boxes
    assert list(boxes) == list(for_task(REGRESSION))
    assert {n: (b.text(), b.toolTip()) for n, b in boxes.items()} == {
        n: (METRICS.get(n).title, METRICS.get(n).doc) for n in boxes}
