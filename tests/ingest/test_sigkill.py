"""An ingest killed with SIGKILL loses nothing committed and a rerun completes the corpus.

Each file is committed in its own transaction (SQLite WAL), so after ``kill -9`` the
database must open, hold only complete documents (text hash matches, source row
present), and a rerun must reach exactly the state of an uninterrupted run.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exitlens import Project
from exitlens.model import sha256_text
from exitlens.store.schema import DocumentRow, SourceRow

N_FILES = 300
FIRST_NAMES = ["Aldo", "Brita", "Casimir", "Dagna", "Eero", "Fenna", "Gustav", "Hedda", "Ivo",
               "Jorun", "Kasper", "Liv", "Magnus", "Nora", "Otto", "Pia", "Ragnar", "Sunniva"]
PLACES = ["Dornick", "Vessaline", "Brevemont", "the Kessel ridge", "Lake Orvanne", "Marrowby"]
MONTHS = ["January", "March", "May", "July", "September", "November"]


def _story(i: int) -> str:
    """An invented, unique testimony snippet (distinct enough not to be near-duplicates)."""
    name = FIRST_NAMES[i % len(FIRST_NAMES)]
    place = PLACES[(i // 3) % len(PLACES)]
    month = MONTHS[(i // 7) % len(MONTHS)]
    return (
        f"Testimony {i:04d}. {name} (case {i * 7919 % 100_003}) says the Grey Lantern recruited "
        f"them in {place} in {month} {1990 + i % 30}. After {i % 11 + 1} months they left, "
        f"carrying {i % 5 + 1} bags and {i * 13 % 97} coins, and walked {i % 40 + 3} kilometres "
        f"to a bus stop. Reference code {i * 104729:x}.\n"
    )


def _write_files(folder: Path) -> None:
    folder.mkdir()
    for i in range(N_FILES):
        (folder / f"t{i:04d}.txt").write_text(_story(i), encoding="utf-8")


def _count_documents(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return int(con.execute("SELECT count(*) FROM documents").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return 0  # not created or not migrated yet


def _state(project: Project) -> tuple[list[str], int]:
    with project.db.session() as session:
        shas = list(session.scalars(select(DocumentRow.text_sha256)))
        n_sources = session.scalar(select(func.count()).select_from(SourceRow)) or 0
    return sorted(shas), n_sources


def _assert_consistent(project: Project) -> None:
    """Every stored document is complete and has its source; no source is orphaned."""
    with project.db.session() as session:
        docs = session.scalars(select(DocumentRow)).all()
        sourced = set(session.scalars(select(SourceRow.document_id)))
        for doc in docs:
            assert sha256_text(doc.text) == doc.text_sha256
            assert doc.n_chars == len(doc.text)
            assert doc.text.startswith("Testimony ") and doc.text.endswith(".\n")
            assert doc.id in sourced, f"document {doc.id} has no source row"
        assert sourced <= {d.id for d in docs}


@pytest.mark.slow
def test_sigkill_midway_then_rerun_matches_clean_run(tmp_path: Path) -> None:
    """kill -9 during ingest: DB opens, documents complete; rerun equals an uninterrupted run."""
    folder = tmp_path / "many"
    _write_files(folder)
    db = tmp_path / "killed.db"
    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DB", "EXITLENS_CONFIG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "exitlens", "ingest", str(folder), "--db", str(db),
         "--no-progress", "--format", "json"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
    )
    killed_at = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            n = _count_documents(db)
            if 0 < n < N_FILES:
                # let a few more commits start so the kill lands inside a transaction
                time.sleep(0.02)
                os.kill(proc.pid, signal.SIGKILL)
                killed_at = n
                break
            time.sleep(0.002)
    finally:
        if proc.poll() is None and not killed_at:
            proc.kill()
        proc.wait(timeout=30)
    assert killed_at, (
        f"ingest finished (rc={proc.returncode}) before it could be killed; "
        f"stderr: {proc.stderr.read().decode() if proc.stderr else ''}"
    )
    assert proc.returncode == -signal.SIGKILL

    with Project.open(str(db), actor="test") as project:
        n_after_kill = project.count_documents()
        assert 0 < n_after_kill < N_FILES
        _assert_consistent(project)
        shas_killed, _ = _state(project)
        assert len(set(shas_killed)) == len(shas_killed)

        rerun = project.ingest([folder])
        assert rerun.ok
        assert rerun.count("unchanged") >= n_after_kill
        assert rerun.count("added") == N_FILES - rerun.count("unchanged")
        _assert_consistent(project)
        final_state = _state(project)

    with Project.open(str(tmp_path / "clean.db"), actor="test") as clean:
        report = clean.ingest([folder])
        assert report.count("added") == N_FILES
        clean_state = _state(clean)

    assert final_state == clean_state
    assert len(final_state[0]) == N_FILES
    assert final_state[1] == N_FILES  # one source per file, none stored twice
