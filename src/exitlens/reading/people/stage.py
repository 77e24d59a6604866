"""People: who is mentioned, under which names and descriptions, and who said what.

Mentions come from four sources:

- names: spaCy PERSON entities, plus patterns for what the small English model
  misses in this domain — kunyas and aliases ("Abu X", "Umm X", "Abu X al-Y"),
  writer-announced pseudonyms ("whom I will call X", "who asked to be identified
  only as X", "known as X", "(not his real name)");
- descriptors: singular noun phrases headed by a person noun ("a 26-year-old
  Syrian from …", "an Australian defector", "the former fighter", "a Tunisian");
- pronouns outside quotes (he/she, and I/me/my for the writer);
- transcript speaker labels ("NAME:", "Q:", "A:").

Mentions are grouped into persons in document order with simple, explainable
coreference: a name joins the person whose name shares its distinctive tokens
(surname, first name, alias); a descriptor in apposition to a name, or naming it
("a fighter known as X", "X, a former member"), joins that name's person; an
indefinite descriptor introduces a new person; a definite one ("the defector",
"the young man") and a pronoun refer to the most recent person of compatible
gender. The writer of the document is a person too, as soon as the narration
speaks in the first person or mentions "the author"/"this reporter", so that
their voice can be told apart from everyone else's.

Finally each quote's speaker mention is mapped to its person (``Quote.speaker``).
Relations other stages need (kinship, the writer, the interviewee of a Q/A
transcript, the person behind each mention span) are left in ``reading.scratch``.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

from ...model import DocumentReading, Span
from ...pipeline import PipelineContext
from .patterns import _NOT_REAL_NAME
from .speakers import _Grouper


def person_at(reading: DocumentReading, span: Span) -> int | None:
    """Index of the person whose mention overlaps ``span`` (the narrowest one), if any."""
    index: list[tuple[Span, int]] = reading.scratch.get("mention_index", [])
    starts: list[int] = reading.scratch.get("mention_starts", [])
    i = bisect.bisect_right(starts, span.end - 1) - 1
    best: tuple[int, int] | None = None
    steps = 0
    while i >= 0 and steps < 40:
        s, idx = index[i]
        if s.overlaps(span):
            size = len(s)
            if best is None or size < best[0]:
                best = (size, idx)
        i -= 1
        steps += 1
    return best[1] if best else None


class PeopleStage:
    """Fills ``reading.persons`` and sets ``Quote.speaker``."""

    name = "people"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            read_people(reading)


def read_people(reading: DocumentReading) -> None:
    grouper = _Grouper(reading)
    grouper.group()
    grouper.merge_lede()
    grouper.link_quotes()
    grouper.finish()
    _mark_pseudonyms(reading)


def _mark_pseudonyms(reading: DocumentReading) -> None:
    """A name followed by '(not his real name)' is an alias: record the mention kind."""
    text = reading.document.text
    for m in _NOT_REAL_NAME.finditer(text):
        for person in reading.persons:
            for mention in person.mentions:
                if mention.kind == "name" and 0 <= m.start() - mention.span.end <= 3:
                    mention.kind = "alias"
