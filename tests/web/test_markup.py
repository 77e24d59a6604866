"""Span rendering escapes every segment; UTF-16 browser offsets convert to code points."""

from __future__ import annotations

import html
import re

import pytest

from exitlens.web.markup import Layer, OffsetError, mark_up, selection_span, utf16_to_codepoints


def _text_of(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


def test_markup_escapes_and_keeps_the_text_exact() -> None:
    text = 'a <script>alert("x")</script> & <img src=x onerror=alert(1)> end'
    layers = [Layer(2, 10, ("quote",)), Layer(5, 20, ("coding", "fam-1"), coding_id=7,
                                                  title='<b onmouseover="x">'),
              Layer(0, len(text), ("mention",))]
    out = str(mark_up(text, layers))
    assert "<script>" not in out and "<img" not in out and "<b " not in out
    assert "&lt;/script&gt;" in out
    assert _text_of(out) == text  # the selection container's text is the document text
    assert out.count("<mark") == out.count("</mark>")
    assert out.count("<span") == out.count("</span>")
    assert 'data-coding-id="7"' in out


def test_overlapping_and_out_of_range_layers() -> None:
    text = "0123456789"
    out = str(mark_up(text, [Layer(0, 5, coding_id=1), Layer(3, 8, coding_id=2),
                             Layer(5, 50, ("quote",))]))
    assert _text_of(out) == text
    assert out.startswith('<mark class="" data-coding-id="1">012</mark>')


def test_utf16_offsets_with_an_emoji_before_the_span() -> None:
    text = "🙂 Emoji first. Defector Lina"
    js_start = len("🙂 Emoji first. Defector ".encode("utf-16-le")) // 2
    js_end = js_start + 4
    assert js_start == len("🙂 Emoji first. Defector ") + 1  # the emoji is two units
    start, end = selection_span(text, js_start, js_end, "Lina")
    assert text[start:end] == "Lina"
    with pytest.raises(OffsetError):  # the code point offsets would select "Lin" + space
        selection_span(text, js_start - 1, js_end - 1, "Lina")
    with pytest.raises(OffsetError):
        utf16_to_codepoints(text, 1)  # inside the surrogate pair
    with pytest.raises(OffsetError):
        utf16_to_codepoints(text, 1000)
    assert utf16_to_codepoints(text, len(text) + 1) == len(text)


def test_search_snippet_pieces() -> None:
    from exitlens.web.routes.corpus import snippet_parts

    assert snippet_parts("…the [emir] said <b>[x]</b>") == [
        ("…the ", False), ("emir", True), (" said <b>", False), ("x", True), ("</b>", False)]
