"""A cheap stamp of the analysis state: changes whenever anything that a count, a case or a
coding table reads may have changed. Every such write either adds an ``analyses`` row (a
new analysis), an ``events`` row (every review decision, undo, case correction, codebook
change, round adjudication, import), a document, a person or a case, or stores a codebook
version; each of those moves a maximum id or a count below. Reading it costs a few index
lookups, so callers can cache expensive derived tables (the dashboard's case frames) under
it and still never serve stale figures."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .schema import (
    AnalysisRow,
    CaseRow,
    CodebookVersionRow,
    CodingRow,
    DocumentRow,
    EventRow,
    PersonRow,
)


def state_stamp(session: Session) -> tuple[int, ...]:
    """Max ids of the tables behind the analysis tables, plus row counts of the small ones
    (a deletion lowers a count even when the maximum id stays)."""
    maxima = [session.scalar(select(func.max(table.id))) or 0
              for table in (AnalysisRow, EventRow, DocumentRow, PersonRow, CaseRow, CodingRow,
                            CodebookVersionRow)]
    counts = [session.scalar(select(func.count()).select_from(table)) or 0
              for table in (AnalysisRow, DocumentRow, CaseRow)]
    return (*maxima, *counts)
