"""``/documents`` (search, filters, pages) and ``/documents/{id}`` (the marked-up text with
codings, quotes, speakers and defectors, and each defector's profile)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...model import DocumentReading, Profile
from ...store.review_views import REVIEW_STATUSES
from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..markup import Layer, context, mark_up, selection_span
from ..views import render
from .auth import safe_next
from .common import Pager, code_view, code_views, page_number, page_size

router = APIRouter()
SEARCH_LIMIT = 1000


@router.get("/documents", response_class=HTMLResponse)
def documents(request: Request, q: str = "", outlet: str = "", kind: str = "",
              defectors: str = "", status: str = "", page: str = "1",
              user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    ids = None
    snippets: dict[int, list[tuple[str, bool]]] = {}
    if q.strip():
        hits = project.search(q, limit=SEARCH_LIMIT)
        ids = [h.document_id for h in hits]
        snippets = {h.document_id: snippet_parts(h.snippet) for h in hits}
    pager = Pager(page_number(page), page_size(request), 0)
    rows, pager.total = project.document_page(
        ids=ids, outlet=outlet or None, kind=kind or None,
        has_defectors={"yes": True, "no": False}.get(defectors),
        review_status=status if status in REVIEW_STATUSES else None,
        limit=pager.size, offset=pager.offset)
    params = {k: v for k, v in {"q": q, "outlet": outlet, "kind": kind, "defectors": defectors,
                                "status": status}.items() if v}
    return render(request, "documents.html", user=user, rows=rows, pager=pager,
                  snippets=snippets, filters=project.document_filters(), params=params,
                  statuses=REVIEW_STATUSES, search_limit=SEARCH_LIMIT,
                  page_link=lambda n: "/documents?" + urlencode({**params, "page": n}))


_HIT = re.compile(r"\[([^\[\]]*)\]")


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet (matches in [brackets]) as (text, is_match) pieces; the template
    escapes each piece and marks the matches."""
    parts: list[tuple[str, bool]] = []
    last = 0
    for m in _HIT.finditer(snippet):
        parts.append((snippet[last:m.start()], False))
        parts.append((m.group(1), True))
        last = m.end()
    parts.append((snippet[last:], False))
    return [p for p in parts if p[0]]


def person_label(person: Any) -> str:
    return person.name or person.descriptor or f"person {person.id}"


def _layers(reading: DocumentReading | None, codings: list[dict[str, Any]],
            views: dict[str, Any]) -> list[Layer]:
    layers: list[Layer] = []
    if reading is not None:
        for quote in reading.quotes:
            layers.append(Layer(quote.span.start, quote.span.end, ("quote",)))
            if quote.speaker_span is not None:
                layers.append(Layer(quote.speaker_span.start, quote.speaker_span.end,
                                    ("speaker",)))
        for person in reading.persons:
            kind = "defector" if person.role == "defector" else "mention"
            for mention in person.mentions:
                layers.append(Layer(mention.span.start, mention.span.end, (kind,)))
    for c in codings:
        if c["status"] == "rejected":
            continue
        view = code_view(views, c["code"])
        layers.append(Layer(c["start"], c["end"], ("coding", view.colour, c["status"]),
                            coding_id=c["id"],
                            title=f"{view.label} · {c['status']} · {c['coder']} "
                                  f"{c['confidence']:.2f}"))
    return layers


def _profile_rows(person: Any, text: str) -> list[dict[str, Any]]:
    rows = []
    for name in Profile.SCALAR_FIELDS:
        fv = getattr(person.profile, name)
        rows.append({"field": name, "value": fv.value if fv else None,
                     "inferred": bool(fv and fv.inferred),
                     "span": [fv.span.start, fv.span.end] if fv and fv.span else None,
                     "evidence": text[fv.span.start:fv.span.end] if fv and fv.span else ""})
    return rows


@router.get("/documents/{document_id}", response_class=HTMLResponse)
def document(request: Request, document_id: int,
             user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    doc = project.document(document_id)
    reading = project.reading(document_id)
    codings = project.document_codings(document_id)
    views = code_views(request)
    persons = []
    reasons = project.verdict_reasons(document_id) if reading is not None else {}
    if reading is not None:
        for person in reading.persons:
            if person.role == "defector" or person.mentions:
                persons.append({"id": person.id, "label": person_label(person),
                                "role": person.role,
                                "verdict": "defector" if person.role == "defector"
                                else "not_defector",
                                "reason": reasons.get(person.id or 0),
                                "score": person.defector_score,
                                "profile": _profile_rows(person, doc.text)
                                if person.role == "defector" else []})
    labels = {p["id"]: p["label"] for p in persons}
    rows = [{**c, **context(doc.text, c["start"], c["end"], 80),
             "person": labels.get(c["person_id"]), "title": doc.title} for c in codings]
    near_misses = project.near_miss_queue(limit=0, document_id=document_id)[1] \
        if reading is not None else 0
    return render(request, "document.html", user=user, doc=doc,
                  text=mark_up(doc.text, _layers(reading, codings, views)),
                  analysed=reading is not None, persons=persons, rows=rows, views=views,
                  near_misses=near_misses,
                  awaits_rereading=reading is not None and project.awaits_rereading(document_id),
                  profile_fields=Profile.SCALAR_FIELDS, next=f"/documents/{document_id}")


@router.post("/documents/{document_id}/codings")
def add_coding(request: Request, document_id: int, code: str = Form(...),
               start_utf16: int = Form(...), end_utf16: int = Form(...),
               selected_text: str = Form(...), person_id: str = Form(""),
               user: User = Depends(require_writer("coder"))) -> Response:
    project = acting_project(request, user)
    doc = project.document(document_id)
    start, end = selection_span(doc.text, start_utf16, end_utf16, selected_text)
    project.add_coding(document_id, code, start, end,
                       person_id=int(person_id) if person_id.strip() else None)
    return RedirectResponse(f"/documents/{document_id}", status_code=303)


@router.post("/persons/{person_id}/verdict")
def verdict(request: Request, person_id: int, verdict: str = Form(...), seen: str = Form(...),
            reason: str = Form(""), next: str = Form("/"),
            user: User = Depends(require_writer("coder"))) -> Response:
    acting_project(request, user).set_verdict(person_id, verdict, seen=seen,
                                              reason=reason.strip() or None)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/persons/{person_id}/profile")
def profile(request: Request, person_id: int, field: str = Form(...), value: str = Form(""),
            seen: str = Form(""), start: str = Form(""), end: str = Form(""),
            next: str = Form("/"), user: User = Depends(require_writer("coder"))) -> Response:
    span = (int(start), int(end)) if start.strip() and end.strip() else None
    acting_project(request, user).set_profile_field(person_id, field, value.strip() or None,
                                                    span=span, seen=seen or None)
    return RedirectResponse(safe_next(next), status_code=303)
