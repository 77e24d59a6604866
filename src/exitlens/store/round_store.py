"""Storing blind coding rounds: rounds, their assignments and each coder's decisions.

A round fixes its *units* when it is created: for every assigned document, each defector
the pipeline found there (by stable person key, the same key case corrections use:
document id, text SHA-256, normalised label, first mention start), and for each of them
one unit per code of the round plus one defector yes/no unit. A unit key is a short,
shell-safe string ``"<document id>/<person>/<code or 'defector'>"`` (``person`` is the
first mention's start), e.g. ``"3/120/infighting"`` or ``"3/120/defector"``.

Blindness is enforced here and in :mod:`exitlens.project_rounds`: while a round is open,
decisions are only ever read back for one named coder.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..cases import normalize
from ..errors import ExitlensError, NotFoundError
from . import case_store
from .schema import (
    AnalysisRow,
    CodingRow,
    DocumentRow,
    MentionRow,
    PersonRow,
    ReviewRoundRow,
    RoundAssignmentRow,
    RoundDecisionRow,
)

OPEN, CLOSED = "open", "closed"
DEFECTOR_UNIT = "defector"


class RoundError(ExitlensError):
    """A round operation that cannot be done. Codes: ``round_invalid`` (bad creation
    arguments, unknown unit, span outside the text), ``round_open`` (figures or other
    coders' decisions asked for before the round closes), ``round_closed`` (a decision
    after closing), ``not_assigned`` (a coder outside the round or the document),
    ``person_gone`` (re-analysis no longer finds the person a unit names)."""

    code = "round_invalid"


@dataclass(frozen=True)
class Unit:
    key: str
    document_id: int
    person: str  # the person part of the key
    code: str | None  # None: the defector yes/no unit
    label: str | None  # the person's name or descriptor, as shown to coders
    person_key: dict[str, Any]

    @property
    def group(self) -> str:
        return self.code or DEFECTOR_UNIT

    @property
    def person_unit(self) -> str:
        return f"{self.document_id}/{self.person}"


def unit_key(document_id: int, person: str, code: str | None) -> str:
    return f"{document_id}/{person}/{code or DEFECTOR_UNIT}"


def snapshot_persons(session: Session, document_ids: Sequence[int]
                     ) -> dict[str, list[dict[str, Any]]]:
    """Each document's defectors (current analysis) as ``{"person", "label", "key"}``."""
    loaded = case_store.load_defectors(session, with_text=False, document_ids=document_ids)
    out: dict[str, list[dict[str, Any]]] = {str(d): [] for d in document_ids}
    for person in loaded.persons:
        key = loaded.keys[person.person_id]
        taken = {p["person"] for p in out[str(person.document_id)]}
        name = str(key["start"])
        n = 2
        while name in taken:  # two people without mentions: keep keys unique
            name, n = f"{key['start']}-{n}", n + 1
        out[str(person.document_id)].append(
            {"person": name, "label": person.label, "key": key})
    return out


def round_units(row: ReviewRoundRow) -> list[Unit]:
    """The units of a round, in document, person, code order (defector unit first)."""
    codes: list[str | None] = [None, *row.meta.get("codes", [])]
    units = []
    for doc, persons in sorted(row.meta.get("persons", {}).items(), key=lambda kv: int(kv[0])):
        for p in persons:
            for code in codes:
                units.append(Unit(unit_key(int(doc), p["person"], code), int(doc), p["person"],
                                  code, p.get("label"), p["key"]))
    return units


def unit_index(row: ReviewRoundRow) -> dict[str, Unit]:
    return {u.key: u for u in round_units(row)}


def analysed_documents_with_defectors(session: Session) -> list[int]:
    loaded_ids = case_store.current_analysis_ids(session)
    return sorted(set(session.scalars(
        select(PersonRow.document_id).where(PersonRow.analysis_id.in_(loaded_ids),
                                            PersonRow.role == "defector"))))


def existing_documents(session: Session, ids: Sequence[int]) -> set[int]:
    return set(session.scalars(select(DocumentRow.id).where(DocumentRow.id.in_(list(ids)))))


def get_round(session: Session, round_id: int) -> ReviewRoundRow:
    row = session.get(ReviewRoundRow, round_id)
    if row is None:
        raise NotFoundError(f"no review round with id {round_id}")
    return row


def assignments(session: Session, round_id: int) -> list[RoundAssignmentRow]:
    return list(session.scalars(select(RoundAssignmentRow)
                                .where(RoundAssignmentRow.round_id == round_id)
                                .order_by(RoundAssignmentRow.document_id,
                                          RoundAssignmentRow.coder)))


def create_round(session: Session, *, name: str, document_ids: Sequence[int],
                 coders: Sequence[str], codes: Sequence[str], blind_to_machine: bool,
                 actor: str, extra_meta: dict[str, Any] | None = None) -> ReviewRoundRow:
    if session.scalar(select(ReviewRoundRow.id).where(ReviewRoundRow.name == name)):
        raise RoundError(f"a round named {name!r} exists already")
    persons = snapshot_persons(session, document_ids)
    row = ReviewRoundRow(name=name, status=OPEN, blind_to_machine=blind_to_machine,
                         created_by=actor,
                         meta={"documents": list(document_ids), "coders": list(coders),
                               "codes": list(codes), "persons": persons,
                               **(extra_meta or {})})
    session.add(row)
    session.flush()
    for doc in document_ids:
        for coder in coders:
            session.add(RoundAssignmentRow(round_id=row.id, document_id=doc, coder=coder))
    session.flush()
    return row


def decisions(session: Session, round_id: int, coder: str | None) -> list[RoundDecisionRow]:
    """Decisions of one coder, or of every coder (``coder=None``: callers must check the
    round is closed first — :func:`readable_decisions` does)."""
    query = select(RoundDecisionRow).where(RoundDecisionRow.round_id == round_id)
    if coder is not None:
        query = query.where(RoundDecisionRow.coder == coder)
    # sorted here: text order in PostgreSQL follows the database's collation
    return sorted(session.scalars(query.order_by(RoundDecisionRow.id)),
                  key=lambda d: (d.unit_key, d.coder))


def readable_decisions(session: Session, row: ReviewRoundRow, *,
                       coder: str | None) -> list[RoundDecisionRow]:
    """The blindness rule: while the round is open only one named coder's own decisions
    can be read; everyone's once it is closed."""
    if row.status == OPEN and coder is None:
        raise RoundError(f"round {row.id} ({row.name}) is still open: coders' decisions stay "
                         "blind until an admin closes it", code="round_open")
    return decisions(session, row.id, coder)


def progress(session: Session, row: ReviewRoundRow) -> dict[str, int]:
    """Decisions made per coder (counts only: no values, so safe while open)."""
    counts = dict(session.execute(
        select(RoundDecisionRow.coder, func.count()).where(RoundDecisionRow.round_id == row.id)
        .group_by(RoundDecisionRow.coder)).all())
    return {c: int(counts.get(c, 0)) for c in row.meta.get("coders", [])}


def save_decision(session: Session, row: ReviewRoundRow, *, coder: str, unit: str,
                  value: bool, span: tuple[int, int] | None) -> RoundDecisionRow:
    """Insert or replace ``coder``'s decision on ``unit``."""
    if row.status != OPEN:
        raise RoundError(f"round {row.id} ({row.name}) is closed: decisions can no longer "
                         "change", code="round_closed")
    found = unit_index(row).get(unit)
    if found is None:
        raise RoundError(f"round {row.id} has no unit {unit!r}")
    assigned = session.scalar(select(RoundAssignmentRow.id).where(
        RoundAssignmentRow.round_id == row.id, RoundAssignmentRow.coder == coder,
        RoundAssignmentRow.document_id == found.document_id))
    if assigned is None:
        raise RoundError(f"{coder!r} is not a coder of document {found.document_id} in round "
                         f"{row.id}", code="not_assigned")
    if span is not None:
        check_span(session, found.document_id, span)
    if found.code is None:
        span = None
    existing = session.scalar(select(RoundDecisionRow).where(
        RoundDecisionRow.round_id == row.id, RoundDecisionRow.coder == coder,
        RoundDecisionRow.unit_key == unit))
    target = existing or RoundDecisionRow(round_id=row.id, coder=coder, unit_key=unit,
                                          document_id=found.document_id,
                                          person_key=found.person_key, code=found.code)
    target.value = bool(value)
    target.start, target.end = span if span is not None else (None, None)
    target.at = datetime.now(UTC)
    session.add(target)
    session.flush()
    return target


def check_span(session: Session, document_id: int, span: tuple[int, int]) -> None:
    n_chars = session.scalar(select(DocumentRow.n_chars).where(DocumentRow.id == document_id))
    start, end = span
    if n_chars is None or not 0 <= start < end <= n_chars:
        raise RoundError(f"span [{start}, {end}) is not inside document {document_id} "
                         f"({n_chars} characters)")


def current_person(session: Session, key: dict[str, Any]) -> PersonRow | None:
    """The person of the current analysis a person key names (None when gone), whatever
    their role now (a reviewer may have ruled them not a defector): same label and first
    mention, else the same label, else a mention covering the start."""
    doc_id = int(key.get("document_id", -1))
    sha = session.scalar(select(DocumentRow.text_sha256).where(DocumentRow.id == doc_id))
    if sha is None or sha != key.get("sha"):
        return None
    analysis = session.scalar(select(func.max(AnalysisRow.id))
                              .where(AnalysisRow.document_id == doc_id))
    persons = list(session.scalars(select(PersonRow).where(PersonRow.analysis_id == analysis)
                                   .order_by(PersonRow.ordinal)))
    mentions: dict[int, list[tuple[int, int]]] = {}
    for pid, start, end in session.execute(
            select(MentionRow.person_id, MentionRow.start, MentionRow.end)
            .where(MentionRow.person_id.in_([p.id for p in persons]))
            .order_by(MentionRow.start, MentionRow.id)):
        mentions.setdefault(pid, []).append((start, end))
    label, start = key.get("label"), key.get("start") or 0

    def label_of(p: PersonRow) -> str:
        return normalize(p.name or p.descriptor or "")

    def first(p: PersonRow) -> int:
        return min((s for s, _ in mentions.get(p.id, [])), default=0)

    for test in (lambda p: label_of(p) == label and first(p) == start,
                 lambda p: label_of(p) == label,
                 lambda p: any(s <= start < e for s, e in mentions.get(p.id, []))):
        found = [p for p in persons if test(p)]
        if found:
            return found[0]
    return None


def person_codings(session: Session, person_id: int, code: str | None = None
                   ) -> list[CodingRow]:
    query = select(CodingRow).where(CodingRow.person_id == person_id)
    if code is not None:
        query = query.where(CodingRow.code == code)
    return list(session.scalars(query.order_by(CodingRow.confidence.desc(), CodingRow.id)))
