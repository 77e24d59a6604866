"""The audit log per document and per user, and "undo my last action"."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..views import render

router = APIRouter()


def _events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**e, "before": e["payload"].get("before"), "after": e["payload"].get("after"),
             "details": json.dumps({k: v for k, v in e["payload"].items()
                                    if k not in ("before", "after")},
                                   ensure_ascii=False, indent=1, default=str)} for e in rows]


@router.get("/documents/{document_id}/history", response_class=HTMLResponse)
def document_history(request: Request, document_id: int,
                     user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    doc = project.document(document_id)
    return render(request, "history.html", user=user, heading=f"History of document "
                  f"{document_id}: {doc.title or '(untitled)'}", back=f"/documents/{document_id}",
                  events=_events(project.history(document_id=document_id)))


@router.get("/users/{name}/history", response_class=HTMLResponse)
def user_history(request: Request, name: str,
                 user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    return render(request, "history.html", user=user, heading=f"Changes by {name}", back=None,
                  events=_events(project.history(user=name)))


@router.post("/undo")
def undo(request: Request, user: User = Depends(require_writer("coder"))) -> Response:
    acting_project(request, user).undo_last()
    return RedirectResponse(f"/users/{user.name}/history", status_code=303)
