"""Fixtures for the coding tests: hand-made readings, the real ONNX model loaded once."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.config import Settings
from exitlens.model import Document, DocumentReading, Person, Span
from exitlens.pipeline import PipelineContext


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return load_codebook()


@pytest.fixture(scope="session")
def context() -> PipelineContext:
    """One context for the session; the embedder it loads is shared process-wide."""
    return PipelineContext(Settings())


def reading_with(text: str, evidence: Sequence[str], *, others: Sequence[str] = (),
                 name: str = "Karim") -> DocumentReading:
    """A reading with one defector whose evidence is exactly the given substrings of ``text``.

    ``others`` become the evidence of a journalist (role "journalist"), to check that
    nothing said by or about anyone else codes the defector.
    """
    def spans(parts: Sequence[str]) -> list[Span]:
        out = []
        for part in parts:
            start = text.index(part)
            out.append(Span(start, start + len(part)))
        return out

    reading = DocumentReading(document=Document(text=text))
    reading.persons.append(Person(name=name, role="defector", evidence=spans(evidence)))
    if others:
        reading.persons.append(Person(name="Reporter", role="journalist", evidence=spans(others)))
    return reading
