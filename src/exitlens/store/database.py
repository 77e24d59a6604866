"""Engine, migrations and sessions for one exitlens database."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import StoreError

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL keeps every committed transaction when the process is killed (SIGKILL)
    # and lets the web app read while an ingest writes.
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _refuse_nul(_conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any,
                executemany: bool) -> None:
    """PostgreSQL cannot store or even compare text holding a NUL character; the driver
    would fail mid-transaction with an internal error. Refuse such a value plainly instead
    (ingest already refuses documents with NUL as ``binary_data``; this catches the rest:
    a search box, a filter, a form field)."""
    rows = parameters if executemany else [parameters]
    for row in rows or ():
        values = row.values() if isinstance(row, dict) else row
        for value in values or ():
            if isinstance(value, str) and "\x00" in value:
                raise StoreError("text holding a NUL character (\\x00) cannot be stored in "
                                 "or looked up from a PostgreSQL database",
                                 code="nul_character")


def alembic_config(connection: Any | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


class Database:
    """An engine plus a session factory; migrates the schema to the latest revision on open."""

    def __init__(self, url: str, *, migrate: bool = True):
        self.url = url
        try:
            if url.startswith("sqlite:///"):
                path = Path(url.removeprefix("sqlite:///"))
                if str(path) not in ("", ":memory:"):
                    path.parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(url, future=True)
        except OSError as exc:  # the folder for a SQLite file cannot be created
            raise StoreError(
                f"cannot create the folder for the database file: {exc.strerror or exc}",
                where=url.removeprefix("sqlite:///"),
            ) from None
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open database {self.safe_url}: {exc}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        elif self.dialect == "postgresql":
            event.listen(self.engine, "before_cursor_execute", _refuse_nul)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        if not hasattr(self, "engine"):
            return "?"
        return self.engine.url.render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (no-op when current)."""
        try:
            with self.engine.begin() as conn:
                command.upgrade(alembic_config(conn), "head")
        except DBAPIError as exc:  # also "file is not a database" (DatabaseError)
            raise StoreError(
                f"cannot open or migrate database {self.safe_url}: {exc.orig}"
            ) from None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits on success, rolls back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def fts_available(self) -> bool:
        if self.dialect != "sqlite":
            return self.dialect == "postgresql"
        with self.engine.connect() as conn:
            row = conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='documents_fts'")
            ).first()
        return row is not None

    def close(self) -> None:
        self.engine.dispose()
