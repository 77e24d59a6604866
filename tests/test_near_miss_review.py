"""Reviewing near misses through the Project: the queue of codes the coders leaned towards
for a defector without suggesting them, "add the code" and "not this code", and what those
decisions become (audit events, codings that survive re-analysis, training examples)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens import Project
from exitlens.coding.classifier import examples_from_readings
from exitlens.errors import ConflictError, NotFoundError
from exitlens.store import review_views
from exitlens.store.review_store import ReviewError
from tests.web.fake_reading import analysed_project, fake_settings


@pytest.fixture
def project(fake_analysed: Project) -> Project:
    return fake_analysed


def _doc_id(project: Project, needle: str) -> int:
    return next(d.id or 0 for d in project.iter_documents() if needle in d.text)


def test_queue_strongest_first_with_the_unit_in_context(project: Project) -> None:
    rows, total = project.near_miss_queue(limit=50)
    assert total == len(rows) == 6  # 3 defectors × 2 near misses
    assert [r["code"] for r in rows] == ["corruption"] * 3 + ["family"] * 3
    assert [r["score"] for r in rows] == [0.45] * 3 + [0.3] * 3
    for r in rows:
        doc = project.document(r["document_id"])
        assert r["evidence"] == doc.text[r["start"]:r["end"]]
        assert (r["before"] + r["evidence"] + r["after"]).strip("…") in doc.text
        assert r["person"] and r["coder"] == "classifier"
    one, n = project.near_miss_queue(limit=1, offset=1, document_id=rows[0]["document_id"])
    assert n == 2 and [r["code"] for r in one] == ["family"]


def test_add_and_dismiss_become_human_codings_with_an_audit_trail(project: Project) -> None:
    rows, _ = project.near_miss_queue()
    sami = _doc_id(project, "Sami Aziz")
    corruption = next(r for r in rows if r["document_id"] == sami and r["code"] == "corruption")
    family = next(r for r in rows if r["document_id"] == sami and r["code"] == "family")
    ana = project.as_actor("ana")
    added = ana.decide_near_miss(corruption["id"], True)
    assert (added["code"], added["status"], added["coder"], added["user"]) == (
        "corruption", "accepted", "human", "ana")
    assert (added["start"], added["end"]) == (corruption["start"], corruption["end"])
    dismissed = ana.decide_near_miss(family["id"], False)
    assert dismissed["status"] == "rejected"
    rows_after, total = project.near_miss_queue()
    assert total == 4 and not {corruption["id"], family["id"]} & {r["id"] for r in rows_after}
    # a second answer to the same near miss is refused, nothing written
    with pytest.raises(ConflictError, match=r"already accepted .* by ana"):
        project.as_actor("ben").decide_near_miss(corruption["id"], False)
    log = project.history(document_id=sami)
    assert [e["action"] for e in log[:2]] == ["review.add", "review.add"]
    assert log[0]["payload"]["origin"]["near_miss"] == {"code": "family", "score": 0.3,
                                                          "coder": "classifier"}
    # the accepted one counts; the rejected one never does
    codes = {(c["code"], c["status"]) for c in project.document_codings(sami)}
    assert {("corruption", "accepted"), ("family", "rejected")} <= codes
    # undo reopens the near miss
    ana.undo_last()
    assert family["id"] in {r["id"] for r in project.near_miss_queue()[0]}


def test_answers_teach_training_and_survive_re_analysis(tmp_path: Path, db_url: str) -> None:
    project = analysed_project(tmp_path, url=db_url)
    try:
        sami = _doc_id(project, "Sami Aziz")
        rows = [r for r in project.near_miss_queue()[0] if r["document_id"] == sami]
        by_code = {r["code"]: r for r in rows}
        project.decide_near_miss(by_code["corruption"]["id"], True)
        project.decide_near_miss(by_code["family"]["id"], False)
        reading = project.reading(sami)
        assert reading is not None
        examples = examples_from_readings([reading], project.codebook())
        unit = {e.text: e for e in examples if e.scope is not None}
        text = reading.document.text
        corruption = unit[text[by_code["corruption"]["start"]:by_code["corruption"]["end"]]]
        assert "corruption" in corruption.codes  # a positive
        family = unit[text[by_code["family"]["start"]:by_code["family"]["end"]]]
        assert family.codes == set() and family.scope == {"family"}  # a negative, for family only
    finally:
        project.close()
    with Project.open(db_url, settings=fake_settings(4000), actor="test") as again:
        assert len(again.analyze().analysed) == 3
        codes = {(c["code"], c["status"]) for c in again.document_codings(sami)}
        assert {("corruption", "accepted"), ("family", "rejected")} <= codes
        # the new analysis's near misses of the answered codes stay answered
        assert not [r for r in again.near_miss_queue()[0] if r["document_id"] == sami]
        assert again.near_miss_queue()[1] == 4


def test_people_no_longer_defectors_and_older_analyses_leave_the_queue(
        tmp_path: Path, db_url: str) -> None:
    project = analysed_project(tmp_path, url=db_url)
    try:
        sami = _doc_id(project, "Sami Aziz")
        reading = project.reading(sami)
        assert reading is not None
        person = next(p for p in reading.persons if p.name == "Sami Aziz")
        project.set_verdict(person.id or 0, "not_defector", seen="defector")
        assert project.near_miss_queue()[1] == 4
        assert all(r["document_id"] != sami for r in project.near_miss_queue()[0])
        # an analysis holding a reviewed coding is kept when the document is read again
        lina = _doc_id(project, "Lina Haddad")
        kept = next(c for c in project.document_codings(lina) if c["code"] == "brutality")
        project.decide_coding(kept["id"], 1, status="accepted")
        old = {r["document_id"]: r for r in project.near_miss_queue()[0]}
    finally:
        project.close()
    with Project.open(db_url, settings=fake_settings(4000), actor="test") as again:
        again.analyze()
        with pytest.raises(ReviewError) as info:
            again.decide_near_miss(old[lina]["id"], True)
        assert info.value.code == "stale_analysis"
        omar = _doc_id(again, "Omar Farid")
        with pytest.raises(NotFoundError):  # its analysis was replaced, near misses and all
            again.decide_near_miss(old[omar]["id"], True)


def test_a_coding_of_a_code_below_answers_its_near_miss(project: Project) -> None:
    """With a codebook where a code nests under the near miss's code, a coding of the child
    (here every defector's suggested boredom, as if it were under corruption) answers it."""
    with project.db.session() as session:
        rows, total = review_views.near_miss_queue(
            session, {"corruption": ["corruption", "boredom"], "family": ["family"]})
    assert total == 3 and {r["code"] for r in rows} == {"family"}


def test_the_open_count_stops_at_its_cap(project: Project) -> None:
    with project.db.session() as session:
        subtrees = {"corruption": ["corruption"], "family": ["family"]}
        assert review_views.near_miss_total(session, subtrees) == 6
        assert review_views.near_miss_total(session, subtrees, cap=4) == 4
        # the page is the same whatever the count
        rows, total = review_views.near_miss_queue(session, subtrees, total=4, limit=10)
        assert total == 4 and len(rows) == 6
