"""Learned choices for profile fields the rules leave empty: joining year and exit mode.

The profile rules (:mod:`exitlens.reading.profile`) fill a field only when a cue is tied to
the person by the parse in the same sentence: "he joined in 2014", "she fled". Real pages
say it more loosely — the year two sentences before the joining, "the 24-year-old slipped
out" after a paragraph about someone else — and on held-out real text the rules left the
joining year empty for three defectors in four and the exit mode for a third.

Here every value the document offers becomes a candidate for one defector — each year
it names (``joined_year``), each exit cue the profile's exit patterns find anywhere
(``exit_mode``) — described by general features: how often and where it occurs, whether
its sentence (or one near it) is about the person, whether it sits in the person's own
quote, joining or leaving words near a year, and whether the rules chose it for this or
another field. An exit word after an attempt or a negation ("tried to flee", "did not
surrender") is no candidate, nor is anything inside another speaker's quote or already given
to another person, so in a text about several people one person's story is not lent to
the next. A logistic regression per field,
trained on the people of the real labelled sets (``scripts/train_profile_models.py``;
judged by grouped cross-validation in ``benchmarks/bench_real.py``, threshold chosen by
cross-validation inside the training documents), scores the candidates; the best one
fills the field when its probability reaches the threshold. The rules' own value always
wins. The leaving year and the outcome were tried the same way and did not beat the rules
on held-out real text (``benchmarks/EXPERIMENTS.md``), so they stay with the rules.

Each model is a small JSON file (:class:`~exitlens.linear.LogisticModel`), replaceable
through ``reading.year_model`` / ``reading.exit_mode_model`` ("none" switches one off).
This module imports nothing from :mod:`exitlens.reading.profile`: the profile stage
passes its cue patterns in (:class:`ProfileCues`).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import ExitlensError
from ..linear import LogisticModel, load_json_model_cached
from ..model import DocumentReading, FieldValue, Person, Span

FieldModel = LogisticModel

_YEAR = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
NEAR_CHARS = 60  # a cue word this close to a year in its sentence is "near"


@dataclass(frozen=True)
class ProfileCues:
    """The profile stage's patterns the candidates are described with."""

    join: re.Pattern[str]
    leave: re.Pattern[str]
    exit: re.Pattern[str]  # one named group per exit mode
    exit_modes: tuple[str, ...]
    hedge_before: Callable[[str], bool]  # "tried to", "did not" right before an exit word


@dataclass
class Candidate:
    """One value the document offers for one person's field."""

    value: Any
    spans: list[Span] = field(default_factory=list)
    own_spans: list[Span] = field(default_factory=list)  # in sentences about the person
    features: dict[str, float] = field(default_factory=dict)

    @property
    def span(self) -> Span:
        """The occurrence shown as evidence: the first in a sentence about the person."""
        return (self.own_spans or self.spans)[0]


class _Context:
    """Sentence positions and the person's own sentences and quotes, for one person, and
    what belongs to somebody else: other speakers' quotes and the spans of other people's
    profile values."""

    def __init__(self, reading: DocumentReading, person_index: int):
        self.text = reading.document.text
        self.person = reading.persons[person_index]
        sentences = [s.span for s in reading.sentences] or [Span(0, len(self.text))]
        self.sentences = sentences
        self._starts = [s.start for s in sentences]
        self.own = {self.sentence_of(m.span.start) for m in self.person.mentions}
        self.quotes = [q.span for q in reading.quotes if q.speaker == person_index]
        self.taken = [q.span for q in reading.quotes
                      if q.speaker is not None and q.speaker != person_index]
        for k, other in enumerate(reading.persons):
            if k == person_index:
                continue
            for name in other.profile.SCALAR_FIELDS:
                value = getattr(other.profile, name)
                if value is not None and value.span is not None:
                    self.taken.append(value.span)

    def someone_elses(self, span: Span) -> bool:
        """Inside another speaker's quote, or a value the reading gave another person."""
        return any(t.overlaps(span) for t in self.taken)

    def sentence_of(self, pos: int) -> int:
        return max(0, bisect_right(self._starts, pos) - 1)

    def distance(self, sentence: int) -> int:
        """Sentences between ``sentence`` and the nearest one mentioning the person."""
        return min((abs(sentence - o) for o in self.own), default=99)

    def in_own_quote(self, pos: int) -> bool:
        return any(q.start <= pos < q.end for q in self.quotes)


def _value(fv: FieldValue | None) -> Any:
    return fv.value if fv is not None else None


# --------------------------------------------------------------------------- joined_year
YEAR_FEATURES = (
    "log_count", "is_earliest", "is_latest", "rank", "is_published_year",
    "after_published_year", "rule_joined", "rule_left", "join_near", "leave_near",
    "join_closer", "leave_closer", "own_sentence", "near_own_sentence",
)


def year_candidates(reading: DocumentReading, person_index: int, cues: ProfileCues,
                    published_year: int | None) -> list[Candidate]:
    """Every year 2010–2029 the text names, with its features for ``person_index``."""
    ctx = _Context(reading, person_index)
    text = ctx.text
    rule_joined = _value(ctx.person.profile.joined_year)
    rule_left = _value(ctx.person.profile.left_year)
    found: dict[int, Candidate] = {}
    flags: dict[int, dict[str, float]] = {}
    cue_cache: dict[int, tuple[list[int], list[int]]] = {}
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        span = Span(m.start(), m.end())
        if ctx.someone_elses(span):
            continue
        i = ctx.sentence_of(span.start)
        cand = found.setdefault(year, Candidate(year))
        cand.spans.append(span)
        if i in ctx.own:
            cand.own_spans.append(span)
        if i not in cue_cache:
            sent = ctx.sentences[i]
            chunk = text[sent.start:sent.end]
            cue_cache[i] = ([sent.start + c.start() for c in cues.join.finditer(chunk)],
                            [sent.start + c.start() for c in cues.leave.finditer(chunk)])
        joins, leaves = cue_cache[i]
        jd = min((abs(p - span.start) for p in joins), default=None)
        ld = min((abs(p - span.start) for p in leaves), default=None)
        f = flags.setdefault(year, dict.fromkeys(
            ("join_near", "leave_near", "join_closer", "leave_closer", "own_sentence",
             "near_own_sentence"), 0.0))
        f["join_near"] = max(f["join_near"], _nearness(jd))
        f["leave_near"] = max(f["leave_near"], _nearness(ld))
        if jd is not None and (ld is None or jd < ld):
            f["join_closer"] = 1.0
        if ld is not None and (jd is None or ld < jd):
            f["leave_closer"] = 1.0
        if i in ctx.own:
            f["own_sentence"] = 1.0
        if ctx.distance(i) <= 2:
            f["near_own_sentence"] = 1.0
    years = sorted(found)
    for year, cand in found.items():
        cand.features = {
            "log_count": math.log1p(len(cand.spans)),
            "is_earliest": float(year == years[0]),
            "is_latest": float(year == years[-1]),
            "rank": years.index(year) / max(len(years) - 1, 1),
            "is_published_year": float(published_year is not None and year == published_year),
            "after_published_year": float(published_year is not None and year > published_year),
            "rule_joined": float(year == rule_joined),
            "rule_left": float(year == rule_left),
            **flags[year],
        }
    return [found[y] for y in years]


def _nearness(distance: int | None) -> float:
    if distance is None:
        return 0.0
    return 1.0 if distance < NEAR_CHARS else 0.5


def _not_after_leaving(person: Person, value: Any) -> bool:
    left = _value(person.profile.left_year)
    return left is None or value <= left


# --------------------------------------------------------------------------- exit_mode
def exit_mode_candidates(reading: DocumentReading, person_index: int, cues: ProfileCues,
                         published_year: int | None = None) -> list[Candidate]:
    """Every exit mode the profile's exit patterns find anywhere in the text, with its
    features for ``person_index``."""
    ctx = _Context(reading, person_index)
    text = ctx.text
    rule = _value(ctx.person.profile.exit_mode)
    found: dict[str, Candidate] = {}
    flags: dict[str, dict[str, float]] = {}
    for m in cues.exit.finditer(text):
        mode = next((k for k in cues.exit_modes if m.group(k) is not None), None)
        if mode is None or cues.hedge_before(text[max(0, m.start() - 40):m.start()]):
            continue  # "tried to flee", "did not surrender": not how anyone left
        span = Span(m.start(), m.end())
        if ctx.someone_elses(span):
            continue
        i = ctx.sentence_of(span.start)
        first = not found
        cand = found.setdefault(mode, Candidate(mode))
        cand.spans.append(span)
        if i in ctx.own:
            cand.own_spans.append(span)
        f = flags.setdefault(mode, dict.fromkeys(
            ("own_sentence", "near_1", "near_3", "in_own_quote", "first"), 0.0))
        dist = ctx.distance(i)
        f["own_sentence"] = max(f["own_sentence"], float(dist == 0))
        f["near_1"] = max(f["near_1"], float(dist <= 1))
        f["near_3"] = max(f["near_3"], float(dist <= 3))
        f["in_own_quote"] = max(f["in_own_quote"], float(ctx.in_own_quote(span.start)))
        if first:
            f["first"] = 1.0
    for mode, cand in found.items():
        cand.features = {"log_count": math.log1p(len(cand.spans)), "rule": float(mode == rule),
                         **flags[mode],
                         **{f"is_{m}": float(m == mode) for m in cues.exit_modes}}
    return list(found.values())


def exit_mode_features(cues: ProfileCues) -> tuple[str, ...]:
    return ("log_count", "rule", "own_sentence", "near_1", "near_3", "in_own_quote", "first",
            *(f"is_{m}" for m in cues.exit_modes))


# --------------------------------------------------------------------------- the fields
@dataclass(frozen=True)
class FieldSpec:
    """One learned profile field: where its candidates come from and where its model is."""

    field: str  # the Profile attribute
    kind: str  # the JSON model's kind
    setting: str  # the ReadingSettings attribute naming the model file
    filename: str  # the built-in model in exitlens/data/reading/
    candidates: Callable[[DocumentReading, int, ProfileCues, int | None], list[Candidate]]
    features: Callable[[ProfileCues], tuple[str, ...]]  # the names its candidates carry
    allowed: Callable[[Person, Any], bool] = lambda person, value: True

    def builtin_path(self) -> Path:
        return Path(str(resources.files("exitlens") / "data" / "reading" / self.filename))


FIELDS: dict[str, FieldSpec] = {
    "joined_year": FieldSpec("joined_year", "exitlens-year-model", "year_model",
                             "joined_year_model.json", year_candidates,
                             lambda cues: YEAR_FEATURES, _not_after_leaving),
    "exit_mode": FieldSpec("exit_mode", "exitlens-exit-mode-model", "exit_mode_model",
                           "exit_mode_model.json", exit_mode_candidates, exit_mode_features),
}


def choose(model: FieldModel, candidates: Sequence[Candidate],
           allowed: Callable[[Any], bool] = lambda value: True
           ) -> tuple[Candidate, float] | None:
    """The best-scoring allowed candidate and its probability, when that reaches the
    model's threshold."""
    best: tuple[Candidate, float] | None = None
    for cand in candidates:
        if not allowed(cand.value):
            continue
        p = model.probability(cand.features)
        if best is None or p > best[1]:
            best = (cand, p)
    if best is None or best[1] < model.threshold:
        return None
    return best


def fill_field(reading: DocumentReading, spec: FieldSpec, model: FieldModel,
               cues: ProfileCues, published_year: int | None) -> None:
    """Give each defector the model's value of ``spec.field`` where the rules found none."""
    for idx, person in enumerate(reading.persons):
        if not person.is_defector or getattr(person.profile, spec.field) is not None:
            continue
        cands = spec.candidates(reading, idx, cues, published_year)
        chosen = choose(model, cands, partial(spec.allowed, person))
        if chosen is not None:
            setattr(person.profile, spec.field, FieldValue(chosen[0].value, chosen[0].span))


def describe_field_models(settings: Any) -> str:
    """Which profile fields a run fills with a learned model, for reports."""
    parts = []
    for spec in FIELDS.values():
        choice = getattr(settings.reading, spec.setting)
        model = load_field_model(spec, choice)
        if model is None:
            parts.append(f"{spec.field}: rules only")
        else:
            trained = ", ".join(model.trained_on) or "unknown data"
            parts.append(f"{spec.field}: rules + {choice or 'built-in'} model (threshold "
                         f"{model.threshold:.2f}; trained on {trained})")
    return "; ".join(parts)


def load_field_model(spec: FieldSpec, path: str | None) -> FieldModel | None:
    """The model at ``path`` (the built-in one when None; None for "none" or when the
    built-in file is absent: the rules then decide alone). Cached while the file is
    unchanged."""
    if path == "none":
        return None
    target = Path(path) if path else spec.builtin_path()
    if not target.exists():
        if path:
            code = f"{spec.kind.removeprefix('exitlens-')}_missing".replace("-", "_")
            raise ExitlensError(f"no such {spec.field} model file", code=code, where=path)
        return None
    return load_json_model_cached(target, spec.kind)
