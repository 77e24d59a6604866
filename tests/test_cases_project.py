"""Cases through the project: storage, corrections that survive re-analysis, the frames, the CLI.

The fast tests use a small fake reading stage (no models); the ``slow`` ones run the real
pipeline over the fictional documents in ``tests/data/cases`` (written for these tests).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cases import CASE_CODING_COLUMNS, CASE_COLUMNS
from exitlens.cli import app
from exitlens.config import Settings
from exitlens.errors import CaseError, NotFoundError
from exitlens.model import (
    PAGE_BASIS,
    Coding,
    DocumentReading,
    FieldValue,
    Mention,
    Person,
    Quote,
    Span,
)
from exitlens.pipeline import PipelineContext, stages
from exitlens.store.schema import CaseRow, EventRow, PersonRow
from tests.conftest import copied_database, module_database

DATA = Path(__file__).parent / "data" / "cases"

_PERSON = re.compile(r"Defector (?P<name>[A-Z][a-z]+ [A-Z][a-z]+), (?P<nat>[A-Z]{2})"
                     r"(?P<page>\?)?, left in (?P<year>\d{4})\.")


class FakeCaseStage:
    """Reads 'Defector Sami Aziz, SY, left in 2016.' as a quoted, coded defector ('SY?':
    the nationality only inferred from the page)."""

    name = "fake_cases"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            text = reading.document.text
            for m in _PERSON.finditer(text):
                span = Span(m.start("name"), m.end("name"))
                person = Person(name=m.group("name"), mentions=[Mention(span, "name")],
                                role="defector", role_confidence=0.9, source_voice="self",
                                evidence=[Span(m.start(), m.end())])
                person.profile.nationality = FieldValue(m.group("nat"), None,
                                                        PAGE_BASIS if m.group("page") else None)
                person.profile.left_year = FieldValue(int(m.group("year")), None)
                reading.persons.append(person)
                index = len(reading.persons) - 1
                reading.quotes.append(Quote(Span(m.start(), m.end()), "direct", speaker=index))
                reading.codings.append(
                    Coding("boredom", Span(m.start(), m.end()), "rules", 0.7, person=index)
                )


@pytest.fixture(autouse=True)
def _register_fake_stage() -> None:
    stages.add("fake_cases", FakeCaseStage)


def fake_settings(paragraph_chars: int | None = None) -> Settings:
    settings = Settings()
    settings.reading.stages = ["fake_cases"]
    if paragraph_chars is not None:  # any reading setting makes every document due again
        settings.reading.max_paragraph_chars = paragraph_chars
    return settings


FAKE_DOCS = {
    "a.txt": "Harbour notes, spring edition. Defector Sami Aziz, SY, left in 2016. Rain fell.",
    "b.txt": "A different outlet altogether writes: Defector Sami Aziz, SY, left in 2016.",
    "c.txt": "Third report, unrelated. Defector Lina Haddad, LB, left in 2017. Wind rose.",
}


def _fake_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in FAKE_DOCS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


def _case_by_doc(project: Project) -> dict[int, int]:
    frame = project.cases()
    return {doc: int(row.case_id) for row in frame.itertuples() for doc in row.document_ids}


def test_cases_are_resolved_at_the_end_of_analyze(tmp_path: Path, db_url: str) -> None:
    with Project.open(db_url, settings=fake_settings(), actor="t") as project:
        project.ingest([_fake_corpus(tmp_path / "in")])
        report = project.analyze()
        assert report.cases == 2
        by_doc = _case_by_doc(project)
        assert by_doc[1] == by_doc[2] != by_doc[3]
        with project.db.session() as session:
            assert all(session.scalars(select(PersonRow.case_id)))
            actions = list(session.scalars(select(EventRow.action)))
        assert "cases.resolve" in actions


def test_merge_and_split_are_logged_and_survive_reanalysis(tmp_path: Path, db_url: str) -> None:
    db = db_url
    with Project.open(db, settings=fake_settings(), actor="ana") as project:
        project.ingest([_fake_corpus(tmp_path / "in")])
        project.analyze()
        by_doc = _case_by_doc(project)
        sami, lina = by_doc[1], by_doc[3]
        split_off = project.split_case(sami, 2)
        assert split_off not in (sami, lina)
        merged = project.merge_cases(sami, lina)
        assert merged == sami  # the case holding the lowest person key keeps its id
        expected = {1: sami, 2: split_off, 3: sami}
        assert _case_by_doc(project) == expected
        detail = project.case(sami)
        assert any(r.startswith("merged by ana (event") for r in detail["merge_reasons"])
        assert detail["merge_score"] == 1.0
        assert any(r.startswith("split by ana") for r in project.case(split_off)["merge_reasons"])
        events = {e["action"]: e for e in project.events()}
        assert events["case.merge"]["payload"]["cases"] == [sami, lina]
        assert events["case.split"]["payload"]["document_id"] == 2
        assert events["case.split"]["payload"]["keys"][0]["label"] == "sami aziz"
        with project.db.session() as session:
            old_persons = set(session.scalars(select(PersonRow.id)))
    # a settings change makes every document due again: persons rows are replaced
    with Project.open(db, settings=fake_settings(5000), actor="ana") as project:
        assert len(project.analyze().analysed) == 3
        with project.db.session() as session:
            assert not old_persons & set(session.scalars(select(PersonRow.id)))
        assert _case_by_doc(project) == expected
        project.resolve_cases()
        assert _case_by_doc(project) == expected


def test_corrections_that_cannot_be_made_are_named_errors(tmp_path: Path, db_url: str) -> None:
    with Project.open(db_url, settings=fake_settings(), actor="t") as project:
        project.ingest([_fake_corpus(tmp_path / "in")])
        project.analyze()
        by_doc = _case_by_doc(project)
        with pytest.raises(CaseError) as exc:
            project.merge_cases(by_doc[1], by_doc[1])
        assert exc.value.code == "case_invalid"
        with pytest.raises(CaseError):
            project.split_case(by_doc[3], 3)  # its only source
        with pytest.raises(NotFoundError):
            project.split_case(by_doc[3], 1)
        with pytest.raises(NotFoundError):
            project.merge_cases(by_doc[3], 999)
        with pytest.raises(NotFoundError):
            project.case(999)


def test_frames_have_the_contract_columns_even_when_empty(tmp_project: Project) -> None:
    cases = tmp_project.cases()
    codings = tmp_project.case_codings()
    assert isinstance(cases, pd.DataFrame) and isinstance(codings, pd.DataFrame)
    assert list(cases.columns) == list(CASE_COLUMNS) and cases.empty
    assert list(codings.columns) == list(CASE_CODING_COLUMNS) and codings.empty
    assert tmp_project.resolve_cases() == {"cases": 0, "multi_source": 0, "defectors": 0}


def test_frames_exact_columns_and_values(tmp_path: Path, db_url: str) -> None:
    with Project.open(db_url, settings=fake_settings(), actor="t") as project:
        project.ingest([_fake_corpus(tmp_path / "in")])
        project.analyze()
        cases = project.cases()
        codings = project.case_codings()
    assert list(cases.columns) == [
        "case_id", "label", "n_sources", "document_ids", "person_ids", "names", "descriptor",
        "gender", "nationality", "origin_region", "age", "joined_year", "left_year", "role",
        "exit_mode", "outcome", "inferred_fields", "outlets", "outlet_kind", "outlet_kinds",
        "first_published", "flags", "flag_details", "merge_score", "merge_reasons",
    ]
    assert list(codings.columns) == [
        "case_id", "coding_id", "person_id", "document_id", "code", "status", "coder",
        "confidence", "start", "end", "text", "speaker", "outlet", "published", "title", "kind",
    ]
    sami = cases[cases["label"] == "Sami Aziz"].iloc[0]
    assert sami["n_sources"] == 2 and sami["document_ids"] == [1, 2]
    assert sami["names"] == ["Sami Aziz"] and sami["nationality"] == "SY"
    assert sami["left_year"] == 2016 and sami["merge_score"] > 0.6
    assert "same name 'Sami Aziz'" in sami["merge_reasons"]
    lina = cases[cases["label"] == "Lina Haddad"].iloc[0]
    assert lina["merge_score"] is None and lina["merge_reasons"] == []
    assert set(codings["case_id"]) == set(cases["case_id"])
    row = codings.iloc[0]
    assert row["text"].startswith("Defector Sami Aziz") and row["speaker"] == "Sami Aziz"
    assert row["status"] == "suggested"


def _cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def test_cli_cases_list_show_merge_split_resolve(tmp_path: Path, db_url: str) -> None:
    db = db_url
    with Project.open(db, settings=fake_settings(), actor="t") as project:
        project.ingest([_fake_corpus(tmp_path / "in")])
        project.analyze()
        by_doc = _case_by_doc(project)
    listed = _cli("cases", "--db", db)
    assert listed.exit_code == 0, listed.output
    assert "Sami Aziz" in listed.output and "2 cases" in listed.output
    as_json = _cli("cases", "--db", db, "--format", "json")
    assert '"case_id"' in as_json.output and '"merge_reasons"' in as_json.output
    shown = _cli("cases", "show", str(by_doc[1]), "--db", db)
    assert shown.exit_code == 0 and "same name 'Sami Aziz'" in shown.output
    split = _cli("cases", "split", str(by_doc[1]), "2", "--db", db)
    assert split.exit_code == 0 and "split from case" in split.output
    merge = _cli("cases", "merge", str(by_doc[1]), str(by_doc[3]), "--db", db)
    assert merge.exit_code == 0, merge.output
    resolved = _cli("cases", "resolve", "--db", db, "--format", "json")
    assert resolved.exit_code == 0 and '"cases": 2' in resolved.output
    missing = _cli("cases", "show", "999", "--db", db)
    assert missing.exit_code == 2 and "error[not_found]" in missing.output
    with Project.open(db, settings=fake_settings()) as project:
        actions = [e["action"] for e in project.events()]
    assert actions.count("case.merge") == 1 and actions.count("case.split") == 1


INFERRED_DOCS = {
    "a.txt": "Harbour notes, spring edition. Defector Sami Aziz, SY?, left in 2016. Rain fell.",
    "b.txt": "A different outlet altogether writes: Defector Sami Aziz, FR, left in 2016.",
    "c.txt": "Third report, unrelated. Defector Lina Haddad, LB?, left in 2017. Wind rose.",
}


def _inferred_project(tmp_path: Path, db_url: str) -> Project:
    """INFERRED_DOCS analysed with the fake stage (the caller closes the project)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name, text in INFERRED_DOCS.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    project = Project.open(db_url, settings=fake_settings(), actor="t")
    project.ingest([folder])
    project.analyze()
    return project


def test_a_nationality_only_inferred_from_the_page(tmp_path: Path, db_url: str) -> None:
    with _inferred_project(tmp_path, db_url) as project:
        cases = project.cases().set_index("label")
        # the page's SY neither keeps Sami Aziz's two accounts apart nor beats the stated FR
        assert cases.loc["Sami Aziz", "n_sources"] == 2
        assert cases.loc["Sami Aziz", "nationality"] == "FR"
        assert cases.loc["Sami Aziz", "inferred_fields"] == []
        assert cases.loc["Lina Haddad", "nationality"] == "LB"
        assert cases.loc["Lina Haddad", "inferred_fields"] == ["nationality"]
        assert project.overview()["nationality of cases"] == (
            "1 stated in a text, 1 only inferred from the page's country (counted as unknown "
            "in breakdowns; confirm or correct them on the document pages), 0 unknown")
        table = project.prevalence(by="dimension", breakdown="nationality")
        assert table.attrs["groups"] == {"FR": 1, "unknown": 1}
        asked = project.prevalence(by="dimension", breakdown="nationality", inferred=True)
        assert asked.attrs["groups"] == {"FR": 1, "LB": 1}
        lina = next(p for p in project.reading(3).persons if p.name == "Lina Haddad")
        # a reviewer confirming the value makes it stated
        project.set_profile_field(lina.id, "nationality", "LB", seen="LB")
        project.resolve_cases()
        assert project.cases().set_index("label").loc["Lina Haddad", "inferred_fields"] == []
        assert "nationality of cases" not in project.overview()
    assert "(page)" not in _cli("cases", "--db", db_url).output


def test_cli_marks_inferred_nationalities_and_groups_by_them_on_request(
        tmp_path: Path, db_url: str) -> None:
    _inferred_project(tmp_path, db_url).close()
    listed = _cli("cases", "--db", db_url)
    assert "LB (page)" in listed.output
    plain = _cli("stats", "--by", "dimension", "--breakdown", "nationality", "--db", db_url)
    assert plain.exit_code == 0, plain.output
    assert "only inferred from the page's country" in " ".join(plain.output.split())
    groups = {row["group"] for row in json.loads(_cli(
        "stats", "--by", "dimension", "--breakdown", "nationality", "--inferred", "--db",
        db_url, "--format", "json").output)}
    assert groups == {"FR", "LB"}
    misplaced = _cli("stats", "--breakdown", "gender", "--inferred", "--db", db_url)
    assert misplaced.exit_code == 2 and "--inferred applies to --breakdown nationality" in \
        " ".join(misplaced.output.split())


def test_cli_escapes_document_text(tmp_path: Path, db_url: str) -> None:
    db = db_url
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "x.txt").write_text("[bold]x[/bold] Defector Sami Aziz, SY, left in 2016.\n")
    with Project.open(db, settings=fake_settings(), actor="t") as project:
        project.ingest([folder])
        project.analyze()
    shown = _cli("cases", "show", "1", "--db", db)
    assert shown.exit_code == 0 and "[bold]x[/bold]" in shown.output


# ------------------------------------------------------------------ the real pipeline


@pytest.fixture(scope="module")
def analysed_db(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[str]:
    """The fictional case documents (with their manifest) ingested and analysed once per
    backend (the tests read it or work on a copy)."""
    with module_database(backend, tmp_path_factory, "cases") as url:
        with Project.open(url, settings=Settings(), actor="test") as project:
            report = project.ingest([DATA])
            assert report.as_dict()["added"] == 10
            project.analyze()
        yield url


def _doc_ids(project: Project) -> dict[str, int]:
    return {Path(d.source_path or "").name: d.id for d in project.documents()}


def _cases_of(project: Project) -> tuple[pd.DataFrame, dict[str, int]]:
    ids = _doc_ids(project)
    frame = project.cases()
    by_file = {name: int(row.case_id) for row in frame.itertuples()
               for name, doc in ids.items() if doc in row.document_ids}
    return frame, by_file


@pytest.mark.slow
def test_real_pipeline_groups_the_fictional_documents(analysed_db: str) -> None:
    with Project.open(analysed_db, settings=Settings()) as project:
        frame, case_of = _cases_of(project)
        ids = _doc_ids(project)
        detail = project.case(case_of["reprint-ledger.txt"])
        codings = project.case_codings()
    by_id = frame.set_index("case_id")
    # (a) a reprint of one interview in two outlets: one case, two sources
    reprint = by_id.loc[case_of["reprint-ledger.txt"]]
    assert case_of["reprint-coast.txt"] == case_of["reprint-ledger.txt"]
    assert reprint["n_sources"] == 2
    assert reprint["outlets"] == ["The Northern Ledger", "The Coastal Times"]
    assert f"reprint of document {ids['reprint-ledger.txt']}" in reprint["merge_reasons"]
    assert reprint["first_published"] == "2017-05-02" and reprint["outlet_kind"] == "news"
    # (b) a kunya in one article, the full name with that kunya and the nationality in another
    assert case_of["kunya-short.txt"] == case_of["kunya-long.txt"]
    kunya = by_id.loc[case_of["kunya-short.txt"]]
    assert kunya["label"] == "Abu Hafs al-Urduni" and kunya["nationality"] == "JO"
    assert "kunya 'Abu Hafs' of 'Abu Hafs al-Urduni'" in kunya["merge_reasons"]
    # (c) two unnamed Syrian defectors in unrelated articles stay two cases
    assert case_of["syrian-homs.txt"] != case_of["syrian-idlib.txt"]
    # (d) the same kunya with conflicting nationalities stays two cases
    assert case_of["musa-tunisian.txt"] != case_of["musa-egyptian.txt"]
    assert len(frame) == 7 and sorted(frame["n_sources"]) == [1, 1, 1, 1, 2, 2, 2]
    # (g) the contract columns, and the codings of every case's people
    assert list(frame.columns) == list(CASE_COLUMNS)
    assert list(codings.columns) == list(CASE_CODING_COLUMNS)
    assert set(codings["case_id"]) <= set(frame["case_id"])
    assert {s["document_id"] for s in detail["sources"]} == {
        ids["reprint-ledger.txt"], ids["reprint-coast.txt"]}
    assert all(c["text"] for c in detail["codes"])


@pytest.mark.slow
def test_real_pipeline_flags(analysed_db: str) -> None:
    with Project.open(analysed_db, settings=Settings()) as project:
        frame, case_of = _cases_of(project)
        ids = _doc_ids(project)
        news = project.document(ids["haddad-news.txt"])
    haddad = frame.set_index("case_id").loc[case_of["haddad-news.txt"]]
    assert case_of["haddad-court.txt"] == case_of["haddad-news.txt"]
    assert haddad["flags"] == ["writer_doubts", "sources_disagree", "court_or_custody"]
    details = haddad["flag_details"]
    doubt = next(f for f in details if f["flag"] == "writer_doubts")
    assert doubt["document_id"] == ids["haddad-news.txt"]
    assert news.text[doubt["start"]:doubt["end"]] == \
        "His account could not be independently verified."
    disagree = next(f for f in details if f["flag"] == "sources_disagree")
    assert disagree["field"] == "left_year"
    assert disagree["values"] == {str(ids["haddad-news.txt"]): 2016,
                                  str(ids["haddad-court.txt"]): 2017}
    court = [f for f in details if f["flag"] == "court_or_custody"]
    assert {"document_id": ids["haddad-court.txt"], "reason": "court document"}.items() <= \
        court[0].items()
    # an unflagged case has empty lists, never missing values
    kunya = frame.set_index("case_id").loc[case_of["kunya-long.txt"]]
    assert kunya["flags"] == [] and kunya["flag_details"] == []


@pytest.mark.slow
def test_real_pipeline_corrections_survive_reanalysis(analysed_db: str, tmp_path: Path
                                                      ) -> None:
    with copied_database(analysed_db, tmp_path) as db:
        check_corrections_survive_reanalysis(db)


def check_corrections_survive_reanalysis(db: str) -> None:
    with Project.open(db, settings=Settings(), actor="ana") as project:
        _, case_of = _cases_of(project)
        ids = _doc_ids(project)
        merged = project.merge_cases(case_of["musa-tunisian.txt"], case_of["musa-egyptian.txt"])
        split = project.split_case(case_of["haddad-news.txt"], ids["haddad-court.txt"])
        _, before = _cases_of(project)
    assert before["musa-tunisian.txt"] == before["musa-egyptian.txt"] == merged
    assert before["haddad-court.txt"] == split != before["haddad-news.txt"]
    changed = Settings()
    changed.reading.max_paragraph_chars = 5000
    with Project.open(db, settings=changed, actor="ana") as project:
        assert len(project.analyze().analysed) == 10
        _, after = _cases_of(project)
        with project.db.session() as session:
            n_cases = len(session.scalars(select(CaseRow.id)).all())
    assert after == before  # same grouping, same case ids
    assert n_cases == len(set(after.values()))
