"""Partitions, their files and their retries, without a cluster (fast: no models loaded)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from exitlens.config import Settings
from exitlens.ingest.inputs import split_units
from exitlens.ingest.runner import plan_inputs
from exitlens.process import ProcessError, process
from exitlens.process.run import make_partitions
from exitlens.process.tables import TMP_MARK, PartWriter, part_paths
from exitlens.process.work import Partition, run_partition

TEXT = ("Mira Lazic, who left the brigade in the winter, said the fighters were sent to the "
        "front without food while the emirs stayed in the villas. Record {n}.")


def light_settings() -> Settings:
    settings = Settings()
    settings.reading.stages = ["segment"]
    settings.reading.batch_size = 2
    return settings


def write_inputs(folder: Path, n_files: int = 3, n_records: int = 9) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_files):
        (folder / f"note-{i}.txt").write_text(TEXT.format(n=f"file {i}"), encoding="utf-8")
    (folder / "shard.jsonl").write_text(
        "\n".join(json.dumps({"id": f"s{i}", "text": TEXT.format(n=i)})
                  for i in range(n_records)) + "\n", encoding="utf-8")
    return folder


def rows(path: Path) -> list[dict[str, object]]:
    return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]


def test_partitions_split_shards_by_lines_and_group_files(tmp_path: Path) -> None:
    planned, _ = plan_inputs([write_inputs(tmp_path / "in", n_files=5, n_records=9)])
    units = list(split_units(planned, 4))
    parts = make_partitions(units, size=4, min_partitions=2)
    slices = [p for p in parts if p.units[0].is_slice]
    assert [u.first_line for p in slices for u in p.units] == [1, 5, 9]
    files = [p for p in parts if not p.units[0].is_slice]
    assert sorted(len(p.units) for p in files) == [2, 3]  # 5 files over at least 2 tasks
    assert len({p.name for p in parts}) == len(parts)


def test_process_in_one_process_writes_every_table_once(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    report = process([inputs], out, light_settings(), "fp-1", partition_size=4)
    assert report.documents == 12 and report.partitions >= 3
    documents = [r for p in sorted((out / "documents").glob("*.parquet")) for r in rows(p)]
    assert len(documents) == 12 and len({r["source"] for r in documents}) == 12
    records = [json.loads(line) for line in (out / "extract.jsonl").read_text().splitlines()]
    assert sorted(r["source"] for r in records) == sorted(str(r["source"]) for r in documents)
    manifest = json.loads((out / "process.json").read_text())
    assert manifest["fingerprint"] == "fp-1" and manifest["documents"] == 12
    assert not [p for p in out.rglob("*") if TMP_MARK in p.name]
    # The same command again resumes: nothing is redone, nothing added.
    again = process([inputs], out, light_settings(), "fp-1", partition_size=4)
    assert again.resumed == again.partitions and again.documents == 12
    assert sum(len(rows(p)) for p in (out / "documents").glob("*.parquet")) == 12


def test_a_folder_holding_another_run_is_refused(tmp_path: Path) -> None:
    inputs = write_inputs(tmp_path / "in")
    out = tmp_path / "out"
    process([inputs], out, light_settings(), "fp-1", partition_size=4)
    with pytest.raises(ProcessError) as info:
        process([inputs], out, light_settings(), "fp-2", partition_size=4)
    assert info.value.code == "output_in_use"
    other = tmp_path / "not-empty"
    other.mkdir()
    (other / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProcessError) as info:
        process([inputs], other, light_settings(), "fp-1")
    assert info.value.code == "output_in_use"


def test_a_retried_partition_never_duplicates_rows(tmp_path: Path) -> None:
    """An attempt killed mid-partition leaves only temporary files; the retry writes the
    partition whole once, and a retry of a finished partition changes nothing."""
    planned, _ = plan_inputs([write_inputs(tmp_path / "in", n_files=3, n_records=0)])
    (partition,) = make_partitions(list(split_units(planned, 10)), size=10)
    out = tmp_path / "out"
    lost = PartWriter(out, partition.name)  # an attempt whose worker died while writing
    lost._records.write('{"half": ')
    summary = run_partition(partition, light_settings(), str(out))
    assert summary["documents"] == 3
    final = part_paths(out, partition.name)
    assert len(rows(final["documents"])) == 3
    assert len(final["records"].read_text().splitlines()) == 3
    stamp = os.stat(final["documents"]).st_mtime_ns
    assert run_partition(partition, light_settings(), str(out)) == summary
    assert os.stat(final["documents"]).st_mtime_ns == stamp
    assert [p.name for p in (out / "records").iterdir() if TMP_MARK in p.name]  # the lost one


def test_a_failing_partition_leaves_no_file_that_looks_complete(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import exitlens.process.work as work

    planned, _ = plan_inputs([write_inputs(tmp_path / "in", n_files=2, n_records=0)])
    partition = Partition("part-00000", list(split_units(planned, 10)))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(work, "reading_rows", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError):
        run_partition(partition, light_settings(), str(out))
    assert [p for p in out.rglob("*") if p.is_file()] == []
