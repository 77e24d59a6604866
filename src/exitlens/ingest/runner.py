"""Ingest orchestration: read each planned file, store it atomically.

Guarantees (tested in tests/ingest):
- a file that cannot be read is reported by name with a stable code and a plain
  reason, and the rest of the batch is kept;
- each file commits in its own transaction (document, source record,
  near-duplicate links and audit event together), so a run killed at any moment
  loses nothing already committed, and a rerun skips what is done;
- the same stored text is never stored twice (a second file with it becomes a
  second *source* of the existing document); near-duplicates are linked.

Planning and reading live in :mod:`exitlens.ingest.inputs` (shared with ``extract``
and ``process``); this module adds the database. :meth:`IngestRunner.store_in` stores
one prepared document inside a caller's transaction (``exitlens load`` stores a
document and its reading together with it).
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..config import IngestSettings
from ..errors import IngestError
from ..model import sha256_text
from ..store.database import Database
from ..store.schema import DocumentLinkRow, DocumentRow, EventRow, SourceRow
from .dedup import NearDuplicateIndex
from .inputs import (
    FileOutcome,
    IngestReport,
    PlannedFile,
    PreparedItem,
    _failed,
    parse_file,
    plan_inputs,
    prepare_item,
    prepare_items,
    read_file_bytes,
)
from .readers import reader_for

__all__ = [
    "FileOutcome", "IngestReport", "IngestRunner", "PlannedFile", "PreparedItem",
    "parse_file", "plan_inputs", "prepare_item", "read_file_bytes",
]

log = logging.getLogger(__name__)


class IngestRunner:
    """Reads planned files and stores them in a database, as ``actor``."""

    def __init__(self, db: Database, settings: IngestSettings, actor: str):
        self.db = db
        self.settings = settings
        self.actor = actor
        self._index: NearDuplicateIndex | None = None

    # -- near-duplicate index, built once per runner from stored signatures
    @property
    def index(self) -> NearDuplicateIndex:
        if self._index is None:
            s = self.settings
            self._index = NearDuplicateIndex(s.near_duplicate_threshold, s.minhash_permutations,
                                             s.shingle_words)
            with self.db.session() as session:
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
        outcomes: list[FileOutcome] = []
        prepared: list[PreparedItem] = []
        for entry in prepare_items(planned, result, file_sha, len(data), self.settings):
            if isinstance(entry, FileOutcome):
                outcomes.append(entry)
            elif entry.item.record_id and self._source_exists(entry.locator,
                                                              entry.content_sha256):
                outcomes.append(FileOutcome(
                    entry.locator, "unchanged",
                    document_id=self._source_doc(entry.locator, entry.content_sha256)))
            else:
                prepared.append(entry)
        if prepared:
            outcomes.extend(self._store(prepared))
        return outcomes

    def _source_exists(self, locator: str, sha: str) -> bool:
        return self._source_doc(locator, sha) is not None

    def _source_doc(self, locator: str, sha: str) -> int | None:
        with self.db.session() as session:
            return source_document(session, locator, sha)

    def _store(self, prepared: list[PreparedItem]) -> list[FileOutcome]:
        """Store all documents of one file in one transaction."""
        outcomes: list[FileOutcome] = []
        new_sigs: list[tuple[int, Any]] = []
        try:
            with self.db.session() as session:
                for entry in prepared:
                    outcome, sig = self.store_in(session, entry, new_sigs)
                    outcomes.append(outcome)
                    if sig is not None and outcome.document_id is not None:
                        new_sigs.append((outcome.document_id, sig))
        except IntegrityError:
            # Another process stored the same text meanwhile: retry, now as duplicates.
            if getattr(self, "_retrying", False):
                raise
            self._retrying = True
            try:
                return self._store(prepared)
            finally:
                self._retrying = False
        for doc_id, sig in new_sigs:
            self.index.add(doc_id, sig)
        return outcomes

    def store_in(self, session: Session, entry: PreparedItem,
                 uncommitted: list[tuple[int, Any]]) -> tuple[FileOutcome, Any]:
        """Store one prepared document in the caller's transaction: a new ``documents`` row
        with its near-duplicate links, or, when the same text is stored already, a second
        source of that document. Returns the outcome and the new document's MinHash
        signature (None for a duplicate), which the caller adds to :attr:`index` once the
        transaction has committed (``uncommitted``: signatures of this transaction)."""
        locator, sha, item = entry.locator, entry.content_sha256, entry.item
        text_sha = sha256_text(item.text)
        existing = session.scalar(select(DocumentRow.id).where(DocumentRow.text_sha256 == text_sha))
        source = SourceRow(locator=locator, content_sha256=sha, size_bytes=entry.size_bytes,
                           fmt=item.fmt, notes=item.notes)
        if existing is not None:
            source.document_id = existing
            session.add(source)
            session.add(EventRow(actor=self.actor, action="ingest.duplicate",
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
        session.add(EventRow(actor=self.actor, action="ingest.add", entity="document",
                             entity_id=doc.id, payload={"locator": locator, "fmt": item.fmt,
                                                        "near_duplicates": [d for d, _ in near]}))
        log.debug("stored document %s from %s", doc.id, os.path.basename(locator))
        return FileOutcome(locator, "added", document_id=doc.id, notes=item.notes,
                           near_duplicates=near), sig


def source_document(session: Session, locator: str, sha: str) -> int | None:
    """The document a source (locator + content hash) was stored as, if it was."""
    return session.scalar(select(SourceRow.document_id).where(
        SourceRow.locator == locator, SourceRow.content_sha256 == sha))
