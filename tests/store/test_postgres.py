"""The same store on PostgreSQL: migrations, ingest, listing, full-text search, offsets.

Needs ``EXITLENS_TEST_PG`` (a DSN; ``make test`` starts a throwaway server with
scripts/test-services.sh). Without it the tests are skipped, except under CI (env
``CI`` set), where a missing server must fail rather than pass silently. Each run
works in a fresh database that is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import make_url, text

from exitlens import Project
from exitlens.config import Settings
from exitlens.model import Span, sha256_text
from exitlens.store.schema import Base
from tests import corpus as c
from tests.corpus import Corpus

pytestmark = pytest.mark.postgres

UNICODE_TEXT = "😀 Ana Bex said: 𝔸 is the camp, Re\u0301my left the Grey Lantern.\n"


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A SQLAlchemy URL to a brand-new database, dropped after the module."""
    dsn = os.environ.get("EXITLENS_TEST_PG")
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail("EXITLENS_TEST_PG is not set in CI: the PostgreSQL tests must run there")
        pytest.skip("EXITLENS_TEST_PG not set "
                    "(start a server: bash scripts/test-services.sh start)")
    import psycopg

    url = make_url(dsn)
    name = f"exitlens_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_project(pg_url: str) -> Iterator[Project]:
    """A project on the test database, emptied before each test."""
    project = Project.open(pg_url, settings=Settings(), actor="test")
    with project.db.session() as session:
        session.execute(text("TRUNCATE documents, sources, document_links, events, cases "
                             "RESTART IDENTITY CASCADE"))
    try:
        yield project
    finally:
        project.close()


def test_pg_migrations_match_orm(pg_project: Project) -> None:
    """On PostgreSQL too the migrated schema equals the ORM metadata, with the GIN index."""
    with pg_project.db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata)
                 if not (isinstance(d, tuple) and d[0] == "remove_index"
                         and d[1].name == "ix_documents_fts")]
        assert diffs == []
        names = set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'documents'")).scalars())
    assert "ix_documents_fts" in names
    assert pg_project.db.dialect == "postgresql"


def test_pg_ingest_list_search_offsets(pg_project: Project, corpus: Corpus,
                                       tmp_path: Path) -> None:
    """Ingest every format, list with provenance, search, and read spans back exactly."""
    extra = tmp_path / "unicode.txt"
    extra.write_text(UNICODE_TEXT, encoding="utf-8")
    report = pg_project.ingest([corpus.root, extra])
    assert report.ok
    docs = pg_project.documents()
    assert {d.fmt for d in docs} == {"txt", "md", "html", "pdf", "docx", "jsonl"}
    html = next(d for d in docs if d.fmt == "html")
    assert (html.author, html.outlet, html.published) == ("Lena Fairweather", "Orvanne Courier",
                                                          "2022-03-14")
    pdf = next(d for d in docs if d.fmt == "pdf")
    assert pdf.title == c.PDF_TITLE

    hits = pg_project.search("grain lorry")
    assert [h.document_id for h in hits] == [pdf.id]
    assert "lorry" in hits[0].snippet
    assert pg_project.search("nonexistentwordxyz") == []

    for d in docs:
        doc = pg_project.document(d.id)
        assert doc.text_sha256 == sha256_text(doc.text)
        assert d.n_chars == len(doc.text)
    uni = next(d for d in docs if (d.source_path or "").endswith("unicode.txt"))
    doc = pg_project.document(uni.id)
    assert doc.text == UNICODE_TEXT
    assert doc.span_text(Span(16, 17)) == "𝔸"
    assert doc.span_text(Span(31, 36)) == "Re\u0301my"
    start = doc.text.find("Grey Lantern")
    assert pg_project.document(uni.id).text[start:start + 12] == "Grey Lantern"


def test_pg_reingest_idempotent_and_duplicates(pg_project: Project, tmp_path: Path) -> None:
    """Re-ingest adds nothing and a copy under another name is a duplicate, as on SQLite."""
    (tmp_path / "a.txt").write_text(c.MANIFEST_TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(c.MANIFEST_TEXT, encoding="utf-8")
    first = pg_project.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert [o.status for o in first.outcomes] == ["added", "duplicate"]
    again = pg_project.ingest([tmp_path / "a.txt", tmp_path / "b.txt"])
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]
    assert pg_project.count_documents() == 1
    (summary,) = pg_project.documents()
    assert summary.n_sources == 2


def test_pg_analysis_round_trip_and_resume(pg_project: Project, tmp_path: Path) -> None:
    """Analysis results store, reload and resume on PostgreSQL exactly as on SQLite."""
    from exitlens.pipeline import stages
    from tests.test_analysis import FakeReadingStage, fake_settings, write_docs

    stages.add("fake_reading", FakeReadingStage)
    pg_project.settings = fake_settings(batch_size=1)
    pg_project.ingest([write_docs(tmp_path / "in", 3)])
    assert len(pg_project.analyze(limit=1).analysed) == 1
    assert len(pg_project.analyze().analysed) == 2
    assert pg_project.analysis_status()["pending"] == 0
    records = list(pg_project.records())
    assert len(records) == 3
    (defector,) = records[0]["defectors"]
    assert defector["name"] == "Abu Test" and defector["codes"][0]["code"] == "boredom"
    reading = pg_project.reading(1)
    assert reading is not None
    assert reading.quotes[0].span.text_of(reading.document.text).startswith('"I stood guard')


def test_pg_language_stored_filled_and_noted(pg_project: Project, tmp_path: Path) -> None:
    """documents.language is stored at ingest, filled at analyze time when missing, and an
    uncovered language is noted with the analysis, on PostgreSQL as on SQLite."""
    from sqlalchemy import update

    from exitlens.store.schema import AnalysisRow, DocumentRow
    from tests.test_language import ENGLISH, GERMAN

    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    assert pg_project.ingest([tmp_path / "de.txt", tmp_path / "en.txt"]).ok
    langs = {Path(d.source_path or "").name: d.language for d in pg_project.documents()}
    assert langs == {"de.txt": "de", "en.txt": "en"}
    with pg_project.db.session() as session:
        session.execute(update(DocumentRow).values(language=None))
    pg_project.settings = Settings.model_validate({"reading": {"stages": ["segment"]}})
    report = pg_project.analyze()
    assert [n["language"] for n in report.notes] == ["de"]
    langs = {Path(d.source_path or "").name: d.language for d in pg_project.documents()}
    assert langs == {"de.txt": "de", "en.txt": "en"}
    with pg_project.db.session() as session:
        notes = {row.document_id: row.notes for row in session.query(AnalysisRow)}
    assert sorted(len(n) for n in notes.values()) == [0, 1]
