"""``/``: the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ...store.users import User
from ..deps import require_user
from ..views import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    return render(request, "dashboard.html", user=user)
