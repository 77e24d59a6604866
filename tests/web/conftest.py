"""Fixtures for the web app tests: a project with accounts of every role (empty, or with
the fake reading's analysed corpus), a TestClient, and a helper that signs a client in
(through the real login form)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exitlens import Project
from exitlens.config import Settings
from exitlens.web import WebOptions, create_app

PASSWORD = "a long enough password"
ROLES = {"ada": "admin", "cody": "coder", "cora": "coder", "vera": "viewer"}
_CSRF = re.compile(r'name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no csrf-token meta tag"
    return match.group(1)


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with the library defaults takes ~0.5 s per hash on a busy machine; the tests
    check the flow, not the cost, so they hash with the smallest parameters."""
    from argon2 import PasswordHasher

    from exitlens.store import users

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(users, "_hasher", cheap)
    monkeypatch.setattr(users, "_DUMMY_HASH", cheap.hash("dummy password"))


def with_accounts(project: Project) -> Iterator[Project]:
    """``project`` with an account of every role, closed when the test is done."""
    for name, role in ROLES.items():
        project.add_user(name, role, PASSWORD)
    try:
        yield project
    finally:
        project.close()


@pytest.fixture
def web_project(db_url: str) -> Iterator[Project]:
    yield from with_accounts(Project.open(db_url, settings=Settings(), actor="test"))


@pytest.fixture
def make_client(web_project: Project) -> Callable[..., TestClient]:
    def factory(options: WebOptions | None = None, project: Project | None = None
                ) -> TestClient:
        return TestClient(create_app(project or web_project, options=options),
                          follow_redirects=False)

    return factory


def login(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    token = csrf_of(form.text)
    response = client.post("/login", data={"username": name, "password": password,
                                           "csrf_token": token, "next": "/"})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


@pytest.fixture
def signed_in(make_client: Callable[..., TestClient]) -> Callable[[str], tuple[TestClient, str]]:
    def factory(name: str) -> tuple[TestClient, str]:
        client = make_client()
        return client, login(client, name)

    return factory


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    """The fake reading's analysed corpus, with an account of every role."""
    from tests.web.fake_reading import analysed_project

    yield from with_accounts(analysed_project(tmp_path, url=db_url))


@pytest.fixture
def as_user(project: Project) -> Callable[[str], tuple[TestClient, str]]:
    """``as_user(name)``: a client signed in as ``name``, and its CSRF token."""

    def factory(name: str) -> tuple[TestClient, str]:
        client = TestClient(create_app(project), follow_redirects=False)
        return client, login(client, name)

    return factory
