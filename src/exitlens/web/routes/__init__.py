"""Routes, one module per area; :data:`ROUTERS` is what ``create_app`` includes."""

from __future__ import annotations

from fastapi import APIRouter

from . import auth, cases, codebook, corpus, dashboard, history, review, rounds, users

ROUTERS: list[APIRouter] = [auth.router, dashboard.router, corpus.router, review.router,
                            cases.router, history.router, users.router, rounds.router,
                            codebook.router]
