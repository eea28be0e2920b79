"""The standalone train.py's optimiser and loss tables come from the registries, and an
unknown name there is refused with a sentence instead of falling back to Adam or MSE.
(The folder's end-to-end run without LayerForge is tests/core/export/test_standalone.py.)"""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch

from core.data.dataset import CLASSIFICATION, DataInfo
from core.errors import ExportError
from core.export.python_format import script_source
from core.export.train_tables import loss_table, optimizer_table, with_tables
from core.train.losses import LOSSES
from core.train.objective import Objective
from core.train.optim import make_optimizer
from core.train.optimizers import OPTIMIZERS
from core.train.spec import TrainSpec

CLASSES = DataInfo((3,), CLASSIFICATION, class_names=["a", "b", "c"], target_names=["k"])


@pytest.fixture
def train(tmp_path, monkeypatch):
    """The exported train.py, imported from a folder beside its predict.py."""
    (tmp_path / "predict.py").write_text(script_source("predict.py"), encoding="utf-8")
    (tmp_path / "train.py").write_text(with_tables(script_source("train.py")), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = sys.modules.pop("predict", None)
    spec = importlib.util.spec_from_file_location("exported_train", tmp_path / "train.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop("predict", None)
    if saved is not None:
        sys.modules["predict"] = saved


def test_the_tables_are_the_registries(train):
    assert train.OPTIMIZERS == optimizer_table() and list(train.OPTIMIZERS) == list(OPTIMIZERS.names())
    assert train.LOSSES == loss_table() and list(train.LOSSES) == list(LOSSES.names())


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_each_optimizer_is_the_one_layerforge_trains_with(train, name):
    extra = {"momentum": 0.7, "nesterov": True} if "nesterov" in OPTIMIZERS.get(name).settings else (
        {"momentum": 0.7} if "momentum" in OPTIMIZERS.get(name).settings else {})
    settings = TrainSpec.from_dict({"optimizer": name, "weight_decay": 0.01, "betas": [0.8, 0.9], **extra},
                                   CLASSES)
    training = settings.to_dict()
    mine = make_optimizer(torch.nn.Linear(2, 2).parameters(), settings, "cpu")
    theirs = train.optimizer_for(torch.nn.Linear(2, 2).parameters(), training, settings.learning_rate)
    assert type(theirs) is type(mine)
    keys = ("lr", "weight_decay", "momentum", "nesterov", "betas")
    assert ({k: theirs.defaults.get(k) for k in keys} == {k: mine.defaults.get(k) for k in keys})


@pytest.mark.parametrize("name", LOSSES.names())
def test_each_loss_is_the_one_layerforge_trains_with(train, name):
    objective = Objective(CLASSIFICATION, name, 3, (3,), label_smoothing=0.2, huber_delta=0.4)
    training = {"loss": name, "label_smoothing": 0.2, "huber_delta": 0.4}
    mine, theirs = LOSSES.get(name).build(objective), train.loss_function(training)
    assert type(theirs) is type(mine)
    assert vars(theirs) == vars(mine)


def test_an_unknown_name_is_refused_with_a_sentence(train):
    params = torch.nn.Linear(2, 2).parameters()
    with pytest.raises(train.SettingProblem) as caught:
        train.optimizer_for(params, {"optimizer": "lion", "weight_decay": 0.0}, 0.1)
    assert str(caught.value) == ("model.TRAINING names the optimizer 'lion', which this train.py does not"
                                 " know (it knows 'sgd', 'adam', 'adamw', 'rmsprop', 'adagrad'):"
                                 " export the model again with LayerForge")
    with pytest.raises(train.SettingProblem, match="names the loss 'focal', which this train.py"):
        train.loss_function({"loss": "focal"})


def test_a_train_py_without_the_placeholders_is_an_export_error():
    with pytest.raises(ExportError, match="lacks the line 'OPTIMIZERS: dict = {}'"):
        with_tables("LOSSES: dict = {}\n")
