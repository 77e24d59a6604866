"""Fixtures for the web app tests: a project with accounts of every role, a TestClient,
and a helper that signs a client in (through the real login form)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

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


@pytest.fixture
def web_project(db_url: str) -> Iterator[Project]:
    project = Project.open(db_url, settings=Settings(), actor="test")
    for name, role in ROLES.items():
        project.add_user(name, role, PASSWORD)
    try:
        yield project
    finally:
        project.close()


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
