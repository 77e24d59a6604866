"""CSRF protection: one random token per session, required on every write.

Forms carry it in a hidden ``csrf_token`` field (``{{ csrf_field() }}`` in templates);
HTMX requests carry it in the ``X-CSRF-Token`` header, which ``static/app.js`` adds to every
HTMX request from the page's ``<meta name="csrf-token">``. The login form has one too (its
session is the anonymous one made when the form was shown).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

HEADER = "X-CSRF-Token"
FIELD = "csrf_token"


def session_token(request: Request) -> str:
    session = getattr(request.state, "session", None)
    return session.csrf if session is not None else ""


async def verify_csrf(request: Request) -> None:
    """FastAPI dependency: 403 unless the request carries this session's CSRF token."""
    expected = session_token(request)
    sent = request.headers.get(HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise HTTPException(status_code=403, detail="missing or wrong CSRF token: reload the "
                                                    "page and try again")
