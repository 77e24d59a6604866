"""Ensemble combination and the code stage over hand-made readings."""

from __future__ import annotations

import pytest

from exitlens.coding.base import CodingItem, CodingResult, coders, evidence_units
from exitlens.coding.codebook import Codebook
from exitlens.coding.ensemble import combine
from exitlens.coding.rules import RulesCoder
from exitlens.coding.stage import CodeStage, build_coders
from exitlens.config import Settings
from exitlens.model import Span
from exitlens.pipeline import PipelineContext, stages
from tests.coding.conftest import reading_with

W = {"rules": 0.9, "embedding": 0.5, "classifier": 0.8}


def r(code: str, conf: float, coder: str, start: int = 0) -> CodingResult:
    return CodingResult(code, Span(start, start + 5), conf, coder)


def test_noisy_or_with_weights_and_best_span() -> None:
    out = combine([r("brutality", 0.8, "rules", 10), r("brutality", 0.6, "embedding", 20),
                   r("brutality", 0.5, "rules", 30)], W, 0.4)
    [s] = out
    expected = 1 - (1 - 0.9 * 0.8) * (1 - 0.5 * 0.6)
    assert s.confidence == pytest.approx(expected)
    assert s.coder == "ensemble" and s.contributors == ("embedding", "rules")
    assert s.result.span == Span(10, 15)


def test_single_coder_keeps_its_name_and_threshold_applies() -> None:
    out = combine([r("family", 0.7, "rules"), r("boredom", 0.6, "embedding")], W, 0.4)
    assert [(s.code, s.coder) for s in out] == [("family", "rules")]
    assert combine([r("family", 0.7, "rules")], W, 0.7) == []


def test_agreement_raises_confidence() -> None:
    alone = combine([r("corruption", 0.6, "classifier")], W, 0.0)[0].confidence
    both = combine([r("corruption", 0.6, "classifier"), r("corruption", 0.6, "rules")], W,
                   0.0)[0].confidence
    assert both > alone


def test_a_weight_per_dimension_wins_and_zero_leaves_the_coder_out() -> None:
    weights = {**W, "embedding:exit": 0.0, "rules:join": 0.5}
    dims = {"brutality": "exit", "join_media": "join"}.get
    [s] = combine([r("brutality", 0.8, "rules"), r("brutality", 0.9, "embedding")], weights,
                  0.0, dims)
    assert s.contributors == ("rules",) and s.coder == "rules"
    assert s.confidence == pytest.approx(0.9 * 0.8)
    assert combine([r("brutality", 0.9, "embedding")], weights, 0.0, dims) == []
    [j] = combine([r("join_media", 0.8, "rules"), r("join_media", 0.9, "embedding")], weights,
                  0.0, dims)
    assert j.confidence == pytest.approx(1 - (1 - 0.5 * 0.8) * (1 - 0.5 * 0.9))
    # without a dimension lookup the coder's own weight applies
    [k] = combine([r("brutality", 0.9, "embedding")], weights, 0.0)
    assert k.confidence == pytest.approx(0.5 * 0.9)


def test_stage_fills_codings_for_defectors_only(codebook: Codebook) -> None:
    text = ("Karim said the commanders stole money and executed prisoners. "
            "A journalist said the salaries had been cut for everyone.")
    reading = reading_with(text, ["Karim said the commanders stole money and executed prisoners."],
                           others=["A journalist said the salaries had been cut for everyone."])
    context = PipelineContext(Settings())
    CodeStage([RulesCoder()]).process([reading], context)
    assert {c.code for c in reading.codings} == {"corruption", "brutality"}
    assert all(c.person == 0 and c.status == "suggested" for c in reading.codings)
    assert all(c.coder == "rules" for c in reading.codings)
    # Running again replaces suggestions instead of duplicating them.
    CodeStage([RulesCoder()]).process([reading], context)
    assert len(reading.codings) == 2


def test_evidence_units_split_long_spans() -> None:
    text = "He spoke. It was hard. Then he left for good."
    reading = reading_with(text, [text])
    units = evidence_units(reading, reading.persons[0])
    assert [u.text_of(text) for u in units] == ["He spoke.", "It was hard.",
                                               "Then he left for good."]
    item = CodingItem(reading, 0, reading.persons[0], units)
    assert item.evidence_text().count("\n\n") == 2


def test_registration_at_run_time(codebook: Codebook) -> None:
    class Constant:
        name = "constant"

        def __init__(self, context: PipelineContext) -> None:
            self.context = context

        def code(self, items: list[CodingItem], cb: Codebook) -> list[list[CodingResult]]:
            return [[CodingResult("boredom", it.units[0], 0.9, self.name)] for it in items]

    coders.add("constant", Constant)
    stages.add("code", CodeStage)
    settings = Settings()
    settings.coding.coders = ["constant"]
    settings.coding.coder_weights = {"constant": 1.0}
    context = PipelineContext(settings)
    assert [c.name for c in build_coders(context)] == ["constant"]
    reading = reading_with("He sat in a room.", ["He sat in a room."])
    stages.get("code")().process([reading], context)
    assert [(c.code, c.coder) for c in reading.codings] == [("boredom", "constant")]


def test_clauses_of_long_units_are_scored_too() -> None:
    from exitlens.coding.base import clause_spans

    text = ("Dressed in a grey coat and sitting by the window of the small cafe, he said he "
            "had left the group because the commanders stole the money meant for widows; "
            "the food was fine.")
    reading = reading_with(text, [text])
    item = CodingItem(reading, 0, reading.persons[0], evidence_units(reading, reading.persons[0]))
    clauses = [c.text_of(text) for c in clause_spans(text, item.units[0])]
    assert any(c.startswith("because the commanders stole") for c in clauses)
    texts, owner = item.scoring_pieces()
    assert texts[0] == text and len(texts) == 1 + len(clauses) and set(owner) == {0}
    assert clause_spans("He left because of the beatings.", Span(0, 33)) == []  # short unit


def test_model_verdicts_are_scoped_like_rule_hits(codebook: Codebook) -> None:
    from exitlens.coding.stage import scope

    text = ("He did not mind the executions. Perhaps the pay was too low. "
            "Or was the tide turning? He said he left after the heavy bombing. "
            "He joined because the caliphate was a religious duty.")
    reading = reading_with(text, [text])
    units = evidence_units(reading, reading.persons[0])
    item = CodingItem(reading, 0, reading.persons[0], units)
    negated, hedged, question, left, joined = units

    def verdict(code: str, unit: Span) -> CodingResult:
        return CodingResult(code, unit, 0.8, "embedding")

    out = scope(item, [verdict("brutality", negated), verdict("living_conditions", hedged),
                       verdict("military_decline", question), verdict("join_religion", left),
                       verdict("join_religion", joined), verdict("military_decline", left)],
                codebook)
    got = {(r.code, r.span): r.confidence for r in out}
    assert ("brutality", negated) not in got  # "did not mind the executions"
    assert ("military_decline", question) not in got  # speculation
    assert got[("living_conditions", hedged)] == pytest.approx(0.4)  # hedged: halved
    assert got[("join_religion", left)] < 0.8  # a join motive in a sentence about leaving
    assert got[("join_religion", joined)] == pytest.approx(0.8)
    assert got[("military_decline", left)] == pytest.approx(0.8)
