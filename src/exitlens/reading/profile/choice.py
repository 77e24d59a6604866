"""Candidates for each profile field of one person, and the choice among them.

Every cue found for a person adds a :class:`Candidate` (value, span, priority) to their
:class:`Evidence`; :func:`_finish` keeps, per field, the candidate of highest priority
(lowest number), earliest in the text on ties, and weighs gender nouns against pronouns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ...model import FieldValue, Person, Profile, Span

# Priorities (lower wins): in a mention/descriptor, attached to a mention, in a sentence
# by pattern, in a sentence by weaker cue.
P_MENTION, P_ATTACHED, P_SENTENCE, P_WEAK = 0, 1, 2, 3


@dataclass
class Candidate:
    """A possible value for one field of one person."""

    value: Any
    span: Span
    priority: int


@dataclass
class Evidence:
    """Candidates per field for one person, chosen at the end."""

    fields: dict[str, list[Candidate]] = field(default_factory=dict)
    gender_votes: dict[str, list[Span]] = field(default_factory=lambda: {"m": [], "f": []})
    route: list[tuple[int, str, Span]] = field(default_factory=list)
    places: list[tuple[int, str, Span]] = field(default_factory=list)
    origin_spans: set[Span] = field(default_factory=set)

    def add(self, name: str, value: Any, span: Span, priority: int) -> None:
        self.fields.setdefault(name, []).append(Candidate(value, span, priority))

    def best(self, name: str) -> Candidate | None:
        cands = self.fields.get(name)
        if not cands:
            return None
        return min(cands, key=lambda c: (c.priority, c.span.start))



def _finish(person: Person, ev: Evidence) -> None:
    """Choose each field's value from the candidates and store the profile."""
    prof = Profile()
    for name in ("age", "nationality", "occupation", "role", "joined_year", "left_year"):
        cand = ev.best(name)
        if cand is not None:
            setattr(prof, name, FieldValue(cand.value, cand.span))
    if prof.nationality is None:
        cand = ev.best("origin_region")
        if cand is not None:
            prof.origin_region = FieldValue(cand.value, cand.span)
    for name in ("exit_mode", "outcome"):
        cand = ev.best(name)  # priority = precedence of the value
        if cand is not None:
            setattr(prof, name, FieldValue(cand.value, cand.span))
    if (prof.joined_year and prof.left_year
            and prof.left_year.value < prof.joined_year.value):
        prof.left_year = None
    prof.gender = _gender(ev)
    prof.route = _ordered_unique(ev.route)
    prof.places = _ordered_unique(ev.places)
    person.profile = prof


_GENDER_WEIGHT = {P_MENTION: 4, P_ATTACHED: 3}


def _gender(ev: Evidence) -> FieldValue | None:
    """Gendered nouns in mentions and appositions outweigh pronouns, but a stray noun
    (a mention wrongly merged into the person) loses to a clear majority of pronouns."""
    score = {"m": 0, "f": 0}
    first: dict[str, Span] = {}
    for cand in sorted(ev.fields.get("gender", []), key=lambda c: (c.priority, c.span.start)):
        score[cand.value] += _GENDER_WEIGHT.get(cand.priority, 1)
        first.setdefault(cand.value, cand.span)
    for g in ("m", "f"):
        votes = ev.gender_votes[g]
        score[g] += len(votes)
        if votes:
            first.setdefault(g, votes[0])
    if score["m"] == score["f"]:
        return None
    g = "m" if score["m"] > score["f"] else "f"
    other = "f" if g == "m" else "m"
    if score[other] and score[g] < 1.5 * score[other]:
        return None
    return FieldValue(g, first[g])


def _ordered_unique(items: list[tuple[int, str, Span]]) -> list[FieldValue]:
    """Places in text order (the narrative's travel order), each once, first span kept."""
    seen: set[str] = set()
    out: list[FieldValue] = []
    for _, name, span in sorted(items, key=lambda x: x[0]):
        if name not in seen:
            seen.add(name)
            out.append(FieldValue(name, span))
    return out
