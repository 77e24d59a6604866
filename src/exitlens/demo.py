"""``exitlens demo``: the pipeline on the bundled sample corpus.

The sample corpus (``exitlens/data/sample_corpus``) consists of fictional
composites written for exitlens: no real person is quoted.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from .project import Project
from .render import codes_table, count_defectors, defectors_table, documents_table


def sample_corpus_dir() -> Path:
    """The bundled sample corpus folder (inside the installed package)."""
    resource = files("exitlens") / "data" / "sample_corpus"
    with as_file(resource) as path:
        return Path(path)


def run_demo(
    out_dir: Path, db: str | None, config: Path | None, out: Console, err: Console
) -> None:
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
    out.print(codes_table(records, title="Why they joined and left: suggestions for review"))
    n_defectors = count_defectors(records)
    out.print(
        f"analysed {len(analysis.analysed)} new document(s); {n_defectors} defectors in "
        f"{len(records)} analysed documents. Database: {escape(db_url)}"
    )
