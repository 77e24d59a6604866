"""The role screen: promotions split by the page they are on, rules plus promotions scored
as the role stage decides (synthetic role examples, no text)."""

from __future__ import annotations

import pytest

from exitlens.reading.role_training import RoleExample
from tests.bench_modules import load_benchmark


def example(doc: str, rule: bool, eligible: bool, label: bool) -> RoleExample:
    return RoleExample("real", doc, {}, rule, eligible, label)


def test_screen_splits_promotions_by_page_and_scores_what_the_stage_does() -> None:
    bench = load_benchmark("bench_roles")
    examples = [
        example("a", True, False, True),    # a rule defector, right
        example("a", False, False, False),  # beside it: would be promoted, refused
        example("b", True, False, False),   # a rule defector, wrong
        example("c", False, True, True),    # a page without one: promoted, right
        example("c", False, True, False),   # promoted, wrong
        example("c", False, True, True),    # below the threshold: missed
        example("z", False, True, True),    # another part's page: not counted
    ]
    would = [False, True, False, True, True, True, True]
    scores = dict(enumerate([0.0, 0.9, 0.0, 0.8, 0.6, 0.2, 0.9]))
    out = bench.screen(examples, would, scores, {"a", "b", "c"}, gold=4, threshold=0.5)
    assert (out["rules_tp"], out["rules_fp"]) == (1, 1)
    assert (out.get("rule_page_right", 0), out["rule_page_wrong"]) == (0, 1)
    assert (out["other_page_right"], out["other_page_wrong"]) == (1, 1)
    assert out["rules_p"] == pytest.approx(0.5) and out["rules_r"] == pytest.approx(0.25)
    # rules + promotions: 2 right, 2 wrong, of 4 labelled defectors
    assert out["with_model_p"] == pytest.approx(0.5)
    assert out["with_model_r"] == pytest.approx(0.5)
    assert out["with_model_f1"] == pytest.approx(0.5)
    higher = bench.screen(examples, would, scores, {"a", "b", "c"}, gold=4, threshold=0.7)
    assert higher.get("other_page_wrong", 0) == 0 and higher["with_model_p"] == pytest.approx(2 / 3)
