"""A reading written as ``process`` table rows and read back is the same reading (near
misses included); ``load`` accepts a run written before near misses were stored."""

from __future__ import annotations

import shutil
from pathlib import Path

from exitlens import Project
from exitlens.ingest.inputs import PreparedItem
from exitlens.ingest.readers import ExtractedText
from exitlens.model import (
    Coding,
    Document,
    DocumentReading,
    Mention,
    NearMiss,
    Person,
    Span,
)
from exitlens.process import process
from exitlens.process.tables import document_from_row, reading_from_rows, reading_rows
from tests.process.test_partitions import light_settings, write_inputs

TEXT = "Defector Rami Saleh said the emirs kept the money. He went home in 2017."


def test_reading_rows_round_trip_with_near_misses() -> None:
    doc = Document(text=TEXT, source_path="/in/a.txt")
    person = Person(name="Rami Saleh", mentions=[Mention(Span(9, 19), "name")],
                    role="defector", role_confidence=0.9, evidence=[Span(0, 50)],
                    defector_score=0.93)
    reading = DocumentReading(document=doc, persons=[person])
    reading.codings.append(Coding("corruption", Span(0, 50), "ensemble", 0.8, person=0))
    reading.near_misses.append(NearMiss("family", Span(51, 72), 0.41, person=0))
    prepared = PreparedItem("/in/a.txt", "c" * 64, ExtractedText(TEXT, "txt"), len(TEXT))
    rows = reading_rows(reading, prepared, "part-0", [])
    [doc_row] = rows["documents"]
    back = reading_from_rows(document_from_row(doc_row), doc_row, rows["persons"],
                             rows["quotes"], rows["codings"], rows["near_misses"])
    assert back.near_misses == reading.near_misses
    assert back.codings == reading.codings and back.persons[0].name == "Rami Saleh"
    assert back.persons[0].defector_score == 0.93  # the possible-defector ranking's input


def test_load_reads_a_run_without_the_near_misses_table(tmp_path: Path, db_url: str) -> None:
    out = tmp_path / "out"
    process([write_inputs(tmp_path / "in", n_files=2, n_records=2)], out, light_settings(),
            "fp-old", partition_size=4)
    shutil.rmtree(out / "near_misses")  # as an older exitlens wrote it
    with Project.open(db_url, settings=light_settings(), actor="test") as project:
        report = project.load(out)
        assert report.readings_stored == 4
