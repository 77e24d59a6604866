"""Where trained classifier versions live and which one is active.

Kept apart from :mod:`exitlens.coding.classifier` so that the embedding coder can find the
thresholds saved with the active version without importing the classifier (which imports
the embedding coder).
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ConfigError

META_FILE = "meta.json"
CLASSIFIER_DIR = "classifier"
BUILTIN_NAME = "classifier-builtin"  # the built-in version's name, also a valid choice


def _version_key(path: Path) -> tuple[Any, ...]:
    # model-20261121-063500, model-20261121-063500-2, … -10: digits compare as numbers.
    return tuple(int(x) if x.isdigit() else x for x in re.split(r"(\d+)", path.name))


def list_versions(model_dir: str | Path) -> list[Path]:
    """Saved versions, oldest first (timestamped names, same-second suffixes in order)."""
    base = Path(model_dir) / CLASSIFIER_DIR
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if (p / META_FILE).is_file()), key=_version_key)


def read_meta(path: str | Path) -> dict[str, Any]:
    """A version's ``meta.json`` ({} when unreadable)."""
    try:
        data: dict[str, Any] = json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data


def active_model_path(model_dir: str | Path | None, choice: str | None) -> Path | None:
    """Like :func:`resolve_model_path` but None (not an error) for a missing choice."""
    try:
        return resolve_model_path(model_dir, choice)
    except ConfigError:
        return None


def default_model_path() -> Path:
    return Path(str(resources.files("exitlens").joinpath("data/coding/classifier-builtin")))


def resolve_model_path(model_dir: str | Path | None, choice: str | None) -> Path | None:
    """The configured version (a directory, a version name in ``model_dir``, or
    :data:`BUILTIN_NAME` for the built-in model), else the newest in ``model_dir``, else
    the built-in model."""
    if choice:
        direct = Path(choice)
        if (direct / META_FILE).is_file():
            return direct
        if model_dir and (Path(model_dir) / CLASSIFIER_DIR / choice / META_FILE).is_file():
            return Path(model_dir) / CLASSIFIER_DIR / choice
        if choice == BUILTIN_NAME and (default_model_path() / META_FILE).is_file():
            return default_model_path()
        raise ConfigError(f"no classifier version {choice!r}", code="model_missing")
    versions = list_versions(model_dir) if model_dir else []
    if versions:
        return versions[-1]
    builtin = default_model_path()
    return builtin if (builtin / META_FILE).is_file() else None
