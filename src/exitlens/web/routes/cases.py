"""``/cases`` and ``/cases/{id}``: profile, sources, flags; merge and split for admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...cases import is_inferred
from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..views import render
from .common import code_views

router = APIRouter()


def _plain(value: Any) -> Any:
    """pandas/numpy values → plain Python for the templates (NaN → None)."""
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (list, tuple)) or (hasattr(value, "tolist")):
        return list(value.tolist() if hasattr(value, "tolist") else value)
    return value


@router.get("/cases", response_class=HTMLResponse)
def cases(request: Request, inferred: str = "",
          user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    """Every case; ``?inferred=1``: only those whose nationality no source states (the page's
    country, unknown in breakdowns) — the ones to confirm or correct."""
    frame = get_project(request).cases()
    rows = [{k: _plain(v) for k, v in record.items()} for record in frame.to_dict("records")]
    guessed = [r for r in rows if is_inferred(r.get("inferred_fields"), "nationality")]
    return render(request, "cases.html", user=user, rows=guessed if inferred else rows,
                  n_all=len(rows), n_inferred=len(guessed), only_inferred=bool(inferred))


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case(request: Request, case_id: int,
         user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    detail = get_project(request).case(case_id)
    return render(request, "case.html", user=user, case=detail, views=code_views(request))


@router.post("/cases/merge")
def merge(request: Request, case_a: int = Form(...), case_b: int = Form(...),
          user: User = Depends(require_writer("admin"))) -> Response:
    merged = acting_project(request, user).merge_cases(case_a, case_b)
    return RedirectResponse(f"/cases/{merged}", status_code=303)


@router.post("/cases/{case_id}/split")
def split(request: Request, case_id: int, document_id: int = Form(...),
          user: User = Depends(require_writer("admin"))) -> Response:
    new_id = acting_project(request, user).split_case(case_id, document_id)
    return RedirectResponse(f"/cases/{new_id}", status_code=303)
