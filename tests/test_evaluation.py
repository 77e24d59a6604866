"""Reading evaluation: the gold loader, defector matching, field accuracy, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exitlens.config import Settings
from exitlens.evaluation import MetricRow, evaluate_reading, score_reading
from exitlens.gold import GoldError, load_gold, match_defectors
from exitlens.model import (
    PAGE_BASIS,
    Document,
    DocumentReading,
    FieldValue,
    Mention,
    Person,
    Span,
)

TEXT = (
    "Selim Arslan, a former fighter from Konya, left the group in 2016. "
    '"The emirs lived well while we starved," Arslan said.'
)


def _record(rid: str = "doc-1", text: str = TEXT, defectors: list | None = None) -> dict:
    if defectors is None:
        defectors = [{
            "ref": "d1", "name": "Selim Arslan", "descriptor": "a former fighter from Konya",
            "gender": "m", "nationality": "TR", "age": None, "left_year": 2016,
            "source_voice": "self", "exit_reasons": ["corruption"],
            "evidence": [{"code": "corruption", "quote": "The emirs lived well while we starved"}],
        }]
    return {"id": rid, "kind": "news", "title": "t", "text": text, "defectors": defectors}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_gold(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(_record()), "", json.dumps(_record("doc-2",
                                                                           defectors=[]))])
    records = load_gold(path)
    assert [r.id for r in records] == ["doc-1", "doc-2"]
    d = records[0].defectors[0]
    assert d.values["nationality"] == "TR" and d.evidence[0].code == "corruption"
    mentions, evidence = d.locate(records[0].text)
    assert mentions and evidence


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON object"),
        (json.dumps({"id": "x", "defectors": []}), "'text'"),
        (json.dumps({"id": "x", "text": "t", "defectors": "none"}), "'defectors'"),
        (json.dumps(_record(defectors=[{"name": 3}])), "'name'"),
        (json.dumps(_record(defectors=[{"evidence": [{"code": "x"}]}])), "quote"),
    ],
)
def test_load_gold_errors_name_the_line(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path, [json.dumps(_record()), line])
    with pytest.raises(GoldError) as err:
        load_gold(path)
    assert f"{path}:2" in str(err.value)
    assert message in str(err.value)
    assert err.value.code == "bad_gold"


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(_record()), json.dumps(_record())])
    with pytest.raises(GoldError, match="duplicate"):
        load_gold(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoldError):
        load_gold(tmp_path / "absent.jsonl")


def _person(text: str, phrase: str, role: str = "defector", **fields: object) -> Person:
    start = text.index(phrase)
    p = Person(name=phrase, mentions=[Mention(Span(start, start + len(phrase)))], role=role)
    for key, value in fields.items():
        setattr(p.profile, key, FieldValue(value))
    return p


def test_matching_is_one_to_one_and_scores_fields(tmp_path: Path) -> None:
    path = _write(tmp_path, [json.dumps(_record())])
    records = load_gold(path)
    right = _person(TEXT, "Selim Arslan", gender="m", nationality="SY")
    right.source_voice = "self"
    also = _person(TEXT, "Arslan said")  # overlaps the same gold person: a false positive
    reading = DocumentReading(document=Document(text=TEXT), persons=[right, also])
    assert match_defectors(records[0].defectors, [right, also], TEXT) == [(0, 0)]
    ev = score_reading(records, [reading])
    assert (ev.tp, ev.fp, ev.fn) == (1, 1, 0)
    assert ev.precision == 0.5 and ev.recall == 1.0
    assert ev.field_scores["gender"] == (1, 1)
    assert ev.nationality_accuracy == 0.0  # TR labelled, SY predicted
    assert ev.field_scores["left_year"] == (0, 1)  # labelled but not predicted
    assert ev.field_scores["age"] == (0, 0)  # null on both sides is not counted
    assert ev.field_accuracy("age") is None


def test_nationality_is_also_scored_by_its_basis(tmp_path: Path) -> None:
    records = load_gold(_write(tmp_path, [json.dumps(_record())]))
    stated = _person(TEXT, "Selim Arslan", nationality="SY")
    ev = score_reading(records, [DocumentReading(document=Document(text=TEXT),
                                                 persons=[stated])])
    assert ev.field_scores["nationality_stated"] == (0, 1)
    assert ev.field_scores["nationality_inferred"] == (0, 0)
    inferred = _person(TEXT, "Selim Arslan")
    inferred.profile.nationality = FieldValue("TR", Span(0, 5), PAGE_BASIS)
    ev = score_reading(records, [DocumentReading(document=Document(text=TEXT),
                                                 persons=[inferred])])
    assert ev.field_scores["nationality_inferred"] == (1, 1)
    assert ev.field_scores["nationality_stated"] == (0, 0)
    assert ev.field_scores["nationality"] == (1, 1)  # the headline figure counts both


def test_report_formats_and_extra_rows(tmp_path: Path) -> None:
    records = load_gold(_write(tmp_path, [json.dumps(_record(defectors=[]))]))
    reading = DocumentReading(document=Document(text=TEXT))
    ev = score_reading(records, [reading])
    assert (ev.tp, ev.fp, ev.fn) == (0, 0, 0) and ev.f1 == 0.0
    ev.add_rows([MetricRow("codes", "corruption f1", 0.5, 1, 2)])
    table = ev.format_table()
    assert "precision" in table and "corruption f1" in table
    data = ev.to_json()
    assert data["defectors"]["tp"] == 0
    assert any(r["section"] == "codes" for r in data["rows"])
    json.dumps(data)


def test_promise_reality_pairs_are_scored_like_codes(tmp_path: Path) -> None:
    from exitlens.coding.codebook import load_codebook
    from exitlens.evaluation import pair_counts
    from exitlens.model import Coding

    labelled = _record(defectors=[{
        "ref": "d1", "name": "Selim Arslan", "descriptor": "a former fighter from Konya",
        "exit_reasons": ["corruption", "hypocrisy"], "join_motives": ["join_religion"],
        "evidence": [{"code": "corruption", "quote": "The emirs lived well while we starved"}],
    }])
    records = load_gold(_write(tmp_path, [json.dumps(labelled)]))
    selim, other = _person(TEXT, "Selim Arslan"), _person(TEXT, "Konya")
    span = Span(0, 5)
    reading = DocumentReading(document=Document(text=TEXT), persons=[selim, other], codings=[
        Coding("join_religion", span, "rules", 0.8, person=0),
        Coding("corruption", span, "rules", 0.8, person=0),
        Coding("brutality", span, "rules", 0.8, person=0),
        Coding("boredom", span, "rules", 0.8, person=0, status="rejected"),
        # a false defector's pair is wrong however right its codes would be
        Coding("join_religion", span, "rules", 0.8, person=1),
        Coding("hypocrisy", span, "rules", 0.8, person=1),
    ])
    counts = pair_counts(records, [reading], load_codebook())
    # labelled (religion, corruption) and (religion, hypocrisy); machine (religion,
    # corruption) right, (religion, brutality) wrong, the rejected boredom not counted,
    # and the false defector's (religion, hypocrisy) wrong
    assert (counts.tp, counts.fp, counts.fn) == (1, 2, 1)


def test_evaluate_reading_runs_the_pipeline(tmp_path: Path) -> None:
    negative = _record(
        "doc-2",
        text="Analysts say many fighters are tired of the war. Nobody is quoted here.",
        defectors=[],
    )
    records = load_gold(_write(tmp_path, [json.dumps(_record()), json.dumps(negative)]))
    stages = ["segment", "nlp", "quotes", "people", "roles", "evidence"]
    ev = evaluate_reading(records, Settings(), stages)
    assert ev.documents == 2
    assert (ev.tp, ev.fp, ev.fn) == (1, 0, 0)
    assert ev.per_document[0].matched == [("d1", "Selim Arslan")]


def test_codes_and_barriers_and_validation(tmp_path: Path) -> None:
    rec = _record()
    rec["defectors"][0]["barriers"] = ["fear_of_reprisal"]
    rec["defectors"][0]["join_motives"] = ["join_religion"]
    [record] = load_gold(_write(tmp_path, [json.dumps(rec)]))
    assert record.defectors[0].codes() == {"corruption", "join_religion", "fear_of_reprisal"}
    rec["defectors"][0]["exit_reasons"] = "corruption"
    with pytest.raises(GoldError, match="exit_reasons"):
        load_gold(_write(tmp_path, [json.dumps(rec)]))


def test_evaluate_one_run_reading_and_codes(tmp_path: Path) -> None:
    """`evaluate` scores reading and codes on one matching; with no `code` stage it says so."""
    from exitlens.evaluation import evaluate

    records = load_gold(_write(tmp_path, [json.dumps(_record())]))
    settings = Settings()
    settings.reading.stages = ["segment", "nlp", "quotes", "people", "roles", "evidence"]
    report = evaluate(records, settings)
    assert (report.reading.tp, report.reading.fn) == (1, 0)
    assert report.codes.per_code["corruption"].fn == 1  # matched, but nothing coded
    assert report.baseline.per_code["corruption"].fn == 1  # no baseline keyword in the text
    assert "not configured" in report.models["coders"]
    data = report.to_json()
    assert data["codes"]["micro"]["exit"]["fn"] == 1 and data["labels"] == "dev"
    json.dumps(data)
    assert "codes per defector" in report.format_table()
    # the labelled defector has an exit reason but no join motive: no pair to find or miss
    pairs = next(r for r in report.reading.to_rows()
                 if r.name == "promise-reality pairs micro-F1")
    assert (pairs.value, pairs.k, pairs.n) == (0.0, 0, 0)
