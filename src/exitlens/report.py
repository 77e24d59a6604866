"""The HTML report: one self-contained, printable file over the case and coding frames.

Three steps, each callable on its own:

1. :func:`build_report_data` computes every table from ``cases`` and ``codings`` (the
   frames of ``Project.cases()`` / ``Project.case_codings()``), a codebook and a corpus
   summary the caller supplies, into a :class:`ReportData`;
2. :func:`render_report` turns it into HTML (Jinja2 template
   ``data/templates/report.html.j2``, autoescaped; charts drawn with matplotlib as inline
   SVG; inline CSS; no script, no external resource);
3. :func:`write_report` writes it atomically (temporary file + ``os.replace``).

Every share is printed with its k and n ("35 % (7 of 20)") and every table says what it
counts; text from documents (quotes, names, titles, outlets) is escaped by the template.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import matplotlib
import numpy as np
import pandas as pd
from markupsafe import Markup
from matplotlib.figure import Figure

from . import statistics as st
from .atomic import write_atomically
from .cases import is_inferred
from .coding.codebook import Codebook
from .coding.measured import MIN_SUPPORT
from .errors import ExitlensError
from .reference import compare, load_reference

BREAKDOWNS = st.BREAKDOWNS
QUOTE_COLUMNS = ["code", "code_label", "case_id", "case_label", "status", "confidence",
                 "coder", "text", "speaker", "title", "outlet", "published", "kind"]
_STATUS_ORDER = {"accepted": 0, "suggested": 1}


class OutputPathError(ExitlensError):
    """The report cannot be written where asked (missing folder, not a file, no access)."""

    code = "bad_output_path"


@dataclass
class ReportData:
    """Everything the report shows, computed; the template only formats it.

    ``prevalence`` / ``family_prevalence``: dimension id → :func:`statistics.prevalence`
    table by code / by family; ``breakdowns``: breakdown name → :func:`statistics.breakdown`
    table; ``promise_reality``: :func:`statistics.promise_reality` long table;
    ``comparison``: :func:`reference.compare` table; ``quotes``: the strongest quotes
    per code (:func:`strongest_quotes`); ``summary``: the corpus summary the caller supplies
    (e.g. documents, outlets, kinds, years, reprints; any dict of plain values).
    """

    summary: dict[str, Any]
    cases: pd.DataFrame
    codings: pd.DataFrame
    prevalence: dict[str, pd.DataFrame]
    family_prevalence: dict[str, pd.DataFrame] = field(default_factory=dict)
    breakdowns: dict[str, pd.DataFrame] = field(default_factory=dict)
    promise_reality: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    quotes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=QUOTE_COLUMNS))
    dimension_labels: dict[str, str] = field(default_factory=dict)
    code_labels: dict[str, str] = field(default_factory=dict)
    family_labels: dict[str, str] = field(default_factory=dict)
    title: str = "exitlens report"
    generated: str | None = None
    codebook_name: str = ""
    accepted_only: bool = False
    exclusions: list[str] = field(default_factory=list)
    measured: pd.DataFrame | None = None
    measured_note: str = ""
    profile_notes: dict[str, str] = field(default_factory=dict)
    pairs_note: str = ""  # how often the machine's (join, exit) pairs were right


# --------------------------------------------------------------------------- computing


def build_report_data(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook,
                      summary: dict[str, Any] | None = None,
                      reference: pd.DataFrame | str | Path | None = None, *,
                      accepted_only: bool = False, denominator: st.Denominator = "all",
                      include_flags: Iterable[str] | None = None,
                      exclude_flags: Iterable[str] | None = None,
                      breakdowns: Sequence[st.BreakdownBy] = BREAKDOWNS,
                      quotes_per_code: int = 3, title: str = "exitlens report",
                      generated: str | None = None, measured: pd.DataFrame | None = None,
                      measured_note: str = "") -> ReportData:
    """Compute every table of the report (no rendering; see :func:`render_report`).

    ``reference`` is a :func:`reference.load_reference` table or the path of one;
    prevalence by code and by family is compared with it. ``denominator`` applies to the
    prevalence tables and breakdowns (see :func:`statistics.prevalence`). Flag filters
    apply to every table and are reported. ``measured`` is the
    :meth:`coding.measured.MeasuredAccuracy.frame` of the models that made the
    suggestions, shown beside the cases resting on suggestions only; ``measured_note``
    says how it was measured, or why it does not apply (then ``measured`` is None).
    """
    if isinstance(reference, (str, Path)):
        reference = load_reference(reference, codebook)
    opts: dict[str, Any] = {"accepted_only": accepted_only, "include_flags": include_flags,
                            "exclude_flags": exclude_flags}
    share_opts = {**opts, "denominator": denominator}
    prevalence = {d: st.prevalence(cases, codings, codebook, by="code", dimension=d,
                                   **share_opts)
                  for d in codebook.dimensions}
    families = {d: st.prevalence(cases, codings, codebook, by="family", dimension=d,
                                 **share_opts)
                for d, dim in codebook.dimensions.items() if dim.families}
    exit_dim = "exit" if "exit" in codebook.dimensions else next(iter(codebook.dimensions))
    level: st.Level = "family" if codebook.dimensions[exit_dim].families else "code"
    tables: dict[str, pd.DataFrame] = {
        b: st.breakdown(cases, codings, codebook, breakdown=b, by=level, dimension=exit_dim,
                        **share_opts)
        for b in breakdowns}
    matrix = None
    if {"join", "exit"} <= set(codebook.dimensions):
        matrix = st.promise_reality(cases, codings, codebook, **opts)
    comparison = None
    if reference is not None:
        comparison = compare([*prevalence.values(), *families.values()], reference)
    kept, notes = st.filter_cases(cases, include_flags, exclude_flags)
    return ReportData(
        summary=dict(summary or {}), cases=kept, codings=codings, prevalence=prevalence,
        family_prevalence=families, breakdowns=tables, promise_reality=matrix,
        comparison=comparison,
        quotes=strongest_quotes(kept, codings, codebook, per_code=quotes_per_code,
                                accepted_only=accepted_only),
        dimension_labels={d: dim.label for d, dim in codebook.dimensions.items()},
        code_labels={c.id: c.label for c in codebook},
        family_labels={f: label for dim in codebook.dimensions.values()
                       for f, label in dim.families.items()},
        title=title, generated=generated, codebook_name=codebook.name,
        accepted_only=accepted_only, exclusions=notes, measured=measured,
        measured_note=measured_note, profile_notes=_profile_notes(measured, breakdowns),
        pairs_note=("" if measured is None or accepted_only
                    else str(measured.attrs.get("pairs", ""))))


# The profile field each breakdown groups cases by, when the machine reads it.
BREAKDOWN_FIELDS = {"nationality": "nationality", "region": "nationality", "gender": "gender",
                    "year_left": "left_year"}


def _profile_notes(measured: pd.DataFrame | None, breakdowns: Sequence[str]
                   ) -> dict[str, str]:
    """Breakdown → how often the machine read its profile field right (from
    ``measured.attrs["profile"]``), for the breakdowns over machine-read fields."""
    texts = measured.attrs.get("profile", {}) if measured is not None else {}
    return {b: texts[BREAKDOWN_FIELDS[b]] for b in breakdowns
            if BREAKDOWN_FIELDS.get(b) in texts and texts[BREAKDOWN_FIELDS[b]]}


def trust_rows(data: ReportData) -> list[dict[str, Any]]:
    """Per measured code: the cases whose count of it rests on unreviewed suggestions
    only, beside the measured precision and recall of those suggestions."""
    if data.measured is None:
        return []
    only_suggested = {row["key"]: int(row["n_suggested"])
                      for table in data.prevalence.values()
                      for row in table.to_dict("records")}
    return [{**row, "only_suggested": only_suggested.get(row["code"], 0)}
            for row in data.measured.to_dict("records")]


def strongest_quotes(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                     per_code: int = 3, accepted_only: bool = False) -> pd.DataFrame:
    """Top codings per code: accepted before suggested, then by confidence; never rejected.

    At most one quote per case and code (its strongest), so the quotes of a code come
    from different people, as the counts do. Columns: ``code, code_label, case_id,
    case_label, status, confidence, coder, text, speaker, title, outlet, published,
    kind``; codes in codebook order.
    """
    counted = {"accepted"} if accepted_only else {"accepted", "suggested"}
    if codings.empty:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    labels = dict(zip(cases["case_id"].astype(int), cases["label"], strict=True))
    rows = codings[codings["status"].isin(counted)
                   & codings["case_id"].astype(int).isin(labels)
                   & codings["code"].isin(list(codebook.codes))].copy()
    rows["_status"] = rows["status"].map(_STATUS_ORDER)
    if "confidence" not in rows:
        rows["confidence"] = None
    rows["_conf"] = pd.to_numeric(rows["confidence"], errors="coerce").fillna(0.0)
    rows["_order"] = rows["code"].map({c: i for i, c in enumerate(codebook.codes)})
    rows = rows.sort_values(["_order", "_status", "_conf"], ascending=[True, True, False],
                            kind="stable")
    rows = rows.drop_duplicates(["code", "case_id"])  # keeps each case's strongest
    rows = rows.groupby("code", sort=False).head(per_code)
    rows["code_label"] = rows["code"].map(lambda c: codebook.codes[c].label)
    rows["case_label"] = rows["case_id"].astype(int).map(labels)
    for col in QUOTE_COLUMNS:
        if col not in rows:
            rows[col] = None
    return rows[QUOTE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- formatting


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def pct(k: Any, n: Any) -> str:
    """'35 % (7 of 20)'; with n = 0 'no cases (0 of 0)'. The only way the report prints a share."""
    if _missing(n) or _missing(k):
        return "not in this table"
    k, n = int(k), int(n)
    if n == 0:
        return f"no cases ({k} of {n})"
    share = 100 * k / n
    text = f"{share:.0f}" if share >= 10 or share == 0 else f"{share:.1f}"
    return f"{text} % ({k} of {n})"


def interval(low: Any, high: Any) -> str:
    """Wilson interval in per cent without the sign (the column header says per cent)."""
    if _missing(low) or _missing(high):
        return "–"
    return f"{100 * float(low):.0f}–{100 * float(high):.0f}"


def points(value: Any) -> str:
    """A difference of proportions in percentage points, signed ('+4.2')."""
    if _missing(value):
        return "–"
    return f"{100 * float(value):+.1f}".replace("-", "−")


def measure(value: Any) -> str:
    """A measured precision or recall ('0.42'), '–' when not measurable."""
    if _missing(value):
        return "–"
    return f"{float(value):.2f}"


def pvalue(value: Any) -> str:
    if _missing(value):
        return "–"
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def _text(value: Any) -> str:
    """Any cell value as display text: lists joined, dicts as 'key: value', missing as ''."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(_text(v) for v in value)
    if _missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --------------------------------------------------------------------------- charts


def _svg(fig: Figure, chart_id: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None,
                                             "Type": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg"):]  # drop the XML prolog and DOCTYPE
    # Inline SVG in HTML needs no namespace declarations (and they are URLs).
    svg = re.sub(r'\s+xmlns(?::\w+)?="[^"]*"', "", svg, count=3)
    # matplotlib's element ids (figure_1, axes_1, …) repeat in every chart: prefix them
    # with the chart's id so the page has unique ids and each chart's references resolve.
    root_end = svg.index(">") + 1
    head, body = svg[:root_end], svg[root_end:]
    body = re.sub(r'\b(id="|href="#|url\(#)', rf"\g<1>{chart_id}-", body)
    return head.replace(f'id="{chart_id}"', f'id="{chart_id}" role="img"', 1) + body


def _rc(chart_id: str) -> dict[Any, Any]:
    # A salt per chart keeps hashed ids (clip paths) deterministic and distinct per chart.
    return {"svg.hashsalt": f"exitlens-{chart_id}", "svg.id": chart_id,
            "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8}


def prevalence_chart(table: pd.DataFrame, chart_id: str) -> str:
    """Horizontal bars (share of cases, per cent) with Wilson error bars and 'k of n'."""
    rows = table.iloc[::-1]
    with matplotlib.rc_context(_rc(chart_id)):
        fig = Figure(figsize=(7.0, 1.1 + 0.24 * max(len(rows), 1)), layout="constrained")
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        share = rows["share"].astype(float).fillna(0.0).to_numpy() * 100
        low = rows["ci_low"].astype(float).fillna(0.0).to_numpy() * 100
        high = rows["ci_high"].astype(float).fillna(0.0).to_numpy() * 100
        ax.barh(y, share, color="#4a78a8", height=0.65)
        ax.errorbar(share, y, xerr=[share - low, high - share], fmt="none", ecolor="#333333",
                    elinewidth=0.8, capsize=2)
        for yi, hi, k, n in zip(y, high, rows["k"], rows["n"], strict=True):
            ax.text(float(hi) + 1.5, float(yi), f"{int(k)} of {int(n)}", va="center",
                    fontsize=7)
        ax.set_yticks(y, [str(label) for label in rows["label"]])
        ax.set_xlim(0, 112)
        ax.set_xticks([0, 20, 40, 60, 80, 100])
        ax.set_xlabel("per cent of cases (bars: Wilson 95 % interval)")
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig, chart_id)


def heatmap_chart(long: pd.DataFrame, chart_id: str) -> str:
    """Promise versus reality: share of each join motive's cases citing each exit reason."""
    rows = list(dict.fromkeys(long["join_key"]))
    cols = list(dict.fromkeys(long["exit_key"]))
    share = st.as_wide(long, "share").astype(float).to_numpy()
    ks = st.as_wide(long, "k").to_numpy()
    ns = st.as_wide(long, "n").to_numpy()
    row_labels = dict(zip(long["join_key"], long["join_label"], strict=True))
    col_labels = dict(zip(long["exit_key"], long["exit_label"], strict=True))
    with matplotlib.rc_context(_rc(chart_id)):
        # Room for the labels: rotated column labels below, row labels on the left.
        below = 0.04 * max(len(str(v)) for v in col_labels.values())
        left = 0.065 * max(len(str(v)) for v in row_labels.values())
        fig = Figure(figsize=(1.0 + left + 0.55 * len(cols), 1.0 + below + 0.34 * len(rows)),
                     layout="constrained")
        ax = fig.add_subplot()
        ax.imshow(np.ma.masked_invalid(share), cmap="Blues", vmin=0, vmax=1, aspect="auto")
        for i in range(len(rows)):
            for j in range(len(cols)):
                colour = "white" if (share[i, j] or 0) > 0.6 else "#222222"
                ax.text(j, i, f"{int(ks[i, j])}/{int(ns[i, j])}", ha="center", va="center",
                        fontsize=6.5, color=colour)
        ax.set_xticks(range(len(cols)), [str(col_labels[c]) for c in cols], rotation=45,
                      ha="right")
        ax.set_yticks(range(len(rows)), [str(row_labels[r]) for r in rows])
        ax.set_xlabel("exit reason")
        ax.set_ylabel("join motive")
        return _svg(fig, chart_id)


# --------------------------------------------------------------------------- rendering


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("exitlens", "data/templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters.update(text=_text, interval=interval, points=points, pvalue=pvalue,
                       measure=measure)
    env.globals.update(pct=pct)
    return env


def render_report(data: ReportData) -> str:
    """The report as one self-contained HTML string (deterministic for the same data)."""
    dims = []
    for d, table in data.prevalence.items():
        fam = data.family_prevalence.get(d)
        dims.append({
            "id": d, "label": data.dimension_labels.get(d, d),
            "table": table.to_dict("records"), "attrs": table.attrs,
            "counts": st.counts_text(table),
            "chart": _safe_svg(prevalence_chart(table, f"chart-{d}")),
            "families": fam.to_dict("records") if fam is not None else [],
            "family_attrs": fam.attrs if fam is not None else {},
            "family_counts": st.counts_text(fam) if fam is not None else "",
            "family_chart": (_safe_svg(prevalence_chart(fam, f"chart-{d}-families"))
                             if fam is not None and len(fam) else None),
        })
    matrix = None
    if data.promise_reality is not None and len(data.promise_reality):
        long = data.promise_reality
        used = long.groupby("join_key", sort=False)["n"].max()
        long = long[long["join_key"].isin(used[used > 0].index)]
        matrix = {"attrs": data.promise_reality.attrs, "rows": long.to_dict("records"),
                  "chart": _safe_svg(heatmap_chart(long, "chart-promise-reality"))
                  if len(long) else None,
                  "dropped": int((used == 0).sum())}
    html = _environment().get_template("report.html.j2").render(
        data=data, dims=dims, matrix=matrix,
        breakdowns=[{**_breakdown_view(name, table),
                     "measured": data.profile_notes.get(name, "")}
                    for name, table in data.breakdowns.items()],
        comparison=(data.comparison.to_dict("records")
                    if data.comparison is not None else None),
        comparison_attrs=data.comparison.attrs if data.comparison is not None else {},
        cases=_case_views(data), n_cases=len(data.cases),
        quotes=_quote_views(data.quotes),
        coding_counts=_coding_counts(data.codings),
        trust=trust_rows(data), min_support=MIN_SUPPORT,
    )
    return html


def _safe_svg(svg: str) -> Markup:
    """Mark our own matplotlib SVG as safe (matplotlib escapes the text it writes)."""
    return Markup(svg)


def _breakdown_view(name: str, table: pd.DataFrame) -> dict[str, Any]:
    keys = list(dict.fromkeys(table["key"]))
    labels = dict(zip(table["key"], table["label"], strict=True))
    groups = []
    for group, rows in table.groupby("group", sort=False):
        by_key = {r["key"]: r for r in rows.to_dict("records")}
        groups.append({"group": _group_label(name, str(group)),
                       "n": table.attrs.get("groups", {}).get(group, 0),
                       "cells": [by_key[k] for k in keys]})
    return {"name": name.replace("_", " "), "columns": keys, "labels": labels,
            "groups": groups, "attrs": table.attrs}


def _group_label(breakdown: str, group: str) -> str:
    """'France (FR)' for a nationality group; other groups as they are."""
    if breakdown != "nationality" or group == st.UNKNOWN:
        return group
    import pycountry

    country = pycountry.countries.get(alpha_2=group)
    name = getattr(country, "common_name", None) or getattr(country, "name", None)
    if name is None and group == "XK":
        name = "Kosovo"
    return f"{name} ({group})" if name else group


# The report lists at most this many cases (the first by case id); every case is still
# counted, and `exitlens cases` / `exitlens export` list them all. At 100k cases the full
# list made a 73 MB page that took minutes to write.
MAX_LISTED_CASES = 1000


def _case_views(data: ReportData, limit: int | None = None) -> list[dict[str, Any]]:
    limit = MAX_LISTED_CASES if limit is None else limit
    counted = {"accepted"} if data.accepted_only else {"accepted", "suggested"}
    listed = data.cases if len(data.cases) <= limit else \
        data.cases.sort_values("case_id").head(limit)
    ids = set(listed["case_id"].astype(int)) if not listed.empty else set()
    codings = data.codings[data.codings["case_id"].isin(ids)] if ids else data.codings.head(0)
    codes: dict[int, dict[str, str]] = {}
    for row in codings.to_dict("records"):
        if row["status"] in counted:
            cited = codes.setdefault(int(row["case_id"]), {})
            if cited.get(row["code"]) != "accepted":
                cited[row["code"]] = row["status"]
    views = []
    for row in listed.to_dict("records"):
        profile = [(name, _text(row.get(col))) for name, col in (
            ("gender", "gender"), ("nationality", "nationality"), ("region", "origin_region"),
            ("age", "age"), ("joined", "joined_year"), ("left", "left_year"),
            ("role", "role"), ("exit", "exit_mode"), ("outcome", "outcome"))]
        profile = [(k, f"{v} (only the page's country)" if v and k == "nationality"
                    and is_inferred(row.get("inferred_fields"), "nationality") else v)
                   for k, v in profile]
        details = [d for d in st._as_list(row.get("flag_details")) if isinstance(d, dict)]
        flags = [{"flag": d.get("flag", ""), "reason": d.get("reason", "")} for d in details]
        flagged = {f["flag"] for f in flags}
        flags += [{"flag": f, "reason": ""} for f in st._as_list(row.get("flags"))
                  if f not in flagged]
        cited = codes.get(int(row["case_id"]), {})
        views.append({
            "case_id": row["case_id"], "label": row.get("label"),
            "descriptor": _text(row.get("descriptor")),
            "names": _text(row.get("names")),
            "profile": [(k, v) for k, v in profile if v],
            "n_sources": row.get("n_sources"), "outlets": _text(row.get("outlets")),
            "first_published": _text(row.get("first_published")),
            "merge_reasons": _text(row.get("merge_reasons")),
            "flags": flags,
            "codes": [(data.code_labels.get(c, c), s) for c, s in sorted(cited.items())],
        })
    return views


def _quote_views(quotes: pd.DataFrame) -> list[dict[str, Any]]:
    views: list[dict[str, Any]] = []
    for code, rows in quotes.groupby("code", sort=False):
        views.append({"code": code, "label": rows["code_label"].iloc[0],
                      "quotes": [{k: _text(v) if k != "confidence" else
                                  (None if _missing(v) else float(v))
                                  for k, v in r.items()} for r in rows.to_dict("records")]})
    return views


def _coding_counts(codings: pd.DataFrame) -> dict[str, int]:
    counts = codings["status"].value_counts() if len(codings) else pd.Series(dtype=int)
    return {s: int(counts.get(s, 0)) for s in ("accepted", "suggested", "rejected")}


# --------------------------------------------------------------------------- writing


def write_report(html: str, path: str | Path) -> Path:
    """Write the report atomically: a temporary file beside it, then ``os.replace``.

    A missing folder (or a path that is a folder) raises :class:`OutputPathError`
    (``bad_output_path``); no partial file is ever left behind.
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputPathError(f"the folder {str(folder)!r} does not exist; create it first",
                              where=str(target))
    if target.is_dir():
        raise OutputPathError("the output path is a folder; give a file name such as "
                              "report.html", where=str(target))
    return write_atomically(target, lambda fh: fh.write(html), error=lambda reason: (
        OutputPathError(f"cannot write the report: {reason}", where=str(target))))
