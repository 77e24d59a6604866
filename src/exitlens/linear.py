"""Small logistic-regression models stored as readable JSON.

Two places learn a weighting of hand-made features from labelled data: the role
model (who is a defector) and the stacked coding ensemble (which suggested codes
hold). Both are a standardised logistic regression: a list of feature names, their
mean and scale, weights, a bias and a decision threshold. Storing exactly that as
JSON (no pickles) keeps the models small, inspectable, diffable in git and safe to
load from a colleague's project folder.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .atomic import write_atomically
from .errors import ExitlensError


@dataclass(frozen=True)
class LogisticModel:
    """``p = σ(bias + Σ wᵢ·(xᵢ − meanᵢ)/scaleᵢ)``; decide positive when ``p ≥ threshold``."""

    kind: str
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    trained_on: tuple[str, ...] = ()

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.bias
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.weights,
                                   strict=True):
            z += w * ((float(values.get(name, 0.0)) - mu) / (sd or 1.0))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "version": 1, "features": list(self.features),
            "mean": list(self.mean), "scale": list(self.scale), "weights": list(self.weights),
            "bias": self.bias, "threshold": self.threshold, "trained_on": list(self.trained_on),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str, kind: str) -> LogisticModel:
        """Validate and build; any problem is an :class:`ExitlensError` naming ``where``."""
        code = f"{kind.removeprefix('exitlens-')}_invalid".replace("-", "_")
        try:
            if not isinstance(data, Mapping) or data.get("kind") != kind:
                raise ValueError(f"not an {kind} file (kind field)")
            feats = tuple(str(f) for f in data["features"])
            mean = tuple(float(x) for x in data["mean"])
            scale = tuple(float(x) for x in data["scale"])
            weights = tuple(float(x) for x in data["weights"])
            if not (len(mean) == len(scale) == len(weights) == len(feats)):
                raise ValueError("features, mean, scale and weights differ in length")
            return cls(kind, feats, mean, scale, weights, float(data["bias"]),
                       float(data["threshold"]),
                       tuple(str(x) for x in data.get("trained_on", ())))
        except (KeyError, TypeError, ValueError) as exc:
            raise ExitlensError(str(exc), code=code, where=where) from exc


def fit_logistic(rows: Sequence[Mapping[str, float]], labels: Sequence[bool],
                 features: Sequence[str], kind: str, *, c: float = 0.2,
                 threshold: float = 0.5, trained_on: Sequence[str] = (),
                 balanced: bool = True, sample_weight: Sequence[float] | None = None
                 ) -> LogisticModel:
    """Fit a standardised, L2-regularised logistic regression (scikit-learn);
    ``sample_weight`` weighs the rows in the fit (the scaling stays unweighted)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.array([[r.get(f, 0.0) for f in features] for r in rows], dtype=float)
    y = np.array(labels, dtype=int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    clf = LogisticRegression(C=c, class_weight="balanced" if balanced else None,
                             max_iter=2000)
    clf.fit((x - mean) / scale, y,
            sample_weight=None if sample_weight is None else np.asarray(sample_weight, float))
    return LogisticModel(kind=kind, features=tuple(features),
                         mean=tuple(float(v) for v in mean),
                         scale=tuple(float(v) for v in scale),
                         weights=tuple(float(v) for v in clf.coef_[0]),
                         bias=float(clf.intercept_[0]), threshold=threshold,
                         trained_on=tuple(trained_on))


def load_json_model(path: Path, kind: str) -> LogisticModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        code = f"{kind.removeprefix('exitlens-')}_invalid".replace("-", "_")
        raise ExitlensError(str(exc), code=code, where=str(path)) from exc
    return LogisticModel.from_json(data, str(path), kind)


def load_json_model_cached(path: Path, kind: str) -> LogisticModel:
    """:func:`load_json_model`, cached by the file's path, inode, size and modification
    time: a model file replaced in place (a retrain, a cross-validation fold writing the
    same name again) is read afresh, never served from the cache."""
    try:
        st = path.stat()
    except OSError:
        return load_json_model(path, kind)  # raises the named error
    return _load_cached(str(path), kind, st.st_ino, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=32)
def _load_cached(path: str, kind: str, inode: int, mtime_ns: int, size: int) -> LogisticModel:
    return load_json_model(Path(path), kind)


def save_json_model(model: LogisticModel, path: str | Path) -> Path:
    """Write ``model`` atomically (a temporary file renamed into place)."""
    return save_json(model.to_json(), Path(path), indent=1)


def save_json(data: Any, target: Path, *, indent: int | None = None) -> Path:
    """Write ``data`` as JSON to ``target`` (its folder made if needed) atomically; a
    failure is ``bad_output_path`` naming the file."""
    target.parent.mkdir(parents=True, exist_ok=True)

    def write(fh: Any) -> None:
        json.dump(data, fh, indent=indent, separators=None if indent else (",", ":"))
        fh.write("\n")

    return write_atomically(target, write, error=lambda reason: ExitlensError(
        f"cannot write {target.name}: {reason}", code="bad_output_path", where=str(target)))
