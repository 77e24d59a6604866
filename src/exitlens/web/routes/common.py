"""Helpers shared by the page modules: the codebook view, pagination, form parsing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from ...coding.codebook import Codebook
from ..deps import get_project


@dataclass
class CodeView:
    id: str
    label: str
    dimension: str
    family: str | None
    family_label: str
    colour: str  # CSS class fam-N, one per family (or dimension when a code has none)


def codebook(request: Request) -> Codebook:
    return get_project(request).codebook()  # cached while the file is unchanged


def code_views(request: Request) -> dict[str, CodeView]:
    book = codebook(request)
    groups: dict[tuple[str, str | None], int] = {}
    views = {}
    for code in book.codes.values():
        group = (code.dimension, code.family)
        index = groups.setdefault(group, len(groups))
        dim = book.dimensions[code.dimension]
        family_label = dim.families.get(code.family or "", dim.label) if code.family \
            else dim.label
        views[code.id] = CodeView(code.id, code.label, code.dimension, code.family,
                                  family_label, f"fam-{index % 8}")
    return views


def code_view(views: dict[str, CodeView], code: str) -> CodeView:
    return views.get(code) or CodeView(code, code, "?", None, "not in the codebook", "fam-7")


@dataclass
class Pager:
    page: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def page_number(value: Any) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def page_size(request: Request) -> int:
    return int(request.app.state.options.page_size)


def optional_int(value: str | None) -> int | None:
    if value is None or not str(value).strip():
        return None
    return int(value)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"
