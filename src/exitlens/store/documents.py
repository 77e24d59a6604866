"""Stored documents as :class:`~exitlens.model.Document` objects (text included)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import select

from ..model import Document
from .database import Database
from .schema import DocumentRow
from .sql import among


def row_to_document(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        text=row.text,
        text_sha256=row.text_sha256,
        title=row.title,
        author=row.author,
        outlet=row.outlet,
        url=row.url,
        source_path=row.source_path,
        published=row.published,
        kind=row.kind,
        fmt=row.fmt,
        language=row.language,
        meta=dict(row.meta or {}),
    )


def iter_stored_documents(db: Database, ids: Sequence[int] | None = None) -> Iterator[Document]:
    """Full documents, one at a time, in id order (all of them when ``ids`` is None)."""
    with db.session() as session:
        query = select(DocumentRow).order_by(DocumentRow.id)
        if ids is not None:
            query = query.where(among(DocumentRow.id, ids))
        for row in session.scalars(query):
            yield row_to_document(row)
