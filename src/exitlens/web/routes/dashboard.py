"""``/``: the dashboard — prevalence with intervals, promise versus reality, the
accepted-only switch, and a search box; ``/charts/*.svg``: the report's charts as images.

The charts are the HTML report's matplotlib SVGs (:mod:`exitlens.report`) served as
``<img>`` sources: inline SVG would carry ``style`` attributes, which the page's strict
Content-Security-Policy (no inline style) blocks. An SVG loaded as an image never runs
script; its own response allows only its inline styles.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from ...errors import ExitlensError
from ...project_review import lopsided_review
from ...store.review_views import NEAR_MISS_COUNT_CAP, PEOPLE_COUNT_CAP
from ...store.users import User
from ..deps import get_project, require_user
from ..views import render

router = APIRouter()
DIMENSIONS = ("exit", "join")
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
FRIENDLY = {
    "empty_corpus": "The database holds no documents yet. Add some with "
                    "`exitlens ingest PATH`, then run `exitlens analyze`.",
    "no_cases": "No defector cases to count yet: analyse the documents "
                "(`exitlens analyze`) or mark defectors in the document view.",
}


def _flag(value: str) -> bool:
    return value in ("1", "true", "on", "yes")


def _records(frame: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in frame.to_dict("records")]


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, accepted_only: str = "",
              user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    only = _flag(accepted_only)
    # corpus-wide counts, kept while the analysis state is unchanged (100k documents)
    summary = project.state_cached(("summary",), project.summary)
    status = project.state_cached(("analysis_status", project.analysis_fingerprint()),
                                   project.analysis_status)
    queue_total = project.review_queue(limit=1)[1]
    near_miss_total = project.near_miss_queue(limit=0)[1]  # counted up to a cap
    near_misses = f"{near_miss_total:,}" + ("+" if near_miss_total >= NEAR_MISS_COUNT_CAP
                                           else "")
    to_check = project.defector_queue(limit=0)[1]  # counted up to a cap
    defectors_to_check = f"{to_check:,}" + ("+" if to_check >= PEOPLE_COUNT_CAP else "")
    review_warning = lopsided_review(project.code_checks())
    blocks: list[dict[str, Any]] = []
    matrix: dict[str, Any] | None = None
    notice = None
    measured, measured_note, pairs_note = _measured(project)
    try:
        book = project.codebook()
        for dim in DIMENSIONS:
            if dim not in book.dimensions:
                continue
            table = project.prevalence(dimension=dim, accepted_only=only)
            rows = _records(table)
            for r in rows:
                r["measured"] = measured.get(r["key"])
            blocks.append({"id": dim, "label": book.dimensions[dim].label, "rows": rows,
                           "denominator": table.attrs.get("denominator", "")})
        long = project.promise_reality(accepted_only=only)
        matrix = _matrix(long)
    except ExitlensError as exc:
        notice = FRIENDLY.get(exc.code, f"{exc.code}: {exc.message}")
    return render(request, "dashboard.html", user=user, accepted_only=only, summary=summary,
                  status=status, queue_total=queue_total, near_misses=near_misses,
                  defectors_to_check=defectors_to_check, review_warning=review_warning,
                  blocks=blocks, matrix=matrix, notice=notice, flag="1" if only else "0",
                  measured_note=measured_note, pairs_note="" if only else pairs_note)


def _measured(project: Any) -> tuple[dict[str, dict[str, Any]], str, str]:
    """Per code, what the built-in models' suggestions were measured to be worth
    (:meth:`Project.measured_accuracy`), or nothing and the reason it does not apply; and
    how often their (join motive, exit reason) pairs were right ("" when not measured)."""
    from ...coding.measured import measured_note

    frame = project.measured_accuracy()
    if frame.attrs["not_applicable"]:
        return {}, f"Measured accuracy of suggestions {measured_note(frame)}.", ""
    return ({r["code"]: r for r in _records(frame)},
            f"Measured accuracy of suggestions: {measured_note(frame)}.",
            frame.attrs.get("pairs", ""))


def _matrix(long: Any) -> dict[str, Any] | None:
    if long is None or not len(long):
        return None
    rows = list(dict.fromkeys(long["join_key"]))
    cols = list(dict.fromkeys(long["exit_key"]))
    cells = {(r["join_key"], r["exit_key"]): r for r in _records(long)}
    row_labels = dict(zip(long["join_key"], long["join_label"], strict=True))
    col_labels = dict(zip(long["exit_key"], long["exit_label"], strict=True))
    used = [r for r in rows if any((cells[(r, c)]["n"] or 0) > 0 for c in cols)]
    return {"rows": [(r, row_labels[r]) for r in used], "cols": [(c, col_labels[c]) for c in cols],
            "cells": cells, "denominator": long.attrs.get("denominator", "")}


def _svg_response(svg: str) -> Response:
    # The report strips namespaces for inline use; a standalone image needs them back.
    svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg" '
                              'xmlns:xlink="http://www.w3.org/1999/xlink"', 1)
    return Response(svg, media_type="image/svg+xml",
                    headers={"Content-Security-Policy": SVG_CSP})


@router.get("/charts/prevalence-{dimension}.svg")
def prevalence_svg(request: Request, dimension: str, accepted_only: str = "",
                   user: User = Depends(require_user("viewer"))) -> Response:
    from ...report import prevalence_chart

    table = get_project(request).prevalence(dimension=dimension,
                                            accepted_only=_flag(accepted_only))
    return _svg_response(prevalence_chart(table, f"chart-{dimension}"))


@router.get("/charts/promise-reality.svg")
def promise_reality_svg(request: Request, accepted_only: str = "",
                        user: User = Depends(require_user("viewer"))) -> Response:
    from ...report import heatmap_chart

    long = get_project(request).promise_reality(accepted_only=_flag(accepted_only))
    used = long.groupby("join_key", sort=False)["n"].max()
    long = long[long["join_key"].isin(used[used > 0].index)]
    if not len(long):
        return Response(status_code=204)
    return _svg_response(heatmap_chart(long, "chart-promise-reality"))


@router.get("/quotes", response_class=HTMLResponse)
def quotes(request: Request, q: str = "", code: str = "", accepted_only: str = "",
           user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    """The quote bank (``Project.quotes``): evidence spans and defectors' quotes, accepted
    first, filtered by a full-text query and a code."""
    from .common import code_views

    project = get_project(request)
    views = code_views(request)
    rows: list[dict[str, Any]] = []
    if q.strip() or code:
        bank = project.quotes(code=code or None, query=q.strip() or None,
                              limit=None if _flag(accepted_only) else 100)
        rows = [{k: (None if v != v else v) if isinstance(v, float) else v
                 for k, v in r.items()} for r in _records(bank)]
        if _flag(accepted_only):
            rows = [r for r in rows if r.get("status") == "accepted"][:100]
    return render(request, "quotes.html", user=user, rows=rows, q=q, code=code, views=views,
                  accepted_only=_flag(accepted_only))
