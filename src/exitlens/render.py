"""Rich renderings shared by the CLI and the demo (tables, progress bars).

Everything user- or document-derived is passed through :func:`rich.markup.escape`,
so text from a testimony can never be read as console markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from .cases import is_inferred
from .project import DocumentSummary, SearchHit

if TYPE_CHECKING:
    import pandas as pd

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


def _nationality(row: dict[str, Any]) -> Any:
    """A case's nationality (else region); "SY (page)" when only inferred from the page."""
    if row.get("nationality") and is_inferred(row.get("inferred_fields"), "nationality"):
        return f"{row['nationality']} (page)"
    return row.get("nationality") or row.get("origin_region")


def _cell(value: Any) -> str:
    """A table cell: None and NaN as empty, everything escaped."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return escape(str(value))


def search_table(hits: Sequence[SearchHit], title: str | None = None) -> Table:
    """Search hits: document id, title and the snippet with its ``[match]`` markers (escaped,
    so the brackets are shown, not read as console markup)."""
    table = Table("id", "title", "snippet", title=title)
    for h in hits:
        table.add_row(str(h.document_id), _cell((h.title or "")[:50]), _cell(h.snippet))
    return table


def quotes_table(rows: Sequence[dict[str, Any]], title: str | None = None) -> Table:
    """Quote bank rows: code, speaker, case, source and the quoted span (all escaped).

    A defector's own quote that carries no coding of its own says so in the status column,
    so that it does not read as a coding whose status was lost beside the coded evidence
    it overlaps."""
    table = Table("code", "speaker", "case", "source", "published", "status", "conf.", "text",
                  title=title)
    for r in rows:
        confidence = r.get("confidence")
        table.add_row(
            _cell(r.get("code")), _cell(r.get("speaker")), _cell(r.get("case_id")),
            _cell(" / ".join(str(x) for x in (r.get("outlet"), r.get("title")) if x)[:50]),
            _cell(r.get("published")),
            _cell(r.get("status") or ("own quote" if r.get("kind") == "quote" else None)),
            "" if confidence is None or confidence != confidence else f"{confidence:.2f}",
            _cell(r.get("text")),
        )
    return table


def quotes_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """Quote bank rows as Markdown: one block quote per row with its attribution."""
    parts = []
    for r in rows:
        body = " ".join(str(r.get("text") or "").split())
        who = ", ".join(str(x) for x in (r.get("speaker"), r.get("outlet"), r.get("published"))
                        if x)
        code = f"**{r['code']}**" if r.get("code") else "*quote*"
        meta = [f"case {r['case_id']}" if r.get("case_id") is not None else "",
                f"document {r['document_id']} [{r['start']}, {r['end']})",
                str(r.get("status") or ""),
                f"{r['confidence']:.2f}" if r.get("confidence") is not None else ""]
        parts.append(f"> {body}\n\n{code} — {who}"
                     + (f" — *{r['title']}*" if r.get("title") else "")
                     + f" ({'; '.join(m for m in meta if m)})\n")
    return "\n".join(parts)


def cases_table(rows: Sequence[dict[str, Any]], title: str | None = None) -> Table:
    """One row per case: who, how many sources, the key profile fields and the flags."""
    table = Table("id", "label", "sources", "nationality", "gender", "left", "flags",
                  "merge score", title=title)
    for row in rows:
        score = row.get("merge_score")
        table.add_row(
            str(row["case_id"]),
            _cell((row["label"] or "")[:48]),
            str(row["n_sources"]),
            _cell(_nationality(row)),
            _cell(row["gender"]),
            _cell(row["left_year"]),
            _cell(", ".join(row["flags"])),
            f"{score:.2f}" if isinstance(score, float) and score == score else "",
        )
    return table


def case_detail(case: dict[str, Any]) -> list[Any]:
    """Renderables for ``exitlens cases show``: profile, sources, flags, merge reasons, codes."""
    head = Table.grid(padding=(0, 2))
    head.add_row("[bold]case[/bold]", f"{case['case_id']}: {_cell(case['label'])}")
    for name, value in case["profile"].items():
        if value is not None:
            head.add_row(name.replace("_", " "), _cell(value))
    if case["merge_score"] is not None:
        head.add_row("merge score", f"{case['merge_score']:.2f}")
    sources = Table("document", "published", "outlet", "kind", "title", "as", title="sources")
    for s in case["sources"]:
        sources.add_row(str(s["document_id"]), _cell(s["published"]), _cell(s["outlet"]),
                        _cell(s["kind"]), _cell((s["title"] or "")[:60]),
                        _cell(s["name"] or s["descriptor"]))
    parts: list[Any] = [head, sources]
    if case["merge_reasons"]:
        reasons = Table("why these sources are one person", title="merge reasons")
        for reason in case["merge_reasons"]:
            reasons.add_row(_cell(reason))
        parts.append(reasons)
    if case["flags"]:
        flags = Table("flag", "reason", "document", "span", title="credibility flags")
        for f in case["flags"]:
            span = f"{f['start']}-{f['end']}" if f["start"] is not None else ""
            flags.add_row(_cell(f["flag"]), _cell(f["reason"]), _cell(f["document_id"]), span)
        parts.append(flags)
    if case["codes"]:
        codes = Table("code", "status", "conf.", "document", "evidence", title="codes")
        for c in case["codes"]:
            codes.add_row(_cell(c["code"]), _cell(c["status"]), f"{c['confidence']:.2f}",
                          str(c["document_id"]), _cell(c["text"][:90]))
        parts.append(codes)
    return parts


def _pct(value: Any) -> str:
    return "" if value is None or value != value else f"{100 * value:.1f}"


def prevalence_table(table: pd.DataFrame, title: str | None = None,
                     group: bool = False) -> Table:
    """A prevalence table (``statistics.prevalence`` / ``breakdown``): k of n, share and
    Wilson 95 % interval per row."""
    columns = ["group"] if group else []
    out = Table(*columns, "code", "label", "k of n", "%", "95 % CI", "accepted", title=title)
    for r in table.to_dict(orient="records"):
        ci = (f"{_pct(r['ci_low'])}–{_pct(r['ci_high'])}"
              if r["ci_low"] == r["ci_low"] and r["ci_low"] is not None else "")
        cells = [_cell(r["group"])] if group else []
        out.add_row(*cells, _cell(r["key"]), _cell(r["label"]), f"{r['k']} of {r['n']}",
                    _pct(r["share"]), ci, str(r.get("n_accepted", "")))
    return out


def matrix_table(long: pd.DataFrame, title: str | None = None) -> Table:
    """The promise-versus-reality matrix: for each join motive (row) the cases that left
    for each exit reason, as "k/n" with n the cases holding that motive."""
    exits = list(dict.fromkeys(long["exit_key"]))
    out = Table("joined for ↓ / left over →", *exits, title=title)
    for join_key, block in long.groupby("join_key", sort=False):
        cells = {r["exit_key"]: f"{r['k']}/{r['n']}" for r in block.to_dict(orient="records")}
        out.add_row(_cell(join_key), *(cells.get(e, "") for e in exits))
    return out


def comparison_table(table: pd.DataFrame, title: str | None = None) -> Table:
    """Our shares beside a reference table's, with the difference and Fisher's p."""
    out = Table("key", "ours k of n", "%", "reference k of n", "%", "difference (pp, 95 % CI)",
                "p", "source", title=title)
    for r in table.to_dict(orient="records"):
        diff = r.get("difference")
        shown = "" if diff is None or diff != diff else (
            f"{100 * diff:+.1f} ({100 * r['diff_low']:+.1f} to {100 * r['diff_high']:+.1f})")
        p = r.get("p_value")
        out.add_row(_cell(r["key"]), f"{r['k']} of {r['n']}", _pct(r["share"]),
                    f"{r['ref_k']} of {r['ref_n']}", _pct(r["ref_share"]), shown,
                    "" if p is None or p != p else f"{p:.3f}", _cell(r.get("source")))
    return out
