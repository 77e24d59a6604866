"""SPEC §3 extraction records: one JSON object per document.

The same function serves ``exitlens extract`` (files, no database),
``exitlens analyze`` (what is stored) and ``exitlens process`` (distributed), so
every route emits identical records for identical input.
"""

from __future__ import annotations

from typing import Any

from .model import DocumentReading, Person


def person_record(reading: DocumentReading, index: int, person: Person) -> dict[str, Any]:
    text = reading.document.text
    record: dict[str, Any] = {
        "name": person.name,
        "descriptor": person.descriptor,
        "mentions": [m.span.as_list() for m in person.mentions],
    }
    record.update(person.profile.to_record())
    record["source_voice"] = person.source_voice
    record["role_confidence"] = round(person.role_confidence, 3)
    record["codes"] = [
        {
            "code": c.code,
            "start": c.span.start,
            "end": c.span.end,
            "text": c.span.text_of(text),
            "confidence": round(c.confidence, 3),
            "coder": c.coder,
        }
        for c in sorted(reading.codings, key=lambda c: (c.span.start, c.code))
        if c.person == index and c.status != "rejected"
    ]
    return record


def reading_record(reading: DocumentReading, source: str) -> dict[str, Any]:
    """The SPEC §3 record for one document."""
    doc = reading.document
    out: dict[str, Any] = {
        "source": source,
        "text_sha256": doc.text_sha256,
        "defectors": [person_record(reading, i, p) for i, p in reading.defectors()],
    }
    if reading.notes:
        out["notes"] = list(reading.notes)
    return out
