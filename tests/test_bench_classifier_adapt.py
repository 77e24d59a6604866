"""The classifier-adaptation screen's simulated reviewers: a suggestion is accepted only for
a person matching a labelled defector who carries the code, and the reviewer who adds
missed codes adds them on the labelled quote (fictional text)."""

from __future__ import annotations

from exitlens.coding.codebook import load_codebook
from exitlens.gold import GoldRecord, parse_gold_record
from exitlens.model import Coding, DocumentReading, Mention, NearMiss, Person, Span
from tests.bench_modules import load_benchmark

TEXT = ("Karim Aziz left the group after he saw prisoners whipped. "
        "Hassan Bakr, a commander, still fights for it.")
SENTENCE = Span(0, TEXT.index(" Hassan"))


def _labelled() -> GoldRecord:
    return parse_gold_record(
        {"id": "sim-1", "text": TEXT, "defectors": [{
            "name": "Karim Aziz", "exit_reasons": ["brutality"], "join_motives": [],
            "evidence": [{"code": "brutality", "quote": "he saw prisoners whipped"}]}]},
        "<test>")


def _read(record: GoldRecord, names: list[str], codings: list[Coding]) -> DocumentReading:
    reading = DocumentReading(document=record.document())
    reading.persons = [
        Person(name=name, role="defector",
               mentions=[Mention(Span(TEXT.index(name), TEXT.index(name) + len(name)))])
        for name in names]
    reading.codings = codings
    return reading


def test_simulated_reviews_accept_only_the_labelled_persons_codes() -> None:
    bench = load_benchmark("bench_classifier_adapt")
    record = _labelled()
    reading = _read(record, ["Karim Aziz", "Hassan Bakr"],
                    [Coding("brutality", SENTENCE, "ensemble", 0.8, person=0),
                     Coding("corruption", SENTENCE, "ensemble", 0.6, person=0),
                     Coding("brutality", SENTENCE, "ensemble", 0.7, person=1)])
    reviewed = bench.simulated_reviews(record, reading, load_codebook())
    assert [c.status for c in reviewed.codings] == ["accepted", "rejected", "rejected"]


def test_the_reviewer_who_adds_missed_codes_adds_them_on_the_labelled_quote() -> None:
    bench = load_benchmark("bench_classifier_adapt")
    record = _labelled()
    reading = _read(record, ["Karim Aziz"],
                    [Coding("corruption", SENTENCE, "ensemble", 0.6, person=0)])
    reviewed = bench.simulated_reviews(record, reading, load_codebook(), add_missed=True)
    assert [(c.code, c.status) for c in reviewed.codings] == [
        ("corruption", "rejected"), ("brutality", "accepted")]
    added = reviewed.codings[1]
    assert added.span.text_of(TEXT) == "he saw prisoners whipped" and added.person == 0


def test_the_near_miss_reviewer_adds_right_codes_and_rejects_the_rest() -> None:
    bench = load_benchmark("bench_classifier_adapt")
    codebook = load_codebook()
    record = _labelled()
    reading = _read(record, ["Karim Aziz", "Hassan Bakr"], [])
    reading.near_misses = [NearMiss("brutality", SENTENCE, 0.4, person=0),
                           NearMiss("family", SENTENCE, 0.3, person=0),
                           NearMiss("brutality", SENTENCE, 0.35, person=1)]
    assert bench.queue_yield([record], [reading], codebook) == {
        "missed": 1, "named": 1, "shown": 3, "right": 1}
    reviewed = bench.simulated_reviews(record, reading, codebook, near_misses=True)
    assert [(c.code, c.status, c.person) for c in reviewed.codings] == [
        ("brutality", "accepted", 0), ("family", "rejected", 0), ("brutality", "rejected", 1)]
    assert all(c.span == SENTENCE and c.coder.startswith("human") for c in reviewed.codings)
