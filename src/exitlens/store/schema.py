"""Tables. Offsets are code points into ``documents.text``, which is never updated.

The schema mirrors :mod:`exitlens.model`: documents (+ the files they came from
and links between near-duplicates), the reading results (quotes, persons,
mentions), cases that join one real person across documents, codings, and an
append-only ``events`` table that is the audit trail and the basis of undo.
Any change here needs a new Alembic revision in ``store/migrations/versions``;
``tests/store/test_migrations.py`` fails when the two disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class DocumentRow(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    n_chars: Mapped[int] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    source_path: Mapped[str | None] = mapped_column(Text)
    published: Mapped[str | None] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32), default="unknown")
    fmt: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SourceRow(Base):
    """A file (or JSONL record) a document was read from; one document may have several."""

    __tablename__ = "sources"
    __table_args__ = (UniqueConstraint("locator", "content_sha256", name="uq_sources_locator_sha"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    locator: Mapped[str] = mapped_column(Text)  # absolute path, or path#record-id for JSONL
    content_sha256: Mapped[str] = mapped_column(String(64))  # of the raw bytes read
    size_bytes: Mapped[int] = mapped_column(Integer)
    fmt: Mapped[str] = mapped_column(String(16))
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DocumentLinkRow(Base):
    """A relation between two documents, e.g. a near-duplicate reprint."""

    __tablename__ = "document_links"
    __table_args__ = (
        UniqueConstraint("document_id", "other_id", "relation", name="uq_document_links"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AnalysisRow(Base):
    """One completed pipeline run over one document with one settings fingerprint."""

    __tablename__ = "analyses"
    __table_args__ = (
        UniqueConstraint("document_id", "fingerprint", name="uq_analyses_doc_fp"),
        # a document's current analysis (its newest) is one seek (migration 0005)
        Index("ix_analyses_document_latest", "document_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    fingerprint: Mapped[str] = mapped_column(String(32))
    stages: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CaseRow(Base):
    """One real person across documents (SPEC §1 case)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str | None] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# The condition of the partial index of possible defectors; a query that walks it states
# it as a literal (review_views.NOT_A_DEFECTOR_TERM), so both planners can use the index.
NOT_A_DEFECTOR = "role != 'defector'"


class PersonRow(Base):
    __tablename__ = "persons"
    # the document list's "has defectors" filter and the review page's least certain
    # defectors (migration 0005)
    __table_args__ = (Index("ix_persons_analysis_role", "analysis_id", "role"),
                      Index("ix_persons_role_confidence", "role", "role_confidence"),
                      # the review page's possible defectors, strongest first (0007): the
                      # people not called defectors only, so the walk skips the defectors
                      Index("ix_persons_possible_defectors", "defector_score",
                            sqlite_where=text(NOT_A_DEFECTOR),
                            postgresql_where=text(NOT_A_DEFECTOR)))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)  # index within the document's reading
    name: Mapped[str | None] = mapped_column(Text)
    descriptor: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(32))
    role_confidence: Mapped[float] = mapped_column(Float)
    role_cues: Mapped[list[Any]] = mapped_column(JSON, default=list)
    source_voice: Mapped[str | None] = mapped_column(String(16))
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # the role model's probability of a defector (migration 0007): ranks possible defectors
    defector_score: Mapped[float | None] = mapped_column(Float)


class MentionRow(Base):
    __tablename__ = "mentions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))


class QuoteRow(Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    speaker_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    speaker_start: Mapped[int | None] = mapped_column(Integer)
    speaker_end: Mapped[int | None] = mapped_column(Integer)
    cue_start: Mapped[int | None] = mapped_column(Integer)
    cue_end: Mapped[int | None] = mapped_column(Integer)


class CodingRow(Base):
    """A code applied to a person (and through it, its case) with an evidence span."""

    __tablename__ = "codings"
    __table_args__ = (
        Index("ix_codings_code_status", "code", "status"),
        # the review queue's order: suggested codings, confidence nearest 0.5 first
        Index("ix_codings_uncertainty", "status",
              func.abs(literal_column("confidence") - 0.5)),
        # the document list's review-status filter: "has its current analysis a coding in
        # this status?" is one seek (migration 0005)
        Index("ix_codings_analysis_status", "analysis_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    analysis_id: Mapped[int | None] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    coder: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="suggested")
    user: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Optimistic concurrency: every human write names the version it saw and bumps it.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # The stable identity review decisions are recorded under (see store/review_store.py):
    # person key + the code the machine suggested, or "added:<event id>" for a human's coding.
    review_key: Mapped[str | None] = mapped_column(String(512))


class NearMissRow(Base):
    """A code the coders leaned towards for a defector but did not suggest (see
    :class:`exitlens.model.NearMiss`): a prompt for reviewers, never a coding, never
    counted. Replaced with its analysis, like codings."""

    __tablename__ = "near_misses"
    # the review page's queue: a project's near misses, strongest first (migration 0006)
    __table_args__ = (Index("ix_near_misses_score", "score"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    analysis_id: Mapped[int] = mapped_column(
        ForeignKey("analyses.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    start: Mapped[int] = mapped_column(Integer)
    end: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    coder: Mapped[str] = mapped_column(String(64))


class EventRow(Base):
    """Append-only log of every change: the audit trail and the basis of undo."""

    __tablename__ = "events"
    __table_args__ = (
        # history per document / per user, and the replay of review decisions per document
        Index("ix_events_entity", "entity", "entity_id"),
        Index("ix_events_actor", "actor"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class UserRow(Base):
    """A person who signs in to the review web app (``exitlens user add``)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # admin | coder | viewer
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, PHC string
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class CodebookVersionRow(Base):
    """One stored version of the project's codebook (YAML text); the newest is in use.

    Append-only like ``events``: storing a codebook adds a version, never rewrites one.
    """

    __tablename__ = "codebook_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(Text)  # e.g. "import:study.qdpx", "file:codebook.yaml"
    yaml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)


class ReviewRoundRow(Base):
    """A blind coding round: documents × coders, open until an admin closes it.

    ``meta`` holds the units fixed at creation (``meta["persons"]``: each document's
    defectors by person key, see ``store/round_store.py``), the codes decided and, once
    closed, the agreement figures computed then (``meta["agreement"]``).
    """

    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    blind_to_machine: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_by: Mapped[str | None] = mapped_column(String(128))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class RoundAssignmentRow(Base):
    """One coder asked to code one document in one round."""

    __tablename__ = "round_assignments"
    __table_args__ = (
        UniqueConstraint("round_id", "document_id", "coder", name="uq_round_assignments"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    coder: Mapped[str] = mapped_column(String(128))


class RoundDecisionRow(Base):
    """One coder's decision on one unit of a round: a defector yes/no (``code`` null) or a
    code present/absent for a defector, with the span it rests on. People are named by
    their stable person key (``person_key``), never by person id (re-analysis replaces
    ``persons`` rows)."""

    __tablename__ = "round_decisions"
    __table_args__ = (
        UniqueConstraint("round_id", "coder", "unit_key", name="uq_round_decisions"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True
    )
    coder: Mapped[str] = mapped_column(String(128))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    unit_key: Mapped[str] = mapped_column(String(200))
    person_key: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    code: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[bool] = mapped_column(Boolean)
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
