"""``extract`` and ``analyze`` work through bounded batches, never the whole input at once;
a large JSONL file is read a run of lines at a time with the same results as in one piece.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import exitlens.extract as extract_module
from exitlens import Project
from exitlens.config import Settings
from exitlens.ingest.inputs import FileOutcome, InputUnit, jsonl_line_runs, split_units
from exitlens.ingest.runner import plan_inputs
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline

TEXT = ("Karel Vondrak, a former volunteer from Brno, said he walked out of the camp in "
        "the spring because the commanders kept the food for themselves. Line {n}.")


def light_settings(batch_size: int = 4) -> Settings:
    settings = Settings()
    settings.reading.stages = ["segment"]  # no models: fast and enough to follow the flow
    settings.reading.batch_size = batch_size
    return settings


def write_jsonl(path: Path, n: int, extra: dict[int, str] | None = None) -> Path:
    lines = [json.dumps({"id": f"r{i}", "text": TEXT.format(n=i)}) for i in range(1, n + 1)]
    for lineno, line in (extra or {}).items():
        lines[lineno - 1] = line
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_pipeline_yields_before_its_input_is_exhausted() -> None:
    consumed = 0

    def documents() -> Iterator[Document]:
        nonlocal consumed
        for i in range(100):
            consumed += 1
            yield Document(text=TEXT.format(n=i))

    readings = Pipeline(["segment"], light_settings(batch_size=5)).run(documents())
    first = next(readings)
    assert first.document.text == TEXT.format(n=0)
    assert consumed == 5  # one batch read, not the hundred
    assert len(list(readings)) == 99


def test_extract_emits_records_before_reading_the_whole_input(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_jsonl(tmp_path / "big.jsonl", 300)
    read = 0
    real_read_unit = extract_module.read_unit

    def counting(unit: InputUnit, *args: Any) -> Iterator[Any]:
        nonlocal read
        for entry in real_read_unit(unit, *args):
            read += 1
            yield entry

    monkeypatch.setattr(extract_module, "read_unit", counting)
    problems: list[FileOutcome] = []
    records = extract_module.extract([path], light_settings(batch_size=4), problems.append)
    first = next(records)
    assert first["source"] == f"{path.resolve()}#r1"
    assert read <= 64  # the first run of lines, not the 300 records
    rest = list(records)
    assert len(rest) == 299 and read == 300 and problems == []


def test_line_runs_cover_the_file_exactly(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "runs.jsonl", 10)
    data = path.read_bytes()
    for chunk in (7, 64, 1 << 20):  # newlines found across chunk borders too
        runs = jsonl_line_runs(path, 3, chunk_bytes=chunk)
        assert [first for first, _, _ in runs] == [1, 4, 7, 10]
        assert b"".join(data[a:b] for _, a, b in runs) == data
        assert all(data[a:b].count(b"\n") == 3 for _, a, b in runs[:-1])
    path.write_bytes(data.rstrip(b"\n"))  # no newline at the end: the last line still counts
    assert jsonl_line_runs(path, 4)[-1][0] == 9
    assert len(jsonl_line_runs(path, 100)) == 1


def test_a_jsonl_read_in_runs_gives_what_it_gives_in_one_piece(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "shard.jsonl", 150, extra={
        100: json.dumps({"id": "r3", "text": "A second record claiming the id r3."}),
        130: "{not json",
    })
    planned, _ = plan_inputs([path])
    assert len(list(split_units(planned, 64))) == 3
    assert len(list(split_units(planned, 1000))) == 1

    def read(batch_size: int) -> tuple[list[str], list[tuple[str, str | None]]]:
        problems: list[FileOutcome] = []
        docs = list(extract_module.read_documents([path], light_settings(batch_size),
                                                  problems.append))
        return ([d.source_path or "" for d in docs],
                [(p.locator, p.code) for p in problems])

    in_runs, whole = read(batch_size=1), read(batch_size=100)  # runs of 64 / 800 lines
    assert in_runs == whole
    sources, problems = in_runs
    assert len(sources) == 148
    assert problems == [(f"{path.resolve()}:100", "bad_jsonl"),
                        (f"{path.resolve()}:130", "bad_jsonl")]


def test_analyze_reads_the_database_a_batch_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_db_url: Callable[..., str]) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(7):
        (folder / f"d{i}.txt").write_text(TEXT.format(n=i), encoding="utf-8")
    sizes: list[int] = []
    real_run_batch = Pipeline.run_batch

    def recording(self: Pipeline, documents: Sequence[Document],
                  keep: Any = (), seeds: Any = None) -> list[DocumentReading]:
        sizes.append(len(documents))
        return real_run_batch(self, documents, keep, seeds)

    monkeypatch.setattr(Pipeline, "run_batch", recording)
    with Project.open(make_db_url("s"), settings=light_settings(batch_size=3),
                      actor="test") as project:
        project.ingest([folder])
        report = project.analyze()
    assert sizes == [3, 3, 1] and len(report.analysed) == 7
