"""Paragraphs and sentences with exact code-point offsets.

pysbd is the most accurate splitter on quote-heavy news text, but it is
superlinear on long strings, so it runs per paragraph and over-long paragraphs
are first cut into bounded chunks (at line breaks, else after sentence-final
punctuation, else hard). The stored text is never modified: sentences are
located in it by offset arithmetic, not re-joined strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise

import pysbd

from ..model import DocumentReading, Sentence, Span
from ..pipeline import PipelineContext

# pysbd builds its regular expressions from strings at every call (one per abbreviation
# it meets), about 3,000 distinct ones on news text: more than the 512 that Python's
# ``re`` keeps compiled, so with the default cache most calls recompiled their pattern
# and splitting took about twice as long. The bigger cache changes no result.
_REGEX_CACHE_SIZE = 8192

_BLANK_LINE = re.compile(r"\n[ \t\f\v\u00a0]*\n\s*")
_SENT_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+")


# Plain text hard-wrapped at 60-100 columns (saved from a PDF or an e-mail): its line breaks
# are not the ends of sentences. As `ingest.readers.unwrap_pdf_lines` does for PDF pages, a
# break stays only after a clearly short line that ends a sentence, after a heading, before
# a blank line, a speaker label, a list item or a citation line.
_TERMINAL_END = re.compile(r"[.!?…:][\"'”’»)\]]*$")
_KEEP_BREAK = re.compile(r"[ \t]*(?:$|[-–—•*]|\d+[.)][ \t]|[A-Z][A-Z .'’-]{0,40}:)")


def for_parsing(text: str) -> str:
    """``text`` as the sentence splitter and the parser read it: in a hard-wrapped text
    (lines of at most about 100 characters, several ending mid-sentence) the wraps become
    spaces. The same length, so every offset into it is an offset into the stored text."""
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 3:
        return text
    typical = lengths[int(len(lengths) * 0.8)]
    long_lines = [line.rstrip() for line in lines if len(line.rstrip()) >= 0.85 * typical]
    open_ends = sum(1 for line in long_lines if not _TERMINAL_END.search(line))
    if typical > 100 or open_ends < max(2, 0.3 * len(long_lines)):
        return text  # lines are paragraphs (web text), or nothing is wrapped
    out = list(text)
    pos = 0
    for line, nxt in pairwise(lines):
        end = pos + len(line)  # the "\n" after this line
        pos = end + 1
        stripped = line.strip()
        if not stripped or _KEEP_BREAK.match(nxt):
            continue
        size = len(line.rstrip())
        heading = size < 0.6 * typical and not stripped.endswith((",", ";", "-"))
        if (size < 0.85 * typical and _TERMINAL_END.search(stripped)) or heading:
            continue
        out[end] = " "
    return "".join(out)


def paragraphs(text: str, parse_text: str | None = None) -> list[Span]:
    """Paragraph spans: blocks separated by blank lines, or by single newlines when the
    document has no blank lines at all (one paragraph per line, a hard-wrapped line going
    on in the next; ``parse_text`` is :func:`for_parsing` of ``text`` when the caller has
    it). Whitespace is trimmed."""
    if _BLANK_LINE.search(text):
        pieces = _split_keep_offsets(text, _BLANK_LINE)
    else:  # one paragraph per line, hard-wrapped lines joined (same offsets)
        unwrapped = for_parsing(text) if parse_text is None else parse_text
        pieces = _split_keep_offsets(unwrapped, re.compile(r"\n+"))
    return [span for span in (s.stripped(text) for s in pieces) if span is not None]


def _split_keep_offsets(text: str, sep: re.Pattern[str]) -> list[Span]:
    spans: list[Span] = []
    pos = 0
    for m in sep.finditer(text):
        spans.append(Span(pos, m.start()))
        pos = m.end()
    spans.append(Span(pos, len(text)))
    return spans


def bounded_chunks(text: str, span: Span, max_chars: int) -> Iterator[Span]:
    """Cut ``span`` into pieces of at most ``max_chars`` at natural boundaries."""
    start = span.start
    while span.end - start > max_chars:
        window = text[start : start + max_chars]
        cut = window.rfind("\n")
        if cut < max_chars // 4:
            ends = [m.end() for m in _SENT_END.finditer(window)]
            cut = ends[-1] if ends and ends[-1] >= max_chars // 4 else max_chars
        yield Span(start, start + cut)
        start += cut
    if start < span.end:
        yield Span(start, span.end)


class SentenceSplitter:
    """pysbd per paragraph; returns sentence spans in document offsets."""

    def __init__(self, max_paragraph_chars: int = 20_000):
        self.max_paragraph_chars = max_paragraph_chars
        if getattr(re, "_MAXCACHE", _REGEX_CACHE_SIZE) < _REGEX_CACHE_SIZE:
            re._MAXCACHE = _REGEX_CACHE_SIZE  # type: ignore[attr-defined]
        self._segmenter = pysbd.Segmenter(language="en", clean=False)

    def split(self, text: str, paragraph: Span) -> list[Span]:
        out: list[Span] = []
        for chunk in bounded_chunks(text, paragraph, self.max_paragraph_chars):
            out.extend(self._split_chunk(text, chunk))
        return out

    def _split_chunk(self, text: str, chunk: Span) -> list[Span]:
        piece = chunk.text_of(text)
        try:
            parts = self._segmenter.segment(piece)
        except Exception:  # pysbd can fail on odd input; fall back to one sentence
            parts = [piece]
        spans: list[Span] = []
        cursor = 0
        for part in parts:
            stripped = part.strip()
            if not stripped:
                continue
            found = piece.find(stripped, cursor)
            if found < 0:  # pysbd altered the text: give up on exact splitting here
                rest = Span(chunk.start + cursor, chunk.end).stripped(text)
                if rest is not None:
                    spans.append(rest)
                return spans
            spans.append(Span(chunk.start + found, chunk.start + found + len(stripped)))
            cursor = found + len(stripped)
        return spans


class SegmentStage:
    """Fills ``reading.sentences`` and ``reading.scratch["paragraphs"]``."""

    name = "segment"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        max_chars = context.settings.reading.max_paragraph_chars
        splitter: SentenceSplitter = context.resource(
            "sentence_splitter", str(max_chars), lambda: SentenceSplitter(max_chars)
        )
        for reading in readings:
            text = reading.document.text
            parse_text = for_parsing(text)
            paras = paragraphs(text, parse_text)
            reading.scratch["paragraphs"] = paras
            reading.scratch["parse_text"] = parse_text
            reading.sentences = [
                Sentence(span=s, paragraph=i)
                for i, para in enumerate(paras)
                for s in splitter.split(parse_text, para)
            ]
