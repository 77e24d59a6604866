"""Scale figures on generated fictional documents (printed, not a timed test).

1. stage by stage: docs/s and words/s of reading the input and of every pipeline stage;
2. the whole pipeline's time over a bare spaCy ``nlp.pipe`` pass on the same paragraphs,
   measured in the same run (models warmed up first, so loading is not counted);
3. ``exitlens process`` in this process, on a local Dask cluster of 1 worker and of 2
   (wall time including cluster start and model loading in the workers);
4. peak RSS of ``exitlens extract`` (a fresh process each) at 1k and 10k documents
   (100k with ``--rss-100k``).

    python benchmarks/bench_scale.py                # 1k documents
    python benchmarks/bench_scale.py --docs 10000   # 10k
    python benchmarks/bench_scale.py --only stages,dask --docs 200

The documents come from ``benchmarks/generated.py`` (templates and random names, never
labelled texts). On a shared 2-core machine a cluster cannot beat one process: the Dask
figures show the overhead of the route, not a speed-up.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from generated import generate, write_jsonl

from exitlens.config import Settings, resolve_db_url
from exitlens.extract import read_documents
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline
from exitlens.project import Project
from exitlens.reading.nlp import load_spacy
from exitlens.reading.segment import paragraphs

ROOT = Path(__file__).resolve().parents[1]


def stages(path: Path, n: int) -> None:
    settings = Project.settings_for(None, Settings())
    started = time.perf_counter()
    docs: list[Document] = list(read_documents([path], settings, lambda o: None))
    t_read = time.perf_counter() - started
    words = sum(len(d.text.split()) for d in docs)
    pipe = Pipeline(list(settings.reading.stages), settings)
    pipe.run_batch(docs[:2])  # warm up: models loaded
    times: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)  # process CPU time, all threads
    size = settings.reading.batch_size
    for i in range(0, len(docs), size):
        readings = [DocumentReading(document=d) for d in docs[i : i + size]]
        for stage in pipe.stages:
            t0, c0 = time.perf_counter(), time.process_time()
            stage.process(readings, pipe.context)
            times[stage.name] += time.perf_counter() - t0
            cpu[stage.name] += time.process_time() - c0
    nlp = load_spacy(settings.reading.spacy_model)
    paras = [p.text_of(d.text) for d in docs for p in paragraphs(d.text)]
    list(nlp.pipe(paras[:5]))
    t0, c0 = time.perf_counter(), time.process_time()
    list(nlp.pipe(paras, batch_size=50))
    t_spacy, c_spacy = time.perf_counter() - t0, time.process_time() - c0
    total, total_cpu = sum(times.values()), sum(cpu.values())
    print(f"\n== stages: {n} generated documents, {words:,} words, batch {size}")
    print(f"{'stage':<12}{'wall s':>9}{'CPU s':>8}{'docs/s':>10}{'words/s':>11}{'share':>8}")
    print(f"{'read input':<12}{t_read:9.2f}{'':>8}{n / t_read:10.1f}{words / t_read:11,.0f}")
    for name, seconds in times.items():
        print(f"{name:<12}{seconds:9.2f}{cpu[name]:8.2f}{n / seconds:10.1f}"
              f"{words / seconds:11,.0f}{seconds / total:8.0%}")
    print(f"{'pipeline':<12}{total:9.2f}{total_cpu:8.2f}{n / total:10.1f}{words / total:11,.0f}")
    print(f"bare spaCy nlp.pipe over the same {len(paras)} paragraphs: {t_spacy:.2f} s wall, "
          f"{c_spacy:.2f} s CPU ({words / t_spacy:,.0f} words/s)")
    print(f"whole pipeline / bare spaCy: {total / t_spacy:.2f}x wall, "
          f"{total_cpu / c_spacy:.2f}x CPU (issue target <= 1.5x); stages after spaCy / "
          f"spaCy: {(total - times.get('nlp', 0)) / t_spacy:.2f}x wall, "
          f"{(total_cpu - cpu.get('nlp', 0)) / c_spacy:.2f}x CPU")


def dask_routes(path: Path, n: int, partition_size: int) -> None:
    from exitlens.analyze_steps import fingerprint
    from exitlens.process import process

    raw = Settings()
    settings = Project.settings_for(None, raw)
    fp = fingerprint(raw, resolve_db_url(None))
    print(f"\n== exitlens process: {n} documents, partitions of {partition_size} "
          "(wall time including cluster start and model loading)")
    for route in (None, "local:1", "local:2"):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            report = process([path], Path(tmp) / "out", settings, fp, dask=route,
                             partition_size=partition_size)
            seconds = time.perf_counter() - t0
        print(f"{route or 'single process':<16}{seconds:8.1f} s  {n / seconds:6.1f} docs/s  "
              f"({report.partitions} partitions, {report.documents} documents)")


RSS_CHILD = """
import resource, sys
from exitlens.extract import extract
from exitlens.project import Project
settings = Project.settings_for(None, None)
if len(sys.argv) > 2:
    settings.reading.stages = sys.argv[2].split(",")
n = sum(1 for _ in extract([sys.argv[1]], settings, lambda o: None))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss(tmp: Path, sizes: list[int], stages: str | None = None) -> None:
    what = f"stages {stages} only" if stages else "the whole pipeline, models included"
    print(f"\n== peak RSS of extract (a fresh process each; {what})")
    # The exitlens being measured: $PYTHONPATH when set (to compare versions), else ours.
    env = {**os.environ, "PYTHONPATH": os.environ.get("PYTHONPATH") or str(ROOT / "src")}
    for n in sizes:
        path = write_jsonl(tmp / f"rss-{n}.jsonl", n)
        t0 = time.perf_counter()
        argv = [sys.executable, "-c", RSS_CHILD, str(path), *([stages] if stages else [])]
        out = subprocess.run(argv, env=env,
                             capture_output=True, text=True, check=True).stdout.split()
        seconds = time.perf_counter() - t0
        count, kb = int(out[0]), int(out[1])
        print(f"{n:>7} documents: peak RSS {kb / 1024:7.0f} MB  ({count} records, "
              f"{seconds:.0f} s, input {path.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--only", default="stages,dask,rss")
    parser.add_argument("--partition-size", type=int, default=50)
    parser.add_argument("--rss-sizes", default="1000,10000")
    parser.add_argument("--rss-100k", action="store_true", help="also 100k documents")
    parser.add_argument("--rss-stages", default=None,
                        help="comma-separated stages for the RSS runs (e.g. segment: the "
                        "streaming machinery without the models' cost)")
    args = parser.parse_args()
    only = set(args.only.split(","))
    print(f"exitlens bench_scale on {os.cpu_count()} CPUs; generated fictional documents")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = write_jsonl(tmp / "corpus.jsonl", args.docs)
        words = sum(len(r["text"].split()) for r in generate(args.docs))
        print(f"{args.docs} documents, {words:,} words ({words / args.docs:.0f} per document)")
        if "stages" in only:
            stages(path, args.docs)
        if "dask" in only:
            dask_routes(path, args.docs, args.partition_size)
        if "rss" in only:
            sizes = [int(s) for s in args.rss_sizes.split(",")]
            peak_rss(tmp, sizes + ([100_000] if args.rss_100k else []), args.rss_stages)


if __name__ == "__main__":
    main()
