"""The classifier-adaptation screen's simulated reviewer: a suggestion is accepted only for
a person matching a labelled defector who carries the code (fictional text)."""

from __future__ import annotations

from exitlens.coding.codebook import load_codebook
from exitlens.gold import parse_gold_record
from exitlens.model import Coding, DocumentReading, Mention, Person, Span
from tests.bench_modules import load_benchmark

TEXT = ("Karim Aziz left the group after he saw prisoners whipped. "
        "Hassan Bakr, a commander, still fights for it.")


def test_simulated_reviews_accept_only_the_labelled_persons_codes() -> None:
    bench = load_benchmark("bench_classifier_adapt")
    record = parse_gold_record(
        {"id": "sim-1", "text": TEXT, "defectors": [{
            "name": "Karim Aziz", "exit_reasons": ["brutality"], "join_motives": [],
            "evidence": [{"code": "brutality", "quote": "he saw prisoners whipped"}]}]},
        "<test>")
    karim = TEXT.index("Karim Aziz")
    hassan = TEXT.index("Hassan Bakr")
    reading = DocumentReading(document=record.document())
    reading.persons = [
        Person(name="Karim Aziz", role="defector",
               mentions=[Mention(Span(karim, karim + len("Karim Aziz")))]),
        Person(name="Hassan Bakr", role="defector",
               mentions=[Mention(Span(hassan, hassan + len("Hassan Bakr")))])]
    sentence = Span(0, TEXT.index(" Hassan"))
    reading.codings = [Coding("brutality", sentence, "ensemble", 0.8, person=0),
                       Coding("corruption", sentence, "ensemble", 0.6, person=0),
                       Coding("brutality", sentence, "ensemble", 0.7, person=1)]
    reviewed = bench.simulated_reviews(record, reading, load_codebook())
    assert [c.status for c in reviewed.codings] == ["accepted", "rejected", "rejected"]


def test_the_reviewer_who_adds_missed_codes_adds_them_on_the_labelled_quote() -> None:
    bench = load_benchmark("bench_classifier_adapt")
    record = parse_gold_record(
        {"id": "sim-2", "text": TEXT, "defectors": [{
            "name": "Karim Aziz", "exit_reasons": ["brutality"], "join_motives": [],
            "evidence": [{"code": "brutality", "quote": "he saw prisoners whipped"}]}]},
        "<test>")
    karim = TEXT.index("Karim Aziz")
    reading = DocumentReading(document=record.document())
    reading.persons = [Person(name="Karim Aziz", role="defector",
                              mentions=[Mention(Span(karim, karim + len("Karim Aziz")))])]
    sentence = Span(0, TEXT.index(" Hassan"))
    reading.codings = [Coding("corruption", sentence, "ensemble", 0.6, person=0)]
    reviewed = bench.simulated_reviews(record, reading, load_codebook(), add_missed=True)
    assert [(c.code, c.status) for c in reviewed.codings] == [
        ("corruption", "rejected"), ("brutality", "accepted")]
    added = reviewed.codings[1]
    assert added.span.text_of(TEXT) == "he saw prisoners whipped" and added.person == 0
