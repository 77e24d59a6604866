"""Each format reader turns one file into the stored text and provenance SPEC §1 promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens.ingest.readers import (
    DocxReader,
    ExtractedText,
    HtmlReader,
    JsonlReader,
    PdfReader,
    Reader,
    TextReader,
    decode_text,
    reader_for,
    unwrap_pdf_lines,
)
from exitlens.model import normalize_newlines
from tests import corpus as c
from tests.corpus import Corpus


def _read_one(reader: Reader, path: Path) -> ExtractedText:
    result = reader.read(path, path.read_bytes())
    assert result.problems == []
    assert len(result.items) == 1
    return result.items[0]


# ---------------------------------------------------------------- plain text


@pytest.mark.parametrize("name", ["utf8.txt", "bom_crlf.txt", "cp1252.txt", "utf16.txt",
                                  "account.md"])
def test_text_stored_exactly_as_decoded(corpus: Corpus, name: str) -> None:
    """Stored text = decoded text minus a BOM, CRLF/CR → LF, and nothing else changed."""
    item = _read_one(TextReader(), corpus.path(name))
    assert item.text == corpus.expected_text[name]
    assert "\r" not in item.text and "\ufeff" not in item.text


def test_text_keeps_whitespace_and_markup_untouched(tmp_path: Path) -> None:
    """Leading/trailing spaces, tabs, blank lines and markdown syntax are not normalised away."""
    raw = "  Indented line\t with a tab\n\n\n**bold** _it_ #tag   \n\u00a0nbsp kept\n"
    path = tmp_path / "spaces.md"
    path.write_bytes(raw.encode("utf-8"))
    item = _read_one(TextReader(), path)
    assert item.text == raw
    assert item.fmt == "md"


def test_lone_cr_newlines_become_lf(tmp_path: Path) -> None:
    """Old Mac line endings (CR alone) are turned into LF, mixed endings too."""
    path = tmp_path / "mac.txt"
    path.write_bytes(b"first line\rsecond line\r\nthird line\n")
    assert _read_one(TextReader(), path).text == "first line\nsecond line\nthird line\n"


def test_encoding_fallback_is_reported_in_notes(corpus: Corpus) -> None:
    """A non-UTF-8 file is decoded by detection and the guess is recorded, not hidden."""
    item = _read_one(TextReader(), corpus.path("cp1252.txt"))
    assert "é" in item.text and "\u201c" in item.text and "\u2019" in item.text
    assert any("not valid UTF-8" in note for note in item.notes)


def test_utf16_bom_is_reported_and_utf8_is_silent(corpus: Corpus) -> None:
    """UTF-16 (by BOM) is noted; plain UTF-8 and UTF-8 with BOM need no note."""
    assert any("utf-16" in n for n in _read_one(TextReader(), corpus.path("utf16.txt")).notes)
    assert _read_one(TextReader(), corpus.path("utf8.txt")).notes == []
    assert _read_one(TextReader(), corpus.path("bom_crlf.txt")).notes == []


def test_decode_text_does_not_normalise_newlines_itself() -> None:
    """decode_text only decodes; normalisation is the one explicit later step."""
    text, _ = decode_text(b"a\r\nb", "x.txt")
    assert text == "a\r\nb"
    assert normalize_newlines("\ufeffa\r\nb\rc") == "a\nb\nc"


def test_text_title_is_first_line(corpus: Corpus) -> None:
    """The first non-empty line (without markdown #) becomes the title."""
    assert _read_one(TextReader(), corpus.path("utf8.txt")).title == "Leaving the Grey Lantern"
    assert _read_one(TextReader(), corpus.path("account.md")).title == "A mother's account"


# ---------------------------------------------------------------- HTML


def test_html_main_text_and_metadata(corpus: Corpus) -> None:
    """Article paragraphs are kept in order; author, site and date reach provenance."""
    item = _read_one(HtmlReader(), corpus.path("article.html"))
    positions = [item.text.find(p) for p in c.HTML_PARAGRAPHS]
    assert all(pos >= 0 for pos in positions), item.text
    assert positions == sorted(positions)
    assert item.fmt == "html"
    assert item.author == "Lena Fairweather"
    assert item.outlet == "Orvanne Courier"
    assert item.published == "2022-03-14"
    assert item.title is not None and "Marta Quell" in item.title


def test_html_script_style_nav_footer_never_in_text(corpus: Corpus) -> None:
    """JavaScript, CSS and page chrome must not become document text."""
    item = _read_one(HtmlReader(), corpus.path("article.html"))
    for marker in (c.HTML_SCRIPT_MARKER, c.HTML_STYLE_MARKER, c.HTML_NAV_MARKER,
                   c.HTML_FOOTER_MARKER, "function()", "color: red"):
        assert marker not in item.text


def test_html_fallback_still_drops_scripts(tmp_path: Path) -> None:
    """A short page trafilatura rejects falls back to visible paragraphs, never to scripts."""
    path = tmp_path / "short.html"
    path.write_bytes(
        f"<html><head><script>var {c.HTML_SCRIPT_MARKER}=1;</script></head><body>"
        "<p>Edda Morn left the camp by boat in 2017 and reached her family.</p>"
        f"<script>{c.HTML_SCRIPT_MARKER}()</script></body></html>".encode()
    )
    item = _read_one(HtmlReader(), path)
    assert "Edda Morn left the camp by boat" in item.text
    assert c.HTML_SCRIPT_MARKER not in item.text


def test_html_paragraphs_separated_by_blank_line(corpus: Corpus) -> None:
    """Paragraph boundaries are explicit (a blank line) so segmenters can find them."""
    item = _read_one(HtmlReader(), corpus.path("article.html"))
    assert f"{c.HTML_PARAGRAPHS[0]}\n\n{c.HTML_PARAGRAPHS[1]}" in item.text


# ---------------------------------------------------------------- PDF


def test_pdf_text_metadata_and_unwrapped_lines(corpus: Corpus) -> None:
    """Hard-wrapped PDF lines are joined back into the original paragraphs."""
    item = _read_one(PdfReader(), corpus.path("fieldnote.pdf"))
    assert item.text == "\n\n".join(c.PDF_PARAGRAPHS)
    assert item.title == c.PDF_TITLE
    assert item.author == c.PDF_AUTHOR
    assert item.published == "2023-05-17"
    assert item.meta["pages"] == 1
    assert item.fmt == "pdf"


def test_pdf_multi_page(tmp_path: Path) -> None:
    """Every page's text is kept, in order."""
    path = tmp_path / "two.pdf"
    path.write_bytes(c.pdf_bytes(pages=2))
    item = _read_one(PdfReader(), path)
    assert item.meta["pages"] == 2
    assert item.text.count(c.PDF_PARAGRAPHS[1]) == 2


def test_pdf_with_owner_password_only_is_read(tmp_path: Path) -> None:
    """Encryption with an empty user password (print/copy restrictions only) is not a barrier."""
    path = tmp_path / "restricted.pdf"
    path.write_bytes(c.pdf_bytes(user_password=""))
    item = _read_one(PdfReader(), path)
    assert item.text == "\n\n".join(c.PDF_PARAGRAPHS)


def test_unwrap_pdf_lines_rules() -> None:
    """Lines join with a space, a break after a hyphen joins without one (the hyphen is kept,
    so compounds such as "self-radicalised" survive), short terminal lines end paragraphs."""
    page = (
        "The movement kept its recruits busy with\n"
        "chores from dawn until late, the self-\n"
        "radicalised ones, he said.\n"
        "A second paragraph starts here and runs\n"
        "on to the end.\n"
    )
    assert unwrap_pdf_lines(page) == (
        "The movement kept its recruits busy with chores from dawn until late, the "
        "self-radicalised ones, he said.\n\nA second paragraph starts here and runs on to the end."
    )
    assert unwrap_pdf_lines("   \n\n") == ""


# ---------------------------------------------------------------- DOCX


def test_docx_text_and_core_properties(corpus: Corpus) -> None:
    """Word paragraphs become blank-line separated paragraphs; core properties → provenance."""
    item = _read_one(DocxReader(), corpus.path("interview.docx"))
    assert item.text == "\n\n".join(c.DOCX_PARAGRAPHS)
    assert item.title == c.DOCX_TITLE
    assert item.author == c.DOCX_AUTHOR
    assert item.published == "2022-09-01"
    assert item.fmt == "docx"


# ---------------------------------------------------------------- JSONL


def test_jsonl_records_with_ids_and_gold(corpus: Corpus) -> None:
    """SPEC §4 records: one item each, id kept, provenance fields mapped, gold kept in meta."""
    path = corpus.path("gold.jsonl")
    result = JsonlReader().read(path, path.read_bytes())
    assert result.problems == []
    assert [i.record_id for i in result.items] == ["gold-001", "gold-002", "gold-003"]
    first = result.items[0]
    assert first.text == normalize_newlines(c.JSONL_RECORDS[0]["text"])  # type: ignore[arg-type]
    assert first.title == "The ferryman's nephew"
    assert first.outlet == "Example Gazette"
    assert first.url == "https://example.org/lantern/001"
    assert first.published == "2021-06-02"
    assert first.kind == "news"
    assert first.meta["record_id"] == "gold-001"
    assert first.meta["gold"]["defectors"] == c.JSONL_RECORDS[0]["defectors"]
    assert first.meta["gold"]["notes"] == "invented record for tests"
    assert result.items[1].meta["gold"]["defectors"] == []
    assert len(result.items[2].meta["gold"]["defectors"]) == 2
    assert result.items[2].kind == "report"


def test_jsonl_unknown_kind_is_dropped(tmp_path: Path) -> None:
    """A kind outside SPEC §1's list is not stored as if it were valid."""
    path = tmp_path / "odd.jsonl"
    path.write_bytes(c.jsonl_bytes([{"id": "x", "kind": "poem", "text": "Some invented text."}]))
    (item,) = JsonlReader().read(path, path.read_bytes()).items
    assert item.kind is None


# ---------------------------------------------------------------- dispatch


@pytest.mark.parametrize(("suffix", "reader"), [
    (".txt", TextReader), (".MD", TextReader), (".html", HtmlReader), (".htm", HtmlReader),
    (".pdf", PdfReader), (".docx", DocxReader), (".jsonl", JsonlReader),
])
def test_reader_for_extension(suffix: str, reader: type) -> None:
    """Readers are chosen by extension, case-insensitively."""
    assert isinstance(reader_for(Path(f"file{suffix}")), reader)


def test_html_published_date_never_guessed_from_body_years(tmp_path: Path) -> None:
    """A year the story mentions is not the page's publication date; markup dates are kept."""
    story = "<p>" + "She travelled to the camp in 2015 and stayed two winters. " * 8 + "</p>"
    bare = tmp_path / "bare.html"
    bare.write_text(f"<html><head><title>An account</title></head><body><article>{story}"
                    "</article></body></html>", encoding="utf-8")
    assert _read_one(HtmlReader(), bare).published is None
    dated = tmp_path / "dated.html"
    dated.write_text('<html><head><title>An account</title><meta property='
                     '"article:published_time" content="2019-03-04T10:00:00Z"></head>'
                     f"<body><article>{story}</article></body></html>", encoding="utf-8")
    assert _read_one(HtmlReader(), dated).published == "2019-03-04"
