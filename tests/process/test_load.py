"""``load`` on SQLite and PostgreSQL: idempotent, documents keyed by text, readings stored
as ``analyze`` stores them (fast: light pipeline, no models)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from exitlens import Project
from exitlens.process import ProcessError, process
from exitlens.store.schema import (
    AnalysisRow,
    DocumentRow,
    EventRow,
    MentionRow,
    PersonRow,
    QuoteRow,
    SourceRow,
)
from tests.process.test_partitions import light_settings, write_inputs

TABLES = (DocumentRow, SourceRow, AnalysisRow, PersonRow, MentionRow, QuoteRow)


def counts(project: Project) -> tuple[int, ...]:
    with project.db.session() as session:
        return tuple(session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES)


def check_load(url: str, tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in", n_files=3, n_records=5)
    (inputs / "copy.txt").write_text((inputs / "note-0.txt").read_text(encoding="utf-8"),
                                     encoding="utf-8")  # the same text from a second file
    out = tmp_path / "out"
    settings = light_settings()
    run = process([inputs], out, settings, "test-fp", partition_size=3)
    assert run.documents == 9
    with Project.open(url, settings=settings, actor="test") as project:
        first = project.load(out)
        assert (first.documents_added, first.duplicates, first.readings_stored) == (8, 1, 8)
        assert first.readings_kept == 1  # the copy's text was read once already
        after_first = counts(project)
        again = project.load(out)
        assert (again.documents_added, again.readings_stored, again.unchanged) == (0, 0, 9)
        assert counts(project) == after_first
        assert after_first[:3] == (8, 9, 8)
        with project.db.session() as session:
            assert session.scalar(select(func.count()).select_from(EventRow)
                                  .where(EventRow.action == "process.load")) == 2
        record = next(r for r in project.records() if r["source"].endswith("#s1"))
        assert record["text_sha256"] and record["defectors"] == []


def test_load_twice(tmp_path: Path, db_url: str) -> None:
    check_load(db_url, tmp_path)


def test_an_unfinished_run_is_refused(tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "out"
    process([write_inputs(tmp_path / "in")], out, light_settings(), "fp", partition_size=4)
    (out / "process.json").unlink()
    with Project.open(db_url, settings=light_settings()) as project, \
            pytest.raises(ProcessError) as info:
        project.load(out)
    assert info.value.code == "incomplete_output"
