"""Storing cases: the automatic grouping of :mod:`exitlens.cases`, plus human corrections.

``resolve_cases`` (one transaction) loads every defector of the documents' current analyses,
groups them, re-applies the manual corrections, keeps case ids stable, and writes ``cases``
rows (label + meta) and ``persons.case_id``.

**Corrections survive re-analysis.** A re-analysis replaces ``persons`` rows, so corrections
never name person ids. They are the ``case.merge`` / ``case.split`` rows of the append-only
``events`` table, whose payload names people by a *person key*: the document id, its text
SHA-256, the person's normalised name (else descriptor) and the start of their first mention.
After every automatic resolution the corrections are replayed in event order; a key finds its
person again by (label, start), then by label, then by a mention covering the start.

**Case ids** are kept across re-resolution: each new group takes the id of the old case that
held its lowest person key (document id, first mention start), when that id is still free;
otherwise it gets a new id. Old cases that no group claims are deleted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..cases import (
    CasePerson,
    FlagDocument,
    Group,
    Merge,
    best_label,
    credibility_flags,
    normalize,
    resolve,
)
from .schema import (
    AnalysisRow,
    CaseRow,
    DocumentLinkRow,
    DocumentRow,
    EventRow,
    MentionRow,
    PersonRow,
    QuoteRow,
)
from .sql import among

CORRECTION_ACTIONS = ("case.merge", "case.split")


@dataclass
class DocInfo:
    id: int
    sha: str
    kind: str
    outlet: str | None
    published: str | None
    title: str | None
    text: str = ""

    @property
    def order(self) -> tuple[bool, str, int]:
        """Earliest first: by published date (unknown last), then id."""
        return (self.published is None, self.published or "", self.id)


@dataclass
class Loaded:
    persons: list[CasePerson]
    documents: dict[int, DocInfo]
    keys: dict[int, dict[str, Any]] = field(default_factory=dict)  # person id -> key


def current_analysis_ids(session: Session) -> list[int]:
    return list(
        session.scalars(select(func.max(AnalysisRow.id)).group_by(AnalysisRow.document_id))
    )


def _year(published: str | None) -> int | None:
    if published and len(published) >= 4 and published[:4].isdigit():
        return int(published[:4])
    return None


def _plain_profile(profile: dict[str, Any]
                   ) -> tuple[dict[str, Any], dict[str, tuple[int, int]], dict[str, Any]]:
    """(stated values, their spans, inferred values) of a stored profile: a value with a
    ``basis`` (the page's country, not stated for the person) is kept apart, so it neither
    joins nor separates cases and a stated value from another source wins over it."""
    values: dict[str, Any] = {}
    spans: dict[str, tuple[int, int]] = {}
    inferred: dict[str, Any] = {}
    for name, item in (profile or {}).items():
        if isinstance(item, list):
            values[name] = [fv.get("value") for fv in item if isinstance(fv, dict)]
        elif isinstance(item, dict):
            if item.get("basis"):
                inferred[name] = item.get("value")
                continue
            values[name] = item.get("value")
            span = item.get("span")
            if span:
                spans[name] = (int(span[0]), int(span[1]))
    return values, spans, inferred


def person_key(person: CasePerson, doc: DocInfo) -> dict[str, Any]:
    return {
        "document_id": doc.id,
        "sha": doc.sha,
        "label": normalize(person.label or ""),
        "start": person.first_start,
    }


def load_defectors(session: Session, *, with_text: bool = True,
                   document_ids: Sequence[int] | None = None) -> Loaded:
    """Every defector of the current analyses (of ``document_ids`` only, when given),
    with their documents."""
    analyses = current_analysis_ids(session)
    query = select(PersonRow).where(among(PersonRow.analysis_id, analyses),
                                    PersonRow.role == "defector")
    if document_ids is not None:
        query = query.where(among(PersonRow.document_id, document_ids))
    rows = list(session.scalars(query.order_by(PersonRow.document_id, PersonRow.ordinal)))
    ids = [r.id for r in rows]
    mentions: dict[int, list[tuple[int, int]]] = {}
    for pid, start, end in session.execute(
        select(MentionRow.person_id, MentionRow.start, MentionRow.end)
        .where(among(MentionRow.person_id, ids))
        .order_by(MentionRow.start)
    ):
        mentions.setdefault(pid, []).append((start, end))
    quotes: dict[int, list[tuple[int, int]]] = {}
    for speaker, start, end in session.execute(
        select(QuoteRow.speaker_person_id, QuoteRow.start, QuoteRow.end).where(
            among(QuoteRow.speaker_person_id, ids)
        ).order_by(QuoteRow.start, QuoteRow.id)
    ):
        if speaker is not None:
            quotes.setdefault(speaker, []).append((start, end))
    doc_ids = sorted({r.document_id for r in rows})
    documents = load_documents(session, doc_ids, with_text=with_text)
    persons: list[CasePerson] = []
    positions: dict[int, int] = {}
    for row in rows:
        position = positions.get(row.document_id, 0)
        positions[row.document_id] = position + 1
        values, spans, inferred = _plain_profile(row.profile)
        persons.append(
            CasePerson(
                person_id=row.id,
                document_id=row.document_id,
                name=row.name,
                descriptor=row.descriptor,
                profile=values,
                spans=spans,
                inferred=inferred,
                position=position,
                mentions=mentions.get(row.id, []),
                quotes=quotes.get(row.id, []),
                published_year=_year(documents[row.document_id].published),
            )
        )
    keys = {p.person_id: person_key(p, documents[p.document_id]) for p in persons}
    return Loaded(persons, documents, keys)


def load_documents(session: Session, ids: Sequence[int], *, with_text: bool) -> dict[int, DocInfo]:
    columns = [DocumentRow.id, DocumentRow.text_sha256, DocumentRow.kind, DocumentRow.outlet,
               DocumentRow.published, DocumentRow.title]
    if with_text:
        columns.append(DocumentRow.text)
    query = select(*columns).where(among(DocumentRow.id, ids))
    return {
        row.id: DocInfo(row.id, row.text_sha256, row.kind, row.outlet, row.published, row.title,
                        row.text if with_text else "")
        for row in session.execute(query)
    }


def reprint_pairs(session: Session) -> list[tuple[int, int]]:
    return [
        (a, b)
        for a, b in session.execute(
            select(DocumentLinkRow.document_id, DocumentLinkRow.other_id).where(
                DocumentLinkRow.relation == "near_duplicate"
            )
        )
    ]


# ------------------------------------------------------------------ corrections


def find_person(key: dict[str, Any], loaded: Loaded) -> int | None:
    """The current person a stored person key names (None when they are gone)."""
    doc = loaded.documents.get(key.get("document_id", -1))
    if doc is None or doc.sha != key.get("sha"):
        return None
    here = [p for p in loaded.persons if p.document_id == doc.id]
    label, start = key.get("label"), key.get("start")
    for test in (
        lambda p: loaded.keys[p.person_id]["label"] == label
        and loaded.keys[p.person_id]["start"] == start,
        lambda p: loaded.keys[p.person_id]["label"] == label,
        lambda p: any(s <= (start or 0) < e for s, e in p.mentions),
    ):
        found = [p.person_id for p in here if test(p)]
        if found:
            return found[0]
    return None


def corrections(session: Session) -> list[EventRow]:
    """The manual merges and splits in event order, without those a ``case.undo`` event
    (``Project.undo_last``) cancelled."""
    undone = {e.payload.get("undoes") for e in session.scalars(
        select(EventRow).where(EventRow.action == "case.undo"))}
    return [e for e in session.scalars(
        select(EventRow)
        .where(EventRow.action.in_(CORRECTION_ACTIONS))
        .order_by(EventRow.id)
    ) if e.id not in undone]


def apply_corrections(
    groups: list[Group], loaded: Loaded, events: Sequence[EventRow]
) -> list[Group]:
    """Replay manual merges and splits, in order, over the automatic groups."""
    groups = [Group(list(g.person_ids), list(g.merges), list(g.notes)) for g in groups]
    for event in events:
        ids = [pid for key in event.payload.get("keys", [])
               if (pid := find_person(key, loaded)) is not None]
        if not ids:
            continue
        who = f"by {event.actor} (event {event.id})"
        if event.action == "case.merge":
            touched = [g for g in groups if set(g.person_ids) & set(ids)]
            if len(touched) < 2:
                continue
            merged = Group(sorted(pid for g in touched for pid in g.person_ids),
                           [m for g in touched for m in g.merges],
                           [n for g in touched for n in g.notes])
            merged.merges.append(Merge(touched[0].person_ids[0], touched[1].person_ids[0],
                                       1.0, [f"merged {who}"]))
            groups = [g for g in groups if all(g is not t for t in touched)] + [merged]
        else:
            moving = set(ids)
            rest: list[Group] = []
            for g in groups:
                keep = [pid for pid in g.person_ids if pid not in moving]
                if keep and len(keep) < len(g.person_ids):
                    rest.append(Group(keep, [m for m in g.merges
                                             if m.a not in moving and m.b not in moving],
                                      g.notes))
                elif keep:
                    rest.append(g)
            groups = [*rest, Group(sorted(moving), [], [f"split {who}"])]
    return sorted(groups, key=lambda g: g.person_ids[0])


# ------------------------------------------------------------------ resolution


def _lowest_key(group: Group, loaded: Loaded) -> tuple[int, int, int]:
    return min((loaded.keys[pid]["document_id"], loaded.keys[pid]["start"], pid)
               for pid in group.person_ids)


def _old_case_ids(session: Session) -> dict[tuple[int, str, int], int]:
    """(document id, label, start) of every stored member -> the case that held it."""
    out: dict[tuple[int, str, int], int] = {}
    for case_id, meta in session.execute(select(CaseRow.id, CaseRow.meta).order_by(CaseRow.id)):
        for key in (meta or {}).get("members", []):
            out[(key["document_id"], key["label"], key["start"])] = case_id
    return out


def resolve_cases(session: Session, actor: str) -> dict[str, Any]:
    """Rebuild every case (caller commits). Returns counts for the events log."""
    loaded = load_defectors(session)
    groups = resolve(loaded.persons, reprint_pairs(session))
    groups = apply_corrections(groups, loaded, corrections(session))
    by_id = {p.person_id: p for p in loaded.persons}
    flag_docs = {d.id: FlagDocument(d.id, d.text, d.kind) for d in loaded.documents.values()}
    old_ids = _old_case_ids(session)
    existing = set(session.scalars(select(CaseRow.id)))
    claimed: set[int] = set()
    session.execute(update(PersonRow).values(case_id=None))
    n_multi = 0
    for group in sorted(groups, key=lambda g: _lowest_key(g, loaded)):
        members = sorted((by_id[pid] for pid in group.person_ids),
                         key=lambda p: (p.document_id, p.first_start))
        case_id = None
        for member in members:
            key = loaded.keys[member.person_id]
            old = old_ids.get((key["document_id"], key["label"], key["start"]))
            if old is not None and old not in claimed:
                case_id = old
                break
        meta = {
            "members": [loaded.keys[m.person_id] for m in members],
            "merges": [m.as_dict() for m in group.merges],
            "score": round(group.score, 3) if group.score is not None else None,
            "reasons": group.reasons,
            "flags": [f.as_dict() for f in credibility_flags(members, flag_docs)],
        }
        label = best_label(members)
        if case_id is not None:
            claimed.add(case_id)
            row = session.get(CaseRow, case_id)
            assert row is not None
            row.label, row.meta = label, meta
        else:
            row = CaseRow(label=label, meta=meta)
            session.add(row)
            session.flush()
            case_id = row.id
            claimed.add(case_id)
        session.execute(
            update(PersonRow).where(among(PersonRow.id, group.person_ids)).values(case_id=case_id)
        )
        n_multi += len({m.document_id for m in members}) > 1
    stale = existing - claimed
    if stale:
        from sqlalchemy import delete

        session.execute(delete(CaseRow).where(among(CaseRow.id, stale)))
    return {"cases": len(groups), "multi_source": n_multi, "defectors": len(loaded.persons)}


# ------------------------------------------------------------------ reading cases back


def case_records(session: Session, case_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    """One dict per case with the ``CASE_COLUMNS`` of :mod:`exitlens.cases`.

    Column queries (rows, not ORM objects: 100k cases and their defectors load in a fraction
    of the time); all cases when ``case_ids`` is None, without a list of ids in the query."""
    query = select(CaseRow.id, CaseRow.label, CaseRow.meta).order_by(CaseRow.id)
    if case_ids is not None:
        query = query.where(among(CaseRow.id, case_ids))
    cases = list(session.execute(query))
    if not cases:
        return []
    members_query = (
        select(PersonRow.id, PersonRow.case_id, PersonRow.document_id, PersonRow.ordinal,
               PersonRow.name, PersonRow.descriptor, PersonRow.profile)
        .order_by(PersonRow.document_id, PersonRow.ordinal)
    )
    members_query = members_query.where(
        PersonRow.case_id.is_not(None) if case_ids is None
        else among(PersonRow.case_id, [c.id for c in cases]))
    persons = list(session.execute(members_query))
    docs = load_documents(session, sorted({p.document_id for p in persons}), with_text=False)
    members: dict[int, list[Any]] = {}
    for p in persons:
        members.setdefault(p.case_id or 0, []).append(p)
    out = []
    for case in cases:
        rows = sorted(members.get(case.id, []), key=lambda p: (docs[p.document_id].order,
                                                                p.ordinal))
        if not rows:
            continue
        out.append(_case_record(case, rows, docs))
    return out


def _case_record(case: Any, rows: list[Any], docs: dict[int, DocInfo]) -> dict[str, Any]:
    """``case``: a row with ``id, label, meta``; ``rows``: its persons (``id, document_id,
    name, descriptor, profile``), earliest first."""
    from ..cases import PROFILE_COLUMNS, merged_value

    meta = case.meta or {}
    sources = sorted({r.document_id for r in rows}, key=lambda d: docs[d].order)
    profiles = [(docs[r.document_id].order, _plain_profile(r.profile)) for r in rows]
    names = list(dict.fromkeys(r.name for r in rows if r.name))
    descriptors = [r.descriptor for r in rows if r.descriptor]
    first = docs[sources[0]]
    flag_details = [dict(f) for f in meta.get("flags", [])]
    record: dict[str, Any] = {
        "case_id": case.id,
        "label": case.label or (names[0] if names else (descriptors[0] if descriptors
                                                        else "unnamed defector")),
        "n_sources": len(sources),
        "document_ids": sources,
        "person_ids": [r.id for r in rows],
        "names": names,
        "descriptor": merged_value([(docs[r.document_id].order, r.descriptor) for r in rows]),
    }
    inferred_fields = []
    for name in PROFILE_COLUMNS:
        record[name] = merged_value([(order, plain[0].get(name)) for order, plain in profiles])
        if record[name] is None:  # no source states it: the pages' inference, marked
            record[name] = merged_value([(order, plain[2].get(name))
                                         for order, plain in profiles])
            if record[name] is not None:
                inferred_fields.append(name)
    record["inferred_fields"] = inferred_fields
    record.update({
        "outlets": list(dict.fromkeys(docs[d].outlet for d in sources if docs[d].outlet)),
        "outlet_kind": first.kind,
        "outlet_kinds": list(dict.fromkeys(docs[d].kind for d in sources)),
        "first_published": min((p for d in sources if (p := docs[d].published)),
                               default=None),
        "flags": list(dict.fromkeys(f["flag"] for f in flag_details)),
        "flag_details": flag_details,
        "merge_score": meta.get("score"),
        "merge_reasons": list(meta.get("reasons", [])),
    })
    return record


def case_coding_records(
    session: Session, case_ids: Sequence[int] | None = None
) -> list[dict[str, Any]]:
    """One dict per coding of a defector who belongs to a case (``CASE_CODING_COLUMNS``)."""
    columns, rows = case_coding_rows(session, case_ids)
    return [dict(zip(columns, row, strict=True)) for row in rows]


def case_coding_rows(
    session: Session, case_ids: Sequence[int] | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and one plain tuple per coding of a defector who belongs to a case
    (``CASE_CODING_COLUMNS``), ready for ``DataFrame.from_records``.

    One column query (no ORM objects, no JSON columns decoded, the evidence text cut by the
    database: ``substr`` counts code points in SQLite and PostgreSQL alike; no dict per
    row), so a million codings load in seconds rather than minutes."""
    from .schema import CodingRow

    query = (
        select(PersonRow.case_id, CodingRow.id.label("coding_id"),
               PersonRow.id.label("person_id"), CodingRow.document_id, CodingRow.code,
               CodingRow.status, CodingRow.coder, CodingRow.confidence, CodingRow.start,
               CodingRow.end,
               func.substr(DocumentRow.text, CodingRow.start + 1,
                           CodingRow.end - CodingRow.start).label("text"),
               func.coalesce(PersonRow.name, PersonRow.descriptor).label("speaker"),
               DocumentRow.outlet, DocumentRow.published, DocumentRow.title, DocumentRow.kind)
        .join(PersonRow, PersonRow.id == CodingRow.person_id)
        .join(DocumentRow, DocumentRow.id == CodingRow.document_id)
        .where(PersonRow.case_id.is_not(None), PersonRow.role == "defector")
        .order_by(PersonRow.case_id, CodingRow.document_id, CodingRow.start, CodingRow.code)
    )
    if case_ids is not None:
        query = query.where(among(PersonRow.case_id, case_ids))
    result = session.execute(query)
    return list(result.keys()), [tuple(row) for row in result]


def case_persons(session: Session, case_id: int) -> list[tuple[PersonRow, DocInfo]]:
    rows = list(session.scalars(select(PersonRow).where(PersonRow.case_id == case_id)))
    docs = load_documents(session, sorted({r.document_id for r in rows}), with_text=False)
    return sorted(((r, docs[r.document_id]) for r in rows),
                  key=lambda pair: (pair[1].order, pair[0].ordinal))
