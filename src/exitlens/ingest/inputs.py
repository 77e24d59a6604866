"""Ingest inputs: plan them, read them, prepare each document — no database.

Shared by ``ingest`` (:mod:`exitlens.ingest.runner` stores what is prepared here),
``extract`` and ``process`` (which turn prepared items into documents), so every route
stores and reads the same text with the same provenance and language.

- :func:`plan_inputs` expands folders and CSV manifests into :class:`PlannedFile` entries;
- :func:`split_units` cuts the planned files into :class:`InputUnit` pieces: whole files, and
  runs of lines of a large JSONL file, so that no unit holds more than a bounded number of
  documents;
- :func:`read_unit` reads one unit into :class:`PreparedItem` entries (manifest provenance
  applied, language stated or detected) and failure outcomes, in input order.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import IngestSettings
from ..errors import IngestError
from ..language import detect_language
from ..model import Document, sha256_text
from .manifest import read_manifest
from .readers import (
    ExtractedText,
    JsonlReader,
    Reader,
    ReadResult,
    jsonl_record_ids,
    read_jsonl_lines,
    reader_for,
    supported_extensions,
)

log = logging.getLogger(__name__)


@dataclass
class PlannedFile:
    path: Path
    overrides: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # manifest warnings for this file


@dataclass
class FileOutcome:
    """What happened to one input (a file, or one record of a JSONL file)."""

    locator: str
    status: str  # added | duplicate | unchanged | failed | skipped
    document_id: int | None = None
    code: str | None = None
    message: str | None = None
    notes: list[str] = field(default_factory=list)
    near_duplicates: list[tuple[int, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "locator": self.locator, "status": self.status, "document_id": self.document_id,
            "code": self.code, "message": self.message, "notes": self.notes,
            "near_duplicates": [{"document_id": d, "similarity": round(s, 3)}
                                for d, s in self.near_duplicates],
        }


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failures(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.count("added"), "duplicate": self.count("duplicate"),
            "unchanged": self.count("unchanged"), "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "near_duplicate_links": sum(len(o.near_duplicates) for o in self.outcomes),
            "outcomes": [o.as_dict() for o in self.outcomes],
        }


# Code for a file whose reader failed unexpectedly (see IngestRunner._ingest_file).
_CORRUPT_CODES = {".pdf": "corrupt_pdf", ".docx": "corrupt_docx", ".html": "corrupt_html",
                  ".htm": "corrupt_html", ".xhtml": "corrupt_html"}


def _failed(err: IngestError, fallback: str) -> FileOutcome:
    return FileOutcome(err.where or fallback, "failed", code=err.code, message=err.message)


def plan_inputs(paths: Iterable[str | Path]) -> tuple[list[PlannedFile], list[FileOutcome]]:
    """Expand folders and manifests into files to read; report what cannot even be planned.

    In a folder that holds a CSV manifest, the manifest defines the corpus: files it
    does not list are skipped (and reported), so a README next to the data is not
    taken for a testimony.
    """
    planned: dict[Path, PlannedFile] = {}
    outcomes: list[FileOutcome] = []
    exts = supported_extensions()

    def add_manifest(csv_path: Path) -> set[Path]:
        listed: set[Path] = set()
        try:
            entries, problems = read_manifest(csv_path)
        except IngestError as err:
            outcomes.append(_failed(err, str(csv_path)))
            return listed
        outcomes.extend(_failed(p, str(csv_path)) for p in problems)
        for entry in entries:
            target = entry.path.resolve()
            listed.add(target)
            if not target.is_file():
                outcomes.append(FileOutcome(str(entry.path), "failed", code="not_found",
                                            message=f"listed in {entry.where} but no such file"))
                continue
            planned[target] = PlannedFile(target, entry.overrides, entry.notes)
        return listed

    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            outcomes.append(FileOutcome(str(path), "failed", code="not_found",
                                        message="no such file or folder"))
            continue
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file()
                           and not any(part.startswith(".") for part in p.relative_to(path).parts))
            manifests = [p for p in files if p.suffix.lower() == ".csv"]
            listed: set[Path] = set()
            for m in manifests:
                listed |= add_manifest(m)
            manifest_dirs = {m.parent.resolve() for m in manifests}
            for f in files:
                rf = f.resolve()
                if f.suffix.lower() == ".csv" or rf in listed:
                    continue
                if any(d == rf.parent or d in rf.parents for d in manifest_dirs):
                    outcomes.append(FileOutcome(str(f), "skipped",
                                                message="not listed in the manifest"))
                elif f.suffix.lower() in exts:
                    planned.setdefault(rf, PlannedFile(rf))
                else:
                    outcomes.append(FileOutcome(str(f), "skipped",
                                                message=f"unsupported type {f.suffix or '(none)'}"))
        elif path.suffix.lower() == ".csv":
            add_manifest(path)
        else:
            planned.setdefault(path.resolve(), PlannedFile(path.resolve()))
    return list(planned.values()), outcomes


def read_file_bytes(path: Path, settings: IngestSettings) -> bytes:
    """The raw bytes of one input, refusing missing, unreadable, empty and over-size files."""
    where = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:  # removed since the inputs were planned
        raise IngestError("no such file", code="not_found", where=where) from None
    except OSError as exc:
        raise IngestError(f"cannot access file ({exc.strerror})", code="unreadable",
                          where=where) from None
    limit = int(settings.max_file_mb * 1024 * 1024)
    if size > limit:
        raise IngestError(
            f"file is {size / 1048576:.1f} MB, over the {settings.max_file_mb:g} MB limit "
            "(ingest.max_file_mb)", code="too_large", where=where)
    if size == 0:
        raise IngestError("file is empty", code="empty_file", where=where)
    try:
        with path.open("rb") as fh:
            return fh.read(limit + 1)
    except PermissionError:
        raise IngestError("permission denied", code="unreadable", where=where) from None
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror})", code="unreadable",
                          where=where) from None


def parse_file(path: Path, data: bytes, reader: Reader | None = None) -> ReadResult:
    """Run the format's reader; any unexpected parser failure becomes one file's IngestError."""
    reader = reader or reader_for(path)
    try:
        return reader.read(path, data)
    except IngestError:
        raise
    except Exception as exc:
        # Parsers (pypdf above all) can fail on damaged files in ways no reader can
        # list in advance; that is one bad file, not a reason to abort the batch.
        log.debug("reader %s failed on %s", type(reader).__name__, path.name, exc_info=True)
        raise IngestError(f"could not be read ({type(exc).__name__}: {exc})",
                          code=_CORRUPT_CODES.get(path.suffix.lower(), "unreadable"),
                          where=str(path)) from None


def prepare_item(item: ExtractedText, planned: PlannedFile, locator: str,
                 settings: IngestSettings) -> FileOutcome | None:
    """Apply the manifest's provenance and notes, and detect the language unless the file
    or the manifest stated it; a failure outcome when there is no text or it holds NUL
    characters (``binary_data``, as for a text file)."""
    for key, value in planned.overrides.items():
        setattr(item, key, value)
    item.notes.extend(planned.notes)
    fields = (item.text, item.title, item.author, item.outlet, item.url, item.published,
              item.kind)
    if any(value and "\x00" in value for value in fields):
        # As for a text file holding NUL bytes: binary data, never stored (PostgreSQL's
        # text columns cannot hold NUL at all; SQLite would store what PostgreSQL refuses).
        return FileOutcome(locator, "failed", code="binary_data",
                           message="binary data, not text (contains NUL characters)")
    stripped = item.text.strip()
    if len(stripped) >= settings.min_text_chars:
        if item.language is None:
            guess = detect_language(item.text)
            item.language = guess.code if guess else None
        return None
    # A text file holding only whitespace is empty; a PDF/HTML/DOCX page or a JSONL
    # record that yields (next to) no text has no usable text.
    code = "empty_file" if not stripped and item.fmt in ("txt", "md") else "no_text"
    detail = f" (only {len(stripped)} characters)" if stripped else ""
    return FileOutcome(locator, "failed", code=code, message="no usable text" + detail)


@dataclass
class PreparedItem:
    """One document ready to store or to read: its text and provenance, where it came from
    (``locator``: the path, or ``path#record-id`` for a JSONL record) and the content hash a
    ``sources`` row records (the file's bytes; a JSONL record's text and fields)."""

    locator: str
    content_sha256: str
    item: ExtractedText
    size_bytes: int

    def document(self) -> Document:
        item = self.item
        return Document(
            text=item.text, title=item.title, author=item.author, outlet=item.outlet,
            url=item.url, source_path=self.locator, published=item.published,
            kind=item.kind or "unknown", fmt=item.fmt, language=item.language, meta=item.meta,
        )


def record_sha(item: ExtractedText) -> str:
    """The content hash of one record of a multi-document file (its text and fields)."""
    return sha256_text(item.text + "\x00" + repr(sorted(item.meta.items())))


def prepare_items(planned: PlannedFile, result: ReadResult, file_sha: str, size: int,
                  settings: IngestSettings) -> Iterator[PreparedItem | FileOutcome]:
    """The reader's problems (as failures), then each item prepared or refused, in order."""
    locator = str(planned.path)
    for problem in result.problems:
        yield _failed(problem, locator)
    for item in result.items:
        item_locator = f"{locator}#{item.record_id}" if item.record_id else locator
        failure = prepare_item(item, planned, item_locator, settings)
        if failure is not None:
            yield failure
            continue
        sha = file_sha if item.record_id is None else record_sha(item)
        yield PreparedItem(item_locator, sha, item, size)


@dataclass(frozen=True)
class InputUnit:
    """What is read in one go: a whole planned file, or the lines ``first_line`` … of a JSONL
    file held in bytes ``[byte_start, byte_end)``."""

    planned: PlannedFile
    first_line: int = 1
    byte_start: int = 0
    byte_end: int | None = None  # None: the whole file
    # Record ids of this run that earlier runs of the same file hold already (filled by
    # :func:`mark_repeated_ids` when runs are read apart, e.g. on different workers).
    seen_before: frozenset[str] = frozenset()

    @property
    def is_slice(self) -> bool:
        return self.byte_end is not None

    def describe(self) -> str:
        path = str(self.planned.path)
        return f"{path}:{self.first_line}+" if self.is_slice else path


def _is_jsonl(path: Path) -> bool:
    return path.suffix.lower() in JsonlReader.extensions


def jsonl_line_runs(path: Path, lines_per_run: int,
                    chunk_bytes: int = 1 << 20) -> list[tuple[int, int, int]]:
    """``(first_line, byte_start, byte_end)`` runs of at most ``lines_per_run`` lines each,
    found by scanning the file's newlines in chunks (never the whole file in memory).
    A file with fewer lines is one run."""
    runs: list[tuple[int, int, int]] = []
    first_line, start, lines, offset = 1, 0, 0, 0
    with path.open("rb") as fh:
        while chunk := fh.read(chunk_bytes):
            pos = 0
            while True:
                left = lines_per_run - lines
                if chunk.count(b"\n", pos) < left:
                    lines += chunk.count(b"\n", pos)
                    break
                for _ in range(left):
                    pos = chunk.index(b"\n", pos) + 1
                end = offset + pos
                runs.append((first_line, start, end))
                first_line += lines_per_run
                start, lines = end, 0
            offset += len(chunk)
    if offset > start:
        runs.append((first_line, start, offset))
    return runs


def split_units(planned: Iterable[PlannedFile], lines_per_unit: int) -> Iterator[InputUnit]:
    """Whole files, except a JSONL file of more than ``lines_per_unit`` lines, which becomes
    runs of that many lines (so a shard of a million records is read a run at a time)."""
    for item in planned:
        if _is_jsonl(item.path) and item.path.is_file():
            try:
                runs = jsonl_line_runs(item.path, lines_per_unit)
            except OSError:
                runs = []  # reported when the unit is read
            if len(runs) > 1:
                for first_line, start, end in runs:
                    yield InputUnit(item, first_line, start, end)
                continue
        yield InputUnit(item)


def mark_repeated_ids(units: Iterable[InputUnit], settings: IngestSettings
                      ) -> list[InputUnit]:
    """The units, each run of a split JSONL file carrying in ``seen_before`` the record ids
    it shares with the file's earlier runs, so that runs read apart (on different workers)
    refuse a repeated id exactly as one reader going through the whole file does: the
    first copy is kept, every later one is a ``bad_jsonl`` problem naming its line.

    A pre-pass over the ids only (JSON-decoded a run at a time; the ids seen so far of one
    file are held, not its records)."""
    units = list(units)
    out: list[InputUnit] = []
    earlier: dict[Path, set[str]] = {}
    for unit in units:
        if not unit.is_slice:
            out.append(unit)
            continue
        seen = earlier.setdefault(unit.planned.path, set())
        try:
            data, _ = _read_slice(unit, settings)
        except IngestError:
            out.append(unit)  # reported when the run is read
            continue
        ids = set(jsonl_record_ids(unit.planned.path, data, unit.first_line))
        del data
        repeated = frozenset(ids & seen)
        seen |= ids
        out.append(replace(unit, seen_before=repeated) if repeated else unit)
    return out


def _read_slice(unit: InputUnit, settings: IngestSettings) -> tuple[bytes, int]:
    path, where = unit.planned.path, str(unit.planned.path)
    assert unit.byte_end is not None
    length = unit.byte_end - unit.byte_start
    limit = int(settings.max_file_mb * 1024 * 1024)
    if length > limit:
        raise IngestError(
            f"lines {unit.first_line}… are {length / 1048576:.1f} MB, over the "
            f"{settings.max_file_mb:g} MB limit (ingest.max_file_mb)", code="too_large",
            where=where)
    try:
        with path.open("rb") as fh:
            fh.seek(unit.byte_start)
            data = fh.read(length)
            size = path.stat().st_size
    except FileNotFoundError:
        raise IngestError("no such file", code="not_found", where=where) from None
    except OSError as exc:
        raise IngestError(f"cannot read file ({exc.strerror})", code="unreadable",
                          where=where) from None
    return data, size


def read_unit(unit: InputUnit, settings: IngestSettings, seen_ids: set[str] | None = None
              ) -> Iterator[PreparedItem | FileOutcome]:
    """Read one unit: its prepared documents and its failures, in input order.

    ``seen_ids`` carries JSONL record ids across the runs of one file (duplicates are
    refused); runs read apart (on different machines) rely on the unit's ``seen_before``
    instead (:func:`mark_repeated_ids`).
    """
    planned = unit.planned
    try:
        if unit.is_slice:
            data, size = _read_slice(unit, settings)
            seen = seen_ids if seen_ids is not None else set(unit.seen_before)
            result = read_jsonl_lines(planned.path, data, unit.first_line, seen)
        else:
            reader = reader_for(planned.path)
            data = read_file_bytes(planned.path, settings)
            size = len(data)
            if isinstance(reader, JsonlReader) and seen_ids is not None:
                result = read_jsonl_lines(planned.path, data, 1, seen_ids)
            else:
                result = parse_file(planned.path, data, reader)
    except IngestError as err:
        yield _failed(err, str(planned.path))
        return
    file_sha = hashlib.sha256(data).hexdigest()
    del data
    yield from prepare_items(planned, result, file_sha, size, settings)
