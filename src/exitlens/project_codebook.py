"""The codebook editor part of :class:`exitlens.Project`: add a code, rename it, move it under
another parent, merge one code into another, edit a definition — shared by the CLI
(``exitlens codebook add|rename|move|merge|define``) and the web app's ``/codebook`` page.

Every edit starts from the codebook in use (:meth:`Project.codebook`), is made by the pure
functions of :mod:`exitlens.coding.codebook_edit` and is stored as a new version in
``codebook_versions`` (``codebook.store`` event, with the operation in its payload). A merge
re-points the merged code's codings to the kept code in the same transaction, one
``codebook.recode`` event per coding of a current analysis, so the ``codebook_mismatch``
guard of :func:`exitlens.store.codebooks.store_codebook` never has to drop a coding. A new
codebook version changes the analysis fingerprint: documents become due for ``analyze``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .coding import codebook_edit
from .store import review_store
from .store.codebooks import store_codebook
from .store.round_store import OPEN
from .store.schema import ReviewRoundRow

if TYPE_CHECKING:
    from .coding.codebook import Codebook
    from .pipeline import Pipeline
    from .store import Database


class CodebookMethods:
    db: Database
    actor: str
    codebook: Callable[[], Codebook]
    _pipeline: Pipeline | None

    def codebook_tree(self) -> list[dict[str, Any]]:
        """The codebook in use as ordered rows (dimension, family, code) with their depth."""
        return codebook_edit.codebook_tree(self.codebook())

    def _store_edit(self, edited: Codebook, operation: dict[str, Any],
                    before: Callable[[Any], dict[str, Any]] | None = None) -> dict[str, Any]:
        with self.db.session() as session:
            extra = before(session) if before is not None else {}
            stored = store_codebook(session, edited, actor=self.actor,
                                    source=f"editor:{operation['op']}",
                                    payload={"edit": operation, **extra})
        self._pipeline = None
        return {"version": stored.id, "sha256": stored.sha256, "codes": len(edited.codes),
                **operation, **extra}

    def add_code(self, code_id: str, label: str, *, under: str,
                 definition: str = "") -> dict[str, Any]:
        """Add code ``code_id`` with ``label`` under a code, family or dimension id."""
        edited = codebook_edit.add_code(self.codebook(), code_id, label, under=under,
                                        definition=definition)
        return self._store_edit(edited, {"op": "add", "code": code_id.strip(), "under": under,
                                         "label": label})

    def rename_code(self, code_id: str, label: str) -> dict[str, Any]:
        """Give a code a new label (its id and its codings stay)."""
        old = self.codebook().get(code_id).label if code_id in self.codebook() else None
        edited = codebook_edit.rename_code(self.codebook(), code_id, label)
        return self._store_edit(edited, {"op": "rename", "code": code_id, "before": old,
                                         "label": " ".join(label.split())})

    def move_code(self, code_id: str, under: str) -> dict[str, Any]:
        """Put a code (and its children) under another code, family or dimension."""
        current = self.codebook()
        old = None
        if code_id in current:
            c = current.get(code_id)
            old = c.parent or c.family or c.dimension
        edited = codebook_edit.move_code(current, code_id, under)
        return self._store_edit(edited, {"op": "move", "code": code_id, "before": old,
                                         "under": under})

    def define_code(self, code_id: str, definition: str, *, include: str | None = None,
                    exclude: str | None = None) -> dict[str, Any]:
        """Replace a code's definition (and include / exclude guidance when given)."""
        edited = codebook_edit.define_code(self.codebook(), code_id, definition,
                                           include=include, exclude=exclude)
        return self._store_edit(edited, {"op": "define", "code": code_id,
                                         "definition": definition.strip()})

    def merge_codes(self, source: str, into: str) -> dict[str, Any]:
        """Merge code ``source`` into ``into``: ``source`` leaves the codebook (its children
        move under ``into``) and every coding of ``source`` becomes a coding of ``into``,
        each logged (``codebook.recode``). Refused while an open round decides ``source``.
        Returns the new version and how many codings were re-pointed."""
        edited = codebook_edit.merge_codes(self.codebook(), source, into)
        merge = {"from": source, "into": into}

        def repoint(session: Any) -> dict[str, Any]:
            for rnd in session.scalars(select(ReviewRoundRow)
                                       .where(ReviewRoundRow.status == OPEN)):
                if source in (rnd.meta or {}).get("codes", []):
                    raise codebook_edit.CodebookEditError(
                        f"open round {rnd.id} ({rnd.name}) decides code {source!r}: close "
                        "it before merging the code away", where="codebook editor")
            counts = review_store.recode_codings(session, self.actor, source, into, merge)
            return {"recoded": counts["current"], "recoded_history": counts["history"]}

        return self._store_edit(edited, {"op": "merge", "code": source, "into": into},
                                before=repoint)
