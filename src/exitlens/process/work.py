"""What a Dask worker does: read and code one partition, a batch at a time.

A partition is a list of input units (whole files, or runs of lines of a JSONL file); the
worker reads them through the same ingest functions as ``ingest`` and ``extract``, runs the
pipeline over bounded batches (``reading.batch_size``) and writes the partition's Parquet
tables and ``extract.jsonl`` piece through :class:`~exitlens.process.tables.PartWriter`.
The pipeline — and with it spaCy and the embedding model — is built once per worker process
(:func:`worker_pipeline`) and reused by every partition that process runs.

:func:`read_stored` is the task of ``analyze --dask``: a range of stored documents, read
from the database by the worker itself, returned as readings for the client to store.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..analyze_steps import BatchResult, fill_languages, read_batch
from ..coding.codebook import Codebook
from ..config import Settings
from ..ingest.inputs import FileOutcome, InputUnit, PreparedItem, read_unit
from ..language import covered_languages, language_note
from ..model import DocumentReading
from ..pipeline import Pipeline
from ..records import reading_record
from .tables import OUTCOMES_DIR, RECORDS_DIR, PartWriter, part_paths, reading_rows

log = logging.getLogger(__name__)

_PIPELINES: dict[str, Pipeline] = {}
_LOCK = threading.Lock()


def worker_pipeline(settings: Settings, codebook: Codebook | None = None) -> Pipeline:
    """This process's pipeline for ``settings`` (and a project's stored ``codebook``, when
    it is not the settings' one), built on first use: models load once per worker process
    (:class:`~exitlens.pipeline.PipelineContext` shares them)."""
    key = settings.model_dump_json() + (f"|{codebook.fingerprint()}" if codebook else "")
    with _LOCK:
        if key not in _PIPELINES:
            _PIPELINES[key] = Pipeline(settings.reading.stages, settings, codebook)
        return _PIPELINES[key]


@dataclass
class Partition:
    """A piece of the input run as one task; ``name`` (``part-00000``) names its files."""

    name: str
    units: list[InputUnit] = field(default_factory=list)

    def describe(self) -> list[str]:
        return [unit.describe() for unit in self.units]


def run_partition(partition: Partition, settings: Settings, out_dir: str,
                  batch_size: int | None = None) -> dict[str, Any]:
    """Read, code and write one partition; its summary (counts, problems, notes).

    A partition already done (its records piece exists) is not redone: a task retried
    after it had finished returns the stored summary.
    """
    out = Path(out_dir)
    final = part_paths(out, partition.name)
    if final[RECORDS_DIR].is_file() and final[OUTCOMES_DIR].is_file():
        done: dict[str, Any] = json.loads(final[OUTCOMES_DIR].read_text(encoding="utf-8"))
        return done
    summary: dict[str, Any] = {"partition": partition.name, "documents": 0, "defectors": 0,
                               "problems": [], "notes": [], "failed": []}
    writer = PartWriter(out, partition.name)
    try:
        pipeline = worker_pipeline(settings)
        covered = covered_languages(settings)
        size = batch_size or settings.reading.batch_size
        batch: list[PreparedItem] = []
        for unit in partition.units:
            for entry in read_unit(unit, settings.ingest):
                if isinstance(entry, FileOutcome):
                    summary["problems"].append(entry.as_dict())
                    continue
                batch.append(entry)
                if len(batch) >= size:
                    _code_batch(pipeline, batch, partition.name, covered, writer, summary)
                    batch = []
        if batch:
            _code_batch(pipeline, batch, partition.name, covered, writer, summary)
        writer.commit(summary)
    except BaseException:
        writer.abort()
        raise
    return summary


def _code_batch(pipeline: Pipeline, batch: list[PreparedItem], partition: str,
                covered: Sequence[str], writer: PartWriter, summary: dict[str, Any]) -> None:
    prepared = {entry.locator: entry for entry in batch}
    result = read_batch(pipeline, [entry.document() for entry in batch])
    for doc, error in result.failed:
        summary["failed"].append({"source": doc.source_path, "error": error})
    for reading in result.readings:
        source = reading.document.source_path or ""
        note = language_note(reading.document.language, covered)
        if note is not None:
            summary["notes"].append({"source": source, **note})
        writer.write(reading_rows(reading, prepared[source], partition,
                                  [note] if note else []),
                     [reading_record(reading, source)])
        summary["documents"] += 1
        summary["defectors"] += len(reading.defectors())


@dataclass
class StoredReadings:
    """What a worker returns for a range of stored documents (``analyze --dask``)."""

    readings: list[DocumentReading] = field(default_factory=list)
    detected: set[int] = field(default_factory=set)  # ids whose language was detected now
    failed: list[tuple[int, str]] = field(default_factory=list)


def read_stored(ids: Sequence[int], db_url: str, settings: Settings,
                codebook: Codebook | None = None,
                batch_size: int | None = None) -> StoredReadings:
    """Read the stored documents ``ids`` from the database and run the pipeline over them
    (with the project's stored ``codebook``, if any) a batch at a time; nothing is written
    (the client stores the readings)."""
    from ..store import review_store
    from ..store.database import Database
    from ..store.documents import iter_stored_documents

    pipeline = worker_pipeline(settings, codebook)
    size = batch_size or settings.reading.batch_size
    out = StoredReadings()
    db = Database(db_url, migrate=False)
    try:
        for i in range(0, len(ids), size):
            docs = list(iter_stored_documents(db, ids[i : i + size]))
            out.detected |= fill_languages(docs)
            with db.session() as session:
                verdicts = review_store.verdict_seeds(session, [d.id or 0 for d in docs])
            result: BatchResult = read_batch(pipeline, docs, verdicts)
            out.readings.extend(result.readings)
            out.failed.extend((doc.id or 0, error) for doc, error in result.failed)
    finally:
        db.close()
    return out
