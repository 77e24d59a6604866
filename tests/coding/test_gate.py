"""The reason gate (exitlens.coding.gate): its training data, which units it passes, its
place in the classifier version (saved and loaded with it) and in the code stage (join
motives coded from the passed units only). Every sentence here is written for these tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from exitlens.coding.base import CodingItem, CodingResult
from exitlens.coding.codebook import Codebook
from exitlens.coding.gate import ReasonGate, gate_examples, train_gate
from exitlens.coding.stage import CodeStage
from exitlens.config import Settings
from exitlens.gold import parse_gold_record
from exitlens.model import Span
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with

TEXT = ("Karim grew up in a small town near the coast. He joined because a cousin "
        "recruited him at the mosque. He left when the bread ran out.")
BACKGROUND = "Karim grew up in a small town near the coast."
RECRUITED = "He joined because a cousin recruited him at the mosque."
BREAD = "He left when the bread ran out."


class KeywordScores:
    """A stand-in estimator: a sentence 'gives a reason' when it says 'because' or 'when'."""

    def predict_proba(self, vectors: np.ndarray) -> np.ndarray:
        p = vectors[:, 0]
        return np.stack([1 - p, p], axis=1)


class FakeEmbedder:
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[0.9 if (" because " in t or " when " in t) else 0.1] for t in texts])


def test_gate_examples_mark_sentences_holding_evidence() -> None:
    record = parse_gold_record(
        {"id": "g", "text": TEXT,
         "defectors": [{"name": "Karim", "join_motives": ["join_social"], "exit_reasons": [],
                        "evidence": [{"code": "join_social",
                                      "quote": "a cousin recruited him"}]}]}, "<test>")
    texts, labels = gate_examples([record])
    assert texts == [BACKGROUND, RECRUITED, BREAD]
    assert labels == [0, 1, 0]
    # one class only: nothing to learn
    assert train_gate([parse_gold_record({"id": "n", "text": BACKGROUND, "defectors": []},
                                         "<test>")], FakeEmbedder()) is None  # type: ignore[arg-type]


def test_gate_keeps_passing_units_and_at_least_the_best() -> None:
    reading = reading_with(TEXT, [BACKGROUND, RECRUITED, BREAD])
    item = CodingItem(reading, 0, reading.persons[0],
                      [Span(TEXT.index(s), TEXT.index(s) + len(s))
                       for s in (BACKGROUND, RECRUITED, BREAD)])
    gate = ReasonGate(KeywordScores(), threshold=0.5)
    [kept] = gate.gate([item], FakeEmbedder())  # type: ignore[arg-type]
    assert kept.unit_texts() == [RECRUITED, BREAD]
    assert item.unit_texts() == [BACKGROUND, RECRUITED, BREAD]  # the original is untouched
    strict = ReasonGate(KeywordScores(), threshold=0.95)
    [best] = strict.gate([item], FakeEmbedder())  # type: ignore[arg-type]
    assert len(best.units) == 1 and best.unit_texts()[0] in (RECRUITED, BREAD)


class EveryUnitCoder:
    """Codes join_personal from any unit and living_conditions from any unit: what the
    gate lets through decides what is coded."""

    name = "rules"

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        out = []
        for item in items:
            res = []
            for unit, text in zip(item.units, item.unit_texts(), strict=True):
                if "grew up" in text:
                    res.append(CodingResult("join_personal", unit, 0.9, self.name))
                if "bread" in text:
                    res.append(CodingResult("living_conditions", unit, 0.9, self.name))
            out.append(res)
        return out


class GatingCoder(EveryUnitCoder):
    """Offers a gate that passes nothing about childhoods, and never the bread sentence."""

    name = "classifier"

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        return [[] for _ in items]

    def gate_items(self, items: Sequence[CodingItem]
                   ) -> tuple[list[CodingItem], tuple[str, ...]]:
        from dataclasses import replace
        return ([replace(it, units=[u for u, t in zip(it.units, it.unit_texts(), strict=True)
                                    if "grew up" not in t and "bread" not in t])
                 for it in items], ("join",))


@pytest.mark.parametrize("enabled", [True, False])
def test_code_stage_codes_gated_dimensions_from_passed_units_only(enabled: bool) -> None:
    settings = Settings()
    settings.coding.reason_gate = enabled
    context = PipelineContext(settings)
    reading = reading_with(TEXT, [BACKGROUND, RECRUITED, BREAD])
    CodeStage([EveryUnitCoder(), GatingCoder()]).process([reading], context)
    codes = {c.code for c in reading.codings}
    # the exit reason rests on a unit the gate drops: exit is not gated, so it stays
    assert "living_conditions" in codes
    # the join motive rests on the childhood sentence: gone when the gate is on
    assert ("join_personal" in codes) is (not enabled)


@pytest.mark.slow
def test_a_trained_gate_is_saved_and_loaded_with_the_classifier(
        context: PipelineContext, codebook: Codebook, tmp_path: Path) -> None:
    from exitlens.coding.classifier import load_model, save_model
    from exitlens.coding.embedding import get_embedder
    from exitlens.coding.training import train_from_records
    from tests.coding.test_training import RECORDS

    model = train_from_records(RECORDS, codebook, get_embedder(context))
    assert model.gate is not None
    assert model.meta["gate"]["dimensions"] == ["join"]
    assert model.meta["gate"]["positives"] == 6
    loaded = load_model(save_model(model, tmp_path))
    assert loaded.gate is not None and loaded.gate.dimensions == ("join",)
    texts = ["They cut off hands in the market.", "The café opens at nine."]
    embedder = get_embedder(context)
    assert np.allclose(loaded.gate.scores(texts, embedder), model.gate.scores(texts, embedder))


class RemoteCoder(EveryUnitCoder):
    """Stands for the LLM endpoint: counts its calls."""

    name = "llm"
    remote = True

    def __init__(self) -> None:
        self.calls = 0

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        self.calls += 1
        return super().code(items, codebook)


def test_a_remote_coder_is_asked_once_and_its_verdicts_stand() -> None:
    settings = Settings()
    settings.coding.coder_weights = {"llm": 0.9, "classifier": 0.6}
    context = PipelineContext(settings)
    reading = reading_with(TEXT, [BACKGROUND, RECRUITED, BREAD])
    remote = RemoteCoder()
    CodeStage([remote, GatingCoder()]).process([reading], context)
    assert remote.calls == 1
    # the endpoint's join motive rests on a unit the gate drops, and still stands
    assert {c.code for c in reading.codings} == {"join_personal", "living_conditions"}


class FailingCoder:
    name = "embedding"

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        from exitlens.errors import ExitlensError
        raise ExitlensError("model file missing")


def test_a_coder_failing_in_both_passes_is_noted_once() -> None:
    reading = reading_with(TEXT, [BACKGROUND, RECRUITED, BREAD])
    CodeStage([FailingCoder(), EveryUnitCoder(), GatingCoder()]).process(
        [reading], PipelineContext(Settings()))
    assert reading.notes.count("coder embedding failed: error[error] model file missing") == 1
    assert "living_conditions" in {c.code for c in reading.codings}


def test_eval_reports_whether_the_gate_was_used() -> None:
    from exitlens.coding.classifier import describe_active_models

    settings = Settings()
    assert describe_active_models(settings)["reason_gate"] == "join (threshold 0.3)"
    settings.coding.reason_gate = False
    assert describe_active_models(settings)["reason_gate"] == "off"
