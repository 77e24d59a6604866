"""The export bundle: everything a project shares, read once from the store.

Every writer (tables, REFI-QDA) takes an :class:`ExportBundle` and never looks at the
database, so redaction (:func:`exitlens.sharing.redaction.redact_bundle`) applies to every
format the same way. Which rows belong in it is decided here, once:

* **documents**, **sources**, **events**: all of them.
* **codings**: those of each document's *current* analysis (the newest one), plus the
  codings a human reviewed in older analyses (kept by ``analyze`` because their decisions
  are research data), plus codings made outside any analysis (``analysis_id`` null).
* **persons**, **mentions**: the people of the current analyses, plus any person an
  exported coding points at.
* **quotes**: those of the current analyses.
* **cases**: the columns of ``Project.cases()`` (one row per defector case).

Every span column (``start``, ``end``) is a ``[start, end)`` code point offset into the
document's ``text`` column, and every ``text`` column of a span table is exactly
``documents.text[start:end]``. Timestamps are ISO 8601 strings.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, defer

from ..cases import CASE_COLUMNS
from ..coding.codebook import Codebook
from ..model import Profile
from ..store import case_store
from ..store.schema import (
    CodingRow,
    DocumentRow,
    EventRow,
    MentionRow,
    PersonRow,
    QuoteRow,
    SourceRow,
)

DOCUMENT_COLUMNS = ("id", "title", "author", "outlet", "url", "published", "kind", "language",
                    "text_sha256", "n_chars", "text")
SOURCE_COLUMNS = ("id", "document_id", "locator", "content_sha256", "fmt", "ingested_at")
PROFILE_FIELDS = ("gender", "age", "nationality", "origin_region", "occupation", "joined_year",
                  "left_year", "role", "route", "places", "exit_mode", "outcome")
"""Profile fields; each is a ``profile_<field>`` column of ``persons`` (lists joined by "; ").
``n_evidence`` counts the spans of the person's own account (what coders may code);
``profile_inferred`` names the fields whose value is only inferred from the page, not stated
for the person (``model.PAGE_BASIS``; "; "-joined, empty when none)."""
PERSON_COLUMNS = ("id", "document_id", "case_id", "ordinal", "name", "descriptor", "role",
                  "role_confidence", "source_voice", "n_evidence",
                  *(f"profile_{name}" for name in PROFILE_FIELDS), "profile_inferred")
MENTION_COLUMNS = ("id", "person_id", "document_id", "start", "end", "kind", "text")
CODING_COLUMNS = ("id", "document_id", "person_id", "case_id", "code", "start", "end", "text",
                  "coder", "confidence", "status", "user", "created_at", "updated_at")
QUOTE_COLUMNS = ("id", "document_id", "speaker_person_id", "case_id", "start", "end", "kind",
                 "text")
EVENT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "payload")

SPAN_TABLES = ("codings", "quotes", "mentions")
"""Bundle tables whose rows are spans (``document_id``, ``start``, ``end``, ``text``)."""
TABLES = ("documents", "sources", "persons", "mentions", "cases", "codings", "quotes", "events")
"""Every table of the bundle, in the order writers emit them."""
LIST_JOIN = "; "


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


@dataclass
class ExportBundle:
    """A project's shareable content (see the module docstring for what is in it)."""

    documents: pd.DataFrame
    sources: pd.DataFrame
    persons: pd.DataFrame
    cases: pd.DataFrame
    codings: pd.DataFrame
    quotes: pd.DataFrame
    events: pd.DataFrame
    codebook: Codebook
    redacted: bool = False
    # original surface -> pseudonym (never exported)
    pseudonyms: dict[str, str] = field(default_factory=dict)
    mentions: pd.DataFrame = field(default_factory=lambda: _empty(MENTION_COLUMNS))
    # the languages the reading covers (``reading.languages``): documents in others are read
    # but not coded, so their cases' codes are "not applicable" in the case x code matrix
    covered_languages: tuple[str, ...] = ("en",)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The entity tables by name (``TABLES`` order)."""
        return {name: getattr(self, name) for name in TABLES}

    def document_text(self, document_id: int) -> str:
        """The (possibly redacted) stored text of one document."""
        row = self.documents.loc[self.documents["id"] == document_id, "text"]
        if row.empty:
            raise KeyError(document_id)
        return str(row.iloc[0])


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _profile_value(item: Any) -> Any:
    if isinstance(item, list):
        values = [str(fv.get("value")) for fv in item
                  if isinstance(fv, dict) and fv.get("value") is not None]
        return LIST_JOIN.join(values) if values else None
    if isinstance(item, dict):
        return item.get("value")
    return None


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...],
           types: dict[str, str]) -> pd.DataFrame:
    if not records:
        frame = _empty(columns)
    else:
        frame = pd.DataFrame(records, columns=list(columns), dtype=object)
    return frame.astype(types)


def cases_frame(session: Session) -> pd.DataFrame:
    """The ``Project.cases()`` frame (one row per defector case)."""
    records = case_store.case_records(session)
    frame = pd.DataFrame(records, columns=list(CASE_COLUMNS), dtype=object)
    return frame.astype({"case_id": "int64", "n_sources": "int64"})


def load_bundle(session: Session, codebook: Codebook,
                cases: pd.DataFrame | None = None, *,
                covered_languages: tuple[str, ...] = ("en",)) -> ExportBundle:
    """Read a project's shareable content from an open session (one consistent snapshot).

    ``cases``: the ``Project.cases()`` frame when the caller already holds it;
    ``covered_languages``: the project's ``reading.languages``."""
    current = case_store.current_analysis_ids(session)
    texts: dict[int, str] = {}
    doc_records = []
    for row in session.scalars(select(DocumentRow).options(defer(DocumentRow.minhash))
                               .order_by(DocumentRow.id)):
        texts[row.id] = row.text
        doc_records.append({
            "id": row.id, "title": row.title, "author": row.author, "outlet": row.outlet,
            "url": row.url, "published": row.published, "kind": row.kind,
            "language": row.language, "text_sha256": row.text_sha256,
            "n_chars": row.n_chars, "text": row.text,
        })
    source_records = [
        {"id": s.id, "document_id": s.document_id, "locator": s.locator,
         "content_sha256": s.content_sha256, "fmt": s.fmt, "ingested_at": _iso(s.ingested_at)}
        for s in session.scalars(select(SourceRow).order_by(SourceRow.id))
    ]
    coding_rows = list(session.scalars(
        select(CodingRow)
        .where(or_(CodingRow.analysis_id.in_(current), CodingRow.analysis_id.is_(None),
                   CodingRow.status != "suggested"))
        .order_by(CodingRow.document_id, CodingRow.start, CodingRow.code, CodingRow.id)
    ))
    coded_people = {c.person_id for c in coding_rows if c.person_id is not None}
    person_rows = list(session.scalars(
        select(PersonRow)
        .where(or_(PersonRow.analysis_id.in_(current), PersonRow.id.in_(sorted(coded_people))))
        .order_by(PersonRow.document_id, PersonRow.ordinal, PersonRow.id)
    ))
    case_of = {p.id: p.case_id for p in person_rows}
    person_doc = {p.id: p.document_id for p in person_rows}
    person_records = []
    for p in person_rows:
        record: dict[str, Any] = {
            "id": p.id, "document_id": p.document_id, "case_id": p.case_id,
            "ordinal": p.ordinal, "name": p.name, "descriptor": p.descriptor, "role": p.role,
            "role_confidence": p.role_confidence, "source_voice": p.source_voice,
            "n_evidence": len(p.evidence or []),
        }
        profile = p.profile or {}
        for name in PROFILE_FIELDS:
            record[f"profile_{name}"] = _profile_value(profile.get(name))
        record["profile_inferred"] = LIST_JOIN.join(
            Profile.from_json(profile).inferred_fields()) or None
        person_records.append(record)
    mention_records = [
        {"id": m.id, "person_id": m.person_id, "document_id": person_doc[m.person_id],
         "start": m.start, "end": m.end, "kind": m.kind,
         "text": texts[person_doc[m.person_id]][m.start:m.end]}
        for m in session.scalars(
            select(MentionRow).where(MentionRow.person_id.in_(list(person_doc)))
            .order_by(MentionRow.person_id, MentionRow.start, MentionRow.id))
    ] if person_doc else []
    coding_records = [
        {"id": c.id, "document_id": c.document_id, "person_id": c.person_id,
         "case_id": case_of.get(c.person_id) if c.person_id is not None else None,
         "code": c.code, "start": c.start, "end": c.end,
         "text": texts[c.document_id][c.start:c.end], "coder": c.coder,
         "confidence": c.confidence, "status": c.status, "user": c.user,
         "created_at": _iso(c.created_at), "updated_at": _iso(c.updated_at)}
        for c in coding_rows
    ]
    quote_records = [
        {"id": q.id, "document_id": q.document_id, "speaker_person_id": q.speaker_person_id,
         "case_id": case_of.get(q.speaker_person_id) if q.speaker_person_id is not None
         else None,
         "start": q.start, "end": q.end, "kind": q.kind,
         "text": texts[q.document_id][q.start:q.end]}
        for q in session.scalars(select(QuoteRow).where(QuoteRow.analysis_id.in_(current))
                                 .order_by(QuoteRow.document_id, QuoteRow.start, QuoteRow.id))
    ]
    event_records = [
        {"id": e.id, "at": _iso(e.at), "actor": e.actor, "action": e.action,
         "entity": e.entity, "entity_id": e.entity_id,
         "payload": json.dumps(e.payload or {}, ensure_ascii=False, sort_keys=True,
                               default=str)}
        for e in session.scalars(select(EventRow).order_by(EventRow.id))
    ]
    return ExportBundle(
        documents=_frame(doc_records, DOCUMENT_COLUMNS, {"id": "int64", "n_chars": "int64"}),
        sources=_frame(source_records, SOURCE_COLUMNS, {"id": "int64", "document_id": "int64"}),
        persons=_frame(person_records, PERSON_COLUMNS,
                       {"id": "int64", "document_id": "int64", "case_id": "Int64",
                        "ordinal": "int64", "role_confidence": "float64",
                        "n_evidence": "int64"}),
        cases=cases if cases is not None else cases_frame(session),
        codings=_frame(coding_records, CODING_COLUMNS,
                       {"id": "int64", "document_id": "int64", "person_id": "Int64",
                        "case_id": "Int64", "start": "int64", "end": "int64",
                        "confidence": "float64"}),
        quotes=_frame(quote_records, QUOTE_COLUMNS,
                      {"id": "int64", "document_id": "int64", "speaker_person_id": "Int64",
                       "case_id": "Int64", "start": "int64", "end": "int64"}),
        events=_frame(event_records, EVENT_COLUMNS,
                      {"id": "int64", "entity_id": "Int64"}),
        codebook=codebook,
        mentions=_frame(mention_records, MENTION_COLUMNS,
                        {"id": "int64", "person_id": "int64", "document_id": "int64",
                         "start": "int64", "end": "int64"}),
        covered_languages=tuple(covered_languages),
    )


def check_spans(bundle: ExportBundle) -> list[str]:
    """Problems with the bundle's spans (empty when every ``text`` is
    ``documents.text[start:end]``); used by tests and after redaction."""
    texts = dict(zip(bundle.documents["id"].tolist(), bundle.documents["text"].tolist(),
                     strict=True))
    problems = []
    for name in SPAN_TABLES:
        frame = getattr(bundle, name)
        for row in frame.itertuples(index=False):
            text = texts.get(int(row.document_id))
            if text is None:
                problems.append(f"{name} {row.id}: document {row.document_id} missing")
            elif not 0 <= int(row.start) <= int(row.end) <= len(text):
                problems.append(f"{name} {row.id}: span {row.start}-{row.end} outside text")
            elif text[int(row.start):int(row.end)] != row.text:
                problems.append(f"{name} {row.id}: text differs from its span")
    return problems
