"""A learned choice of the year a defector joined, where the profile rules found none.

The profile rules (:mod:`exitlens.reading.profile`) give a year to the joining or
leaving verb nearest to it in the same sentence. On real pages that is rare: most
stories say "in 2014" two sentences away from "he joined", or only in a timeline, and
the rules leave ``joined_year`` empty for three defectors in four.

This module weighs every year the document names (2010–2029) as a candidate for one
defector, over general features: how often and where the year occurs (earliest,
latest, the publication year or after it), whether a joining or a leaving word is
near it in its sentence, and whether its sentence (or one of the two around it) is
about the person. A logistic regression over those features, trained on the people
of the real labelled sets (``scripts/train_year_model.py``; judged by grouped
cross-validation in ``benchmarks/bench_real.py``, threshold chosen by cross-validation
inside the training documents), scores the candidates; the best one becomes the
person's ``joined_year`` when its probability reaches the model's threshold. The
rules' own value always wins, so the model only fills gaps.

The leaving year is not modelled: the same features did not beat the rules on
held-out real text (``benchmarks/EXPERIMENTS.md``).

The model is a small JSON file (:class:`~exitlens.linear.LogisticModel` of kind
``exitlens-year-model``), replaceable through ``reading.year_model``.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import ExitlensError
from ..linear import LogisticModel, load_json_model
from ..model import DocumentReading, FieldValue, Span

YEAR_MODEL_KIND = "exitlens-year-model"
YearModel = LogisticModel

_YEAR = re.compile(r"(?<!\d)(20[12]\d)(?!\d)")
NEAR_CHARS = 60  # a cue word this close to the year in its sentence is "near"
FEATURES = (
    "log_count", "is_earliest", "is_latest", "rank", "is_published_year",
    "after_published_year", "rule_joined", "rule_left", "join_near", "leave_near",
    "join_closer", "leave_closer", "own_sentence", "near_own_sentence",
)


@dataclass
class YearCandidate:
    """One year the document names, as a candidate for one person."""

    year: int
    spans: list[Span] = field(default_factory=list)
    own_spans: list[Span] = field(default_factory=list)  # in sentences about the person
    features: dict[str, float] = field(default_factory=dict)

    @property
    def span(self) -> Span:
        """The occurrence shown as evidence: the first in a sentence about the person."""
        return (self.own_spans or self.spans)[0]


def year_candidates(reading: DocumentReading, person_index: int,
                    published_year: int | None, join_re: re.Pattern[str],
                    leave_re: re.Pattern[str]) -> list[YearCandidate]:
    """Every year 2010–2029 the text names, with its features for ``person_index``.

    ``join_re`` / ``leave_re`` are the profile stage's joining and leaving cue patterns
    (passed in so this module stays below :mod:`exitlens.reading.profile`)."""
    text = reading.document.text
    person = reading.persons[person_index]
    sentences = [s.span for s in reading.sentences] or [Span(0, len(text))]
    starts = [s.start for s in sentences]

    def sentence_of(pos: int) -> int:
        return max(0, bisect_right(starts, pos) - 1)

    own = {sentence_of(m.span.start) for m in person.mentions}
    rule_joined = person.profile.joined_year.value if person.profile.joined_year else None
    rule_left = person.profile.left_year.value if person.profile.left_year else None
    found: dict[int, YearCandidate] = {}
    cue_cache: dict[int, tuple[list[int], list[int]]] = {}
    flags: dict[int, dict[str, float]] = {}
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        span = Span(m.start(), m.end())
        i = sentence_of(span.start)
        cand = found.setdefault(year, YearCandidate(year))
        cand.spans.append(span)
        if i in own:
            cand.own_spans.append(span)
        if i not in cue_cache:
            sent = sentences[i]
            chunk = text[sent.start:sent.end]
            cue_cache[i] = ([sent.start + c.start() for c in join_re.finditer(chunk)],
                            [sent.start + c.start() for c in leave_re.finditer(chunk)])
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
        if i in own:
            f["own_sentence"] = 1.0
        if any(abs(i - o) <= 2 for o in own):
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


def choose_joined_year(model: YearModel, candidates: Sequence[YearCandidate],
                       left_year: int | None = None) -> tuple[YearCandidate, float] | None:
    """The best-scoring candidate (never after the person's leaving year) and its
    probability, when that reaches the model's threshold."""
    best: tuple[YearCandidate, float] | None = None
    for cand in candidates:
        if left_year is not None and cand.year > left_year:
            continue
        p = model.probability(cand.features)
        if best is None or p > best[1]:
            best = (cand, p)
    if best is None or best[1] < model.threshold:
        return None
    return best


def fill_joined_years(reading: DocumentReading, model: YearModel,
                      published_year: int | None, join_re: re.Pattern[str],
                      leave_re: re.Pattern[str]) -> None:
    """Give each defector the model's joining year where the rules found none."""
    for idx, person in enumerate(reading.persons):
        if not person.is_defector or person.profile.joined_year is not None:
            continue
        cands = year_candidates(reading, idx, published_year, join_re, leave_re)
        left = person.profile.left_year.value if person.profile.left_year else None
        chosen = choose_joined_year(model, cands, left)
        if chosen is not None:
            person.profile.joined_year = FieldValue(chosen[0].year, chosen[0].span)


def builtin_year_model_path() -> Path:
    return Path(str(resources.files("exitlens") / "data" / "reading" / "year_model.json"))


@lru_cache(maxsize=8)
def load_year_model(path: str | None) -> YearModel | None:
    """The year model at ``path`` (the built-in one when None; None for "none" or when
    the built-in file is absent: the rules then decide alone)."""
    if path == "none":
        return None
    target = Path(path) if path else builtin_year_model_path()
    if not target.exists():
        if path:
            raise ExitlensError("no such year model file", code="year_model_missing",
                                where=path)
        return None
    return load_json_model(target, YEAR_MODEL_KIND)
