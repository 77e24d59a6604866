"""The rule-ablation benchmark: switching a rule off is undone, a switched-off profile rule
changes the score it should, and the verdicts read the dev/later changes the right way
round (fictional text written for these tests)."""

from __future__ import annotations

import re

import pytest

from exitlens.config import Settings
from exitlens.gold import GoldDefector, GoldRecord
from exitlens.reading import profile as profile_rules
from exitlens.reading.profile import noun_cues, patterns
from tests.bench_modules import load_benchmark


def test_a_switched_off_rule_is_restored_even_after_an_error() -> None:
    bench = load_benchmark("bench_rules")
    original = patterns._AGE_AFTER_NAME
    with pytest.raises(RuntimeError), bench.switched_off_everywhere(
            profile_rules, "_AGE_AFTER_NAME", bench.NEVER):
        # switched off where it is compiled and where the code using it imported it
        assert patterns._AGE_AFTER_NAME is bench.NEVER
        assert noun_cues._AGE_AFTER_NAME is bench.NEVER
        raise RuntimeError("boom")
    assert patterns._AGE_AFTER_NAME is original
    assert noun_cues._AGE_AFTER_NAME is original


def test_every_module_binding_a_rule_is_switched_off() -> None:
    bench = load_benchmark("bench_rules")
    modules = bench.package_modules(profile_rules)
    binding = [m for m in modules if "_ATTEMPT_BEFORE" in vars(m)]
    assert {m.__name__.rsplit(".", 1)[-1] for m in binding} >= {
        "patterns", "stage", "sentence_cues", "years"}
    with bench.switched_off_everywhere(profile_rules, "_ATTEMPT_BEFORE", bench.NEVER):
        assert all(m._ATTEMPT_BEFORE is bench.NEVER for m in binding)
    assert all(m._ATTEMPT_BEFORE is patterns._ATTEMPT_BEFORE for m in binding)
    assert isinstance(patterns._ATTEMPT_BEFORE, re.Pattern)
    with pytest.raises(AttributeError), bench.switched_off_everywhere(
            profile_rules, "_NO_SUCH_RULE", bench.NEVER):
        pass


def test_the_profile_rules_are_the_patterns_of_the_package() -> None:
    bench = load_benchmark("bench_rules")
    names = bench.package_patterns(profile_rules)
    # the 74 module-level patterns measured in EXPERIMENTS.md, still each switchable
    assert len(names) == len(set(names)) >= 74
    assert {"_AGE_AFTER_NAME", "_EXIT_RE", "_OUTCOME_RE", "_JOIN_RE", "_LEAVE_RE", "_ROLE_RE",
            "_OCC_RE", "_GENDER_NOUN", "_PRONOUN", "_QUOTE_PAIR", "_YEAR",
            "NON_PERSON_AFTER_DEMONYM"} <= set(names)
    # each is compiled once, in patterns.py; other modules only import that object, so
    # switching it off everywhere reaches the code that uses it
    for module in bench.package_modules(profile_rules):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                assert getattr(patterns, name) is value, (module.__name__, name)


def test_switching_off_the_age_rule_costs_the_age_it_found() -> None:
    bench = load_benchmark("bench_rules")
    text = ("Tarek Hamdi, 26, left the Islamic State in 2016. \"I ran away because of the "
            "killings,\" he told us.")
    record = GoldRecord(id="fiction-1", text=text, kind="news", title=None, meta={},
                        defectors=[GoldDefector(
                            ref="d1", name="Tarek Hamdi", descriptor=None,
                            values={"age": 26, "gender": "m", "left_year": 2016,
                                    "exit_mode": "escaped"})])
    settings = Settings()
    parsed = bench.br.parse_all([record], settings)
    readings = bench.br.decide(parsed, bench.br.with_role_model(settings, "none", "none"))
    assert [p.name for p in readings[0].persons if p.is_defector] == ["Tarek Hamdi"]
    score = bench.profile_scorer([record], readings, ["dev"])
    with_rule = score()
    assert with_rule == {"dev": 4, "later": 0}  # age, gender, year, exit mode
    with bench.switched_off_everywhere(profile_rules, "_AGE_AFTER_NAME", bench.NEVER):
        assert score() == {"dev": 2, "later": 0}  # the age now missing
    assert score() == with_rule


@pytest.mark.parametrize(("dev", "later", "expected"), [
    (0, 1, "earns its place on unseen text"),
    (3, -1, "misfires on unseen text"),
    (2, 0, "helps only the text it was written with"),
    (0, 0, "no effect on real text"),
])
def test_verdicts(dev: int, later: int, expected: str) -> None:
    assert load_benchmark("bench_rules").verdict(dev, later) == expected


def test_never_matches_anything() -> None:
    never: re.Pattern[str] = load_benchmark("bench_rules").NEVER
    assert never.search("x") is None and never.match("") is None


def test_every_coding_switch_names_something_that_exists() -> None:
    """The coding ablation switches real attributes (a renamed rule would otherwise be
    'switched off' by adding a new, unused name)."""
    bench = load_benchmark("bench_rules")
    for label, owner, name, replacement in bench.CODING_SWITCHES:
        original = getattr(owner, name)
        with bench.switched_off(owner, name, replacement):
            assert getattr(owner, name) is replacement, label
        assert getattr(owner, name) is original, label
