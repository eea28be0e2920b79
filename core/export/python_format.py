"""Standalone PyTorch code: a folder that runs with torch, numpy and safetensors only.

``model.py`` (generated, see :mod:`core.export.codegen`), ``weights.safetensors``,
``preprocessing.json``, ``encoder.py``, ``csv_lines.py``, ``predict.py`` and ``train.py`` (copied from
:mod:`core.export.standalone`; ``train.py`` gets its optimiser and loss tables from the
registries, see :mod:`core.export.train_tables`) and a ``README.md`` written for this
model. The weights file also carries LayerForge's record in its metadata, so
``layerforge predict FOLDER`` can rebuild the model without running the folder's code.
Verification imports ``model.py`` in a fresh Python process that cannot import LayerForge.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.atomic import write_bytes_atomic, write_text_atomic
from core.errors import ExportError
from core.export.codegen import class_name_for, model_source
from core.export.train_tables import with_tables
from core.export.verify import CleanCheck
from core.export.weights_format import weights_bytes

WEIGHTS_FILE = "weights.safetensors"
SCRIPTS = ("predict.py", "train.py")
#: Modules of core/data the scripts import, copied as they are (numpy and the standard library only).
SHARED_MODULES = ("encoder.py", "csv_lines.py")


def node_shapes(trained) -> dict[str, tuple]:
    """Each node's output shape (without the batch), for the comments in ``model.py``."""
    from core.shapes import ShapeInference

    analysis = ShapeInference().analyze(trained.project.graph, trained.info.shapes(trained.spec.loss))
    shapes = {}
    for node_id in trained.project.graph.nodes:
        shape = analysis.shape_of(node_id)
        if shape is not None:
            shapes[node_id] = tuple(shape)
    return shapes


def write(trained, path: Path, sample: np.ndarray, record: dict[str, Any]) -> None:
    """Write the folder ``path`` (created; it must not hold anything yet)."""
    path.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path / "model.py", model_source(trained, node_shapes(trained),
                                                      record.get("run_name", "")))
    write_bytes_atomic(path / WEIGHTS_FILE, weights_bytes(trained, record))
    write_text_atomic(path / "preprocessing.json", json.dumps(trained.preprocessing, indent=2) + "\n")
    for name in SCRIPTS:
        text = script_source(name)
        write_text_atomic(path / name, with_tables(text) if name == "train.py" else text)
    # The one preprocessing encoder and the row numbering, copied as they are (numpy only):
    # predict.py imports them.
    for module in SHARED_MODULES:
        write_text_atomic(path / module, shared_source(module))
    write_text_atomic(path / "README.md", readme(trained))


def shared_source(name: str) -> str:
    """The text of ``core/data/<name>`` (:data:`SHARED_MODULES`), which the scripts import."""
    try:
        return resources.files("core.data").joinpath(name).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as err:
        raise ExportError(f"this installation of LayerForge lacks core/data/{name} ({err}):"
                          " reinstall LayerForge") from None


def script_source(name: str) -> str:
    """The text of ``predict.py`` or ``train.py`` (shipped as source in core/export/standalone)."""
    try:
        return resources.files("core.export.standalone").joinpath(name).read_text(encoding="utf-8")
    except (OSError, ModuleNotFoundError) as err:
        raise ExportError(f"this installation of LayerForge lacks core/export/standalone/{name}"
                          f" ({err}): reinstall LayerForge") from None


def clean_check(path: Path) -> CleanCheck:
    """The folder's ``model.py`` imported in a process that cannot import LayerForge."""
    return CleanCheck(f"import model as code\nmodel = code.load_model({str(path)!r})\n", [str(path)])


def _data_words(trained) -> tuple[str, str]:
    """(what DATA is for predict.py/train.py, what the model's input is)."""
    pre = trained.preprocessing
    if pre.get("kind") == "image" or len(trained.info.input_shape) == 3:
        return ("a folder of images (for train.py: one sub-folder per class)",
                f"`(N, {', '.join(map(str, trained.info.input_shape))})` float32 pixels in [0, 1],"
                " channels first, at the trained size (predict.py resizes); the normalisation is inside")
    features = pre.get("feature_names") or trained.info.feature_names or []
    listed = ", ".join(f"`{f}`" for f in features[:20]) + (" ..." if len(features) > 20 else "")
    columns = [c["name"] for c in ((pre.get("table") or {}).get("columns") or [])] or features
    data = ("a CSV file with the columns " + ", ".join(f"`{c}`" for c in columns[:20])
            + (" ..." if len(columns) > 20 else ""))
    if trained.info.target_names and trained.info.task != "reconstruction":
        data += " (and, for train.py, " + ", ".join(f"`{t}`" for t in trained.info.target_names) + ")"
    return data, (f"`(N, {', '.join(map(str, trained.info.input_shape))})` float32 encoded features"
                  f" ({listed}), unscaled: any scaling happens inside the model")


def _output_words(trained) -> str:
    task = trained.info.task
    if task == "classification":
        classes = trained.info.class_names or []
        return (f"`(N, {len(classes)})` class probabilities, in the order of `Predictor.CLASS_NAMES`: "
                + ", ".join(f"`{c}`" for c in classes))
    if task == "multilabel":
        return (f"`(N, {len(trained.info.target_names)})` label probabilities, in the order of"
                " `Predictor.TARGET_NAMES`")
    if task == "regression":
        return (f"`(N, {len(trained.info.target_names)})` predicted values in the target's own units: "
                + ", ".join(f"`{t}`" for t in trained.info.target_names))
    return "the reconstructed input, same shape as the input"


def readme(trained) -> str:
    title = trained.project.name
    data, given = _data_words(trained)
    cls = class_name_for(title)
    return f"""# {title} — standalone PyTorch code

Exported by LayerForge {__version__}. Nothing here needs LayerForge: Python 3.10+ with
`torch`, `numpy` and `safetensors`, plus `pandas` for CSV files or `Pillow` for images.

| file | what it is |
| --- | --- |
| `model.py` | `{cls}`, the network as a plain `nn.Module`; `Predictor`, the preprocessing around it; `load_model()` |
| `weights.safetensors` | the trained weights (`{cls}`'s `state_dict`) |
| `preprocessing.json` | how raw data becomes the input: columns, categories, fill values, scaling, image size |
| `predict.py` | predictions for a CSV file or image folder, written as a CSV file |
| `encoder.py` | turns raw rows or images into the model's input as LayerForge did (numpy only; `predict.py` and `train.py` use it) |
| `csv_lines.py` | numbers a CSV file's rows as a spreadsheet shows them, blank lines counted (`predict.py` uses it) |
| `train.py` | trains the model again on new data, in one process or several (`torchrun`) |

## The model

- Input: {given}.
- Output: {_output_words(trained)}.

```python
import torch
import model

predictor = model.load_model()          # or model.load_model(device="cuda")
with torch.no_grad():
    outputs = predictor(x)
```

## Predict

```
python predict.py DATA --out predictions.csv
```

DATA is {data}.
The CSV written has one row per sample: the row number or file, `prediction` and, for
classification, `prob_<class>` for each class.

## Train again

```
python train.py --data DATA --epochs 10                           # one process
torchrun --standalone --nproc-per-node 4 train.py --data DATA     # 4 GPUs (or processes)
torchrun --nnodes 2 --nproc-per-node 4 --rdzv-backend c10d \\
         --rdzv-endpoint node1.example.org:29400 --rdzv-id run-1 train.py --data DATA
```

It starts from `weights.safetensors` (`--from-scratch` for fresh weights), keeps the
preprocessing of `preprocessing.json`, and writes the best weights to
`retrained.safetensors`; use them with `python predict.py DATA --weights retrained.safetensors`.
"""
