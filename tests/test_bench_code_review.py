"""The code-review benchmark's lists, answers and figures, on one fictional page."""

from __future__ import annotations

from exitlens.coding.codebook import load_codebook
from exitlens.gold import GoldDefector, GoldRecord
from exitlens.model import Coding, Document, DocumentReading, Mention, NearMiss, Person, Span
from tests.bench_modules import load_benchmark

TEXT = "Ali left over the infighting. Bea left too. Cem wrote about them."


def _page() -> tuple[GoldRecord, DocumentReading]:
    """Ali (labelled: infighting, corruption) and Bea (labelled: nothing) are read as
    defectors; Bea is no labelled defector, so every code of hers is wrong."""
    record = GoldRecord(id="p1", text=TEXT, kind="news", title=None, defectors=[
        GoldDefector("d0", "Ali", None, {}, exit_reasons=["infighting", "corruption"])])
    reading = DocumentReading(document=Document(text=TEXT))
    for name in ("Ali", "Bea", "Cem"):
        start = TEXT.index(name)
        reading.persons.append(Person(name=name, mentions=[Mention(Span(start, start + 3),
                                                                   "name")],
                                      role="journalist" if name == "Cem" else "defector"))
    unit = Span(0, 29)
    reading.codings = [
        Coding("infighting", unit, "ensemble", 0.9, person=0),  # right, certain
        Coding("boredom", unit, "rules", 0.55, person=0),  # wrong, least certain
        Coding("brutality", Span(30, 43), "ensemble", 0.7, person=1),  # false defector
    ]
    reading.near_misses = [NearMiss("corruption", unit, 0.4, person=0),  # right
                           NearMiss("family", unit, 0.6, person=0)]  # wrong, strongest
    return record, reading


def test_lists_answers_and_figures() -> None:
    bench = load_benchmark("bench_code_review")
    scorer = bench.Scorer(load_codebook())
    record, reading = _page()
    queue, misses = bench.code_checks(scorer, [record], [reading], [0])
    assert [(c.item.code, c.right) for c in queue] == [
        ("boredom", False), ("brutality", False), ("infighting", True)]
    assert [(c.item.code, c.right) for c in misses] == [("family", False),
                                                        ("corruption", True)]

    done = bench.after_checks([reading], [0], queue[:1] + misses)
    statuses = {c.code: c.status for c in done[0].codings}
    assert statuses == {"infighting": "suggested", "boredom": "rejected",
                        "brutality": "suggested", "corruption": "accepted"}
    assert reading.codings[1].status == "suggested"  # the machine's reading is untouched
    added = done[0].codings[-1]
    assert (added.span, added.person, added.coder) == (Span(0, 29), 0, "human:reviewer")

    out = bench.code_effort(scorer, [record], [reading], [0], steps=(0, 1, 2))
    # before: Ali's infighting right, his boredom and Bea's brutality wrong, corruption
    # missed → exit F1 = 2·1 / (2·1 + 2 + 1)
    assert out["review queue @0 exit"] == 2 / 5
    assert out["review queue @1 exit"] == 2 / 4  # boredom rejected
    assert out["possible missed codes @1 exit"] == 2 / 5  # "not this code": no change
    assert out["possible missed codes @2 exit"] == 4 / 6  # corruption added
    assert out["both in turn @all exit"] == 1.0
    assert (out["queue"], out["queue right"], out["near misses"],
            out["near misses right"]) == (3, 1, 2, 1)


def test_people_verdicts_follow_the_labels() -> None:
    bench = load_benchmark("bench_code_review")
    record, reading = _page()
    for person, score in zip(reading.persons, (0.9, 0.6, 0.1), strict=True):
        person.defector_score = score
        person.role_confidence = score
    verdicts = bench.people_verdicts([record], [reading])
    # both defectors are checked (Ali kept, Bea ruled out) and Cem, the page's only
    # other person, is the possible defector (not one)
    assert sorted((v["label"], v["role"]) for v in verdicts[0]) == [
        ("ali", "defector"), ("bea", "other"), ("cem", "other")]
