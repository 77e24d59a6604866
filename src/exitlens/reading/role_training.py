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

The people the built-in model was trained on ship with the package as numbers only
(``data/reading/role_examples.json``: each person's feature values, rule verdict and
label; no text, document ids hashed), so a project that labels its own documents trains on
its people *and* ours (:func:`train_role_model`; its people weighted so that together they
count as much as ours, :func:`own_weight`). Played out with each later real set as a
project's own (``benchmarks/bench_role_adapt.py``, defector F1 on its held-out pages): with
3–5 labelled documents a model of the project's people alone fell below the built-in one
(0.59–0.69 against 0.65–0.70) while this recipe stayed within 0.005 of it or above
(0.68–0.70); with 10 or more it was 0.005–0.024 below the project-only model on the set
whose pages differ most from ours (both above the built-in 0.65) and 0.005–0.019 above it
on the other. Averaged over the sizes it was the best of the four recipes tried (0.695;
equal weights 0.690, the project alone 0.675, the built-in model 0.674).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import ExitlensError
from ..linear import fit_logistic, save_json, save_json_model
from .role_model import FEATURES, ROLE_MODEL_KIND, RoleModel, load_role_model, may_promote

if TYPE_CHECKING:
    from ..gold import GoldRecord
    from ..model import DocumentReading


ROLE_THRESHOLD = 0.5
ROLE_EXAMPLES_KIND = "exitlens-role-examples"
BUILTIN_GROUP = "built-in"


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
        trained_on: Sequence[str] = (), weights: Sequence[float] | None = None
        ) -> RoleModel:
    """Fit the role model on all ``examples`` (``weights``: one per example)."""
    return fit_logistic([e.features for e in examples], [e.label for e in examples],
                        FEATURES, ROLE_MODEL_KIND, c=c, threshold=threshold,
                        trained_on=trained_on, sample_weight=weights)


def own_weight(n_builtin: int, n_own: int) -> float:
    """The weight of each of a project's own labelled people trained beside ``n_builtin``
    built-in ones: together they count as much as all the built-in people (never less
    than one each). Measured in ``benchmarks/bench_role_adapt.py``: with equal weights a
    project's few labelled documents left the model close to the built-in one on a set
    whose pages differ from ours (10 documents: 0.67 against 0.70 with this weighting);
    where the pages are like ours the two were within 0.01."""
    return max(1.0, n_builtin / n_own) if n_own else 1.0


def fit_with_builtin(builtin: Sequence[RoleExample], own: Sequence[RoleExample],
                     c: float = 0.2, threshold: float = 0.5,
                     trained_on: Sequence[str] = ()) -> RoleModel:
    """A role model fitted on the built-in people and a project's own (weighted by
    :func:`own_weight`)."""
    w = own_weight(len(builtin), len(own))
    return fit([*builtin, *own], c=c, threshold=threshold, trained_on=trained_on,
               weights=[1.0] * len(builtin) + [w] * len(own))


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
    F1 of the rules alone, of the built-in model (when the built-in people were used) and
    of rules plus a model fitted *without* each of the file's documents in turn."""

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
                     c: float = 0.2, threshold: float | None = ROLE_THRESHOLD,
                     builtin: bool = True, k: int = 5) -> RoleTrainingReport:
    """Fit a role model on every person of the labelled files ``gold_paths`` and, with
    ``builtin`` (the default), the people the built-in model was trained on
    (:func:`load_role_examples`).

    Each labelled document is scored by a model fitted without it (grouped folds over
    the files' documents, ``k`` at most; the built-in people are always in training), and
    per file the defector F1 of the rules alone, of the built-in model and of the model
    trained with the file's labels is reported. ``threshold=None`` chooses the threshold
    on those held-out scores instead of the fixed one.
    """
    from ..gold import grouped_folds, load_gold

    by_file: dict[str, tuple[list[RoleExample], int]] = {}
    records: list[tuple[str, GoldRecord]] = []
    for path in gold_paths:
        loaded = load_gold(path)
        records.extend((str(path), r) for r in loaded)
        by_file[str(path)] = (collect_examples(loaded, str(path), settings),
                              sum(len(r.defectors) for r in loaded))
    own = [e for ex, _ in by_file.values() for e in ex]
    shipped = _read_examples(builtin_role_examples_path()) if builtin else None
    base = _examples_of(shipped) if shipped else []
    examples = base + own
    if not own or not any(e.label for e in examples) or all(e.label for e in examples):
        raise ExitlensError("the labelled files need both defectors and other people"
                            + (" (with the built-in people: none of yours was found)"
                               if builtin and not own else ""), code="no_training_data")
    fold_of: dict[tuple[str, str], int] = {}
    if len(records) > 1:
        folds = grouped_folds([r for _, r in records], k=min(k, len(records)))
        for j, fold in enumerate(folds):
            for i in fold:
                fold_of[(records[i][0], records[i][1].id)] = j
    scores = _held_out_scores(own, base, fold_of, c)
    reference = load_role_model(None) if base else None  # what fitting ``base`` gives
    chosen = ROLE_THRESHOLD if threshold is None else threshold
    if threshold is None and scores is not None:
        chosen = choose_threshold(own, scores, sum(n for _, n in by_file.values()))
    per_file: list[dict[str, float | str]] = []
    if scores is not None:
        offset = 0
        for path, (ex, n) in by_file.items():
            sc = scores[offset:offset + len(ex)]
            offset += len(ex)
            rules = combined_f1(ex, sc, 2.0, n)
            both = combined_f1(ex, sc, chosen, n)
            row: dict[str, float | str] = {
                "file": path, "gold": float(n), "rules_f1": rules[2],
                "with_model_f1": both[2], "with_model_precision": both[0],
                "with_model_recall": both[1]}
            if reference is not None:
                row["builtin_f1"] = combined_f1(
                    ex, [reference.probability(e.features) for e in ex],
                    reference.threshold, n)[2]
            per_file.append(row)
    names = [Path(p).name for p in by_file]
    if shipped:
        names = [*map(str, shipped["trained_on"]), *names]
    model = fit_with_builtin(base, own, c=c, threshold=chosen, trained_on=names)
    return RoleTrainingReport(model=model, examples=len(examples),
                              positives=sum(e.label for e in examples), per_file=per_file)


def _held_out_scores(own: Sequence[RoleExample], base: Sequence[RoleExample],
                     fold_of: Mapping[tuple[str, str], int], c: float) -> list[float] | None:
    """Each of ``own``'s probability from a model fitted on ``base`` and the other folds'
    examples (None with fewer than two folds, or a fold whose training side lacks one
    kind of person)."""
    folds = sorted(set(fold_of.values()))
    if len(folds) < 2:
        return None
    scores = [0.0] * len(own)
    for j in folds:
        mine = [e for e in own if fold_of.get((e.group, e.document)) != j]
        if not any(e.label for e in [*base, *mine]) or all(e.label for e in [*base, *mine]):
            return None
        model = fit_with_builtin(base, mine, c=c)
        for i, e in enumerate(own):
            if fold_of.get((e.group, e.document)) == j:
                scores[i] = model.probability(e.features)
    return scores


def save_role_model(model: RoleModel, path: str | Path) -> Path:
    """Write ``model`` as JSON atomically."""
    return save_json_model(model, path)


def builtin_role_examples_path() -> Path:
    return Path(str(resources.files("exitlens") / "data" / "reading" / "role_examples.json"))


def _hashed(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:16]


def save_role_examples(examples: Sequence[RoleExample], path: str | Path,
                       trained_on: Sequence[str]) -> Path:
    """Write ``examples`` as numbers only (feature values in :data:`FEATURES` order, rule
    verdict, eligibility, label; document ids hashed), atomically."""
    data: dict[str, Any] = {
        "kind": ROLE_EXAMPLES_KIND, "version": 1, "features": list(FEATURES),
        "trained_on": list(trained_on),
        "examples": [{"document": _hashed(e.document), "rule_defector": e.rule_defector,
                      "eligible": e.eligible, "label": e.label,
                      "values": [round(float(e.features.get(f, 0.0)), 6) for f in FEATURES]}
                     for e in examples]}
    return save_json(data, Path(path))


def _read_examples(path: Path) -> dict[str, Any]:
    """The validated contents of a role examples file (an ``ExitlensError`` naming it
    otherwise, also when its features are not this version's :data:`FEATURES`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("kind") != ROLE_EXAMPLES_KIND:
            raise ValueError(f"not an {ROLE_EXAMPLES_KIND} file (kind field)")
        if tuple(data["features"]) != FEATURES:
            raise ValueError("its features are not this version's role features: "
                             "regenerate it with scripts/train_role_model.py")
        for row in data["examples"]:
            if len(row["values"]) != len(FEATURES):
                raise ValueError("an example has the wrong number of values")
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ExitlensError(str(exc), code="role_examples_invalid", where=str(path)) from exc
    return data


def load_role_examples(path: str | Path | None = None) -> list[RoleExample]:
    """The people a role model was trained on, from :func:`save_role_examples`'s file (the
    built-in model's when ``path`` is None); their group is :data:`BUILTIN_GROUP`."""
    return _examples_of(_read_examples(Path(path) if path else builtin_role_examples_path()))


def _examples_of(data: Mapping[str, Any]) -> list[RoleExample]:
    return [RoleExample(group=BUILTIN_GROUP, document=str(row["document"]),
                        features=dict(zip(FEATURES, map(float, row["values"]), strict=True)),
                        rule_defector=bool(row["rule_defector"]),
                        eligible=bool(row["eligible"]), label=bool(row["label"]))
            for row in data["examples"]]


def builtin_trained_on() -> list[str]:
    """The labelled sets behind the built-in people (:func:`load_role_examples`)."""
    return [str(x) for x in _read_examples(builtin_role_examples_path())["trained_on"]]


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
