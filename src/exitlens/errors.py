"""Errors with stable codes.

Every failure a user can meet carries a short, stable ``code`` (documented in
README, safe to grep for in scripts) and a plain-language message. The CLI prints
``error[code] where: message`` and never a traceback; library users can catch
:class:`ExitlensError` or one of its subclasses.
"""

from __future__ import annotations


class ExitlensError(Exception):
    """Base class: a problem the user can understand and act on."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.where = where

    def __str__(self) -> str:
        prefix = f"{self.where}: " if self.where else ""
        return f"error[{self.code}] {prefix}{self.message}"


class ConfigError(ExitlensError):
    """The configuration file or an option is invalid."""

    code = "config_invalid"


class StoreError(ExitlensError):
    """The database cannot be opened, migrated or written."""

    code = "store_error"


class IngestError(ExitlensError):
    """One input file could not be turned into a document.

    Codes (stable): ``not_found``, ``unreadable``, ``empty_file``, ``too_large``,
    ``binary_data``, ``decode_failed``, ``unsupported_type``, ``corrupt_pdf``,
    ``encrypted_pdf``, ``corrupt_docx``, ``corrupt_html``, ``no_text``,
    ``bad_jsonl``, ``bad_manifest``.
    """

    code = "ingest_failed"


class NotFoundError(ExitlensError):
    """A document, person or other record asked for does not exist."""

    code = "not_found"


class CaseError(ExitlensError):
    """A case correction that cannot be made (merging a case with itself, splitting off
    a case's only source, merging two people of one document)."""

    code = "case_invalid"


class ConflictError(ExitlensError):
    """A write based on a stale view: someone changed the record since it was read.
    ``current`` holds the record's present state, to show the user."""

    code = "conflict"

    def __init__(self, message: str, *, current: dict[str, object] | None = None,
                 code: str | None = None, where: str | None = None):
        super().__init__(message, code=code, where=where)
        self.current = current or {}
