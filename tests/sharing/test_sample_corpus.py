"""The real pipeline on the bundled (fictional) sample corpus: redacted exports in every
table format, the redacted report and the quote bank name nobody the reading found."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from exitlens import Project
from exitlens.config import Settings
from exitlens.demo import sample_corpus_dir
from exitlens.sharing.bundle import check_spans
from tests.conftest import module_database

pytestmark = pytest.mark.slow


def _settings() -> Settings:
    """The real reading stages; the rules coder alone (the other coders only change which
    codes are suggested, not who is named), which keeps the run cheap."""
    settings = Settings()
    settings.coding.coders = ["rules"]
    return settings


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[str]:
    """The analysed sample corpus, built once per backend (the tests only read it)."""
    with module_database(backend, tmp_path_factory, "sample") as db:
        with Project.open(db, settings=_settings(), actor="test") as project:
            project.ingest([sample_corpus_dir()])
            project.analyze()
        yield db


def _found_names(project: Project) -> set[str]:
    bundle = project.export_bundle()
    names = set(bundle.persons["name"].dropna())
    names |= set(bundle.mentions.loc[bundle.mentions["kind"].isin(["name", "alias"]), "text"])
    return {n for n in names if len(n.strip()) >= 2}


def _leaks(names: set[str], content: str) -> list[str]:
    return sorted(n for n in names if re.search(
        r"(?<![^\W_])" + r"[\s_\-]+".join(map(re.escape, n.split())) + r"(?![^\W_])",
        content, re.IGNORECASE))


def _read(path: Path) -> str:
    if path.suffix == ".qdpx":
        import zipfile

        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    files = [path] if path.is_file() else sorted(path.iterdir())
    return "\n".join(pd.read_parquet(f).astype(str).to_csv(index=False)
                     if f.suffix == ".parquet" else f.read_text(encoding="utf-8")
                     for f in files)


def test_redacted_exports_name_nobody_and_spans_hold(sample_db: str, tmp_path: Path) -> None:
    with Project.open(sample_db, settings=_settings(), actor="test") as project:
        names = _found_names(project)
        assert len(names) >= 10  # the corpus names people, kunyas and aliases
        plain = project.export(tmp_path / "plain.json", format="json")
        assert _leaks(names, _read(plain))  # the check can see names when they are there
        for fmt, target in (("csv", tmp_path / "csv"), ("parquet", tmp_path / "pq"),
                            ("json", tmp_path / "r.json")):
            written = project.export(target, format=fmt, redact=True)
            assert _leaks(names, _read(written)) == [], fmt
        if importlib.util.find_spec("exitlens.sharing.refi") is not None:
            written = project.export(tmp_path / "r.qdpx", format="qdpx", redact=True)
            assert _leaks(names, _read(written)) == [], "qdpx"
        bundle = project.export_bundle(redact=True)
        report = project.report(tmp_path / "r.html", redact=True)
        quotes = project.quotes(limit=None, redact=True)
    assert check_spans(bundle) == []
    assert bundle.codings["text"].str.len().gt(0).all()
    assert _leaks(names, report.read_text(encoding="utf-8")) == []
    assert _leaks(names, quotes.to_csv(index=False)) == []
    assert len(quotes) > 0


def test_quote_bank_on_the_sample_corpus(sample_db: str) -> None:
    with Project.open(sample_db, settings=_settings(), actor="test") as project:
        every = project.quotes(limit=None)
        semantic = project.quotes(query="they stole money and lived well", semantic=True,
                                  limit=5)
        searched = project.quotes(query="family", limit=None)
    assert set(every["kind"]) == {"coding", "quote"}
    statuses = [s for s in every["status"] if isinstance(s, str)]
    assert statuses == sorted(statuses, key=lambda s: s != "accepted")
    assert list(semantic["score"]) == sorted(semantic["score"], reverse=True)
    assert len(searched) > 0 and searched["text"].str.contains("famil", case=False).all()
