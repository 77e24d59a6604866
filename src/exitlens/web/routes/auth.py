"""``/login`` and ``/logout``."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from ...store.users import User
from ..auth import COOKIE_NAME, LoginLimiter, SessionStore
from ..csrf import verify_csrf
from ..deps import get_project, optional_user, require_writer
from ..views import render

router = APIRouter()
log = logging.getLogger(__name__)


def safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no ``//``) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, next_: str, status: int = 200, error: str | None = None,
                username: str = "") -> Response:
    from ..auth import set_session_cookie

    store: SessionStore = request.app.state.sessions
    new = None
    if request.state.session is None:  # the form's CSRF token lives in an anonymous session
        new = store.new(None)
        request.state.session = new
    response = render(request, "login.html", status_code=status, next=safe_next(next_),
                      error=error, username=username)
    if new is not None:
        set_session_cookie(request, response, new.token)
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    if optional_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, next)


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(request: Request, username: str = Form(""), password: str = Form(""),
          next: str = Form("/")) -> Response:
    from ..auth import set_session_cookie

    limiter: LoginLimiter = request.app.state.limiter
    address = _client(request)
    wait = limiter.blocked(username, address)
    if wait > 0:
        minutes = max(1, round(wait / 60))
        return _login_page(request, next, 429, error=f"too many failed logins: try again in "
                           f"about {minutes} minute{'s' if minutes != 1 else ''}",
                           username=username)
    user = get_project(request).authenticate(username, password)
    if user is None:
        limiter.failed(username, address)
        log.info("failed login from %s", address)
        return _login_page(request, next, 401, error="wrong user name or password",
                           username=username)
    limiter.succeeded(username)
    store: SessionStore = request.app.state.sessions
    if request.state.session is not None:
        store.drop(request.state.session.token)
    session = store.new(user.name)  # a fresh token: no session fixation
    response = RedirectResponse(safe_next(next), status_code=303)
    set_session_cookie(request, response, session.token)
    return response


@router.post("/logout")
def logout(request: Request, user: User = Depends(require_writer("viewer"))) -> Response:
    store: SessionStore = request.app.state.sessions
    store.drop(request.state.session.token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
