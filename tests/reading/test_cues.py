"""Shared helpers of the reading stages."""

from __future__ import annotations

from exitlens.model import Span
from exitlens.reading.cues import SpanSet, gender_of_word


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
