"""Training recipe and grouped cross-validation: fold discipline, fixed threshold,
codebook-example positives, and a train → save → load → code round trip.

Every sentence here is written for these tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from exitlens.coding.base import Coder, CodingItem, CodingResult, items_for
from exitlens.coding.classifier import (
    CODEBOOK_WEIGHT,
    DEFAULT_THRESHOLD,
    ClassifierCoder,
    LabelledSentence,
    backed_off_codes,
    examples_from_codebook,
    load_model,
    save_model,
    train_classifier,
)
from exitlens.coding.codebook import Codebook
from exitlens.coding.embedding import get_embedder
from exitlens.coding.training import cross_validated_verdicts, train_from_records
from exitlens.config import Settings
from exitlens.gold import GoldRecord, parse_gold_record
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with


def record(rid: str, text: str, quote: str, code: str, name: str | None = None) -> GoldRecord:
    dim = "join_motives" if code.startswith("join_") else "exit_reasons"
    other = "exit_reasons" if dim == "join_motives" else "join_motives"
    return parse_gold_record(
        {"id": rid, "text": text,
         "defectors": [{"name": name, dim: [code], other: [],
                        "evidence": [{"code": code, "quote": quote}]}]}, "<test>")


RECORDS = [
    record("r-a", "Omar joined in 2014. He watched a prisoner beheaded in the square. "
                  "He now lives in Ankara.", "He watched a prisoner beheaded", "brutality"),
    record("r-b", "The men were whipped in public for smoking. Yusuf left that winter. "
                  "The town sits on a river.", "The men were whipped in public", "brutality"),
    record("r-c", "Hamid said the fighters cut off hands at the market. He fled in May. "
                  "He has two sisters.", "the fighters cut off hands", "brutality"),
    record("r-d", "The bread ran out and the wages stopped, Ali said. He walked to the border. "
                  "He is 31.", "The bread ran out and the wages stopped", "living_conditions"),
    record("r-e", "There was no electricity and no clean water, Samir said. He left in 2016. "
                  "The café was quiet.", "There was no electricity and no clean water",
           "living_conditions"),
    record("r-f", "Karim's pay was cut and his family went hungry. He deserted. "
                  "The interview lasted an hour.", "Karim's pay was cut and his family went "
                  "hungry", "living_conditions"),
]


class SpyCoder:
    """Codes nothing; remembers which records its builder trained it on."""

    name = "spy"

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        return [[] for _ in items]


def test_cross_validation_never_trains_on_a_held_out_record(codebook: Codebook) -> None:
    seen: list[set[str]] = []

    def builder(train: Sequence[GoldRecord], cb: Codebook,
                context: PipelineContext) -> list[Coder]:
        seen.append({r.id for r in train})
        return [SpyCoder()]

    # r-b and r-e name the same person: they must land in one fold.
    records = [*RECORDS[:4],
               record("r-b2", "Abu Yusuf al-Tunsi said the men were whipped.", "the men were "
                      "whipped", "brutality", name="Abu Yusuf al-Tunsi"),
               record("r-e2", "Abu Yusuf al-Tunsi said there was no water.", "there was no "
                      "water", "living_conditions", name="Abu Yusuf al-Tunsi")]
    fv = cross_validated_verdicts(records, Settings(), k=3, codebook=codebook, builder=builder)
    assert len(seen) == len(fv.folds) == 3
    assert sorted(i for f in fv.folds for i in f) == list(range(len(records)))
    for fold, trained in zip(fv.folds, seen, strict=True):
        held = {records[i].id for i in fold}
        assert not held & trained
        assert held | trained == {r.id for r in records}
    # every held-out defector was scored exactly once, by coders that never saw it
    assert sorted(fv.record_ids) == sorted(r.id for r in records)
    together = [f for f in fv.folds if {records[i].id for i in f} & {"r-b2", "r-e2"}]
    assert len(together) == 1


def test_codebook_examples_are_weighted_positives_of_their_top_level_code(
        codebook: Codebook) -> None:
    examples = examples_from_codebook(codebook)
    by_code: dict[str, list[LabelledSentence]] = {}
    for ex in examples:
        assert len(ex.codes) == 1 and ex.weight == CODEBOOK_WEIGHT
        by_code.setdefault(next(iter(ex.codes)), []).append(ex)
    top = set(codebook.codes_in(top_level=True))
    assert set(by_code) <= top
    for rare in ("infighting", "killing_muslims", "discrimination", "expendability",
                 "military_decline"):
        texts = {e.text for e in by_code[rare]}
        assert set(codebook.get(rare).examples) <= texts
        assert any(codebook.get(rare).definition in t for t in texts)



@pytest.mark.slow
def test_recipe_includes_codebook_positives(context: PipelineContext,
                                            codebook: Codebook) -> None:
    model = train_from_records(RECORDS, codebook, get_embedder(context))
    # no record labels expendability, yet the codebook's phrases train it
    assert "expendability" in model.meta["trained_codes"]
    n_examples = len(codebook.get("expendability").prototype_texts())
    assert model.meta["positive_units"]["expendability"] >= n_examples


@pytest.mark.slow
def test_one_fixed_threshold(context: PipelineContext, codebook: Codebook) -> None:
    model = train_from_records(RECORDS, codebook, get_embedder(context))
    assert set(model.thresholds.values()) == {DEFAULT_THRESHOLD} == {0.5}
    assert model.meta["thresholds"] == "fixed 0.5"
    strict = train_classifier([LabelledSentence("They beheaded a man.", {"brutality"}),
                               LabelledSentence("They flogged a boy.", {"brutality"}),
                               LabelledSentence("He likes tea.", set())],
                              codebook, get_embedder(context), threshold=0.8)
    assert set(strict.thresholds.values()) == {0.8}
    # a verdict is given exactly when the unit's probability reaches the threshold
    text = "Tariq said they beheaded a man in the square."
    item = items_for([reading_with(text, [text])])
    prob = {r.code: r.confidence for r in ClassifierCoder(context, strict).code(item,
                                                                              codebook)[0]}
    assert all(p >= 0.8 for p in prob.values())


@pytest.mark.slow
def test_train_save_load_codes_a_paraphrase(context: PipelineContext, codebook: Codebook,
                                            tmp_path: Path) -> None:
    model = train_from_records(RECORDS, codebook, get_embedder(context))
    assert model.meta["positive_defectors"] == {"brutality": 3, "living_conditions": 3}
    # three labelled defectors per code: below the backoff floor, so the trained model
    # leaves both codes to the other coders …
    text = "Nabil told us that the salaries stopped and there was nothing left to eat."
    reading = reading_with(text, [text])
    items = items_for([reading])
    assert backed_off_codes(model) >= {"brutality", "living_conditions"}
    assert ClassifierCoder(context, model).code(items, codebook) == [[]]
    # … and with the floor lowered the saved and reloaded model codes the paraphrase
    model.meta["min_defectors"] = 3
    loaded = load_model(save_model(model, tmp_path, name="model-test"))
    assert loaded.thresholds == model.thresholds
    assert not backed_off_codes(loaded) & {"brutality", "living_conditions"}
    [results] = ClassifierCoder(context, loaded).code(items, codebook)
    codes = {r.code for r in results}
    assert "living_conditions" in codes and "brutality" not in codes
    assert all(r.coder == "classifier" and r.span == reading.persons[0].evidence[0]
               and 0 < r.confidence <= 1 for r in results)


def test_labelled_sentences_load_with_their_top_level_codes(codebook: Codebook,
                                                            tmp_path: Path) -> None:
    from exitlens.coding.classifier import load_sentences
    from exitlens.errors import ConfigError

    path = tmp_path / "sentences.jsonl"
    path.write_text('{"text": "They shot at the other rebels, not the army.", '
                    '"codes": ["infighting"]}\n\n'
                    '{"text": "The interview took place in a café.", "codes": [], '
                    '"weight": 2}\n', encoding="utf-8")
    got = load_sentences(path, codebook)
    assert [(s.codes, s.weight) for s in got] == [({"infighting"}, 1.0), (set(), 2.0)]
    assert all(s.group == "sentences:sentences.jsonl" for s in got)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "Fine.", "codes": []}\n{"text": "x", "codes": ["no_such"]}\n',
                   encoding="utf-8")
    with pytest.raises(ConfigError, match="no_such") as err:
        load_sentences(bad, codebook)
    assert err.value.where == f"{bad}:2" and err.value.code == "sentences_invalid"
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="bad labelled sentence"):
        load_sentences(broken, codebook)


def test_the_written_sentences_file_is_valid_and_covers_every_code(codebook: Codebook) -> None:
    from exitlens.coding.classifier import load_sentences

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "written_sentences.jsonl"
    sentences = load_sentences(path, codebook)
    assert len({s.text for s in sentences}) == len(sentences)
    per_code: dict[str, int] = {}
    for s in sentences:
        for c in s.codes:
            per_code[c] = per_code.get(c, 0) + 1
    top = {c.id for c in codebook if c.parent is None}
    assert set(per_code) == top and min(per_code.values()) >= 25
    assert sum(1 for s in sentences if not s.codes) >= 300


@pytest.mark.slow
def test_fold_coders_train_the_classifier_on_extra_sentences(context: PipelineContext,
                                                             codebook: Codebook) -> None:
    from exitlens.coding.classifier import ClassifierCoder
    from exitlens.coding.training import fold_coders

    extra = [LabelledSentence("They sent the new recruits to walk across the minefield first.",
                              {"expendability"}, "sentences:x"),
             LabelledSentence("The café was closed on Fridays.", set(), "sentences:x")]
    plain = next(c for c in fold_coders(RECORDS, codebook, context)
                 if isinstance(c, ClassifierCoder))
    more = next(c for c in fold_coders(RECORDS, codebook, context, extra)
                if isinstance(c, ClassifierCoder))
    assert more.model.meta["training_units"] == plain.model.meta["training_units"] + 2
    assert more.model.meta["positive_units"]["expendability"] == \
        plain.model.meta["positive_units"]["expendability"] + 1
