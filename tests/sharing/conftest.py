"""A small analysed project for the sharing tests, built without models.

A fake reading stage reads lines such as
"Defector Sami Aziz (Abu Layth), SY, aged 23, from Kafr Tala, left in 2016, cites boredom."
as one defector with a name mention, a kunya mention, a profile (nationality, age, year
left, a town), a quote and one suggested coding per listed code. All names and places are
fictional; an emoji and accented letters come before spans so offsets are tested in code
points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from exitlens import Project
from exitlens.config import Settings
from exitlens.model import Coding, DocumentReading, FieldValue, Mention, Person, Quote, Span
from exitlens.pipeline import PipelineContext, stages

LINE = re.compile(
    r"Defector (?P<name>[A-Z][a-z]+ [A-Z][a-z]+) \((?P<kunya>Abu [A-Z][a-z]+)\), "
    r"(?P<nat>[A-Z]{2}), aged (?P<age>\d+), from (?P<town>[A-Z][a-z]+(?: [A-Z][a-z]+)?), "
    r"left in (?P<year>\d{4}), cites (?P<codes>[a-z_ ]+)\.")


class FakeSharingStage:
    """One defector per matching line (see the module docstring)."""

    name = "fake_sharing"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            text = reading.document.text
            for m in LINE.finditer(text):
                span = Span(m.start(), m.end())
                person = Person(
                    name=m.group("name"),
                    mentions=[Mention(Span(m.start("name"), m.end("name")), "name"),
                              Mention(Span(m.start("kunya"), m.end("kunya")), "alias")],
                    role="defector", role_confidence=0.9, source_voice="self",
                    evidence=[span])
                person.profile.nationality = FieldValue(m.group("nat"), None)
                person.profile.age = FieldValue(int(m.group("age")),
                                                Span(m.start("age"), m.end("age")))
                person.profile.left_year = FieldValue(int(m.group("year")), None)
                person.profile.places = [FieldValue(m.group("town"),
                                                    Span(m.start("town"), m.end("town")))]
                # Later mentions of the kunya alone (a second paragraph) are the same person.
                for later in re.finditer(re.escape(m.group("kunya")), text[m.end():]):
                    s = m.end() + later.start()
                    person.mentions.append(Mention(Span(s, s + len(m.group("kunya"))),
                                                   "alias"))
                reading.persons.append(person)
                index = len(reading.persons) - 1
                reading.quotes.append(Quote(span, "direct", speaker=index))
                for code in m.group("codes").split(" and "):
                    reading.codings.append(Coding(code.strip(), span, "rules", 0.8,
                                                  person=index))


@pytest.fixture(autouse=True)
def _register_fake_stage() -> None:
    stages.add("fake_sharing", FakeSharingStage)


def sharing_settings() -> Settings:
    settings = Settings()
    settings.reading.stages = ["fake_sharing"]
    return settings


DOCS = {
    "a.txt": "Café notes 🙂 — Defector Sami Aziz (Abu Layth), SY, aged 23, from Kafr Tala, "
             "left in 2016, cites boredom and corruption.\nLater Abu Layth said he was tired.",
    "b.txt": "Another outlet 👋🏽: Defector Sami Aziz (Abu Layth), SY, aged 23, from Kafr Tala, "
             "left in 2016, cites boredom.",
    "c.txt": "Third paper. Defector Lina Haddad (Abu Nour), LB, aged 31, from Deir Mar, "
             "left in 2017, cites infighting.",
    "d.txt": "A note about the war in Syria with nobody in it.",
}
NAMES = ("Sami Aziz", "Abu Layth", "Lina Haddad", "Abu Nour", "Kafr Tala", "Deir Mar")


def write_corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def shared_db(tmp_path: Path, db_url: str) -> str:
    """A database (on the test's backend) with the four documents ingested and analysed by
    the fake stage."""
    db = db_url
    with Project.open(db, settings=sharing_settings(), actor="t") as project:
        project.ingest([write_corpus(tmp_path / "in")])
        project.analyze()
    return db


@pytest.fixture
def open_shared(shared_db: str) -> Callable[[], Project]:
    def factory() -> Project:
        return Project.open(shared_db, settings=sharing_settings(), actor="t")
    return factory
