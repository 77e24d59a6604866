"""``process`` on real Dask clusters gives ``extract``'s records, record for record; a worker
killed mid-partition costs no row twice; ``load`` and ``analyze --dask`` store the same.

Slow (spaCy and the embedding model load in every worker process): marked ``slow``; it runs
in ``make test``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from exitlens import Project
from exitlens.analyze_steps import fingerprint
from exitlens.cli import app
from exitlens.config import Settings, resolve_db_url
from exitlens.demo import sample_corpus_dir
from exitlens.extract import extract
from exitlens.process import process
from exitlens.process.tables import TMP_MARK
from exitlens.store.schema import AnalysisRow, CodingRow, DocumentRow, PersonRow, SourceRow

pytestmark = pytest.mark.slow

SUBSET = ("01-interview-abu-nuh.txt", "04-news-three-defectors.html",
          "07-feature-mother-of-karim.docx", "09-report-returning-women.pdf",
          "10-wire-defectors-tangier-mosul.txt", "14-profile-media-office-samir.docx")


def _sorted(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(records, key=lambda r: r["source"])


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def extracted() -> dict[str, dict[str, Any]]:
    """The single-process pipeline's records of the whole sample corpus, by source."""
    settings = Project.settings_for(None, Settings())
    records = list(extract([sample_corpus_dir()], settings, lambda outcome: None))
    assert len(records) == 15
    return {r["source"]: r for r in records}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _dask_command() -> list[str]:
    exe = Path(sys.executable).with_name("dask")
    return [str(exe)] if exe.is_file() else [shutil.which("dask") or "dask"]


@pytest.fixture(scope="module")
def scheduler_pair() -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on free ports."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parents[2] / "src"),
                    os.environ.get("PYTHONPATH")) if p)}
    procs = [subprocess.Popen(
        [*_dask_command(), "scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    for _ in range(2):
        procs.append(subprocess.Popen(
            [*_dask_command(), "worker", address, "--nworkers", "1", "--nthreads", "1",
             "--host", "127.0.0.1", "--no-dashboard"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
        for proc in reversed(procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_process_on_a_local_cluster_then_load_equals_extract(
        tmp_path: Path, extracted: dict[str, dict[str, Any]]) -> None:
    runner = CliRunner()
    out = tmp_path / "out"
    result = runner.invoke(app, ["process", str(sample_corpus_dir()), "--out", str(out),
                                 "--dask", "local:2", "--partition-size", "4",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["workers"] == 2 and summary["partitions"] == 4
    assert summary["documents"] == 15
    assert _sorted(_read_jsonl(out / "extract.jsonl")) == _sorted(list(extracted.values()))

    db = str(tmp_path / "loaded.db")
    first = runner.invoke(app, ["load", str(out), "--db", db, "--format", "json"])
    assert first.exit_code == 0, first.output
    loaded = json.loads(first.stdout)
    assert (loaded["documents_added"], loaded["readings_stored"]) == (15, 15)
    assert loaded["fingerprint_current"] is True

    def counts() -> tuple[int, ...]:
        with Project.open(db) as project, project.db.session() as session:
            return tuple(session.scalar(select(func.count()).select_from(table)) or 0
                         for table in (DocumentRow, SourceRow, AnalysisRow, PersonRow,
                                       CodingRow))

    before = counts()
    again = json.loads(runner.invoke(app, ["load", str(out), "--db", db,
                                           "--format", "json"]).stdout)
    assert (again["documents_added"], again["readings_stored"]) == (0, 0)
    assert (again["unchanged"], again["readings_kept"]) == (15, 15)
    assert counts() == before  # loading twice adds nothing

    stored = _read_jsonl_text(runner.invoke(app, ["defectors", "--db", db,
                                                  "--format", "jsonl"]).stdout)
    by_sha = {r["text_sha256"]: r["defectors"] for r in stored}
    assert {r["text_sha256"]: r["defectors"] for r in extracted.values()} == by_sha
    stats = runner.invoke(app, ["stats", "--db", db, "--format", "json"])
    assert stats.exit_code == 0 and json.loads(stats.stdout)[0]["n"] > 0
    assert runner.invoke(app, ["analyze", "--db", db, "--format", "json"]).exit_code == 0
    assert counts() == before  # analyze finds every loaded document up to date


def _read_jsonl_text(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_a_worker_killed_mid_partition_is_retried_without_duplicates(
        tmp_path: Path, scheduler_pair: str, extracted: dict[str, dict[str, Any]]) -> None:
    files = [sample_corpus_dir() / name for name in SUBSET]
    out = tmp_path / "out"
    raw = Settings()
    settings = Project.settings_for(None, raw)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["report"] = process(files, out, settings,
                                        fingerprint(raw, resolve_db_url(None)),
                                        dask=scheduler_pair, partition_size=1)
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    killed: int | None = None
    deadline = time.monotonic() + 300
    while thread.is_alive() and killed is None and time.monotonic() < deadline:
        pieces = out / "records"
        temporary = [p for p in pieces.iterdir() if TMP_MARK in p.name] \
            if pieces.is_dir() else []
        if temporary:  # a worker is inside a partition: kill that worker process
            killed = int(temporary[0].name.split(TMP_MARK)[1].split("-")[0])
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.02)
    thread.join(timeout=600)
    assert killed is not None, "no partition was seen in progress"
    assert "error" not in outcome, outcome.get("error")
    report = outcome["report"]
    assert report.documents == len(SUBSET)
    records = _read_jsonl(out / "extract.jsonl")
    assert _sorted(records) == _sorted([extracted[str(f.resolve())] for f in files])
    sources = [row["source"] for path in sorted((out / "documents").glob("*.parquet"))
               for row in pq.read_table(path).to_pylist()]
    assert sorted(sources) == sorted(str(f.resolve()) for f in files)  # each exactly once
    defectors = sum(row["is_defector"] for path in (out / "persons").glob("*.parquet")
                    for row in pq.read_table(path, columns=["is_defector"]).to_pylist())
    assert defectors == sum(len(r["defectors"]) for r in records)  # no person twice
    assert not [p for p in out.rglob("*") if TMP_MARK in p.name]


def test_analyze_on_a_scheduler_stores_what_extract_emits(
        tmp_path: Path, scheduler_pair: str, extracted: dict[str, dict[str, Any]]) -> None:
    files = [str(sample_corpus_dir() / name) for name in SUBSET[:4]]
    db = str(tmp_path / "x.db")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", *files, "--db", db]).exit_code == 0
    result = runner.invoke(app, ["analyze", "--db", db, "--dask", scheduler_pair,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["analysed"] == 4
    stored = _read_jsonl_text(runner.invoke(app, ["defectors", "--db", db,
                                                  "--format", "jsonl"]).stdout)
    by_sha = {r["text_sha256"]: r["defectors"] for r in stored}
    for path in files:
        record = extracted[str(Path(path).resolve())]
        assert by_sha[record["text_sha256"]] == record["defectors"]
    again = runner.invoke(app, ["analyze", "--db", db, "--dask", scheduler_pair,
                                "--format", "json"])
    assert json.loads(again.stdout)["analysed"] == 0
    # a reviewer's verdict reaches the workers' pipeline: the document is read again there
    with Project.open(db, actor="ana") as project:
        readings = [r for d in project.iter_documents()
                    if (r := project.reading(d.id or 0)) is not None]
        doc_id, person = next((r.document.id or 0, p) for r in readings for p in r.persons
                              if p.role == "defector")
        project.set_verdict(person.id or 0, "not_defector", seen="defector")
    reread = runner.invoke(app, ["analyze", "--db", db, "--dask", scheduler_pair,
                                 "--format", "json"])
    assert json.loads(reread.stdout)["reread_after_verdicts"] == 1
    with Project.open(db, actor="ana") as project:
        reading = project.reading(doc_id)
        assert reading is not None
        index = next(i for i, p in enumerate(reading.persons) if p.name == person.name
                     and p.descriptor == person.descriptor)
        assert reading.persons[index].role == "other" and not reading.persons[index].evidence
        assert not [c for c in reading.codings if c.person == index]
