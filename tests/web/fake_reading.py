"""A small fake reading stage for the review tests (no models): every sentence
'Defector NAME NAME, CC, left in YYYY.' is a quoted defector with two suggested codings
(brutality at 0.55, boredom at 0.9) and two near misses (corruption at 0.45 on the
sentence, family at 0.3 on the year); 'Reporter NAME NAME wrote.' is a journalist. The
role model's defector score is 0.85 for defectors and 0.2 for journalists, so each reporter
is a possible defector. 'CC?' marks the nationality as only inferred from the page."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from exitlens import Project
from exitlens.config import Settings
from exitlens.model import (
    PAGE_BASIS,
    Coding,
    DocumentReading,
    FieldValue,
    Mention,
    NearMiss,
    Person,
    Quote,
    Span,
)
from exitlens.pipeline import PipelineContext, stages

_DEFECTOR = re.compile(r"Defector (?P<name>[A-Z][a-z]+ [A-Z][a-z]+), (?P<nat>[A-Z]{2})"
                       r"(?P<page>\?)?, left in (?P<year>\d{4})\.")
_REPORTER = re.compile(r"Reporter (?P<name>[A-Z][a-z]+ [A-Z][a-z]+) wrote\.")


class FakeReviewStage:
    name = "fake_review"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            text = reading.document.text
            for m in _DEFECTOR.finditer(text):
                span = Span(m.start("name"), m.end("name"))
                person = Person(name=m.group("name"), mentions=[Mention(span, "name")],
                                role="defector", role_confidence=0.9, source_voice="self",
                                evidence=[Span(m.start(), m.end())], defector_score=0.85)
                person.profile.nationality = FieldValue(m.group("nat"),
                                                        Span(m.start("nat"), m.end("nat")),
                                                        PAGE_BASIS if m.group("page") else None)
                reading.persons.append(person)
                index = len(reading.persons) - 1
                reading.quotes.append(Quote(Span(m.start(), m.end()), "direct", speaker=index))
                reading.codings.append(Coding("brutality", Span(m.start(), m.end()), "rules",
                                              0.55, person=index))
                reading.codings.append(Coding("boredom", Span(m.start("year"), m.end("year")),
                                              "rules", 0.9, person=index))
                reading.near_misses.append(NearMiss("corruption", Span(m.start(), m.end()),
                                                    0.45, person=index))
                reading.near_misses.append(NearMiss("family",
                                                    Span(m.start("year"), m.end("year")),
                                                    0.3, person=index))
            for m in _REPORTER.finditer(text):
                span = Span(m.start("name"), m.end("name"))
                reading.persons.append(Person(name=m.group("name"),
                                              mentions=[Mention(span, "name")],
                                              role="journalist", role_confidence=0.8,
                                              defector_score=0.2))


def register() -> None:
    stages.add("fake_review", FakeReviewStage)


def fake_settings(paragraph_chars: int | None = None) -> Settings:
    settings = Settings()
    settings.reading.stages = ["fake_review"]
    if paragraph_chars is not None:  # any reading setting makes every document due again
        settings.reading.max_paragraph_chars = paragraph_chars
    return settings


DOCS = {
    "a.txt": "Harbour notes. Defector Sami Aziz, SY, left in 2016. Reporter Noor Malik wrote.",
    "b.txt": "🙂 Emoji first. Defector Lina Haddad, LB, left in 2017. Wind rose.",
    "c.txt": ("<script>alert(1)</script><img src=x onerror=alert(2)> "
              "Defector Omar Farid, JO, left in 2015."),
}


def add_document(project: Project, folder: Path, text: str, name: str = "d.txt") -> None:
    """Ingest one more document written to ``folder`` and analyse it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text + "\n", encoding="utf-8")
    project.ingest([folder])
    project.analyze()


def analysed_project(folder: Path, settings: Settings | None = None, actor: str = "test",
                     url: str | None = None) -> Project:
    """A project over the three DOCS, analysed with the fake stage (caller closes it)."""
    register()
    corpus = folder / "in"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in DOCS.items():
        (corpus / name).write_text(text + "\n", encoding="utf-8")
    project = Project.open(url or str(folder / "review.db"), settings=settings or fake_settings(),
                           actor=actor)
    project.ingest([corpus])
    project.analyze()
    return project
