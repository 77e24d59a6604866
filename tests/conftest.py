"""Shared fixtures: a throwaway project database and a small corpus of every format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from exitlens import Project
from exitlens.config import Settings
from tests.corpus import Corpus, write_corpus, write_manifest_corpus


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test may pick up the developer's database or config from the environment or cwd."""
    monkeypatch.delenv("EXITLENS_DB", raising=False)
    monkeypatch.delenv("EXITLENS_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "db" / "exitlens.db"


@pytest.fixture
def tmp_project(db_path: Path) -> Iterator[Project]:
    """A Project on a fresh SQLite file with default settings, closed after the test."""
    project = Project.open(str(db_path), settings=Settings(), actor="test")
    try:
        yield project
    finally:
        project.close()


@pytest.fixture
def make_project(tmp_path: Path) -> Iterator[Callable[..., Project]]:
    """Factory for extra projects (own settings or file); all are closed after the test."""
    opened: list[Project] = []

    def factory(name: str = "other.db", settings: Settings | None = None) -> Project:
        project = Project.open(str(tmp_path / name), settings=settings or Settings(),
                               actor="test")
        opened.append(project)
        return project

    yield factory
    for project in opened:
        project.close()


@pytest.fixture
def make_corpus(tmp_path: Path) -> Callable[[str], Corpus]:
    """``make_corpus("name")`` writes one file of every format under tmp_path/name."""

    def factory(name: str = "corpus") -> Corpus:
        return write_corpus(tmp_path / name)

    return factory


@pytest.fixture
def corpus(make_corpus: Callable[[str], Corpus]) -> Corpus:
    return make_corpus("corpus")


@pytest.fixture
def manifest_corpus(tmp_path: Path) -> Corpus:
    return write_manifest_corpus(tmp_path / "manifested")


@contextmanager
def fresh_pg_database(prefix: str = "exitlens_test") -> Iterator[str]:
    """A SQLAlchemy URL to a brand-new PostgreSQL database on ``EXITLENS_TEST_PG``, dropped
    afterwards. Skips without a server, except under CI (env ``CI``), where a missing server
    must fail rather than pass silently."""
    import os
    import uuid

    dsn = os.environ.get("EXITLENS_TEST_PG")
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail("EXITLENS_TEST_PG is not set in CI: the PostgreSQL tests must run there")
        pytest.skip("EXITLENS_TEST_PG not set "
                    "(start a server: bash scripts/test-services.sh start)")
    import psycopg
    from sqlalchemy import make_url

    url = make_url(dsn)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_db() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (see :func:`fresh_pg_database`)."""
    with fresh_pg_database() as url:
        yield url
