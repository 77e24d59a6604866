"""``exitlens process``: the pipeline over many files on a Dask cluster, into Parquet.

The client plans the input (folders and manifests expanded, large JSONL files cut into runs
of lines), groups it into partitions and hands each partition to a worker as one task
(``client.map`` over partitions, never one task per document). Workers write the
partition's files under temporary names and rename them when whole; a task whose worker
dies is run again elsewhere (``retries``), and since every file is named by its partition
and replaced whole, no row is ever written twice. When every partition is done the client
joins the per-partition ``extract.jsonl`` pieces into ``DIR/extract.jsonl`` and writes
``DIR/process.json`` (both atomically); ``exitlens load`` requires the latter.

Output folder::

    DIR/documents/part-00000.parquet   one row per document (text, provenance, notes)
    DIR/persons/part-00000.parquet     one row per person found (profile as JSON)
    DIR/quotes/…  DIR/codings/…        quotes; codings with spans and confidence
    DIR/records/part-00000.jsonl       SPEC §3 records of the partition
    DIR/outcomes/part-00000.json       counts, unreadable inputs, notes
    DIR/extract.jsonl                  all SPEC §3 records (any order)
    DIR/process.json                   the run: fingerprint, counts, problems
    DIR/plan.json                      the partitions (a rerun resumes the same plan)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import math
import os
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ExitlensError
from ..ingest.inputs import (
    FileOutcome,
    InputUnit,
    mark_repeated_ids,
    plan_inputs,
    split_units,
)
from .tables import OUTCOMES_DIR, RECORDS_DIR, TABLES, TMP_MARK, part_paths
from .work import Partition, run_partition

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "process.json"
PLAN = "plan.json"
EXTRACT = "extract.jsonl"
RETRIES = 2  # a partition whose worker dies or fails is tried this many more times


class ProcessError(ExitlensError):
    """A run that cannot start or did not finish (see ``code``)."""


@dataclass
class ProcessReport:
    out_dir: Path
    fingerprint: str
    partitions: int = 0
    resumed: int = 0  # partitions already done by an earlier run
    documents: int = 0
    defectors: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)  # unreadable inputs
    failed: list[dict[str, Any]] = field(default_factory=list)  # documents the pipeline failed on
    notes: list[dict[str, Any]] = field(default_factory=list)  # language_not_covered …
    workers: int = 1
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT, "out_dir": str(self.out_dir), "fingerprint": self.fingerprint,
            "partitions": self.partitions, "resumed": self.resumed,
            "documents": self.documents, "defectors": self.defectors,
            "problems": self.problems, "failed": self.failed, "notes": self.notes,
            "workers": self.workers, "seconds": round(self.seconds, 2),
        }


# ------------------------------------------------------------------ partitions


def make_partitions(units: Sequence[InputUnit], size: int, min_partitions: int = 1
                    ) -> list[Partition]:
    """Group input units into partitions of about ``size`` documents: each run of a split
    JSONL file is a partition, other files are grouped ``size`` at a time (fewer when that
    would leave workers idle: at least ``min_partitions`` partitions when there are as
    many files)."""
    whole = [u for u in units if not u.is_slice]
    per = max(1, min(size, math.ceil(len(whole) / max(1, min_partitions)))) if whole else 1
    groups: list[list[InputUnit]] = [[u] for u in units if u.is_slice]
    groups += [whole[i : i + per] for i in range(0, len(whole), per)]
    return [Partition(f"part-{i:05d}", group) for i, group in enumerate(groups)]


def _plan_record(partitions: Sequence[Partition], fingerprint: str) -> dict[str, Any]:
    body = [[p.name, p.describe()] for p in partitions]
    digest = hashlib.sha256(json.dumps([fingerprint, body]).encode()).hexdigest()
    return {"format": FORMAT, "digest": digest, "fingerprint": fingerprint,
            "partitions": body}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + f"{TMP_MARK}{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _prepare_out_dir(out_dir: Path, plan: dict[str, Any]) -> None:
    """A new or empty folder gets the plan; a folder holding the same plan is resumed; any
    other content is refused (rows of another run would be mixed in)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ProcessError("not a folder", code="bad_output_path", where=str(out_dir))
    out_dir.mkdir(parents=True, exist_ok=True)
    plan_path = out_dir / PLAN
    if plan_path.is_file():
        try:
            old = json.loads(plan_path.read_text(encoding="utf-8"))
        except ValueError:
            old = {}
        if old.get("digest") == plan["digest"]:
            return
        raise ProcessError(
            "holds the output of another run (other inputs or settings); give an empty or "
            "new folder", code="output_in_use", where=str(out_dir))
    if any(out_dir.iterdir()):
        raise ProcessError("folder is not empty; give an empty or new folder",
                           code="output_in_use", where=str(out_dir))
    _write_atomic(plan_path, json.dumps(plan, ensure_ascii=False, indent=1) + "\n")


# ------------------------------------------------------------------ cluster


@contextlib.contextmanager
def dask_client(spec: str) -> Iterator[Any]:
    """A ``distributed.Client`` for ``local:N`` (a local cluster of N single-threaded worker
    processes, closed afterwards) or a scheduler address (``tcp://host:8786``)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency
        raise ProcessError("dask[distributed] is not installed", code="dask_missing") from None
    if not logging.getLogger().isEnabledFor(logging.INFO):
        # distributed logs every connection at INFO through its own handler; keep quiet
        # unless asked (--verbose).
        logging.getLogger("distributed").setLevel(logging.ERROR)
    if spec.startswith("local:"):
        try:
            n = int(spec.removeprefix("local:"))
        except ValueError:
            n = 0
        if n < 1:
            raise ProcessError(f"{spec!r}: expected local:N with N ≥ 1", code="bad_dask_address")
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.WARNING)
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(spec, timeout="20s")
    except OSError as exc:
        raise ProcessError(f"cannot reach the Dask scheduler: {exc}", code="dask_unreachable",
                           where=spec) from None
    try:
        yield client
    finally:
        client.close()


def worker_count(client: Any) -> int:
    return max(1, sum(client.nthreads().values()))


def map_partitions(client: Any, func: Callable[..., Any], items: Sequence[Any],
                   **kwargs: Any) -> Iterator[tuple[Any, Any]]:
    """``func(item, **kwargs)`` for every item on the cluster, one task per item (a
    partition), retried on failure; yields ``(item, result or exception)`` as they finish."""
    from distributed import as_completed

    futures = client.map(func, items, retries=RETRIES, pure=False, **kwargs)
    index = {f.key: item for f, item in zip(futures, items, strict=True)}
    for future in as_completed(futures):
        item = index[future.key]
        try:
            yield item, future.result()
        except Exception as exc:
            yield item, exc
        finally:
            future.release()


# ------------------------------------------------------------------ the run


def process(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    settings: Settings,
    fingerprint: str,
    *,
    dask: str | None = None,
    partition_size: int = 200,
    batch_size: int | None = None,
    on_planned: Callable[[int], None] | None = None,
    on_partition: Callable[[dict[str, Any]], None] | None = None,
) -> ProcessReport:
    """Run ingest + read + code over ``paths`` into ``out_dir``; see the module docstring.

    ``settings`` are the pipeline settings (model folder filled in) and ``fingerprint`` the
    analysis fingerprint they give (stored in ``process.json`` and by ``load``). ``dask``:
    ``local:N``, a scheduler address, or None to run the partitions in this process.
    """
    start = datetime.now(UTC)
    out = Path(out_dir)
    if partition_size < 1:
        raise ProcessError("partition size must be at least 1", code="bad_option")
    planned, early = plan_inputs(paths)
    report = ProcessReport(out, fingerprint)
    report.problems.extend(o.as_dict() for o in early)
    with contextlib.ExitStack() as stack:
        client = stack.enter_context(dask_client(dask)) if dask else None
        report.workers = worker_count(client) if client is not None else 1
        # Runs of one JSONL file land in different partitions: each learns the record
        # ids earlier runs hold, so a repeated id is refused as `extract` refuses it.
        units = mark_repeated_ids(split_units(planned, partition_size), settings.ingest)
        partitions = make_partitions(units, partition_size, min_partitions=report.workers)
        _prepare_out_dir(out, _plan_record(partitions, fingerprint))
        report.partitions = len(partitions)
        if on_planned:
            on_planned(len(partitions))
        todo = [p for p in partitions if not part_paths(out, p.name)[RECORDS_DIR].is_file()]
        report.resumed = len(partitions) - len(todo)
        errors: list[str] = []
        results: Iterator[tuple[Any, Any]]
        if client is None:
            results = ((p, _run_here(p, settings, out, batch_size)) for p in todo)
        else:
            results = map_partitions(client, run_partition, todo, settings=settings,
                                     out_dir=str(out), batch_size=batch_size)
        for partition, result in results:
            if isinstance(result, BaseException):
                log.warning("partition %s failed: %s", partition.name, type(result).__name__)
                errors.append(f"{partition.name} ({type(result).__name__}: {result})")
                continue
            if on_partition:
                on_partition(result)
    _remove_temporaries(out)
    if errors:
        raise ProcessError(
            f"{len(errors)} of {len(partitions)} partitions failed: {'; '.join(errors[:3])}"
            f"{' …' if len(errors) > 3 else ''}; run the same command again to finish them",
            code="partition_failed", where=str(out))
    for partition in partitions:  # totals from every partition, including resumed ones
        summary = json.loads(part_paths(out, partition.name)[OUTCOMES_DIR]
                             .read_text(encoding="utf-8"))
        report.documents += summary["documents"]
        report.defectors += summary["defectors"]
        report.problems.extend(summary["problems"])
        report.failed.extend(summary["failed"])
        report.notes.extend(summary["notes"])
    _join_records(out, partitions)
    report.seconds = (datetime.now(UTC) - start).total_seconds()
    manifest = {**report.as_dict(), "created": start.isoformat(timespec="seconds"),
                "tables": list(TABLES), "stages": list(settings.reading.stages)}
    _write_atomic(out / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return report


def _run_here(partition: Partition, settings: Settings, out: Path,
              batch_size: int | None) -> dict[str, Any] | BaseException:
    try:
        return run_partition(partition, settings, str(out), batch_size)
    except ExitlensError:
        raise
    except Exception as exc:
        return exc


def _join_records(out: Path, partitions: Sequence[Partition]) -> None:
    """``DIR/extract.jsonl`` from the partitions' pieces, streamed, renamed when whole."""
    target = out / EXTRACT
    tmp = target.with_name(target.name + f"{TMP_MARK}{os.getpid()}")
    with tmp.open("wb") as sink:
        for partition in partitions:
            with part_paths(out, partition.name)[RECORDS_DIR].open("rb") as piece:
                shutil.copyfileobj(piece, sink)
    os.replace(tmp, target)


def _remove_temporaries(out: Path) -> None:
    """Files a lost worker left under temporary names (never read by anyone)."""
    for sub in (*TABLES, OUTCOMES_DIR, RECORDS_DIR):
        folder = out / sub
        if folder.is_dir():
            for path in folder.iterdir():
                if TMP_MARK in path.name:
                    path.unlink(missing_ok=True)


def problems_as_outcomes(report: ProcessReport) -> list[FileOutcome]:
    """The unreadable inputs of a run as ingest outcomes (for printing)."""
    return [FileOutcome(p["locator"], p["status"], code=p.get("code"), message=p.get("message"))
            for p in report.problems]
