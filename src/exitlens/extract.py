"""``exitlens extract``: the pipeline on files, no database; SPEC §3 records out.

Files go through the same readers as ``ingest`` (so offsets are into the same
stored text), unreadable files are reported and skipped, and records stream out
in input order as batches finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from .config import Settings
from .ingest.inputs import FileOutcome, plan_inputs, read_unit, split_units
from .language import covered_languages, language_note
from .model import Document
from .pipeline import Pipeline
from .records import reading_record


def read_documents(
    paths: Iterable[str | Path], settings: Settings, on_problem: Callable[[FileOutcome], None]
) -> Iterator[Document]:
    """A Document (``source_path``: the source label) for every readable input, read lazily;
    problems go to ``on_problem``.

    The same reading steps as ``ingest`` (so offsets point into the same stored text),
    minus the database. A large JSONL file is read a run of lines at a time
    (``reading.batch_size`` × 8 records), so memory stays bounded whatever its size.
    """
    planned, early = plan_inputs(paths)
    for outcome in early:
        on_problem(outcome)
    lines_per_unit = max(64, settings.reading.batch_size * 8)
    seen_ids: dict[Path, set[str]] = {}
    for unit in split_units(planned, lines_per_unit):
        seen = seen_ids.setdefault(unit.planned.path, set())
        for entry in read_unit(unit, settings.ingest, seen):
            if isinstance(entry, FileOutcome):
                on_problem(entry)
            else:
                yield entry.document()


def extract(
    paths: Iterable[str | Path],
    settings: Settings,
    on_problem: Callable[[FileOutcome], None],
    on_note: Callable[[str, dict[str, str]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """SPEC §3 records for the given files, in input order, streamed: documents are read
    and processed a batch (``reading.batch_size``) at a time, never the whole input at once.

    ``on_note(source, note)`` hears of each document in a language outside
    ``reading.languages`` (a ``language_not_covered`` note); it is still read.
    """
    pipeline = Pipeline(settings.reading.stages, settings)
    covered = covered_languages(settings)

    def noted(docs: Iterable[Document]) -> Iterator[Document]:
        for doc in docs:
            note = language_note(doc.language, covered)
            if note is not None and on_note is not None:
                on_note(doc.source_path or "", note)
            yield doc

    for reading in pipeline.run(noted(read_documents(paths, settings, on_problem))):
        yield reading_record(reading, reading.document.source_path or "")
