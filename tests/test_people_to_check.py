"""The people to check: defectors no reviewer has checked, and per document the person the
machine did not call a defector whom the role model rated highest. A verdict — agreeing with
the machine included — takes a person off both lists, survives re-analysis and can be
undone."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from exitlens import Project
from exitlens.store.schema import PersonRow
from tests.web.fake_reading import analysed_project, fake_settings


def _ids(project: Project, name: str) -> tuple[int, int]:
    """(document id, person id) of the person called ``name``."""
    for doc in project.iter_documents():
        reading = project.reading(doc.id or 0)
        for person in reading.persons if reading else []:
            if person.name == name:
                return doc.id or 0, person.id or 0
    raise AssertionError(name)


def _set_score(project: Project, person_id: int, score: float | None) -> None:
    """Change a stored score behind the pipeline's back (only an analysis writes scores, so
    the project's counts kept under the state stamp are dropped by hand)."""
    with project.db.session() as session:
        row = session.get(PersonRow, person_id)
        assert row is not None
        row.defector_score = score
    project.__dict__.pop("_count_cache", None)


def test_scores_are_stored_with_the_reading(fake_analysed: Project) -> None:
    doc, _ = _ids(fake_analysed, "Sami Aziz")
    reading = fake_analysed.reading(doc)
    assert reading is not None
    assert {p.name: p.defector_score for p in reading.persons} == {
        "Sami Aziz": 0.85, "Noor Malik": 0.2}


def test_agreeing_with_the_machine_is_a_verdict_once(fake_analysed: Project) -> None:
    project = fake_analysed
    doc, sami = _ids(project, "Sami Aziz")
    ana = project.as_actor("ana")
    assert sami in {p["id"] for p in project.defector_queue()[0]}
    ana.set_verdict(sami, "defector", seen="defector")
    ana.set_verdict(sami, "defector", seen="defector")  # the verdict that stands: no event
    events = [e for e in project.history(document_id=doc) if e["action"] == "review.person"]
    assert len(events) == 1
    assert events[0]["payload"]["before"] == events[0]["payload"]["after"] == {
        "role": "defector"}
    assert sami not in {p["id"] for p in project.defector_queue()[0]}
    assert project.defector_queue()[1] == 2
    assert not project.awaits_rereading(doc)  # no role changed: nothing to read again
    frame = project.person_verdicts()
    assert frame[["person", "machine", "verdict"]].values.tolist() == [
        ["Sami Aziz", "defector", "defector"]]
    ana.undo_last()  # unchecked again
    assert sami in {p["id"] for p in project.defector_queue()[0]}
    assert project.person_verdicts().empty
    assert "taken for defectors by the machine, confirmed by reviewers" not in \
        project.overview()


def test_possible_defectors_one_per_document_strongest_first(fake_analysed: Project) -> None:
    project = fake_analysed
    doc, noor = _ids(project, "Noor Malik")
    _, sami = _ids(project, "Sami Aziz")
    rows, total = project.possible_defectors()
    assert total == 1 and [r["id"] for r in rows] == [noor]
    assert rows[0]["role"] == "journalist" and rows[0]["document_id"] == doc
    # Sami, ruled out by a reviewer, is checked: not a possible defector however high his
    # score, and Noor stays the page's one
    project.as_actor("ana").set_verdict(sami, "not_defector", seen="defector")
    assert [r["id"] for r in project.possible_defectors()[0]] == [noor]
    # the page's likeliest unchecked person is listed, and only one per page
    project.as_actor("ana").undo_last()
    _set_score(project, noor, None)  # no score (read without a role model): never listed
    assert project.possible_defectors() == ([], 0)
    _set_score(project, noor, 0.6)
    _, lina = _ids(project, "Lina Haddad")
    _set_score(project, lina, 0.95)  # a defector: never a possible one
    rows, total = project.possible_defectors(limit=1)
    assert total == 1 and rows[0]["score"] == 0.6


def test_checked_people_stay_checked_after_reanalysis(tmp_path: Path, db_url: str) -> None:
    project = analysed_project(tmp_path, url=db_url)
    try:
        doc, sami = _ids(project, "Sami Aziz")
        _, noor = _ids(project, "Noor Malik")
        ana = project.as_actor("ana")
        ana.set_verdict(sami, "defector", seen="defector")
        ana.set_verdict(noor, "not_defector", seen="not_defector")
    finally:
        project.close()
    with Project.open(db_url, settings=fake_settings(4000), actor="test") as again:
        again.analyze()
        _, sami_now = _ids(again, "Sami Aziz")
        assert sami_now != sami  # a new analysis, new rows
        assert sami_now not in {p["id"] for p in again.defector_queue()[0]}
        assert again.defector_queue()[1] == 2
        assert again.possible_defectors() == ([], 0)
        assert again.overview()[
            "taken for defectors by the machine, confirmed by reviewers"] == "1"
        with again.db.session() as session:
            scores = session.scalars(select(PersonRow.defector_score)
                                     .where(PersonRow.document_id == doc)).all()
        assert sorted(s for s in scores if s is not None)[-2:] == [0.2, 0.85]


def test_the_next_likeliest_person_of_a_page_follows_a_checked_one(fake_analysed: Project
                                                                   ) -> None:
    project = fake_analysed
    doc, noor = _ids(project, "Noor Malik")
    with project.db.session() as session:
        row = session.get(PersonRow, noor)
        assert row is not None
        extra = PersonRow(document_id=doc, analysis_id=row.analysis_id, ordinal=9,
                          name="Rami Saleh", role="other", role_confidence=0.5,
                          defector_score=0.7)
        session.add(extra)
        session.flush()
        rami = extra.id
    project.__dict__.pop("_count_cache", None)  # a row added behind the pipeline's back
    assert [r["id"] for r in project.possible_defectors()[0]] == [rami]
    project.as_actor("ana").set_verdict(rami, "not_defector", seen="not_defector")
    assert [r["id"] for r in project.possible_defectors()[0]] == [noor]


def test_cli_lists_the_people_to_check(fake_analysed: Project) -> None:
    import csv
    import io
    import json

    from typer.testing import CliRunner

    from exitlens.cli import app

    runner = CliRunner()
    table = runner.invoke(app, ["to-check", "--db", fake_analysed.url])
    assert table.exit_code == 0, table.output
    assert "Sami Aziz" in table.output and "3 of 3 defectors to check" in table.output
    rows = list(csv.DictReader(io.StringIO(runner.invoke(
        app, ["to-check", "possible", "--db", fake_analysed.url, "--format", "csv"]).output)))
    assert [(r["label"], r["role"], r["score"]) for r in rows] == [
        ("Noor Malik", "journalist", "0.2")]
    _, sami = _ids(fake_analysed, "Sami Aziz")
    fake_analysed.as_actor("ana").set_verdict(sami, "defector", seen="defector")
    records = json.loads(runner.invoke(
        app, ["to-check", "--db", fake_analysed.url, "--format", "json"]).output)
    assert len(records) == 2 and all(r["label"] != "Sami Aziz" for r in records)
