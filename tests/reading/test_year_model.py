"""The learned joining-year choice: candidate features, the choice, filling profiles,
loading, and training on a small labelled set of our own (fictional texts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exitlens.config import Settings
from exitlens.errors import ExitlensError
from exitlens.gold import GoldDefector, GoldRecord
from exitlens.linear import LogisticModel
from exitlens.model import Document, DocumentReading, FieldValue, Mention, Person, Span
from exitlens.pipeline import PipelineContext
from exitlens.reading.nlp import NlpStage
from exitlens.reading.profile import _JOIN_RE, _LEAVE_RE
from exitlens.reading.segment import SegmentStage
from exitlens.reading.year_model import (
    FEATURES,
    YEAR_MODEL_KIND,
    choose_joined_year,
    fill_joined_years,
    load_year_model,
    year_candidates,
)
from exitlens.reading.year_training import (
    accuracy,
    collect_year_examples,
    predicted,
    save_year_model,
    train_year_model,
)

TEXT = ("Samir Aziz travelled to Syria in the spring of 2014 to join the group. Friends say "
        "the caliphate fell apart around him. He fled across the border in 2016. "
        "This account was recorded in 2019.")


@pytest.fixture(scope="module")
def context() -> PipelineContext:
    return PipelineContext(Settings())


def reading_of(context: PipelineContext, text: str, name: str,
               published: str | None = None) -> DocumentReading:
    reading = DocumentReading(document=Document(text=text, published=published))
    start = text.index(name)
    reading.persons.append(Person(name=name, role="defector",
                                  mentions=[Mention(Span(start, start + len(name)))]))
    for stage in (SegmentStage(), NlpStage()):
        stage.process([reading], context)
    return reading


def model(weights: dict[str, float], threshold: float = 0.5, bias: float = -2.0
          ) -> LogisticModel:
    return LogisticModel(YEAR_MODEL_KIND, FEATURES, (0.0,) * len(FEATURES),
                         (1.0,) * len(FEATURES), tuple(weights.get(f, 0.0) for f in FEATURES),
                         bias, threshold)


def test_candidates_are_every_year_with_their_cues(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz", published="2019-05-01")
    cands = {c.year: c for c in year_candidates(reading, 0, 2019, _JOIN_RE, _LEAVE_RE)}
    assert sorted(cands) == [2014, 2016, 2019]
    assert cands[2014].features["join_closer"] == 1.0
    assert cands[2014].features["own_sentence"] == 1.0
    assert cands[2014].features["is_earliest"] == 1.0
    assert cands[2016].features["leave_closer"] == 1.0
    assert cands[2019].features["is_published_year"] == 1.0
    assert cands[2019].features["is_latest"] == 1.0
    for c in cands.values():  # offsets point at the year itself
        assert TEXT[c.span.start:c.span.end] == str(c.year)


def test_the_choice_respects_threshold_and_leaving_year(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz")
    cands = year_candidates(reading, 0, None, _JOIN_RE, _LEAVE_RE)
    joiner = model({"join_closer": 4.0})
    chosen = choose_joined_year(joiner, cands)
    assert chosen is not None and chosen[0].year == 2014 and chosen[1] > 0.5
    assert choose_joined_year(model({"join_closer": 4.0}, threshold=0.99), cands) is None
    latest = model({"is_latest": 6.0})
    picked = choose_joined_year(latest, cands)
    assert picked is not None and picked[0].year == 2019
    # 2019 is after the leaving year: the best of the others is below the threshold
    assert choose_joined_year(latest, cands, left_year=2016) is None


def test_fill_keeps_the_rules_value_and_fills_a_gap(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz")
    joiner = model({"join_closer": 4.0})
    fill_joined_years(reading, joiner, None, _JOIN_RE, _LEAVE_RE)
    filled = reading.persons[0].profile.joined_year
    assert filled is not None and filled.value == 2014
    assert filled.span is not None and TEXT[filled.span.start:filled.span.end] == "2014"
    reading.persons[0].profile.joined_year = FieldValue(2013, Span(0, 4))
    fill_joined_years(reading, joiner, None, _JOIN_RE, _LEAVE_RE)
    assert reading.persons[0].profile.joined_year.value == 2013
    reading.persons[0].role = "journalist"
    reading.persons[0].profile.joined_year = None
    fill_joined_years(reading, joiner, None, _JOIN_RE, _LEAVE_RE)
    assert reading.persons[0].profile.joined_year is None  # defectors only


def test_loading(tmp_path: Path) -> None:
    assert load_year_model("none") is None
    with pytest.raises(ExitlensError) as err:
        load_year_model(str(tmp_path / "absent.json"))
    assert err.value.code == "year_model_missing"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "exitlens-role-model"}), encoding="utf-8")
    with pytest.raises(ExitlensError) as err:
        load_year_model(str(bad))
    assert err.value.code == "year_model_invalid"
    builtin = load_year_model(None)
    assert builtin is not None and builtin.features == FEATURES
    assert 0 < builtin.threshold < 1 and builtin.trained_on


PEOPLE = ["Karim Haddad", "Yusuf Bakri", "Omar Selim", "Tarik Nasser", "Adel Fawzi",
          "Nabil Harb", "Rami Khoury", "Hisham Zaki", "Fadi Mansour", "Bilal Saad"]


def story(i: int, name: str) -> GoldRecord:
    joined, left = 2013 + i % 3, 2016 + i % 2
    text = (f"{name} joined the Islamic State in {joined}, he told us. "
            f"\"I left in {left} because they executed people in the square,\" {name} said. "
            f"Officials say the border was closed again in {2019 + i % 2}.")
    return GoldRecord(id=f"story-{i}", text=text, kind="news", title=None,
                      meta={"url": f"https://example.org/{i}"},
                      defectors=[GoldDefector(ref="d1", name=name, descriptor=None,
                                              values={"joined_year": joined,
                                                      "left_year": left})])


def test_training_on_a_small_labelled_set_learns_the_joining_cue(tmp_path: Path) -> None:
    records = [story(i, n) for i, n in enumerate(PEOPLE)]
    examples = collect_year_examples(records)
    assert len(examples) == len(records)
    assert all(e.gold is not None and e.candidates for e in examples)
    # the rules are switched off for nothing but the models: hide their value so the
    # model must find the year itself
    for e in examples:
        e.rule = None
    trained = train_year_model(records, examples, k=3, trained_on=["fictional"])
    assert trained.trained_on == ("fictional",)
    pairs = [(e.gold, predicted(e, trained, trained.threshold)) for e in examples]
    assert accuracy(pairs) == 1.0
    path = save_year_model(trained, str(tmp_path / "years.json"))
    assert load_year_model(path) == trained
