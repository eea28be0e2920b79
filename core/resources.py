"""Where LayerForge's shipped files are (schema, examples, icons), installed or not."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path


def resources_dir() -> Path:
    import resources

    return Path(resources.__file__).resolve().parent


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def examples_dir() -> Path:
    return resource_path("examples")


@lru_cache(maxsize=None)
def load_json_resource(*parts: str) -> dict:
    with open(resource_path(*parts), encoding="utf-8") as handle:
        return json.load(handle)
