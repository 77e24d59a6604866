"""``exitlens.Project``: the one Python API the CLI, the web app and notebooks share.

>>> from exitlens import Project
>>> with Project.open("corpus.db") as project:
...     report = project.ingest(["testimonies/"])
...     for doc in project.documents():
...         print(doc.id, doc.title)

Every method that changes data appends to the ``events`` table (the audit trail).
"""

from __future__ import annotations

import getpass
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import defer

from . import analyze_steps
from .cases import CASE_CODING_COLUMNS, CASE_COLUMNS, is_inferred
from .coding.codebook import Codebook
from .config import (
    Settings,
    default_model_dir,
    load_settings,
    resolve_db_url,
    with_model_dir,
)
from .errors import CaseError, ExitlensError, NotFoundError
from .ingest.runner import FileOutcome, IngestReport, IngestRunner, plan_inputs
from .language import covered_languages, describe_languages
from .model import Document, DocumentReading
from .pipeline import Pipeline
from .project_codebook import CodebookMethods
from .project_learning import LearningMethods
from .project_review import ReviewMethods, code_checks_line, lopsided_review
from .project_rounds import RoundMethods
from .records import reading_record
from .store import Database, case_store, review_store
from .store.codebooks import codebook_versions, latest_codebook, store_codebook
from .store.documents import iter_stored_documents, row_to_document
from .store.migrations.fulltext import fts5_query
from .store.readings import (
    analysis_counts,
    load_reading,
    pending_document_ids,
)
from .store.schema import (
    CaseRow,
    CodingRow,
    DocumentLinkRow,
    DocumentRow,
    EventRow,
    PersonRow,
    SourceRow,
)

if TYPE_CHECKING:
    import pandas as pd

    from .process.load import LoadReport
    from .sharing.bundle import ExportBundle
    from .sharing.refi.importer import ImportReport

log = logging.getLogger(__name__)
_CODEBOOKS: dict[tuple[str, int], Codebook] = {}  # (path, mtime) → parsed codebook


@dataclass
class DocumentSummary:
    """A document's provenance without its text (for listings)."""

    id: int
    title: str | None
    outlet: str | None
    author: str | None
    published: str | None
    kind: str
    fmt: str
    url: str | None
    source_path: str | None
    n_chars: int
    text_sha256: str
    language: str | None
    n_sources: int
    near_duplicates: list[int]

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class AnalyzeReport:
    fingerprint: str
    analysed: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    defectors: int = 0
    cases: int = 0
    # documents read again (settings unchanged) because reviewers' verdicts on people
    # changed since they were read
    reread: list[int] = field(default_factory=list)
    # Per-document notes of this run, e.g. {"document_id": 3, "source": "a.txt",
    # "code": "language_not_covered", "language": "de", "message": "German (de): …"}.
    notes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "analysed": len(self.analysed),
            "defectors": self.defectors,
            "cases": self.cases,
            "reread_after_verdicts": len(self.reread),
            "failed": [{"document_id": d, "error": e} for d, e in self.failed],
            "notes": list(self.notes),
        }


@dataclass
class SearchHit:
    document_id: int
    title: str | None
    snippet: str
    score: float

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Project(ReviewMethods, RoundMethods, LearningMethods, CodebookMethods):
    """A corpus database plus the settings every stage runs with."""

    def __init__(self, db: Database, settings: Settings, actor: str | None = None,
                 url: str | None = None):
        self.db = db
        self.settings = settings
        self.url = url or db.url
        self.actor = actor or _default_actor()
        self._pipeline: Pipeline | None = None
        self._pipeline_codebook: str | None = None  # stored codebook sha the pipeline uses
        self._stored_codebook: tuple[str, Codebook] | None = None
        # case frames and the tables counted from them, valid while state_stamp() is equal
        self._frames_cache: tuple[tuple[int, ...], tuple[Any, Any, Codebook]] | None = None
        self._table_cache: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def open(
        cls,
        url: str | None = None,
        *,
        settings: Settings | str | Path | None = None,
        actor: str | None = None,
    ) -> Project:
        """Open (creating and migrating if needed) the database at ``url``.

        ``url`` may be a file path (SQLite), a SQLAlchemy URL, or None for
        ``$EXITLENS_DB`` / ``./exitlens.db``. ``settings`` may be a Settings object
        or a path to a YAML config file.
        """
        if not isinstance(settings, Settings):
            settings = load_settings(settings)
        resolved = resolve_db_url(url)
        return cls(Database(resolved), settings, actor, url=resolved)

    # ------------------------------------------------------------ models
    @staticmethod
    def settings_for(url: str | None, settings: Settings | str | Path | None = None
                     ) -> Settings:
        """The settings a project at ``url`` runs with (model folder filled in), without
        opening or creating its database — what ``exitlens eval`` needs."""
        if not isinstance(settings, Settings):
            settings = load_settings(settings)
        return with_model_dir(settings, resolve_db_url(url))

    @property
    def model_dir(self) -> Path:
        """Where this project's trained classifier versions and thresholds live:
        ``coding.model_dir`` when set, else ``<db-folder>/<db-stem>.models/`` next to
        a SQLite file (``./exitlens-models`` for other databases)."""
        return Path(self.pipeline_settings().coding.model_dir or default_model_dir(self.url))

    def pipeline_settings(self) -> Settings:
        """``settings`` with the project's model folder filled in (what stages receive)."""
        return with_model_dir(self.settings, self.url)

    def train(self, gold_paths: Sequence[str | Path], *, from_reviews: bool = True,
              name: str | None = None, min_defectors: int | None = None,
              from_scratch: bool = False, held_out: bool = True) -> dict[str, Any]:
        """Save a new classifier version into :attr:`model_dir`: the built-in classifier
        adapted to the labelled files and (``from_reviews``) the reviewed codings, or with
        ``from_scratch`` one trained on them alone (with calibrated thresholds; refused,
        ``too_few_labels``, unless one code has ``min_defectors``, default 10, labelled or
        reviewed defectors). ``held_out``: the report's ``held_out`` compares the built-in
        coders with adapted versions on the labelled documents.
        :func:`exitlens.coding.training.train_from_gold`."""
        from .coding.training import train_from_gold

        readings = self.reviewed_readings() if from_reviews else []
        if not gold_paths and not readings:
            raise ExitlensError(
                "nothing to train on: give labelled JSONL files or review codings first",
                code="no_training_data",
            )
        report = train_from_gold(gold_paths, self.pipeline_settings(), readings,
                                 codebook=self.codebook(), name=name,
                                 min_defectors=min_defectors, from_scratch=from_scratch,
                                 held_out=held_out)
        self._pipeline = None  # the next analysis loads the new version
        with self.db.session() as session:
            session.add(EventRow(actor=self.actor, action="models.train", entity="model",
                                 payload={"version": report["version"],
                                          "adapted": report["adapted"],
                                          "training_units": report["meta"]["training_units"]}))
        return report

    def model_versions(self) -> list[dict[str, Any]]:
        """Saved classifier versions (then the built-in one) with metadata and the active flag."""
        from .coding.classifier import version_rows

        cfg = self.pipeline_settings().coding
        return version_rows(cfg.model_dir, cfg.classifier_model)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ ingest
    def ingest(
        self,
        paths: Iterable[str | Path],
        on_planned: Callable[[int], None] | None = None,
        on_file: Callable[[list[FileOutcome]], None] | None = None,
    ) -> IngestReport:
        """Add files and folders; see :mod:`exitlens.ingest.runner` for the guarantees."""
        planned, early = plan_inputs(paths)
        if on_planned:
            on_planned(len(planned))
        report = IngestReport(outcomes=list(early))
        runner = IngestRunner(self.db, self.settings.ingest, self.actor)
        report.outcomes.extend(runner.run(planned, on_file))
        with self.db.session() as session:
            session.add(
                EventRow(
                    actor=self.actor,
                    action="ingest.run",
                    entity="corpus",
                    payload={k: v for k, v in report.as_dict().items() if k != "outcomes"},
                )
            )
        return report

    # ------------------------------------------------------------ documents
    def documents(self, *, limit: int | None = None, offset: int = 0) -> list[DocumentSummary]:
        with self.db.session() as session:
            n_sources = (
                select(SourceRow.document_id, func.count().label("n"))
                .group_by(SourceRow.document_id)
                .subquery()
            )
            query = (
                select(DocumentRow, n_sources.c.n)
                .outerjoin(n_sources, n_sources.c.document_id == DocumentRow.id)
                .order_by(DocumentRow.id)
                .offset(offset)
            )
            if limit is not None:
                query = query.limit(limit)
            links = self._near_duplicate_map(session)
            return [
                DocumentSummary(
                    id=doc.id,
                    title=doc.title,
                    outlet=doc.outlet,
                    author=doc.author,
                    published=doc.published,
                    kind=doc.kind,
                    fmt=doc.fmt,
                    url=doc.url,
                    source_path=doc.source_path,
                    n_chars=doc.n_chars,
                    text_sha256=doc.text_sha256,
                    language=doc.language,
                    n_sources=n or 0,
                    near_duplicates=sorted(links.get(doc.id, set())),
                )
                for doc, n in session.execute(
                    query.options(defer(DocumentRow.text), defer(DocumentRow.minhash))
                )
            ]

    @staticmethod
    def _near_duplicate_map(session: Any) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        for a, b in session.execute(
            select(DocumentLinkRow.document_id, DocumentLinkRow.other_id).where(
                DocumentLinkRow.relation == "near_duplicate"
            )
        ):
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
        return out

    def document(self, document_id: int) -> Document:
        with self.db.session() as session:
            row = session.get(DocumentRow, document_id)
            if row is None:
                raise NotFoundError(f"no document with id {document_id}")
            return row_to_document(row)

    def iter_documents(self, ids: Sequence[int] | None = None) -> Iterable[Document]:
        """Full documents (with text), one at a time, in id order."""
        return iter_stored_documents(self.db, ids)

    def count_documents(self) -> int:
        with self.db.session() as session:
            return session.scalar(select(func.count()).select_from(DocumentRow)) or 0

    def summary(self) -> dict[str, Any]:
        """Corpus overview: counts by format and kind, characters, near-duplicate pairs."""
        with self.db.session() as session:
            by_fmt = dict(
                session.execute(
                    select(DocumentRow.fmt, func.count()).group_by(DocumentRow.fmt)
                ).all()
            )
            by_kind = dict(
                session.execute(
                    select(DocumentRow.kind, func.count()).group_by(DocumentRow.kind)
                ).all()
            )
            chars = session.scalar(select(func.coalesce(func.sum(DocumentRow.n_chars), 0)))
            n_docs = session.scalar(select(func.count()).select_from(DocumentRow)) or 0
            n_sources = session.scalar(select(func.count()).select_from(SourceRow)) or 0
            n_links = (
                session.scalar(
                    select(func.count())
                    .select_from(DocumentLinkRow)
                    .where(DocumentLinkRow.relation == "near_duplicate")
                )
                or 0
            )
        return {
            "documents": n_docs,
            "sources": n_sources,
            "characters": int(chars or 0),
            "by_format": by_fmt,
            "by_kind": by_kind,
            "near_duplicate_pairs": n_links,
        }

    # ------------------------------------------------------------ search
    def search(self, query: str, *, limit: int = 20) -> list[SearchHit]:
        """Full-text search over titles and texts (SQLite FTS5 or PostgreSQL tsvector)."""
        if not query.strip():
            return []
        with self.db.session() as session:
            if self.db.dialect == "sqlite":
                rows = session.execute(
                    text(
                        "SELECT d.id, d.title, snippet(documents_fts, 1, '[', ']', '…', 12), "
                        "bm25(documents_fts) FROM documents_fts JOIN documents d "
                        "ON d.id = documents_fts.rowid WHERE documents_fts MATCH :q "
                        "ORDER BY bm25(documents_fts) LIMIT :n"
                    ),
                    {"q": fts5_query(query), "n": limit},
                ).all()
                return [SearchHit(r[0], r[1], r[2], -float(r[3])) for r in rows]
            from .store.migrations.fulltext import PG_TSVECTOR, pg_tsquery

            tsquery, params = pg_tsquery(query)
            rows = session.execute(
                text(
                    f"SELECT id, title, ts_headline('english', left(text, 200000), q, "
                    f"'StartSel=[,StopSel=],MaxWords=24,MinWords=8'), ts_rank({PG_TSVECTOR}, q) "
                    f"FROM documents, (SELECT {tsquery} AS q) AS query "
                    f"WHERE {PG_TSVECTOR} @@ q ORDER BY 4 DESC, id LIMIT :n"
                ),
                {**params, "n": limit},
            ).all()
            return [SearchHit(r[0], r[1], r[2], float(r[3])) for r in rows]

    # ------------------------------------------------------------ analysis
    def analysis_fingerprint(self) -> str:
        """Identity of "the current settings" for ``analyze``: settings plus active models."""
        return analyze_steps.fingerprint(self.settings, self.url, self.stored_codebook_sha())

    def pipeline(self) -> Pipeline:
        """The configured reading (and, when installed, coding) pipeline; built once."""
        stored = self.stored_codebook_sha()
        if self._pipeline is None or self._pipeline_codebook != stored:
            settings = self.pipeline_settings()
            codebook = self.codebook() if stored is not None else None
            self._pipeline = Pipeline(settings.reading.stages, settings, codebook)
            self._pipeline_codebook = stored
        return self._pipeline

    def analyze(
        self,
        *,
        limit: int | None = None,
        on_planned: Callable[[int], None] | None = None,
        on_document: Callable[[int], None] | None = None,
        dask: str | None = None,
        partition_size: int = 200,
    ) -> AnalyzeReport:
        """Run the pipeline over every document not yet analysed with the current settings,
        and again over those whose reviewers' verdicts on people changed since they were
        read (the roles stage honours the verdicts, so a person called a defector gets a
        profile, evidence and suggestions; ``report.reread``).

        Each document's results commit atomically; a killed run resumes where it stopped.
        A document that makes the pipeline fail is reported and skipped, not fatal.
        A document stored without a language (ingested before languages were detected) gets
        its detected language in the same transaction as its results; one in a language
        outside ``reading.languages`` is still read, and its analysis carries a
        ``language_not_covered`` note (also in ``report.notes``).

        With ``dask`` (``local:N`` or a scheduler address) the pending documents are cut
        into id ranges of ``partition_size``; workers read their range from the database
        and run the pipeline, and this process stores each document's results in one
        transaction as they come back (the database must be reachable from the workers).
        """
        fingerprint = self.analysis_fingerprint()
        with self.db.session() as session:
            pending = pending_document_ids(session, fingerprint)
            reread = set(review_store.verdicts_since_analysis(session)) - set(pending)
        pending = sorted(set(pending) | reread)
        if limit is not None:
            pending = pending[:limit]
        if on_planned:
            on_planned(len(pending))
        report = AnalyzeReport(fingerprint=fingerprint,
                               reread=[d for d in pending if d in reread])
        covered = covered_languages(self.settings)
        if dask:
            self._analyze_on_dask(dask, pending, partition_size, fingerprint, covered,
                                  report, on_document)
            report.cases = self.resolve_cases()["cases"]
            return report
        pipeline = self.pipeline()
        batch_size = self.settings.reading.batch_size
        for i in range(0, len(pending), batch_size):
            docs = list(self.iter_documents(pending[i : i + batch_size]))
            detected = analyze_steps.fill_languages(docs)
            with self.db.session() as session:
                verdicts = review_store.verdict_seeds(session, [d.id or 0 for d in docs])
            result = analyze_steps.read_batch(pipeline, docs, verdicts)
            report.failed.extend((doc.id or 0, error) for doc, error in result.failed)
            for reading in result.readings:
                self._store_analysis(reading, fingerprint, pipeline.stage_names, covered,
                                     reading.document.id in detected, report)
                if on_document:
                    on_document(reading.document.id or 0)
        report.cases = self.resolve_cases()["cases"]
        return report

    def _analyze_on_dask(self, address: str, pending: list[int], partition_size: int,
                         fingerprint: str, covered: list[str], report: AnalyzeReport,
                         on_document: Callable[[int], None] | None) -> None:
        from .process.run import dask_client, map_partitions, worker_count
        from .process.work import read_stored

        settings = self.pipeline_settings()
        stage_names = list(settings.reading.stages)
        codebook = self.codebook() if self.stored_codebook_sha() is not None else None
        with dask_client(address) as client:
            n = max(1, min(partition_size, -(-len(pending) // worker_count(client))))
            ranges = [pending[i : i + n] for i in range(0, len(pending), n)]
            for ids, result in map_partitions(client, read_stored, ranges, db_url=self.url,
                                              settings=settings, codebook=codebook):
                if isinstance(result, BaseException):
                    error = f"{type(result).__name__}: {result}"
                    report.failed.extend((doc_id, error) for doc_id in ids)
                    continue
                report.failed.extend(result.failed)
                for reading in result.readings:
                    self._store_analysis(reading, fingerprint, stage_names, covered,
                                         reading.document.id in result.detected, report)
                    if on_document:
                        on_document(reading.document.id or 0)

    def _store_analysis(self, reading: DocumentReading, fingerprint: str,
                        stage_names: list[str], covered: list[str], language_detected: bool,
                        report: AnalyzeReport) -> None:
        """One document's results in one transaction, counted in ``report``."""
        doc = reading.document
        with self.db.session() as session:
            note = analyze_steps.store_analysis(session, reading, fingerprint, stage_names,
                                           self.actor, covered, language_detected)
        if note is not None:
            report.notes.append({"document_id": doc.id, "source": doc.source_path, **note})
        report.analysed.append(doc.id or 0)
        report.defectors += len(reading.defectors())

    def load(self, out_dir: str | Path,
             on_partition: Callable[[str], None] | None = None) -> LoadReport:
        """Bring the output of a finished ``exitlens process`` run into this database,
        idempotently (see :mod:`exitlens.process.load`), then resolve cases."""
        from .process.load import load_output

        report = load_output(self.db, self.settings.ingest, self.actor, out_dir,
                             on_partition=on_partition)
        with self.db.session() as session:
            session.add(EventRow(actor=self.actor, action="process.load", entity="corpus",
                                 payload={"out_dir": str(out_dir), **report.as_dict()}))
        report.cases = self.resolve_cases()["cases"]
        return report

    def reading(self, document_id: int) -> DocumentReading | None:
        """The stored results of the current analysis of one document."""
        document = self.document(document_id)
        with self.db.session() as session:
            return load_reading(session, document)

    def reviewed_readings(self) -> list[DocumentReading]:
        """Readings whose codings a human accepted or rejected (training data)."""
        with self.db.session() as session:
            ids = list(
                session.scalars(
                    select(CodingRow.document_id).distinct().where(CodingRow.status != "suggested")
                )
            )
        readings = []
        for document in self.iter_documents(ids):
            with self.db.session() as session:
                reading = load_reading(session, document)
            if reading is not None:
                readings.append(reading)
        return readings

    def records(self) -> Iterator[dict[str, Any]]:
        """SPEC §3 records of every analysed document (its current analysis)."""
        for document in self.iter_documents():
            with self.db.session() as session:
                reading = load_reading(session, document)
            if reading is not None:
                yield reading_record(reading, document.source_path or f"document:{document.id}")

    def analysis_status(self) -> dict[str, Any]:
        with self.db.session() as session:
            return analysis_counts(session, self.analysis_fingerprint())

    # ------------------------------------------------------------ cases
    def resolve_cases(self) -> dict[str, Any]:
        """Rebuild the cases (one real defector across documents) from the current analyses,
        then re-apply every manual merge and split. One transaction; logged as an event."""
        with self.db.session() as session:
            summary = case_store.resolve_cases(session, self.actor)
            session.add(EventRow(actor=self.actor, action="cases.resolve", entity="corpus",
                                 payload=summary))
        return summary

    def merge_cases(self, a: int, b: int) -> int:
        """Join case ``b`` into case ``a`` (a correction that survives re-analysis).
        Returns the id of the merged case."""
        if a == b:
            raise CaseError(f"case {a} cannot be merged with itself")
        with self.db.session() as session:
            loaded = case_store.load_defectors(session, with_text=False)
            in_a, in_b = self._case_members(session, a), self._case_members(session, b)
            members = in_a + in_b
            docs_a, docs_b = {r.document_id for r in in_a}, {r.document_id for r in in_b}
            if docs_a & docs_b:
                raise CaseError(f"cases {a} and {b} both have a person in document "
                                f"{min(docs_a & docs_b)}: one document's people stay apart")
            keys = [loaded.keys[r.id] for r in members if r.id in loaded.keys]
            session.add(EventRow(actor=self.actor, action="case.merge", entity="case",
                                 entity_id=a, payload={"cases": [a, b], "keys": keys}))
            session.flush()
            case_store.resolve_cases(session, self.actor)
            return self._case_of(session, members[0].id)

    def split_case(self, case_id: int, document_id: int) -> int:
        """Take document ``document_id``'s person(s) out of case ``case_id`` into a new case
        (a correction that survives re-analysis). Returns the new case's id."""
        with self.db.session() as session:
            loaded = case_store.load_defectors(session, with_text=False)
            members = self._case_members(session, case_id)
            moving = [r for r in members if r.document_id == document_id]
            if not moving:
                raise NotFoundError(f"case {case_id} has no source document {document_id}")
            if len(moving) == len(members):
                raise CaseError(f"document {document_id} is the only source of case {case_id}: "
                                "nothing to split")
            keys = [loaded.keys[r.id] for r in moving if r.id in loaded.keys]
            session.add(EventRow(actor=self.actor, action="case.split", entity="case",
                                 entity_id=case_id,
                                 payload={"case_id": case_id, "document_id": document_id,
                                          "keys": keys}))
            session.flush()
            case_store.resolve_cases(session, self.actor)
            return self._case_of(session, moving[0].id)

    @staticmethod
    def _case_members(session: Any, case_id: int) -> list[PersonRow]:
        rows = list(session.scalars(select(PersonRow).where(PersonRow.case_id == case_id)
                                    .order_by(PersonRow.document_id, PersonRow.ordinal)))
        if not rows:
            raise NotFoundError(f"no case with id {case_id}")
        return rows

    @staticmethod
    def _case_of(session: Any, person_id: int) -> int:
        case_id = session.scalar(select(PersonRow.case_id).where(PersonRow.id == person_id))
        assert case_id is not None
        return int(case_id)

    def cases(self) -> pd.DataFrame:
        """One row per case (columns: :data:`exitlens.cases.CASE_COLUMNS`); empty when there
        are no defectors."""
        import pandas as pd

        with self.db.session() as session:
            records = case_store.case_records(session)
        frame = pd.DataFrame(records, columns=list(CASE_COLUMNS), dtype=object)
        return frame.astype({"case_id": "int64", "n_sources": "int64"})

    def case_codings(self) -> pd.DataFrame:
        """One row per coding of a defector who belongs to a case (current analyses only;
        columns: :data:`exitlens.cases.CASE_CODING_COLUMNS`)."""
        import pandas as pd

        with self.db.session() as session:
            names, rows = case_store.case_coding_rows(session)
        frame = pd.DataFrame(rows, columns=names, dtype=object)[list(CASE_CODING_COLUMNS)]
        return frame.astype({"case_id": "int64", "coding_id": "int64", "person_id": "int64",
                             "document_id": "int64", "start": "int64", "end": "int64",
                             "confidence": "float64"})

    def case(self, case_id: int) -> dict[str, Any]:
        """One case in detail: profile, sources, codes with evidence, flags, merge reasons."""
        from .cases import PROFILE_COLUMNS

        with self.db.session() as session:
            records = case_store.case_records(session, [case_id])
            if not records:
                raise NotFoundError(f"no case with id {case_id}")
            record = records[0]
            persons = case_store.case_persons(session, case_id)
            codes = case_store.case_coding_records(session, [case_id])
            meta = session.get(CaseRow, case_id).meta or {}  # type: ignore[union-attr]
        return {
            "case_id": case_id,
            "label": record["label"],
            "names": record["names"],
            "descriptor": record["descriptor"],
            "profile": {name: record[name] for name in PROFILE_COLUMNS},
            "inferred_fields": record["inferred_fields"],
            "sources": [
                {"document_id": doc.id, "person_id": row.id, "title": doc.title,
                 "outlet": doc.outlet, "published": doc.published, "kind": doc.kind,
                 "name": row.name, "descriptor": row.descriptor}
                for row, doc in persons
            ],
            "codes": codes,
            "flags": record["flag_details"],
            "merge_score": record["merge_score"],
            "merge_reasons": record["merge_reasons"],
            "merges": list(meta.get("merges", [])),
        }

    # ------------------------------------------------------------ statistics
    def codebook(self) -> Codebook:
        """The codebook this project codes with: the newest version stored in the database
        (``store_codebook``, ``import_refi``), else ``coding.codebook`` from the settings,
        else the built-in default."""
        from .coding.codebook import load_codebook

        with self.db.session() as session:
            stored = latest_codebook(session)
        if stored is None:
            # Parsing and compiling a codebook file takes seconds: keep it while the file
            # is unchanged (the web app asks for it on every page).
            source = self.settings.coding.codebook
            try:
                stamp = Path(source).stat().st_mtime_ns if source else 0
            except OSError:
                stamp = -1
            key = (str(source or ""), stamp)
            if key not in _CODEBOOKS:
                _CODEBOOKS[key] = load_codebook(source)
            return _CODEBOOKS[key]
        cached = self._stored_codebook
        if cached is None or cached[0] != stored.sha256:
            cached = (stored.sha256, stored.codebook())
            self._stored_codebook = cached
        return cached[1]

    def stored_codebook_sha(self) -> str | None:
        """SHA-256 of the newest stored codebook version (None: the settings' codebook)."""
        with self.db.session() as session:
            stored = latest_codebook(session)
        return stored.sha256 if stored is not None else None

    def store_codebook(self, codebook: Codebook | str | Path, *, force: bool = False,
                       source: str | None = None) -> dict[str, Any]:
        """Make ``codebook`` (a Codebook or a YAML file) the project's codebook: stored as a
        new version in the database and logged as a ``codebook.store`` event. Refused with
        ``codebook_mismatch`` when codings use codes it lacks, unless ``force``. A new
        codebook changes the analysis fingerprint, so every document is due again."""
        from .coding.codebook import load_codebook

        if not isinstance(codebook, Codebook):
            source = source or f"file:{codebook}"
            codebook = load_codebook(codebook)
        with self.db.session() as session:
            stored = store_codebook(session, codebook, actor=self.actor,
                                    source=source or codebook.source, force=force)
        self._pipeline = None
        return {"version": stored.id, "sha256": stored.sha256, "source": stored.source,
                "codes": len(codebook.codes)}

    def codebook_versions(self) -> list[dict[str, Any]]:
        """Stored codebook versions, oldest first (the last one is in use)."""
        with self.db.session() as session:
            versions = codebook_versions(session)
        return [{"version": v.id, "created_at": v.created_at, "actor": v.actor,
                 "source": v.source, "sha256": v.sha256} for v in versions]

    def import_refi(self, path: str | Path) -> ImportReport:
        """Bring a REFI-QDA project (``.qdpx``) or codebook (``.qdc``) into this project in
        one transaction: sources become documents, codes merge into the project codebook
        (stored as a new version when it changes), selections become codings. See
        :mod:`exitlens.sharing.refi.importer`."""
        from .sharing.refi.importer import import_refi

        with self.db.session() as session:
            report = import_refi(session, Path(path), self.codebook(), actor=self.actor,
                                 ingest=self.settings.ingest)
        self._pipeline = None
        return report

    def case_frames(self) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
        """``(cases, case_codings, codebook)`` ready for counting, or a named error when
        there is nothing honest to count: ``empty_corpus`` (no documents), ``no_cases``
        (no defector among the analysed documents), ``codebook_mismatch`` (codings use
        codes the codebook lacks, so a table would silently leave them out).

        Building them reads every case and coding (seconds to minutes for 100k cases), so
        they are kept while :meth:`state_stamp` is unchanged; callers get shallow copies
        (pandas copy-on-write: changing one never changes the kept frames)."""
        stamp = self.state_stamp()
        cached = self._frames_cache
        if cached is None or cached[0] != stamp:
            self._frames_cache = None
            self._table_cache.clear()
            cached = (stamp, self._build_case_frames())
            self._frames_cache = cached
        cases, codings, codebook = cached[1]
        return cases.copy(deep=False), codings.copy(deep=False), codebook

    def state_stamp(self) -> tuple[Any, ...]:
        """Changes whenever the analysis state (documents, analyses, people, cases, codings,
        review events, the codebook) may have changed; see :mod:`exitlens.store.state`."""
        from .store.state import state_stamp

        with self.db.session() as session:
            stamp = state_stamp(session)
        return (*stamp, self.codebook().fingerprint())

    def _cached_table(self, name: str, build: Callable[[], pd.DataFrame],
                      options: dict[str, Any]) -> pd.DataFrame:
        """A counted table kept with the case frames it was counted from."""
        self.case_frames()  # refreshes the caches when the state changed
        stamp = self._frames_cache[0] if self._frames_cache else None
        key = (stamp, name, repr(sorted(options.items())))
        if key not in self._table_cache:
            self._table_cache[key] = build()
        table = self._table_cache[key]
        out = table.copy(deep=False)
        out.attrs = dict(table.attrs)
        return out

    def _build_case_frames(self) -> tuple[pd.DataFrame, pd.DataFrame, Codebook]:
        n_docs = self.count_documents()
        if n_docs == 0:
            raise ExitlensError("the database holds no documents: add some with "
                                "`exitlens ingest PATH`, then `exitlens analyze`",
                                code="empty_corpus", where=self.url)
        cases = self.cases()
        if cases.empty:
            status = self.analysis_status()
            raise ExitlensError(
                f"no defector cases to count: {status.get('up_to_date', 0)} of {n_docs} "
                "documents are analysed with the current settings and none of them holds "
                "a defector (run `exitlens analyze` if documents are still due)",
                code="no_cases", where=self.url)
        codebook = self.codebook()
        codings = self.case_codings()
        unknown = sorted(set(codings["code"]) - set(codebook.codes))
        if unknown:
            raise ExitlensError(
                f"codings use codes the codebook lacks: {', '.join(unknown)}; add them to the "
                "codebook (or set coding.codebook to the one they were made with)",
                code="codebook_mismatch", where=codebook.source)
        return cases, codings, codebook

    def prevalence(self, *, by: str = "code", dimension: str | None = None,
                   breakdown: str | None = None, inferred: bool = False,
                   **options: Any) -> pd.DataFrame:
        """k of n cases per code, family or dimension with Wilson 95 % intervals (SPEC §6
        columns ``key, label, k, n, share, ci_low, ci_high`` plus ``n_accepted``,
        ``n_suggested``); ``.attrs["denominator"]`` says what n counts. ``options``:
        ``denominator`` ("all" | "any_exit"), ``accepted_only``, ``include_flags``,
        ``exclude_flags``. With ``breakdown`` (nationality, region, gender, year_left,
        outlet_kind) one block per group, each with its own n; a nationality only
        inferred from the page counts as unknown there unless ``inferred``."""
        from . import statistics

        def count() -> pd.DataFrame:
            cases, codings, codebook = self.case_frames()
            if breakdown:
                return statistics.breakdown(cases, codings, codebook, breakdown=breakdown,  # type: ignore[arg-type]
                                            by=by, dimension=dimension,  # type: ignore[arg-type]
                                            inferred=inferred, **options)
            return statistics.prevalence(cases, codings, codebook, by=by,  # type: ignore[arg-type]
                                         dimension=dimension, **options)

        return self._cached_table("prevalence", count, {"by": by, "dimension": dimension,
                                                        "breakdown": breakdown,
                                                        "inferred": inferred, **options})

    def promise_reality(self, **options: Any) -> pd.DataFrame:
        """The join-motive × exit-reason table: of the cases with each motive, how many
        left for each reason (long form; :func:`exitlens.statistics.as_wide` pivots it)."""
        from . import statistics

        def count() -> pd.DataFrame:
            cases, codings, codebook = self.case_frames()
            return statistics.promise_reality(cases, codings, codebook, **options)

        return self._cached_table("promise_reality", count, options)

    def cooccurrence(self, *, dimension: str = "exit", **options: Any) -> pd.DataFrame:
        """How many cases cite each pair of codes of one dimension."""
        from . import statistics

        cases, codings, codebook = self.case_frames()
        return statistics.cooccurrence(cases, codings, codebook, dimension=dimension, **options)

    def compare_reference(self, reference: str | Path, *, by: str = "code",
                          **options: Any) -> pd.DataFrame:
        """Our prevalence beside a published reference table (YAML/CSV of ``key, k, n,
        source``): both shares, the difference with its 95 % interval, Fisher's p."""
        from . import statistics
        from .reference import compare, load_reference

        cases, codings, codebook = self.case_frames()
        table = load_reference(resolve_reference(reference), codebook)
        return compare([statistics.prevalence(cases, codings, codebook, by=level, **options)
                        for level in ("code", "family")], table)

    def overview(self, cases: pd.DataFrame | None = None) -> dict[str, Any]:
        """What the corpus behind the figures is: documents, sources, outlets, kinds, years
        of publication, reprints, analysed documents, defectors and cases (``cases``: the
        :meth:`cases` frame when the caller already holds it)."""
        summary = self.summary()
        with self.db.session() as session:
            outlets = [o for o in session.scalars(select(DocumentRow.outlet).distinct()) if o]
            dates = [d for d in session.scalars(select(DocumentRow.published)) if d]
            languages = dict(session.execute(
                select(DocumentRow.language, func.count()).group_by(DocumentRow.language)
            ).all())
        years = sorted(int(d[:4]) for d in dates if d[:4].isdigit())
        if cases is None:
            cases = self.cases()
        status = self.analysis_status()
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_kind"].items()))
        by_count = sorted(languages.items(), key=lambda kv: (-kv[1], str(kv[0])))
        langs = ", ".join(f"{k or 'unknown'} {v}" for k, v in by_count)
        covered = covered_languages(self.settings)
        uncovered = [(k, v) for k, v in by_count if k is not None and k not in covered]
        caveat: dict[str, Any] = {}
        if uncovered:
            caveat["documents in languages the reading does not cover"] = (
                f"{sum(v for _, v in uncovered)} "
                f"({', '.join(f'{k} {v}' for k, v in uncovered)}): the reading models cover "
                f"{describe_languages(covered)}, so defectors in these documents may be "
                "missing from every table")
        return {
            "documents": summary["documents"],
            "sources (files read)": summary["sources"],
            "outlets": f"{len(outlets)}: " + ", ".join(sorted(outlets)[:12])
                       + (" …" if len(outlets) > 12 else ""),
            "kinds": kinds,
            "languages": langs,
            **caveat,
            "published": f"{years[0]}–{years[-1]} ({len(years)} dated)" if years
                         else "no dates",
            "reprints (near-duplicate pairs)": summary["near_duplicate_pairs"],
            "analysed documents": status.get("up_to_date", 0),
            "defectors found": int(sum(len(ids) for ids in cases["person_ids"])),
            "cases (one real person across documents)": len(cases),
            "cases told by several documents": int((cases["n_sources"] > 1).sum()),
            **_nationality_summary(cases),
            **self._verdict_summary(),
            **self._code_check_summary(),
        }

    def _code_check_summary(self) -> dict[str, str]:
        """The overview's account of the codes reviewers checked, and the warning when
        they took away more than they added while possible missed codes wait."""
        counts = self.code_checks()
        line, warning = code_checks_line(counts), lopsided_review(counts)
        return {**({"codes checked by reviewers": line} if line else {}),
                **({"shares may run low": warning} if warning else {})}

    def _verdict_summary(self) -> dict[str, str]:
        """The overview's account of reviewers' verdicts on people: how many the machine
        took for defectors they confirmed, how many they ruled out (by reason) and how many
        they added."""
        verdicts = self.person_verdicts()
        if verdicts.empty:
            return {}
        out = verdicts[(verdicts["verdict"] == "not_defector")
                       & (verdicts["machine"] == "defector")]
        kept = int(((verdicts["verdict"] == "defector")
                    & (verdicts["machine"] == "defector")).sum())
        added = int(((verdicts["verdict"] == "defector")
                     & (verdicts["machine"] == "not_defector")).sum())
        reasons = out["reason"].fillna("").value_counts()
        parts = [f"{(r or 'no reason given').replace('_', ' ')} {n}"
                 for r, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0] == "",
                                                                      kv[0]))]
        return {"taken for defectors by the machine, confirmed by reviewers": str(kept),
                "taken for defectors by the machine, ruled out by reviewers":
                f"{len(out)}" + (f" ({', '.join(parts)})" if parts else ""),
                "called defectors by reviewers where the machine did not": str(added)}

    def measured_accuracy(self) -> pd.DataFrame:
        """What the built-in models' unreviewed suggestions were measured to be worth, per
        code (:func:`exitlens.coding.measured.measured_frame`: support, precision, recall,
        F1, a plain reading; ``attrs["not_applicable"]`` says why the figures do not
        describe this project's suggestions, or is None)."""
        from .coding.measured import measured_frame

        return measured_frame(self.pipeline_settings(), self.codebook())

    def report(self, path: str | Path, *, reference: str | Path | None = None,
               title: str = "exitlens report", redact: bool = False, salt: str | None = None,
               **options: Any) -> Path:
        """Write the self-contained HTML report to ``path`` (atomically: a failure leaves no
        file that looks complete). ``options`` as for :meth:`prevalence`. With ``redact``,
        names, quotes and titles come from a redacted bundle (the counts do not change)."""
        from .report import build_report_data, render_report, write_report

        target = Path(path)
        if not target.parent.is_dir():
            from .report import OutputPathError

            raise OutputPathError(f"folder {target.parent} does not exist", where=str(target))
        cases, codings, codebook = self.case_frames()
        if redact:
            from .sharing.redaction import redact_case_frames

            cases, codings = redact_case_frames(cases, codings,
                                                self.export_bundle(redact=True, salt=salt))
        overview = self.overview(cases)
        if redact:
            n_outlets = str(overview["outlets"]).split(":", 1)[0]
            overview["outlets"] = f"{n_outlets} (names withheld in a redacted report)"
        from .coding.measured import measured_note

        measured = self.measured_accuracy()
        data = build_report_data(
            cases, codings, codebook, overview,
            resolve_reference(reference) if reference else None, title=title,
            measured=None if measured.attrs["not_applicable"] else measured,
            measured_note=measured_note(measured), **options)
        written = write_report(render_report(data), target)
        with self.db.session() as session:
            session.add(EventRow(actor=self.actor, action="report.write", entity="corpus",
                                 payload={"path": str(written), "cases": len(cases),
                                          "reference": str(reference) if reference else None,
                                          "redacted": redact,
                                          **{k: v for k, v in options.items()
                                             if isinstance(v, (bool, str))}}))
        return written

    # ------------------------------------------------------------ sharing
    def export_bundle(self, *, redact: bool = False, salt: str | None = None) -> ExportBundle:
        """Everything this project shares, read in one snapshot (see
        :mod:`exitlens.sharing.bundle`). With ``redact``, names, kunyas, aliases, exact ages
        and small places are replaced by pseudonyms (HMAC of ``salt``; a random salt when
        None, so two redacted exports cannot be linked) and every span is remapped."""
        from .sharing.bundle import load_bundle

        codebook = self.codebook()
        with self.db.session() as session:
            bundle = load_bundle(session, codebook,
                                 covered_languages=tuple(covered_languages(self.settings)))
        if redact:
            from .sharing.redaction import redact_bundle

            bundle = redact_bundle(bundle, salt)
        return bundle

    def quotes(self, code: str | None = None, query: str | None = None, *,
               semantic: bool = False, limit: int | None = 50, redact: bool = False,
               salt: str | None = None) -> pd.DataFrame:
        """The quote bank (:mod:`exitlens.sharing.quotes`): the evidence span of every coding
        that is not rejected and every quote of a defector, with code, label, text,
        speaker, case, document, title, outlet, date, span, confidence, status and coder;
        accepted first, then by confidence. ``code`` keeps one code (children included);
        ``query`` keeps rows matching the full-text search; ``semantic`` ranks by similarity
        to ``query`` with the MiniLM model (column ``score``). ``redact`` shows the rows of
        a redacted bundle (same rows and order: searching and ranking use the original
        texts, only what is shown is redacted)."""
        from .sharing.quotes import full_text_matches, quote_bank, semantic_scores

        bundle = self.export_bundle()
        bank = quote_bank(bundle, code=code)
        if semantic:
            if not query or not query.strip():
                raise ExitlensError("semantic search needs a query: --query TEXT",
                                    code="missing_query")
            from .coding.embedding import get_embedder
            from .pipeline import PipelineContext

            embedder = get_embedder(PipelineContext(self.pipeline_settings()))
            vectors = embedder.embed([str(t) for t in bank["text"]])
            scores = semantic_scores(vectors, embedder.embed([query])[0])
            bank = bank.assign(score=[float(x) for x in scores])
            bank = bank.sort_values("score", ascending=False, kind="stable")
        elif query is not None:
            with self.db.session() as session:
                keys = full_text_matches(session, self.db.dialect, query,
                                         list(zip(bank["row_key"], bank["text"], strict=True)))
            bank = bank[bank["row_key"].isin(keys)]
        if limit is not None:
            bank = bank.head(limit)
        if redact:
            hidden = quote_bank(self.export_bundle(redact=True, salt=salt)).set_index("row_key")
            shown = hidden.loc[bank["row_key"].tolist()].reset_index()
            if "score" in bank.columns:
                shown["score"] = bank["score"].tolist()
            bank = shown[list(bank.columns)]
        return bank.reset_index(drop=True)

    def export(self, path: str | Path, *, format: str, redact: bool = False,
               salt: str | None = None) -> Path:
        """Write the project to ``path``: ``csv`` / ``parquet`` (a folder of tables plus the
        case x code matrix and ``codebook.md``), ``json`` (one file), ``qdpx`` (a REFI-QDA
        project) or ``qdc`` (the codebook alone). Atomic; ``bad_output_path`` when the
        folder is missing or not writable. ``redact`` applies to every format."""
        from .sharing.refi import write_qdc, write_qdpx
        from .sharing.tables import TABLE_FORMATS, write_tables

        fmt = format.lower()
        if fmt == "qdc":
            written = Path(write_qdc(self.codebook(), Path(path)))
        else:
            bundle = self.export_bundle(redact=redact, salt=salt)
            if fmt in TABLE_FORMATS:
                written = write_tables(bundle, path, fmt)
            elif fmt == "qdpx":
                written = Path(write_qdpx(bundle, Path(path)))
            else:
                raise ExitlensError(f"unknown export format {format!r}: csv, parquet, json, "
                                    "qdpx or qdc", code="unsupported_format")
        with self.db.session() as session:
            session.add(EventRow(actor=self.actor, action="export.write", entity="corpus",
                                 payload={"path": str(written), "format": fmt,
                                          "redacted": bool(redact),
                                          "salt_given": salt is not None}))
        return written

    # ------------------------------------------------------------ audit trail
    def events(self, *, limit: int = 100) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.id.desc()).limit(limit)).all()
            return [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "actor": e.actor,
                    "action": e.action,
                    "entity": e.entity,
                    "entity_id": e.entity_id,
                    "payload": e.payload,
                }
                for e in rows
            ]


def _default_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


BUNDLED_REFERENCES = {"sixty-narratives": "sixty_narratives_path"}


def resolve_reference(reference: str | Path) -> Path:
    """A reference table path; ``sixty-narratives`` names the bundled table of the
    60-narrative study."""
    if str(reference) in BUNDLED_REFERENCES:
        from .reference import sixty_narratives_path

        return sixty_narratives_path()
    return Path(reference)


def _nationality_summary(cases: pd.DataFrame) -> dict[str, str]:
    """The overview's account of where cases' nationalities come from: stated in a text,
    only inferred from the page's country (unknown in breakdowns), or unknown."""
    if cases.empty:
        return {}
    guessed = cases["inferred_fields"].map(lambda v: is_inferred(v, "nationality")).astype(bool)
    known = cases["nationality"].map(lambda v: bool(v) and v == v).astype(bool)
    stated, inferred = int((known & ~guessed).sum()), int((known & guessed).sum())
    if not inferred:
        return {}
    return {"nationality of cases": (
        f"{stated} stated in a text, {inferred} only inferred from the page's country "
        f"(counted as unknown in breakdowns; confirm or correct them on the document "
        f"pages), {len(cases) - stated - inferred} unknown")}
