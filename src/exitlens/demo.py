"""``exitlens demo``: the pipeline on the bundled sample corpus.

The sample corpus (``exitlens/data/sample_corpus``) consists of fictional
composites written for exitlens: no real person is quoted.
"""

from __future__ import annotations

import os
import time
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape

from .project import Project
from .render import (
    cases_table,
    comparison_table,
    count_defectors,
    defectors_table,
    documents_table,
    matrix_table,
    prevalence_table,
)
from .statistics import counts_text

if TYPE_CHECKING:
    import pandas as pd

REFERENCE = "sixty-narratives"


def sample_corpus_dir() -> Path:
    """The bundled sample corpus folder (inside the installed package)."""
    resource = files("exitlens") / "data" / "sample_corpus"
    with as_file(resource) as path:
        return Path(path)


def run_demo(
    out_dir: Path, db: str | None, config: Path | None, out: Console, err: Console
) -> None:
    """ingest → analyze (cases resolved at its end) → cases → stats → report, on the
    bundled sample corpus; tables and the report are written into ``out_dir``."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    db_url = db or str(out_dir / "exitlens-demo.db")
    corpus = sample_corpus_dir()
    out.print(
        f"[bold]exitlens demo[/bold]: sample corpus {escape(str(corpus))} (fictional composites)"
    )
    out.print(f"database: {escape(db_url)}")
    with Project.open(db_url, settings=config) as project:
        report = project.ingest([corpus])
        for o in report.failures:
            err.print(f"[red]failed[/red] {escape(o.locator)}: {escape(o.message or '')}")
        s = report.as_dict()
        out.print(
            f"ingest: added {s['added']}, already there {s['unchanged']}, duplicates "
            f"{s['duplicate']}, failed {s['failed']}, near-duplicate links "
            f"{s['near_duplicate_links']}"
        )
        summary = project.summary()
        docs = project.documents()
        analysis = project.analyze()
        records = list(project.records())
        cases = project.cases()
        exit_table = project.prevalence(by="code", dimension="exit")
        join_table = project.prevalence(by="code", dimension="join")
        families = project.prevalence(by="family", dimension="exit")
        comparison = project.compare_reference(REFERENCE)
        matrix = project.promise_reality(exit_by="family")
        report_path = project.report(out_dir / "report.html", reference=REFERENCE,
                                     title="exitlens demo: the fictional sample corpus")
        codings = project.case_codings()
        open_near_misses = project.near_miss_queue(limit=0)[1]
        to_check = project.defector_queue(limit=0)[1]
        possible = project.possible_defectors(limit=0)[1]
    out.print(documents_table(docs, title="Corpus summary"))
    by_fmt = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_format"].items()))
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_kind"].items()))
    out.print(
        f"{summary['documents']} documents ({by_fmt}); kinds: {by_kind}; "
        f"{summary['characters']:,} characters; "
        f"{summary['near_duplicate_pairs']} near-duplicate pair(s)"
    )
    for doc_id, error in analysis.failed:
        err.print(f"[red]analysis failed[/red] document {doc_id}: {escape(error)}")
    out.print(defectors_table(records, title="Defectors found"))
    case_rows = [dict(r) for r in cases.to_dict(orient="records")]
    out.print(cases_table(case_rows, title="Cases: one real person across documents"))
    n_defectors = count_defectors(records)
    out.print(f"{n_defectors} defectors in {len(records)} analysed documents → "
              f"{len(cases)} cases ({int((cases['n_sources'] > 1).sum())} told by several "
              "documents). Every figure below counts cases.")
    for title, table in (("Why they left (exit reasons)", exit_table),
                         ("Why they joined (join motives)", join_table),
                         ("Exit reasons by family", families)):
        out.print(prevalence_table(table, title=title))
        out.print(escape(table.attrs["denominator"]))
        out.print(escape(counts_text(table)))
    out.print(comparison_table(comparison, title="Compared with the 60-narrative study"))
    out.print(matrix_table(matrix, title="Promise versus reality: joined for (rows) × left over "
                           "(exit families), k cases of the n with that motive"))
    tables = {"cases.csv": cases, "case_codings.csv": codings,
              "prevalence_exit.csv": exit_table, "prevalence_join.csv": join_table,
              "prevalence_families.csv": families, "comparison.csv": comparison,
              "promise_reality.csv": matrix}
    for name, frame in tables.items():
        write_csv(frame, out_dir / name)
    out.print(f"tables: {escape(', '.join(tables))} in {escape(str(out_dir))}")
    out.print(f"[bold]report:[/bold] {escape(str(report_path))} (open it in a browser; "
              f"it prints as it looks). Demo took {time.perf_counter() - started:.1f} s.")
    out.print(f"review: {len(codings)} machine codings, {open_near_misses} possible "
              "missed codes (codes the classifier leaned towards without suggesting them), "
              f"{to_check} defectors and {possible} possible defectors to check (per "
              "document, the likeliest person not called one) wait for a reviewer in the "
              "web app (`exitlens serve`, see the README). Answer both code lists: "
              "rejecting wrong suggestions alone makes the shares run low.")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table as CSV atomically (a temporary file renamed when complete)."""
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path
