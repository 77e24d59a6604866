"""Storing and reloading pipeline results (``Project.analyze``), independent of the NLP.

A deterministic fake stage stands in for the real reading stages so these tests
check the storage contract itself: round trip, resumability, fingerprints and
re-analysis that never destroys human review decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select, update

from exitlens import Project
from exitlens.config import Settings
from exitlens.model import (
    Coding,
    DocumentReading,
    FieldValue,
    Mention,
    Person,
    Quote,
    Span,
)
from exitlens.pipeline import PipelineContext, stages
from exitlens.store.readings import analysis_fingerprint
from exitlens.store.schema import AnalysisRow, CodingRow, EventRow

CALLS: list[int] = []


class FakeReadingStage:
    """Finds 'Abu Test' as a defector who is quoted; codes the quote as boredom."""

    name = "fake_reading"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            CALLS.append(reading.document.id or 0)
            text = reading.document.text
            if "BOOM" in text:
                raise RuntimeError("simulated pipeline bug")
            start = text.find("Abu Test")
            if start < 0:
                continue
            q_start = text.find('"')
            q_end = text.find('"', q_start + 1) + 1
            person = Person(
                name="Abu Test",
                descriptor=None,
                mentions=[Mention(Span(start, start + 8), "name")],
                role="defector",
                role_confidence=0.9,
                source_voice="self",
                evidence=[Span(q_start, q_end)],
            )
            person.profile.gender = FieldValue("m", Span(start, start + 8))
            person.profile.route = [FieldValue("Kilis", None)]
            reading.persons.append(person)
            reading.quotes.append(
                Quote(
                    Span(q_start, q_end), "direct", speaker=0, speaker_span=Span(start, start + 8)
                )
            )
            reading.codings.append(Coding("boredom", Span(q_start, q_end), "rules", 0.7, person=0))


@pytest.fixture(autouse=True)
def _register_fake_stage() -> None:
    stages.add("fake_reading", FakeReadingStage)
    CALLS.clear()


def fake_settings(batch_size: int = 2) -> Settings:
    settings = Settings()
    settings.reading.stages = ["fake_reading"]
    settings.reading.batch_size = batch_size
    return settings


def write_docs(folder: Path, n: int, bad: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        marker = " BOOM" if i == bad else ""
        (folder / f"doc{i:02d}.txt").write_text(
            f'Invented testimony number {i}. Abu Test said: "I stood guard for month {i} '
            f'and did nothing else."{marker}\n',
            encoding="utf-8",
        )
    return folder


def test_round_trip_of_a_reading(tmp_path: Path, db_url: str) -> None:
    """What analyze stores reads back as the same persons, quotes, codings and profile."""
    with Project.open(db_url, settings=fake_settings()) as project:
        project.ingest([write_docs(tmp_path / "in", 1)])
        report = project.analyze()
        assert report.analysed == [1] and report.defectors == 1
        reading = project.reading(1)
        assert reading is not None
        text = reading.document.text
        (person,) = reading.persons
        assert person.name == "Abu Test" and person.role == "defector"
        assert person.profile.value("gender") == "m"
        assert [fv.value for fv in person.profile.route] == ["Kilis"]
        assert person.mentions[0].span.text_of(text) == "Abu Test"
        (quote,) = reading.quotes
        assert quote.speaker == 0 and quote.span.text_of(text).startswith('"I stood guard')
        (coding,) = reading.codings
        assert coding.code == "boredom" and coding.person == 0 and coding.status == "suggested"
        (record,) = list(project.records())
        assert record["defectors"][0]["codes"][0]["text"] == quote.span.text_of(text)


def test_analyze_skips_done_documents_and_redoes_on_new_settings(
        tmp_path: Path, db_url: str) -> None:
    db = db_url
    with Project.open(db, settings=fake_settings()) as project:
        project.ingest([write_docs(tmp_path / "in", 3)])
        assert len(project.analyze().analysed) == 3
        assert project.analyze().analysed == []  # nothing new
    changed = fake_settings()
    changed.reading.max_paragraph_chars = 5000  # any reading setting changes the fingerprint
    assert analysis_fingerprint(changed) != analysis_fingerprint(fake_settings())
    with Project.open(db, settings=changed) as project:
        assert len(project.analyze().analysed) == 3
        with project.db.session() as session:
            # superseded machine-only analyses were replaced, not accumulated
            assert len(session.scalars(select(AnalysisRow)).all()) == 3


def test_reviewed_codings_survive_reanalysis(tmp_path: Path, db_url: str) -> None:
    db = db_url
    with Project.open(db, settings=fake_settings()) as project:
        project.ingest([write_docs(tmp_path / "in", 1)])
        project.analyze()
        with project.db.session() as session:
            session.execute(update(CodingRow).values(status="accepted", user="human:ana"))
    changed = fake_settings()
    changed.reading.max_paragraph_chars = 5000
    with Project.open(db, settings=changed) as project:
        project.analyze()
        with project.db.session() as session:
            statuses = sorted(session.scalars(select(CodingRow.status)).all())
        assert statuses == ["accepted", "suggested"]


def test_a_failing_document_is_reported_and_the_rest_analysed(tmp_path: Path, db_url: str) -> None:
    with Project.open(db_url, settings=fake_settings(batch_size=4)) as project:
        project.ingest([write_docs(tmp_path / "in", 4, bad=2)])
        report = project.analyze()
        assert sorted(report.analysed) == [1, 2, 4]
        assert [d for d, _ in report.failed] == [3]
        assert "simulated pipeline bug" in report.failed[0][1]
        assert project.analysis_status()["pending"] == 1


def test_each_document_is_logged_in_the_audit_trail(tmp_path: Path, db_url: str) -> None:
    with Project.open(db_url, settings=fake_settings(), actor="tester") as project:
        project.ingest([write_docs(tmp_path / "in", 2)])
        project.analyze()
        with project.db.session() as session:
            actions = session.scalars(
                select(EventRow.action).where(EventRow.actor == "tester")
            ).all()
        assert actions.count("analyze.document") == 2
        assert actions.count("ingest.add") == 2


def test_resume_after_interruption_matches_uninterrupted_run(
        tmp_path: Path, make_db_url: Callable[..., str]) -> None:
    """A run stopped midway (here: limit) resumes with the rest and ends identical."""
    docs = write_docs(tmp_path / "in", 5)
    with Project.open(make_db_url("f"), settings=fake_settings(batch_size=1)) as part:
        part.ingest([docs])
        assert len(part.analyze(limit=2).analysed) == 2
        CALLS.clear()
        part.analyze()
        assert sorted(CALLS) == [3, 4, 5]  # only the unfinished ones were read
        resumed = list(part.records())
    with Project.open(make_db_url("g"), settings=fake_settings()) as whole:
        whole.ingest([docs])
        whole.analyze()
        assert list(whole.records()) == resumed
