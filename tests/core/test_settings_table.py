"""The training settings table (core.train.settings) and the typed project sections.

One validator: a bad training value in a file opens, and the loader, ``layerforge check``,
the project's typed setter and the pause dialog say the same sentence. The sections stay
dicts (every reader keeps working) and keep keys LayerForge does not know.
"""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from core.cli import main
from core.errors import TrainingError
from core.project import Project
from core.project_sections import MISSING, DataSettings, TrainingSettings
from core.train.optim import check_update
from core.train.settings import SETTINGS, Context, read
from core.train.spec import KNOWN_KEYS, TrainSpec, training_problems
from tests.core.helpers import chain

LR_SENTENCE = "training.learning_rate must be a number above 0 and at most 100 (such as 0.001), got 500"


def _file(tmp_path, training, data=None, extra=None) -> str:
    project = Project("Settings", graph=chain(("fc1", "Linear", {"out_features": 3})),
                      data=data if data is not None else {"kind": "builtin", "name": "spiral"},
                      training=training)
    project.extra.update(extra or {})
    path = tmp_path / "settings.lfproj"
    project.save(path)
    return str(path)


def test_a_bad_learning_rate_opens_and_check_says_the_validators_sentence(tmp_path, capsys):
    path = _file(tmp_path, {"learning_rate": 500, "epochs": 1})
    project = Project.load(path)  # the schema no longer refuses it
    assert project.training["learning_rate"] == 500
    assert project.training.problems() == [LR_SENTENCE]
    assert main(["check", path]) == 2
    err = capsys.readouterr().err
    assert LR_SENTENCE in err and "at least" not in err  # not jsonschema's wording


def test_a_training_section_that_is_not_an_object_is_still_refused(tmp_path):
    text = json.dumps({"format": "layerforge.project", "format_version": 3,
                       "graph": {"nodes": [], "edges": []}, "training": [1]})
    with pytest.raises(Exception, match="training must be an object, not a list"):
        Project.from_json(text, path="p.lfproj")


def test_unknown_keys_are_kept_on_save_exactly(tmp_path):
    training = {"epochs": 2, "my_note": {"why": ["kept", 1]}, "futur_key": None}
    data = {"kind": "builtin", "name": "spiral", "labelling": {"by": "hand"}}
    path = _file(tmp_path, training, data, extra={"plugin_section": {"x": 1}})
    project = Project.load(path)
    assert project.training.set("epochs", 3) == []
    project.save()
    saved = json.loads(open(path, encoding="utf-8").read())
    assert saved["training"] == {"epochs": 3, "my_note": {"why": ["kept", 1]}, "futur_key": None}
    assert saved["data"] == data and saved["plugin_section"] == {"x": 1}
    assert TrainSpec.from_dict(project.training).notes == [
        "training.my_note is not a training setting LayerForge knows and is ignored",
        "training.futur_key is not a training setting LayerForge knows and is ignored"]


def test_the_sections_are_dicts_for_every_reader():
    project = Project(training={"epochs": 4, "schedule": {"type": "step"}}, data=None)
    assert project.data is None  # no data yet stays None
    training = project.training
    assert isinstance(training, TrainingSettings) and isinstance(training, dict)
    assert training == {"epochs": 4, "schedule": {"type": "step"}} and dict(training) == training
    assert training.get("batch_size", 32) == 32
    assert json.loads(json.dumps(training)) == training
    twin = copy.deepcopy(training)
    assert type(twin) is TrainingSettings and twin == training
    twin["schedule"]["type"] = "cosine"
    assert training["schedule"]["type"] == "step"  # a deep copy
    assert pickle.loads(pickle.dumps(training)) == training
    project.data = {"kind": "csv", "path": "t.csv"}  # a plain dict is wrapped (undo commands)
    assert isinstance(project.data, DataSettings) and project.data.source.name == "csv"
    project.training = {"epochs": 9}
    assert isinstance(project.training, TrainingSettings) and project.training["epochs"] == 9


def test_set_returns_the_keys_problems_and_announces_the_change():
    project = Project(training={"optimizer": "sgd"})
    seen, sections, coarse = [], [], []
    project.training.subscribe(lambda *change: seen.append(change))
    project.setting_changed.connect(lambda *change: sections.append(change))
    project.training_changed.connect(lambda: coarse.append(True))
    assert project.training.set("momentum", 0.9) == []
    assert project.training.set("learning_rate", 500) == [LR_SENTENCE]
    assert project.training.set("momentum", 0.9) == []  # the same value: nothing announced
    del project.training["momentum"]
    assert seen == [("momentum", MISSING, 0.9), ("learning_rate", MISSING, 500),
                    ("momentum", 0.9, MISSING)]
    assert sections == [("training",) + change for change in seen] and len(coarse) == 3
    # A problem that depends on another key is still this key's own sentence.
    project.training.set("optimizer", "adam")
    assert project.training.set("momentum", 0.5) == [
        "training.momentum applies to 'sgd' and 'rmsprop', not 'adam': remove it or change the optimizer"]


def test_a_replaced_section_no_longer_reaches_the_project():
    project = Project(training={"epochs": 1})
    old, changes = project.training, []
    project.setting_changed.connect(lambda *change: changes.append(change))
    project.set_training({"epochs": 2})
    old["epochs"] = 5  # the detached section (an undo command's copy) changes nothing
    project.training.set("epochs", 3)
    assert changes == [("training", "epochs", 2, 3)]


def test_data_settings_judge_the_kind_and_what_it_needs():
    project = Project(data={"kind": "csv"})
    assert project.data.problems() == ["data.path is missing: the csv data needs it"]
    assert project.data.set("path", "table.csv") == []
    assert project.data.set("kind", "cvs")[0].startswith("data.kind must be")


def test_every_spec_setting_is_one_table_entry():
    assert KNOWN_KEYS + ("adversarial",) == SETTINGS.names()
    for name in SETTINGS.names():
        assert hasattr(TrainSpec(), name), name
    assert read({}).values["learning_rate"] == 0.001 and read({"optimizer": "sgd"}).values["learning_rate"] == 0.01


@pytest.mark.parametrize("key,values,gan,expected", [
    ("momentum", {"optimizer": "sgd"}, False, True),
    ("momentum", {"optimizer": "adam"}, False, False),
    ("betas", {"optimizer": "adam"}, False, True),
    ("label_smoothing", {"loss": "cross_entropy"}, False, True),
    ("label_smoothing", {"loss": "mse"}, False, False),
    ("label_smoothing", {"loss": "cross_entropy"}, True, False),
    ("workers", {"data_loading": "device"}, False, False),
    ("unfreeze_learning_rate_factor", {}, False, False),
    ("unfreeze_learning_rate_factor", {"unfreeze_at_epoch": 3}, False, True),
    ("adversarial", {}, False, False),
    ("adversarial", {}, True, True),
    ("monitor", {}, True, False),
    ("a_key_from_the_future", {}, False, True),
])
def test_applies_is_the_tables(key, values, gan, expected):
    assert SETTINGS.applies(key, values, Context(gan=gan)) is expected


def test_the_pause_dialog_and_the_start_refuse_with_the_same_sentence():
    start = training_problems({"optimizer": "sgd", "momentum": 1.5})
    with pytest.raises(TrainingError) as caught:
        check_update("sgd", {"momentum": 1.5})
    assert start == ["training." + str(caught.value)]
    with pytest.raises(TrainingError, match="momentum cannot be changed for the 'adam' optimizer"):
        check_update("adam", {"momentum": 0.9})
