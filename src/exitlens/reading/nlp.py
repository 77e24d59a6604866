"""The linguistic layer: spaCy tokens, entities and dependency parse per paragraph.

The spaCy pipeline is loaded once per process (``PipelineContext.resource``) and
run with ``nlp.pipe`` over every paragraph of a batch of documents. Paragraphs
(bounded in length by the segment stage's chunking) keep spaCy far below its
``max_length`` and keep cost linear in document length. Results are kept in
``reading.scratch``:

- ``"spacy"``: list of :class:`ParsedChunk` (document offset + spaCy ``Doc``);
- ``"entities"``: list of (Span, label) for PERSON, NORP, GPE, LOC, FAC, ORG, DATE.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..model import DocumentReading, Span
from ..pipeline import PipelineContext
from .segment import bounded_chunks

ENTITY_LABELS = {"PERSON", "NORP", "GPE", "LOC", "FAC", "ORG", "DATE"}


@dataclass
class ParsedChunk:
    """A spaCy Doc over ``text[offset : offset + len(doc.text)]``."""

    offset: int
    doc: Any  # spacy.tokens.Doc

    def token_span(self, token: Any) -> Span:
        return Span(self.offset + token.idx, self.offset + token.idx + len(token.text))

    def char_span(self, obj: Any) -> Span:
        """Document span of a spaCy Span (entity, noun chunk, sentence)."""
        return Span(self.offset + obj.start_char, self.offset + obj.end_char)


def load_spacy(model: str) -> Any:
    """Load a spaCy pipeline by installed package name or directory path."""
    import spacy

    try:
        if Path(model).exists():
            return spacy.load(model)
        try:
            module = importlib.import_module(model)
        except ImportError:
            return spacy.load(model)
        return module.load()
    except OSError as exc:
        raise ConfigError(
            f"spaCy model {model!r} is not installed or not a model folder ({exc})",
            code="model_missing",
        ) from None


def get_nlp(context: PipelineContext) -> Any:
    name = context.settings.reading.spacy_model
    return context.resource("spacy", name, lambda: load_spacy(name))


def english_ratio(docs: Sequence[Any]) -> float:
    """Share of alphabetic tokens that are English stop words (≈0.35–0.5 for English prose)."""
    words = [t for d in docs for t in d if t.is_alpha]
    if not words:
        return 1.0
    return sum(1 for t in words if t.is_stop) / len(words)


class NlpStage:
    """Runs spaCy over each paragraph; stores parsed chunks and entities in scratch."""

    name = "nlp"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        nlp = get_nlp(context)
        max_chars = context.settings.reading.max_paragraph_chars
        jobs: list[tuple[int, int]] = []  # (reading index, offset)
        texts: list[str] = []
        for ri, reading in enumerate(readings):
            text = reading.document.text
            parse_text = reading.scratch.get("parse_text", text)  # hard wraps as spaces
            for para in reading.scratch.get("paragraphs", []):
                for chunk in bounded_chunks(text, para, max_chars):
                    jobs.append((ri, chunk.start))
                    texts.append(chunk.text_of(parse_text))
            reading.scratch["spacy"] = []
            reading.scratch["entities"] = []
        for (ri, offset), doc in zip(
            jobs, nlp.pipe(texts, batch_size=context.settings.reading.batch_size), strict=True
        ):
            parsed = ParsedChunk(offset, doc)
            reading = readings[ri]
            reading.scratch["spacy"].append(parsed)
            reading.scratch["entities"].extend(
                (parsed.char_span(ent), ent.label_)
                for ent in doc.ents
                if ent.label_ in ENTITY_LABELS
            )
        for reading in readings:
            chunks = reading.scratch["spacy"]
            if chunks and english_ratio([c.doc for c in chunks]) < 0.15:
                reading.notes.append(
                    "text does not look like English; quotes, people and codes may be missed"
                )


def iter_chunks(reading: DocumentReading) -> Iterator[ParsedChunk]:
    yield from reading.scratch.get("spacy", [])


def chunk_at(reading: DocumentReading, position: int) -> ParsedChunk | None:
    """The parsed chunk containing document offset ``position``."""
    for chunk in iter_chunks(reading):
        if chunk.offset <= position < chunk.offset + len(chunk.doc.text):
            return chunk
    return None
