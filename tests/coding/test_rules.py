"""Rules coder: negation, hedges, speculation and attribution to the defector only."""

from __future__ import annotations

import pytest

from exitlens.coding.base import items_for
from exitlens.coding.codebook import Codebook
from exitlens.coding.rules import RulesCoder, is_negated, unit_hits
from exitlens.model import Span
from tests.coding.conftest import reading_with


def codes_of(sentence: str, codebook: Codebook) -> dict[str, float]:
    out: dict[str, float] = {}
    for hit in unit_hits(sentence, Span(0, len(sentence)), 0, codebook):
        out[hit.code] = max(out.get(hit.code, 0.0), hit.score)
    return out


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("He left after seeing two men beheaded in the market.", "brutality"),
        ("They had turned their guns on other rebel brigades.", "infighting"),
        ("The commanders were corrupt and stole whatever they found.", "corruption"),
        ("A cousin convinced him to travel with a group of friends.", "join_social"),
        ("We were used as cannon fodder in every attack.", "expendability"),
        ("Her mother begged her on the phone to come back home.", "family"),
        ("I could not stand the beheadings any more.", "brutality"),
    ],
)
def test_patterns_find_codes(sentence: str, code: str, codebook: Codebook) -> None:
    assert code in codes_of(sentence, codebook)


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("He did not mind the executions, he said.", "brutality"),
        ("She never complained about the salary being cut.", "living_conditions"),
        ("It wasn't the corruption that bothered him.", "corruption"),
        ("He saw no beheadings during his time there.", "brutality"),
    ],
)
def test_negated_reasons_are_not_coded(sentence: str, code: str, codebook: Codebook) -> None:
    assert code not in codes_of(sentence, codebook)


def test_negation_stays_inside_its_clause() -> None:
    text = "He was not a commander, but the beheadings sickened him."
    assert not is_negated(text, text.index("beheadings"))
    assert is_negated("he did not mind the executions", len("he did not mind the "))


def test_hedges_lower_confidence_and_speculation_is_skipped(codebook: Codebook) -> None:
    plain = codes_of("He was horrified by the beheadings.", codebook)["brutality"]
    hedged = codes_of("Perhaps he was horrified by the beheadings.", codebook)["brutality"]
    some_say = codes_of("Some say he was horrified by the beheadings.", codebook)["brutality"]
    assert hedged < plain and some_say < plain
    assert codes_of("Or was it the beheadings that turned him?", codebook) == {}
    assert codes_of("It is possible that the defeats drove him out?", codebook) == {}


def test_only_the_defectors_evidence_is_coded(codebook: Codebook) -> None:
    text = ("Many fighters were repelled by the beheadings, experts say. "
            "Karim said the emirs stole money from the poor. "
            "The reporter saw bodies of executed prisoners in the square.")
    reading = reading_with(text, ["Karim said the emirs stole money from the poor."],
                           others=["The reporter saw bodies of executed prisoners in the square."])
    items = items_for([reading])
    assert len(items) == 1 and items[0].person_index == 0
    [results] = RulesCoder().code(items, codebook)
    codes = {r.code for r in results}
    assert "corruption" in codes
    assert "brutality" not in codes
    for r in results:
        assert any(u.contains(r.span) for u in reading.persons[0].evidence)
