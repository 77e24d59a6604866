"""Turning a document and its spans into safe HTML, and browser offsets into code points.

Spans are ``[start, end)`` code points of the stored text. :func:`mark_up` cuts the text at
every span boundary and escapes each segment on its own, wrapping it in the layers active
there — never by replacing strings inside HTML — so a document containing markup renders
as text. The output's text content is exactly the document text (no labels are inserted),
so a browser selection inside it maps back to offsets of the stored text.

Browsers count selection offsets in UTF-16 code units (an emoji is 2 units, 1 code point);
:func:`utf16_to_codepoints` converts them at the server boundary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from markupsafe import Markup, escape

from ..errors import ExitlensError


@dataclass(frozen=True)
class Layer:
    """One span to show: CSS classes, or a coding (rendered as ``<mark>``)."""

    start: int
    end: int
    classes: tuple[str, ...] = ()
    coding_id: int | None = None
    title: str | None = None
    data: tuple[tuple[str, str], ...] = field(default=())


def mark_up(text: str, layers: Sequence[Layer]) -> Markup:
    """HTML for ``text`` with every layer applied (overlaps allowed; well-formed output)."""
    n = len(text)
    spans = [ly for ly in layers if 0 <= ly.start < ly.end <= n]
    cuts = sorted({0, n, *(ly.start for ly in spans), *(ly.end for ly in spans)})
    parts: list[str] = []
    for a, b in pairwise(cuts):
        active = [ly for ly in spans if ly.start <= a and b <= ly.end]
        segment = str(escape(text[a:b]))
        plain = sorted({c for ly in active if ly.coding_id is None for c in ly.classes})
        for ly in sorted((ly for ly in active if ly.coding_id is not None),
                         key=lambda ly: (ly.start, -ly.end, ly.coding_id or 0)):
            attrs = Markup(' class="{}" data-coding-id="{}"').format(
                " ".join(ly.classes), ly.coding_id)
            if ly.title:
                attrs += Markup(' title="{}"').format(ly.title)
            segment = f"<mark{attrs}>{segment}</mark>"
        if plain:
            segment = str(Markup('<span class="{}">').format(" ".join(plain))) + segment + \
                "</span>"
        parts.append(segment)
    return Markup("".join(parts))


class OffsetError(ExitlensError):
    """Browser offsets that do not fit the document or its selected text."""

    code = "bad_selection"


def utf16_to_codepoints(text: str, offset: int) -> int:
    """The code point offset of UTF-16 offset ``offset`` in ``text``."""
    if offset < 0:
        raise OffsetError(f"negative offset {offset}")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise OffsetError(f"UTF-16 offset {offset} falls inside the character at "
                              f"code point {index}")
    if units == offset:
        return len(text)
    raise OffsetError(f"UTF-16 offset {offset} is past the end of the text ({units} units)")


def selection_span(text: str, start16: int, end16: int, selected: str) -> tuple[int, int]:
    """Code point span of a browser selection, checked against the text it said it saw."""
    start, end = utf16_to_codepoints(text, start16), utf16_to_codepoints(text, end16)
    if start >= end:
        raise OffsetError("the selection is empty")
    if text[start:end] != selected:
        raise OffsetError("the selected text does not match the document at those offsets "
                          "(reload the page and select again)")
    return start, end


def context(text: str, start: int, end: int, chars: int = 160) -> dict[str, str]:
    """before / evidence / after around a span, for showing it in its sentence."""
    a = max(0, start - chars)
    return {"before": ("…" if a > 0 else "") + text[a:start], "evidence": text[start:end],
            "after": text[end:end + chars] + ("…" if end + chars < len(text) else "")}
