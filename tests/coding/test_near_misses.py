"""Near misses: the codes the classifier leaned towards for a defector but did not suggest
(``ClassifierCoder.near_misses`` and the code stage that keeps them)."""

from __future__ import annotations

from collections.abc import Sequence

from exitlens.coding.base import CodingItem, CodingResult, items_for
from exitlens.coding.classifier import ClassifierCoder, load_model
from exitlens.coding.codebook import Codebook
from exitlens.coding.stage import CodeStage
from exitlens.coding.versions import default_model_path
from exitlens.config import Settings
from exitlens.model import NearMiss, Span
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with

TEXT = ("Karim said the emir's men stole the zakat money and sold the fuel. "
        "He said his wife begged him to come home. He grew up by the sea.")
EVIDENCE = ["Karim said the emir's men stole the zakat money and sold the fuel.",
            "He said his wife begged him to come home."]


def test_the_classifier_ranks_codes_outside_the_given_ones(context: PipelineContext,
                                                           codebook: Codebook) -> None:
    model = load_model(default_model_path())
    coder = ClassifierCoder(context, model)
    reading = reading_with(TEXT, EVIDENCE)
    items = items_for([reading])
    [free] = coder.near_misses(items, codebook, [set()], 3)
    [scores] = coder.unit_scores(items, codebook)
    # the three best codes over all units, each on its best unit, best first
    best = {code: float(scores[:, j].max()) for j, code in enumerate(model.codes)
            if model.estimators.get(code) is not None and code in codebook}
    ranked = sorted(best, key=lambda c: (-best[c], c))[:3]
    assert [r.code for r in free] == ranked
    assert [r.confidence for r in free] == sorted((r.confidence for r in free), reverse=True)
    for r in free:
        j = model.codes.index(r.code)
        assert r.span == items[0].units[int(scores[:, j].argmax())]
        assert r.coder == "classifier"
    # a given code is never a near miss; the next best takes its place
    [taken] = coder.near_misses(items, codebook, [{ranked[0]}], 3)
    assert ranked[0] not in {r.code for r in taken}
    assert [r.code for r in taken][:2] == ranked[1:3]
    assert coder.near_misses(items, codebook, [set()], 0) == [[]]


class _Finder:
    """A coder that suggests one code and offers fixed near misses (no model)."""

    name = "classifier"

    def __init__(self) -> None:
        self.given: list[set[str]] = []

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        return [[CodingResult("corruption", item.units[0], 0.9, self.name)] for item in items]

    def near_misses(self, items: Sequence[CodingItem], codebook: Codebook,
                    given: Sequence[set[str]], k: int) -> list[list[CodingResult]]:
        self.given = [set(g) for g in given]
        ranked = [CodingResult(code, item.units[-1], score, self.name)
                  for item in items[:1]
                  for code, score in (("family", 0.45), ("boredom", 0.3), ("hypocrisy", 0.2))]
        return [ranked[:k] for _ in items]


def _stage_context(k: int) -> PipelineContext:
    settings = Settings()
    settings.coding.near_misses = k
    settings.coding.reason_gate = False
    return PipelineContext(settings)


def test_the_stage_keeps_each_defectors_near_misses_outside_its_suggestions() -> None:
    finder = _Finder()
    reading = reading_with(TEXT, EVIDENCE)
    CodeStage([finder]).process([reading], _stage_context(2))
    assert finder.given == [{"corruption"}]  # the suggestions, as top-level codes
    assert [(n.code, n.score, n.person) for n in reading.near_misses] == [
        ("family", 0.45, 0), ("boredom", 0.3, 0)]
    unit = reading.near_misses[0].span
    assert reading.document.text[unit.start:unit.end] == EVIDENCE[1]
    # coding again replaces them; 0 keeps none
    CodeStage([finder]).process([reading], _stage_context(0))
    assert reading.near_misses == []


def test_no_coder_able_to_rank_means_no_near_misses(codebook: Codebook) -> None:
    class Plain:
        name = "rules"

        def code(self, items: Sequence[CodingItem], cb: Codebook) -> list[list[CodingResult]]:
            return [[] for _ in items]

    reading = reading_with(TEXT, EVIDENCE)
    reading.near_misses = [NearMiss("family", Span(0, 5), 0.5, person=0)]  # a stale one
    CodeStage([Plain()]).process([reading], _stage_context(3))
    assert reading.near_misses == []
