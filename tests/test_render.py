"""Rich tables show document text as it is: ``[match]`` markers and brackets are escaped."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from exitlens.cli import app


def test_search_shows_match_markers_and_brackets(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.txt").write_text(
        "The ferry left at dawn. Nobody on the quay spoke about the grain lorry that night, "
        "and a note read [bold]keep quiet[/bold] in chalk.\n", encoding="utf-8")
    db = str(tmp_path / "r.db")
    assert CliRunner().invoke(app, ["ingest", str(folder), "--db", db]).exit_code == 0
    result = CliRunner().invoke(app, ["search", "grain lorry", "--db", db])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    # the snippet keeps the matched words with their markers (Rich used to eat them)
    assert "[grain]" in flat and "[lorry]" in flat
    result = CliRunner().invoke(app, ["search", "chalk", "--db", db])
    flat = " ".join(result.stdout.split())
    assert "[bold]keep" in flat and "[chalk]" in flat
