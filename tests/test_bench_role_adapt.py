"""The role-adaptation screen: recipes fitted per fold and scored on held-out pages
(synthetic role examples, no text)."""

from __future__ import annotations

from exitlens.reading.role_training import RoleExample
from tests.bench_modules import load_benchmark


def person(doc: str, quoted: bool, label: bool, rule: bool = False) -> RoleExample:
    return RoleExample("real", doc, {"own_voice": 1.0 if quoted else 0.0}, rule, True, label)


def test_project_recipes_learn_what_the_projects_pages_teach() -> None:
    bench = load_benchmark("bench_role_adapt")
    # elsewhere, quoted people are not defectors; in this project they are
    base = [person(f"o{i}", i % 2 == 0, i % 2 == 1) for i in range(40)]
    docs = [f"p{i}" for i in range(6)]
    own = [person(d, True, True) for d in docs] + [person(d, False, False) for d in docs]
    own.append(person("p0", False, True, rule=True))  # the rules found this one
    folds = [(docs[:3], docs[3:]), (docs[3:], docs[:3])]
    gold = 7
    out = bench.project_f1(own, base, folds, set(docs), gold, None, 13)
    assert set(out) == set(bench.RECIPES)
    # rules alone: one right of seven
    assert out["rules"] == 2 * (1.0 * 1 / 7) / (1.0 + 1 / 7)
    # the built-in recipe promotes the silent people here (wrong); the project's own labels
    # promote the quoted ones (right)
    assert out["built-in"] < out["rules"]
    assert out["own only"] == 1.0
    assert out["both"] > out["built-in"]
    # with at most one labelled document per fold the project still teaches it
    few = bench.project_f1(own, base, folds, set(docs), gold, 1, 13)
    assert few["both"] >= few["built-in"]
