"""Embedding coder on the real ONNX model (loaded once per session) + calibration."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exitlens.coding.base import items_for
from exitlens.coding.codebook import Codebook
from exitlens.coding.embedding import (
    CalibrationExample,
    EmbeddingCoder,
    best_threshold,
    calibrate,
    get_embedder,
    get_prototypes,
    load_thresholds,
    save_thresholds,
)
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with

pytestmark = pytest.mark.slow


def test_vectors_are_normalised_and_cached(context: PipelineContext) -> None:
    emb = get_embedder(context)
    assert get_embedder(context) is emb
    vecs = emb.embed(["A man was beheaded.", "The bread ran out."])
    assert vecs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    again = emb.embed(["The bread ran out."])
    assert np.array_equal(again[0], vecs[1])


def test_beheading_sentence_scores_brutality_above_living_conditions(
        context: PipelineContext, codebook: Codebook) -> None:
    emb = get_embedder(context)
    protos = get_prototypes(context, codebook)
    scores = protos.scores(emb.embed(
        ["He watched them cut off the prisoner's head in front of a crowd."]))[0]
    col = {c: j for j, c in enumerate(protos.codes)}
    assert scores[col["brutality"]] > scores[col["living_conditions"]] + 0.1
    hunger = protos.scores(emb.embed(["By winter we had nothing to eat and no wages."]))[0]
    assert hunger[col["living_conditions"]] > hunger[col["brutality"]]


def test_coder_codes_only_evidence(context: PipelineContext, codebook: Codebook) -> None:
    text = ("Karim told us he watched them behead a prisoner in the square. "
            "The city has good bakeries, the mayor said.")
    reading = reading_with(text, ["Karim told us he watched them behead a prisoner in the square."],
                           others=["The city has good bakeries, the mayor said."])
    coder = EmbeddingCoder(context, {"default": 0.4, "thresholds": {}})
    [results] = coder.code(items_for([reading]), codebook)
    assert "brutality" in {r.code for r in results}
    assert all(r.span == reading.persons[0].evidence[0] for r in results)
    assert all(0.5 <= r.confidence <= 1.0 for r in results)


def test_best_threshold_maximises_f1() -> None:
    t, f1 = best_threshold([0.9, 0.8, 0.4, 0.3], [True, True, False, False])
    assert 0.4 < t < 0.8 and f1 == 1.0
    assert best_threshold([0.5], [False], fallback=0.6) == (0.6, 0.0)


def test_calibrate_and_save(context: PipelineContext, codebook: Codebook,
                            tmp_path: Path) -> None:
    examples = [
        CalibrationExample(["They beheaded prisoners every Friday."], {"brutality"}),
        CalibrationExample(["He saw people whipped and burned."], {"brutality"}),
        CalibrationExample(["There was no food and the pay stopped."], {"living_conditions"}),
        CalibrationExample(["His salary was never paid and he was hungry."],
                           {"living_conditions"}),
    ]
    data = calibrate(examples, codebook, get_embedder(context))
    assert set(data["thresholds"]) == {"brutality", "living_conditions"}
    path = save_thresholds(data, tmp_path)
    loaded = load_thresholds(tmp_path)
    assert loaded["thresholds"] == data["thresholds"] and path.is_file()
    assert "dev.jsonl" in load_thresholds(tmp_path / "none").get("note", "")
