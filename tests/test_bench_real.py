"""The real-data benchmark's fold discipline, candidate recall, and fitting a role model
on chosen documents only (all on small data written for these tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from exitlens.evaluation import score_reading
from exitlens.gold import GoldDefector, GoldRecord
from exitlens.model import Document, DocumentReading, Mention, Person, Span
from exitlens.reading.role_training import RoleExample, fit_on_documents, grouped_training

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_real",
                                                  ROOT / "benchmarks" / "bench_real.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_real"] = module
    spec.loader.exec_module(module)
    return module


def record(rid: str, name: str | None, text: str) -> GoldRecord:
    defectors = [] if name is None else [
        GoldDefector(ref="d1", name=name, descriptor=None, values={})]
    return GoldRecord(id=rid, text=text, kind="news", title=None, defectors=defectors,
                      meta={"url": f"https://example.org/{rid}"})


RECORDS = [
    record(f"doc-{i}", f"Person Number{i}" if i % 3 else None,
           f"Story {i}: Person Number{i} left the group in year {2010 + i}. "
           f"An analyst named Other Expert{i} commented.")
    for i in range(12)
]


def examples_for(records: list[GoldRecord], bump: float = 0.0) -> list[RoleExample]:
    out = []
    for r in records:
        out.append(RoleExample("x", r.id, {"own_voice": 1.0 + bump, "leave_max": 0.9},
                               False, True, bool(r.defectors)))
        out.append(RoleExample("x", r.id, {"official_cue": 1.0, "leave_max": bump},
                               False, True, False))
    return out


def test_fold_plan_holds_each_document_out_once_and_never_trains_on_it() -> None:
    bench = load_bench()
    plan = bench.fold_plan(RECORDS, 4)
    held_all = sorted(i for _, held in plan for i in held)
    assert held_all == list(range(len(RECORDS)))
    examples = examples_for(RECORDS)
    for train, held in plan:
        assert not set(train) & set(held)
        model = bench.fit_role_fold(RECORDS, examples, train)
        held_ids = {RECORDS[i].id for i in held}
        assert set(model.trained_on) == {RECORDS[i].id for i in train}
        assert not held_ids & set(model.trained_on)


def test_documents_sharing_a_person_stay_in_one_fold() -> None:
    bench = load_bench()
    twins = [*RECORDS, record("doc-twin", "Person Number1", "Person Number1 again, elsewhere.")]
    for _, held in bench.fold_plan(twins, 4):
        ids = {twins[i].id for i in held}
        assert ("doc-1" in ids) == ("doc-twin" in ids)


def test_a_held_out_document_cannot_change_the_fold_model() -> None:
    train_ids = {r.id for r in RECORDS[:8]}
    group_of = {r.id: f"g{i % 2}" for i, r in enumerate(RECORDS)}
    total = sum(len(r.defectors) for r in RECORDS[:8])
    clean = examples_for(RECORDS)
    # the held-out documents' people changed beyond recognition
    poisoned = examples_for(RECORDS[:8]) + examples_for(RECORDS[8:], bump=50.0)
    a = fit_on_documents(clean, train_ids, group_of, total)
    b = fit_on_documents(poisoned, train_ids, group_of, total)
    assert a.weights == b.weights and a.threshold == b.threshold
    assert a.trained_on == tuple(sorted(train_ids))


def test_grouped_training_names_the_sets_it_was_given() -> None:
    model = grouped_training(RECORDS, examples_for(RECORDS), k=3, trained_on=["mine.jsonl"])
    assert model.trained_on == ("mine.jsonl",)
    assert model.probability({"own_voice": 1.0, "leave_max": 0.9}) > model.probability(
        {"official_cue": 1.0})


def test_candidate_recall_counts_people_found_in_any_role() -> None:
    text = "Karim Haddad left the group in 2015. Lena Ortiz, a reporter, met him."
    gold = record("cand", "Karim Haddad", text)
    karim = Person(name="Karim Haddad", mentions=[Mention(Span(0, 12))], role="other")
    lena = Person(name="Lena Ortiz", mentions=[Mention(Span(37, 47))], role="journalist")
    reading = DocumentReading(document=Document(text=text), persons=[karim, lena])
    ev = score_reading([gold], [reading])
    assert (ev.tp, ev.fn) == (0, 1)
    assert ev.candidate_recall == pytest.approx(1.0)
    assert ev.to_json()["defectors"]["candidates_matched"] == 1
    reading.persons = [lena]
    assert score_reading([gold], [reading]).candidate_recall == 0.0


def test_language_split() -> None:
    bench = load_bench()
    assert bench.language_of("He said that the men and their families were in the town.") == "en"
    assert bench.language_of("Er sagte, dass die Männer mit ihren Familien in der Stadt "
                             "waren und nicht zurückkehren wollten.") == "other"


def test_coding_sources_count_right_and_wrong_codes_by_unit_and_coder() -> None:
    from exitlens.coding.codebook import load_codebook
    from exitlens.gold import GoldEvidence
    from exitlens.model import Coding, Quote, Sentence

    bench = load_bench()
    codebook = load_codebook()
    text = ('Omar Saleh fled in 2016. "They beheaded a boy in the square," he said. '
            'Omar Saleh had no money. Rami Aziz joined later.')
    s1, s2 = Span(0, 24), Span(25, 70)
    s3, s4 = Span(71, 95), Span(96, 119)
    assert s2.text_of(text).startswith('"They') and s4.text_of(text) == "Rami Aziz joined later."
    quote = Span(25, 61)
    gold = GoldRecord(id="src", text=text, kind="news", title=None, meta={}, defectors=[
        GoldDefector(ref="d1", name="Omar Saleh", descriptor=None, values={},
                     exit_reasons=["brutality"],
                     evidence=[GoldEvidence("brutality", quote.text_of(text))])])
    omar = Person(name="Omar Saleh", role="defector",
                  mentions=[Mention(Span(0, 10)), Mention(Span(71, 81))])
    rami = Person(name="Rami Aziz", role="defector", mentions=[Mention(Span(96, 105))])
    reading = DocumentReading(
        document=Document(text=text), persons=[omar, rami],
        sentences=[Sentence(s, 0) for s in (s1, s2, s3, s4)],
        quotes=[Quote(quote, speaker=0)],
        codings=[Coding("brutality", quote, "ensemble", 0.9, person=0),          # right
                 Coding("living_conditions", s3, "rules", 0.6, person=0),        # wrong
                 Coding("hypocrisy", s4, "classifier", 0.7, person=1),           # false defector
                 Coding("repression", s3, "rules", 0.6, person=0, status="rejected")])
    counts = bench.coding_sources([gold], [reading], codebook)
    assert counts[("exit", "matched", "unit", "own quote", True)] == 1
    assert counts[("exit", "matched", "coder", "ensemble", True)] == 1
    assert counts[("exit", "matched", "unit", "sentence naming them", False)] == 1
    assert counts[("exit", "matched", "coder", "rules", False)] == 1
    assert counts[("exit", "false defector", "unit", "sentence naming them", False)] == 1
    assert counts[("exit", "false defector", "coder", "classifier", False)] == 1
    assert sum(counts.values()) == 6  # the rejected coding is not counted
    assert bench.unit_source(reading, 1, quote) == "another's quote"
    # printed per part: the later sets (this record) beside dev.jsonl (none here)
    printed = bench.print_coding_sources([gold], [reading], ["dev_b2.jsonl"], codebook)
    assert printed["later sets / exit / matched / unit own quote"] == [1, 0]
    assert printed["dev.jsonl / exit / matched / unit own quote"] == [0, 0]


def test_repeats_sum_each_documents_counts_and_report_every_assignment(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import argparse
    from types import SimpleNamespace

    bench = load_bench()
    seeds: list[int] = []

    def counts(seed: int) -> list[dict[str, object]]:
        return [{"id": "a", "origin": "dev_b2.jsonl", "language": "en",
                 "defectors": [seed - 12, 1, 0], "exit": [1, 0, 0], "join": [0, 0, 1],
                 "codes": {"brutality": [1, 0, 0], "join_religion": [0, 0, 1]},
                 "fields": {"gender": [1, 1]}}]

    def figs(f1: float) -> dict[str, object]:
        summary = {"defector_f1": f1, "exit_micro_f1": 0.5, "join_micro_f1": 0.25}
        return {"en": SimpleNamespace(summary=lambda: summary)}

    def fake_cv(*args: object, seed: int = 13, **kw: object) -> tuple[object, ...]:
        seeds.append(seed)
        return figs((seed - 12) / 10), {"per_document": counts(seed)}, []

    monkeypatch.setattr(bench, "cross_validated", fake_cv)
    args = argparse.Namespace(repeats=3, folds=5, reading_only=False, coders=None)
    info = bench.repeat_cv([], None, None, args, Path("."), [], [], figs(0.1),
                           {"per_document": counts(13)})
    assert seeds == [14, 15]  # the first assignment (seed 13) was run by the caller
    assert [r["seed"] for r in info["repeats"]] == [13, 14, 15]
    assert [r["English defectors"] for r in info["repeats"]] == [0.1, 0.2, 0.3]
    # one row per document, its counts summed over the three assignments
    assert info["per_document"] == [{"id": "a", "origin": "dev_b2.jsonl", "language": "en",
                                     "defectors": [6, 3, 0], "exit": [3, 0, 0],
                                     "join": [0, 0, 3],
                                     "codes": {"brutality": [3, 0, 0],
                                               "join_religion": [0, 0, 3]},
                                     "fields": {"gender": [3, 3]}}]
    bench.print_repeats(info["repeats"])
    line = next(ln for ln in capsys.readouterr().out.splitlines()
                if ln.startswith("English defectors"))
    assert line.split()[-2:] == ["0.200", "0.100-0.300"]


def test_measured_accuracy_sums_english_codes_and_keeps_the_unseen_pages_apart() -> None:
    bench = load_bench()
    rows = [
        {"id": "a", "origin": "dev.jsonl", "language": "en", "defectors": [2, 0, 0],
         "codes": {"brutality": [2, 0, 0]}},
        {"id": "b", "origin": "dev_b2.jsonl", "language": "en", "defectors": [1, 1, 1],
         "codes": {"brutality": [1, 1, 1], "family": [0, 2, 2]},
         "fields": {"nationality": [1, 2]}},
        {"id": "c", "origin": "dev_b3.jsonl", "language": "de", "defectors": [0, 0, 2],
         "codes": {"brutality": [0, 0, 2]}},
    ]
    acc = bench.measured_accuracy(rows, repeats=2, folds=5)
    assert acc.documents == 2 and acc.assignments == 2  # English pages only
    assert (acc.codes["brutality"].tp, acc.codes["brutality"].fn) == (3, 1)
    assert acc.codes["brutality"].support == 2  # (tp + fn) per assignment
    assert set(acc.unseen) == {"brutality", "family"}
    assert (acc.unseen["family"].fp, acc.unseen["family"].support) == (2, 1)
    assert acc.defectors == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "gold": 1}
    assert "2 English pages" in acc.setting and "1 the reading rules" in acc.setting
    nat = acc.profile_unseen["nationality"]
    assert (nat.right, nat.counted, nat.per_assignment) == (1, 2, 1)
    assert acc.profile["nationality"].accuracy == 0.5
