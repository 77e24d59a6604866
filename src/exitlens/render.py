"""Rich renderings shared by the CLI and the demo (tables, progress bars).

Everything user- or document-derived is passed through :func:`rich.markup.escape`,
so text from a testimony can never be read as console markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .project import DocumentSummary

ProgressHooks = tuple[Callable[[int], None], Callable[[Any], None]]


@contextmanager
def progress_hooks(console: Console, label: str, show: bool) -> Iterator[ProgressHooks | None]:
    """``(on_planned, on_item)`` callbacks driving a transient progress bar, or None."""
    if not show:
        yield None
        return
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)
        yield (lambda n: bar.update(task, total=n)), (lambda _item: bar.advance(task))


def documents_table(docs: Sequence[DocumentSummary], title: str | None = None) -> Table:
    table = Table(
        "id", "title", "outlet", "published", "kind", "fmt", "lang", "chars", "reprint of",
        title=title,
    )
    for d in docs:
        table.add_row(
            str(d.id),
            escape((d.title or "")[:60]),
            escape(d.outlet or ""),
            escape(d.published or ""),
            d.kind,
            d.fmt,
            d.language or "",
            str(d.n_chars),
            ",".join(map(str, d.near_duplicates)),
        )
    return table


def defectors_table(records: Sequence[dict[str, Any]], title: str | None = None) -> Table:
    """One row per defector of SPEC §3 records: who they are and how they left."""
    table = Table(
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
        title=title,
    )
    for rec in records:
        for d in rec["defectors"]:
            table.add_row(
                escape(Path(rec["source"]).name[:30]),
                escape(d["name"] or ""),
                escape((d["descriptor"] or "")[:38]),
                d["gender"] or "",
                str(d["age"] or ""),
                escape(d["nationality"] or d["origin_region"] or ""),
                str(d["joined_year"] or ""),
                str(d["left_year"] or ""),
                escape(d["role"] or ""),
                d["exit_mode"] or "",
                d["outcome"] or "",
                d.get("source_voice") or "",
            )
    return table


def codes_table(records: Sequence[dict[str, Any]], title: str | None = None) -> Table:
    """One row per defector: suggested codes with the best confidence among their spans."""
    table = Table("defector", "suggested codes (best evidence confidence)", title=title)
    for rec in records:
        for d in rec["defectors"]:
            best: dict[str, float] = {}
            for c in d["codes"]:
                best[c["code"]] = max(best.get(c["code"], 0.0), c["confidence"])
            label = d["name"] or d["descriptor"] or "?"
            table.add_row(
                escape(f"{label} ({Path(rec['source']).name[:24]})"),
                escape(", ".join(f"{k} {v:.2f}" for k, v in sorted(best.items()))),
            )
    return table


def count_defectors(records: Sequence[dict[str, Any]]) -> int:
    return sum(len(r["defectors"]) for r in records)
