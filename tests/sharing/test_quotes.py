"""The quote bank: rows, ranking, code filter, full-text search (SQLite FTS5 and
PostgreSQL tsvector), redaction, and the CLI formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.errors import ExitlensError
from exitlens.sharing.quotes import QUOTE_BANK_COLUMNS
from exitlens.store.schema import CodingRow

from .conftest import DOCS, NAMES


def test_rows_and_ranking(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        with project.db.session() as session:  # accept Lina's infighting coding
            session.execute(update(CodingRow).where(CodingRow.code == "infighting")
                            .values(status="accepted", user="ana"))
            session.execute(update(CodingRow).where(CodingRow.code == "corruption")
                            .values(status="rejected", user="ana"))
        bank = project.quotes(limit=None)
    assert list(bank.columns) == list(QUOTE_BANK_COLUMNS)
    assert bank.iloc[0]["code"] == "infighting" and bank.iloc[0]["status"] == "accepted"
    assert bank.iloc[0]["speaker"] == "Lina Haddad" and bank.iloc[0]["outlet"] is None
    assert "corruption" not in set(bank["code"])  # rejected codings are not quotes
    assert list(bank["kind"]) == ["coding"] * 3  # quotes with the coded span are not repeated
    row = bank.iloc[0]
    assert DOCS["c.txt"][row["start"]:row["end"]] == row["text"]


def test_code_filter_and_unknown_code(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bank = project.quotes(code="boredom")
        assert set(bank["code"]) == {"boredom"} and len(bank) == 2
        with pytest.raises(ExitlensError) as error:
            project.quotes(code="no_such_code")
    assert error.value.code == "unknown_code"


def test_full_text_query_matches_the_span_not_the_document(
        open_shared: Callable[[], Project], backend: str) -> None:
    """The same query syntax on both databases (the store's own full-text search);
    PostgreSQL's ``english`` configuration also stems words."""
    with open_shared() as project:
        hits = project.quotes(query="infighting")
        phrase = project.quotes(query='"cites boredom and corruption"')
        none = project.quotes(query="tired")  # in document a, outside every span
        prefix = project.quotes(query="bored*")
        either = project.quotes(query="infighting OR corruption")
        but_not = project.quotes(query="boredom NOT corruption")
        stemmed = project.quotes(query="cite boredom")
    assert list(hits["code"]) == ["infighting"]
    assert sorted(phrase["code"]) == ["boredom", "corruption"]  # one span, two codes
    assert none.empty
    assert len(prefix) == 3  # two spans of Sami, one of them coded twice
    assert sorted(either["code"]) == ["boredom", "corruption", "infighting"]
    assert list(but_not["code"]) == ["boredom"]  # document b's span
    if backend == "postgresql":  # english stemming: "cite" finds "cites"
        assert len(stemmed) == 3 and "infighting" not in set(stemmed["code"])
    else:  # FTS5's unicode61 tokenizer does not stem
        assert stemmed.empty


def test_redacted_quotes_are_the_same_rows(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        plain = project.quotes(limit=None)
        hidden = project.quotes(limit=None, redact=True, salt="k")
    assert list(plain["row_key"]) == list(hidden["row_key"])
    text = hidden.to_csv(index=False)
    for name in NAMES:
        assert name not in text
    assert set(hidden["speaker"]) <= {p for p in set(hidden["speaker"])
                                      if p.startswith("Person-")}


def test_cli_formats(shared_db: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("reading:\n  stages: [fake_sharing]\n", encoding="utf-8")
    base = ["quotes", "--db", shared_db, "--config", str(config)]
    result = CliRunner().invoke(app, [*base, "--format", "json", "--code", "boredom"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {r["code"] for r in rows} == {"boredom"} and rows[0]["case_id"] is not None
    csv = CliRunner().invoke(app, [*base, "--format", "csv"])
    assert csv.stdout.splitlines()[0].startswith("kind,code,label,text,speaker")
    md = CliRunner().invoke(app, [*base, "--format", "md", "--query", "infighting"])
    assert md.stdout.startswith("> Defector Lina Haddad") and "**infighting**" in md.stdout
    table = CliRunner().invoke(app, [*base, "--redact", "--limit", "2"])
    assert table.exit_code == 0 and "Person-" in table.stdout and "2 rows" in table.stdout
    missing = CliRunner().invoke(app, [*base, "--semantic"])
    assert missing.exit_code == 2 and "missing_query" in missing.output


def test_a_malformed_query_is_a_clear_error(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project, pytest.raises(ExitlensError) as error:
        project.quotes(query="NOT")
    assert error.value.code == "bad_query"
