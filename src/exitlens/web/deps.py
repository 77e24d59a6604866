"""FastAPI dependencies every route uses: the project, the signed-in user, role checks.

Pages declare what they need::

    @router.get("/things")
    def things(user: User = Depends(require_user("viewer"))): ...

    @router.post("/things/{id}/accept")
    def accept(user: User = Depends(require_writer("coder"))): ...   # role + CSRF

``require_user`` redirects a visitor who is not signed in to ``/login`` (HTMX requests get
401 with an ``HX-Redirect`` header); a signed-in user without the role gets 403. Roles are
always checked here, on the server, whatever the page shows.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request

from ..project import Project
from ..store.users import User
from .csrf import verify_csrf


class LoginRequired(Exception):
    """Raised for a visitor without a session; the app turns it into a redirect to /login."""


def get_project(request: Request) -> Project:
    project: Project = request.app.state.project
    return project


def optional_user(request: Request) -> User | None:
    session = getattr(request.state, "session", None)
    if session is None or session.user is None:
        return None
    user = get_project(request).user(session.user)
    if user is None or not user.active:
        return None
    return user


def require_user(role: str = "viewer") -> Callable[[Request], User]:
    def dependency(request: Request) -> User:
        user = optional_user(request)
        if user is None:
            raise LoginRequired()
        if not user.can(role):
            raise HTTPException(status_code=403,
                                detail=f"this needs the {role} role; you are a {user.role}")
        return user

    return dependency


def require_writer(role: str = "coder") -> Callable[..., Awaitable[User]]:
    """A write: the role (403 otherwise) and the session's CSRF token (403 otherwise)."""
    reader = require_user(role)

    async def dependency(request: Request) -> User:
        user = reader(request)  # first: an expired session goes to /login, not to a 403
        await verify_csrf(request)
        return user

    return dependency


def acting_project(request: Request, user: User) -> Project:
    """The project with ``user`` as the actor of every event it writes."""
    return get_project(request).as_actor(user.name)
