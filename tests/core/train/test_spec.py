"""The training section: defaults per task, one clear sentence per mistake."""

from __future__ import annotations

import pytest

from core.data.dataset import CLASSIFICATION, RECONSTRUCTION, REGRESSION, DataInfo
from core.errors import TrainingError
from core.train.spec import TrainSpec, defaults_for, resolve_loss, training_problems

CLASSES3 = DataInfo((2,), CLASSIFICATION, class_names=["a", "b", "c"], target_names=["k"])
CLASSES2 = DataInfo((2,), CLASSIFICATION, class_names=["a", "b"], target_names=["k"])
NUMBERS = DataInfo((4,), REGRESSION, target_names=["price"])
PICTURES = DataInfo((1, 8, 8), RECONSTRUCTION)


def test_defaults_depend_on_the_task():
    assert defaults_for(CLASSES3)["metrics"] == ["accuracy", "precision", "recall", "f1"]
    assert defaults_for(NUMBERS)["metrics"] == ["mae", "rmse", "r2"]
    assert defaults_for(PICTURES)["metrics"] == []
    spec = TrainSpec.from_dict({}, CLASSES3)
    assert (spec.optimizer, spec.learning_rate, spec.loss_name) == ("adam", 0.001, "cross_entropy")
    assert TrainSpec.from_dict({}, CLASSES2).loss_name == "bce"
    assert TrainSpec.from_dict({}, NUMBERS).loss_name == "mse"
    assert TrainSpec.from_dict({"optimizer": "sgd"}, CLASSES3).learning_rate == 0.01
    assert TrainSpec.from_dict({"optimizer": "adamw"}, CLASSES3).weight_decay == 0.01


def test_to_dict_is_complete_and_reads_back_the_same():
    given = {"epochs": 7, "optimizer": "sgd", "momentum": 0.9, "nesterov": True,
             "schedule": {"type": "step", "step_size": 3}, "loss": "cross_entropy",
             "label_smoothing": 0.1, "early_stopping": {"patience": 4}, "gradient_clip": 2.0,
             "precision": "bf16", "monitor": "val_accuracy"}
    data = TrainSpec.from_dict(given, CLASSES3).to_dict()
    assert data["schedule"] == {"type": "step", "step_size": 3, "gamma": 0.1}
    assert data["early_stopping"] == {"patience": 4, "min_delta": 0.0, "restore_best": True}
    assert TrainSpec.from_dict(data, CLASSES3).to_dict() == data
    import json

    json.dumps(data)  # JSON-ready


@pytest.mark.parametrize("training, words", [
    ({"epochs": 0}, "training.epochs must be a whole number from 1 to 1000000, got 0"),
    ({"batch_size": "big"}, "training.batch_size must be a whole number"),
    ({"optimizer": "lion"}, "training.optimizer must be one of 'sgd', 'adam'"),
    ({"learning_rate": -1}, "training.learning_rate must be a number above 0"),
    ({"momentum": 1.5, "optimizer": "sgd"}, "training.momentum must be a number from 0 to below 1"),
    ({"momentum": 0.9}, "training.momentum applies to 'sgd' and 'rmsprop', not 'adam'"),
    ({"nesterov": True, "optimizer": "sgd"}, "nesterov needs optimizer 'sgd' with a momentum above 0"),
    ({"schedule": "linear"}, "training.schedule must be one of 'none', 'step'"),
    ({"schedule": {"type": "step", "step": 3}}, "schedule 'step' has no option 'step'"),
    ({"schedule": {"type": "reduce_on_plateau", "factor": 2}}, "training.schedule.factor has an invalid value 2"),
    ({"loss": "mse"}, "training.loss 'mse' does not fit this data, which has classes"),
    ({"loss": "bce"}, "training.loss 'bce' needs exactly two classes, and the data has 3"),
    ({"label_smoothing": 0.1, "loss": "hinge"}, "label_smoothing works with the cross_entropy loss only"),
    ({"metrics": ["rmse"]}, "training.metrics: 'rmse' is not a metric for this data"),
    ({"monitor": "val_r2"}, "training.monitor must be one of 'val_loss'"),
    ({"early_stopping": {"patience": 0}}, "training.early_stopping.patience must be a whole number"),
    ({"early_stopping": {"wait": 3}}, "early_stopping has no option 'wait'"),
    ({"gradient_clip": 0}, "training.gradient_clip must be a number above 0"),
    ({"seed": -3}, "training.seed must be a whole number of at least 0"),
    ({"device": "gpu"}, "training.device must be one of 'auto', 'cpu'"),
    ({"precision": "fp8"}, "training.precision must be one of 'float32', 'bf16', 'fp16'"),
    ({"init_from": ""}, "training.init_from must be the path of an earlier run's folder"),
])
def test_each_mistake_gets_one_sentence_naming_the_setting(training, words):
    problems = training_problems(training, CLASSES3)
    assert len(problems) == 1, problems
    assert words in problems[0]
    with pytest.raises(TrainingError, match="training"):
        TrainSpec.from_dict(training, CLASSES3)


def test_several_mistakes_are_all_listed_and_the_error_counts_them():
    training = {"epochs": -1, "optimizer": "nope", "gradient_clip": "x"}
    assert len(training_problems(training, CLASSES3)) == 3
    with pytest.raises(TrainingError, match=r"\(and 2 more problems\)"):
        TrainSpec.from_dict(training, CLASSES3)


def test_unknown_keys_are_kept_out_with_a_note_and_a_suggestion():
    spec = TrainSpec.from_dict({"learnig_rate": 0.1, "colour": "red"}, CLASSES3)
    assert any("did you mean 'learning_rate'" in n for n in spec.notes)
    assert any("training.colour" in n and "ignored" in n for n in spec.notes)


def test_shorthands_and_task_losses():
    assert TrainSpec.from_dict({"schedule": "cosine"}, CLASSES3).schedule.options == {"min_learning_rate": 0.0}
    assert TrainSpec.from_dict({"early_stopping": True}, CLASSES3).early_stopping.patience == 10
    assert TrainSpec.from_dict({"early_stopping": None}, CLASSES3).early_stopping is None
    assert TrainSpec.from_dict({"loss": "huber"}, NUMBERS).loss_name == "huber"
    assert TrainSpec.from_dict({"loss": "bce"}, PICTURES).loss_name == "bce"
    assert isinstance(TrainSpec.from_dict({"seed": None}, CLASSES3).seed, int)
    assert resolve_loss("auto", "multilabel", 0) == "bce"
    assert resolve_loss("hinge", CLASSIFICATION, 3) == "hinge"


def test_a_section_that_is_not_an_object_is_refused():
    assert training_problems([1, 2], CLASSES3) == [
        "the training section must be an object of name: value pairs"]
