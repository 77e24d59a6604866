"""Template rendering: one autoescaping Jinja2 environment for every page."""

from __future__ import annotations

from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from ..model import EXCLUSION_REASONS
from .csrf import FIELD, session_token

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("exitlens.web", "templates"),
    autoescape=True,  # every page: document text is untrusted
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["exclusion_reasons"] = EXCLUSION_REASONS  # the "Not a defector" forms


def environment() -> jinja2.Environment:
    return _env


def render(request: Request, template: str, status_code: int = 200,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    """Render ``template`` with the request, the signed-in user and the CSRF helpers."""
    from .deps import optional_user

    token = session_token(request)
    user = context.pop("user", None) or optional_user(request)
    html = _env.get_template(template).render(
        request=request, user=user, csrf_token=token,
        csrf_field=lambda: Markup('<input type="hidden" name="{}" value="{}">').format(
            FIELD, token),
        is_htmx=request.headers.get("HX-Request") == "true",
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=headers)
