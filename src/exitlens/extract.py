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
from .errors import IngestError
from .ingest.runner import FileOutcome, parse_file, plan_inputs, prepare_item, read_file_bytes
from .language import covered_languages, language_note
from .model import Document
from .pipeline import Pipeline
from .records import reading_record


def read_documents(
    paths: Iterable[str | Path], settings: Settings, on_problem: Callable[[FileOutcome], None]
) -> Iterator[tuple[str, Document]]:
    """(source label, Document) for every readable input; problems go to ``on_problem``.

    The same reading steps as ``ingest`` (so offsets point into the same stored text),
    minus the database.
    """
    planned, early = plan_inputs(paths)
    for outcome in early:
        on_problem(outcome)
    for item in planned:
        where = str(item.path)
        try:
            result = parse_file(item.path, read_file_bytes(item.path, settings.ingest))
        except IngestError as exc:
            on_problem(FileOutcome(exc.where or where, "failed", code=exc.code,
                                   message=exc.message))
            continue
        for problem in result.problems:
            on_problem(FileOutcome(problem.where or where, "failed", code=problem.code,
                                   message=problem.message))
        for extracted in result.items:
            label = f"{where}#{extracted.record_id}" if extracted.record_id else where
            failure = prepare_item(extracted, item, label, settings.ingest)
            if failure is not None:
                on_problem(failure)
                continue
            yield label, Document(
                text=extracted.text, title=extracted.title, author=extracted.author,
                outlet=extracted.outlet, url=extracted.url, source_path=label,
                published=extracted.published, kind=extracted.kind or "unknown",
                fmt=extracted.fmt, language=extracted.language, meta=extracted.meta,
            )


def extract(
    paths: Iterable[str | Path],
    settings: Settings,
    on_problem: Callable[[FileOutcome], None],
    on_note: Callable[[str, dict[str, str]], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """SPEC §3 records for the given files, in input order.

    ``on_note(source, note)`` hears of each document in a language outside
    ``reading.languages`` (a ``language_not_covered`` note); it is still read.
    """
    pipeline = Pipeline(settings.reading.stages, settings)
    docs = list(read_documents(paths, settings, on_problem))
    covered = covered_languages(settings)
    for label, doc in docs:
        note = language_note(doc.language, covered)
        if note is not None and on_note is not None:
            on_note(label, note)
    labels = [label for label, _ in docs]
    for label, reading in zip(labels, pipeline.run(d for _, d in docs), strict=True):
        yield reading_record(reading, label)
