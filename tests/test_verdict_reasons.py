"""Why a reviewer ruled a person out: stored with the verdict, replayed after re-analysis,
undoable, listed by ``Project.person_verdicts`` and counted in the report's overview."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens import Project
from exitlens.model import EXCLUSION_REASONS
from exitlens.store.review_store import ReviewError
from tests.web.fake_reading import analysed_project, fake_settings


@pytest.fixture
def project(fake_analysed: Project) -> Project:
    return fake_analysed


def _people(project: Project) -> tuple[int, int, int]:
    """(document id, Sami's id — a defector, Noor's id — not one) of the Sami Aziz page."""
    doc = next(d.id or 0 for d in project.iter_documents() if "Sami Aziz" in d.text)
    reading = project.reading(doc)
    assert reading is not None
    ids = {p.name: p.id or 0 for p in reading.persons}
    return doc, ids["Sami Aziz"], ids["Noor Malik"]


def test_a_reason_is_stored_with_the_verdict_and_shown(project: Project) -> None:
    doc, sami, _ = _people(project)
    ana = project.as_actor("ana")
    ana.set_verdict(sami, "not_defector", seen="defector", reason="captured")
    assert project.verdict_reasons(doc) == {sami: "captured"}
    event = project.history(document_id=doc)[0]
    assert event["action"] == "review.person"
    assert event["payload"]["after"] == {"role": "other", "reason": "captured"}
    frame = project.person_verdicts()
    assert frame.to_dict("records")[0] | {"at": None} == {
        "document_id": doc, "title": frame["title"][0], "person_id": sami,
        "person": "Sami Aziz",
        "start": frame["start"][0], "machine": "defector", "verdict": "not_defector",
        "reason": "captured", "reason_label": EXCLUSION_REASONS["captured"],
        "reviewer": "ana", "at": None}


def test_a_reason_can_be_given_later_and_the_same_again_is_no_event(project: Project) -> None:
    doc, sami, _ = _people(project)
    ana = project.as_actor("ana")
    ana.set_verdict(sami, "not_defector", seen="defector")  # no reason yet
    assert project.verdict_reasons(doc) == {}
    ana.set_verdict(sami, "not_defector", seen="not_defector", reason="other_group")
    ana.set_verdict(sami, "not_defector", seen="not_defector", reason="other_group")
    events = [e for e in project.history(document_id=doc) if e["action"] == "review.person"]
    assert len(events) == 2
    assert events[0]["payload"]["before"] == {"role": "other"}
    assert events[0]["payload"]["after"] == {"role": "other", "reason": "other_group"}
    assert project.verdict_reasons(doc) == {sami: "other_group"}
    ana.set_verdict(sami, "not_defector", seen="not_defector", reason="current_member")
    assert project.verdict_reasons(doc) == {sami: "current_member"}
    ana.undo_last()  # back to the reason before
    assert project.verdict_reasons(doc) == {sami: "other_group"}
    reading = project.reading(doc)
    assert reading is not None
    assert next(p for p in reading.persons if p.id == sami).role == "other"


def test_bad_reasons_are_refused_and_nothing_is_written(project: Project) -> None:
    doc, sami, noor = _people(project)
    ana = project.as_actor("ana")
    with pytest.raises(ReviewError, match="unknown reason 'bored'"):
        ana.set_verdict(sami, "not_defector", seen="defector", reason="bored")
    with pytest.raises(ReviewError, match="not_defector verdict only"):
        ana.set_verdict(noor, "defector", seen="not_defector", reason="captured")
    assert not [e for e in project.history(document_id=doc) if e["action"] == "review.person"]
    assert project.person_verdicts().empty


def test_reasons_survive_reanalysis_and_reach_the_overview(tmp_path: Path, db_url: str
                                                           ) -> None:
    project = analysed_project(tmp_path, url=db_url)
    try:
        doc, sami, noor = _people(project)
        ana = project.as_actor("ana")
        ana.set_verdict(sami, "not_defector", seen="defector", reason="writer_or_analyst")
        ana.set_verdict(noor, "defector", seen="not_defector")
    finally:
        project.close()
    with Project.open(db_url, settings=fake_settings(4000), actor="test") as again:
        again.analyze()
        reading = again.reading(doc)
        assert reading is not None
        sami_now = next(p.id for p in reading.persons if p.name == "Sami Aziz")
        assert sami_now != sami  # a new analysis, new rows
        assert again.verdict_reasons(doc) == {sami_now: "writer_or_analyst"}
        overview = again.overview()
        assert overview["taken for defectors by the machine, ruled out by reviewers"] == \
            "1 (writer or analyst 1)"
        assert overview["called defectors by reviewers where the machine did not"] == "1"
        frame = again.person_verdicts()
        assert sorted(zip(frame["person"], frame["machine"], frame["verdict"], strict=True)) == [
            ("Noor Malik", "not_defector", "defector"),
            ("Sami Aziz", "defector", "not_defector")]


def test_a_verdict_undone_to_the_machine_is_not_listed(project: Project) -> None:
    _, sami, _ = _people(project)
    ana = project.as_actor("ana")
    ana.set_verdict(sami, "not_defector", seen="defector", reason="captured")
    assert len(project.person_verdicts()) == 1
    ana.undo_last()
    assert project.person_verdicts().empty
    assert "taken for defectors by the machine, ruled out by reviewers" not in \
        project.overview()


def test_cli_lists_the_verdicts(project: Project) -> None:
    import csv
    import io
    import json

    from typer.testing import CliRunner

    from exitlens.cli import app

    runner = CliRunner()
    empty = runner.invoke(app, ["verdicts", "--db", project.url])
    assert empty.exit_code == 0, empty.output
    assert "0 verdicts" in empty.output
    _, sami, _ = _people(project)
    project.as_actor("ana").set_verdict(sami, "not_defector", seen="defector",
                                        reason="no_own_account")
    table = runner.invoke(app, ["verdicts", "--db", project.url])
    assert table.exit_code == 0, table.output
    assert "Sami Aziz" in table.output and "1 verdicts" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        app, ["verdicts", "--db", project.url, "--format", "csv"]).output)))
    assert [(r["person"], r["verdict"], r["reason"]) for r in rows] == [
        ("Sami Aziz", "not_defector", "no_own_account")]
    records = json.loads(runner.invoke(
        app, ["verdicts", "--db", project.url, "--format", "json"]).output)
    assert records[0]["reason_label"] == EXCLUSION_REASONS["no_own_account"]
    assert records[0]["reviewer"] == "ana" and records[0]["at"][:2] == "20"


def test_a_reason_alone_asks_for_no_rereading(project: Project) -> None:
    doc, sami, noor = _people(project)
    ana = project.as_actor("ana")
    ana.set_verdict(noor, "not_defector", seen="not_defector", reason="relative_or_witness")
    assert not project.awaits_rereading(doc)  # Noor's role did not change
    ana.set_verdict(sami, "not_defector", seen="defector", reason="captured")
    assert project.awaits_rereading(doc)
