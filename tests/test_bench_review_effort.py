"""The review-effort benchmark's lists and scoring, on two fictional pages."""

from __future__ import annotations

from exitlens.gold import GoldDefector, GoldRecord
from exitlens.model import Document, DocumentReading, Mention, Person, Span
from tests.bench_modules import load_benchmark


def _page(text: str, gold: list[str], people: list[tuple[str, str, float, float]]
          ) -> tuple[GoldRecord, DocumentReading]:
    """A labelled page and its reading: ``people`` are (name, role, confidence, score)."""
    record = GoldRecord(id=text[:8], text=text, kind="news", title=None,
                        defectors=[GoldDefector(f"d{i}", name, None, {})
                                   for i, name in enumerate(gold)])
    reading = DocumentReading(document=Document(text=text))
    for name, role, confidence, score in people:
        start = text.index(name)
        reading.persons.append(Person(name=name, mentions=[Mention(Span(start, start +
                                                                         len(name)), "name")],
                                      role=role, role_confidence=confidence,
                                      defector_score=score))
    return record, reading


def test_lists_and_the_figures_after_checking() -> None:
    bench = load_benchmark("bench_review_effort")
    # page 1: Ali is a right defector, Bea a false one, Cem a missed one (the page's
    # likeliest other person), Dan a reporter; page 2: Eda missed, but less likely than
    # Fay, who is not a defector
    one = _page("Ali left. Bea stayed. Cem fled too. Dan wrote.", ["Ali", "Cem"],
                [("Ali", "defector", 0.9, 0.9), ("Bea", "defector", 0.6, 0.7),
                 ("Cem", "other", 0.5, 0.45), ("Dan", "journalist", 0.8, 0.1)])
    two = _page("Eda escaped. Fay was a guard.", ["Eda"],
                [("Eda", "current_member", 0.55, 0.2), ("Fay", "other", 0.5, 0.3)])
    records, readings = [one[0], two[0]], [one[1], two[1]]
    people = bench.checkables(records, readings)
    assert [p.index for p in bench.defector_list(people)] == [1, 0]  # Bea first
    assert [(p.document, p.index) for p in bench.possible_list(people)] == [(0, 2), (1, 1)]
    out = bench.effort(records, readings, [0, 1], steps=(0, 1, 2))
    # before: 1 right of 2 predicted, 3 labelled → F1 = 2·1 / (2·1 + 1 + 2)
    assert out["defectors, least certain first @0"] == 2 / 5
    assert out["defectors, least certain first @1"] == 2 / 4  # Bea ruled out
    assert out["possible defectors @1"] == 4 / 6  # Cem found
    assert out["both lists in turn @2"] == 4 / 5  # Bea out, Cem in
    # Fay is the second page's likeliest other person, so Eda stays missed
    assert out["whole of both lists"] == 4 / 5
    assert out["missed defectors among the others"] == 2
    assert out["missed defectors in the possible list's first 10"] == 1
