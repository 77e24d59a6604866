"""The persons built so far while reading one document's mentions in order: who was
mentioned last, who is the writer, who is whose kin, and the look-ups the grouping
rules share (recent person of a gender, person by name key, inside a quote or not).
"""

from __future__ import annotations

import bisect
from collections import OrderedDict

from ...model import DocumentReading, Mention, Person, Span
from ..cues import TokenIndex, own_words
from .mentions import _Cand, _PersonBuild, name_key
from .parse import main_clause
from .patterns import _SUBJECT_WINDOW


class _Persons:
    """The state every grouping step reads and extends, for one reading."""

    def __init__(self, reading: DocumentReading):
        self.reading = reading
        self.text = reading.document.text
        self.index = TokenIndex.of(reading)
        direct = [q.span for q in reading.quotes if own_words(q, reading)]
        self.quote_spans = sorted(direct, key=lambda s: s.start)
        self.quote_starts = [s.start for s in self.quote_spans]
        self.builds: list[_PersonBuild] = []
        self.writer: int | None = None
        self.kin: dict[int, tuple[int | None, str]] = {}
        self.span_owner: dict[tuple[int, int], int] = {}
        # persons in order of their latest mention so far (most recent last)
        self.recency: OrderedDict[int, None] = OrderedDict()
        self._places: set[str] | None = None

    # -- helpers -----------------------------------------------------------------
    def inside_quote(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quote_starts, pos) - 1
        # direct and transcript spans do not nest, so the last one starting before
        # ``pos`` (or the one before it, for a transcript line holding a quote) decides
        spans = self.quote_spans
        return any(0 <= j < len(spans) and spans[j].start <= pos < spans[j].end for j in (i, i - 1))

    def new_person(self, cand: _Cand | None, writer: bool = False) -> int:
        build = _PersonBuild(Person(), is_writer=writer)
        self.builds.append(build)
        idx = len(self.builds) - 1
        if writer:
            build.person.descriptor = "the writer"
            build.person.role = "journalist"
            self.writer = idx
        if cand is not None:
            self.add(idx, cand)
        return idx

    def writer_index(self) -> int:
        """The writer's person, created on first need."""
        return self.writer if self.writer is not None else self.new_person(None, True)

    def add(self, idx: int, cand: _Cand) -> None:
        build = self.builds[idx]
        kind = cand.kind if cand.kind != "writer" else "nominal"
        build.person.mentions.append(Mention(span=cand.span, kind=kind))  # type: ignore[arg-type]
        self.span_owner[(cand.span.start, cand.span.end)] = idx
        if cand.kind in ("name", "alias"):
            build.key |= cand.key
            build.has_intro = True
            cur = build.person.name
            name = cand.span.text_of(self.text)
            if cur is None or (len(name) > len(cur) and cand.kind == "name") or (
                    cur.isupper() and not name.isupper() and len(name) >= len(cur)):
                build.person.name = name  # the fuller name; "Tomas" over a label's "TOMAS"
            if cand.kind == "alias" and cur is not None and cand.key and not (cand.key & name_key(
                    cur)):
                build.person.name = name
        elif cand.kind in ("descriptor", "nominal"):
            build.has_intro = True
            if build.person.descriptor is None and not build.is_writer and cand.describes:
                build.person.descriptor = self.descriptor_text(cand)
        if cand.gender and build.gender is None:
            build.gender = cand.gender

    def descriptor_text(self, cand: _Cand) -> str:
        """The introducing phrase: the noun phrase plus a following 'from …'/relative clause."""
        head = cand.head
        if head is None:
            return cand.span.text_of(self.text)
        start = cand.span.start
        end = cand.span.end
        for child in head.rights:
            if child.dep_ in ("prep", "relcl", "acl") and (child.dep_ != "prep" or child.lower_ in (
                    "from", "of", "in", "with", "who")):
                sub = self.index.subtree_span(child)
                if sub.end - start <= 160:
                    end = max(end, sub.end)
        return self.text[start:end]

    def touch(self, idx: int, pos: int, span: Span | None = None) -> None:
        """Record that person ``idx`` was just mentioned at ``pos`` (reading in order), and
        whether as a grammatical subject (subjects are the likelier antecedents)."""
        self.builds[idx].last = pos
        if span is not None and any(
                (t.dep_ in ("nsubj", "nsubjpass") and main_clause(t.head)) or (
                    # "The second, a young Syrian, said …": the subject's apposition
                    t.dep_ == "appos" and t.head.dep_ in ("nsubj", "nsubjpass")
                    and main_clause(t.head.head))
                for t in self.index.in_span(span)):
            self.builds[idx].subject_at = pos
        self.recency[idx] = None
        self.recency.move_to_end(idx)

    def compatible(self, build: _PersonBuild, gender: str | None) -> bool:
        return gender is None or build.gender is None or build.gender == gender

    def recent(self, pos: int, gender: str | None, exclude_writer: bool = True,
               exclude: frozenset[int] = frozenset(), obj: bool = False) -> int | None:
        """The antecedent of a pronoun or definite description at ``pos``: among the three
        most recently mentioned compatible persons, the first seen as a main-clause subject
        just before, else the first whose gender
        is known to match, else the most recent. ``exclude`` are persons the pronoun cannot
        be (the noun its relative clause describes: "a woman she had met"). An object
        pronoun ("a smuggler took *her* out") prefers the person a relative candidate is
        the relative of ("*her mother* paid a smuggler who took *her* out")."""
        candidates: list[int] = []
        for i in reversed(self.recency):
            b = self.builds[i]
            if (exclude_writer and b.is_writer) or b.last >= pos or i in exclude:
                continue
            if self.compatible(b, gender):
                candidates.append(i)
                if len(candidates) == 3:
                    break
        if not candidates:
            return None
        chosen: int | None = None
        recent_subjects = [i for i in candidates
                           if pos - self.builds[i].subject_at < _SUBJECT_WINDOW]
        if recent_subjects:
            chosen = recent_subjects[0]
        if chosen is None:
            chosen = next((i for i in candidates
                           if gender is not None and self.builds[i].gender == gender),
                          candidates[0])
        if obj and chosen in self.kin:
            target = self.kin[chosen][0]
            if target is not None and target in candidates:
                return target
        return chosen

    def match_name(self, key: frozenset[str]) -> int | None:
        """The person a name is: the one with exactly that name, else the latest whose name
        contains it or is contained in it — but when it is the surname several share ("Ali
        Hassan", then "his brother, Omar Hassan"), the first introduced, as news style
        names the main subject by the surname and relatives by their first names."""
        if not key:
            return None
        partial: list[int] = []
        exact: int | None = None
        for i, b in enumerate(self.builds):
            if b.is_writer or not b.key:
                continue
            if key == b.key:
                exact = i
            elif key <= b.key or b.key <= key:
                partial.append(i)
        if exact is not None:
            return exact
        if not partial:
            return None
        if len(partial) > 1 and len(key) == 1 and all(
                _surname_key(self.builds[i].person.name) == key for i in partial):
            return partial[0]  # a surname several share: the first introduced
        return partial[-1]


def _surname_key(name: str | None) -> frozenset[str]:
    """The name key of a name's last word ("Omar Hassan" → {"hassan"})."""
    words = (name or "").split()
    return name_key(words[-1]) if words else frozenset()
