"""The learned profile fields (joining year, exit mode): candidate features, the choice,
filling profiles, loading, and training on a small labelled set of our own (fictional
texts)."""

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
from exitlens.reading.profile import PROFILE_CUES
from exitlens.reading.profile_models import (
    FIELDS,
    YEAR_FEATURES,
    choose,
    exit_mode_candidates,
    fill_field,
    load_field_model,
    year_candidates,
)
from exitlens.reading.profile_training import (
    accuracy,
    collect_field_examples,
    predicted,
    save_field_model,
    train_field_model,
)
from exitlens.reading.segment import SegmentStage

YEARS = FIELDS["joined_year"]
EXITS = FIELDS["exit_mode"]

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


def model(weights: dict[str, float], threshold: float = 0.5, bias: float = -2.0,
          kind: str = YEARS.kind) -> LogisticModel:
    names = tuple(weights)
    return LogisticModel(kind, names, (0.0,) * len(names), (1.0,) * len(names),
                         tuple(weights.values()), bias, threshold)


def test_candidates_are_every_year_with_their_cues(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz", published="2019-05-01")
    cands = {c.value: c for c in year_candidates(reading, 0, PROFILE_CUES, 2019)}
    assert sorted(cands) == [2014, 2016, 2019]
    assert set(cands[2014].features) == set(YEAR_FEATURES)
    assert cands[2014].features["join_closer"] == 1.0
    assert cands[2014].features["own_sentence"] == 1.0
    assert cands[2014].features["is_earliest"] == 1.0
    assert cands[2016].features["leave_closer"] == 1.0
    assert cands[2019].features["is_published_year"] == 1.0
    assert cands[2019].features["is_latest"] == 1.0
    for c in cands.values():  # offsets point at the year itself
        assert TEXT[c.span.start:c.span.end] == str(c.value)


def test_the_choice_respects_threshold_and_leaving_year(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz")
    cands = year_candidates(reading, 0, PROFILE_CUES, None)
    joiner = model({"join_closer": 4.0})
    chosen = choose(joiner, cands)
    assert chosen is not None and chosen[0].value == 2014 and chosen[1] > 0.5
    assert choose(model({"join_closer": 4.0}, threshold=0.99), cands) is None
    latest = model({"is_latest": 6.0})
    picked = choose(latest, cands)
    assert picked is not None and picked[0].value == 2019
    reading.persons[0].profile.left_year = FieldValue(2016, None)
    # 2019 is after the leaving year: the best of the others is below the threshold
    assert choose(latest, cands, lambda v: YEARS.allowed(reading.persons[0], v)) is None


def test_fill_keeps_the_rules_value_and_fills_a_gap(context: PipelineContext) -> None:
    reading = reading_of(context, TEXT, "Samir Aziz")
    joiner = model({"join_closer": 4.0})
    fill_field(reading, YEARS, joiner, PROFILE_CUES, None)
    filled = reading.persons[0].profile.joined_year
    assert filled is not None and filled.value == 2014
    assert filled.span is not None and TEXT[filled.span.start:filled.span.end] == "2014"
    reading.persons[0].profile.joined_year = FieldValue(2013, Span(0, 4))
    fill_field(reading, YEARS, joiner, PROFILE_CUES, None)
    assert reading.persons[0].profile.joined_year.value == 2013
    reading.persons[0].role = "journalist"
    reading.persons[0].profile.joined_year = None
    fill_field(reading, YEARS, joiner, PROFILE_CUES, None)
    assert reading.persons[0].profile.joined_year is None  # defectors only


def test_exit_mode_candidates(context: PipelineContext) -> None:
    text = ("Leila Darwish described the executions in the square. She tried to escape in "
            "the spring but was caught. In May she slipped out with a smuggler. Her cousin "
            "surrendered to the Kurdish forces.")
    reading = reading_of(context, text, "Leila Darwish")
    cands = {c.value: c for c in exit_mode_candidates(reading, 0, PROFILE_CUES)}
    assert "escaped" in cands  # "slipped out", not "tried to escape" (an attempt)
    assert [text[s.start:s.end] for s in cands["escaped"].spans] == ["slipped out"]
    # two sentences after the only sentence naming her
    assert (cands["escaped"].features["near_1"], cands["escaped"].features["near_3"]) == (0, 1)
    for c in cands.values():
        assert c.features[f"is_{c.value}"] == 1.0
        assert c.span in c.spans and PROFILE_CUES.exit.fullmatch(text, c.span.start, c.span.end)
    exits = model({"near_3": 4.0, "is_escaped": 1.0}, kind=EXITS.kind)
    fill_field(reading, EXITS, exits, PROFILE_CUES, None)
    filled = reading.persons[0].profile.exit_mode
    assert filled is not None and filled.value == "escaped"


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_loading(tmp_path: Path, name: str) -> None:
    spec = FIELDS[name]
    stem = spec.kind.removeprefix("exitlens-").replace("-", "_")
    assert load_field_model(spec, "none") is None
    with pytest.raises(ExitlensError) as err:
        load_field_model(spec, str(tmp_path / "absent.json"))
    assert err.value.code == f"{stem}_missing"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"kind": "exitlens-role-model"}), encoding="utf-8")
    with pytest.raises(ExitlensError) as err:
        load_field_model(spec, str(bad))
    assert err.value.code == f"{stem}_invalid"
    builtin = load_field_model(spec, None)
    assert builtin is not None and builtin.kind == spec.kind
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
    examples = collect_field_examples(records)["joined_year"]
    assert len(examples) == len(records)
    assert all(e.gold is not None and e.candidates for e in examples)
    # the rules are switched off for nothing but the models: hide their value so the
    # model must find the year itself
    for e in examples:
        e.rule = None
    trained = train_field_model(YEARS, records, examples, k=3, trained_on=["fictional"])
    assert trained.trained_on == ("fictional",)
    pairs = [(e.gold, predicted(YEARS, e, trained, trained.threshold)) for e in examples]
    assert accuracy(pairs) == 1.0
    path = save_field_model(trained, str(tmp_path / "years.json"))
    assert load_field_model(YEARS, path) == trained


def labelled_line(i: int, name: str) -> str:
    """One SPEC §4 record: a joining year and an escape told, others' surrender beside."""
    joined, left = 2013 + i % 3, 2016 + i % 2
    text = (f"{name} joined the Islamic State in {joined}, he told us. "
            f"\"I fled in {left} because they executed people in the square,\" {name} said. "
            f"Officials say dozens of others surrendered at the border in {2019 + i % 2}.")
    defector = {"ref": "d1", "name": name, "descriptor": None, "gender": "m",
                "nationality": None, "age": None, "joined_year": joined, "left_year": left,
                "role": None, "exit_mode": "escaped", "outcome": None, "source_voice": "self",
                "exit_reasons": ["brutality"], "join_motives": [],
                "evidence": [{"code": "brutality", "quote": "they executed people"}]}
    return json.dumps({"id": f"labelled-{i}", "kind": "news", "title": None, "text": text,
                       "defectors": [defector]})


def test_train_profile_command_writes_models_the_settings_load(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from exitlens.cli import app

    gold = tmp_path / "mine.jsonl"
    gold.write_text("\n".join(labelled_line(i, n) for i, n in enumerate(PEOPLE)) + "\n",
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["train-profile", str(gold), "-o", str(tmp_path / "m"),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = {r["field"]: r for r in json.loads(result.output)["models"]}
    assert set(rows) == set(FIELDS)
    for name, spec in FIELDS.items():
        model = load_field_model(spec, rows[name]["path"])
        assert model is not None and model.trained_on == ("mine.jsonl",)
        assert rows[name]["setting"] == f"reading.{spec.setting}"

    none = tmp_path / "none.jsonl"
    none.write_text(json.dumps({"id": "x", "kind": "news", "title": None,
                                "text": "Nobody here left anything.", "defectors": []}) + "\n",
                    encoding="utf-8")
    failed = CliRunner().invoke(app, ["train-profile", str(none), "-o", str(tmp_path / "n")])
    assert failed.exit_code != 0 and "no_training_data" in failed.output
    assert not (tmp_path / "n").exists()  # nothing half-written
