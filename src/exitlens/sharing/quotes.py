"""The quote bank: the evidence behind each code and the defectors' own quotes, ranked.

Rows come from an :class:`~exitlens.sharing.bundle.ExportBundle` (so a redacted bundle
gives redacted quotes):

* ``kind = "coding"`` — one row per coding that is not rejected: the code, its evidence
  span and text, coder, confidence and review status;
* ``kind = "quote"`` — one row per quote whose speaker is a defector, unless a coding of the
  same person has exactly that span; ``code`` lists the codes of that person's codings
  whose evidence overlaps the quote ("; "-joined), so ``code=`` filters find them too.

Ranking: accepted codings first, then suggested ones, then quotes; within each, higher
confidence first (then document and position). ``query`` keeps the rows whose text matches
the store's full-text search (SQLite FTS5 with the documents' tokenizer, PostgreSQL's
``english`` text search with the same query syntax, ``fulltext.pg_tsquery``), evaluated on
the span itself; ``semantic`` ranks by cosine similarity between the query and each text
with the shipped MiniLM model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..errors import ExitlensError
from ..store.migrations.fulltext import fts5_query, pg_tsquery
from .bundle import ExportBundle

QUOTE_BANK_COLUMNS = ("kind", "code", "label", "text", "speaker", "case_id", "document_id",
                      "title", "outlet", "published", "start", "end", "confidence", "status",
                      "coder", "row_key")
"""Columns of ``Project.quotes()`` (``score`` is added with a query or ``semantic``)."""
_STATUS_RANK = {"accepted": 0, "suggested": 1}


def quote_bank(bundle: ExportBundle, *, code: str | None = None) -> pd.DataFrame:
    """Every quote-bank row of ``bundle`` (ranked; ``code``: only rows of that code or of
    one of its child codes)."""
    codebook = bundle.codebook
    docs = bundle.documents.set_index("id")
    persons = bundle.persons.set_index("id")

    def speaker(pid: Any) -> str | None:
        if pid is None or pd.isna(pid) or int(pid) not in persons.index:
            return None
        row = persons.loc[int(pid)]
        for value in (row["name"], row["descriptor"]):
            if isinstance(value, str) and value:
                return value
        return None

    def label(code_id: str) -> str:
        return codebook.codes[code_id].label if code_id in codebook.codes else code_id

    def source(doc_id: int) -> dict[str, Any]:
        d = docs.loc[int(doc_id)]
        return {"document_id": int(doc_id), "title": d["title"], "outlet": d["outlet"],
                "published": d["published"]}

    records: list[dict[str, Any]] = []
    codings = bundle.codings[bundle.codings["status"] != "rejected"]
    by_person: dict[int, list[tuple[int, int, str]]] = {}
    for c in codings.itertuples(index=False):
        records.append({
            "kind": "coding", "code": c.code, "label": label(str(c.code)), "text": c.text,
            "speaker": speaker(c.person_id),
            "case_id": None if pd.isna(c.case_id) else int(c.case_id),
            **source(int(c.document_id)), "start": int(c.start), "end": int(c.end),
            "confidence": float(c.confidence), "status": c.status, "coder": c.coder,
            "row_key": f"coding:{c.id}",
        })
        if not pd.isna(c.person_id):
            by_person.setdefault(int(c.person_id), []).append(
                (int(c.start), int(c.end), str(c.code)))
    defectors = set(bundle.persons.loc[bundle.persons["role"] == "defector", "id"].tolist())
    for q in bundle.quotes.itertuples(index=False):
        if pd.isna(q.speaker_person_id) or int(q.speaker_person_id) not in defectors:
            continue
        spans = by_person.get(int(q.speaker_person_id), [])
        if any(s == q.start and e == q.end for s, e, _ in spans):
            continue  # the coding row already shows this span
        codes = list(dict.fromkeys(c for s, e, c in spans if s < q.end and q.start < e))
        records.append({
            "kind": "quote", "code": "; ".join(codes) or None,
            "label": "; ".join(label(c) for c in codes) or None, "text": q.text,
            "speaker": speaker(q.speaker_person_id),
            "case_id": None if pd.isna(q.case_id) else int(q.case_id),
            **source(int(q.document_id)), "start": int(q.start), "end": int(q.end),
            "confidence": None, "status": None, "coder": None, "row_key": f"quote:{q.id}",
        })
    frame = pd.DataFrame(records, columns=list(QUOTE_BANK_COLUMNS))
    if code is not None:
        if code not in codebook.codes:
            raise ExitlensError(f"unknown code {code!r}; `exitlens codebook show` lists them",
                                code="unknown_code", where=codebook.source)
        wanted = {code, *(c.id for c in codebook.codes.values()
                          if code in codebook.ancestors(c.id))}
        keep = frame["code"].map(lambda v: isinstance(v, str)
                                 and bool(wanted & set(v.split("; "))))
        frame = frame[keep.astype(bool)]
    return rank(frame)


def rank(frame: pd.DataFrame) -> pd.DataFrame:
    """Accepted first, then suggested, then quotes; higher confidence first."""
    if frame.empty:
        return frame.reset_index(drop=True)
    order = frame.assign(
        _status=frame["status"].map(lambda s: _STATUS_RANK.get(s, 2) if isinstance(s, str)
                                    else 2),
        _conf=frame["confidence"].map(lambda c: -(c if c is not None and c == c else -1.0)))
    order = order.sort_values(["_status", "_conf", "document_id", "start", "row_key"],
                              kind="stable")
    return order.drop(columns=["_status", "_conf"]).reset_index(drop=True)


def full_text_matches(session: Session, dialect: str, query: str,
                      rows: Sequence[tuple[str, str]]) -> set[str]:
    """The keys of ``rows`` (key, text) whose text matches ``query`` under the store's
    full-text search: FTS5 (same tokenizer as ``documents_fts``) on SQLite, the
    ``english`` text search configuration on PostgreSQL."""
    if not query.strip() or not rows:
        return set()
    keys = [k for k, _ in rows]
    if dialect == "sqlite":
        session.execute(text("DROP TABLE IF EXISTS temp.exitlens_span_fts"))
        session.execute(text("CREATE VIRTUAL TABLE temp.exitlens_span_fts USING fts5("
                             "body, tokenize='unicode61 remove_diacritics 2')"))
        try:
            session.execute(text("INSERT INTO temp.exitlens_span_fts(rowid, body) "
                                 "VALUES (:i, :t)"),
                            [{"i": i, "t": t} for i, (_, t) in enumerate(rows)])
            try:
                hits = session.execute(text("SELECT rowid FROM temp.exitlens_span_fts "
                                            "WHERE exitlens_span_fts MATCH :q"),
                                       {"q": fts5_query(query)}).scalars().all()
            except OperationalError:
                raise ExitlensError(f"cannot search for {query!r}: put OR / AND / NOT "
                                    "between words", code="bad_query") from None
        finally:
            session.execute(text("DROP TABLE IF EXISTS temp.exitlens_span_fts"))
        return {keys[int(i)] for i in hits}
    tsquery, params = pg_tsquery(query)
    hits = session.execute(
        text("SELECT t.i FROM unnest(CAST(:ids AS integer[]), CAST(:texts AS text[])) "
             f"AS t(i, body) WHERE to_tsvector('english', t.body) @@ {tsquery}"),
        {**params, "ids": list(range(len(rows))), "texts": [t for _, t in rows]},
    ).scalars().all()
    return {keys[int(i)] for i in hits}


def semantic_scores(vectors: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """Cosine similarity of L2-normalised rows with a normalised query vector."""
    if vectors.size == 0:
        return np.zeros(0, dtype=np.float32)
    return np.asarray(vectors @ query_vector.reshape(-1), dtype=np.float32)
