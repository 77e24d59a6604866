"""``exitlens analyze`` killed with SIGKILL midway resumes and ends as an uninterrupted run.

Uses the real reading pipeline (spaCy) on copies of the bundled sample corpus,
so it is marked slow.
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

from exitlens import Project
from exitlens.demo import sample_corpus_dir
from exitlens.ingest.readers import reader_for

pytestmark = pytest.mark.slow


def _corpus(folder: Path, copies: int) -> Path:
    """Plain-text copies of the sample corpus, each made distinct by a trailing line."""
    folder.mkdir()
    sources = sorted(
        p
        for p in sample_corpus_dir().iterdir()
        if p.suffix in (".txt", ".md", ".html", ".docx", ".pdf")
    )
    for n in range(copies):
        for src in sources:
            (item,) = reader_for(src).read(src, src.read_bytes()).items
            (folder / f"{n:02d}-{src.stem}.txt").write_text(
                f"{item.text}\n\nArchive copy {n}.", encoding="utf-8"
            )
    return folder


def _analysed(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return int(conn.execute("SELECT count(*) FROM analyses").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _run(args: list[str], **kw: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "exitlens", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kw,
    )  # type: ignore[call-overload]


def test_sigkill_during_analyze_then_resume(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path / "corpus", copies=3)
    total = len(list(corpus.iterdir()))
    config = tmp_path / "exitlens.yaml"
    config.write_text("reading:\n  batch_size: 1\n", encoding="utf-8")
    killed_db, clean_db = tmp_path / "killed.db", tmp_path / "clean.db"
    for db in (killed_db, clean_db):
        assert _run(["ingest", str(corpus), "--db", str(db)]).wait(120) == 0

    proc = _run(["analyze", "--db", str(killed_db), "--config", str(config)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _analysed(killed_db) < 3:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(30)
    done_before = _analysed(killed_db)
    assert 0 < done_before < total, "the kill must land midway"

    assert _run(["analyze", "--db", str(killed_db), "--config", str(config)]).wait(300) == 0
    assert _run(["analyze", "--db", str(clean_db), "--config", str(config)]).wait(300) == 0
    with (
        Project.open(str(killed_db), settings=config) as killed,
        Project.open(str(clean_db), settings=config) as clean,
    ):
        assert killed.analysis_status()["pending"] == 0
        resumed = {r["text_sha256"]: r for r in killed.records()}
        uninterrupted = {r["text_sha256"]: r for r in clean.records()}
    assert len(resumed) == total
    assert resumed == uninterrupted
