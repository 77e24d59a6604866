"""What the REFI-QDA writer and reader share: namespaces, GUIDs, the schemas, errors.

The two XSDs (REFI-QDA 1.0, MIT, see ``data/refi-qda/LICENSE-pyrefiqda``) ship with the
package and every file we write is validated against them before it is renamed into place.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import IO

from lxml import etree  # type: ignore[import-untyped]

from ... import atomic
from ...errors import ExitlensError

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"

# All exitlens GUIDs are uuid5 names under this namespace: the same code, document or coder
# gets the same GUID in every export, which is how a later import recognises them.
EXITLENS_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://exitlens.invalid/refi-qda/1.0")

AUTOMATIC_CODERS = frozenset({"rules", "embedding", "classifier", "llm", "ensemble", "keyword"})
"""Coder names that are programs, not people (SPEC §1; ``human:<user>`` is a person)."""
HUMAN_PREFIX = "human:"


class RefiError(ExitlensError):
    """A REFI-QDA file cannot be written or read. Stable codes: ``not_a_zip``,
    ``no_project_file``, ``schema_invalid``, ``selection_out_of_range``,
    ``unknown_code_ref``, ``bad_output_path``, ``codebook_mismatch``, ``unreadable``."""

    code = "refi_invalid"


def guid(kind: str, key: str) -> str:
    """The stable GUID of an exitlens object (lower case, no braces, spelled the same
    everywhere it is referenced)."""
    return str(uuid.uuid5(EXITLENS_NAMESPACE, f"{kind}:{key}"))


def code_guid(code_id: str) -> str:
    return guid("code", code_id)


def family_guid(dimension_id: str, family_id: str) -> str:
    return guid("family", f"{dimension_id}/{family_id}")


def dimension_guid(dimension_id: str) -> str:
    return guid("dimension", dimension_id)


def user_guid(name: str) -> str:
    return guid("user", name)


def normalize_guid(value: str) -> str:
    """The comparable form of a GUID: braces dropped, lower case (tools differ in both)."""
    return value.strip().strip("{}").lower()


def coder_user_name(coder: str) -> str:
    """The REFI user that stands for an exitlens coder: ``human:alice`` → ``alice``,
    programs keep their name (``rules``)."""
    return coder[len(HUMAN_PREFIX):] if coder.startswith(HUMAN_PREFIX) else coder


def is_automatic(user_name: str) -> bool:
    """Whether a REFI user name is one of exitlens's automatic coders (``rules``, or a
    combination such as ``rules+embedding``); everyone else is a person."""
    parts = [p for p in user_name.replace(",", "+").split("+") if p]
    return bool(parts) and all(p.strip().lower() in AUTOMATIC_CODERS for p in parts)


def data_dir() -> Path:
    return Path(str(resources.files("exitlens").joinpath("data/refi-qda")))


@cache
def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(data_dir() / name)))


def project_schema() -> etree.XMLSchema:
    return _schema("Project.xsd")


def codebook_schema() -> etree.XMLSchema:
    return _schema("Codebook.xsd")


def first_schema_error(schema: etree.XMLSchema) -> str:
    """The first XSD error as ``line N: message``."""
    errors = list(schema.error_log)
    if not errors:
        return "does not match the schema"
    first = errors[0]
    return f"line {first.line}: {first.message}"


def validate(root: etree._Element, schema: etree.XMLSchema, where: str) -> None:
    """Raise ``schema_invalid`` naming ``where`` and the first XSD error."""
    if not schema.validate(root):
        raise RefiError(f"does not validate against the REFI-QDA schema: "
                        f"{first_schema_error(schema)}", code="schema_invalid", where=where)


def check_output_path(path: Path) -> None:
    """``bad_output_path`` for a folder that does not exist or cannot be written."""
    folder = path.parent
    if not folder.is_dir():
        raise RefiError(f"folder {folder} does not exist", code="bad_output_path",
                        where=str(path))
    if not os.access(folder, os.W_OK | os.X_OK):
        raise RefiError(f"no permission to write in folder {folder}", code="bad_output_path",
                        where=str(path))
    if path.is_dir():
        raise RefiError("is a folder, not a file name", code="bad_output_path",
                        where=str(path))


def write_atomically(path: Path, write: Callable[[IO[bytes]], None]) -> Path:
    """Write through ``write`` into a temporary file beside ``path`` and rename it into
    place only when complete: a failure leaves no file that looks finished."""
    check_output_path(path)
    return atomic.write_atomically(path, write, binary=True, mode=None, error=lambda reason: (
        RefiError(f"cannot write: {reason}", code="bad_output_path", where=str(path))))
