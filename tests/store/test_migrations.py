"""The Alembic migrations build exactly the ORM schema, run both ways, and keep FTS in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from exitlens import Project
from exitlens.errors import ExitlensError
from exitlens.store.database import Database, alembic_config
from exitlens.store.schema import Base, DocumentRow

FTS_PREFIX = "documents_fts"


def _is_fts_internal(diff: Any) -> bool:
    """The full-text index is created by raw SQL, not the ORM: on SQLite the FTS5 virtual
    table and its shadow tables, on PostgreSQL the GIN expression index."""
    if isinstance(diff, tuple) and diff and diff[0] in ("remove_table", "add_table"):
        return str(diff[1].name).startswith(FTS_PREFIX)
    if isinstance(diff, tuple) and diff and diff[0] == "remove_index":
        return str(diff[1].name) == "ix_documents_fts"
    return False


def _diff(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True})
        return [d for d in compare_metadata(context, Base.metadata) if not _is_fts_internal(d)]


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def _fts_index(db: Database) -> set[str]:
    """The full-text index objects the migrations made."""
    with db.engine.connect() as conn:
        if db.dialect == "sqlite":
            return {name for name in inspect(conn).get_table_names()
                    if name == FTS_PREFIX}
        return set(conn.execute(text(
            "SELECT indexname FROM pg_indexes WHERE indexname = 'ix_documents_fts'"
        )).scalars())


def test_migration_head_matches_orm_metadata(db_url: str) -> None:
    """A schema change without a migration (or vice versa) shows up here as a difference;
    the full-text index (FTS5 table or GIN index) exists."""
    db = Database(db_url)
    try:
        assert _diff(db) == []
        assert set(Base.metadata.tables) <= _tables(db)
        assert len(_fts_index(db)) == 1
    finally:
        db.close()


def test_database_is_at_single_head(db_url: str) -> None:
    """The migration history has one head and an opened database is stamped with it."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    db = Database(db_url)
    try:
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    finally:
        db.close()


def test_upgrade_downgrade_upgrade(db_url: str) -> None:
    """Downgrading to base removes every table (FTS included); upgrading again restores them."""
    db = Database(db_url)
    try:
        full = _tables(db)
        assert {"documents", "sources"} <= full and len(_fts_index(db)) == 1
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert _tables(db) <= {"alembic_version"}
        with db.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert _tables(db) == full
        assert _diff(db) == []
        assert len(_fts_index(db)) == 1
    finally:
        db.close()


def test_the_last_migration_both_ways_keeps_the_readings(fake_analysed: Project) -> None:
    """0007 adds and drops ``persons.defector_score`` in place: the readings (people and
    what hangs on them: mentions, codings, near misses) survive a downgrade and upgrade."""
    tables = ("persons", "mentions", "codings", "near_misses", "quotes")

    def counts() -> list[int]:
        with fake_analysed.db.engine.connect() as conn:
            return [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in tables]

    before = counts()
    assert all(before)
    with fake_analysed.db.engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0006")
    assert counts() == before
    with fake_analysed.db.engine.connect() as conn:
        assert "defector_score" not in {c["name"] for c in inspect(conn).get_columns("persons")}
    with fake_analysed.db.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    assert counts() == before and _diff(fake_analysed.db) == []


def test_reopen_is_a_noop_migration(tmp_path: Path, db_url: str) -> None:
    """Opening an up-to-date database again keeps its data (migrate is idempotent)."""
    story = tmp_path / "s.txt"
    story.write_text("Tamsin Oake left the movement through the marshes in 2012.\n")
    with Project.open(db_url, actor="test") as project:
        project.ingest([story])
    with Project.open(db_url, actor="test") as project:
        assert project.count_documents() == 1


def test_fts_triggers_keep_index_in_sync(tmp_project: Project) -> None:
    """Insert, update and delete on documents are mirrored in the full-text index."""
    with tmp_project.db.session() as session:
        row = DocumentRow(text_sha256="a" * 64, text="The ferryman Quillon rowed them across.",
                          n_chars=39, title="Night crossing", kind="news", fmt="txt", meta={})
        session.add(row)
        session.flush()
        doc_id = row.id
    assert [h.document_id for h in tmp_project.search("Quillon")] == [doc_id]
    assert [h.document_id for h in tmp_project.search("crossing")] == [doc_id]  # title
    assert "[Quillon]" in tmp_project.search("quillon")[0].snippet

    with tmp_project.db.session() as session:
        session.execute(text("UPDATE documents SET title = 'Dawn departure' WHERE id = :i"),
                        {"i": doc_id})
    assert tmp_project.search("crossing") == []
    assert [h.document_id for h in tmp_project.search("departure")] == [doc_id]

    with tmp_project.db.session() as session:
        session.execute(text("DELETE FROM documents WHERE id = :i"), {"i": doc_id})
    assert tmp_project.search("Quillon") == []
    assert tmp_project.db.fts_available()


def test_search_query_syntax_is_safe(tmp_project: Project, tmp_path: Path) -> None:
    """One query syntax on both databases (phrases, OR, NOT, prefix*); stray punctuation
    never raises, a misplaced operator is a plain ``bad_query`` error."""
    story = tmp_path / "s.txt"
    story.write_text("Brannoc and Ysolde crossed the river at dawn, unseen by the guards.\n")
    tmp_project.ingest([story])
    assert len(tmp_project.search('"crossed the river"')) == 1
    assert len(tmp_project.search("Brannoc OR nobody")) == 1
    assert tmp_project.search("Brannoc NOT Ysolde") == []
    assert len(tmp_project.search("Ysol*")) == 1
    assert len(tmp_project.search("nobody OR guards Brannoc")) == 1
    assert tmp_project.search("Brannoc AND nobody") == []
    assert len(tmp_project.search("Brannoc\x00")) == 1  # a NUL is a space, not an error
    for odd in ('"unbalanced', "a:b", "(", "NEAR(", "-", "*", "   ", "the", "'&|!", "\x00"):
        tmp_project.search(odd)  # must not raise
    for bad in ("NOT", "Brannoc OR", "OR Brannoc", "Brannoc AND AND Ysolde", "Brannoc NOT"):
        with pytest.raises(ExitlensError) as error:
            tmp_project.search(bad)
        assert error.value.code == "bad_query"
