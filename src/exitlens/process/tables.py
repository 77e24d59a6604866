"""The Parquet tables ``exitlens process`` writes, and the readings rebuilt from them.

One row per document (its text, provenance and the notes of its reading), per person found
(profile, mentions, role cues and evidence as JSON), per quote and per coding. Child rows
name their document by ``source`` (the path, or ``path#record-id``), which is unique in one
run; ``text_sha256`` is there too, for joins and for ``exitlens load``, which keys documents
by it. Offsets are code points of ``documents.text``, as everywhere.

:class:`PartWriter` writes the tables of one partition under temporary names, a batch at a
time, and renames each file when it is whole; the partition's ``extract.jsonl`` piece is
renamed last and marks the partition done.
"""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ..ingest.inputs import PreparedItem
from ..model import (
    Coding,
    Document,
    DocumentReading,
    Mention,
    NearMiss,
    Person,
    Profile,
    Quote,
    Span,
)

TABLES = ("documents", "persons", "quotes", "codings", "near_misses")
# Tables a run of an older exitlens lacks: ``load`` reads them when present.
OPTIONAL_TABLES = ("near_misses",)
RECORDS_DIR = "records"  # per-partition extract.jsonl pieces (the done markers)
OUTCOMES_DIR = "outcomes"  # per-partition summaries: problems, notes, counts
TMP_MARK = ".tmp-"

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()

SCHEMAS: dict[str, pa.Schema] = {
    "documents": pa.schema([
        ("source", _S), ("text_sha256", _S), ("content_sha256", _S), ("size_bytes", _I),
        ("text", _S), ("title", _S), ("author", _S), ("outlet", _S), ("url", _S),
        ("published", _S), ("kind", _S), ("fmt", _S), ("language", _S),
        ("meta", _S), ("ingest_notes", _S), ("reading_notes", _S), ("analysis_notes", _S),
        ("n_defectors", _I), ("partition", _S),
    ]),
    "persons": pa.schema([
        ("source", _S), ("text_sha256", _S), ("ordinal", _I), ("name", _S),
        ("descriptor", _S), ("role", _S), ("role_confidence", _F), ("source_voice", _S),
        ("is_defector", _B), ("mentions", _S), ("role_cues", _S), ("profile", _S),
        ("evidence", _S), ("defector_score", _F),
    ]),
    "quotes": pa.schema([
        ("source", _S), ("text_sha256", _S), ("start", _I), ("end", _I), ("kind", _S),
        ("speaker", _I), ("speaker_start", _I), ("speaker_end", _I), ("cue_start", _I),
        ("cue_end", _I),
    ]),
    "codings": pa.schema([
        ("source", _S), ("text_sha256", _S), ("person", _I), ("code", _S), ("start", _I),
        ("end", _I), ("coder", _S), ("confidence", _F), ("status", _S), ("user", _S),
    ]),
    "near_misses": pa.schema([
        ("source", _S), ("text_sha256", _S), ("person", _I), ("code", _S), ("start", _I),
        ("end", _I), ("score", _F), ("coder", _S),
    ]),
}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def reading_rows(reading: DocumentReading, prepared: PreparedItem, partition: str,
                 analysis_notes: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table for one document's reading."""
    doc = reading.document
    source = doc.source_path or prepared.locator
    key = {"source": source, "text_sha256": doc.text_sha256}
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    rows["documents"].append({
        **key, "content_sha256": prepared.content_sha256, "size_bytes": prepared.size_bytes,
        "text": doc.text, "title": doc.title, "author": doc.author, "outlet": doc.outlet,
        "url": doc.url, "published": doc.published, "kind": doc.kind, "fmt": doc.fmt,
        "language": doc.language, "meta": _json(doc.meta),
        "ingest_notes": _json(prepared.item.notes), "reading_notes": _json(reading.notes),
        "analysis_notes": _json(analysis_notes), "n_defectors": len(reading.defectors()),
        "partition": partition,
    })
    for ordinal, person in enumerate(reading.persons):
        rows["persons"].append({
            **key, "ordinal": ordinal, "name": person.name, "descriptor": person.descriptor,
            "role": person.role, "role_confidence": person.role_confidence,
            "source_voice": person.source_voice, "is_defector": person.role == "defector",
            "mentions": _json([[*m.span.as_list(), m.kind] for m in person.mentions]),
            "role_cues": _json([s.as_list() for s in person.role_cues]),
            "profile": _json(person.profile.to_json()),
            "evidence": _json([s.as_list() for s in person.evidence]),
            "defector_score": person.defector_score,
        })
    for quote in reading.quotes:
        rows["quotes"].append({
            **key, "start": quote.span.start, "end": quote.span.end, "kind": quote.kind,
            "speaker": quote.speaker,
            "speaker_start": quote.speaker_span.start if quote.speaker_span else None,
            "speaker_end": quote.speaker_span.end if quote.speaker_span else None,
            "cue_start": quote.cue_span.start if quote.cue_span else None,
            "cue_end": quote.cue_span.end if quote.cue_span else None,
        })
    for coding in reading.codings:
        rows["codings"].append({
            **key, "person": coding.person, "code": coding.code, "start": coding.span.start,
            "end": coding.span.end, "coder": coding.coder, "confidence": coding.confidence,
            "status": coding.status, "user": coding.user,
        })
    for miss in reading.near_misses:
        rows["near_misses"].append({
            **key, "person": miss.person, "code": miss.code, "start": miss.span.start,
            "end": miss.span.end, "score": miss.score, "coder": miss.coder,
        })
    return rows


def _optional_float(value: Any) -> float | None:
    return float(value) if value is not None else None


def _span(start: Any, end: Any) -> Span | None:
    return Span(int(start), int(end)) if start is not None and end is not None else None


def document_from_row(row: dict[str, Any]) -> Document:
    return Document(
        text=row["text"], title=row["title"], author=row["author"], outlet=row["outlet"],
        url=row["url"], source_path=row["source"], published=row["published"],
        kind=row["kind"] or "unknown", fmt=row["fmt"], language=row["language"],
        meta=json.loads(row["meta"] or "{}"), text_sha256=row["text_sha256"],
    )


def reading_from_rows(document: Document, doc_row: dict[str, Any],
                      persons: Iterable[dict[str, Any]], quotes: Iterable[dict[str, Any]],
                      codings: Iterable[dict[str, Any]],
                      near_misses: Iterable[dict[str, Any]] = ()) -> DocumentReading:
    """The :class:`DocumentReading` the rows were written from (sentences and scratch data
    are not kept, as in the database)."""
    reading = DocumentReading(document=document,
                              notes=list(json.loads(doc_row["reading_notes"] or "[]")))
    for p in sorted(persons, key=lambda r: r["ordinal"]):
        reading.persons.append(Person(
            name=p["name"], descriptor=p["descriptor"],
            mentions=[Mention(Span(s, e), kind) for s, e, kind in json.loads(p["mentions"])],
            role=p["role"], role_confidence=float(p["role_confidence"]),
            role_cues=[Span(*s) for s in json.loads(p["role_cues"])],
            source_voice=p["source_voice"],
            profile=Profile.from_json(json.loads(p["profile"])),
            evidence=[Span(*s) for s in json.loads(p["evidence"])],
            defector_score=_optional_float(p.get("defector_score")),
        ))
    for q in quotes:
        reading.quotes.append(Quote(
            span=Span(int(q["start"]), int(q["end"])), kind=q["kind"],
            speaker=None if q["speaker"] is None else int(q["speaker"]),
            speaker_span=_span(q["speaker_start"], q["speaker_end"]),
            cue_span=_span(q["cue_start"], q["cue_end"]),
        ))
    for c in codings:
        reading.codings.append(Coding(
            code=c["code"], span=Span(int(c["start"]), int(c["end"])), coder=c["coder"],
            confidence=float(c["confidence"]), status=c["status"],
            person=None if c["person"] is None else int(c["person"]), user=c["user"],
        ))
    for n in near_misses:
        reading.near_misses.append(NearMiss(
            code=n["code"], span=Span(int(n["start"]), int(n["end"])), score=float(n["score"]),
            coder=n["coder"], person=None if n["person"] is None else int(n["person"]),
        ))
    return reading


def part_paths(out_dir: Path, part: str) -> dict[str, Path]:
    """Where a partition's files live once whole (tables, outcome summary, records)."""
    paths = {name: out_dir / name / f"{part}.parquet" for name in TABLES}
    paths[OUTCOMES_DIR] = out_dir / OUTCOMES_DIR / f"{part}.json"
    paths[RECORDS_DIR] = out_dir / RECORDS_DIR / f"{part}.jsonl"
    return paths


class PartWriter:
    """Writes one partition's files under temporary names; :meth:`commit` renames them.

    Temporary names carry the process id and a random suffix, so two attempts at the same
    partition (a retry while a lost worker is still writing) never share a file, and each
    final name is replaced whole (``os.replace``): a retried partition never adds rows.
    """

    def __init__(self, out_dir: Path, part: str):
        self.final = part_paths(out_dir, part)
        tag = f"{TMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.tmp = {name: path.with_name(path.name + tag) for name, path in self.final.items()}
        for path in self.tmp.values():
            path.parent.mkdir(parents=True, exist_ok=True)
        self._writers = {name: pq.ParquetWriter(self.tmp[name], SCHEMAS[name])
                         for name in TABLES}
        self._records = self.tmp[RECORDS_DIR].open("w", encoding="utf-8")

    def write(self, rows: dict[str, list[dict[str, Any]]], records: Iterable[dict[str, Any]]
              ) -> None:
        for name in TABLES:
            if rows[name]:
                self._writers[name].write_table(
                    pa.Table.from_pylist(rows[name], schema=SCHEMAS[name]))
        for record in records:
            self._records.write(json.dumps(record, ensure_ascii=False) + "\n")

    def commit(self, summary: dict[str, Any]) -> None:
        for writer in self._writers.values():
            writer.close()
        self._records.close()
        self.tmp[OUTCOMES_DIR].write_text(_json(summary) + "\n", encoding="utf-8")
        for name in (*TABLES, OUTCOMES_DIR, RECORDS_DIR):  # the records piece last: done
            os.replace(self.tmp[name], self.final[name])

    def abort(self) -> None:
        for writer in self._writers.values():
            with contextlib.suppress(Exception):  # best effort: this attempt is failing anyway
                writer.close()
        self._records.close()
        for path in self.tmp.values():
            path.unlink(missing_ok=True)


def iter_rows(path: Path, batch_rows: int = 2048) -> Iterator[dict[str, Any]]:
    """The rows of one Parquet file, read a batch at a time."""
    with pq.ParquetFile(path) as handle:
        for batch in handle.iter_batches(batch_size=batch_rows):
            yield from batch.to_pylist()
