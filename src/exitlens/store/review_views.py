"""Read-only queries behind the review pages: the review queue, the near misses to decide,
the people to check (defectors, possible defectors), the filtered document list, a
document's codings with their versions. Everything here reads
the *current* analysis of each document (its newest ``analyses`` row)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session, aliased

from .schema import AnalysisRow, CodingRow, DocumentRow, NearMissRow, PersonRow
from .sql import among

UNCERTAINTY = func.abs(CodingRow.confidence - literal_column("0.5"))  # as in the index
REVIEW_STATUSES = ("not_analysed", "no_codings", "unreviewed", "in_progress", "reviewed")
CONTEXT_CHARS = 160


def _current(doc_ids: Sequence[int] | None = None) -> Any:
    query = select(AnalysisRow.document_id, func.max(AnalysisRow.id).label("aid"))
    if doc_ids is not None:
        query = query.where(among(AnalysisRow.document_id, doc_ids))
    return query.group_by(AnalysisRow.document_id).subquery("cur")


def _in_current_analysis(row: Any) -> ColumnElement[bool]:
    """The row (a coding, a near miss, a person: anything with ``document_id`` and
    ``analysis_id``) belongs to its document's newest analysis (no newer one exists)."""
    newer = aliased(AnalysisRow)
    return ~exists().where(newer.document_id == row.document_id,
                           newer.id > row.analysis_id)


def _count_open(session: Session) -> int:
    """Suggested codings of current analyses: all suggested ones (an index count) minus
    those of superseded analyses (few: only analyses holding human decisions are kept)."""
    newer = aliased(AnalysisRow)
    superseded = select(AnalysisRow.id).where(exists().where(
        newer.document_id == AnalysisRow.document_id, newer.id > AnalysisRow.id))
    suggested = session.scalar(select(func.count()).select_from(CodingRow)
                               .where(CodingRow.status == "suggested")) or 0
    stale = session.scalar(select(func.count()).select_from(CodingRow).where(
        CodingRow.status == "suggested", CodingRow.analysis_id.in_(superseded))) or 0
    return int(suggested - stale)


def review_queue(session: Session, *, limit: int = 50, offset: int = 0,
                 document_id: int | None = None, total: int | None = None
                 ) -> tuple[list[dict[str, Any]], int]:
    """Suggested codings of the current analyses, most uncertain first (confidence nearest
    0.5; the ``ix_codings_uncertainty`` index serves this order), with the evidence span in
    its context. Returns (rows, total)."""
    conditions = [CodingRow.status == "suggested", _in_current_analysis(CodingRow)]
    if document_id is not None:
        conditions.append(CodingRow.document_id == document_id)
    if total is None:
        total = review_queue_total(session, document_id)
    start = case((CodingRow.start > CONTEXT_CHARS, CodingRow.start - CONTEXT_CHARS), else_=0)
    page = (select(CodingRow.id).where(*conditions)
            .order_by(UNCERTAINTY, CodingRow.id).limit(limit).offset(offset)).subquery("page")
    query = (
        select(CodingRow, DocumentRow.title, DocumentRow.n_chars, PersonRow.name,
               PersonRow.descriptor,
               func.substr(DocumentRow.text, start + 1,
                           CodingRow.end + CONTEXT_CHARS - start).label("context"),
               start.label("context_start"))
        .join(page, page.c.id == CodingRow.id)
        .join(DocumentRow, DocumentRow.id == CodingRow.document_id)
        .outerjoin(PersonRow, PersonRow.id == CodingRow.person_id)
        .order_by(UNCERTAINTY, CodingRow.id))
    rows = []
    for coding, title, n_chars, name, descriptor, context, context_start in session.execute(
            query):
        pieces = _in_context(context, int(context_start), n_chars, coding.start, coding.end)
        rows.append({**coding_dict(coding), "title": title, "person": name or descriptor,
                     **pieces})
    return rows, total


def review_queue_total(session: Session, document_id: int | None = None) -> int:
    """How many suggested codings of current analyses wait (in one document, or in all)."""
    if document_id is None:
        return _count_open(session)
    return session.scalar(select(func.count()).select_from(CodingRow).where(
        CodingRow.status == "suggested", _in_current_analysis(CodingRow),
        CodingRow.document_id == document_id)) or 0


NEAR_MISS_COUNT_CAP = 10_000  # open near misses are counted up to this many


def _open_near_misses(subtrees: Mapping[str, Sequence[str]]) -> list[ColumnElement[bool]]:
    """A near miss still open: of its document's current analysis, on a person still a
    defector, and no coding of that person (any status, any coder) has its code or a code
    below it (``subtrees``: code → itself and the codes below it). Only ``near_misses`` is
    in the FROM clause, so a query walks it in the order it asks for (the score index)
    and stops at its limit."""
    person = aliased(PersonRow)
    same = [and_(NearMissRow.code == code, CodingRow.code.in_(list(codes)))
            for code, codes in subtrees.items() if len(codes) > 1]
    return [
        _in_current_analysis(NearMissRow),
        exists().where(person.id == NearMissRow.person_id, person.role == "defector"),
        ~exists().where(CodingRow.person_id == NearMissRow.person_id,
                        or_(CodingRow.code == NearMissRow.code, *same)),
    ]


def near_miss_total(session: Session, subtrees: Mapping[str, Sequence[str]],
                    document_id: int | None = None, cap: int = NEAR_MISS_COUNT_CAP) -> int:
    """How many near misses are open (in one document, or in all), counted up to ``cap``:
    a project-wide exact count visits every near miss (seconds at 100k documents)."""
    conditions = _open_near_misses(subtrees)
    if document_id is not None:
        conditions.append(NearMissRow.document_id == document_id)
    found = select(NearMissRow.id).where(*conditions).limit(cap).subquery("found")
    return int(session.scalar(select(func.count()).select_from(found)) or 0)


def near_miss_queue(session: Session, subtrees: Mapping[str, Sequence[str]], *,
                    limit: int = 50, offset: int = 0, document_id: int | None = None,
                    total: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Open near misses (codes the coders leaned towards for a defector but did not
    suggest), strongest first, each with its unit in context. Returns (rows, total), the
    total counted up to :data:`NEAR_MISS_COUNT_CAP`."""
    conditions = _open_near_misses(subtrees)
    if document_id is not None:
        conditions.append(NearMissRow.document_id == document_id)
    if total is None:
        total = near_miss_total(session, subtrees, document_id)
    order = (NearMissRow.score.desc(), NearMissRow.id)
    page = (select(NearMissRow.id).where(*conditions).order_by(*order)
            .limit(limit).offset(offset)).subquery("page")
    start = case((NearMissRow.start > CONTEXT_CHARS, NearMissRow.start - CONTEXT_CHARS),
                 else_=0)
    query = (
        select(NearMissRow, DocumentRow.title, DocumentRow.n_chars, PersonRow.name,
               PersonRow.descriptor,
               func.substr(DocumentRow.text, start + 1,
                           NearMissRow.end + CONTEXT_CHARS - start).label("context"),
               start.label("context_start"))
        .join(page, page.c.id == NearMissRow.id)
        .join(DocumentRow, DocumentRow.id == NearMissRow.document_id)
        .join(PersonRow, PersonRow.id == NearMissRow.person_id)
        .order_by(*order))
    rows = []
    for miss, title, n_chars, name, descriptor, context, context_start in session.execute(
            query):
        pieces = _in_context(context, int(context_start), n_chars, miss.start, miss.end)
        rows.append({"id": miss.id, "document_id": miss.document_id,
                     "person_id": miss.person_id, "code": miss.code, "start": miss.start,
                     "end": miss.end, "score": miss.score, "coder": miss.coder,
                     "title": title, "person": name or descriptor, **pieces})
    return rows, int(total)


def _in_context(context: str | None, context_start: int, n_chars: int, start: int,
                end: int) -> dict[str, str]:
    """before / evidence / after of a span in the context window the queries cut out of
    its document, with "…" where the window does not reach the document's start or end."""
    pieces = split_context(context or "", context_start, start, end)
    if context_start > 0:
        pieces["before"] = "…" + pieces["before"]
    if context_start + len(context or "") < n_chars:
        pieces["after"] += "…"
    return pieces


def split_context(context: str, context_start: int, start: int, end: int) -> dict[str, str]:
    """before / evidence / after pieces of a context window starting at ``context_start``."""
    a, b = start - context_start, end - context_start
    return {"before": context[:a], "evidence": context[a:b], "after": context[b:]}


def coding_dict(row: CodingRow) -> dict[str, Any]:
    return {"id": row.id, "document_id": row.document_id, "person_id": row.person_id,
            "code": row.code, "start": row.start, "end": row.end, "coder": row.coder,
            "confidence": row.confidence, "status": row.status, "user": row.user,
            "version": row.version, "review_key": row.review_key}


def document_codings(session: Session, document_id: int) -> list[dict[str, Any]]:
    aid = session.scalar(select(func.max(AnalysisRow.id))
                         .where(AnalysisRow.document_id == document_id))
    if aid is None:
        return []
    return [coding_dict(c) for c in session.scalars(
        select(CodingRow).where(CodingRow.analysis_id == aid)
        .order_by(CodingRow.start, CodingRow.code))]


def coding(session: Session, coding_id: int) -> dict[str, Any] | None:
    row = session.get(CodingRow, coding_id)
    return coding_dict(row) if row is not None else None


def _document_query(cur: Any, analysis_ids: Sequence[int]) -> Select[Any]:
    """Documents with their counts and review status; only the codings and people of
    ``analysis_ids`` (the page's current analyses) are aggregated, through the
    ``(analysis_id, …)`` indexes."""
    stats_q = select(CodingRow.analysis_id.label("aid"),
                     func.sum(case((CodingRow.status == "suggested", 1), else_=0)).label("open"),
                     func.count().label("n"))
    defectors_q = (select(PersonRow.analysis_id.label("aid"), func.count().label("n"))
                   .where(PersonRow.role == "defector"))
    stats_q = stats_q.where(among(CodingRow.analysis_id, analysis_ids))
    defectors_q = defectors_q.where(among(PersonRow.analysis_id, analysis_ids))
    stats = stats_q.group_by(CodingRow.analysis_id).subquery("stats")
    defectors = defectors_q.group_by(PersonRow.analysis_id).subquery("defectors")
    review_status = case(
        (cur.c.aid.is_(None), literal("not_analysed")),
        (func.coalesce(stats.c.n, 0) == 0, literal("no_codings")),
        (stats.c.open == stats.c.n, literal("unreviewed")),
        (stats.c.open > 0, literal("in_progress")),
        else_=literal("reviewed"))
    return (select(DocumentRow.id, DocumentRow.title, DocumentRow.outlet, DocumentRow.kind,
                   DocumentRow.published, DocumentRow.n_chars,
                   func.coalesce(defectors.c.n, 0).label("defectors"),
                   func.coalesce(stats.c.n, 0).label("codings"),
                   func.coalesce(stats.c.open, 0).label("open"),
                   review_status.label("review_status"))
            .outerjoin(cur, cur.c.document_id == DocumentRow.id)
            .outerjoin(stats, stats.c.aid == cur.c.aid)
            .outerjoin(defectors, defectors.c.aid == cur.c.aid))


def document_page(session: Session, *, ids: Sequence[int] | None = None,
                  outlet: str | None = None, kind: str | None = None,
                  has_defectors: bool | None = None, review_status: str | None = None,
                  limit: int = 50, offset: int = 0, total: int | None = None
                  ) -> tuple[list[dict[str, Any]], int]:
    """Documents with their review state, filtered, in id order (or in ``ids`` order when
    a search gave ``ids``). Returns (rows, total matching); a caller that knows ``total``
    (cached under the analysis-state stamp) spares the count, which has to visit every
    document.

    The page's documents are picked first — each filter is a per-document question to an
    index ("has its current analysis a defector / a suggested coding / a decided one?",
    migration 0005), so SQLite stops at the page's last match — and only their codings and
    people are aggregated; a large corpus is never aggregated whole per page."""
    where: list[ColumnElement[bool]] = []
    if ids is not None:
        where.append(among(DocumentRow.id, ids))
    if outlet:
        where.append(DocumentRow.outlet == outlet)
    if kind:
        where.append(DocumentRow.kind == kind)
    if has_defectors is not None:
        where.append(_has_defector() if has_defectors else ~_has_defector())
    if review_status:
        where.append(_review_status_is(review_status))
    condition = and_(*where) if where else literal(True)
    if total is None:
        total = session.scalar(select(func.count()).select_from(DocumentRow)
                               .where(condition)) or 0
    if ids is not None:
        matching = set(session.scalars(select(DocumentRow.id).where(condition)))
        page_ids = [i for i in ids if i in matching][offset:offset + limit]
    else:
        page_ids = list(session.scalars(select(DocumentRow.id).where(condition)
                                        .order_by(DocumentRow.id).limit(limit).offset(offset)))
    aids = list(session.scalars(select(func.max(AnalysisRow.id))
                                .where(AnalysisRow.document_id.in_(page_ids))
                                .group_by(AnalysisRow.document_id)))
    query = _document_query(_current(page_ids), aids).where(DocumentRow.id.in_(page_ids))
    return _in_search_order(session, query, page_ids, limit, 0), total


def _current_analysis() -> Any:
    """The id of the document's newest analysis (correlated to ``documents``)."""
    return (select(func.max(AnalysisRow.id)).where(AnalysisRow.document_id == DocumentRow.id)
            .correlate(DocumentRow).scalar_subquery())


def _has_defector() -> ColumnElement[bool]:
    return exists().where(PersonRow.analysis_id == _current_analysis(),
                          PersonRow.role == "defector").correlate(DocumentRow)


def _has_coding(*statuses: str) -> ColumnElement[bool]:
    query = exists().where(CodingRow.analysis_id == _current_analysis())
    if statuses:
        query = query.where(CodingRow.status.in_(statuses))
    return query.correlate(DocumentRow)


def _review_status_is(status: str) -> ColumnElement[bool]:
    """The ``review_status`` of :func:`_document_query` as a condition of its own."""
    analysed = exists().where(AnalysisRow.document_id == DocumentRow.id).correlate(DocumentRow)
    decided = _has_coding("accepted", "rejected")
    suggested = _has_coding("suggested")
    conditions = {
        "not_analysed": ~analysed,
        "no_codings": and_(analysed, ~_has_coding()),
        "unreviewed": and_(suggested, ~decided),
        "in_progress": and_(suggested, decided),
        "reviewed": and_(decided, ~suggested),
    }
    return conditions[status]


def _in_search_order(session: Session, query: Select[Any], ids: Sequence[int], limit: int,
                     offset: int) -> list[dict[str, Any]]:
    order = {doc_id: i for i, doc_id in enumerate(ids)}
    rows = [dict(r._mapping) for r in session.execute(query)]
    rows.sort(key=lambda r: order.get(r["id"], len(order)))
    return rows[offset:offset + limit]


def filter_options(session: Session) -> dict[str, list[str]]:
    return {
        "outlets": sorted(o for o in session.scalars(select(DocumentRow.outlet).distinct()) if o),
        "kinds": sorted(k for k in session.scalars(select(DocumentRow.kind).distinct()) if k),
    }


PEOPLE_COUNT_CAP = 10_000  # people to check are counted up to this many
# schema.NOT_A_DEFECTOR with the literal inline, not a bound parameter: so the planners of
# both databases can tell that the partial index of possible defectors covers the query
NOT_A_DEFECTOR_TERM = PersonRow.role != literal_column("'defector'")


def _unchecked(person: Any, checked: Collection[int]) -> list[ColumnElement[bool]]:
    return [~among(person.id, checked)] if checked else []


def _unchecked_defectors(checked: Collection[int]) -> list[ColumnElement[bool]]:
    """A current defector no reviewer has checked (``checked``: the person ids a verdict
    stands on, :func:`~.review_store.checked_person_ids`)."""
    return [PersonRow.role == "defector", _in_current_analysis(PersonRow),
            *_unchecked(PersonRow, checked)]


def _likeliest_unchecked(checked: Collection[int]) -> list[ColumnElement[bool]]:
    """A current non-defector with a score whom no reviewer has checked, and no other such
    person of the same analysis scores higher (or as high, earlier in the document)."""
    other = aliased(PersonRow)
    better = or_(other.defector_score > PersonRow.defector_score,
                 and_(other.defector_score == PersonRow.defector_score,
                      other.ordinal < PersonRow.ordinal))
    return [PersonRow.defector_score.is_not(None), NOT_A_DEFECTOR_TERM,
            _in_current_analysis(PersonRow), *_unchecked(PersonRow, checked),
            ~exists().where(other.analysis_id == PersonRow.analysis_id,
                            other.role != "defector", other.defector_score.is_not(None),
                            better, *_unchecked(other, checked))]


def _count_people(session: Session, conditions: Sequence[ColumnElement[bool]],
                  cap: int = PEOPLE_COUNT_CAP) -> int:
    found = select(PersonRow.id).where(*conditions).limit(cap).subquery("found")
    return int(session.scalar(select(func.count()).select_from(found)) or 0)


def _people_page(session: Session, conditions: Sequence[ColumnElement[bool]],
                 order: Sequence[Any], limit: int, offset: int) -> list[dict[str, Any]]:
    """A page of people with their document's title. Only ``persons`` is in the FROM
    clause of the page's query, so it walks the index of ``order`` and stops at the page."""
    page = (select(PersonRow.id).where(*conditions).order_by(*order)
            .limit(limit).offset(offset)).subquery("page")
    rows = session.execute(
        select(PersonRow.id, PersonRow.document_id, PersonRow.name, PersonRow.descriptor,
               PersonRow.role, PersonRow.role_confidence, PersonRow.defector_score,
               DocumentRow.title)
        .join(page, page.c.id == PersonRow.id)
        .join(DocumentRow, DocumentRow.id == PersonRow.document_id)
        .order_by(*order)).all()
    return [{"id": r.id, "document_id": r.document_id, "label": r.name or r.descriptor,
             "role": r.role, "confidence": r.role_confidence, "score": r.defector_score,
             "title": r.title} for r in rows]


# The review page's two lists of people to check: which people, in which order (the walk of
# an index: ix_persons_role_confidence; the partial ix_persons_possible_defectors, which the
# literal condition lets both planners use).
PEOPLE_LISTS: dict[str, tuple[Callable[[Collection[int]], list[ColumnElement[bool]]],
                              tuple[Any, ...]]] = {
    # current defectors no reviewer has checked, least certain first: checking them all is
    # the review that moves the defector figures most (bench_review_effort.py)
    "defectors": (_unchecked_defectors, (PersonRow.role_confidence, PersonRow.id)),
    # per document, the person the machine did not call a defector whom the role model
    # rated highest among those no reviewer has checked, strongest first: where the
    # defectors it missed are likeliest to be
    "possible": (_likeliest_unchecked, (PersonRow.defector_score.desc(), PersonRow.id)),
}


def people_total(session: Session, which: str, checked: Collection[int] = ()) -> int:
    """How many people :data:`PEOPLE_LISTS` ``which`` holds (``checked``: the person ids a
    verdict stands on, :func:`~.review_store.checked_person_ids`), counted up to
    :data:`PEOPLE_COUNT_CAP`."""
    return _count_people(session, PEOPLE_LISTS[which][0](checked))


def people_to_check(session: Session, which: str, checked: Collection[int] = (), *,
                    limit: int = 20, offset: int = 0, total: int | None = None
                    ) -> tuple[list[dict[str, Any]], int]:
    """A page of :data:`PEOPLE_LISTS` ``which`` (each person: id, document_id, title,
    label, role, confidence — the role's — and score, the role model's probability) and
    how many there are, up to the cap."""
    conditions, order = PEOPLE_LISTS[which]
    if total is None:
        total = people_total(session, which, checked)
    return _people_page(session, conditions(checked), order, limit, offset), total
