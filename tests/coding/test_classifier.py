"""Classifier: train on small synthetic data, save/load versions, code, skip when absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from exitlens.coding.base import CoderUnavailable, items_for
from exitlens.coding.classifier import (
    DEFAULT_THRESHOLD,
    ClassifierCoder,
    LabelledSentence,
    examples_from_gold,
    featurize,
    list_versions,
    load_model,
    model_features,
    predict_units,
    resolve_model_path,
    save_model,
    train_classifier,
)
from exitlens.coding.codebook import Codebook
from exitlens.coding.embedding import build_prototypes, get_embedder
from exitlens.coding.versions import default_model_path
from exitlens.config import Settings
from exitlens.errors import ConfigError
from exitlens.gold import GoldRecord, parse_gold_record
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with

pytestmark = pytest.mark.slow

SYNTHETIC = [
    LabelledSentence("They cut off the heads of prisoners in the square.", {"brutality"}),
    LabelledSentence("He saw men whipped until they bled.", {"brutality"}),
    LabelledSentence("A woman was stoned to death in front of him.", {"brutality"}),
    LabelledSentence("The bread ran out and no wages came.", {"living_conditions"}),
    LabelledSentence("Her salary was cut in half, then stopped.", {"living_conditions"}),
    LabelledSentence("We had no electricity, no water and little food.", {"living_conditions"}),
    LabelledSentence("He flew to Istanbul in the spring.", set()),
    LabelledSentence("The interview took place in a cafe.", set()),
    LabelledSentence("She has two brothers and a sister.", set()),
    LabelledSentence("The town lies near the river.", set()),
]


def test_train_save_load_version_round_trip(context: PipelineContext, codebook: Codebook,
                                            tmp_path: Path) -> None:
    model = train_classifier(SYNTHETIC, codebook, get_embedder(context))
    assert model.meta["trained_codes"] == ["brutality", "living_conditions"]
    first = save_model(model, tmp_path)
    second = save_model(model, tmp_path, name=first.name)  # same second: suffixed, not overwritten
    assert first.name.startswith("model-") and second.name == first.name + "-2"
    assert list_versions(tmp_path) == [first, second]
    loaded = load_model(second)
    meta = loaded.meta
    assert meta["codebook"] == codebook.fingerprint() and meta["training_units"] == len(SYNTHETIC)
    assert meta["version"] == second.name and "created" in meta
    assert resolve_model_path(tmp_path, None) == second
    assert resolve_model_path(tmp_path, first.name) == first
    # the built-in model stays choosable by name while newer versions exist
    assert resolve_model_path(tmp_path, "classifier-builtin") == default_model_path()

    text = "Karim said he watched a prisoner beheaded. He likes football."
    reading = reading_with(text, ["Karim said he watched a prisoner beheaded."])
    coder = ClassifierCoder(context, loaded)
    [results] = coder.code(items_for([reading]), codebook)
    assert "brutality" in {r.code for r in results}
    assert "living_conditions" not in {r.code for r in results}


def test_examples_from_gold_marks_quote_sentences(codebook: Codebook) -> None:
    record = parse_gold_record(
        {"id": "r", "text": "He joined in 2014. The killings of prisoners horrified him. He is 30.",
         "defectors": [{"exit_reasons": ["brutality"], "join_motives": [], "evidence": [
             {"code": "brutality", "quote": "killings of prisoners horrified him"}]}]}, "<test>")
    units = examples_from_gold([record], codebook)
    assert [u.codes for u in units] == [set(), {"brutality"}, set()]


def test_coder_skipped_without_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import exitlens.coding.versions as versions

    monkeypatch.setattr(versions, "default_model_path", lambda: tmp_path / "nothing")
    settings = Settings()
    settings.coding.model_dir = str(tmp_path / "models")
    with pytest.raises(CoderUnavailable):
        ClassifierCoder(PipelineContext(settings))


def test_builtin_model_records_what_it_was_trained_on() -> None:
    path = resolve_model_path(None, None)
    assert path is not None and path.name == "classifier-builtin"
    meta = load_model(path).meta
    assert meta["trained_on"] and not any("lockbox" in name for name in meta["trained_on"])
    assert all(name in meta["note"] for name in meta["trained_on"])
    assert set(meta["thresholds"].split()) == {"fixed", "0.5"}
    assert model_features(load_model(path)) == ("embedding", "similarity", "lexical")


def test_feature_blocks_follow_the_model(context: PipelineContext, codebook: Codebook,
                                         tmp_path: Path) -> None:
    embedder = get_embedder(context)
    protos = build_prototypes(embedder, codebook)
    codes = ["brutality", "living_conditions"]
    texts = ["They beheaded a prisoner.", "The town lies near the river."]
    widths = {f: featurize(texts, codebook, embedder, protos, codes, f).shape
              for f in [("embedding",), ("embedding", "similarity"),
                        ("embedding", "similarity", "lexical")]}
    assert widths == {("embedding",): (2, embedder.dim),
                      ("embedding", "similarity"): (2, embedder.dim + 2),
                      ("embedding", "similarity", "lexical"): (2, embedder.dim + 4)}
    with pytest.raises(ConfigError):
        featurize(texts, codebook, embedder, protos, codes, ("embedding", "keywords"))

    # The default recipe has all three blocks; lexical=False leaves the lexicon's out.
    plain = train_classifier(SYNTHETIC, codebook, embedder)
    assert plain.meta["features"] == ["embedding", "similarity", "lexical"]
    assert set(plain.thresholds.values()) == {DEFAULT_THRESHOLD}
    no_lexicon = train_classifier(SYNTHETIC, codebook, embedder, lexical=False)
    assert no_lexicon.meta["features"] == ["embedding", "similarity"]
    assert predict_units(no_lexicon, texts, codebook, embedder, protos).shape == (2, len(
        no_lexicon.codes))
    # A version saved before the meta named its features was trained with all three
    # blocks, and still codes after loading.
    legacy = train_classifier(SYNTHETIC, codebook, embedder)
    del legacy.meta["features"]
    loaded = load_model(save_model(legacy, tmp_path))
    assert model_features(loaded) == ("embedding", "similarity", "lexical")
    probs = predict_units(loaded, texts, codebook, embedder, protos)
    j = loaded.codes.index("brutality")
    assert probs[0, j] > 0.5 > probs[1, j]


def test_cross_validation_never_tests_on_training_records(context: PipelineContext) -> None:
    from exitlens.coding.training import cross_validate

    def record(text: str, quote: str, code: str) -> GoldRecord:
        return parse_gold_record(
            {"id": quote[:5].lower(), "text": text,
             "defectors": [{"name": "X", "exit_reasons": [code], "join_motives": [],
                            "evidence": [{"code": code, "quote": quote}]}]}, "<test>")

    records = [
        record("He watched a man beheaded. He is 30.", "watched a man beheaded", "brutality"),
        record("The prisoners were whipped in public. He left.", "prisoners were whipped",
               "brutality"),
        record("Food ran out and pay stopped. He left.", "Food ran out", "living_conditions"),
        record("His salary was never paid. He left.", "salary was never paid",
               "living_conditions"),
    ]
    evs = cross_validate(records, context.settings, k=2, dev_labels=False)
    assert set(evs) == {"rules", "embedding", "classifier", "ensemble", "baseline"}
    assert all(ev.n_defectors == 4 for ev in evs.values())
    assert evs["rules"].per_code["brutality"].tp >= 1


def test_thresholds_are_cross_validated_only_with_enough_documents(
        context: PipelineContext, codebook: Codebook) -> None:
    few = train_classifier(SYNTHETIC, codebook, get_embedder(context), threshold=None)
    assert few.meta["thresholds"] == "constant"
    assert set(few.thresholds.values()) == {DEFAULT_THRESHOLD}
    # 24 documents of two sentences each: enough for a 4-fold threshold search
    many = [LabelledSentence(ex.text, ex.codes, f"doc-{i}-{j}")
            for j in range(3) for i, ex in enumerate(SYNTHETIC[:8])]
    model = train_classifier(many, codebook, get_embedder(context), threshold=None)
    assert model.meta["thresholds"] == "cross-validated per code"
    assert all(0.5 <= t <= 0.95 for t in model.thresholds.values())
    assert set(model.thresholds) == set(model.estimators)


def test_examples_from_gold_keep_their_document(codebook: Codebook) -> None:
    record = parse_gold_record({
        "id": "doc-a", "text": 'He left. "They stole the zakat," he said.', "kind": "news",
        "defectors": [{"ref": "d1", "descriptor": "He", "exit_reasons": ["corruption"],
                       "evidence": [{"code": "corruption", "quote": "They stole the zakat"}]}],
    }, "test")
    assert {e.group for e in examples_from_gold([record], codebook)} == {"doc-a"}
