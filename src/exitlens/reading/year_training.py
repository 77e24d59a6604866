"""Training the year model (:mod:`exitlens.reading.year_model`) on labelled documents.

Examples are the defectors the reading found that match a labelled defector (located
as :func:`exitlens.gold.match_defectors` does), each with every year its document
names: a candidate is positive when it is the labelled ``joined_year``. Readings
should come from the profile *rules* alone (``reading.year_model: none``), so the
``rule_joined`` feature means what it will mean when the model runs.

The decision threshold is chosen by grouped cross-validation inside the training
documents: for each inner fold the model is fitted on the others and the threshold
that makes the held-out profiles most accurate (a value the labels lack counts as an
error, as in ``benchmarks/bench_real.py``) is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..config import Settings
from ..gold import GoldRecord, grouped_folds, match_defectors
from ..linear import fit_logistic, save_json_model
from ..model import DocumentReading
from .profile import _JOIN_RE, _LEAVE_RE, _published_year
from .year_model import FEATURES, YEAR_MODEL_KIND, YearCandidate, YearModel, year_candidates

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5)
REGULARISATION = 0.3


@dataclass
class YearExample:
    """One matched defector: the labelled joining year, the rules' and the candidates."""

    record_id: str
    gold: int | None
    rule: int | None
    left: int | None
    candidates: list[YearCandidate]


def year_examples(records: Sequence[GoldRecord],
                  readings: Sequence[DocumentReading]) -> list[YearExample]:
    out: list[YearExample] = []
    for record, reading in zip(records, readings, strict=True):
        preds = [k for k, p in enumerate(reading.persons) if p.is_defector]
        pairs = match_defectors(record.defectors, [reading.persons[k] for k in preds],
                                record.text)
        published = _published_year(reading.document.published)
        for gi, pi in pairs:
            person = reading.persons[preds[pi]]
            gold = record.defectors[gi].values.get("joined_year")
            out.append(YearExample(
                record.id, int(gold) if gold is not None else None,
                person.profile.joined_year.value if person.profile.joined_year else None,
                person.profile.left_year.value if person.profile.left_year else None,
                year_candidates(reading, preds[pi], published, _JOIN_RE, _LEAVE_RE)))
    return out


def fit(examples: Sequence[YearExample], threshold: float = 0.5,
        trained_on: Sequence[str] = ()) -> YearModel:
    rows = [c.features for e in examples for c in e.candidates]
    labels = [c.year == e.gold for e in examples for c in e.candidates]
    if not any(labels) or all(labels):
        raise ValueError("the year model needs both right and wrong candidate years")
    return fit_logistic(rows, labels, FEATURES, YEAR_MODEL_KIND, c=REGULARISATION,
                        threshold=threshold, trained_on=trained_on, balanced=False)


def predicted(example: YearExample, model: YearModel, threshold: float) -> int | None:
    """The joining year the profile would carry: the rules', else the model's choice."""
    if example.rule is not None:
        return example.rule
    best: tuple[int, float] | None = None
    for cand in example.candidates:
        if example.left is not None and cand.year > example.left:
            continue
        p = model.probability(cand.features)
        if best is None or p > best[1]:
            best = (cand.year, p)
    return best[0] if best is not None and best[1] >= threshold else None


def accuracy(pairs: Sequence[tuple[int | None, int | None]]) -> float:
    """Share right among the (gold, predicted) pairs where either side has a value."""
    counted = [(g, p) for g, p in pairs if g is not None or p is not None]
    return sum(g == p for g, p in counted) / len(counted) if counted else 0.0


def grouped_fit(examples: Sequence[YearExample], group_of: Mapping[str, str],
                trained_on: Sequence[str] = ()) -> YearModel:
    """Fit on every example, threshold chosen by cross-validation over ``group_of``'s
    groups (document id → group; documents sharing a person share a group)."""
    groups = sorted({group_of.get(e.record_id, e.record_id) for e in examples})
    scored: dict[float, list[tuple[int | None, int | None]]] = {t: [] for t in THRESHOLDS}
    for g in groups:
        held = [e for e in examples if group_of.get(e.record_id, e.record_id) == g]
        rest = [e for e in examples if group_of.get(e.record_id, e.record_id) != g]
        try:
            inner = fit(rest)
        except ValueError:
            continue
        for t in THRESHOLDS:
            scored[t].extend((e.gold, predicted(e, inner, t)) for e in held)
    best = max(THRESHOLDS, key=lambda t: (accuracy(scored[t]), -t))
    return fit(examples, threshold=best, trained_on=trained_on)


def save_year_model(model: YearModel, path: str) -> str:
    return str(save_json_model(model, path))


def collect_year_examples(records: Sequence[GoldRecord],
                          settings: Settings | None = None) -> list[YearExample]:
    """Read ``records`` with the profile rules alone (role and year models off) and
    turn every matched defector into a :class:`YearExample`."""
    from ..gold import run_pipeline

    base = settings or Settings()
    stages = [s for s in base.reading.stages if s != "code"]
    reading_cfg = base.reading.model_copy(
        update={"role_model": "none", "year_model": "none", "stages": stages})
    readings = run_pipeline(records, base.model_copy(update={"reading": reading_cfg}))
    return year_examples(records, readings)


def train_year_model(records: Sequence[GoldRecord], examples: Sequence[YearExample],
                     train: Sequence[int] | None = None, k: int = 5,
                     trained_on: Sequence[str] = ()) -> YearModel:
    """A year model fitted on the examples of ``records`` (or of the records at indices
    ``train``), its threshold chosen by grouped ``k``-fold CV inside them."""
    chosen = [records[i] for i in (range(len(records)) if train is None else train)]
    group_of: dict[str, str] = {}
    for j, fold in enumerate(grouped_folds(chosen, k=k)):
        for i in fold:
            group_of[chosen[i].id] = f"fold{j}"
    mine = [e for e in examples if e.record_id in group_of]
    return grouped_fit(mine, group_of, trained_on=trained_on)
