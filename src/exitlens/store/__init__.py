"""Persistence: SQLAlchemy 2 tables, Alembic migrations, full-text search.

SQLite is the default (one file, WAL journal); the same schema runs on
PostgreSQL for teams. Only :mod:`exitlens.project` talks to this package.
"""

from .database import Database

__all__ = ["Database"]
