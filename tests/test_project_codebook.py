"""The codebook editor through the Python API and the CLI: every edit stores a new version
with an event; a merge re-points the merged code's codings (an event each, versions bumped,
kept after re-analysis) and never drops one; refused while an open round decides the code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.errors import ConflictError, ExitlensError
from tests.web.fake_reading import analysed_project


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    project = analysed_project(tmp_path, url=db_url)
    try:
        yield project
    finally:
        project.close()


def _all_codings(project: Project) -> list[dict]:
    return [c for d in project.iter_documents() for c in project.document_codings(d.id or 0)]


def test_each_edit_stores_a_version_and_logs_it(project: Project) -> None:
    project.add_code("unpaid_wages", "Unpaid wages", under="corruption", definition="No pay.")
    project.rename_code("unpaid_wages", "Wages not paid")
    moved = project.move_code("unpaid_wages", "daily_life")
    assert moved["before"] == "corruption"
    project.define_code("unpaid_wages", "Fighters went unpaid.", exclude="bonuses")
    code = project.codebook().get("unpaid_wages")
    assert (code.label, code.family, code.parent) == ("Wages not paid", "daily_life", None)
    assert (code.definition, code.exclude) == ("Fighters went unpaid.", "bonuses")
    versions = project.codebook_versions()
    assert [v["source"] for v in versions] == ["editor:add", "editor:rename", "editor:move",
                                               "editor:define"]
    events = [e for e in project.events(limit=20) if e["action"] == "codebook.store"]
    assert len(events) == 4
    assert {e["payload"]["edit"]["op"] for e in events} == {"add", "rename", "move", "define"}
    before = len(_all_codings(project))
    assert before > 0 and len(_all_codings(project)) == before  # nothing dropped


def test_merge_repoints_codings_with_an_event_each(project: Project) -> None:
    boredom = [c for c in _all_codings(project) if c["code"] == "boredom"]
    assert len(boredom) == 3
    total = len(_all_codings(project))
    result = project.merge_codes("boredom", "living_conditions")
    assert result["recoded"] == 3 and result["recoded_history"] == 0
    assert "boredom" not in project.codebook()
    after = {c["id"]: c for c in _all_codings(project)}
    assert len(after) == total
    for c in boredom:
        assert after[c["id"]]["code"] == "living_conditions"
        assert after[c["id"]]["version"] == c["version"] + 1
        assert (after[c["id"]]["start"], after[c["id"]]["end"]) == (c["start"], c["end"])
    recodes = [e for e in project.events(limit=50) if e["action"] == "codebook.recode"]
    assert len(recodes) == 3
    assert {e["payload"]["coding_id"] for e in recodes} == {c["id"] for c in boredom}
    assert all(e["payload"]["before"]["code"] == "boredom"
               and e["payload"]["after"]["code"] == "living_conditions" for e in recodes)
    # a reviewer who loaded the coding before the merge gets a conflict, not an overwrite
    with pytest.raises(ConflictError):
        project.decide_coding(boredom[0]["id"], boredom[0]["version"], status="accepted")


def test_a_merge_survives_re_analysis(project: Project) -> None:
    doc = next(d.id or 0 for d in project.iter_documents() if "Sami Aziz" in d.text)
    coding = next(c for c in project.document_codings(doc) if c["code"] == "boredom")
    project.decide_coding(coding["id"], coding["version"], status="accepted")
    project.merge_codes("boredom", "living_conditions")
    project.analyze()  # a new codebook version: every document is due again
    codes = {c["code"]: c for c in project.document_codings(doc)}
    # the fake stage suggests "boredom" again; the replayed merge re-points it, accepted
    assert codes["living_conditions"]["status"] == "accepted"
    assert "boredom" not in codes


def test_merge_refusals(project: Project) -> None:
    with pytest.raises(ExitlensError, match="no code 'nope'"):
        project.merge_codes("nope", "boredom")
    docs = sorted(d.id or 0 for d in project.iter_documents())
    project.add_user("cody", "coder", "a long enough password")
    project.add_user("cora", "coder", "a long enough password")
    project.create_round("pilot", coders=["cody", "cora"], documents=docs,
                         codes=["boredom"])
    with pytest.raises(ExitlensError, match="open round") as info:
        project.merge_codes("boredom", "living_conditions")
    assert info.value.code == "codebook_edit"
    assert "boredom" in project.codebook()  # nothing stored
    assert all(c["code"] != "living_conditions" for c in _all_codings(project))


def test_cli_edits(project: Project, tmp_path: Path) -> None:
    db = project.url
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    assert "added unpaid_wages" in run("codebook", "add", "unpaid_wages", "--label",
                                       "Unpaid wages", "--under", "corruption")
    assert "'Wages owed'" in run("codebook", "rename", "unpaid_wages", "Wages owed")
    assert "to daily_life" in run("codebook", "move", "unpaid_wages", "--under", "daily_life")
    run("codebook", "define", "unpaid_wages", "No pay for months.")
    out = run("codebook", "merge", "boredom", "--into", "unpaid_wages")
    assert "3 codings re-pointed" in out
    bad = runner.invoke(app, ["codebook", "move", "unpaid_wages", "--under", "nowhere",
                              "--db", db])
    assert bad.exit_code != 0 and "error[codebook_edit]" in bad.output
    project_codes = Project.open(db)
    try:
        book = project_codes.codebook()
        assert book.get("unpaid_wages").label == "Wages owed"
        assert book.get("unpaid_wages").definition == "No pay for months."
        assert "boredom" not in book
    finally:
        project_codes.close()
