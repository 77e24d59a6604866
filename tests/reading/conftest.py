"""Shared fixtures for the reading tests: the spaCy pipeline is built once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exitlens.config import Settings
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline

# The reading stages this test suite covers; the profile stage is tested on its own.
STAGES = ["segment", "nlp", "quotes", "people", "roles", "evidence"]


@pytest.fixture(scope="session")
def pipeline() -> Pipeline:
    return Pipeline(STAGES, Settings())


@pytest.fixture(scope="session")
def read_doc(pipeline: Pipeline) -> Callable[[str], DocumentReading]:
    """Run the reading stages on one text."""

    def _read(text: str) -> DocumentReading:
        return pipeline.run_batch([Document(text=text)])[0]

    return _read


def quoted(reading: DocumentReading) -> list[str]:
    """The texts of all quotes of a reading, in order."""
    return [q.span.text_of(reading.document.text) for q in reading.quotes]


def speaker_name(reading: DocumentReading, quote_text: str) -> str | None:
    """Name (or descriptor) of the person a quote containing ``quote_text`` is given to."""
    text = reading.document.text
    for q in reading.quotes:
        if quote_text in q.span.text_of(text):
            if q.speaker is None:
                return None
            person = reading.persons[q.speaker]
            return person.name or person.descriptor
    raise AssertionError(f"no quote containing {quote_text!r}")


def person_named(reading: DocumentReading, fragment: str) -> int:
    for i, p in enumerate(reading.persons):
        if p.name and fragment in p.name:
            return i
    raise AssertionError(f"no person named like {fragment!r}: {[p.name for p in reading.persons]}")
