"""``/review``: suggested codings, most uncertain first; ``/codings/{id}/decide``: accept,
reject, change the code or adjust the span of one coding (HTMX swaps only its row).
``/review/missed``: near misses, the codes the coders leaned towards for a defector but did
not suggest, strongest first; ``/near-misses/{id}/decide``: add the code or "not this code".
``/review/people``: the people to check — defectors no reviewer has checked, and possible
defectors (verdicts go to ``/persons/{id}/verdict``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...errors import ConflictError, ExitlensError, NotFoundError
from ...store.review_views import NEAR_MISS_COUNT_CAP, PEOPLE_COUNT_CAP
from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..markup import context
from ..views import render
from .auth import safe_next
from .common import Pager, code_views, is_htmx, optional_int, page_number, page_size

router = APIRouter()


@router.get("/review", response_class=HTMLResponse)
def review_queue(request: Request, page: str = "1", document: str = "",
                 user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    document_id = optional_int(document) if document.isdigit() else None
    pager = Pager(page_number(page), page_size(request), 0)
    rows, pager.total = project.review_queue(limit=pager.size, offset=pager.offset,
                                             document_id=document_id)
    params = {"document": document_id} if document_id else {}
    return render(request, "review.html", user=user, rows=rows, pager=pager,
                  views=code_views(request), show_document=True, next=request.url.path,
                  page_link=lambda n: "/review?" + urlencode({**params, "page": n}))


@router.get("/review/people", response_class=HTMLResponse)
def people_to_check(request: Request, page: str = "1", possible_page: str = "1",
                    user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    """Defectors no reviewer has checked, least certain first, and per document the person
    the machine did not call a defector whom its role model rated highest."""
    project = get_project(request)
    size = page_size(request)
    defectors = Pager(page_number(page), size, 0)
    possible = Pager(page_number(possible_page), size, 0)
    d_rows, d_total = project.defector_queue(limit=defectors.size, offset=defectors.offset)
    p_rows, p_total = project.possible_defectors(limit=possible.size, offset=possible.offset)
    for pager, rows, total in ((defectors, d_rows, d_total), (possible, p_rows, p_total)):
        pager.total = _paged_total(pager, len(rows), total, PEOPLE_COUNT_CAP)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")

    def link(name: str) -> Any:
        return lambda n: "/review/people?" + urlencode(
            {"page": defectors.page, "possible_page": possible.page, name: n})

    return render(request, "people_to_check.html", user=user, defectors=d_rows,
                  possible=p_rows, defector_pager=defectors, possible_pager=possible,
                  defector_total=d_total, possible_total=p_total, cap=PEOPLE_COUNT_CAP,
                  defector_link=link("page"), possible_link=link("possible_page"), next=here)


def _paged_total(pager: Pager, n_rows: int, total: int, cap: int) -> int:
    """The total a pager shows for a count that stops at ``cap``: past it, page on while
    pages fill."""
    if total < cap:
        return total
    return max(total, pager.offset + n_rows + (1 if n_rows == pager.size else 0))


def _row(request: Request, coding_id: int) -> dict[str, Any]:
    project = get_project(request)
    coding = project.coding(coding_id)
    doc = project.document(coding["document_id"])
    person = None
    if coding["person_id"] is not None:
        reading = project.reading(doc.id or 0)
        for p in reading.persons if reading else []:
            if p.id == coding["person_id"]:
                person = p.name or p.descriptor
    return {**coding, **context(doc.text, coding["start"], coding["end"], 160),
            "title": doc.title, "person": person}


@router.post("/codings/{coding_id}/decide")
def decide(request: Request, coding_id: int, version: int = Form(...),
           action: str = Form(...), code: str = Form(""), start: str = Form(""),
           end: str = Form(""), next: str = Form("/review"), show_document: str = Form("1"),
           user: User = Depends(require_writer("coder"))) -> Response:
    project = acting_project(request, user)
    status_code, message = 200, None
    try:
        if action in ("accept", "reject", "reopen"):
            status = {"accept": "accepted", "reject": "rejected", "reopen": "suggested"}[action]
            project.decide_coding(coding_id, version, status=status)
        elif action == "code":
            project.decide_coding(coding_id, version, code=code)
        elif action == "span":
            project.decide_coding(coding_id, version, span=(int(start), int(end)))
        else:
            raise ExitlensError(f"unknown action {action!r}", code="bad_request")
    except ConflictError as exc:
        if not is_htmx(request):
            raise
        status_code, message = 409, exc.message
    except (ExitlensError, ValueError) as exc:
        if not is_htmx(request):
            raise
        status_code = 400
        message = exc.message if isinstance(exc, ExitlensError) else "start and end must be " \
                                                                     "whole numbers"
    if not is_htmx(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "_coding_row_response.html", status_code=status_code, user=user,
                  r=_row(request, coding_id), views=code_views(request), message=message,
                  show_document=show_document == "1", next=safe_next(next))


@router.get("/review/missed", response_class=HTMLResponse)
def near_misses(request: Request, page: str = "1", document: str = "",
                user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    document_id = optional_int(document) if document.isdigit() else None
    pager = Pager(page_number(page), page_size(request), 0)
    rows, total = project.near_miss_queue(limit=pager.size, offset=pager.offset,
                                          document_id=document_id)
    capped = total >= NEAR_MISS_COUNT_CAP
    pager.total = _paged_total(pager, len(rows), total, NEAR_MISS_COUNT_CAP)
    params = {"document": document_id} if document_id else {}
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return render(request, "near_misses.html", user=user, rows=rows, pager=pager,
                  total=total, capped=capped,
                  views=code_views(request), next=here,
                  page_link=lambda n: "/review/missed?" + urlencode({**params, "page": n}))


@router.post("/near-misses/{near_miss_id}/decide")
def decide_near_miss(request: Request, near_miss_id: int, action: str = Form(...),
                     next: str = Form("/review/missed"),
                     user: User = Depends(require_writer("coder"))) -> Response:
    project = acting_project(request, user)
    if action not in ("add", "dismiss"):
        raise ExitlensError(f"unknown action {action!r}", code="bad_request")
    coding = None
    status_code, message = 200, None
    try:
        coding = project.decide_near_miss(near_miss_id, action == "add")
    except ExitlensError as exc:
        if not is_htmx(request):
            raise
        status_code = (409 if isinstance(exc, ConflictError)
                       else 404 if isinstance(exc, NotFoundError) else 400)
        message = exc.message
    if not is_htmx(request):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "_near_miss_decided.html", status_code=status_code, user=user,
                  coding=coding, near_miss_id=near_miss_id, views=code_views(request),
                  message=message)
