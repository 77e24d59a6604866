"""Routes, one module per area; :data:`ROUTERS` is what ``create_app`` includes."""

from __future__ import annotations

from fastapi import APIRouter

from . import auth, dashboard, rounds

ROUTERS: list[APIRouter] = [auth.router, dashboard.router, rounds.router]
