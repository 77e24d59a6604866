"""The Alembic migrations build exactly the ORM schema, run both ways, and keep FTS in sync."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from exitlens import Project
from exitlens.store.database import Database, alembic_config
from exitlens.store.schema import Base, DocumentRow

FTS_PREFIX = "documents_fts"


def _is_fts_internal(diff: Any) -> bool:
    """FTS5 virtual table and its shadow tables are created by raw SQL, not the ORM."""
    if isinstance(diff, tuple) and diff and diff[0] in ("remove_table", "add_table"):
        return str(diff[1].name).startswith(FTS_PREFIX)
    return False


def _diff(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True})
        return [d for d in compare_metadata(context, Base.metadata) if not _is_fts_internal(d)]


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def test_migration_head_matches_orm_metadata(tmp_path: Path) -> None:
    """A schema change without a migration (or vice versa) shows up here as a difference."""
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        assert _diff(db) == []
        assert set(Base.metadata.tables) <= _tables(db)
    finally:
        db.close()


def test_database_is_at_single_head(tmp_path: Path) -> None:
    """The migration history has one head and an opened database is stamped with it."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    assert len(heads) == 1
    db = Database(f"sqlite:///{tmp_path / 'h.db'}")
    try:
        with db.engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_heads() == tuple(heads)
    finally:
        db.close()


def test_upgrade_downgrade_upgrade(tmp_path: Path) -> None:
    """Downgrading to base removes every table (FTS included); upgrading again restores them."""
    db = Database(f"sqlite:///{tmp_path / 'ud.db'}")
    try:
        full = _tables(db)
        assert {"documents", "sources", FTS_PREFIX} <= full
        with db.engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        assert _tables(db) <= {"alembic_version"}
        with db.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        assert _tables(db) == full
        assert _diff(db) == []
    finally:
        db.close()


def test_reopen_is_a_noop_migration(tmp_path: Path) -> None:
    """Opening an up-to-date database again keeps its data (migrate is idempotent)."""
    path = tmp_path / "again.db"
    story = tmp_path / "s.txt"
    story.write_text("Tamsin Oake left the movement through the marshes in 2012.\n")
    with Project.open(str(path), actor="test") as project:
        project.ingest([story])
    with Project.open(str(path), actor="test") as project:
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
    """User queries with FTS operators, quotes or stray punctuation never raise."""
    story = tmp_path / "s.txt"
    story.write_text("Brannoc and Ysolde crossed the river at dawn, unseen by the guards.\n")
    tmp_project.ingest([story])
    assert len(tmp_project.search('"crossed the river"')) == 1
    assert len(tmp_project.search("Brannoc OR nobody")) == 1
    assert tmp_project.search("Brannoc NOT Ysolde") == []
    assert len(tmp_project.search("Ysol*")) == 1
    for odd in ('"unbalanced', "a:b", "(", "NEAR(", "-", "*", "   "):
        tmp_project.search(odd)  # must not raise
