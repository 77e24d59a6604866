"""The review web app (``exitlens serve``): a thin FastAPI shell over :class:`exitlens.Project`.

Server-rendered Jinja2 pages (autoescaped), HTMX 2.0.11 vendored in ``static/`` (no CDN), a
strict Content-Security-Policy with no inline script. Every read and write is a Project
method, so the command line and the web share them. See :func:`exitlens.web.app.create_app`.
"""

from __future__ import annotations

from .app import WebOptions, create_app

__all__ = ["WebOptions", "create_app"]
