"""A JSONL record id repeated in another partition is refused as ``extract`` refuses it.

A large JSONL shard is cut into runs of lines, each run its own partition, read apart (on
different workers). The id pre-pass (:func:`exitlens.ingest.inputs.mark_repeated_ids`)
tells each run which of its ids earlier runs hold, so ``process`` keeps the first copy and
reports every later one as a ``bad_jsonl`` problem naming the file and line — never two
records with one id. Fast: the pipeline runs its segmentation stage only.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from exitlens.config import Settings
from exitlens.extract import extract
from exitlens.ingest.inputs import FileOutcome, mark_repeated_ids, plan_inputs, split_units
from exitlens.process import process

TEXT = ("Jovan Brkic said he walked out of the camp at dawn after the commander kept the pay "
        "of the new recruits. Invented record {n}.")


def light_settings() -> Settings:
    settings = Settings()
    settings.reading.stages = ["segment"]
    settings.reading.batch_size = 2
    return settings


def write_shard(path: Path) -> Path:
    """Ten records on lines 1–10: ``r2`` again on line 7 (the next run of four lines),
    ``r4`` again on line 6 (the same run), and a record without an id on line 9."""
    ids = ["r0", "r1", "r2", "r3", "r4", "r4", "r2", "r7", None, "r9"]
    lines = []
    for n, record_id in enumerate(ids):
        record: dict[str, Any] = {"text": TEXT.format(n=n)}
        if record_id is not None:
            record["id"] = record_id
        lines.append(json.dumps(record))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _problems(outcomes: list[dict[str, Any]]) -> list[tuple[str, str | None, str | None]]:
    return sorted((o["locator"], o.get("code"), o.get("message")) for o in outcomes)


def test_the_pre_pass_tells_each_run_the_ids_earlier_runs_hold(tmp_path: Path) -> None:
    shard = write_shard(tmp_path / "in" / "shard.jsonl")
    planned, _ = plan_inputs([shard])
    units = mark_repeated_ids(split_units(planned, 4), Settings().ingest)
    assert [u.first_line for u in units] == [1, 5, 9]
    assert [set(u.seen_before) for u in units] == [set(), {"r2"}, set()]


@pytest.mark.parametrize("dask", [None, "local:2"])
def test_process_refuses_a_repeated_id_across_partitions_like_extract(
        tmp_path: Path, dask: str | None) -> None:
    shard = write_shard(tmp_path / "in" / "shard.jsonl")
    settings = light_settings()
    seen: list[FileOutcome] = []
    want = list(extract([shard], settings, seen.append))
    assert len(want) == 8  # r4 and r2 repeated: two lines refused

    out = tmp_path / "out"
    report = process([shard], out, settings, "fp-dup", partition_size=4, dask=dask)
    assert report.partitions == 3  # lines 1–4, 5–8, 9–10: r2's copies are apart
    assert _problems(report.problems) == _problems([o.as_dict() for o in seen])
    assert (f"{shard}:7", "bad_jsonl", "duplicate record id 'r2'") in _problems(report.problems)
    assert (f"{shard}:6", "bad_jsonl", "duplicate record id 'r4'") in _problems(report.problems)

    got = [json.loads(line) for line in (out / "extract.jsonl").read_text().splitlines()]
    assert sorted(r["source"] for r in got) == sorted(r["source"] for r in want)
    assert len({r["source"] for r in got}) == len(got) == 8
    documents = [row for part in sorted((out / "documents").glob("*.parquet"))
                 for row in pq.read_table(part).to_pylist()]
    assert len(documents) == 8
    assert sorted(r["source"] for r in documents) == sorted(r["source"] for r in want)
