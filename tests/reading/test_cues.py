"""Shared helpers of the reading stages."""

from __future__ import annotations

from exitlens.model import Document, Span
from exitlens.pipeline import Pipeline
from exitlens.reading.cues import SpanSet, TokenIndex, gender_of_word


def test_spanset_overlap_queries() -> None:
    spans = SpanSet([Span(30, 40), Span(0, 10), Span(12, 20)])
    assert spans.overlaps(Span(5, 6))
    assert not spans.overlaps(Span(10, 12))
    assert list(spans.overlapping(Span(8, 35))) == [Span(30, 40), Span(12, 20), Span(0, 10)]
    assert spans.contains(Span(13, 19))
    assert not spans.contains(Span(18, 25))


def test_gender_of_word() -> None:
    assert gender_of_word("Widow") == "f"
    assert gender_of_word("he") == "m"
    assert gender_of_word("fighter") is None


def test_token_index_is_built_once_per_parse(pipeline: Pipeline) -> None:
    reading = pipeline.run_batch([Document(text="Omar left Raqqa in 2016. He said little.")],
                                 keep=("spacy",))[0]
    first = TokenIndex.of(reading)
    assert TokenIndex.of(reading) is first  # kept in the reading's scratch
    assert [t.text for t in first.in_span(Span(0, 9))] == ["Omar", "left"]
    reading.scratch["spacy"] = list(reading.scratch["spacy"])  # a new parse
    again = TokenIndex.of(reading)
    assert again is not first and again.starts == first.starts
