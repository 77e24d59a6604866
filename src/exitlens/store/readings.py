"""Storing and loading pipeline results (``exitlens analyze``).

Each document's results — persons, mentions, quotes, codings and the analysis
row that marks it done — are written in one transaction, so an ``analyze``
killed at any moment resumes with the next unfinished document and ends with the
same results as an uninterrupted run. "Done" is per settings fingerprint:
changing a reading or coding setting makes every document due again.

A re-analysis replaces the machine results of older analyses of that document,
unless a human has reviewed any of their codings; reviewed analyses are kept
(their decisions are research data) and the newest analysis is the current one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from ..config import Settings
from ..model import (
    Coding,
    Document,
    DocumentReading,
    Mention,
    NearMiss,
    Person,
    Profile,
    Quote,
    Span,
)
from ..version import __version__
from .schema import (
    AnalysisRow,
    CodingRow,
    EventRow,
    MentionRow,
    NearMissRow,
    PersonRow,
    QuoteRow,
)
from .sql import among


def analysis_fingerprint(settings: Settings, models: str = "") -> str:
    """What makes results comparable: the reading and coding settings, the code version
    and the trained models in use (``models``: e.g. the active classifier version), so a
    new ``exitlens train`` makes every document due again."""
    fingerprint = settings.fingerprint("reading", "coding")
    if models:
        fingerprint = hashlib.sha256(f"{fingerprint}|{models}".encode()).hexdigest()[:16]
    return f"{__version__}:{fingerprint}"


def pending_document_ids(session: Session, fingerprint: str) -> list[int]:
    from .schema import DocumentRow

    done = exists().where(
        AnalysisRow.document_id == DocumentRow.id, AnalysisRow.fingerprint == fingerprint
    )
    return list(session.scalars(select(DocumentRow.id).where(~done).order_by(DocumentRow.id)))


def _span(start: int | None, end: int | None) -> Span | None:
    return Span(start, end) if start is not None and end is not None else None


def store_reading(
    session: Session,
    reading: DocumentReading,
    fingerprint: str,
    stage_names: list[str],
    actor: str,
    extra_notes: Sequence[dict[str, Any]] = (),
) -> int:
    """Write one document's results (caller commits). Returns the analysis id.

    ``extra_notes`` are structured notes about the whole document (e.g.
    ``{"code": "language_not_covered", ...}``), stored after the pipeline's own text notes.
    """
    doc_id = reading.document.id
    assert doc_id is not None, "only stored documents can be analysed"
    _drop_superseded(session, doc_id, fingerprint)
    analysis = AnalysisRow(
        document_id=doc_id,
        fingerprint=fingerprint,
        stages=stage_names,
        notes=[*reading.notes, *extra_notes],
    )
    session.add(analysis)
    session.flush()
    person_ids: list[int] = []
    for ordinal, person in enumerate(reading.persons):
        row = PersonRow(
            document_id=doc_id,
            analysis_id=analysis.id,
            ordinal=ordinal,
            name=person.name,
            descriptor=person.descriptor,
            role=person.role,
            role_confidence=person.role_confidence,
            role_cues=[s.as_list() for s in person.role_cues],
            source_voice=person.source_voice,
            profile=person.profile.to_json(),
            evidence=[s.as_list() for s in person.evidence],
            defector_score=person.defector_score,
        )
        session.add(row)
        session.flush()
        person_ids.append(row.id)
        session.add_all(
            MentionRow(person_id=row.id, start=m.span.start, end=m.span.end, kind=m.kind)
            for m in person.mentions
        )
    for quote in reading.quotes:
        session.add(
            QuoteRow(
                document_id=doc_id,
                analysis_id=analysis.id,
                start=quote.span.start,
                end=quote.span.end,
                kind=quote.kind,
                speaker_person_id=person_ids[quote.speaker] if quote.speaker is not None else None,
                speaker_start=quote.speaker_span.start if quote.speaker_span else None,
                speaker_end=quote.speaker_span.end if quote.speaker_span else None,
                cue_start=quote.cue_span.start if quote.cue_span else None,
                cue_end=quote.cue_span.end if quote.cue_span else None,
            )
        )
    for coding in reading.codings:
        session.add(
            CodingRow(
                document_id=doc_id,
                person_id=person_ids[coding.person] if coding.person is not None else None,
                analysis_id=analysis.id,
                code=coding.code,
                start=coding.span.start,
                end=coding.span.end,
                coder=coding.coder,
                confidence=coding.confidence,
                status=coding.status,
                user=coding.user,
            )
        )
    session.add_all(
        NearMissRow(
            document_id=doc_id,
            analysis_id=analysis.id,
            person_id=person_ids[n.person],
            code=n.code,
            start=n.span.start,
            end=n.span.end,
            score=n.score,
            coder=n.coder,
        )
        for n in reading.near_misses
        if n.person is not None
    )
    session.add(
        EventRow(
            actor=actor,
            action="analyze.document",
            entity="document",
            entity_id=doc_id,
            payload={
                "analysis_id": analysis.id,
                "fingerprint": fingerprint,
                "persons": len(reading.persons),
                "defectors": len(reading.defectors()),
                "quotes": len(reading.quotes),
                "codings": len(reading.codings),
            },
        )
    )
    return analysis.id


def _drop_superseded(session: Session, doc_id: int, fingerprint: str) -> None:
    """Before storing a new analysis: drop the document's analyses of other settings that
    hold no human decision (those are kept as history), and its analysis of these same
    settings, which the new one replaces (a document read again because reviewers' verdicts
    changed; every human decision is in the event log and applied to the new one)."""
    reviewed = exists().where(
        CodingRow.analysis_id == AnalysisRow.id, CodingRow.status != "suggested"
    )
    stale = list(
        session.scalars(
            select(AnalysisRow.id).where(
                AnalysisRow.document_id == doc_id,
                (AnalysisRow.fingerprint == fingerprint) | ~reviewed,
            )
        )
    )
    if stale:
        # Explicit deletes: SQLite only cascades when foreign keys are on, and we
        # want identical behaviour on every backend.
        person_ids = select(PersonRow.id).where(PersonRow.analysis_id.in_(stale))
        session.execute(delete(MentionRow).where(MentionRow.person_id.in_(person_ids)))
        session.execute(delete(CodingRow).where(CodingRow.analysis_id.in_(stale)))
        session.execute(delete(NearMissRow).where(NearMissRow.analysis_id.in_(stale)))
        session.execute(delete(QuoteRow).where(QuoteRow.analysis_id.in_(stale)))
        session.execute(delete(PersonRow).where(PersonRow.analysis_id.in_(stale)))
        session.execute(delete(AnalysisRow).where(AnalysisRow.id.in_(stale)))


def current_analysis_id(session: Session, doc_id: int) -> int | None:
    return session.scalar(
        select(AnalysisRow.id)
        .where(AnalysisRow.document_id == doc_id)
        .order_by(AnalysisRow.id.desc())
        .limit(1)
    )


def load_reading(session: Session, document: Document) -> DocumentReading | None:
    """Rebuild the current :class:`DocumentReading` of a stored document (None if not analysed)."""
    assert document.id is not None
    analysis_id = current_analysis_id(session, document.id)
    if analysis_id is None:
        return None
    analysis = session.get(AnalysisRow, analysis_id)
    # Only the pipeline's own text notes: structured document notes (language coverage)
    # are reported by ``analyze``, so SPEC §3 records match ``extract``'s.
    reading = DocumentReading(
        document=document,
        notes=[n for n in (analysis.notes or []) if isinstance(n, str)] if analysis else [],
    )
    person_rows = list(
        session.scalars(
            select(PersonRow)
            .where(PersonRow.analysis_id == analysis_id)
            .order_by(PersonRow.ordinal)
        )
    )
    index_of = {row.id: i for i, row in enumerate(person_rows)}
    mentions: dict[int, list[Mention]] = {}
    for m in session.scalars(
        select(MentionRow)
        .where(among(MentionRow.person_id, index_of))
        .order_by(MentionRow.start)
    ):
        mentions.setdefault(m.person_id, []).append(Mention(Span(m.start, m.end), m.kind))  # type: ignore[arg-type]
    for row in person_rows:
        reading.persons.append(
            Person(
                id=row.id,
                name=row.name,
                descriptor=row.descriptor,
                mentions=mentions.get(row.id, []),
                role=row.role,
                role_confidence=row.role_confidence,
                role_cues=[Span(*s) for s in row.role_cues or []],
                source_voice=row.source_voice,
                profile=Profile.from_json(row.profile or {}),
                evidence=[Span(*s) for s in row.evidence or []],
                defector_score=row.defector_score,
            )
        )
    for q in session.scalars(
        select(QuoteRow).where(QuoteRow.analysis_id == analysis_id).order_by(QuoteRow.start)
    ):
        reading.quotes.append(
            Quote(
                span=Span(q.start, q.end),
                kind=q.kind,  # type: ignore[arg-type]
                speaker=index_of.get(q.speaker_person_id) if q.speaker_person_id else None,
                speaker_span=_span(q.speaker_start, q.speaker_end),
                cue_span=_span(q.cue_start, q.cue_end),
            )
        )
    for c in session.scalars(
        select(CodingRow)
        .where(CodingRow.analysis_id == analysis_id)
        .order_by(CodingRow.start, CodingRow.code)
    ):
        reading.codings.append(
            Coding(
                id=c.id,
                code=c.code,
                span=Span(c.start, c.end),
                coder=c.coder,
                confidence=c.confidence,
                status=c.status,
                person=index_of.get(c.person_id) if c.person_id else None,
                user=c.user,
            )
        )
    for n in session.scalars(
        select(NearMissRow)
        .where(NearMissRow.analysis_id == analysis_id)
        .order_by(NearMissRow.person_id, NearMissRow.score.desc(), NearMissRow.code)
    ):
        reading.near_misses.append(
            NearMiss(
                id=n.id,
                code=n.code,
                span=Span(n.start, n.end),
                score=n.score,
                coder=n.coder,
                person=index_of.get(n.person_id),
            )
        )
    return reading


def analysis_counts(session: Session, fingerprint: str) -> dict[str, Any]:
    from sqlalchemy import func

    from .schema import DocumentRow

    total = session.scalar(select(func.count()).select_from(DocumentRow)) or 0
    done = (
        session.scalar(
            select(func.count(AnalysisRow.document_id.distinct())).where(
                AnalysisRow.fingerprint == fingerprint
            )
        )
        or 0
    )
    return {"documents": total, "up_to_date": done, "pending": total - done}
