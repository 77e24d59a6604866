"""SQL helpers shared by the store modules.

``among(column, ids)`` is ``column IN (ids)`` for any number of ids. A plain ``IN`` sends one
bound parameter per id, and the databases cap those: PostgreSQL's protocol at 65,535 per
statement, SQLite at 250,000 (and 32,766 in many builds). A project with more people,
documents or analyses than that would fail in case resolution, the case tables or the
review queue. Here PostgreSQL gets one array parameter (``column = ANY(:ids)``) and SQLite,
above a small list, one JSON text (``column IN (SELECT value FROM json_each(:ids))``), so the
statement's size does not grow with the corpus.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import func
from sqlalchemy.types import Boolean

SMALL = 500  # up to this many ids a plain IN list is kept (readable SQL, no JSON)


class _Among(ColumnElement[bool]):
    """``column IN ids`` rendered per dialect (see the module docstring)."""

    type = Boolean()
    inherit_cache = False  # the ids are data, never part of a cached statement

    def __init__(self, column: ColumnElement[Any], ids: list[int]):
        self.column = column
        self.ids = ids


def among(column: ColumnElement[Any] | Any, ids: Iterable[int]) -> ColumnElement[bool]:
    """``column IN ids`` for an integer column and any number of ids."""
    return _Among(column, [int(i) for i in ids])


@compiles(_Among)
def _plain(element: _Among, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column.in_(element.ids), **kw))


@compiles(_Among, "postgresql")
def _postgresql(element: _Among, compiler: Any, **kw: Any) -> str:
    if len(element.ids) <= SMALL:
        return _plain(element, compiler, **kw)
    ids = bindparam(None, element.ids, type_=ARRAY(Integer))
    return str(compiler.process(element.column == any_(ids), **kw))


@compiles(_Among, "sqlite")
def _sqlite(element: _Among, compiler: Any, **kw: Any) -> str:
    if len(element.ids) <= SMALL:
        return _plain(element, compiler, **kw)
    values = func.json_each(bindparam(None, json.dumps(element.ids))).table_valued("value")
    return str(compiler.process(element.column.in_(select(values.c.value)), **kw))
