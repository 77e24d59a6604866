"""Shared fixtures: a throwaway project database and a small corpus of every format."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="pg", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on: every test that uses a database fixture runs
    once on SQLite and once on PostgreSQL (the ``pg`` run is marked ``postgres``).
    Session-scoped so module-scoped fixtures (a database built once and only read) can
    be parametrised too."""
    return str(request.param)


@pytest.fixture
def make_db_url(backend: str, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Factory of fresh, empty databases on the test's backend: ``make_db_url("name")`` is a
    SQLite file ``tmp_path/db/name.db`` or a new PostgreSQL database (dropped afterwards)."""
    with ExitStack() as stack:

        def factory(name: str = "exitlens") -> str:
            if backend == "sqlite":
                return f"sqlite:///{tmp_path / 'db' / (name.removesuffix('.db') + '.db')}"
            return stack.enter_context(fresh_pg_database())

        yield factory


@pytest.fixture
def db_url(make_db_url: Callable[..., str]) -> str:
    """A database URL on the test's backend (SQLite file or fresh PostgreSQL database)."""
    return make_db_url("exitlens")


@pytest.fixture
def tmp_project(db_url: str) -> Iterator[Project]:
    """A Project on a fresh database of the test's backend with default settings, closed
    after the test."""
    project = Project.open(db_url, settings=Settings(), actor="test")
    try:
        yield project
    finally:
        project.close()


@pytest.fixture
def fake_analysed(tmp_path: Path, db_url: str) -> Iterator[Project]:
    """The three fictional pages of ``tests/web/fake_reading.py`` ingested and analysed with
    its fake stage (fixed persons, codings and near misses; no models), on the test's
    backend; closed after the test. The review tests' project."""
    from tests.web.fake_reading import analysed_project

    project = analysed_project(tmp_path, url=db_url)
    try:
        yield project
    finally:
        project.close()


@pytest.fixture
def make_project(make_db_url: Callable[..., str]) -> Iterator[Callable[..., Project]]:
    """Factory for extra projects (own settings; each call its own database on the test's
    backend); all are closed after the test."""
    opened: list[Project] = []

    def factory(name: str = "other.db", settings: Settings | None = None) -> Project:
        project = Project.open(make_db_url(name), settings=settings or Settings(),
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
def fresh_pg_database(prefix: str = "exitlens_test", template: str | None = None
                      ) -> Iterator[str]:
    """A SQLAlchemy URL to a brand-new PostgreSQL database on ``EXITLENS_TEST_PG``, dropped
    afterwards (a copy of the database ``template`` when given; nobody may be connected
    to it). Skips without a server, except under CI (env ``CI``), where a missing server
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
        copy = ""
        if template:  # a test's own database: close connections a pool may still hold
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                         "WHERE datname = %s AND pid <> pg_backend_pid()", (template,))
            copy = f' TEMPLATE "{template}"'
        conn.execute(f'CREATE DATABASE "{name}"{copy}')
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


@contextmanager
def module_database(backend: str, factory: pytest.TempPathFactory, name: str
                    ) -> Iterator[str]:
    """A fresh database on ``backend`` for a module-scoped fixture (built once, then read)."""
    if backend == "sqlite":
        yield f"sqlite:///{factory.mktemp(name) / (name + '.db')}"
    else:
        with fresh_pg_database() as url:
            yield url


@contextmanager
def copied_database(url: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the (closed) database at ``url`` that a test may change: a copied SQLite
    file, or a PostgreSQL database created from it as a template."""
    if url.startswith("sqlite:///"):
        copy = tmp_path / "copy.db"
        shutil.copy(url.removeprefix("sqlite:///"), copy)
        yield f"sqlite:///{copy}"
        return
    from sqlalchemy import make_url

    with fresh_pg_database(template=make_url(url).database) as copy_url:
        yield copy_url
