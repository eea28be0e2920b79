"""Loading CSV files: tasks, encoding, honest scaling, splits, time-series windows, caching."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from core.data import Cancelled, describe, load, unscale_targets
from tests.core.data.conftest import csv_spec


def _table(rows: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = ["num,cat,int_label,score,text_label,flag_a,flag_b"]
    for i in range(rows):
        lines.append(f"{rng.normal(10, 3):.4f},{'rgb'[i % 3]},{i % 4},{rng.normal():.4f},"
                     f"{['cat', 'dog'][i % 2]},{i % 2},{(i // 2) % 2}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def table(write_csv):
    return write_csv("table.csv", _table(200))


@pytest.mark.parametrize("target, task", [("text_label", "classification"),
                                          ("int_label", "classification"),
                                          ("score", "regression"),
                                          (["flag_a", "flag_b"], "multilabel"),
                                          (["score", "num"], "regression")])
def test_the_task_follows_the_target(table, target, task):
    features = ["num", "cat"] if "num" not in target else ["cat"]
    dataset = load(csv_spec(table, target=target, features=features))
    assert dataset.info.task == task
    y = dataset.train.y
    if task == "classification":
        assert y.dtype == np.int64 and y.ndim == 1
    else:
        assert y.dtype == np.float32 and y.shape[1] == (len(target) if isinstance(target, list) else 1)


def test_categorical_columns_become_one_hot_columns(table):
    dataset = load(csv_spec(table, target="text_label", features=["num", "cat"]))
    assert dataset.info.feature_names == ["num", "cat=b", "cat=g", "cat=r"]
    onehot = dataset.train.x[:, 1:]
    assert set(np.unique(onehot)) == {0.0, 1.0}
    assert (onehot.sum(axis=1) == 1).all()
    columns = dataset.preprocessing["table"]["columns"]
    assert columns[1] == {"name": "cat", "type": "categorical", "fill": columns[1]["fill"],
                          "encoding": "onehot", "categories": ["b", "g", "r"]}


def test_many_categories_become_codes(write_csv):
    lines = ["city,y"] + [f"c{i % 30:02d},{i % 2}" for i in range(120)]
    dataset = load(csv_spec(write_csv("cities.csv", "\n".join(lines)), target="y",
                            categorical=["city"], scale="none"))
    assert dataset.info.feature_names == ["city"]
    assert dataset.train.x.max() == 29
    assert dataset.preprocessing["table"]["columns"][0]["encoding"] == "code"


def test_scaling_is_fitted_on_the_training_rows_only(write_csv):
    # rows 0..79 around 0, rows 80..99 far away: with a 20% validation split the
    # statistics must come from the training rows' raw values alone.
    values = np.concatenate([np.linspace(-1, 1, 80), np.full(20, 100.0)])
    lines = ["v,label"] + [f"{v:.6f},{i % 2}" for i, v in enumerate(values)]
    path = write_csv("honest.csv", "\n".join(lines))
    dataset = load(csv_spec(path, target="label", split={"validation": 0.3, "seed": 3}))
    train_rows = [int(i) - 2 for i in dataset.train.ids]
    scaling = dataset.preprocessing["input_scaling"]
    assert scaling["mean"][0] == pytest.approx(values[train_rows].mean(), rel=1e-5)
    assert scaling["scale"][0] == pytest.approx(values[train_rows].std(), rel=1e-4)
    assert abs(float(dataset.train.x.mean())) < 1e-5
    val_rows = [int(i) - 2 for i in dataset.validation.ids]
    expected = (values[val_rows] - scaling["mean"][0]) / scaling["scale"][0]
    assert np.allclose(dataset.validation.x[:, 0], expected, atol=1e-4)


def test_fill_values_come_from_the_training_rows(write_csv):
    lines = ["v,label"] + [f"{'' if i == 0 else i},{i % 2}" for i in range(40)]
    dataset = load(csv_spec(write_csv("fill.csv", "\n".join(lines)), target="label", scale="none"))
    fill = dataset.preprocessing["table"]["columns"][0]["fill"]
    train_values = [int(i) - 2 for i in dataset.train.ids if i != "2"]
    assert fill == pytest.approx(np.mean(train_values))
    most = load(csv_spec(write_csv("fill2.csv", "\n".join(lines + ["5,1", "5,0", "5,1"])),
                         target="label", missing="most_frequent", scale="none"))
    assert most.preprocessing["table"]["columns"][0]["fill"] == 5.0


def test_minmax_maps_the_training_range_to_0_1(table):
    dataset = load(csv_spec(table, target="text_label", features=["num", "score"], scale="minmax"))
    assert dataset.train.x.min() == pytest.approx(0) and dataset.train.x.max() == pytest.approx(1)


def test_stratified_split_is_seeded_and_keeps_class_shares(write_csv):
    lines = ["v,label"] + [f"{i},{'a' if i % 5 else 'b'}" for i in range(500)]
    path = write_csv("strat.csv", "\n".join(lines))
    first = load(csv_spec(path, target="label", split={"validation": 0.2, "test": 0.1, "seed": 1}))
    again = load(csv_spec(path, target="label", split={"validation": 0.2, "test": 0.1, "seed": 1}))
    other = load(csv_spec(path, target="label", split={"validation": 0.2, "test": 0.1, "seed": 2}))
    assert first.validation.ids == again.validation.ids != other.validation.ids
    assert (len(first.train), len(first.validation), len(first.test)) == (350, 100, 50)
    for part in (first.train, first.validation, first.test):
        assert np.mean(part.y == 1) == pytest.approx(0.2)
    assert set(first.train.ids).isdisjoint(first.validation.ids)


def test_regression_targets_are_scaled_and_can_be_unscaled(table):
    dataset = load(csv_spec(table, target="score", features=["num"]))
    scaling = dataset.preprocessing["target_scaling"]
    assert abs(float(dataset.train.y.mean())) < 1e-5
    raw = unscale_targets(dataset.preprocessing, dataset.train.y)
    assert raw.mean() == pytest.approx(scaling["mean"][0], abs=1e-4)


def test_reconstruction_has_no_target(table):
    dataset = load(csv_spec(table, task="reconstruction", features=["num", "score"]))
    assert dataset.info.task == "reconstruction"
    assert dataset.train.y is None
    assert dataset.info.target_shape() == (2,)


def _series(rows: int, shuffled: bool) -> str:
    days = np.arange(rows)
    order = np.random.default_rng(0).permutation(rows) if shuffled else days
    lines = ["date,value,weekday"]
    for d in order:
        date = np.datetime64("2024-01-01") + int(d)
        lines.append(f"{date},{d * 1.0},{['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'][d % 7]}")
    return "\n".join(lines) + "\n"


def test_sequence_windows_are_chronological_and_target_the_horizon(write_csv):
    path = write_csv("series.csv", _series(100, shuffled=True))
    spec = csv_spec(path, target="value", features=["value"], scale="none", scale_target=False,
                    sequence={"window": 10, "horizon": 3, "order_by": "date"},
                    split={"validation": 0.2, "test": 0.1})
    dataset = load(spec)
    assert dataset.chronological
    assert dataset.info.input_shape == (10, 1)
    assert dataset.info.samples == 100 - 10 - 3 + 1
    x, y = dataset.train.x, dataset.train.y
    # sorted by date, value == day number: a window starts at day k, its target is day k + 12
    assert np.array_equal(x[:, :, 0], np.arange(10)[None, :] + np.arange(len(x))[:, None])
    assert np.array_equal(y[:, 0], np.arange(len(x)) + 12)
    assert dataset.validation.x[0, 0, 0] == len(x)  # validation follows training in time
    assert dataset.test.x[0, 0, 0] == len(x) + len(dataset.validation)
    assert any("sorted by 'date'" in note for note in dataset.notes)


def test_sequence_features_default_to_every_column_with_categories(write_csv):
    path = write_csv("series.csv", _series(60, shuffled=False))
    dataset = load(csv_spec(path, target="value", sequence={"window": 7, "order_by": "date"}))
    assert dataset.info.feature_names[0] == "value"
    assert dataset.info.input_shape == (7, 8)  # value + 7 one-hot weekdays
    assert dataset.preprocessing["kind"] == "sequence"


def test_describe_matches_load_and_is_remembered(table, monkeypatch):
    from core.data import csv_source

    spec = csv_spec(table, target="text_label", features=["num", "cat"])
    info = describe(spec)
    assert info == load(spec).info
    monkeypatch.setattr(csv_source, "load", lambda *a, **k: pytest.fail("describe read the file again"))
    assert describe(spec) == info
    assert describe(dict(spec)) == info
    with table.open("a") as handle:  # the file changes: describe reads it again
        handle.write("1.0,r,1,0.5,cat,0,1\n")
    os.utime(table, ns=(1, 1))
    with pytest.raises(pytest.fail.Exception):
        describe(spec)


def test_describe_remembers_problems_too(write_csv, monkeypatch):
    from core.data import csv_source
    from core.errors import DataError

    path = write_csv("one.csv", "a,label\n1,x\n2,x\n")
    with pytest.raises(DataError, match="only one class"):
        describe(csv_spec(path, target="label"))
    monkeypatch.setattr(csv_source, "load", lambda *a, **k: pytest.fail("read again"))
    with pytest.raises(DataError, match="only one class"):
        describe(csv_spec(path, target="label"))


def test_progress_and_cancel(write_csv, monkeypatch):
    import core.data.csv_read as csv_read

    monkeypatch.setattr(csv_read, "BLOCK_BYTES", 4096)
    path = write_csv("big.csv", _table(3000))
    seen = []
    load(csv_spec(path, target="text_label"), progress=lambda f, m: seen.append(f))
    assert len(seen) > 5 and seen == sorted(seen) and seen[-1] == 1.0
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        load(csv_spec(path, target="text_label"), cancel=cancel)


def test_many_blocks_give_the_same_numbers_as_pandas(write_csv, monkeypatch):
    import pandas as pd

    import core.data.csv_read as csv_read

    monkeypatch.setattr(csv_read, "BLOCK_BYTES", 2048)
    path = write_csv("blocks.csv", _table(1500, seed=5))
    dataset = load(csv_spec(path, target="text_label", features=["num", "score"], scale="none",
                            split={"validation": 0.0}))
    frame = pd.read_csv(path)
    rows = [int(i) - 2 for i in dataset.train.ids]
    expected = frame[["num", "score"]].to_numpy(np.float32)[rows]
    assert np.array_equal(dataset.train.x, expected)


def test_columns_that_are_ids_dates_or_empty_are_left_out_with_a_note(write_csv):
    lines = ["id,when,empty,v,label"] + [f"u{i},2024-01-{i % 28 + 1:02d},,{i},{i % 2}"
                                        for i in range(80)]
    dataset = load(csv_spec(write_csv("mixed.csv", "\n".join(lines)), target="label"))
    assert dataset.info.feature_names == ["v"]
    notes = " ".join(dataset.notes)
    assert "'id' left out: it looks like an id or free text" in notes
    assert "'when' left out: it holds dates" in notes
    assert "'empty' left out: every cell is missing" in notes


def test_a_column_of_numbers_and_much_text_becomes_categories_with_a_note(write_csv):
    # two thirds numbers: too much text to be typos (that is an error), said in a note
    lines = ["weight,label"] + [f"{'abc' if i % 3 == 0 else i * 1.5},{i % 2}" for i in range(60)]
    dataset = load(csv_spec(write_csv("weights.csv", "\n".join(lines)), target="label"))
    assert dataset.schema["columns"][0]["type"] == "categorical"
    note = next(n for n in dataset.notes if "'weight'" in n)
    assert "holds 40 numbers but also text ('abc'): used as categories" in note
    assert "data.numeric" in note
    # a column of words with a few numbers among them: categories, no note
    words = ["colour,label"] + [f"{'red' if i % 3 else i},{i % 2}" for i in range(60)]
    dataset = load(csv_spec(write_csv("colours.csv", "\n".join(words)), target="label"))
    assert not any("'colour'" in n for n in dataset.notes)


def test_numbers_written_with_signs_or_separators_are_named_as_such(write_csv):
    """'12%', '$1,200' and '12,345' are read as text: the note says they are numbers written so,
    and how to write them to use them, instead of calling them ids or free text."""
    lines = ["share,price,people,discount,v,label"] + [
        f'{i * 0.7:.1f}%,"${i * 1234:,}","{i * 9876:,}",{(i % 4) * 5}%,{i},{i % 2}' for i in range(80)]
    dataset = load(csv_spec(write_csv("money.csv", "\n".join(lines)), target="label"))
    notes = " ".join(dataset.notes)
    assert "'share' left out: it holds numbers written with '%' sign, such as" in notes
    assert "'price' left out: it holds numbers written with '$' sign and thousands separators" in notes
    assert "'people' left out: it holds numbers written with thousands separators, such as '" in notes
    assert "save them as plain numbers" in notes and "looks like an id" not in notes
    # few distinct values: categories, with the same words
    assert "'discount' holds numbers written with '%' sign" in notes and "used as categories" in notes
    assert dataset.info.feature_names[-1] == "v"


def test_a_numeric_column_empty_in_the_first_rows_is_still_numeric(write_csv):
    lines = ["late,label"] + [f",{i % 2}" for i in range(300)] + [f"{i}.5,{i % 2}" for i in range(50)]
    dataset = load(csv_spec(write_csv("late.csv", "\n".join(lines)), target="label"))
    assert dataset.info.feature_names == ["late"]
    assert dataset.schema["columns"][0]["type"] == "numeric"


def test_partition_in_place_matches_fancy_indexing(monkeypatch):
    import core.data.table_encode as table_encode

    monkeypatch.setattr(table_encode, "_CHUNK", 7)
    rng = np.random.default_rng(0)
    floats = rng.random((100, 3)).astype(np.float32)
    order = rng.permutation(100)
    parts = [np.sort(order[:60]), np.sort(order[60:85]), np.sort(order[85:95])]
    expected = [floats[p] for p in parts]
    views = table_encode._partition_in_place(floats, parts)
    for view, want in zip(views, expected):
        assert np.array_equal(view, want)
        assert view.base is floats or view.base is floats.base


def test_loading_imports_neither_pandas_nor_torch(tmp_path):
    import subprocess
    import sys

    from tests.core.data.images import make_folder

    path = tmp_path / "nulls.csv"
    path.write_text("a,b,label\n1,,x\n,2,y\n3,4,\n5,6,x\n7,8,y\n")
    folder = make_folder(tmp_path / "images", {"a": 2, "b": 2}, size=(8, 8))
    code = ("import sys; from core.data import load;"
            f" load({{'kind': 'csv', 'path': {str(path)!r}, 'target': 'label'}});"
            f" load({{'kind': 'image_folder', 'path': {str(folder)!r}, 'augment': {{'hflip': True}}}});"
            " print('pandas' in sys.modules, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[3]).stdout
    # pandas alone costs more memory than a million rows; torch is the trainer's to import
    assert out.strip() == "False False"
