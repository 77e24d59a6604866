"""Rich tables show document text as it is: ``[match]`` markers and brackets are escaped."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from exitlens.cli import app


def test_search_shows_match_markers_and_brackets(tmp_path: Path, db_url: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "one.txt").write_text(
        "The ferry left at dawn. Nobody on the quay spoke about the grain lorry that night, "
        "and a note read [bold]keep quiet[/bold] in chalk.\n", encoding="utf-8")
    db = db_url
    assert CliRunner().invoke(app, ["ingest", str(folder), "--db", db]).exit_code == 0
    result = CliRunner().invoke(app, ["search", "grain lorry", "--db", db])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    # the snippet keeps the matched words with their markers (Rich used to eat them)
    assert "[grain]" in flat and "[lorry]" in flat
    result = CliRunner().invoke(app, ["search", "chalk", "--db", db])
    flat = " ".join(result.stdout.split())
    assert "[bold]keep" in flat and "[chalk]" in flat


def test_quote_rows_are_shown_literally() -> None:
    from rich.console import Console

    from exitlens.render import quotes_markdown, quotes_table

    row = {"code": "boredom", "speaker": "[i]Abu X[/i]", "case_id": 3, "outlet": "[b]Daily[/b]",
           "title": "T", "published": "2020", "status": "suggested", "confidence": 0.5,
           "text": "He said [bold]nothing[/bold] [match]", "document_id": 1, "start": 0,
           "end": 5}
    console = Console(width=300, record=True)
    console.print(quotes_table([row]))
    shown = console.export_text()
    assert "[bold]nothing[/bold] [match]" in shown and "[i]Abu X[/i]" in shown
    assert "[b]Daily[/b]" in shown
    assert "> He said [bold]nothing[/bold] [match]" in quotes_markdown([row])


def test_uncoded_own_quote_is_labelled_in_the_status_column() -> None:
    """A quote row shows "own quote" where a coding row shows its review status."""
    from rich.console import Console

    from exitlens.render import quotes_table

    base = {"code": "family", "speaker": "A", "case_id": 1, "outlet": None, "title": "T",
            "published": None, "confidence": None, "text": "I missed my mother"}
    console = Console(width=200, record=True)
    console.print(quotes_table([{**base, "kind": "coding", "status": "accepted"},
                                {**base, "kind": "quote", "status": None}]))
    lines = [ln for ln in console.export_text().splitlines() if "I missed my mother" in ln]
    assert "accepted" in lines[0] and "own quote" not in lines[0]
    assert "own quote" in lines[1]
