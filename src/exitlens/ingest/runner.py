"""Ingest orchestration: plan the inputs, read each file, store it atomically.

Guarantees (tested in tests/ingest):
- a file that cannot be read is reported by name with a stable code and a plain
  reason, and the rest of the batch is kept;
- each file commits in its own transaction (document, source record,
  near-duplicate links and audit event together), so a run killed at any moment
  loses nothing already committed, and a rerun skips what is done;
- the same stored text is never stored twice (a second file with it becomes a
  second *source* of the existing document); near-duplicates are linked.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..config import IngestSettings
from ..errors import IngestError
from ..language import detect_language
from ..model import sha256_text
from ..store.schema import DocumentLinkRow, DocumentRow, EventRow, SourceRow
from .dedup import NearDuplicateIndex
from .manifest import read_manifest
from .readers import ExtractedText, Reader, ReadResult, reader_for, supported_extensions

if TYPE_CHECKING:
    from ..project import Project

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
    or the manifest stated it; a failure outcome when there is no text."""
    for key, value in planned.overrides.items():
        setattr(item, key, value)
    item.notes.extend(planned.notes)
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


class IngestRunner:
    """Reads planned files and stores them through a :class:`~exitlens.project.Project`."""

    def __init__(self, project: Project):
        self.project = project
        self.settings = project.settings.ingest
        self._index: NearDuplicateIndex | None = None

    # -- near-duplicate index, built once per runner from stored signatures
    @property
    def index(self) -> NearDuplicateIndex:
        if self._index is None:
            s = self.settings
            self._index = NearDuplicateIndex(s.near_duplicate_threshold, s.minhash_permutations,
                                             s.shingle_words)
            with self.project.db.session() as session:
                for doc_id, blob in session.execute(
                    select(DocumentRow.id, DocumentRow.minhash)
                    .where(DocumentRow.minhash.is_not(None))
                ):
                    mh = self._index.from_bytes(blob) if blob else None
                    if mh is not None:
                        self._index.add(doc_id, mh)
        return self._index

    def run(self, files: list[PlannedFile],
            on_file: Callable[[list[FileOutcome]], None] | None = None) -> list[FileOutcome]:
        outcomes: list[FileOutcome] = []
        for planned in files:
            result = self.ingest_file(planned)
            outcomes.extend(result)
            if on_file:
                on_file(result)
        return outcomes

    def ingest_file(self, planned: PlannedFile) -> list[FileOutcome]:
        path = planned.path
        try:
            return self._ingest_file(planned)
        except IngestError as err:
            return [_failed(err, str(path))]

    def _ingest_file(self, planned: PlannedFile) -> list[FileOutcome]:
        path = planned.path
        reader = reader_for(path)  # before reading: unsupported types fail fast
        data = read_file_bytes(path, self.settings)
        file_sha = hashlib.sha256(data).hexdigest()
        locator = str(path)
        if self._source_exists(locator, file_sha):
            return [FileOutcome(locator, "unchanged",
                                document_id=self._source_doc(locator, file_sha))]
        result = parse_file(path, data, reader)
        outcomes = [_failed(p, locator) for p in result.problems]
        prepared: list[tuple[str, str, ExtractedText]] = []
        for item in result.items:
            item_locator = f"{locator}#{item.record_id}" if item.record_id else locator
            item_sha = file_sha if item.record_id is None else sha256_text(
                item.text + "\x00" + repr(sorted(item.meta.items())))
            problem = prepare_item(item, planned, item_locator, self.settings)
            if problem is not None:
                outcomes.append(problem)
                continue
            if item.record_id and self._source_exists(item_locator, item_sha):
                outcomes.append(FileOutcome(item_locator, "unchanged",
                                            document_id=self._source_doc(item_locator, item_sha)))
                continue
            prepared.append((item_locator, item_sha, item))
        if prepared:
            outcomes.extend(self._store(prepared, size=len(data)))
        return outcomes

    def _source_exists(self, locator: str, sha: str) -> bool:
        return self._source_doc(locator, sha) is not None

    def _source_doc(self, locator: str, sha: str) -> int | None:
        with self.project.db.session() as session:
            return session.scalar(select(SourceRow.document_id).where(
                SourceRow.locator == locator, SourceRow.content_sha256 == sha))

    def _store(self, prepared: list[tuple[str, str, ExtractedText]],
               size: int) -> list[FileOutcome]:
        """Store all documents of one file in one transaction."""
        outcomes: list[FileOutcome] = []
        new_sigs: list[tuple[int, Any]] = []
        try:
            with self.project.db.session() as session:
                for locator, sha, item in prepared:
                    outcome, sig = self._store_one(session, locator, sha, item, size,
                                                   new_sigs)
                    outcomes.append(outcome)
                    if sig is not None and outcome.document_id is not None:
                        new_sigs.append((outcome.document_id, sig))
        except IntegrityError:
            # Another process stored the same text meanwhile: retry, now as duplicates.
            if getattr(self, "_retrying", False):
                raise
            self._retrying = True
            try:
                return self._store(prepared, size)
            finally:
                self._retrying = False
        for doc_id, sig in new_sigs:
            self.index.add(doc_id, sig)
        return outcomes

    def _store_one(self, session: Any, locator: str, sha: str, item: ExtractedText,
                   size: int, uncommitted: list[tuple[int, Any]]) -> tuple[FileOutcome, Any]:
        text_sha = sha256_text(item.text)
        existing = session.scalar(select(DocumentRow.id).where(DocumentRow.text_sha256 == text_sha))
        source = SourceRow(locator=locator, content_sha256=sha, size_bytes=size, fmt=item.fmt,
                           notes=item.notes)
        if existing is not None:
            source.document_id = existing
            session.add(source)
            session.add(EventRow(actor=self.project.actor, action="ingest.duplicate",
                                 entity="document", entity_id=existing,
                                 payload={"locator": locator}))
            return FileOutcome(locator, "duplicate", document_id=existing, notes=item.notes,
                               message=f"same text as document {existing}"), None
        sig = self.index.signature(item.text)
        doc = DocumentRow(
            text_sha256=text_sha, text=item.text, n_chars=len(item.text), title=item.title,
            author=item.author, outlet=item.outlet, url=item.url, source_path=locator,
            published=item.published, kind=item.kind or "unknown", fmt=item.fmt,
            language=item.language, meta=item.meta, minhash=self.index.to_bytes(sig),
        )
        session.add(doc)
        session.flush()
        source.document_id = doc.id
        session.add(source)
        near = self.index.query(sig)
        # Documents stored earlier in this same transaction (other records of one JSONL
        # file) are not in the index until it commits: compare with them directly.
        for other_id, other_sig in uncommitted:
            score = float(sig.jaccard(other_sig))
            if score >= self.index.threshold:
                near.append((other_id, score))
        near.sort(key=lambda hit: -hit[1])
        for other_id, score in near:
            session.add(DocumentLinkRow(document_id=doc.id, other_id=other_id,
                                        relation="near_duplicate", score=score))
        session.add(EventRow(actor=self.project.actor, action="ingest.add", entity="document",
                             entity_id=doc.id, payload={"locator": locator, "fmt": item.fmt,
                                                        "near_duplicates": [d for d, _ in near]}))
        log.debug("stored document %s from %s", doc.id, os.path.basename(locator))
        return FileOutcome(locator, "added", document_id=doc.id, notes=item.notes,
                           near_duplicates=near), sig
