"""Evaluation arithmetic on hand-made cases."""

from __future__ import annotations

import pytest

from exitlens.coding.codebook import Codebook, parse_codebook
from exitlens.coding.evaluate import (
    DEV_FOLD,
    evaluate_codes,
    format_table,
    keyword_baseline,
    kfold_indices,
    label_scheme,
)
from exitlens.coding.training import oracle_items
from exitlens.evaluation import align_codes, score_codes
from exitlens.gold import GoldRecord, parse_gold_record
from exitlens.model import Coding, Document, DocumentReading, Mention, Person, Span


def gold(text: str, defectors: list[dict]) -> GoldRecord:
    return parse_gold_record({"id": "t", "text": text, "defectors": defectors}, "<test>")

SMALL = """\
dimensions:
  - id: exit
    label: Exit
    families:
      - id: harsh
        label: Harsh
        codes:
          - id: brutality
            label: Brutality
            children:
              - id: beheadings
                label: Beheadings
          - id: corruption
            label: Corruption
      - id: life
        label: Life
        codes:
          - id: boredom
            label: Boredom
  - id: join
    label: Join
    families:
      - id: motive
        label: Motive
        codes:
          - id: join_religion
            label: Religion
"""


def test_per_code_micro_macro_and_rollup() -> None:
    cb = parse_codebook(SMALL)
    gold = [{"brutality", "corruption"}, {"boredom"}, set(), {"join_religion"}]
    pred = [{"beheadings"}, {"boredom", "corruption"}, {"boredom"}, set()]
    ev = evaluate_codes(gold, pred, cb)
    assert (ev.per_code["brutality"].tp, ev.per_code["brutality"].fp) == (1, 0)  # child → parent
    c = ev.per_code["corruption"]
    assert (c.tp, c.fp, c.fn) == (0, 1, 1)
    b = ev.per_code["boredom"]
    assert (b.tp, b.fp, b.fn) == (1, 1, 0) and b.precision == 0.5 and b.recall == 1.0
    m = ev.micro["exit"]
    assert (m.tp, m.fp, m.fn) == (2, 2, 1)
    assert m.f1 == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    # macro over codes with gold support: brutality 1.0, corruption 0.0, boredom 2/3
    assert ev.macro_f1["exit"] == pytest.approx((1.0 + 0.0 + 2 / 3) / 3)
    assert ev.micro["join"].fn == 1 and ev.micro["join"].f1 == 0.0
    # families: harsh gold 1/4, pred 2/4 → 25 pp; life gold 1/4, pred 2/4 → 25 pp
    assert ev.prevalence["harsh"].error_pp == pytest.approx(25.0)
    assert ev.prevalence_error["exit"] == pytest.approx((25.0, 25.0))
    fam = ev.per_family["harsh"]
    assert (fam.tp, fam.fp, fam.fn) == (1, 1, 0)
    assert "brutality" in format_table(ev, ev)


def test_labelled_subset_and_folding(codebook: Codebook) -> None:
    gold = [{"repression"}]
    pred = [{"personal_mistreatment", "prosecution_at_home", "psych_toll"}]
    ev = evaluate_codes(gold, pred, codebook, labelled=["repression", "brutality"],
                        fold=DEV_FOLD)
    assert ev.per_code["repression"].tp == 1
    assert ev.per_code["brutality"].fp == 1
    assert set(ev.per_code) == {"repression", "brutality"}


def test_keyword_baseline_reads_the_whole_document() -> None:
    codes = keyword_baseline("Analysts say beheadings and propaganda videos drew many.")
    assert {"brutality", "join_media"} <= codes


def test_oracle_items_align_and_kfold() -> None:
    text = "Omar left. He said the beheadings sickened him. The weather was fine."
    record = gold(text, [
        {"name": "Omar", "descriptor": "Omar", "exit_reasons": ["brutality"], "join_motives": [],
         "barriers": ["fear_of_reprisal"],
         "evidence": [{"code": "brutality", "quote": "the beheadings sickened him"}]}])
    items, golds = oracle_items(record)
    assert golds == [{"brutality", "fear_of_reprisal"}]
    assert [u.text_of(text) for u in items[0].units] == ["He said the beheadings sickened him."]
    reading = DocumentReading(document=Document(text=text))
    reading.persons = [
        Person(name="Someone", role="defector", mentions=[Mention(Span(60, 67))]),
        Person(name="Journalist", role="journalist", mentions=[Mention(Span(48, 59))]),
        Person(name="Omar", role="defector", mentions=[Mention(Span(0, 4))]),
    ]
    # Keys are person indices in the reading (the journalist is index 1, never a row).
    g, p, is_gold = align_codes(record, reading, {2: {"brutality"}, 0: {"boredom"}})
    assert g == [{"brutality", "fear_of_reprisal"}, set()]
    assert p == [{"brutality"}, {"boredom"}] and is_gold == [True, False]
    folds = kfold_indices(10, 3)
    assert sorted(i for f in folds for i in f) == list(range(10)) and len(folds) == 3
    assert label_scheme(False) == (None, None) and label_scheme(True)[1] is DEV_FOLD


def test_score_codes_end_to_end(codebook: Codebook) -> None:
    text = "Omar left. He said the beheadings sickened him. Videos drew him in."
    record = gold(text, [
        {"name": "Omar", "descriptor": "Omar", "exit_reasons": ["brutality"],
         "join_motives": ["join_media"], "evidence": []}])
    reading = DocumentReading(document=Document(text=text))
    reading.persons = [Person(name="Omar", role="defector", mentions=[Mention(Span(0, 4))])]
    reading.codings = [Coding("brutality", Span(11, 47), "rules", 0.8, person=0),
                       Coding("family", Span(11, 47), "rules", 0.8, person=0,
                              status="rejected")]
    ev, base = score_codes([record], [reading], codebook)
    assert ev.per_code["brutality"].tp == 1 and ev.per_code["family"].fp == 0
    assert ev.per_code["join_media"].fn == 1
    assert base.per_code["join_media"].tp == 1 and base.per_code["brutality"].tp == 1
    full, _ = score_codes([record], [reading], codebook, dev_labels=False)
    assert "psych_toll" in full.per_code and "psych_toll" not in ev.per_code
