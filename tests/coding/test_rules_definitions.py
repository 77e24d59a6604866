"""Lexicon patterns follow each code's definition (SPEC §2), not surface words.

Every sentence here is invented for the test. Positive cases carry the code's frame
(a motive, a judgement, a fear); negative cases use the same surface words without it
and must stay below the rules coder's reporting threshold.
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
        # family: a pull or motive frame
        ("He ached to go back home to his village by the sea.", "family"),
        ("Her frantic mother kept sending messages through a cousin.", "family"),
        ("She got out through the help of her brother, who paid a driver.", "family"),
        ("All she wanted was to hold her daughter again.", "family"),
        ("She fled for her baby's sake.", "family"),
        ("He says he wants a quiet life and a steady job now.", "family"),
        # military_decline: bombing, losing, shrinking, self-preservation
        ("He saw no point in holding out any longer.", "military_decline"),
        ("When the siege tightened, he slipped away at night.", "military_decline"),
        ("He was terrified of the drones circling above the town.", "military_decline"),
        ("His only thought was how to stay alive.", "military_decline"),
        ("They were losing ground week after week.", "military_decline"),
        # expendability: sent to die, suicide missions, lives worth nothing
        ("He learned he had been picked for a martyrdom operation and ran.", "expendability"),
        ("The emirs sent boys to their deaths without a second thought.", "expendability"),
        ("To the leadership our lives meant nothing.", "expendability"),
        ("The commanders never cared about the fighters' lives.", "expendability"),
        ("Recruits were treated as expendable.", "expendability"),
        # discrimination: origin-based favouritism, slurs, arrogance
        ("The emirs favoured the foreigners in everything.", "discrimination"),
        ("He was mocked because of his skin colour.", "discrimination"),
        ("Guards used racial slurs against the African recruits.", "discrimination"),
        ("She resented the contempt of the Gulf emirs for the locals.", "discrimination"),
        ("Only the Iraqis became commanders in that unit.", "discrimination"),
        # hypocrisy: leaders break their own rules; not Islam; lies; like the regime
        ("The emirs broke their own rules whenever it suited them.", "hypocrisy"),
        ("The smoking ban did not apply to the commanders.", "hypocrisy"),
        ("What they taught was far from the teachings of Islam.", "hypocrisy"),
        ("They branded every Muslim outside their ranks an apostate.", "hypocrisy"),
        ("He said the group was no different from the regime.", "hypocrisy"),
        ("I do not regard them as real Muslims.", "hypocrisy"),
        ("They practised their own version of Islam.", "hypocrisy"),
        ("He felt he had been deceived from the first day.", "hypocrisy"),
        # join_religion: a motive, not a mention
        ("He joined to live under Islamic law, as he understood it.", "join_religion"),
        ("She believed that dying there would take her straight to paradise.", "join_religion"),
        ("We thought the group was on the straight path.", "join_religion"),
        ("He went to fight for the cause of God.", "join_religion"),
        # join_adventure: adventure, heroism, excitement
        ("He dreamed of becoming a warrior when he signed up.", "join_adventure"),
        ("The fighting sounded exciting to a bored teenager.", "join_adventure"),
        ("He wanted to see the so-called state for himself.", "join_adventure"),
        ("He travelled there to prove himself.", "join_adventure"),
    ],
)
def test_definition_frames_are_coded(sentence: str, code: str, codebook: Codebook) -> None:
    assert score(sentence, code, codebook) >= THRESHOLD, sentence


@pytest.mark.parametrize(
    ("sentence", "code"),
    [
        # bare outcomes and narration are not a family pull
        ("He returned home in 2017.", "family"),
        ("After the trial she went back home to Leeds.", "family"),
        ("He flew home on a commercial flight.", "family"),
        ("He now lives with relatives back home.", "family"),
        ("He was sent back to his country after his arrest.", "family"),
        # a mention of religious vocabulary is not a religious motive
        ("He took classes on sharia while he was there.", "join_religion"),
        ("The fighters spoke of martyrs all the time.", "join_religion"),
        # excitement about money is not adventure
        ("He was thrilled with the salary.", "join_adventure"),
        ("He joined and was thrilled to get a monthly wage.", "join_adventure"),
        ("He joined after a sermon that mentioned martyrs.", "join_religion"),
        # cruelty is not hypocrisy, and a ban as such is not favouritism
        ("He saw prisoners whipped in the square.", "hypocrisy"),
        ("The group banned smoking in the city.", "discrimination"),
    ],
)
def test_surface_words_without_the_frame_are_not_coded(sentence: str, code: str,
                                                        codebook: Codebook) -> None:
    assert score(sentence, code, codebook) < THRESHOLD, sentence


def test_negated_pull_is_not_coded(codebook: Codebook) -> None:
    assert score("He never missed his family while he was there.", "family", codebook) == 0.0


def test_bare_defeat_is_weaker_than_a_stated_fear(codebook: Codebook) -> None:
    bare = score("The report covered the group's defeat.", "military_decline", codebook)
    fear = score("He was afraid of the air strikes every night.", "military_decline", codebook)
    assert bare < fear
