"""Training the role model from labelled documents (SPEC §4 gold records).

Every person the reading stages find in a labelled document becomes one example:
positive when it matches a labelled defector (the evaluation's matching), negative
otherwise. The rules run first, exactly as at run time, so the model learns what to
add to them. The promotion threshold is fixed (:data:`ROLE_THRESHOLD`): chosen for the
best defector F1 of *rules plus promotions* under grouped cross-validation inside each
training set, it ranged from 0.30 to 0.95 across training sets drawn from the same
documents (the F1 curve is flat over most of that range), and a fixed 0.5 did at least as
well on average on unseen real pages at 5 and 10 folds (``benchmarks/EXPERIMENTS.md``,
session 9). ``threshold=None`` still chooses one that way, for comparison.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import Settings
from ..linear import fit_logistic, save_json_model
from .role_model import FEATURES, ROLE_MODEL_KIND, RoleModel, may_promote

if TYPE_CHECKING:
    from ..gold import GoldRecord
    from ..model import DocumentReading


ROLE_THRESHOLD = 0.5


@dataclass
class RoleExample:
    """One person of one labelled document."""

    group: str  # the labelled set (or document) it comes from, for grouped CV
    document: str
    features: dict[str, float]
    rule_defector: bool
    eligible: bool  # could be promoted (role_model.may_promote)
    label: bool


def collect_examples(gold: Sequence[GoldRecord], group: str,
                     settings: Settings | None = None) -> list[RoleExample]:
    """Run the reading stages (role model off) over gold records and turn every
    person into a :class:`RoleExample`."""
    from ..gold import run_pipeline

    base = settings or Settings()
    reading_cfg = base.reading.model_copy(update={"role_model": "none"})
    stages = [s for s in reading_cfg.stages if s != "code"]
    reading_cfg = reading_cfg.model_copy(update={"stages": stages})
    cfg = base.model_copy(update={"reading": reading_cfg})
    readings = run_pipeline(gold, cfg, keep=("role_features", "writer"))
    return examples_from_readings(gold, readings, group)


def examples_from_readings(gold: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                           group: str) -> list[RoleExample]:
    """Every person of already-read gold documents (read with the role model off, the
    ``role_features`` and ``writer`` scratch entries kept) as a :class:`RoleExample`,
    positive when :func:`~exitlens.gold.match_defectors` pairs it with a labelled
    defector among *all* the document's persons."""
    from ..gold import match_defectors

    examples: list[RoleExample] = []
    for record, reading in zip(gold, readings, strict=True):
        positives = {pi for _, pi in match_defectors(record.defectors, reading.persons,
                                                     record.text)}
        feats = reading.scratch.get("role_features") or {}
        writer = reading.scratch.get("writer")
        for idx, person in enumerate(reading.persons):
            if idx not in feats:
                continue
            examples.append(RoleExample(
                group=group, document=record.id, features=feats[idx],
                rule_defector=person.role == "defector",
                eligible=may_promote(feats[idx], person.role, idx == writer),
                label=idx in positives))
    return examples


def fit(examples: Sequence[RoleExample], c: float = 0.2, threshold: float = 0.5,
        trained_on: Sequence[str] = ()) -> RoleModel:
    """Fit the role model on all ``examples``."""
    return fit_logistic([e.features for e in examples], [e.label for e in examples],
                        FEATURES, ROLE_MODEL_KIND, c=c, threshold=threshold,
                        trained_on=trained_on)


def combined_f1(examples: Sequence[RoleExample], scores: Sequence[float], threshold: float,
                total_gold: int) -> tuple[float, float, float]:
    """Defector precision, recall, F1 of rules plus promotions at ``threshold``.

    ``total_gold`` counts labelled defectors, including any no person matched.
    """
    tp = fp = 0
    for e, s in zip(examples, scores, strict=True):
        predicted = e.rule_defector or (e.eligible and s >= threshold)
        if predicted and e.label:
            tp += 1
        elif predicted:
            fp += 1
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / total_gold if total_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def cross_validated_scores(examples: Sequence[RoleExample], c: float = 0.2) -> list[float]:
    """Each example's probability from a model fitted without its group."""
    groups = sorted({e.group for e in examples})
    scores = [0.0] * len(examples)
    for g in groups:
        train = [e for e in examples if e.group != g]
        model = fit(train, c=c)
        for i, e in enumerate(examples):
            if e.group == g:
                scores[i] = model.probability(e.features)
    return scores


@dataclass
class RoleTrainingReport:
    """What :func:`train_role_model` did: the model, and per labelled file the defector
    F1 of the rules alone and of rules plus the model fitted *without* that file."""

    model: RoleModel
    examples: int
    positives: int
    per_file: list[dict[str, float | str]]


def choose_threshold(examples: Sequence[RoleExample], scores: Sequence[float],
                     total_gold: int) -> float:
    """The threshold with the best cross-validated F1 of rules plus promotions; ties go
    to the higher (more conservative) threshold."""
    best = (-1.0, 0.9)
    for t in [round(0.3 + 0.05 * i, 2) for i in range(14)]:
        f = combined_f1(examples, scores, t, total_gold)[2]
        if f >= best[0]:
            best = (f, t)
    return best[1]


def train_role_model(gold_paths: Sequence[str], settings: Settings | None = None,
                     c: float = 0.2, threshold: float | None = ROLE_THRESHOLD
                     ) -> RoleTrainingReport:
    """Fit a role model on every person of the labelled files ``gold_paths``.

    With two or more files, each file is scored by a model fitted on the others and the
    per-file figures are reported (``threshold=None``: the threshold is chosen on those
    held-out scores; with one file it then stays at 0.8).
    """
    from ..gold import load_gold

    by_file: dict[str, tuple[list[RoleExample], int]] = {}
    for path in gold_paths:
        records = load_gold(path)
        by_file[str(path)] = (collect_examples(records, str(path), settings),
                              sum(len(r.defectors) for r in records))
    examples = [e for ex, _ in by_file.values() for e in ex]
    if not any(e.label for e in examples) or all(e.label for e in examples):
        from ..errors import ExitlensError

        raise ExitlensError("the labelled files need both defectors and other people",
                            code="no_training_data")
    per_file: list[dict[str, float | str]] = []
    chosen = 0.8 if threshold is None else threshold
    if len(by_file) > 1:
        scores = cross_validated_scores(examples, c=c)
        total = sum(n for _, n in by_file.values())
        if threshold is None:
            chosen = choose_threshold(examples, scores, total)
        offset = 0
        for path, (ex, n) in by_file.items():
            sc = scores[offset:offset + len(ex)]
            offset += len(ex)
            rules = combined_f1(ex, sc, 2.0, n)
            both = combined_f1(ex, sc, chosen, n)
            per_file.append({"file": path, "gold": float(n), "rules_f1": rules[2],
                             "with_model_f1": both[2], "with_model_precision": both[0],
                             "with_model_recall": both[1]})
    model = fit(examples, c=c, threshold=chosen, trained_on=[Path(p).name for p in by_file])
    return RoleTrainingReport(model=model, examples=len(examples),
                              positives=sum(e.label for e in examples), per_file=per_file)


def save_role_model(model: RoleModel, path: str | Path) -> Path:
    """Write ``model`` as JSON atomically."""
    return save_json_model(model, path)


def fit_on_documents(examples: Sequence[RoleExample], train_ids: Collection[str],
                     group_of: Mapping[str, str], total_gold: int, c: float = 0.2,
                     trained_on: Sequence[str] | None = None,
                     threshold: float | None = ROLE_THRESHOLD) -> RoleModel:
    """A role model fitted only on the examples of the documents ``train_ids``.

    With ``threshold=None`` the threshold is chosen on cross-validated scores over those
    same documents, grouped by ``group_of`` (document id → group, e.g. an inner grouped
    fold), so no document outside ``train_ids`` influences weights or threshold.
    ``total_gold`` counts the labelled defectors of the training documents.
    ``trained_on`` defaults to the sorted training document ids (the fold-discipline
    check reads it).
    """
    train = [replace(e, group=group_of.get(e.document, e.document)) for e in examples
             if e.document in train_ids]
    if not any(e.label for e in train) or all(e.label for e in train):
        from ..errors import ExitlensError

        raise ExitlensError("the training documents need both defectors and other people",
                            code="no_training_data")
    chosen = 0.8 if threshold is None else threshold
    if threshold is None and len({e.group for e in train}) > 1:
        chosen = choose_threshold(train, cross_validated_scores(train, c=c), total_gold)
    names = sorted(train_ids) if trained_on is None else list(trained_on)
    return fit(train, c=c, threshold=chosen, trained_on=names)


def grouped_training(records: Sequence[GoldRecord], examples: Sequence[RoleExample],
                     train: Sequence[int] | None = None, k: int = 5,
                     c: float = 0.2, trained_on: Sequence[str] | None = None,
                     threshold: float | None = ROLE_THRESHOLD) -> RoleModel:
    """A role model fitted on the people of ``records`` (or of the records at indices
    ``train``); with ``threshold=None`` its threshold is chosen by grouped ``k``-fold CV
    inside them (:func:`~exitlens.gold.grouped_folds`: one labelled person never
    straddles folds)."""
    from ..gold import grouped_folds

    chosen = [records[i] for i in (range(len(records)) if train is None else train)]
    group_of: dict[str, str] = {}
    for j, fold in enumerate(grouped_folds(chosen, k=k)):
        for i in fold:
            group_of[chosen[i].id] = f"fold{j}"
    total = sum(len(r.defectors) for r in chosen)
    return fit_on_documents(examples, {r.id for r in chosen}, group_of, total, c=c,
                            trained_on=trained_on, threshold=threshold)
