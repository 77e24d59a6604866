"""Shared fixtures: a throwaway project database and a small corpus of every format."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
