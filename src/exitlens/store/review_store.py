"""Human review decisions: storing them, replaying them after re-analysis, undoing them.

Every decision is a row of the append-only ``events`` table (``entity="document"``,
``entity_id`` = the document), with ``before`` and ``after`` states in its payload:

* ``review.coding`` — accept, reject, change the code or adjust the span of a coding;
* ``review.add`` — a coding a human added (by selecting text), or a near miss a human
  decided (accepted: the code applies; rejected: it does not; ``origin`` names the near miss);
* ``review.person`` — a defector / not-defector verdict on a person (``after.reason``: why a
  reviewer ruled them out, one of :data:`exitlens.model.EXCLUSION_REASONS`, when given); a
  reviewer agreeing with the machine is one too (``before`` and ``after`` the same role): the
  person has been checked, and leaves the review page's lists of people to check;
* ``review.profile`` — a corrected profile field of a person;
* ``review.undo`` — the compensating event of an undo (``undoes``: the event id);
* ``codebook.recode`` — a coding re-pointed to another code because an admin merged its code
  into that one (replayed like ``review.coding``, so re-analysis keeps it; not undoable
  alone: the merge removed the old code from the codebook).

**A human decision always wins over a later re-analysis.** Re-analysis replaces ``persons``
and ``codings`` rows, so decisions never name row ids for good: they name people by a *person
key* (normalised name, else descriptor, plus the start of their first mention — as case
corrections do, see :mod:`.case_store`) and codings by a *review key* (the person key plus
the code the machine suggested, or ``added:<uuid>`` for a human's coding), kept in
``codings.review_key``. :func:`apply_decisions` runs after every document's analysis, in its
transaction: for each target the latest event's ``after`` state is applied (an undo's
``after`` is the state it restored), re-inserting accepted or added codings the new analysis
no longer suggests.

**Concurrency.** ``codings.version`` is bumped by every human write; a write that names
another version than the stored one raises :class:`ConflictError` with the current value.
Person verdicts and profile fields are checked against the value the writer saw.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import cases
from ..errors import ConflictError, ExitlensError, NotFoundError
from ..model import EXCLUSION_REASONS
from .readings import current_analysis_id
from .schema import (
    AnalysisRow,
    CodingRow,
    DocumentRow,
    EventRow,
    MentionRow,
    NearMissRow,
    PersonRow,
    utcnow,
)
from .sql import among

CODING_ACTIONS = ("review.coding", "review.add", "codebook.recode")
UNDOABLE = ("review.coding", "review.add", "review.person", "review.profile")
REVIEW_ACTIONS = (*UNDOABLE, "review.undo", "codebook.recode")
CASE_CORRECTIONS = ("case.merge", "case.split")  # undone by a "case.undo" event
STATUSES = ("suggested", "accepted", "rejected")
VERDICTS = {"defector": "defector", "not_defector": "other"}
HUMAN_CODER = "human"
NUMERIC_FIELDS = ("age", "joined_year", "left_year")


class ReviewError(ExitlensError):
    """A review decision that cannot be made (unknown status, span outside the text, …)."""

    code = "review_invalid"


# ------------------------------------------------------------------ keys and states


def coding_state(row: CodingRow) -> dict[str, Any]:
    return {"status": row.status, "code": row.code, "start": row.start, "end": row.end}


def _first_starts(session: Session, person_ids: Iterable[int]) -> dict[int, int]:
    ids = list(person_ids)
    if not ids:
        return {}
    return dict(session.execute(
        select(MentionRow.person_id, func.min(MentionRow.start))
        .where(among(MentionRow.person_id, ids)).group_by(MentionRow.person_id)).all())


def person_key(row: PersonRow, first_start: int | None) -> dict[str, Any]:
    return cases.person_key(row.name, row.descriptor, first_start)


def _person_key_of(session: Session, row: PersonRow) -> dict[str, Any]:
    return person_key(row, _first_starts(session, [row.id]).get(row.id))


def review_key(person: dict[str, Any] | None, code: str) -> str:
    return json.dumps({"person": person, "code": code}, sort_keys=True, ensure_ascii=False)


def _document(session: Session, document_id: int) -> DocumentRow:
    doc = session.get(DocumentRow, document_id)
    if doc is None:
        raise NotFoundError(f"no document with id {document_id}")
    return doc


def _event(session: Session, actor: str, action: str, document_id: int,
           payload: dict[str, Any]) -> EventRow:
    return _event_on(session, actor, action, "document", document_id, payload)


def _event_on(session: Session, actor: str, action: str, entity: str, entity_id: int | None,
              payload: dict[str, Any]) -> EventRow:
    event = EventRow(actor=actor, action=action, entity=entity, entity_id=entity_id,
                     payload=payload)
    session.add(event)
    session.flush()
    return event


def _is_current(session: Session, analysis_id: int | None, document_id: int) -> bool:
    newest = current_analysis_id(session, document_id)
    return analysis_id is not None and analysis_id == newest


# ------------------------------------------------------------------ coding decisions


def _check_span(doc: DocumentRow, start: int, end: int) -> None:
    if not 0 <= start < end <= doc.n_chars:
        raise ReviewError(f"span [{start}, {end}) is not inside document {doc.id} "
                          f"(0–{doc.n_chars} characters)", code="bad_span")


def _coding_payload(session: Session, row: CodingRow, doc: DocumentRow) -> dict[str, Any]:
    person = session.get(PersonRow, row.person_id) if row.person_id else None
    key = _person_key_of(session, person) if person is not None else None
    return {"coding_id": row.id, "review_key": row.review_key or review_key(key, row.code),
            "sha": doc.text_sha256,
            "person": key, "coder": row.coder, "confidence": row.confidence}


def _conflict(row: CodingRow, coding_id: int, version: int) -> ConflictError:
    return ConflictError(
        f"coding {coding_id} was changed by {row.user or 'someone else'} since you "
        f"loaded it (your version {version}, now {row.version}); nothing was saved — "
        "look at the current value and decide again",
        current={**coding_state(row), "version": row.version, "by": row.user})


def decide_coding(session: Session, actor: str, coding_id: int, version: int, *,
                  status: str | None = None, code: str | None = None,
                  span: tuple[int, int] | None = None) -> CodingRow:
    """Accept / reject / change the code / adjust the span of one coding (one event).

    The write is a compare-and-set (``UPDATE … WHERE version = <the version seen>``), so of
    two reviewers saving at the same moment exactly one wins and the other gets a conflict.
    """
    row = session.get(CodingRow, coding_id)
    if row is None:
        raise NotFoundError(f"no coding with id {coding_id}")
    if row.version != version:
        raise _conflict(row, coding_id, version)
    if status is not None and status not in STATUSES:
        raise ReviewError(f"unknown status {status!r}: use one of {', '.join(STATUSES)}")
    doc = _document(session, row.document_id)
    if not _is_current(session, row.analysis_id, row.document_id):
        raise ReviewError(f"coding {coding_id} belongs to an older analysis of document "
                          f"{doc.id}; reload the page", code="stale_analysis")
    if span is not None:
        _check_span(doc, *span)
    payload = _coding_payload(session, row, doc)
    before = coding_state(row)
    after = dict(before)
    if status is not None:
        after["status"] = status
    if code is not None:
        after["code"] = code
        after["status"] = status or "accepted"  # choosing another code is a decision
    if span is not None:
        after["start"], after["end"] = span
        after["status"] = status or "accepted"
    if after == before:
        return row
    done = session.execute(
        update(CodingRow)
        .where(CodingRow.id == coding_id, CodingRow.version == version)
        .values(**after, version=version + 1, user=actor, updated_at=utcnow(),
                review_key=payload["review_key"])
        .execution_options(synchronize_session=False))
    session.refresh(row)
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise _conflict(row, coding_id, version)
    _event(session, actor, "review.coding", doc.id,
           {**payload, "before": before, "after": after})
    return row


def recode_codings(session: Session, actor: str, source: str, into: str,
                   merge: dict[str, Any]) -> dict[str, int]:
    """Re-point every coding of code ``source`` to ``into`` (a codebook merge; the caller
    stores the new codebook in the same transaction). Each coding of a document's current
    analysis gets its own ``codebook.recode`` event (before/after, replayed after
    re-analysis like a review decision); codings of older analyses are history and are
    re-pointed too (so no table ever meets the removed code), counted in the return value.
    Every re-pointed row's version is bumped: a reviewer holding the old one gets a conflict.
    """
    newest = {doc: aid for doc, aid in session.execute(
        select(AnalysisRow.document_id, func.max(AnalysisRow.id))
        .group_by(AnalysisRow.document_id))}
    current = history = 0
    rows = list(session.scalars(select(CodingRow).where(CodingRow.code == source)
                                .order_by(CodingRow.id)))
    for row in rows:
        if row.analysis_id is not None and newest.get(row.document_id) == row.analysis_id:
            doc = _document(session, row.document_id)
            payload = _coding_payload(session, row, doc)
            before = coding_state(row)
            after = {**before, "code": into}
            row.review_key = payload["review_key"]
            _event(session, actor, "codebook.recode", doc.id,
                   {**payload, "before": before, "after": after, "merge": merge})
            current += 1
        else:
            history += 1
        row.code = into
        row.version = (row.version or 1) + 1
        row.updated_at = utcnow()
    session.flush()
    return {"current": current, "history": history}


def add_coding(session: Session, actor: str, document_id: int, person_id: int | None,
               code: str, start: int, end: int, *, status: str = "accepted",
               origin: dict[str, Any] | None = None) -> CodingRow:
    """A coding a human made (coder ``human``): by selecting text (status accepted), or by
    deciding a near miss — present (accepted) or "not this code" (rejected, which says the
    code is absent there). ``origin`` (e.g. the near miss decided) goes into the event."""
    if status not in ("accepted", "rejected"):
        raise ReviewError(f"a human coding is accepted or rejected, not {status!r}")
    doc = _document(session, document_id)
    _check_span(doc, start, end)
    analysis_id = current_analysis_id(session, document_id)
    person = None
    if person_id is not None:
        person = session.get(PersonRow, person_id)
        if person is None or person.document_id != document_id:
            raise NotFoundError(f"document {document_id} has no person {person_id}")
        analysis_id = person.analysis_id
    row = CodingRow(document_id=document_id, person_id=person_id, analysis_id=analysis_id,
                    code=code, start=start, end=end, coder=HUMAN_CODER, confidence=1.0,
                    status=status, user=actor, version=1,
                    review_key=f"added:{uuid.uuid4().hex}")
    session.add(row)
    session.flush()
    key = _person_key_of(session, person) if person is not None else None
    payload = {"coding_id": row.id, "review_key": row.review_key, "sha": doc.text_sha256,
               "person": key, "coder": HUMAN_CODER, "confidence": 1.0,
               "before": None, "after": coding_state(row)}
    if origin:
        payload["origin"] = origin
    _event(session, actor, "review.add", document_id, payload)
    return row


def decide_near_miss(session: Session, actor: str, near_miss_id: int, present: bool,
                     subtrees: Mapping[str, Sequence[str]]) -> CodingRow:
    """A reviewer's answer to a near miss: the code applies (an accepted human coding on
    its unit) or not (a rejected one: the code is absent there), recorded like any added
    coding (``review.add``, replayed after re-analysis, undoable). ``subtrees``: each
    top-level code with the codes below it — a decision on the near miss's code or one
    below it for this person already answers it (:class:`ConflictError`)."""
    miss = session.get(NearMissRow, near_miss_id)
    if miss is None:
        raise NotFoundError(f"no near miss with id {near_miss_id}")
    if not _is_current(session, miss.analysis_id, miss.document_id):
        raise ReviewError(f"near miss {near_miss_id} belongs to an older analysis of "
                          f"document {miss.document_id}; reload the page",
                          code="stale_analysis")
    codes = list(subtrees.get(miss.code, [miss.code]))
    decided = session.scalars(select(CodingRow).where(
        CodingRow.person_id == miss.person_id, CodingRow.code.in_(codes))).first()
    if decided is not None:
        raise ConflictError(
            f"{decided.code} was already {decided.status} for this person"
            f"{' by ' + decided.user if decided.user else ''}; nothing was saved",
            current={**coding_state(decided), "version": decided.version, "by": decided.user})
    return add_coding(session, actor, miss.document_id, miss.person_id, miss.code,
                      miss.start, miss.end, status="accepted" if present else "rejected",
                      origin={"near_miss": {"code": miss.code, "score": miss.score,
                                            "coder": miss.coder}})


# ------------------------------------------------------------------ people


def _person(session: Session, person_id: int) -> PersonRow:
    row = session.get(PersonRow, person_id)
    if row is None:
        raise NotFoundError(f"no person with id {person_id}")
    return row


def verdict_of(role: str) -> str:
    return "defector" if role == "defector" else "not_defector"


def set_verdict(session: Session, actor: str, person_id: int, verdict: str,
                seen: str, reason: str | None = None) -> PersonRow:
    """Defector / not-defector decision on a person; ``seen`` is the verdict the writer saw;
    ``reason`` (not-defector only) says why they are ruled out. Agreeing with the machine is
    a decision (the person is checked), and so is giving a person already ruled out a (new)
    reason; the verdict and reason that already stand, again, are none."""
    if verdict not in VERDICTS:
        raise ReviewError(f"unknown verdict {verdict!r}: use defector or not_defector")
    if reason is not None:
        if verdict != "not_defector":
            raise ReviewError("a reason goes with a not_defector verdict only")
        if reason not in EXCLUSION_REASONS:
            raise ReviewError(f"unknown reason {reason!r}: use one of "
                              f"{', '.join(EXCLUSION_REASONS)}")
    row = _person(session, person_id)
    if verdict_of(row.role) != seen:
        raise ConflictError(f"person {person_id} was changed since you loaded it; nothing "
                            "was saved", current={"verdict": verdict_of(row.role),
                                                  "role": row.role})
    same = verdict_of(row.role) == verdict
    event = standing_verdict_events(session, row.document_id).get(row.id) if same else None
    standing = ((event.payload.get("after") or {}).get("reason")) if event else None
    if event is not None and (reason is None or reason == standing):
        return row  # the verdict that stands, again
    doc = _document(session, row.document_id)
    before: dict[str, Any] = {"role": row.role, **({"reason": standing} if standing else {})}
    if not same:
        row.role = VERDICTS[verdict]
    after: dict[str, Any] = {"role": row.role, **({"reason": reason} if reason else {})}
    _event(session, actor, "review.person", doc.id,
           {"person_id": row.id, "sha": doc.text_sha256, "person": _person_key_of(session, row),
            "before": before, "after": after})
    return row


def set_profile_field(session: Session, actor: str, person_id: int, field: str,
                      value: Any, span: tuple[int, int] | None, seen: Any) -> PersonRow:
    """Correct one profile field (value and evidence span; ``value`` None clears it)."""
    from ..model import Profile

    if field not in Profile.SCALAR_FIELDS:
        raise ReviewError(f"unknown profile field {field!r}: one of "
                          f"{', '.join(Profile.SCALAR_FIELDS)}", code="bad_field")
    row = _person(session, person_id)
    doc = _document(session, row.document_id)
    if span is not None:
        _check_span(doc, *span)
    profile = dict(row.profile or {})
    old = profile.get(field)
    old_value = old.get("value") if isinstance(old, dict) else None
    if _plain(old_value) != _plain(seen):
        raise ConflictError(f"the {field} of person {person_id} was changed since you loaded "
                            "it; nothing was saved", current={field: old_value})
    if field in NUMERIC_FIELDS and isinstance(value, str) and value.strip():
        if not value.strip().isdigit():
            raise ReviewError(f"{field} must be a whole number, not {value!r}",
                              code="bad_value")
        value = int(value)
    new = None if value in (None, "") else {"value": value,
                                            "span": list(span) if span else None}
    if new == old:
        return row
    profile[field] = new
    row.profile = profile
    _event(session, actor, "review.profile", doc.id,
           {"person_id": row.id, "sha": doc.text_sha256, "person": _person_key_of(session, row),
            "field": field, "before": {"value": old}, "after": {"value": new}})
    return row


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


# ------------------------------------------------------------------ replay after analysis


def _find_person(key: dict[str, Any] | None, persons: list[PersonRow],
                 keys: dict[int, dict[str, Any]], mentions: dict[int, list[tuple[int, int]]]
                 ) -> PersonRow | None:
    """The person of the current analysis a stored person key names (None when gone):
    same label and first mention, else the same label, else a mention covering the start."""
    index = cases.match_person_key(key, [keys[p.id] for p in persons],
                                   [mentions.get(p.id, []) for p in persons])
    return None if index is None else persons[index]


def _latest(events: list[EventRow]) -> tuple[dict[str, EventRow], dict[str, EventRow],
                                              dict[str, EventRow]]:
    """The last event per target: codings (review key), verdicts, profile fields."""
    codings: dict[str, EventRow] = {}
    verdicts: dict[str, EventRow] = {}
    profiles: dict[str, EventRow] = {}
    for event in events:
        p = event.payload or {}
        kind = p.get("kind", event.action) if event.action == "review.undo" else event.action
        person = json.dumps(p.get("person"), sort_keys=True)
        if kind in CODING_ACTIONS and p.get("review_key"):
            codings[p["review_key"]] = event
        elif kind == "review.person":
            verdicts[person] = event
        elif kind == "review.profile":
            profiles[f"{person}|{p.get('field')}"] = event
    return codings, verdicts, profiles


def review_events(session: Session, document_id: int) -> list[EventRow]:
    return list(session.scalars(
        select(EventRow).where(EventRow.entity == "document", EventRow.entity_id == document_id,
                               EventRow.action.in_(REVIEW_ACTIONS)).order_by(EventRow.id)))


VERDICT_ACTIONS = ("review.person", "review.undo")  # an undo may restore a verdict


def verdict_seeds(session: Session, document_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Per document, the reviewers' standing verdicts on people (``{"label", "start",
    "role"}``: the person key and the role of the latest verdict, or of the undo that
    restored one), for the roles stage to honour when the document is read again
    (``reading.scratch["verdicts"]``): a person a reviewer calls a defector then gets a
    profile, evidence and suggested codes, and one they call no defector none."""
    ids = sorted(set(document_ids))
    events: dict[int, list[EventRow]] = {}
    for event in session.scalars(
            select(EventRow).where(EventRow.entity == "document", among(EventRow.entity_id, ids),
                                   EventRow.action.in_(REVIEW_ACTIONS)).order_by(EventRow.id)):
        events.setdefault(event.entity_id or 0, []).append(event)
    out: dict[int, list[dict[str, Any]]] = {}
    for doc_id, doc_events in events.items():
        _, verdicts, _ = _latest(doc_events)
        seeds = [{**event.payload["person"], "role": event.payload["after"]["role"]}
                 for event in verdicts.values()
                 if event.payload.get("person") and event.payload.get("after")]
        if seeds:
            out[doc_id] = seeds
    return out


@dataclass
class _Standing:
    """A reviewer verdict that stands on a person: the event, the person's first verdict
    event (whose ``before`` is the machine's), and the person in the document's current
    analysis (None when they are gone from it)."""

    document_id: int
    event: EventRow
    first: EventRow
    person: PersonRow | None


def _standing(events: list[EventRow]) -> dict[str, tuple[EventRow, EventRow]]:
    """Per person key, the verdict event that stands and the person's first verdict event:
    the latest reviewer verdict (one agreeing with the machine included), or an undo that
    restored an earlier one. An undo of a person's first verdict leaves the machine's, and
    no reviewer's, standing."""
    first: dict[str, EventRow] = {}
    for event in events:
        if event.action == "review.person":
            first.setdefault(json.dumps(event.payload.get("person"), sort_keys=True), event)
    _, verdicts, _ = _latest(events)
    return {key: (event, first.get(key, event)) for key, event in verdicts.items()
            if not (event.action == "review.undo" and key in first
                    and event.payload.get("undoes") == first[key].id)}


def _standing_verdicts(session: Session, document_ids: Sequence[int] | None = None
                       ) -> list[_Standing]:
    """Every standing reviewer verdict of the documents (all when None), in four queries
    whatever the number of documents: the verdict events, then the current people (and
    their mentions) of the documents that have one."""
    query = (select(EventRow).where(EventRow.entity == "document",
                                    EventRow.action.in_(VERDICT_ACTIONS)).order_by(EventRow.id))
    if document_ids is not None:
        query = query.where(among(EventRow.entity_id, document_ids))
    by_document: dict[int, list[EventRow]] = {}
    for event in session.scalars(query):
        by_document.setdefault(int(event.entity_id or 0), []).append(event)
    standing = {d: found for d, events in by_document.items() if (found := _standing(events))}
    current = _current_persons_of(session, sorted(standing))
    return [_Standing(d, event, first,
                      _find_person(event.payload.get("person"), *current.get(d, ([], {}, {}))))
            for d, found in standing.items() for event, first in found.values()]


def standing_verdict_events(session: Session, document_id: int) -> dict[int, EventRow]:
    """Per person of the document's current analysis, the reviewer verdict that stands on
    them; people no reviewer has checked are absent."""
    return {v.person.id: v.event for v in _standing_verdicts(session, [document_id])
            if v.person is not None}


def checked_person_ids(session: Session) -> set[int]:
    """The people of the current analyses a reviewer's verdict stands on: left out of the
    review page's people to check."""
    return {v.person.id for v in _standing_verdicts(session) if v.person is not None}


def verdict_reasons(session: Session, document_id: int) -> dict[int, dict[str, Any]]:
    """Per person of the document's current analysis, the reason of the standing reviewer
    verdict ruling them out (``{"reason", "actor", "at"}``; people without one are absent)."""
    return {pid: {"reason": event.payload["after"]["reason"], "actor": event.actor,
                  "at": event.at}
            for pid, event in standing_verdict_events(session, document_id).items()
            if (event.payload.get("after") or {}).get("reason")}


def standing_verdicts(session: Session) -> list[dict[str, Any]]:
    """Every reviewer verdict on a person that still stands (the latest per person of each
    document, undos included), oldest first: ``document_id``, ``person_id`` (in the current
    analysis; None when the person is gone from it), ``person`` (their name or descriptor),
    ``start`` (their first mention), ``verdict`` (defector / not_defector),
    ``reason`` (None when not given), ``machine`` (the verdict before the first reviewer's;
    the same as ``verdict`` when the reviewer agreed), ``actor``, ``at``. A person undone
    back to the machine's verdict has none. What the report and ``Project.person_verdicts``
    count."""
    rows: list[dict[str, Any]] = []
    for v in _standing_verdicts(session):
        after = v.event.payload.get("after") or {}
        key = v.event.payload.get("person") or {}
        rows.append({"document_id": v.document_id,
                     "person_id": v.person.id if v.person is not None else None,
                     "person": (v.person.name or v.person.descriptor) if v.person is not None
                     else key.get("label"),
                     "start": key.get("start"),
                     "verdict": verdict_of(after.get("role", "")),
                     "reason": after.get("reason"),
                     "machine": verdict_of((v.first.payload.get("before") or {})
                                           .get("role", "")),
                     "actor": v.event.actor, "at": v.event.at})
    rows.sort(key=lambda r: (r["at"], r["document_id"]))
    return rows


def verdicts_since_analysis(session: Session, document_id: int | None = None) -> list[int]:
    """Documents (all, or just ``document_id``) with a verdict on a person (or an undo)
    newer than their current analysis that changed someone's role: ``analyze`` reads them
    again so the pipeline sees the verdicts (see :func:`verdict_seeds`). A reason given to
    someone already ruled out changes no role and asks for no re-read."""
    analyses = select(AnalysisRow.document_id, func.max(AnalysisRow.id).label("aid"))
    if document_id is not None:
        analyses = analyses.where(AnalysisRow.document_id == document_id)
    current = analyses.group_by(AnalysisRow.document_id).subquery("cur")
    newer = (select(EventRow.entity_id, EventRow.payload)
             .join(current, current.c.document_id == EventRow.entity_id)
             .join(AnalysisRow, AnalysisRow.id == current.c.aid)
             .where(EventRow.entity == "document", EventRow.action.in_(VERDICT_ACTIONS),
                    EventRow.at > AnalysisRow.created_at))
    due = set()
    for doc_id, payload in session.execute(newer):
        before, after = (payload or {}).get("before"), (payload or {}).get("after")
        if isinstance(before, dict) and isinstance(after, dict) and "role" in after \
                and before.get("role") != after.get("role"):
            due.add(int(doc_id))
    return sorted(due)


def apply_decisions(session: Session, document_id: int) -> int:
    """Re-apply every human decision on ``document_id`` to its current analysis (run after
    each analysis, in its transaction). Returns how many decisions found their target."""
    events = review_events(session, document_id)
    if not events:
        return 0
    analysis_id = current_analysis_id(session, document_id)
    persons, keys, mentions = _current_persons(session, analysis_id)
    codings, verdicts, profiles = _latest(events)
    applied = 0
    for event in verdicts.values():
        person = _find_person(event.payload.get("person"), persons, keys, mentions)
        if person is not None:
            person.role = event.payload["after"]["role"]
            applied += 1
    for event in profiles.values():
        person = _find_person(event.payload.get("person"), persons, keys, mentions)
        if person is not None:
            profile = dict(person.profile or {})
            profile[event.payload["field"]] = event.payload["after"]["value"]
            person.profile = profile
            applied += 1
    rows = list(session.scalars(select(CodingRow).where(CodingRow.analysis_id == analysis_id)
                                .order_by(CodingRow.id)))
    for rkey, event in codings.items():
        payload, after = event.payload, event.payload.get("after")
        person = _find_person(payload.get("person"), persons, keys, mentions)
        target = _machine_row(rows, rkey, payload, person)
        if target is not None:
            if after is None:  # an undone human coding
                session.delete(target)
            else:
                _set_state(target, after, event.actor, rkey)
            applied += 1
        elif after is not None and (after["status"] == "accepted" or rkey.startswith("added:")):
            if payload.get("person") is not None and person is None:
                continue  # the person is gone from the new analysis
            session.add(CodingRow(
                document_id=document_id, person_id=person.id if person else None,
                analysis_id=analysis_id, code=after["code"], start=after["start"],
                end=after["end"], coder=payload.get("coder") or HUMAN_CODER,
                confidence=payload.get("confidence") or 1.0, status=after["status"],
                user=event.actor, version=1, review_key=rkey))
            applied += 1
    session.flush()
    return applied


def _machine_row(rows: list[CodingRow], rkey: str, payload: dict[str, Any],
                 person: PersonRow | None) -> CodingRow | None:
    for row in rows:
        if row.review_key == rkey:
            return row
    if rkey.startswith("added:"):
        return None
    origin = json.loads(rkey).get("code")
    for row in rows:
        if (row.review_key is None and row.code == origin
                and row.person_id == (person.id if person else None)):
            return row
    return None


def _set_state(row: CodingRow, state: dict[str, Any], actor: str, rkey: str) -> None:
    if coding_state(row) != state:
        row.status, row.code = state["status"], state["code"]
        row.start, row.end = state["start"], state["end"]
        row.user = actor
        row.version += 1
    row.review_key = rkey


# ------------------------------------------------------------------ undo


def undo_last(session: Session, actor: str) -> EventRow:
    """Revert ``actor``'s most recent review change that is not undone yet, by a compensating
    ``review.undo`` event (the log stays append-only). Refuses (conflict) when someone changed
    the same thing since."""
    undone = {e.payload.get("undoes") for e in session.scalars(
        select(EventRow).where(EventRow.actor == actor,
                               EventRow.action.in_(("review.undo", "case.undo"))))}
    last = None
    for event in session.scalars(select(EventRow).where(
            EventRow.actor == actor, EventRow.action.in_((*UNDOABLE, *CASE_CORRECTIONS)))
            .order_by(EventRow.id.desc())):
        if event.id not in undone:
            last = event
            break
    if last is None:
        raise ReviewError(f"{actor} has no change left to undo", code="nothing_to_undo")
    payload = dict(last.payload)
    if last.action in CASE_CORRECTIONS:  # replayed without it from now on (case_store)
        return _event_on(session, actor, "case.undo", "case", last.entity_id,
                         {**payload, "undoes": last.id, "kind": last.action})
    document_id = int(last.entity_id or 0)
    analysis_id = current_analysis_id(session, document_id)
    if last.action in CODING_ACTIONS:
        row = session.scalar(select(CodingRow).where(
            CodingRow.analysis_id == analysis_id, CodingRow.review_key == payload["review_key"]))
        state = coding_state(row) if row is not None else None
        if state != payload["after"]:
            raise ConflictError("this coding was changed again since your action; nothing was "
                                "undone", current=state or {"status": "gone"})
        assert row is not None
        if payload["before"] is None:
            session.delete(row)
        else:
            _set_state(row, payload["before"], actor, payload["review_key"])
            row.updated_at = utcnow()
    else:
        person = _current_person(session, analysis_id, payload.get("person"))
        if person is None:
            raise ConflictError("the person of this action is no longer in the document's "
                                "current analysis; nothing was undone")
        if last.action == "review.person":
            if person.role != payload["after"]["role"]:
                raise ConflictError("this verdict was changed again since your action; "
                                    "nothing was undone", current={"role": person.role})
            person.role = payload["before"]["role"]
        else:
            field = payload["field"]
            current = {"value": (person.profile or {}).get(field)}
            if current != payload["after"]:
                raise ConflictError(f"the {field} was changed again since your action; "
                                    "nothing was undone", current=current)
            profile = dict(person.profile or {})
            profile[field] = payload["before"]["value"]
            person.profile = profile
    return _event(session, actor, "review.undo", document_id,
                  {**{k: v for k, v in payload.items() if k not in ("before", "after")},
                   "undoes": last.id, "kind": last.action,
                   "before": payload["after"], "after": payload["before"]})


_Current = tuple[list[PersonRow], dict[int, dict[str, Any]], dict[int, list[tuple[int, int]]]]


def _keyed(session: Session, persons: list[PersonRow]) -> dict[int, _Current]:
    """Per document, its ``persons`` with their person keys and mention spans (what
    :func:`_find_person` matches stored keys against), in one query for the mentions."""
    mentions: dict[int, list[tuple[int, int]]] = {}
    for pid, start, end in session.execute(
            select(MentionRow.person_id, MentionRow.start, MentionRow.end)
            .where(among(MentionRow.person_id, [p.id for p in persons]))
            .order_by(MentionRow.start, MentionRow.id)):
        mentions.setdefault(pid, []).append((start, end))
    out: dict[int, _Current] = {}
    for p in persons:
        people, keys, spans = out.setdefault(p.document_id, ([], {}, {}))
        people.append(p)
        keys[p.id] = person_key(p, min((s for s, _ in mentions.get(p.id, [])), default=0))
        if p.id in mentions:
            spans[p.id] = mentions[p.id]
    return out


def _current_persons(session: Session, analysis_id: int | None) -> _Current:
    """The persons of an analysis with their person keys and mention spans."""
    persons = list(session.scalars(select(PersonRow).where(PersonRow.analysis_id == analysis_id)
                                   .order_by(PersonRow.ordinal)))
    return next(iter(_keyed(session, persons).values()), ([], {}, {}))


def _current_persons_of(session: Session, document_ids: Sequence[int]) -> dict[int, _Current]:
    """:func:`_current_persons` of each document's current analysis, in two queries."""
    if not document_ids:
        return {}
    newest = (select(func.max(AnalysisRow.id))
              .where(AnalysisRow.document_id == PersonRow.document_id)
              .correlate(PersonRow).scalar_subquery())
    persons = list(session.scalars(
        select(PersonRow).where(among(PersonRow.document_id, document_ids),
                                PersonRow.analysis_id == newest)
        .order_by(PersonRow.document_id, PersonRow.ordinal)))
    return _keyed(session, persons)


def _current_person(session: Session, analysis_id: int | None, key: dict[str, Any] | None
                    ) -> PersonRow | None:
    return _find_person(key, *_current_persons(session, analysis_id))


# ------------------------------------------------------------------ history


def history(session: Session, *, document_id: int | None = None, actor: str | None = None,
            limit: int = 200) -> list[dict[str, Any]]:
    """Events, newest first, of one document and/or one actor."""
    query = select(EventRow).order_by(EventRow.id.desc()).limit(limit)
    if document_id is not None:
        query = query.where(EventRow.entity == "document", EventRow.entity_id == document_id)
    if actor is not None:
        query = query.where(EventRow.actor == actor)
    return [{"id": e.id, "at": e.at.isoformat(timespec="seconds"), "actor": e.actor,
             "action": e.action, "entity": e.entity, "entity_id": e.entity_id,
             "payload": e.payload} for e in session.scalars(query)]
