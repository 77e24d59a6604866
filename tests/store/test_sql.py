"""``among``: IN over any number of ids on both databases (beyond PostgreSQL's 65,535 and
SQLite's 250,000 bound parameters), and the case tables over more cases than that."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, column, select, table, text

from exitlens import Project
from exitlens.store.case_store import load_documents
from exitlens.store.sql import SMALL, among


@pytest.mark.parametrize("n", [1, SMALL, SMALL + 1, 70_001, 300_000])
def test_among_matches_in_for_any_number_of_ids(tmp_project: Project, n: int) -> None:
    with tmp_project.db.session() as conn:
        conn.execute(text("CREATE TEMPORARY TABLE among_t (x integer)"))
        conn.execute(text("INSERT INTO among_t (x) VALUES (0), (7), (70000), (299999)"))
        t = table("among_t", column("x", Integer))
        got = conn.execute(select(t.c.x).where(among(t.c.x, range(n))).order_by(t.c.x))
        assert list(got.scalars()) == [x for x in (0, 7, 70000, 299999) if x < n]
        assert list(conn.execute(select(t.c.x).where(among(t.c.x, [])))) == []


def test_documents_by_a_hundred_thousand_ids(tmp_project: Project) -> None:
    with tmp_project.db.session() as session:
        assert load_documents(session, list(range(1, 100_001)), with_text=False) == {}
