"""``exitlens demo``: the pipeline on the bundled sample corpus.

The sample corpus (``exitlens/data/sample_corpus``) consists of fictional
composites written for exitlens: no real person is quoted.
"""

from __future__ import annotations

from importlib.resources import as_file, files
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .project import Project


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
    table = Table(
        "id", "title", "outlet", "kind", "fmt", "chars", "reprint of", title="Corpus summary"
    )
    for d in docs:
        table.add_row(
            str(d.id),
            escape((d.title or "")[:55]),
            escape(d.outlet or ""),
            d.kind,
            d.fmt,
            str(d.n_chars),
            ",".join(map(str, d.near_duplicates)),
        )
    out.print(table)
    by_fmt = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_format"].items()))
    by_kind = ", ".join(f"{k} {v}" for k, v in sorted(summary["by_kind"].items()))
    out.print(
        f"{summary['documents']} documents ({by_fmt}); kinds: {by_kind}; "
        f"{summary['characters']:,} characters; "
        f"{summary['near_duplicate_pairs']} near-duplicate pair(s)"
    )
    for doc_id, error in analysis.failed:
        err.print(f"[red]analysis failed[/red] document {doc_id}: {escape(error)}")
    people = Table(
        "document",
        "defector",
        "descriptor",
        "sex",
        "age",
        "origin",
        "joined",
        "left",
        "role",
        "exit",
        "outcome",
        "voice",
        title="Defectors found",
    )
    n = 0
    for rec in records:
        for d in rec["defectors"]:
            n += 1
            people.add_row(
                escape(Path(rec["source"]).name[:30]),
                escape(d["name"] or ""),
                escape((d["descriptor"] or "")[:38]),
                d["gender"] or "",
                str(d["age"] or ""),
                d["nationality"] or escape(d["origin_region"] or ""),
                str(d["joined_year"] or ""),
                str(d["left_year"] or ""),
                escape(d["role"] or ""),
                d["exit_mode"] or "",
                d["outcome"] or "",
                d.get("source_voice") or "",
            )
    out.print(people)
    codes = Table(
        "defector",
        "suggested codes (best evidence confidence)",
        title="Why they joined and left: suggestions for review",
    )
    for rec in records:
        for d in rec["defectors"]:
            best: dict[str, float] = {}
            for c in d["codes"]:
                best[c["code"]] = max(best.get(c["code"], 0.0), c["confidence"])
            label = d["name"] or d["descriptor"] or "?"
            codes.add_row(
                escape(f"{label} ({Path(rec['source']).name[:24]})"),
                escape(", ".join(f"{k} {v:.2f}" for k, v in sorted(best.items()))),
            )
    out.print(codes)
    out.print(
        f"analysed {len(analysis.analysed)} new document(s); {n} defectors in "
        f"{len(records)} analysed documents. Database: {escape(db_url)}"
    )
