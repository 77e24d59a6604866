"""The shipped measurement of what unreviewed suggestions are worth, per code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exitlens.coding.codebook import load_codebook
from exitlens.coding.measured import (
    FORMAT,
    MIN_SUPPORT,
    UNLABELLED,
    CodeAccuracy,
    FieldAccuracy,
    MeasuredAccuracy,
    builtin_path,
    load_measured,
    not_applicable,
    reading,
)
from exitlens.coding.versions import default_model_path, read_meta
from exitlens.config import Settings
from exitlens.errors import ConfigError


def sample() -> MeasuredAccuracy:
    return MeasuredAccuracy(
        setting="a test", measured="2026-01-01", documents=10, assignments=2,
        classifier_created=None, defectors={"precision": 0.5, "recall": 1.0, "f1": 0.667},
        codes={"brutality": CodeAccuracy("brutality", 6, tp=10, fp=2, fn=2),
               "hypocrisy": CodeAccuracy("hypocrisy", 8, tp=3, fp=9, fn=13),
               "boredom": CodeAccuracy("boredom", 2, tp=1, fp=0, fn=3)},
        unseen={"brutality": CodeAccuracy("brutality", 5, tp=4, fp=4, fn=6)},
        profile={"nationality": FieldAccuracy("nationality", 14, 20, 10)},
        profile_unseen={"nationality": FieldAccuracy("nationality", 5, 10, 5)},
        pairs={"all": CodeAccuracy("all", 20, tp=30, fp=60, fn=50),
               "unseen": CodeAccuracy("unseen", 8, tp=6, fp=40, fn=26)})


def test_round_trip_through_json(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps(sample().as_json()), encoding="utf-8")
    back = load_measured(path)
    assert back == sample()
    assert back.codes["brutality"].precision == pytest.approx(10 / 12)
    assert back.codes["hypocrisy"].recall == pytest.approx(3 / 16)


@pytest.mark.parametrize("content, says", [
    ("not json", "not valid JSON"),
    (json.dumps({"format": "something else"}), f"not an {FORMAT} file"),
    (json.dumps({"format": FORMAT, "codes": {}}), "missing or malformed"),
    (json.dumps({**sample().as_json(),
                 "codes": {"x": {"support": 1, "tp": -1, "fp": 0, "fn": 0}}}), "negative"),
    (json.dumps({**sample().as_json(), "profile": {
        "gender": {"right": 5, "counted": 4, "per_assignment": 2}}}), "inconsistent"),
])
def test_a_bad_file_is_a_named_error(tmp_path: Path, content: str, says: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_measured(path)
    assert info.value.code == "measured_invalid"
    assert str(path) in str(info.value) and says in str(info.value)


def test_a_missing_file_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_measured(tmp_path / "nowhere.json")


def test_readings_name_low_recall_low_precision_and_thin_codes() -> None:
    codes = sample().codes
    assert "usable as a first pass" in reading(codes["brutality"])
    hyp = reading(codes["hypocrisy"])
    assert "low recall (0.19)" in hyp and "undercounts" in hyp and "low precision (0.25)" in hyp
    assert codes["boredom"].support < MIN_SUPPORT
    assert "not measurable" in reading(codes["boredom"])
    # The lower of the two measurable figures is named; a thin unseen figure is ignored.
    worse = CodeAccuracy("brutality", 5, tp=1, fp=1, fn=4)
    assert "low recall (0.20)" in reading(codes["brutality"], worse)
    thin = CodeAccuracy("brutality", 2, tp=0, fp=3, fn=2)
    assert "usable as a first pass" in reading(codes["brutality"], thin)


def test_frame_follows_the_codebook_and_hides_thin_figures() -> None:
    codebook = load_codebook()
    frame = sample().frame(codebook)
    order = codebook.codes_in(top_level=True)
    measured = [c for c in frame["code"] if c in sample().codes]
    assert measured == sorted(sample().codes, key=order.index)
    row = frame.set_index("code").loc["boredom"]
    assert row["precision"] is None and row["recall"] is None
    brutality = frame.set_index("code").loc["brutality"]
    assert brutality["recall"] == pytest.approx(10 / 12)
    assert brutality["unseen_recall"] == pytest.approx(0.4)
    assert brutality["unseen_support"] == 5
    assert frame.set_index("code").loc["hypocrisy", "unseen_support"] == 0
    assert set(frame["dimension"]) == set(codebook.dimensions)


def test_the_shipped_measurement_covers_the_codebook_and_the_shipped_classifier() -> None:
    measured = load_measured(builtin_path())
    codebook = load_codebook()
    scored = {c for d in ("exit", "join") for c in codebook.codes_in(d, top_level=True)}
    assert {"brutality", "killing_muslims", "join_religion"} <= set(measured.codes) <= scored
    assert set(measured.unseen) <= set(measured.codes)
    frame = measured.frame(codebook).set_index("code")
    assert set(frame.index) == set(codebook.codes_in(top_level=True))
    unused = next(c for c in scored if c not in measured.codes)
    assert frame.loc[unused, "reading"] == UNLABELLED
    # Regenerate it (bench_real.py --repeats 4 --accuracy-out) whenever the built-in
    # classifier is rebuilt, so the figures describe the models that ship.
    assert measured.classifier_created == read_meta(default_model_path())["created"]
    assert measured.assignments >= 1 and measured.documents > 0
    assert 0 < measured.defectors["f1"] <= 1
    assert f"recall {measured.defectors['recall']:.2f}" in measured.defectors_text()


def test_it_applies_only_to_the_built_in_setup(tmp_path: Path) -> None:
    assert not_applicable(Settings()) is None
    coders = Settings.model_validate({"coding": {"coders": ["rules"]}})
    assert "rules" in (not_applicable(coders) or "")
    gate = Settings.model_validate({"coding": {"reason_gate": False}})
    assert "reason gate" in (not_applicable(gate) or "")
    stages = Settings.model_validate({"reading": {"stages": ["segment"]}})
    assert "other stages" in (not_applicable(stages) or "")
    role = Settings.model_validate({"reading": {"role_model": "none"}})
    assert "role model" in (not_applicable(role) or "")


def test_profile_fields_are_told_in_a_sentence() -> None:
    text = sample().field_text("nationality")
    assert text.startswith("Machine-read nationality, of the defectors found, was right for "
                           "0.50 on the unseen pages (5 counted) and 0.70 on every English "
                           "page (10 counted)")
    assert sample().field_text("left_year") == ""
    assert "stated in the text" not in text  # no split measured: none told


def test_nationality_by_basis_is_told_when_measured() -> None:
    measured = sample()
    measured.profile_unseen.update(
        nationality_stated=FieldAccuracy("nationality_stated", 9, 10, 5),
        nationality_inferred=FieldAccuracy("nationality_inferred", 3, 6, 3))
    text = measured.field_text("nationality")
    assert ("; stated in the text for the person it was right 0.90 on the unseen pages "
            "(5 given), only inferred from the page's country 0.50 (3 given; unknown in this "
            "breakdown); review profiles before citing this breakdown") in text


def test_promise_reality_pairs_are_told_in_a_sentence() -> None:
    text = sample().pairs_text()
    assert text.startswith("The machine's (join motive, exit reason) pairs, which this table "
                           "counts, need both codes right: precision 0.13 and recall 0.19 on "
                           "the unseen pages (8 labelled pairs a run); precision 0.33 and "
                           "recall 0.38 on every English page (20 labelled pairs a run)")
    bare = sample()
    bare.pairs.clear()
    assert bare.pairs_text() == ""

