"""What every coder shares: the unit of work, the protocol, the registry.

A coder sees one defector at a time through a :class:`CodingItem`: the reading,
the person's index, and the person's *evidence units* — the sentence-sized pieces
of ``person.evidence``. Coders never look at the rest of the document, which is
how the SPEC rule "a code is given to a person only where the text attributes it
to that person" is enforced in one place rather than in every coder.

Coders get whole batches of items so model-based ones (embedding, classifier,
LLM) can batch their calls; they return :class:`~exitlens.model.Coding` objects
whose span is always one of the item's evidence units.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import ExitlensError
from ..model import DocumentReading, Person, Span
from ..pipeline import PipelineContext
from ..registry import Registry
from .codebook import Codebook

_SENT_END = re.compile(r"(?<=[.!?…])[\"'”’»)\]]*\s+(?=[\"'“‘«(\[]?[A-Z0-9])")
_MIN_UNIT_CHARS = 3


class CodingError(ExitlensError):
    """A coder failed (endpoint down, bad model file…); other coders still count."""

    code = "coding_failed"


class CoderUnavailable(ExitlensError):
    """A configured coder cannot run here (no trained model, no LLM URL): it is skipped."""

    code = "coder_unavailable"


@dataclass
class CodingItem:
    """One defector to code: the reading, their index, and their evidence units."""

    reading: DocumentReading
    person_index: int
    person: Person
    units: list[Span] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.reading.document.text

    def unit_texts(self) -> list[str]:
        return [u.text_of(self.text) for u in self.units]

    def scoring_pieces(self) -> tuple[list[str], list[int]]:
        """Texts to score (each unit, then the clauses of long units) and their unit index.

        Model coders take, per unit, the best score over the unit and its clauses.
        """
        texts = self.unit_texts()
        owner = list(range(len(self.units)))
        for i, unit in enumerate(self.units):
            for clause in clause_spans(self.text, unit):
                texts.append(clause.text_of(self.text))
                owner.append(i)
        return texts, owner

    def evidence_text(self) -> str:
        """The evidence units joined by blank lines: what an LLM is shown."""
        return "\n\n".join(self.unit_texts())


@runtime_checkable
class Coder(Protocol):
    """Turns defectors' evidence into suggested codings."""

    name: str

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        """One list of results per item, in item order."""


@dataclass
class CodingResult:
    """A coder's verdict for one (defector, code): confidence and its best evidence unit."""

    code: str
    span: Span
    confidence: float
    coder: str


CoderFactory = Callable[[PipelineContext], Coder]
coders: Registry[CoderFactory] = Registry("coders")


# --------------------------------------------------------------------------- units


def split_sentences(text: str, span: Span | None = None) -> list[Span]:
    """Sentence spans inside ``span`` (whole text by default), by line breaks and end marks.

    Used where no reading stage has segmented the text (gold records, hand-made
    readings); pipeline readings use their own pysbd sentences.
    """
    base = span or Span(0, len(text))
    out: list[Span] = []
    chunk = text[base.start : base.end]
    for line in re.finditer(r"[^\n]+", chunk):
        lstart = base.start + line.start()
        cur = lstart
        for m in _SENT_END.finditer(line.group()):
            out.append(Span(cur, lstart + m.start()))
            cur = lstart + m.end()
        out.append(Span(cur, base.start + line.end()))
    return [s for s in (_trim(text, s) for s in out) if s is not None]


def _trim(text: str, span: Span) -> Span | None:
    trimmed = span.stripped(text)
    return trimmed if trimmed is not None and len(trimmed) >= _MIN_UNIT_CHARS else None


_CLAUSE_SPLIT = re.compile(
    r"\s*[;:—–]\s*|\s+-\s+|,\s+(?=(?:but|because|while|whereas|although|though|and then|"
    r"so|yet|until|after|before|when)\b)|\s+(?=(?:but|because|although|whereas)\s)",
    re.IGNORECASE,
)
MIN_CLAUSE_WORDS = 4
LONG_UNIT_WORDS = 18


def clause_spans(text: str, unit: Span) -> list[Span]:
    """The clauses of a long unit (``LONG_UNIT_WORDS`` words or more), else [].

    A long sentence often carries one reason in one clause and unrelated narration in
    the rest; scoring clauses as well as the whole sentence keeps a sentence vector
    from diluting the clause that matters. Clauses are cut at semicolons, colons,
    dashes and before "but/because/while/although…"; pieces under ``MIN_CLAUSE_WORDS``
    words are merged into the previous one.
    """
    chunk = text[unit.start : unit.end]
    if len(chunk.split()) < LONG_UNIT_WORDS:
        return []
    pieces: list[Span] = []
    cur = 0
    for m in _CLAUSE_SPLIT.finditer(chunk):
        if m.start() > cur:
            pieces.append(Span(unit.start + cur, unit.start + m.start()))
        cur = m.end()
    if cur < len(chunk):
        pieces.append(Span(unit.start + cur, unit.end))
    merged: list[Span] = []
    for p in pieces:
        short = len(text[p.start : p.end].split()) < MIN_CLAUSE_WORDS
        if merged and (short or len(merged[-1].text_of(text).split()) < MIN_CLAUSE_WORDS):
            merged[-1] = Span(merged[-1].start, p.end)
        else:
            merged.append(p)
    out = [t for t in (_trim(text, s) for s in merged) if t is not None]
    return out if len(out) > 1 else []


def merge_spans(spans: Sequence[Span]) -> list[Span]:
    """Sorted union of overlapping or touching spans."""
    out: list[Span] = []
    for s in sorted(spans):
        if out and s.start <= out[-1].end:
            if s.end > out[-1].end:
                out[-1] = Span(out[-1].start, s.end)
        else:
            out.append(s)
    return out


def evidence_units(reading: DocumentReading, person: Person) -> list[Span]:
    """The person's evidence cut into sentence-sized units (never extending beyond it).

    A long quote or a multi-sentence evidence span is split at the reading's
    sentence boundaries (or a regex splitter when the reading has none), so each
    coding can point at the one sentence that carries its reason.
    """
    text = reading.document.text
    units: list[Span] = []
    sentences = [s.span for s in reading.sentences]
    for ev in merge_spans([s for s in person.evidence if s.end <= len(text)]):
        pieces: list[Span] = []
        if sentences:
            for sent in sentences:
                if sent.end <= ev.start or sent.start >= ev.end:
                    continue
                pieces.append(Span(max(sent.start, ev.start), min(sent.end, ev.end)))
        if not pieces:
            pieces = split_sentences(text, ev)
        for piece in pieces:
            trimmed = _trim(text, piece)
            if trimmed is not None and any(ch.isalpha() for ch in trimmed.text_of(text)):
                units.append(trimmed)
    return sorted(set(units))


def items_for(readings: Sequence[DocumentReading]) -> list[CodingItem]:
    """One item per defector with evidence, across a batch of readings."""
    items: list[CodingItem] = []
    for reading in readings:
        for idx, person in reading.defectors():
            units = evidence_units(reading, person)
            if units:
                items.append(CodingItem(reading, idx, person, units))
    return items
