"""Format readers: raw bytes of one file → stored text plus metadata.

Each reader is a small class registered by name in the ``readers`` registry
(entry point group ``exitlens.readers``); the built-in ones are declared in
``pyproject.toml`` exactly as a plugin would declare its own. A reader raises
:class:`~exitlens.errors.IngestError` with a stable code when the file cannot be
read, and records anything it had to guess (an encoding fallback) in ``notes``.

The text a reader returns is normalised once (BOM dropped, CRLF/CR → LF, SPEC
§1) and then stored as is; every later offset points into it.
"""

from __future__ import annotations

import io
import json
import logging
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol

from ..errors import IngestError
from ..language import normalize_language
from ..model import DOCUMENT_KINDS, normalize_newlines
from ..registry import Registry


@dataclass
class ExtractedText:
    """One document's text and whatever provenance the file itself carries."""

    text: str
    fmt: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: str | None = None
    kind: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    record_id: str | None = None  # for multi-document files (JSONL): the record's id
    language: str | None = None  # ISO 639-1, when the file states it (else detected at ingest)


@dataclass
class ReadResult:
    """What a reader got from one file: documents, and per-record problems (JSONL lines)."""

    items: list[ExtractedText]
    problems: list[IngestError] = field(default_factory=list)


class Reader(Protocol):
    name: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]

    def read(self, path: Path, data: bytes) -> ReadResult: ...


readers: Registry[type[Reader]] = Registry("readers")

# pypdf and trafilatura log a WARNING for every oddity of a damaged file ("EOF marker not
# found", "discarding data"); the readers report such files themselves, by name and with a
# stable code, so those lines are only noise on the user's terminal.
for _noisy in ("pypdf", "trafilatura"):
    logging.getLogger(_noisy).setLevel(logging.ERROR)


def reader_for(path: Path) -> Reader:
    """The reader that handles ``path``'s extension."""
    suffix = path.suffix.lower()
    for _name, cls in readers.items():
        if suffix in cls.extensions:
            return cls()
    known = sorted({ext for _n, cls in readers.items() for ext in cls.extensions} | {".csv"})
    raise IngestError(
        f"unsupported file type {suffix or '(no extension)'}; known: {', '.join(known)}",
        code="unsupported_type",
        where=str(path),
    )


def supported_extensions() -> set[str]:
    return {ext for _n, cls in readers.items() for ext in cls.extensions}


# ---------------------------------------------------------------- plain text

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes, where: str) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8, else by BOM, else by detection; refuse binary data."""
    notes: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(encoding.replace("-sig", ""))
            except UnicodeDecodeError:
                raise IngestError(
                    f"file starts with a {encoding} byte-order mark but is not valid {encoding}",
                    code="decode_failed", where=where,
                ) from None
            if encoding != "utf-8-sig":
                notes.append(f"decoded as {encoding} (byte-order mark)")
            return _check_not_binary(text, where), notes
    if b"\x00" in data[:8192]:
        raise IngestError("binary data, not text (contains NUL bytes)", code="binary_data",
                          where=where)
    try:
        return _check_not_binary(data.decode("utf-8"), where), notes
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise IngestError(
            "not UTF-8 and no other text encoding fits; binary data?", code="binary_data",
            where=where,
        )
    notes.append(f"not valid UTF-8; decoded as {best.encoding} (detected)")
    return _check_not_binary(str(best), where), notes


def _check_not_binary(text: str, where: str) -> str:
    sample = text[:20000]
    if sample and len(_CONTROL.findall(sample)) > max(2, len(sample) // 100):
        raise IngestError("binary data, not text (control characters)", code="binary_data",
                          where=where)
    return text


class TextReader:
    """``.txt`` and ``.md``: decoded text, stored as is (after newline normalisation)."""

    name = "text"
    extensions = (".txt", ".md", ".text", ".markdown")

    def read(self, path: Path, data: bytes) -> ReadResult:
        text, notes = decode_text(data, str(path))
        fmt = "md" if path.suffix.lower() in (".md", ".markdown") else "txt"
        title = _first_line_title(text)
        return ReadResult([ExtractedText(normalize_newlines(text), fmt, title=title, notes=notes)])


def _first_line_title(text: str) -> str | None:
    for line in text.lstrip("\ufeff").splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line if len(line) <= 150 else None
    return None


# ---------------------------------------------------------------- HTML


def _strip_scripts(html: bytes) -> str:
    """Fallback plain text from HTML with script/style removed (never document text)."""
    import lxml.html  # type: ignore[import-untyped]
    from lxml_html_clean import Cleaner

    cleaner = Cleaner(scripts=True, javascript=True, style=True, comments=True, forms=True,
                      page_structure=False, meta=True, embedded=True, frames=True)
    tree = cleaner.clean_html(lxml.html.document_fromstring(html))
    blocks = [
        " ".join(el.text_content().split())
        for el in tree.iter("p", "h1", "h2", "h3", "h4", "li", "blockquote", "pre", "td")
    ]
    return "\n\n".join(b for b in blocks if b)


# The publication date comes from the page's markup (meta tags, <time>, a dated byline or
# URL), never from a year the text happens to mention: htmldate's extensive search would
# turn "she married in 2015" into a published date of 2015-01-01, false provenance.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}


class HtmlReader:
    """HTML pages: main text and metadata via trafilatura (scripts and boilerplate dropped)."""

    name = "html"
    extensions = (".html", ".htm", ".xhtml")

    def read(self, path: Path, data: bytes) -> ReadResult:
        import trafilatura

        where = str(path)
        if b"<" not in data[:65536]:
            raise IngestError("does not look like HTML (no markup)", code="corrupt_html",
                              where=where)
        try:
            result = trafilatura.bare_extraction(
                data, with_metadata=True, include_comments=False, include_tables=True,
                favor_recall=True, date_extraction_params=_DATE_PARAMS,
            )
        except Exception as exc:  # trafilatura wraps many lxml errors; report plainly
            raise IngestError(f"HTML could not be parsed ({type(exc).__name__})",
                              code="corrupt_html", where=where) from None
        text = (getattr(result, "text", None) or "") if result is not None else ""
        notes: list[str] = []
        if not text.strip():
            try:
                text = _strip_scripts(data)
            except Exception:
                text = ""
            if text.strip():
                notes.append("main-text extraction found nothing; used all visible paragraphs")
        # trafilatura separates paragraphs by one newline; a blank line makes them explicit.
        text = re.sub(r"\n+", "\n\n", normalize_newlines(text).strip())
        item = ExtractedText(text, "html", notes=notes)
        if result is not None:
            item.title = getattr(result, "title", None)
            item.author = getattr(result, "author", None)
            item.outlet = getattr(result, "sitename", None)
            item.url = getattr(result, "url", None)
            item.published = getattr(result, "date", None)
        return ReadResult([item])


# ---------------------------------------------------------------- PDF

_TERMINAL = re.compile(r"[.!?:\"”’»)]\s*$")


def unwrap_pdf_lines(page_text: str) -> str:
    """Join hard-wrapped lines into paragraphs.

    A line ends a paragraph when it is clearly shorter than the page's typical line
    and ends with terminal punctuation, or is much shorter (a heading); otherwise the
    next line continues it.
    """
    lines = [ln.rstrip() for ln in normalize_newlines(page_text).split("\n")]
    lengths = sorted(len(ln) for ln in lines if ln.strip())
    if not lengths:
        return ""
    typical = lengths[int(len(lengths) * 0.8)] if len(lengths) > 2 else lengths[-1]
    paragraphs: list[str] = []
    current = ""
    for line in lines:
        stripped = line.strip()
        if not stripped:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current:
            joiner = "" if current.endswith("-") and stripped[:1].islower() else " "
            current = f"{current}{joiner}{stripped}"
        else:
            current = stripped
        short = len(line) < 0.85 * typical
        heading = len(line) < 0.6 * typical and not stripped.endswith((",", ";", "-"))
        if (short and _TERMINAL.search(stripped)) or heading:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _pdf_date(value: Any) -> str | None:
    text = str(value or "")
    m = re.match(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?", text)
    if not m:
        return None
    return "-".join(x for x in m.groups() if x)


class PdfReader:
    """PDF via pypdf: text per page, hard line wraps joined into paragraphs."""

    name = "pdf"
    extensions = (".pdf",)

    def read(self, path: Path, data: bytes) -> ReadResult:
        from pypdf import PdfReader as _Pdf
        from pypdf.errors import FileNotDecryptedError, PdfReadError, PdfStreamError

        where = str(path)
        if not data.lstrip()[:5].startswith(b"%PDF"):
            raise IngestError("not a PDF file (no %PDF header)", code="corrupt_pdf", where=where)
        try:
            pdf = _Pdf(io.BytesIO(data), strict=False)
            if pdf.is_encrypted:
                try:
                    pdf.decrypt("")
                    pages = [p.extract_text() or "" for p in pdf.pages]
                except (FileNotDecryptedError, NotImplementedError, PdfReadError):
                    raise IngestError("PDF is encrypted with a password", code="encrypted_pdf",
                                      where=where) from None
            else:
                pages = [p.extract_text() or "" for p in pdf.pages]
            info = pdf.metadata
        except IngestError:
            raise
        except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, AttributeError,
                IndexError, OSError, RecursionError) as exc:
            raise IngestError(f"corrupt or truncated PDF ({type(exc).__name__})",
                              code="corrupt_pdf", where=where) from None
        text = "\n\n".join(t for t in (unwrap_pdf_lines(p) for p in pages) if t)
        if not text.strip():
            raise IngestError("PDF has no extractable text (a scanned image? OCR it first)",
                              code="no_text", where=where)
        item = ExtractedText(text, "pdf", meta={"pages": len(pages)})
        if info is not None:
            item.title = (info.title or None) if hasattr(info, "title") else None
            item.author = (info.author or None) if hasattr(info, "author") else None
            item.published = _pdf_date(info.get("/CreationDate"))
        return ReadResult([item])


# ---------------------------------------------------------------- DOCX


class DocxReader:
    """Word documents via python-docx: one paragraph per non-empty Word paragraph."""

    name = "docx"
    extensions = (".docx",)

    def read(self, path: Path, data: bytes) -> ReadResult:
        import docx

        where = str(path)
        try:
            document = docx.Document(io.BytesIO(data))
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
            raise IngestError(f"corrupt or truncated DOCX ({type(exc).__name__})",
                              code="corrupt_docx", where=where) from None
        except Exception as exc:  # lxml XMLSyntaxError and python-docx's own errors
            raise IngestError(f"corrupt DOCX ({type(exc).__name__})", code="corrupt_docx",
                              where=where) from None
        paragraphs = [" ".join(p.text.split()) for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                cells = [" ".join(c.text.split()) for c in row.cells]
                paragraphs.append(" | ".join(c for c in cells if c))
        text = "\n\n".join(p for p in paragraphs if p)
        props = document.core_properties
        created = props.created.date().isoformat() if props.created else None
        return ReadResult([ExtractedText(text, "docx", title=props.title or None,
                                         author=props.author or None, published=created)])


# ---------------------------------------------------------------- JSONL (SPEC §4)

_RECORD_FIELDS = ("id", "url", "title", "outlet", "published", "kind", "text")


class JsonlReader:
    """SPEC §4 records, one document per line; bad lines are reported, good ones kept."""

    name = "jsonl"
    extensions = (".jsonl", ".ndjson")

    def read(self, path: Path, data: bytes) -> ReadResult:
        return read_jsonl_lines(path, data)


def _jsonl_records(text: str, where: str, first_line: int
                   ) -> Iterator[tuple[int, str, dict[str, Any] | IngestError]]:
    """``(line number, "file:line", record or problem)`` for every non-blank line of a
    decoded JSONL text; a record is a dict with a string ``text``."""
    for lineno, line in enumerate(normalize_newlines(text).split("\n"), start=first_line):
        if not line.strip():
            continue
        loc = f"{where}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, loc, IngestError(
                f"not valid JSON ({exc.msg} at column {exc.colno})", code="bad_jsonl",
                where=loc)
            continue
        if not isinstance(record, dict) or not isinstance(record.get("text"), str):
            yield lineno, loc, IngestError("record has no string field 'text'",
                                           code="bad_jsonl", where=loc)
            continue
        yield lineno, loc, record


def _record_id(record: dict[str, Any], lineno: int) -> str:
    return str(record.get("id") or f"line-{lineno}")


def jsonl_record_ids(path: Path, data: bytes, first_line: int = 1) -> Iterator[str]:
    """The record ids of ``data`` (a JSONL file or a run of its lines), in line order, as
    :func:`read_jsonl_lines` names them; lines it would refuse are skipped. Undecodable
    data yields nothing (reading it reports the problem)."""
    try:
        text, _ = decode_text(data, str(path))
    except IngestError:
        return
    for lineno, _loc, record in _jsonl_records(text, str(path), first_line):
        if not isinstance(record, IngestError):
            yield _record_id(record, lineno)


def read_jsonl_lines(path: Path, data: bytes, first_line: int = 1,
                     seen: set[str] | None = None) -> ReadResult:
    """The records of ``data``: a whole JSONL file, or a run of its lines starting at line
    ``first_line`` (line numbers and record ids stay those of the whole file). ``seen``
    carries the record ids of earlier runs of the same file, so a duplicate id is refused
    whichever run it falls in."""
    where = str(path)
    text, notes = decode_text(data, where)
    items: list[ExtractedText] = []
    problems: list[IngestError] = []
    seen = set() if seen is None else seen
    for lineno, loc, record in _jsonl_records(text, where, first_line):
        if isinstance(record, IngestError):
            problems.append(record)
            continue
        record_id = _record_id(record, lineno)
        if record_id in seen:
            problems.append(IngestError(f"duplicate record id {record_id!r}", code="bad_jsonl",
                                        where=loc))
            continue
        seen.add(record_id)
        kind = record.get("kind")
        extra = {k: v for k, v in record.items() if k not in _RECORD_FIELDS}
        meta: dict[str, Any] = {"record_id": record_id}
        if "defectors" in extra:
            meta["gold"] = {"defectors": extra.pop("defectors"),
                            "notes": extra.pop("notes", None)}
        meta.update(extra)
        item_notes = list(notes)
        language = normalize_language(record.get("language"))
        if record.get("language") not in (None, "") and language is None:
            item_notes.append(f"{loc}: language {str(record.get('language'))[:20]!r} is not "
                              "an ISO 639-1 code; detected instead")
        items.append(ExtractedText(
            normalize_newlines(record["text"]), "jsonl",
            title=_str_or_none(record.get("title")), outlet=_str_or_none(record.get("outlet")),
            url=_str_or_none(record.get("url")),
            published=_str_or_none(record.get("published")),
            kind=kind if kind in DOCUMENT_KINDS else None, meta=meta,
            notes=item_notes, record_id=record_id, language=language,
        ))
    return ReadResult(items, problems)


def _str_or_none(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
