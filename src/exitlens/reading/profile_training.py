"""Training the learned profile fields (:mod:`exitlens.reading.profile_models`).

Examples are the defectors the reading found that match a labelled defector (located as
:func:`exitlens.gold.match_defectors` does), each with the candidates its document offers
for the field: a candidate is positive when it is the labelled value. Readings should come
from the profile *rules* alone (every field model "none"), so the features that say what
the rules chose mean what they will mean when the model runs.

The decision threshold is chosen by grouped cross-validation inside the training
documents: for each inner fold the model is fitted on the others and the threshold that
makes the held-out profiles most accurate (a value the labels lack counts as an error, as
in ``benchmarks/bench_real.py``) is kept.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ExitlensError
from ..gold import GoldRecord, grouped_folds, match_defectors
from ..linear import fit_logistic, save_json_model
from ..model import DocumentReading, Person
from .profile import PROFILE_CUES, _published_year
from .profile_models import FIELDS, Candidate, FieldModel, FieldSpec

THRESHOLDS = (0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6)
REGULARISATION = 0.3


@dataclass
class FieldExample:
    """One matched defector: the labelled value, the rules' value and the candidates."""

    record_id: str
    gold: Any
    rule: Any
    person: Person
    candidates: list[Candidate]


def field_examples(spec: FieldSpec, records: Sequence[GoldRecord],
                   readings: Sequence[DocumentReading]) -> list[FieldExample]:
    out: list[FieldExample] = []
    for record, reading in zip(records, readings, strict=True):
        preds = [k for k, p in enumerate(reading.persons) if p.is_defector]
        pairs = match_defectors(record.defectors, [reading.persons[k] for k in preds],
                                record.text)
        published = _published_year(reading.document.published)
        for gi, pi in pairs:
            person = reading.persons[preds[pi]]
            rule = getattr(person.profile, spec.field)
            out.append(FieldExample(
                record.id, record.defectors[gi].values.get(spec.field),
                rule.value if rule is not None else None, person,
                spec.candidates(reading, preds[pi], PROFILE_CUES, published)))
    return out


def fit(spec: FieldSpec, examples: Sequence[FieldExample], threshold: float = 0.5,
        trained_on: Sequence[str] = ()) -> FieldModel:
    rows = [c.features for e in examples for c in e.candidates]
    labels = [c.value == e.gold for e in examples for c in e.candidates]
    if not any(labels) or all(labels):
        raise ValueError(f"the {spec.field} model needs both right and wrong candidates")
    return fit_logistic(rows, labels, spec.features(PROFILE_CUES), spec.kind, c=REGULARISATION,
                        threshold=threshold, trained_on=trained_on, balanced=False)


def predicted(spec: FieldSpec, example: FieldExample, model: FieldModel,
              threshold: float) -> Any:
    """The value the profile would carry: the rules', else the model's choice."""
    if example.rule is not None:
        return example.rule
    best: tuple[Any, float] | None = None
    for cand in example.candidates:
        if not spec.allowed(example.person, cand.value):
            continue
        p = model.probability(cand.features)
        if best is None or p > best[1]:
            best = (cand.value, p)
    return best[0] if best is not None and best[1] >= threshold else None


def accuracy(pairs: Sequence[tuple[Any, Any]]) -> float:
    """Share right among the (gold, predicted) pairs where either side has a value."""
    counted = [(g, p) for g, p in pairs if g is not None or p is not None]
    return sum(g == p for g, p in counted) / len(counted) if counted else 0.0


def grouped_fit(spec: FieldSpec, examples: Sequence[FieldExample],
                group_of: Mapping[str, str], trained_on: Sequence[str] = ()) -> FieldModel:
    """Fit on every example, the threshold chosen by cross-validation over ``group_of``'s
    groups (document id → group; documents sharing a person share a group)."""
    groups = sorted({group_of.get(e.record_id, e.record_id) for e in examples})
    scored: dict[float, list[tuple[Any, Any]]] = {t: [] for t in THRESHOLDS}
    for g in groups:
        held = [e for e in examples if group_of.get(e.record_id, e.record_id) == g]
        rest = [e for e in examples if group_of.get(e.record_id, e.record_id) != g]
        try:
            inner = fit(spec, rest)
        except ValueError:
            continue
        for t in THRESHOLDS:
            scored[t].extend((e.gold, predicted(spec, e, inner, t)) for e in held)
    best = max(THRESHOLDS, key=lambda t: (accuracy(scored[t]), -t))
    return fit(spec, examples, threshold=best, trained_on=trained_on)


def rules_only(settings: Settings | None = None) -> Settings:
    """``settings`` reading with the rules alone: no role model, no field model, no coding."""
    base = settings or Settings()
    update: dict[str, Any] = {"role_model": "none",
                              "stages": [s for s in base.reading.stages if s != "code"]}
    update.update({spec.setting: "none" for spec in FIELDS.values()})
    return base.model_copy(update={"reading": base.reading.model_copy(update=update)})


def collect_field_examples(records: Sequence[GoldRecord], settings: Settings | None = None
                           ) -> dict[str, list[FieldExample]]:
    """Read ``records`` with the rules alone and turn every matched defector into one
    :class:`FieldExample` per learned field."""
    from ..gold import run_pipeline

    readings = run_pipeline(records, rules_only(settings))
    return {name: field_examples(spec, records, readings) for name, spec in FIELDS.items()}


def train_field_model(spec: FieldSpec, records: Sequence[GoldRecord],
                      examples: Sequence[FieldExample], train: Sequence[int] | None = None,
                      k: int = 5, trained_on: Sequence[str] = ()) -> FieldModel:
    """A model fitted on the examples of ``records`` (or of the records at indices
    ``train``), its threshold chosen by grouped ``k``-fold CV inside them."""
    chosen = [records[i] for i in (range(len(records)) if train is None else train)]
    group_of: dict[str, str] = {}
    for j, fold in enumerate(grouped_folds(chosen, k=k)):
        for i in fold:
            group_of[chosen[i].id] = f"fold{j}"
    mine = [e for e in examples if e.record_id in group_of]
    return grouped_fit(spec, mine, group_of, trained_on=trained_on)


def save_field_model(model: FieldModel, path: str) -> str:
    return str(save_json_model(model, path))


def train_field_models(records: Sequence[GoldRecord], out_dir: Path,
                       settings: Settings | None = None, trained_on: Sequence[str] = ()
                       ) -> list[dict[str, Any]]:
    """Read ``records`` with the rules alone, fit every learned field on them (thresholds
    by grouped CV) and write each model as ``out_dir/<built-in file name>``; one summary
    row per field. ``no_training_data`` (and no file written) when a field has no right and
    wrong candidates."""
    examples = collect_field_examples(records, settings)
    models: dict[str, FieldModel] = {}
    for name, spec in FIELDS.items():  # every model fitted before any file is written
        try:
            models[name] = train_field_model(spec, records, examples[name],
                                             trained_on=trained_on)
        except ValueError as exc:
            raise ExitlensError(f"{exc}: the labelled files need defectors with a labelled "
                                f"{name} the text states", code="no_training_data") from None
    rows: list[dict[str, Any]] = []
    for name, spec in FIELDS.items():
        mine, model = examples[name], models[name]
        path = save_field_model(model, str(out_dir / spec.filename))
        rows.append({"field": name, "path": path, "defectors": len(mine),
                     "labelled": sum(e.gold is not None for e in mine),
                     "candidates": sum(len(e.candidates) for e in mine),
                     "threshold": model.threshold, "setting": f"reading.{spec.setting}"})
    return rows
