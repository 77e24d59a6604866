"""Editing a codebook: add a code, rename its label, move it under another parent, merge one
code into another, edit its definition. Pure functions: each takes a :class:`Codebook` and
returns a new, fully validated one (the YAML round trip runs every check a codebook file
gets), never changing the one given.

Where a code can go (``under``): another code's id (it becomes a child, and counts for that
code in every table), a family id (a top-level code of that family) or a dimension id (a
top-level code of the dimension, outside any family). Storing the result, and re-pointing the
codings of a merged code, is :mod:`exitlens.project_codebook`'s job.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from .codebook import Codebook, CodebookError, CodebookSpec, codebook_to_yaml, parse_codebook

EDIT_SOURCE = "codebook editor"


class CodebookEditError(CodebookError):
    """An edit that cannot be made (unknown code, id taken, a move into its own subtree…)."""

    code = "codebook_edit"


def _data(codebook: Codebook) -> dict[str, Any]:
    return copy.deepcopy(codebook.spec.model_dump(mode="json", exclude_defaults=False))


def _rebuild(data: dict[str, Any], what: str) -> Codebook:
    """Validate the edited data exactly like a codebook file (ids, uniqueness, patterns)."""
    try:
        spec = CodebookSpec.model_validate(data)
    except ValidationError as exc:
        raise CodebookEditError(f"{what}: {exc.errors()[0]['msg']}", where=EDIT_SOURCE) from None
    text = codebook_to_yaml(Codebook(spec, source=EDIT_SOURCE))
    return parse_codebook(text, source=EDIT_SOURCE)


def _code_lists(data: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    """Every list that holds code mappings (family codes, dimension codes, children)."""
    def walk(codes: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
        yield codes
        for code in codes:
            yield from walk(code.setdefault("children", []))

    for dim in data["dimensions"]:
        for fam in dim.get("families", []):
            yield from walk(fam["codes"])
        yield from walk(dim.setdefault("codes", []))


def _find(data: dict[str, Any], code_id: str) -> tuple[list[dict[str, Any]], int]:
    for codes in _code_lists(data):
        for index, code in enumerate(codes):
            if code["id"] == code_id:
                return codes, index
    raise CodebookEditError(f"no code {code_id!r} in the codebook", where=EDIT_SOURCE)


def _target(data: dict[str, Any], under: str) -> list[dict[str, Any]]:
    """The list a code placed ``under`` (a code, family or dimension id) goes into."""
    for codes in _code_lists(data):
        for code in codes:
            if code["id"] == under:
                return code.setdefault("children", [])
    for dim in data["dimensions"]:
        if dim["id"] == under:
            return dim.setdefault("codes", [])
        for fam in dim.get("families", []):
            if fam["id"] == under:
                return fam["codes"]
    raise CodebookEditError(f"no code, family or dimension {under!r} to put a code under",
                            where=EDIT_SOURCE)


def _require(codebook: Codebook, code_id: str) -> None:
    if code_id not in codebook:
        raise CodebookEditError(f"no code {code_id!r} in the codebook", where=EDIT_SOURCE)


def _text(value: str, what: str) -> str:
    value = " ".join(value.split())
    if not value:
        raise CodebookEditError(f"the {what} must not be empty", where=EDIT_SOURCE)
    return value


def add_code(codebook: Codebook, code_id: str, label: str, *, under: str,
             definition: str = "") -> Codebook:
    """A new code ``code_id`` (lowercase letters, digits, underscores) placed ``under`` a
    code, family or dimension."""
    code_id = code_id.strip()
    if code_id in codebook:
        raise CodebookEditError(f"the codebook already has a code {code_id!r}",
                                where=EDIT_SOURCE)
    data = _data(codebook)
    _target(data, under).append({"id": code_id, "label": _text(label, "label"),
                                 "definition": definition.strip()})
    return _rebuild(data, f"code {code_id!r}")


def rename_code(codebook: Codebook, code_id: str, label: str) -> Codebook:
    """The same code under a new label (its id, and every coding, stay)."""
    _require(codebook, code_id)
    data = _data(codebook)
    codes, index = _find(data, code_id)
    codes[index]["label"] = _text(label, "label")
    return _rebuild(data, f"code {code_id!r}")


def define_code(codebook: Codebook, code_id: str, definition: str, *,
                include: str | None = None, exclude: str | None = None) -> Codebook:
    """A new definition (and, when given, include / exclude guidance) for a code."""
    _require(codebook, code_id)
    data = _data(codebook)
    codes, index = _find(data, code_id)
    codes[index]["definition"] = definition.strip()
    if include is not None:
        codes[index]["include"] = include.strip()
    if exclude is not None:
        codes[index]["exclude"] = exclude.strip()
    return _rebuild(data, f"code {code_id!r}")


def move_code(codebook: Codebook, code_id: str, under: str) -> Codebook:
    """Put a code (with its children) under another code, family or dimension."""
    _require(codebook, code_id)
    if under == code_id or under in _descendants(codebook, code_id):
        raise CodebookEditError(f"cannot move {code_id!r} under itself or one of its own "
                                "children", where=EDIT_SOURCE)
    data = _data(codebook)
    codes, index = _find(data, code_id)
    moved = codes.pop(index)
    _target(data, under).append(moved)
    return _rebuild(data, f"code {code_id!r}")


def merge_codes(codebook: Codebook, source: str, into: str) -> Codebook:
    """Remove code ``source``; its children become children of ``into``. (Its codings are
    re-pointed to ``into`` by the caller, in the transaction that stores the result.)"""
    _require(codebook, source)
    _require(codebook, into)
    if source == into:
        raise CodebookEditError("a code cannot be merged into itself", where=EDIT_SOURCE)
    if into in _descendants(codebook, source):
        raise CodebookEditError(f"cannot merge {source!r} into its own child {into!r}: move "
                                f"{into!r} out first, or merge the child into the parent",
                                where=EDIT_SOURCE)
    data = _data(codebook)
    codes, index = _find(data, source)
    removed = codes.pop(index)
    _target(data, into).extend(removed.get("children", []))
    return _rebuild(data, f"merging {source!r} into {into!r}")


def _descendants(codebook: Codebook, code_id: str) -> set[str]:
    out: set[str] = set()
    stack = list(codebook.get(code_id).children)
    while stack:
        child = stack.pop()
        out.add(child)
        stack.extend(codebook.get(child).children)
    return out


def codebook_tree(codebook: Codebook) -> list[dict[str, Any]]:
    """Rows for a hierarchical listing: dimensions, families and codes in order, each with
    its depth (what the web editor shows)."""
    rows: list[dict[str, Any]] = []

    def code_rows(code_id: str, depth: int) -> None:
        code = codebook.get(code_id)
        rows.append({"kind": "code", "id": code.id, "label": code.label, "depth": depth,
                     "definition": code.definition, "include": code.include,
                     "exclude": code.exclude, "parent": code.parent,
                     "family": code.family, "dimension": code.dimension})
        for child in code.children:
            code_rows(child, depth + 1)

    for dim in codebook.dimensions.values():
        rows.append({"kind": "dimension", "id": dim.id, "label": dim.label, "depth": 0})
        families = codebook.families(dim.id)
        for fam_id, fam_label in dim.families.items():
            rows.append({"kind": "family", "id": fam_id, "label": fam_label, "depth": 1})
            for code_id in families.get(fam_id, []):
                code_rows(code_id, 2)
        for code_id in dim.codes:
            if codebook.get(code_id).family is None:
                code_rows(code_id, 1)
    return rows
