"""The run picker's one-line summary of a run folder (designer/export/runs.py)."""

import json
from pathlib import Path

from core.project import Project
from designer.export.runs import read_entry

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"


def _run_folder(tmp_path: Path, example: str) -> Path:
    folder = tmp_path / example
    folder.mkdir()
    project = json.loads(Project.load(EXAMPLES / f"{example}.lfproj").to_json())
    run = {"format": "layerforge.run", "status": "completed", "epochs_completed": 12,
           "monitor": "val_loss", "best": {"val_loss": 0.3125}, "project": project}
    (folder / "run.json").write_text(json.dumps(run), encoding="utf-8")
    (folder / "model.safetensors").write_bytes(b"")
    return folder


def test_a_classifier_run_shows_its_best_monitored_value(tmp_path):
    entry = read_entry(_run_folder(tmp_path, "spiral_mlp"))
    assert entry.summary == "completed, 12 epochs, best val_loss 0.3125"


def test_a_gan_run_says_it_keeps_its_last_epoch_instead_of_a_best_loss(tmp_path):
    entry = read_entry(_run_folder(tmp_path, "gan_digits"))
    assert "best" not in entry.summary
    assert entry.summary == "completed, 12 epochs, GAN, last epoch kept"
