"""``/users`` (admins): the accounts, adding one, deactivating and reactivating."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...store.users import ROLES, User
from ..auth import SessionStore
from ..deps import acting_project, get_project, require_user, require_writer
from ..views import render

router = APIRouter()


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, user: User = Depends(require_user("admin"))) -> HTMLResponse:
    return render(request, "users.html", user=user, users=get_project(request).users(),
                  roles=ROLES)


@router.post("/users")
def add_user(request: Request, name: str = Form(...), role: str = Form(...),
             password: str = Form(...), user: User = Depends(require_writer("admin"))
             ) -> Response:
    acting_project(request, user).add_user(name, role, password)
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{name}/active")
def set_active(request: Request, name: str, active: str = Form(...),
               user: User = Depends(require_writer("admin"))) -> Response:
    changed = acting_project(request, user).set_user_active(name, active == "1")
    if not changed.active:
        store: SessionStore = request.app.state.sessions
        store.drop_user(name)
    return RedirectResponse("/users", status_code=303)
