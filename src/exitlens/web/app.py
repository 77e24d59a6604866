"""The web app factory: ``create_app(project_or_db_url, settings)``.

One :class:`exitlens.Project` serves every request (SQLAlchemy sessions are per call). A
middleware attaches the visitor's server-side session (see :mod:`.auth`) and adds the security
headers to every response: a strict Content-Security-Policy (scripts and styles only from
``/static``, no inline script or style, no framing), ``X-Frame-Options: DENY``,
``Referrer-Policy: no-referrer``, ``X-Content-Type-Options: nosniff`` and ``Cache-Control:
no-store`` (pages hold research data). Errors become pages (or HTMX fragments): a named
exitlens error keeps its code and message; 409 for a stale write, 403 for a refused role or
CSRF token, a redirect to ``/login`` for a visitor who is not signed in.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import HTTPException, RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from ..config import Settings
from ..errors import ConflictError, ExitlensError, NotFoundError
from ..project import Project
from .auth import COOKIE_NAME, LoginLimiter, SessionStore
from .deps import LoginRequired
from .routes import ROUTERS
from .views import render

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
STATIC_DIR = Path(__file__).with_name("static")


@dataclass
class WebOptions:
    """Knobs of the web app (the defaults are what ``exitlens serve`` uses)."""

    session_idle_seconds: float = 8 * 3600
    session_absolute_seconds: float = 24 * 3600
    login_failures: int = 5
    login_window_seconds: float = 15 * 60
    page_size: int = 50


def create_app(project_or_db_url: Project | str | None = None,
               settings: Settings | str | Path | None = None,
               options: WebOptions | None = None) -> FastAPI:
    """The ASGI app over a Project (or over the database at a URL/path, opened here)."""
    if isinstance(project_or_db_url, Project):
        project = project_or_db_url
    else:
        project = Project.open(project_or_db_url, settings=settings, actor="web")
    options = options or WebOptions()
    app = FastAPI(title="exitlens review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.project = project
    app.state.options = options
    app.state.sessions = SessionStore(options.session_idle_seconds,
                                      options.session_absolute_seconds)
    app.state.limiter = LoginLimiter(options.login_failures, options.login_window_seconds)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    _install_middleware(app)
    _install_error_pages(app)
    return app


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def session_and_headers(request: Request,
                                  call_next: Callable[[Request], Awaitable[Response]]
                                  ) -> Response:
        store: SessionStore = request.app.state.sessions
        request.state.session = store.get(request.cookies.get(COOKIE_NAME))
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Content-Type-Options"] = "nosniff"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response


def _error_template(request: Request) -> str:
    """HTMX requests get the message alone (swapped where the request targets)."""
    return "error_box.html" if request.headers.get("HX-Request") == "true" else "error.html"


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        target = request.url.path
        if request.url.query and request.method == "GET":
            target += "?" + request.url.query
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return render(request, _error_template(request), status_code=exc.status_code,
                      headers=getattr(exc, "headers", None),
                      code=str(exc.status_code), message=str(exc.detail), current=None)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(".".join(str(p) for p in e.get("loc", ())[1:]) or "request"
                           for e in exc.errors())
        return render(request, _error_template(request), status_code=422, code="bad_request",
                      message=f"missing or invalid value: {fields}", current=None)

    @app.exception_handler(ExitlensError)
    async def exitlens_error(request: Request, exc: ExitlensError) -> Response:
        status = 404 if isinstance(exc, NotFoundError) else 409 if isinstance(
            exc, ConflictError) else 400
        return render(request, _error_template(request), status_code=status, code=exc.code,
                      message=exc.message, current=getattr(exc, "current", None))
