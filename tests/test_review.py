"""Human review through the Project: decisions, versions, audit log, undo, and decisions
that survive re-analysis."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens import Project
from exitlens.errors import ConflictError
from exitlens.store.review_store import ReviewError
from tests.web.fake_reading import analysed_project, fake_settings


def _doc_id(project: Project, needle: str) -> int:
    for doc in project.iter_documents():
        if needle in doc.text:
            return doc.id or 0
    raise AssertionError(needle)


def _codings(project: Project, doc_id: int) -> dict[str, dict]:
    return {c["code"]: c for c in project.document_codings(doc_id)}


@pytest.fixture
def project(fake_analysed: Project) -> Project:
    return fake_analysed


def test_queue_is_ordered_by_uncertainty_with_context(project: Project) -> None:
    rows, total = project.review_queue(limit=10)
    assert total == 6
    assert [r["code"] for r in rows[:3]] == ["brutality"] * 3  # 0.55 before 0.9
    first = rows[0]
    doc = project.document(first["document_id"])
    assert first["evidence"] == doc.text[first["start"]:first["end"]]
    assert (first["before"] + first["evidence"] + first["after"]).strip("…") in doc.text


def test_accept_reject_change_adjust_with_versions_and_events(project: Project) -> None:
    doc = _doc_id(project, "Sami Aziz")
    ana = project.as_actor("ana")
    c = _codings(project, doc)
    accepted = ana.decide_coding(c["brutality"]["id"], 1, status="accepted")
    assert accepted["status"] == "accepted" and accepted["version"] == 2
    assert accepted["user"] == "ana"
    with pytest.raises(ConflictError) as info:  # a second reviewer saw version 1
        project.as_actor("ben").decide_coding(c["brutality"]["id"], 1, status="rejected")
    assert info.value.current["status"] == "accepted" and info.value.current["version"] == 2
    assert project.coding(c["brutality"]["id"])["status"] == "accepted"  # not overwritten
    changed = ana.decide_coding(c["boredom"]["id"], 1, code="living_conditions")
    assert changed["code"] == "living_conditions" and changed["status"] == "accepted"
    adjusted = ana.decide_coding(changed["id"], 2, span=(15, 20))
    assert (adjusted["start"], adjusted["end"]) == (15, 20)
    with pytest.raises(ReviewError) as bad:
        ana.decide_coding(changed["id"], 3, span=(10, 10_000))
    assert bad.value.code == "bad_span"
    with pytest.raises(ReviewError) as bad:
        ana.decide_coding(changed["id"], 3, code="no_such_code")
    assert bad.value.code == "unknown_code"
    history = project.history(document_id=doc)
    reviews = [e for e in history if e["action"].startswith("review.")]
    assert len(reviews) == 3 and all(e["actor"] == "ana" for e in reviews)
    assert reviews[0]["payload"]["before"]["start"] != reviews[0]["payload"]["after"]["start"]
    assert reviews[-1]["payload"]["before"]["status"] == "suggested"
    assert [e["id"] for e in project.history(user="ana")][:3] == [e["id"] for e in reviews]


def test_undo_writes_a_compensating_event(project: Project) -> None:
    doc = _doc_id(project, "Lina Haddad")
    ana = project.as_actor("ana")
    c = _codings(project, doc)
    ana.decide_coding(c["brutality"]["id"], 1, status="rejected")
    added = ana.add_coding(doc, "family", 20, 31, person_id=None)
    n_events = len(project.history(limit=1000))
    undone = ana.undo_last()
    assert undone["action"] == "review.add"
    assert "family" not in _codings(project, doc)
    undone = ana.undo_last()
    assert undone["action"] == "review.coding"
    assert _codings(project, doc)["brutality"]["status"] == "suggested"
    log = project.history(limit=1000)
    assert len(log) == n_events + 2  # nothing deleted from the log
    assert log[0]["action"] == "review.undo" and log[0]["payload"]["undoes"] < log[0]["id"]
    with pytest.raises(ReviewError) as info:
        ana.undo_last()
    assert info.value.code == "nothing_to_undo"
    assert added["review_key"].startswith("added:")


def test_undo_refuses_when_someone_changed_it_since(project: Project) -> None:
    doc = _doc_id(project, "Sami Aziz")
    c = _codings(project, doc)
    project.as_actor("ana").decide_coding(c["boredom"]["id"], 1, status="accepted")
    project.as_actor("ben").decide_coding(c["boredom"]["id"], 2, status="rejected")
    with pytest.raises(ConflictError):
        project.as_actor("ana").undo_last()
    assert project.coding(c["boredom"]["id"])["status"] == "rejected"


def test_verdict_and_profile_corrections(project: Project) -> None:
    doc = _doc_id(project, "Sami Aziz")
    reading = project.reading(doc)
    assert reading is not None
    sami = next(p for p in reading.persons if p.name == "Sami Aziz")
    noor = next(p for p in reading.persons if p.name == "Noor Malik")
    n_cases = len(project.cases())
    project.as_actor("ana").set_verdict(noor.id or 0, "defector", seen="not_defector")
    assert len(project.cases()) == n_cases + 1  # cases rebuilt with the new defector
    with pytest.raises(ConflictError):
        project.as_actor("ben").set_verdict(noor.id or 0, "defector", seen="not_defector")
    project.as_actor("ana").set_profile_field(sami.id or 0, "nationality", "IQ", seen="SY")
    reading = project.reading(doc)
    assert reading is not None
    assert next(p for p in reading.persons if p.name == "Sami Aziz").profile.value(
        "nationality") == "IQ"
    with pytest.raises(ConflictError):
        project.as_actor("ben").set_profile_field(sami.id or 0, "nationality", "TR", seen="SY")


def test_human_decisions_survive_reanalysis(tmp_path: Path, db_url: str) -> None:
    project = analysed_project(tmp_path, url=db_url)
    try:
        doc = _doc_id(project, "Sami Aziz")
        other = _doc_id(project, "Lina Haddad")
        ana = project.as_actor("ana")
        c = _codings(project, doc)
        ana.decide_coding(c["brutality"]["id"], 1, status="accepted")
        ana.decide_coding(c["boredom"]["id"], 1, status="rejected")
        lina = _codings(project, other)
        ana.decide_coding(lina["boredom"]["id"], 1, code="family")
        added = ana.add_coding(other, "psych_toll", 0, 5)
        reading = project.reading(doc)
        assert reading is not None
        noor = next(p for p in reading.persons if p.name == "Noor Malik")
        sami = next(p for p in reading.persons if p.name == "Sami Aziz")
        ana.set_verdict(noor.id or 0, "defector", seen="not_defector")
        ana.set_verdict(sami.id or 0, "not_defector", seen="defector")
        old_ids = {c["id"] for c in project.document_codings(doc)}
    finally:
        project.close()
    # new settings: every document is analysed again and its rows are replaced
    with Project.open(db_url, settings=fake_settings(4000), actor="test") as again:
        assert len(again.analyze().analysed) == 3
        now = _codings(again, doc)
        assert not {c["id"] for c in now.values()} & old_ids
        assert now["brutality"]["status"] == "accepted"
        assert now["boredom"]["status"] == "rejected"
        lina_now = _codings(again, other)
        assert lina_now["family"]["status"] == "accepted" and "boredom" not in lina_now
        assert lina_now["psych_toll"]["review_key"] == added["review_key"]
        reading = again.reading(doc)
        assert reading is not None
        roles = {p.name: p.role for p in reading.persons}
        assert roles == {"Noor Malik": "defector", "Sami Aziz": "other"}
        case_docs = {d for ids in again.cases()["document_ids"] for d in ids}
        assert doc in case_docs  # Noor is a defector case now
        # the queue no longer offers decided codings, and its count leaves out the
        # superseded (kept because reviewed) analyses
        rows, total = again.review_queue(limit=100)
        assert all(r["document_id"] != doc or r["code"] not in ("brutality", "boredom")
                   for r in rows)
        assert total == len(rows) == 3


def test_cli_history_by_document_and_user(project: Project) -> None:
    from typer.testing import CliRunner

    from exitlens.cli import app

    doc = _doc_id(project, "Sami Aziz")
    coding = _codings(project, doc)["brutality"]
    project.as_actor("ana").decide_coding(coding["id"], 1, status="accepted")
    project.as_actor("ana").undo_last()
    runner = CliRunner()
    result = runner.invoke(app, ["history", "--db", project.url, "--document", str(doc)])
    assert result.exit_code == 0, result.output
    assert "review.undo (undoes" in result.output and "status=accepted" in result.output
    result = runner.invoke(app, ["history", "--db", project.url, "--user", "ana",
                                 "--format", "json"])
    import json

    events = json.loads(result.output)
    assert [e["action"] for e in events] == ["review.undo", "review.coding"]


def test_document_page_follows_review_status(project: Project) -> None:
    """The document list's filters see decisions as they are made (and undone)."""
    page, n = project.document_page(has_defectors=True, review_status="unreviewed")
    assert n == 3 and page[0]["codings"] == 2
    doc = _doc_id(project, "Sami Aziz")
    c = _codings(project, doc)
    project.as_actor("ana").decide_coding(c["brutality"]["id"], 1, status="accepted")
    project.as_actor("ana").add_coding(doc, "family", 0, 7)
    assert project.document_page(review_status="in_progress")[1] == 1
    project.as_actor("ana").undo_last()
    assert "family" not in _codings(project, doc)


def test_undo_of_a_case_merge(project: Project) -> None:
    ids = sorted(int(c) for c in project.cases()["case_id"])
    admin = project.as_actor("root")
    admin.merge_cases(ids[0], ids[1])
    assert len(project.cases()) == len(ids) - 1
    undone = admin.undo_last()
    assert undone["action"] == "case.merge" and undone["document_id"] is None
    assert len(project.cases()) == len(ids)  # (a freed case id may not come back)
    project.resolve_cases()  # stays undone at the next resolution
    assert len(project.cases()) == len(ids)


def test_simultaneous_saves_one_wins(project: Project) -> None:
    """Reviewer A's transaction read version 1; B saves first; A's compare-and-set fails."""
    from exitlens.store import review_store
    from exitlens.store.schema import CodingRow

    doc = _doc_id(project, "Sami Aziz")
    coding_id = _codings(project, doc)["brutality"]["id"]
    with pytest.raises(ConflictError) as info, project.db.session() as session:
        stale = session.get(CodingRow, coding_id)
        assert stale is not None and stale.version == 1  # A has read it
        project.as_actor("ben").decide_coding(coding_id, 1, status="rejected")  # B commits
        review_store.decide_coding(session, "ana", coding_id, 1, status="accepted")
    assert info.value.current["status"] == "rejected"
    assert project.coding(coding_id)["status"] == "rejected"
    assert [e["actor"] for e in project.history(document_id=doc)
            if e["action"] == "review.coding"] == ["ben"]
