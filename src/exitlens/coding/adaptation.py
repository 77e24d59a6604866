"""Adapting the built-in classifier to a project's own labels (``exitlens train``).

A project labels or reviews a few dozen defectors at most; a classifier trained on those
alone reaches the back-off floor for no code and codes nothing itself. The built-in
classifier's training sentences do not ship (they are third-party text), but its weights
do, so a project's labels *adapt* it instead: each code's logistic regression is refitted
on the project's sentences with its L2 penalty centred on the built-in weights rather
than on zero — the maximum a posteriori fit under a Gaussian prior at the built-in model
(the classic recipe for adapting a maximum-entropy model to a new domain, Chelba & Acero
2006). With the built-in's own penalty strength (``C``), a few labelled documents move
the weights a little and many move them more; codes the project never labels keep the
built-in weights, and the back-off floor counts the built-in's labelled defectors and the
project's together.

Measured end to end in ``benchmarks/bench_classifier_adapt.py`` (each real labelled set
played as a project's own: grouped folds over its English pages, reading and built-in
coders fitted on the other sets only; ``benchmarks/EXPERIMENTS.md``, session 12): with all
of a fold's training documents labelled (about 30), exit / join micro-F1 on the held-out
pages moved +0.120 / +0.099 on the set least like the built-in's training pages, +0.022 /
−0.014 on the second and −0.013 / −0.017 on the set the lexicon was written with; with 5
or 10 labelled documents, less either way. Adapting to reviews of the built-in's
suggestions alone (accepted or rejected, nothing added) moved exit by at most +0.025 and
join by at most −0.029.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from .classifier import ClassifierModel, LabelledSentence, featurize, model_features
from .embedding import build_prototypes
from .versions import BUILTIN_NAME

if TYPE_CHECKING:
    from .codebook import Codebook
    from .embedding import Embedder

log = logging.getLogger(__name__)

ADAPTATION = "L2 penalty centred on the built-in weights (MAP, Gaussian prior)"


def fit_near(x: np.ndarray, y: np.ndarray, weight: np.ndarray, coef: np.ndarray,
             intercept: float, c: float) -> tuple[np.ndarray, float]:
    """Weights and bias minimising ``c · Σ weightᵢ · logloss(xᵢ, yᵢ) + ½‖(w, b) − (coef,
    intercept)‖²``: a logistic regression pulled towards a prior model instead of towards
    zero (with a zero prior it is scikit-learn's fit with the bias penalised like a
    weight)."""
    from scipy.optimize import minimize
    from scipy.special import expit

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    w = np.asarray(weight, dtype=np.float64)
    prior = np.concatenate([np.asarray(coef, dtype=np.float64).ravel(), [float(intercept)]])
    d = x.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ theta[:d] + theta[d]
        loss = c * float(np.sum(w * (np.logaddexp(0.0, z) - y * z)))
        g = w * (expit(z) - y)
        delta = theta - prior
        grad = np.concatenate([c * (x.T @ g), [c * float(g.sum())]]) + delta
        return loss + 0.5 * float(delta @ delta), grad

    result = minimize(objective, prior.copy(), jac=True, method="L-BFGS-B",
                      options={"maxiter": 2000})
    if not result.success:
        log.warning("adapting a code's weights stopped before converging: %s",
                    result.message)
    return result.x[:d], float(result.x[d])


def _balanced(y: np.ndarray) -> np.ndarray:
    """scikit-learn's ``class_weight="balanced"`` (the built-in fit's) per unit; one each
    when the units are all positive (reviews that accepted a code and rejected nothing)."""
    n, n_pos = len(y), float(y.sum())
    if n_pos == n:
        return np.ones(n)
    return np.where(y == 1, n / (2 * n_pos), n / (2 * (n - n_pos)))


def adapt_classifier(model: ClassifierModel, examples: Sequence[LabelledSentence],
                     codebook: Codebook, embedder: Embedder, *,
                     defectors: Mapping[str, int] | None = None, c: float | None = None,
                     note: str = "") -> ClassifierModel:
    """A new classifier version: ``model`` with each code's weights refitted on
    ``examples`` near its own (:func:`fit_near`; ``c`` defaults to the penalty ``model``
    was trained with). A code is refitted when the examples hold a positive unit for it
    (units scoped to other codes do not count); the other codes, the reason gate and the
    thresholds stay as they are. ``defectors``: the project's labelled defectors per code,
    added to ``model``'s for the back-off floor."""
    strength = float(c if c is not None else model.meta.get("C", 0.5))
    features = model_features(model)
    protos = build_prototypes(embedder, codebook)
    x = featurize([e.text for e in examples], codebook, embedder, protos, model.codes,
                  features)
    width = next((est.coef_.shape[1] for est in model.estimators.values()), x.shape[1])
    if x.shape[1] != width:
        raise ConfigError(
            f"the classifier to adapt reads {width} features per sentence and this "
            f"project's embedding model gives {x.shape[1]}: it was trained with another "
            "coding.embedding_model; train --from-scratch instead", code="model_invalid")
    sample = np.array([e.weight for e in examples], dtype=np.float64)
    estimators = dict(model.estimators)
    adapted: dict[str, int] = {}
    for code in model.codes:
        prior = model.estimators.get(code)
        if prior is None:
            continue
        use = np.array([e.scope is None or code in e.scope for e in examples], dtype=bool)
        y = np.array([code in e.codes for e in examples], dtype=np.int64)[use]
        if not y.sum():
            continue
        coef, intercept = fit_near(x[use], y, sample[use] * _balanced(y), prior.coef_[0],
                                   float(prior.intercept_[0]), strength)
        fitted = copy.deepcopy(prior)
        fitted.coef_ = coef[np.newaxis, :]
        fitted.intercept_ = np.array([intercept])
        estimators[code] = fitted
        adapted[code] = int(y.sum())
    counts = dict(model.meta.get("positive_defectors") or {})
    for code, n in (defectors or {}).items():
        counts[code] = int(counts.get(code, 0)) + int(n)
    meta: dict[str, Any] = {
        k: v for k, v in model.meta.items()
        if k not in ("grouped_cv", "grouped_cv_setting", "version", "gate")}
    meta.update({
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "adapted_from": {"version": model.meta.get("version", BUILTIN_NAME),
                         "trained_on": model.meta.get("trained_on", []),
                         "training_units": model.meta.get("training_units")},
        "adaptation": {"method": ADAPTATION, "C": strength, "units": len(examples),
                       "positive_units": dict(sorted(adapted.items()))},
        "codes_adapted": sorted(adapted),
        "positive_defectors": dict(sorted(counts.items())),
        "training_units": len(examples),
        "note": note or f"the built-in classifier adapted to {len(examples)} units",
    })
    return ClassifierModel(list(model.codes), estimators, dict(model.thresholds), meta,
                           gate=model.gate)
