"""The scripts the standalone-code export copies as they are: ``predict.py`` and ``train.py``.

They import only numpy, torch, safetensors, pandas and Pillow (never LayerForge) and
find ``model.py`` and ``preprocessing.json`` beside themselves once copied into an
export folder. They are modules here so that they are shipped and checked with the rest.
"""
