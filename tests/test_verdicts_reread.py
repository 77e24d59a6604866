"""Reviewers' verdicts on people reach the pipeline: a document whose verdicts changed
since it was read is read again by ``analyze``, and the roles stage honours the verdicts,
so a person a reviewer calls a defector gets evidence, a profile and near misses (and
suggested codes where the coders find any), and one they call no defector loses them.
The real pipeline over one fictional page."""

from __future__ import annotations

from pathlib import Path

from exitlens import Project
from exitlens.config import Settings

TEXT = (
    "Omar Haddad, a baker from Aleppo, joined the Islamic State in 2014. He left the group "
    "in 2016 after the emir's men stole the fighters' pay. \"They took everything and sent "
    "us to die,\" Omar Haddad said.\n\n"
    "The reporter Lina Saleh met him in Gaziantep. Lina Saleh said the executions in the "
    "square had turned the town against the group.\n"
)


def _person(project: Project, doc_id: int, name: str):  # type: ignore[no-untyped-def]
    reading = project.reading(doc_id)
    assert reading is not None
    index, person = next((i, p) for i, p in enumerate(reading.persons) if p.name == name)
    return reading, index, person


def test_a_verdict_makes_the_document_due_and_the_pipeline_honours_it(
        tmp_path: Path, db_url: str) -> None:
    (tmp_path / "page.txt").write_text(TEXT, encoding="utf-8")
    with Project.open(db_url, settings=Settings(), actor="ana") as project:
        project.ingest([tmp_path / "page.txt"])
        [doc_id] = project.analyze().analysed
        _, _, omar = _person(project, doc_id, "Omar Haddad")
        _, _, lina = _person(project, doc_id, "Lina Saleh")
        assert omar.role == "defector" and lina.role == "journalist"
        assert project.analyze().analysed == []  # nothing due
        project.set_verdict(lina.id or 0, "defector", seen="not_defector")
        project.set_verdict(omar.id or 0, "not_defector", seen="defector")
        assert project.analyze().analysed == [doc_id]  # read again, with the verdicts
        reading, li, lina = _person(project, doc_id, "Lina Saleh")
        _, oi, omar = _person(project, doc_id, "Omar Haddad")
        assert lina.role == "defector" and lina.role_confidence == 1.0
        assert lina.evidence and lina.source_voice == "self"  # she speaks
        assert any(n.person == li for n in reading.near_misses)
        assert omar.role == "other" and not omar.evidence
        assert not [c for c in reading.codings if c.person == oi]
        assert not [n for n in reading.near_misses if n.person == oi]
        assert project.analyze().analysed == []  # read with the verdicts: not due again
        # the cases follow the verdicts
        labels = {str(label) for label in project.cases()["label"]}
        assert any("Lina" in label for label in labels)
        assert not any("Omar" in label for label in labels)
