"""The export bundle: what it holds, and that every span is its text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select, update

from exitlens import Project
from exitlens.sharing.bundle import (
    CODING_COLUMNS,
    DOCUMENT_COLUMNS,
    PERSON_COLUMNS,
    QUOTE_COLUMNS,
    check_spans,
)
from exitlens.store.schema import CodingRow


def test_bundle_tables_and_columns(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
        cases = project.cases()
    assert list(bundle.documents.columns) == list(DOCUMENT_COLUMNS)
    assert list(bundle.persons.columns) == list(PERSON_COLUMNS)
    assert list(bundle.codings.columns) == list(CODING_COLUMNS)
    assert list(bundle.quotes.columns) == list(QUOTE_COLUMNS)
    assert len(bundle.documents) == 4 and len(bundle.sources) == 4
    assert sorted(bundle.codings["code"]) == ["boredom", "boredom", "corruption", "infighting"]
    assert list(bundle.cases["case_id"]) == list(cases["case_id"])
    assert len(bundle.cases) == 2  # Sami (two outlets) and Lina
    # a coding's case is its person's case
    sami = bundle.persons[bundle.persons["name"] == "Sami Aziz"]
    assert sami["case_id"].nunique() == 1
    assert set(bundle.codings.loc[bundle.codings["code"] == "boredom", "case_id"]) == set(
        sami["case_id"])
    assert set(sami["profile_places"]) == {"Kafr Tala"} and set(sami["profile_age"]) == {23}
    assert not bundle.redacted and bundle.pseudonyms == {}
    assert len(bundle.events) >= 2 and bundle.events["payload"].str.startswith("{").all()
    assert set(bundle.mentions["text"]) == {"Sami Aziz", "Abu Layth", "Lina Haddad", "Abu Nour"}


def test_every_span_is_its_text_in_code_points(open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    assert check_spans(bundle) == []
    first = bundle.codings[bundle.codings["code"] == "corruption"].iloc[0]
    text = bundle.document_text(int(first["document_id"]))
    assert "🙂" in text[: first["start"]]
    assert text[first["start"]:first["end"]].startswith("Defector Sami Aziz")


def test_reviewed_codings_of_older_analyses_are_kept(open_shared: Callable[[], Project]
                                                     ) -> None:
    with open_shared() as project:
        with project.db.session() as session:
            first = session.scalar(select(CodingRow.id).order_by(CodingRow.id))
            session.execute(update(CodingRow).where(CodingRow.id == first)
                            .values(status="accepted", user="ana"))
        project.settings.coding.min_confidence = 0.11  # a new fingerprint: re-analysis
        project.analyze()
        bundle = project.export_bundle()
    accepted = bundle.codings[bundle.codings["status"] == "accepted"]
    assert list(accepted["id"]) == [first] and list(accepted["user"]) == ["ana"]
    # the current analysis' suggestions are there once more, the superseded ones are not
    assert (bundle.codings["status"] == "suggested").sum() == 4
    assert check_spans(bundle) == []


def test_a_nationality_only_inferred_from_the_page_is_exported_as_such(tmp_path: Path) -> None:
    import zipfile

    from tests.web.fake_reading import add_document, analysed_project

    project = analysed_project(tmp_path)
    try:
        add_document(project, tmp_path / "more",
                     "Quiet valley. Defector Rami Saleh, IQ?, left in 2018.")
        bundle = project.export_bundle()
        persons = bundle.persons.set_index("name")
        assert persons.at["Rami Saleh", "profile_nationality"] == "IQ"
        assert persons.at["Rami Saleh", "profile_inferred"] == "nationality"
        assert persons.at["Sami Aziz", "profile_inferred"] is None
        cases = bundle.cases.set_index("label")
        assert list(cases.at["Rami Saleh", "inferred_fields"]) == ["nationality"]
        project.export(tmp_path / "out.qdpx", format="qdpx")
        with zipfile.ZipFile(tmp_path / "out.qdpx") as z:
            qde = z.read("project.qde").decode("utf-8")
        assert 'name="inferred_fields"' in qde and "<TextValue>nationality</TextValue>" in qde
    finally:
        project.close()
