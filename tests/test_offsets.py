"""Offsets: a span is ``[start, end)`` in code points over the stored text (SPEC §1).

What a span points at when it is made must be what it points at when read back from
the database, for every format, for characters outside the BMP and for combining marks,
and after the database is closed and reopened.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from exitlens import Project
from exitlens.model import Span, sha256_text
from tests import corpus as c
from tests.corpus import Corpus

# One phrase per format that must survive extraction verbatim.
PHRASES = {
    "utf8.txt": "walked out of the Grey Lantern camp",
    "cp1252.txt": "the café in Vessaline",
    "utf16.txt": "crossed the Kessel ridge at night",
    "account.md": "her son **Pieter** telephoned",
    "article.html": "walked for two days through the reed beds",
    "fieldnote.pdf": "hiding in the back of a grain lorry",
    "interview.docx": "ordered to threaten a shopkeeper",
    "gold.jsonl#gold-003": "Lotte and Vera Brann",
}

# Offsets computed by hand: 😀 (U+1F600) and 𝔸 (U+1D538) are one code point each (two
# UTF-16 units, four UTF-8 bytes); "é" is written decomposed (e + U+0301, two code points).
UNICODE_TEXT = "😀 Ana Bex said: 𝔸 is the camp, Re\u0301my left.\n"
UNICODE_SPANS = {
    (2, 10): "Ana Bex ",
    (16, 17): "𝔸",
    (0, 1): "😀",
    (31, 36): "Re\u0301my",
    (37, 41): "left",
}


def _doc_ids_by_name(project: Project) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in project.documents():
        path = d.source_path or ""
        name = Path(path.split("#")[0]).name + (f"#{path.split('#')[1]}" if "#" in path else "")
        out[name] = d.id
    return out


def test_spans_read_back_for_every_format(tmp_project: Project, corpus: Corpus) -> None:
    """For every format, a span made on the stored text reads back the same text from the DB."""
    tmp_project.ingest([corpus.root])
    ids = _doc_ids_by_name(tmp_project)
    # utf8.txt and bom_crlf.txt store the same text: one document, either name.
    ids.setdefault("utf8.txt", ids.get("bom_crlf.txt", -1))
    for name, phrase in PHRASES.items():
        doc = tmp_project.document(ids[name])
        start = doc.text.find(phrase)
        assert start >= 0, (name, doc.text)
        span = Span(start, start + len(phrase))
        reread = tmp_project.document(ids[name])
        assert reread.text[span.start:span.end] == phrase
        assert reread.span_text(span) == phrase
        assert reread.text_sha256 == sha256_text(reread.text)


@pytest.mark.parametrize("name", ["utf8.txt", "cp1252.txt", "utf16.txt", "account.md"])
def test_text_offsets_equal_offsets_in_the_file(tmp_project: Project, corpus: Corpus,
                                                name: str) -> None:
    """For plain text, offsets in the stored text equal offsets in the normalised file text."""
    tmp_project.ingest([corpus.path(name)])
    (summary,) = tmp_project.documents()
    stored = tmp_project.document(summary.id).text
    expected = corpus.expected_text[name]
    assert stored == expected
    phrase = PHRASES[name]
    assert stored.find(phrase) == expected.find(phrase)


def test_crlf_and_bom_offsets_point_past_removed_characters(tmp_project: Project,
                                                            corpus: Corpus) -> None:
    """Removing the BOM and CR shifts offsets consistently: spans match the LF-only text."""
    tmp_project.ingest([corpus.path("bom_crlf.txt")])
    (summary,) = tmp_project.documents()
    stored = tmp_project.document(summary.id).text
    start = c.TXT_UTF8.find("Naïve recruits")
    assert stored[start:start + len("Naïve recruits")] == "Naïve recruits"


@pytest.mark.parametrize("suffix", [".txt", ".jsonl"])
def test_non_bmp_and_combining_characters_count_as_code_points(
        tmp_project: Project, tmp_path: Path, suffix: str) -> None:
    """Emoji, mathematical letters and combining marks are counted as code points."""
    path = tmp_path / f"unicode{suffix}"
    if suffix == ".txt":
        path.write_text(UNICODE_TEXT, encoding="utf-8")
    else:
        path.write_bytes(c.jsonl_bytes([{"id": "u1", "text": UNICODE_TEXT}]))
    tmp_project.ingest([path])
    (summary,) = tmp_project.documents()
    assert summary.n_chars == len(UNICODE_TEXT) == 43
    doc = tmp_project.document(summary.id)
    for (start, end), expected in UNICODE_SPANS.items():
        assert doc.span_text(Span(start, end)) == expected


def test_stored_text_byte_identical_after_reopen(corpus: Corpus, db_url: str) -> None:
    """Closing and reopening the database returns the very same bytes (no re-normalisation)."""
    unicode_file = corpus.root / "unicode.txt"
    unicode_file.write_text(UNICODE_TEXT, encoding="utf-8")
    with Project.open(db_url, actor="test") as project:
        project.ingest([corpus.root])
        before = {d.id: project.document(d.id).text.encode("utf-8")
                  for d in project.documents()}
    with Project.open(db_url, actor="test") as project:
        after = {d.id: project.document(d.id).text.encode("utf-8")
                 for d in project.documents()}
        # The raw column holds exactly the UTF-8 bytes, and the database counts code
        # points too.
        raw_sql = ("SELECT id, CAST(text AS BLOB), n_chars, length(text) FROM documents"
                   if project.db.dialect == "sqlite" else
                   "SELECT id, convert_to(text, 'UTF8'), n_chars, char_length(text) "
                   "FROM documents")
        with project.db.engine.connect() as conn:
            raw_rows = conn.execute(text(raw_sql)).all()
    assert after == before
    assert UNICODE_TEXT.encode("utf-8") in after.values()
    for doc_id, raw, n_chars, db_len in raw_rows:
        assert bytes(raw) == before[doc_id]
        assert n_chars == db_len == len(before[doc_id].decode("utf-8"))


def test_span_validation() -> None:
    """A span can never be negative or reversed; length is in code points."""
    with pytest.raises(ValueError):
        Span(-1, 3)
    with pytest.raises(ValueError):
        Span(5, 4)
    assert len(Span(17, 18)) == 1
    assert Span(0, 5).contains(Span(1, 2)) and Span(0, 5).overlaps(Span(4, 9))
    assert not Span(0, 5).overlaps(Span(5, 9))
