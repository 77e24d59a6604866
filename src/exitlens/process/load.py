"""``exitlens load DIR``: the output of ``exitlens process`` into a database, idempotently.

Each document is keyed by its text SHA-256 and stored by the same function ``ingest`` uses
(:meth:`~exitlens.ingest.runner.IngestRunner.store_in`: a new document with its
near-duplicate links, or one more source of a document with the same text); its reading is
stored by the same function ``analyze`` uses (:func:`~exitlens.store.readings.store_reading`),
in the same transaction. A source already stored is not added again, and a document that
already has an analysis with the run's fingerprint keeps it, so loading twice adds nothing.
Partitions are read one at a time: memory holds one partition's rows, not the corpus.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import exists, select

from ..config import IngestSettings
from ..ingest.inputs import PreparedItem
from ..ingest.readers import ExtractedText
from ..ingest.runner import IngestRunner, source_document
from ..store import review_store
from ..store.database import Database
from ..store.readings import store_reading
from ..store.schema import AnalysisRow
from .run import MANIFEST, PLAN, ProcessError
from .tables import (
    OPTIONAL_TABLES,
    TABLES,
    document_from_row,
    iter_rows,
    part_paths,
    reading_from_rows,
)


@dataclass
class LoadReport:
    fingerprint: str
    documents_added: int = 0
    duplicates: int = 0  # new sources of a text already stored
    unchanged: int = 0  # sources already stored
    readings_stored: int = 0
    readings_kept: int = 0  # an analysis with this fingerprint was there already
    partitions: int = 0
    cases: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """``process.json`` of a finished run (else ``incomplete_output``)."""
    path = out_dir / MANIFEST
    if not out_dir.is_dir():
        raise ProcessError("no such folder", code="not_found", where=str(out_dir))
    if not path.is_file():
        raise ProcessError(
            f"no {MANIFEST}: not the output of a finished `exitlens process` run (run it "
            "again with the same inputs to finish it)", code="incomplete_output",
            where=str(out_dir))
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        plan = json.loads((out_dir / PLAN).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProcessError(f"cannot read the run's manifest: {exc}", code="incomplete_output",
                           where=str(out_dir)) from None
    manifest["partition_names"] = [name for name, _ in plan["partitions"]]
    return manifest


def _by_source(path: Path) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in iter_rows(path):
        grouped[row["source"]].append(row)
    return grouped


def load_output(db: Database, ingest_settings: IngestSettings, actor: str, out_dir: str | Path,
                on_partition: Callable[[str], None] | None = None) -> LoadReport:
    """Store every document and reading of a finished ``process`` run (one transaction per
    document). Does not resolve cases (the caller does, once)."""
    out = Path(out_dir)
    manifest = read_manifest(out)
    fingerprint = str(manifest["fingerprint"])
    stage_names = list(manifest.get("stages") or [])
    report = LoadReport(fingerprint)
    runner = IngestRunner(db, ingest_settings, actor)
    for name in manifest["partition_names"]:
        paths = part_paths(out, name)
        missing = [t for t in TABLES if not paths[t].is_file() and t not in OPTIONAL_TABLES]
        if missing:
            raise ProcessError(f"partition {name} has no {', '.join(missing)} table",
                               code="incomplete_output", where=str(out))
        children = {t: _by_source(paths[t]) for t in TABLES[1:] if paths[t].is_file()}
        for row in iter_rows(paths["documents"]):
            _load_document(db, runner, row, children, fingerprint, stage_names, actor, report)
        report.partitions += 1
        if on_partition:
            on_partition(name)
    return report


def _load_document(db: Database, runner: IngestRunner, row: dict[str, Any],
                   children: dict[str, dict[str, list[dict[str, Any]]]], fingerprint: str,
                   stage_names: list[str], actor: str, report: LoadReport) -> None:
    document = document_from_row(row)
    sig = None
    with db.session() as session:
        doc_id = source_document(session, row["source"], row["content_sha256"])
        if doc_id is not None:
            report.unchanged += 1
        else:
            item = ExtractedText(
                document.text, document.fmt, title=document.title, author=document.author,
                outlet=document.outlet, url=document.url, published=document.published,
                kind=document.kind, meta=document.meta,
                notes=list(json.loads(row["ingest_notes"] or "[]")),
                language=document.language)
            prepared = PreparedItem(row["source"], row["content_sha256"], item,
                                    int(row["size_bytes"] or 0))
            outcome, sig = runner.store_in(session, prepared, [])
            doc_id = outcome.document_id
            if outcome.status == "added":
                report.documents_added += 1
            else:
                report.duplicates += 1
        assert doc_id is not None
        done = session.scalar(select(exists().where(
            AnalysisRow.document_id == doc_id, AnalysisRow.fingerprint == fingerprint)))
        if done:
            report.readings_kept += 1
        else:
            document.id = doc_id
            source = row["source"]
            reading = reading_from_rows(document, row, children["persons"].get(source, []),
                                        children["quotes"].get(source, []),
                                        children["codings"].get(source, []),
                                        children.get("near_misses", {}).get(source, []))
            store_reading(session, reading, fingerprint, stage_names, actor,
                          extra_notes=json.loads(row["analysis_notes"] or "[]"))
            review_store.apply_decisions(session, doc_id)  # human decisions win
            report.readings_stored += 1
    if sig is not None:
        runner.index.add(doc_id, sig)
