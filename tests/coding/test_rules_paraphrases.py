"""Paraphrase coverage of the lexicon for rare and join codes.

Every sentence here is invented for the test: a defector, a relative or a reporter
paraphrasing a code's definition in everyday words. The same frames negated, or
wondered about in a speculative question, must not code anyone.
"""

from __future__ import annotations

import pytest

from exitlens.coding.codebook import Codebook
from exitlens.coding.rules import RulesCoder
from tests.coding.test_rules import codes_of

THRESHOLD = RulesCoder().min_score


def score(sentence: str, code: str, codebook: Codebook) -> float:
    return codes_of(sentence, codebook).get(code, 0.0)


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("She could not bear the shedding of innocent blood.", "killing_muslims"),
        ("The commanders stayed far from the front while we were sent to die.",
         "expendability"),
        ("He missed his mother so much that he ran away.", "family"),
        ("I went there to help the oppressed Muslims of Syria.", "join_defend_muslims"),
        ("He believed it was an obligation on every Muslim to go.", "join_religion"),
        ("She joined because she was looking for a sense of purpose and brotherhood.",
         "join_belonging"),
        ("He was bored with his life back home and wanted excitement.", "join_adventure"),
        ("He was radicalised online within a few months.", "join_media"),
        ("He was recruited by a friend from the gym.", "join_social"),
    ],
)
def test_paraphrases_are_coded(sentence: str, code: str, codebook: Codebook) -> None:
    assert score(sentence, code, codebook) >= THRESHOLD


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("He never saw the factions killing each other.", "infighting"),
        ("He did not see them slaughtering ordinary villagers.", "killing_muslims"),
        ("There was no preferential treatment for the foreign fighters.", "discrimination"),
        ("He was never sent into hopeless attacks.", "expendability"),
        ("He never missed his mother while he was there.", "family"),
        ("They did not lure him with the promise of a house and a car.", "join_material"),
        ("She did not travel to Syria to be with her husband.", "join_follow_family"),
    ],
)
def test_negated_paraphrases_are_not_coded(sentence: str, code: str,
                                           codebook: Codebook) -> None:
    assert score(sentence, code, codebook) < THRESHOLD


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        ("Or was it that the factions were killing each other?", "infighting"),
        ("Was it perhaps because he missed his mother?", "family"),
        ("Or did he go there to help the oppressed Muslims of Syria?", "join_defend_muslims"),
    ],
)
def test_speculation_codes_nobody(sentence: str, code: str, codebook: Codebook) -> None:
    assert score(sentence, code, codebook) == 0.0
