"""The project's codebook stored in the database (``codebook_versions``).

A project codes with the newest stored version; when none is stored it falls back to
``coding.codebook`` from the settings, else the built-in default (see
``Project.codebook``). Storing a version is append-only and logged as a
``codebook.store`` event in the same transaction. A version that lacks codes which
codings still use is refused (``codebook_mismatch``) unless forced, so no coding ever
silently drops out of the tables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..coding.codebook import Codebook, codebook_to_yaml, parse_codebook
from ..errors import ExitlensError
from .schema import CodebookVersionRow, CodingRow, EventRow


@dataclass(frozen=True)
class StoredCodebook:
    """One row of ``codebook_versions`` (without parsing its YAML)."""

    id: int
    sha256: str
    source: str
    actor: str
    created_at: str
    yaml: str

    def codebook(self) -> Codebook:
        return parse_codebook(self.yaml, source=f"codebook version {self.id} ({self.source})")


def _stored(row: CodebookVersionRow) -> StoredCodebook:
    return StoredCodebook(row.id, row.sha256, row.source, row.actor,
                          row.created_at.isoformat(), row.yaml)


def latest_codebook(session: Session) -> StoredCodebook | None:
    """The newest stored codebook version, or None when the project stores none."""
    row = session.scalars(
        select(CodebookVersionRow).order_by(CodebookVersionRow.id.desc()).limit(1)
    ).first()
    return _stored(row) if row is not None else None


def codebook_versions(session: Session) -> list[StoredCodebook]:
    """Every stored version, oldest first."""
    return [_stored(r) for r in session.scalars(
        select(CodebookVersionRow).order_by(CodebookVersionRow.id))]


def codes_in_use(session: Session) -> set[str]:
    """Every code some coding in the database uses (any status, any analysis)."""
    return set(session.scalars(select(CodingRow.code).distinct()))


def store_codebook(session: Session, codebook: Codebook, *, actor: str, source: str,
                   force: bool = False, extra_codes_in_use: set[str] | None = None,
                   payload: dict[str, Any] | None = None) -> StoredCodebook:
    """Add ``codebook`` as the newest version (caller commits) and log a ``codebook.store``
    event. Refuses (``codebook_mismatch``) when codings use codes it lacks, unless
    ``force``. Storing the same content as the newest version is a no-op that returns it."""
    text = codebook_to_yaml(codebook)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    used = codes_in_use(session) | (extra_codes_in_use or set())
    missing = sorted(used - set(codebook.codes))
    if missing and not force:
        raise ExitlensError(
            f"codings use codes this codebook lacks: {', '.join(missing)}; storing it would "
            "drop them from every table (add them to the codebook, or force)",
            code="codebook_mismatch", where=source)
    newest = latest_codebook(session)
    if newest is not None and newest.sha256 == digest:
        return newest
    row = CodebookVersionRow(actor=actor, source=source, yaml=text, sha256=digest)
    session.add(row)
    session.flush()
    session.add(EventRow(actor=actor, action="codebook.store", entity="codebook",
                         entity_id=row.id,
                         payload={"source": source, "sha256": digest,
                                  "codes": len(codebook.codes), "forced": bool(force),
                                  "missing_codes": missing, **(payload or {})}))
    return _stored(row)
