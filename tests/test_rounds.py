"""Blind coding rounds: creation, blindness before close, agreement, disagreements and
adjudication into accepted codings (fictional documents written into the store)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exitlens import Project
from exitlens.errors import ExitlensError, NotFoundError
from exitlens.store.schema import CodingRow
from tests.rounds_data import add_document, span_of

CODES = ["infighting", "corruption"]


@pytest.fixture
def project(tmp_project: Project) -> Project:
    for n in range(1, 4):
        add_document(tmp_project, n, suggestions={"corruption": "rules"})
    return tmp_project


def open_round(project: Project, **kw: object) -> dict:
    args = {"coders": ["ana", "ben"], "documents": [1, 2, 3], "codes": CODES}
    args.update(kw)
    return project.create_round("pilot", **args)  # type: ignore[arg-type]


def test_create_lists_units_and_refuses_bad_input(project: Project) -> None:
    info = open_round(project)
    assert info["status"] == "open" and info["n_persons"] == 3
    assert info["n_units"] == 3 * (1 + len(CODES))
    work = project.round_work(info["id"], "ana")
    assert list(work["unit"][:3]) == ["1/0/defector", "1/0/infighting", "1/0/corruption"]
    assert work.loc[work["unit"] == "1/0/corruption", "suggested"].item() is True
    assert work.loc[work["unit"] == "1/0/infighting", "suggested"].item() is False
    assert work["value"].isna().all()
    assert list(project.rounds()["name"]) == ["pilot"]
    for kwargs, code in [({"coders": ["ana"]}, "round_invalid"),
                         ({"documents": [99]}, "round_invalid"),
                         ({"codes": ["no_such_code"]}, "round_invalid")]:
        with pytest.raises(ExitlensError) as err:
            project.create_round("bad", **{"coders": ["ana", "ben"], "documents": [1],
                                          **kwargs})  # type: ignore[arg-type]
        assert err.value.code == code
    with pytest.raises(ExitlensError, match="exists already"):
        open_round(project)
    with pytest.raises(NotFoundError):
        project.round(42)


def test_sample_is_repeatable_with_its_seed(project: Project) -> None:
    a = project.create_round("s1", coders=["ana", "ben"], sample=2, seed=7, codes=CODES)
    b = project.create_round("s2", coders=["ana", "ben"], sample=2, seed=7, codes=CODES)
    assert a["documents"] == b["documents"] and len(a["documents"]) == 2
    assert a["seed"] == 7
    with pytest.raises(ExitlensError, match="cannot sample 9"):
        project.create_round("s3", coders=["ana", "ben"], sample=9)


def test_blind_before_close(project: Project) -> None:
    """A coder never reads another coder's decisions while the round is open: not through
    the decisions API, the work list, nor the agreement or disagreement views."""
    rid = open_round(project)["id"]
    project.decide(rid, "1/0/corruption", True, coder="ana",
                   span=span_of(project, 1, "the emirs kept the zakat money"))
    project.decide(rid, "1/0/corruption", False, coder="ben")
    mine = project.round_decisions(rid, "ben")
    assert list(mine["coder"]) == ["ben"] and list(mine["value"]) == [False]
    ben_work = project.round_work(rid, "ben")
    assert ben_work.loc[ben_work["unit"] == "1/0/corruption", "value"].item() is False
    assert ben_work["start"].isna().all()  # ana's span is nowhere in ben's view
    for peek in (lambda: project.round_decisions(rid),
                 lambda: project.round_agreement(rid),
                 lambda: project.round_disagreements(rid)):
        with pytest.raises(ExitlensError) as err:
            peek()
        assert err.value.code == "round_open"
    assert project.round(rid)["progress"] == {"ana": 1, "ben": 1}  # counts only
    with pytest.raises(ExitlensError) as err:
        project.round_work(rid, "cyd")
    assert err.value.code == "not_assigned"
    with pytest.raises(ExitlensError) as err:
        project.decide(rid, "1/0/corruption", True, coder="cyd")
    assert err.value.code == "not_assigned"


def test_blind_to_machine_hides_suggestions(project: Project) -> None:
    rid = open_round(project, blind_to_machine=True)["id"]
    work = project.round_work(rid, "ana")
    assert work["suggested"].isna().all() and work["suggested_start"].isna().all()
    assert project.round_agreement  # attribute exists; figures wait for close


def decide_all(project: Project, rid: int) -> None:
    corr = span_of(project, 1, "the emirs kept the zakat money")
    fight = span_of(project, 2, "fought each other over checkpoints")
    plan = {
        "ana": {"1/0/defector": True, "2/0/defector": True, "3/0/defector": True,
                "1/0/corruption": True, "2/0/corruption": False, "3/0/corruption": True,
                "1/0/infighting": False, "2/0/infighting": True, "3/0/infighting": False},
        "ben": {"1/0/defector": True, "2/0/defector": True, "3/0/defector": False,
                "1/0/corruption": False, "2/0/corruption": False, "3/0/corruption": True,
                "1/0/infighting": False, "2/0/infighting": True, "3/0/infighting": False},
    }
    for coder, units in plan.items():
        for unit, value in units.items():
            span = None
            if value and unit.endswith("corruption"):
                span = span_of(project, int(unit[0]), "the emirs kept the zakat money")
            elif value and unit.endswith("infighting"):
                span = fight if unit.startswith("2/") else None
            project.decide(rid, unit, value, coder=coder, span=span)
    assert corr[0] > 0


def test_close_agreement_disagreements_and_adjudication(project: Project) -> None:
    rid = open_round(project)["id"]
    decide_all(project, rid)
    project.decide(rid, "1/0/infighting", True, coder="ana")  # a change of mind is kept
    project.decide(rid, "1/0/infighting", False, coder="ana")
    table = project.close_round(rid).set_index("group")
    assert list(table.index) == ["defector", "infighting", "corruption"]
    corruption = table.loc["corruption"]
    # ana T F T, ben F F T: p_o = 2/3; p_e = 2/3·1/3 + 1/3·2/3 = 4/9 → κ = (2/9)/(5/9)
    assert corruption["n_units"] == 3
    assert corruption["percent_agreement"] == pytest.approx(2 / 3)
    assert corruption["kappa"] == pytest.approx(0.4)
    assert "few units (3 < 10)" in corruption["warning"]
    assert table.loc["infighting", "percent_agreement"] == 1.0
    assert project.round(rid)["status"] == "closed"
    with pytest.raises(ExitlensError) as err:
        project.decide(rid, "1/0/corruption", True, coder="ana")
    assert err.value.code == "round_closed"
    assert len(project.round_decisions(rid)) == 18  # everyone's, now that it is closed

    split = project.round_disagreements(rid).set_index("unit")
    assert set(split.index) == {"1/0/corruption", "3/0/defector"}
    row = split.loc["1/0/corruption"]
    assert (row["ana"], row["ben"], row["label"]) == (True, False, "Abu Marwen1")
    assert row["ana_span"] is not None and row["ben_span"] is None

    # adjudication: present → the rules suggestion becomes accepted at the coders' span
    result = project.adjudicate(rid, "1/0/corruption", True)
    with project.db.session() as session:
        coding = session.scalars(select(CodingRow).where(
            CodingRow.document_id == 1, CodingRow.code == "corruption")).one()
        assert (coding.status, coding.user) == ("accepted", project.actor)
        assert (coding.start, coding.end) == span_of(project, 1,
                                                     "the emirs kept the zakat money")
    assert result["codings"][0]["status"] == "accepted"
    # absent → the suggestion of document 3 is rejected; a new present one needs a span
    project.adjudicate(rid, "3/0/corruption", False)
    with pytest.raises(ExitlensError) as err:
        project.adjudicate(rid, "1/0/infighting", True)
    assert err.value.code == "span_required"
    span = span_of(project, 1, "fought each other over checkpoints")
    project.adjudicate(rid, "1/0/infighting", True, span=span)
    with project.db.session() as session:
        rows = {(c.document_id, c.code): c for c in session.scalars(select(CodingRow))}
        assert rows[(3, "corruption")].status == "rejected"
        added = rows[(1, "infighting")]
        assert (added.status, added.coder, added.user, added.start) == (
            "accepted", "human", project.actor, span[0])
    assert project.round_disagreements(rid).set_index("unit").loc[
        "1/0/corruption", "adjudicated"] is True
    actions = [e["action"] for e in project.events(limit=20)]
    assert actions.count("round.adjudicate") == 3 and "round.close" in actions
    with pytest.raises(ExitlensError) as err:
        project.close_round(rid)
    assert err.value.code == "round_closed"


def test_adjudication_needs_a_closed_round_and_known_unit(project: Project) -> None:
    rid = open_round(project)["id"]
    with pytest.raises(ExitlensError) as err:
        project.adjudicate(rid, "1/0/corruption", True)
    assert err.value.code == "round_open"
    project.close_round(rid)
    with pytest.raises(ExitlensError, match="no unit"):
        project.adjudicate(rid, "9/0/corruption", True)
    with pytest.raises(ExitlensError, match="not inside document"):
        project.adjudicate(rid, "1/0/corruption", True, span=(5, 100000))


def reanalyse(project: Project, doc_id: int) -> None:
    """What `analyze` does to a document, by hand: a new analysis with fresh persons and
    fresh suggestions (new row ids), then the human decisions re-applied."""
    from exitlens.store import review_store
    from exitlens.store.schema import AnalysisRow, MentionRow, PersonRow

    with project.db.session() as session:
        old = session.scalars(select(PersonRow).where(PersonRow.document_id == doc_id)).first()
        assert old is not None
        analysis = AnalysisRow(document_id=doc_id, fingerprint="test2", stages=[], notes=[])
        session.add(analysis)
        session.flush()
        person = PersonRow(document_id=doc_id, analysis_id=analysis.id, ordinal=0,
                           name=old.name, role="defector", role_confidence=0.9, role_cues=[],
                           profile={}, evidence=old.evidence)
        session.add(person)
        session.flush()
        session.add(MentionRow(person_id=person.id, start=0, end=len(old.name or ""),
                               kind="name"))
        text = project.document(doc_id).text
        start = text.index("emirs kept")
        session.add(CodingRow(document_id=doc_id, person_id=person.id,
                              analysis_id=analysis.id, code="corruption", start=start,
                              end=start + 40, coder="rules", confidence=0.7,
                              status="suggested"))
        session.flush()
        review_store.apply_decisions(session, doc_id)


def test_adjudication_survives_reanalysis_and_settles_defector_units(project: Project) -> None:
    rid = open_round(project)["id"]
    decide_all(project, rid)
    project.close_round(rid)
    span = span_of(project, 1, "the emirs kept the zakat money")
    project.adjudicate(rid, "1/0/corruption", True, span=span)
    reanalyse(project, 1)
    rows = project.document_codings(1)
    assert [(r["code"], r["status"], r["start"]) for r in rows] == [
        ("corruption", "accepted", span[0])]
    # the round still finds its person in the new analysis (by person key)
    assert project.round_disagreements(rid).set_index("unit").loc[
        "1/0/corruption", "adjudicated"] is True
    # a defector unit: the verdict on the person (cases are rebuilt)
    result = project.adjudicate(rid, "3/0/defector", False)
    assert result["verdict"] == {"before": "defector", "after": "not_defector"}
    assert 3 not in {d for ids in project.cases()["document_ids"] for d in ids}
    history = project.history(document_id=3)
    assert any(h["action"] == "review.person" for h in history)
