"""Every example project, trained from the command line, exports to every format; each
export verifies and loads in a fresh Python process that cannot import LayerForge."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from core import __version__
from core.cli import main as cli
from core.export.formats import FORMATS, default_path
from core.export.onnx_preprocess import has_raw_model
from core.export.source import verification_inputs
from core.export.verify import difference
from core.train import load_trained_model
from tests.conftest import EXAMPLES
from tests.core.export import projects
from tests.core.export.clean import NO_LAYERFORGE, run_without_layerforge

#: A GAN is two networks and exports by parts (tests/core/test_gan.py): not in this loop.
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.lfproj")
               if '"target": "generator"' not in p.read_text(encoding="utf-8"))

pytestmark = pytest.mark.slow

LOAD_ALL = NO_LAYERFORGE + """
import json, sys, warnings
from pathlib import Path
import numpy as np
import onnxruntime as ort
import torch
from safetensors.torch import load_file

warnings.simplefilter("ignore")
plan = json.loads(Path(sys.argv[1]).read_text())
for item in plan:
    x = torch.from_numpy(np.load(item["inputs"]))
    out = Path(item["outputs"])
    out.mkdir()
    session = ort.InferenceSession(item["onnx"], providers=["CPUExecutionProvider"])
    feeds = {session.get_inputs()[0].name: x.numpy()}
    if len(session.get_inputs()) > 1:  # a text example: attention_mask, 1 where a token is
        feeds["attention_mask"] = (x.numpy() != 0).astype(np.int64)
    np.save(out / "onnx.npy", session.run(None, feeds)[0])
    (out / "onnx_meta.json").write_text(json.dumps(session.get_modelmeta().custom_metadata_map))
    with torch.no_grad():
        np.save(out / "pt2.npy", torch.export.load(item["pt2"]).module()(x).numpy())
        np.save(out / "torchscript.npy", torch.jit.load(item["torchscript"])(x).numpy())
        sys.path.insert(0, item["python"])
        import model
        np.save(out / "python.npy", model.load_model(item["python"])(x).numpy())
        # the safetensors export loads into the hand-written-style class of model.py
        network = type(model.load_model(item["python"]).network)()
        network.load_state_dict(load_file(item["safetensors"]))
        predictor = model.Predictor(network, json.loads(Path(item["preprocessing"]).read_text()))
        np.save(out / "safetensors.npy", predictor.eval()(x).numpy())
        sys.path.remove(item["python"])
        del sys.modules["model"]
print("loaded", len(plan))
"""


@pytest.fixture(scope="module")
def exported(tmp_path_factory, session_env):
    """Each example trained for one epoch (fewer samples) and exported to every format."""
    root = tmp_path_factory.mktemp("examples")
    done = {}
    for name in NAMES:
        run = projects.train(projects.small_example(name, root / name), root / name / "run")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = cli(["export", str(run), "--format", "all", "--out", str(root / name / "exports")])
        done[name] = (run, root / name / "exports", code, out.getvalue().splitlines())
    return done


@pytest.mark.parametrize("name", NAMES)
def test_every_format_exports_and_verifies(exported, name):
    run, folder, code, lines = exported[name]
    assert code == 0, lines
    assert len(lines) == len(FORMATS)
    trained = load_trained_model(run)
    for fmt, line in zip(FORMATS.values(), lines):
        assert line.startswith(f"{fmt.name}: verified, max difference "), line
        path = default_path(folder, trained.project.name, fmt)
        assert line.split(" -> ")[1].split(" [")[0] == str(path)
        assert path.exists()
    stem = default_path(folder, trained.project.name, FORMATS["onnx"]).name[:-len(".onnx")]
    # one self-contained .onnx (no external-data file), nothing half-written left behind;
    # a CSV table run (the flowers example) also gets the raw-columns model NAME.raw.onnx,
    # unless it has text columns (the text classifier): their tokenizer is no ONNX op
    raw = [f"{stem}.raw.onnx"] if has_raw_model(trained.preprocessing) else []
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{stem}.onnx", f"{stem}.pt2", f"{stem}.safetensors", f"{stem}.lfproj",
         f"{stem}.preprocessing.json", f"{stem}_pytorch", f"{stem}.torchscript.pt"] + raw)
    assert "deprecated" in lines[-1]


def test_every_export_loads_without_layerforge(exported, tmp_path):
    """One fresh process, without LayerForge, runs all of them; outputs match the in-app model."""
    plan, expected = [], {}
    for name, (run, folder, code, _lines) in exported.items():
        assert code == 0
        trained = load_trained_model(run)
        x = verification_inputs(trained, rows=16).x
        np.save(tmp_path / f"{name}.npy", x)
        import torch

        with torch.no_grad():
            expected[name] = (trained, trained.inference_module()(torch.from_numpy(x)).numpy())
        files = {fmt: str(default_path(folder, trained.project.name, FORMATS[fmt])) for fmt in FORMATS}
        plan.append({**files, "inputs": str(tmp_path / f"{name}.npy"),
                     "outputs": str(tmp_path / f"{name}-out"),
                     "preprocessing": files["safetensors"][:-len(".safetensors")] + ".preprocessing.json"})
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    done = run_without_layerforge(LOAD_ALL, tmp_path, str(tmp_path / "plan.json"))
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"loaded {len(plan)}" in done.stdout
    for name, (trained, reference) in expected.items():
        out = tmp_path / f"{name}-out"
        for fmt in FORMATS:
            gap = difference(reference, np.load(out / f"{fmt}.npy"))
            assert gap.ok, (name, fmt, gap)
        meta = json.loads((out / "onnx_meta.json").read_text())
        assert meta["layerforge_version"] == __version__
        assert meta["task"] == trained.info.task
        assert json.loads(meta["class_names"]) == (trained.info.class_names or [])
        assert json.loads(meta["feature_names"]) == (trained.preprocessing.get("feature_names") or [])
        assert json.loads(meta["layerforge.preprocessing"]) == trained.preprocessing
