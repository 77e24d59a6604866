"""Alembic migrations for the exitlens schema."""
