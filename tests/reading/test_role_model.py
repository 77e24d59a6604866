"""The learned role model: file format, errors, promotion rules and training."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exitlens.cli import app
from exitlens.config import Settings
from exitlens.errors import ExitlensError
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline
from exitlens.reading.role_model import (
    FEATURES,
    ROLE_MODEL_KIND,
    RoleModel,
    builtin_role_model_path,
    load_role_model,
)
from exitlens.reading.role_training import (
    RoleExample,
    builtin_trained_on,
    combined_f1,
    fit,
    load_role_examples,
    save_role_examples,
    save_role_model,
    train_role_model,
)

from .conftest import STAGES, person_named

# Quoted, with a story in the group's territory, but no leaving word the rules know:
# the rules leave her undecided ("other" or "current member").
UNDECIDED = (
    "Samira Aziz spent two winters in Raqqa with the organisation. Her days were long. "
    '"By the end I only wanted my mother," Samira Aziz said. The reporter who met her, '
    "Tom Evans, said little."
)


def model_with(weights: dict[str, float], threshold: float = 0.5, bias: float = -2.0
               ) -> RoleModel:
    n = len(FEATURES)
    return RoleModel(kind=ROLE_MODEL_KIND, features=FEATURES, mean=(0.0,) * n, scale=(1.0,) * n,
                     weights=tuple(weights.get(f, 0.0) for f in FEATURES), bias=bias,
                     threshold=threshold)


def read_with(model_path: str, text: str) -> DocumentReading:
    settings = Settings.model_validate({"reading": {"role_model": model_path}})
    return Pipeline(STAGES, settings).run_batch([Document(text=text)],
                                                keep=("role_scores", "role_features"))[0]


def test_json_round_trip_keeps_probabilities() -> None:
    model = model_with({"own_voice": 3.0, "leave_max": 2.0}, threshold=0.7)
    again = RoleModel.from_json(json.loads(json.dumps(model.to_json())), "memory",
                                ROLE_MODEL_KIND)
    values = {"own_voice": 1.0, "leave_max": 0.6}
    assert again.probability(values) == pytest.approx(model.probability(values))
    assert again.threshold == 0.7


def test_probability_rises_with_a_positive_weight() -> None:
    model = model_with({"own_voice": 3.0})
    assert model.probability({"own_voice": 1.0}) > model.probability({"own_voice": 0.0})
    assert 0.0 < model.probability({}) < 0.5  # negative bias, no evidence


def test_invalid_model_file_gets_a_stable_error(tmp_path: Path) -> None:
    bad = tmp_path / "roles.json"
    bad.write_text('{"kind": "exitlens-role-model", "features": ["a"], "mean": [0, 1]}')
    with pytest.raises(ExitlensError) as info:
        load_role_model(str(bad))
    assert info.value.code == "role_model_invalid"
    bad.write_text("{not json")  # rewritten in place: read afresh, not from the cache
    with pytest.raises(ExitlensError) as info:
        load_role_model(str(bad))
    assert info.value.code == "role_model_invalid"
    with pytest.raises(ExitlensError) as info:
        load_role_model(str(tmp_path / "absent.json"))
    assert info.value.code == "role_model_missing"


def test_builtin_model_ships_with_the_package() -> None:
    path = builtin_role_model_path()
    assert path.is_file()
    model = load_role_model(None)
    assert model is not None
    assert model.features == FEATURES
    assert 0.2 <= model.threshold < 1.0
    assert model.trained_on  # names the labelled sets it learned from
    assert not any("lockbox" in name for name in model.trained_on)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(data) == {"kind", "version", "features", "mean", "scale", "weights", "bias",
                         "threshold", "trained_on"}  # numbers and names only: no text


def test_confident_model_promotes_an_undecided_speaker(tmp_path: Path) -> None:
    off = read_with("none", UNDECIDED)
    samira = person_named(off, "Samira")
    assert off.persons[samira].role in ("other", "current_member")

    path = save_role_model(model_with({"own_voice": 6.0, "ctx_group": 2.0}),
                           tmp_path / "roles.json")
    on = read_with(str(path), UNDECIDED)
    person = on.persons[person_named(on, "Samira")]
    assert person.role == "defector"
    assert person.source_voice == "self"
    assert 0.45 < person.role_confidence <= 0.9
    assert person.evidence, "a promoted defector gets evidence for the coders"


def test_model_never_promotes_the_writer_a_journalist_or_below_threshold(
        tmp_path: Path) -> None:
    text = ("I spent two weeks in Raqqa in 2016. " + UNDECIDED)
    always = save_role_model(model_with({}, bias=10.0), tmp_path / "always.json")
    reading = read_with(str(always), text)
    for person in reading.persons:
        if person.descriptor == "the writer":
            assert person.role == "journalist"
    evans = person_named(reading, "Tom Evans")
    assert reading.persons[evans].role != "defector"  # no account of his own is reported

    never = save_role_model(model_with({}, bias=-10.0), tmp_path / "never.json")
    assert read_with(str(never), UNDECIDED).persons[
        person_named(read_with(str(never), UNDECIDED), "Samira")].role != "defector"


def test_document_features_see_the_other_people() -> None:
    from exitlens.reading.role_model import add_document_features

    leaving = {"own_voice": 1.0, "account": 1.0, "conflict_context": 1.0, "leave_max": 0.6}
    features = {0: {**leaving, "quote_share": 0.7}, 1: {**leaving, "quote_share": 0.2},
                2: {"official_cue": 1.0}}
    add_document_features(features, ["other", "other", "defector"], writer=None)
    assert features[0]["top_quoted_candidate"] == 1.0
    assert features[1]["top_quoted_candidate"] == 0.0
    assert features[0]["other_rule_defector"] == 1.0
    assert features[2]["other_rule_defector"] == 0.0  # the only rule defector is itself
    assert features[0]["doc_rule_defectors"] == pytest.approx(1 / 3)
    assert features[0]["doc_candidates_log"] > 0


def test_combined_f1_counts_rules_and_promotions() -> None:
    def ex(rule: bool, eligible: bool, label: bool) -> RoleExample:
        return RoleExample("g", "d", {}, rule, eligible, label)

    examples = [ex(True, False, True), ex(False, True, True), ex(False, True, False)]
    # rules alone: 1 of 3 gold found, no false positive
    assert combined_f1(examples, [0.0, 0.9, 0.2], 2.0, 3) == pytest.approx((1.0, 1 / 3, 0.5))
    # promotions at 0.5 add the true one only
    p, r, _ = combined_f1(examples, [0.0, 0.9, 0.2], 0.5, 3)
    assert (p, r) == pytest.approx((1.0, 2 / 3))
    # at 0.1 the false one too
    p, r, _ = combined_f1(examples, [0.0, 0.9, 0.2], 0.1, 3)
    assert (p, r) == pytest.approx((2 / 3, 2 / 3))


GOLD_A = {
    "id": "t-a", "url": None, "title": "t", "outlet": "o", "published": None, "kind": "news",
    "text": ("Rashid Amari joined the Islamic State in 2014 and deserted the group a year "
             'later. "I could not watch another execution," Amari said. "He is lucky," said '
             "Greta Holm, an analyst at an institute in London."),
    "defectors": [{"ref": "d1", "name": "Rashid Amari", "descriptor": "Rashid Amari",
                   "source_voice": "self", "exit_reasons": [], "join_motives": [],
                   "evidence": []}],
}
GOLD_B = {
    **GOLD_A, "id": "t-b",
    "text": ("Malik Jaber, a former ISIS fighter, fled to Turkey in 2016. "
             '"I was a fool to believe them," he said. "Many return," said Peter Lang, a '
             "police spokesman."),
    "defectors": [{"ref": "d1", "name": "Malik Jaber", "descriptor": "Malik Jaber",
                   "source_voice": "self", "exit_reasons": [], "join_motives": [],
                   "evidence": []}],
}


def _write(path: Path, *records: dict[str, object]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_train_role_model_reports_held_out_figures_per_file(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", GOLD_A)
    b = _write(tmp_path / "b.jsonl", GOLD_B)
    report = train_role_model([str(a), str(b)], builtin=False)
    assert report.positives == 2
    assert report.examples > report.positives
    assert [Path(str(r["file"])).name for r in report.per_file] == ["a.jsonl", "b.jsonl"]
    assert all(r["rules_f1"] == pytest.approx(1.0) for r in report.per_file)
    assert all("builtin_f1" not in r for r in report.per_file)
    assert report.model.trained_on == ("a.jsonl", "b.jsonl")


def test_your_labelled_people_are_added_to_the_builtin_ones(tmp_path: Path) -> None:
    builtin = load_role_examples()
    both = _write(tmp_path / "mine.jsonl", GOLD_A, GOLD_B)
    report = train_role_model([str(both)])
    own = train_role_model([str(both)], builtin=False)
    assert report.examples == len(builtin) + own.examples
    assert report.positives == sum(e.label for e in builtin) + own.positives
    assert report.model.trained_on == (*builtin_trained_on(), "mine.jsonl")
    # one file of two documents: each is held out in turn, beside every built-in person
    (row,) = report.per_file
    assert row["rules_f1"] == pytest.approx(1.0)
    assert 0.0 <= float(row["builtin_f1"]) <= 1.0
    assert 0.0 <= float(row["with_model_f1"]) <= 1.0
    assert report.model.weights != own.model.weights


def test_the_builtin_people_reproduce_the_builtin_model() -> None:
    """role_examples.json and role_model.json come from one run of
    scripts/train_role_model.py: fitting the shipped people gives the shipped model."""
    shipped = load_role_model(None)
    assert shipped is not None
    examples = load_role_examples()
    refit = fit(examples, threshold=shipped.threshold)
    assert refit.features == shipped.features == FEATURES
    assert refit.weights == pytest.approx(shipped.weights, abs=1e-4)
    assert refit.bias == pytest.approx(shipped.bias, abs=1e-4)
    assert tuple(builtin_trained_on()) == shipped.trained_on
    assert {e.group for e in examples} == {"built-in"}
    assert any(e.label for e in examples) and not all(e.label for e in examples)


def test_role_examples_round_trip_as_numbers_only(tmp_path: Path) -> None:
    examples = [RoleExample("g", "doc-about-someone", {"own_voice": 1.0, "leave_max": 0.25},
                            True, False, True),
                RoleExample("g", "doc-about-someone", {"official_cue": 1.0}, False, True,
                            False)]
    path = save_role_examples(examples, tmp_path / "people.json", ["mine.jsonl"])
    raw = path.read_text(encoding="utf-8")
    assert "doc-about-someone" not in raw  # document ids are hashed
    again = load_role_examples(path)
    assert [(e.rule_defector, e.eligible, e.label) for e in again] == [
        (True, False, True), (False, True, False)]
    assert again[0].features["own_voice"] == 1.0
    assert again[0].features["leave_max"] == 0.25
    assert again[1].features["own_voice"] == 0.0  # every feature is stored
    assert again[0].document == again[1].document  # one document stays one group


@pytest.mark.parametrize("damage", ["features", "values", "kind", "json"])
def test_a_damaged_role_examples_file_is_named(tmp_path: Path, damage: str) -> None:
    path = save_role_examples([RoleExample("g", "d", {"own_voice": 1.0}, False, True, True)],
                              tmp_path / "people.json", ["mine.jsonl"])
    data = json.loads(path.read_text(encoding="utf-8"))
    if damage == "features":
        data["features"] = data["features"][:-1]
    elif damage == "values":
        data["examples"][0]["values"] = [1.0]
    elif damage == "kind":
        data["kind"] = "exitlens-role-model"
    text = "{not json" if damage == "json" else json.dumps(data)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExitlensError) as info:
        load_role_examples(path)
    assert info.value.code == "role_examples_invalid"
    assert str(path) in str(info.value)


def test_train_role_model_needs_both_kinds_of_people(tmp_path: Path) -> None:
    only = {**GOLD_A, "text": "Nobody is named here. The town is quiet.", "defectors": []}
    path = _write(tmp_path / "none.jsonl", only)
    with pytest.raises(ExitlensError) as info:
        train_role_model([str(path)])
    assert info.value.code == "no_training_data"


def test_cli_train_roles_writes_a_loadable_model(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", GOLD_A)
    b = _write(tmp_path / "b.jsonl", GOLD_B)
    target = tmp_path / "models" / "roles.json"
    result = CliRunner().invoke(app, ["train-roles", str(a), str(b), "--out", str(target),
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["positives"] == 2 + sum(e.label for e in load_role_examples())
    assert payload["trained_on"] == [*builtin_trained_on(), "a.jsonl", "b.jsonl"]
    model = load_role_model(str(target))
    assert model is not None and model.features == FEATURES
    assert not list(target.parent.glob(".role-model-*"))  # no temporary file left behind


def test_cli_train_roles_own_only_leaves_the_builtin_people_out(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.jsonl", GOLD_A)
    b = _write(tmp_path / "b.jsonl", GOLD_B)
    target = tmp_path / "roles.json"
    result = CliRunner().invoke(app, ["train-roles", str(a), str(b), "--out", str(target),
                                      "--own-only"])
    assert result.exit_code == 0, result.output
    assert "2 defectors" in result.output
    assert "built-in model" not in result.output
    model = load_role_model(str(target))
    assert model is not None and model.trained_on == ("a.jsonl", "b.jsonl")


def test_cli_names_a_missing_role_model(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(f"reading:\n  role_model: {tmp_path / 'absent.json'}\n", encoding="utf-8")
    doc = tmp_path / "a.txt"
    doc.write_text('Karim Saleh deserted the Islamic State in 2016. "They lied," he said.\n',
                   encoding="utf-8")
    result = CliRunner().invoke(app, ["extract", str(doc), "--config", str(config)])
    assert result.exit_code == 2
    assert "error[role_model_missing]" in result.output
    assert "absent.json" in result.output


@pytest.mark.slow
def test_trained_model_round_trips_and_promotes(tmp_path: Path) -> None:
    """fit → save → load → the pipeline promotes the quoted person it should."""
    from exitlens.gold import GoldRecord
    from exitlens.reading.role_training import grouped_training

    records = [GoldRecord(id=f"r{i}", text=f"Text number {i}.", kind="news", title=None,
                          defectors=[]) for i in range(6)]
    examples = []
    for r in records:
        # quoted people are defectors; Samira below is quoted more than any of them
        examples.append(RoleExample("x", r.id, {"own_voice": 1.0, "quotes_log": 0.4},
                                    False, True, True))
        examples.append(RoleExample("x", r.id, {"own_voice": 0.0}, False, True, False))
        examples.append(RoleExample("x", r.id, {"official_cue": 1.0}, False, True, False))
    model = grouped_training(records, examples, k=3, trained_on=["mine.jsonl"])
    path = save_role_model(model, tmp_path / "trained.json")
    loaded = load_role_model(str(path))
    assert loaded is not None and loaded.trained_on == ("mine.jsonl",)
    assert loaded.probability({"own_voice": 1.0, "quotes_log": 0.7}) == pytest.approx(
        model.probability({"own_voice": 1.0, "quotes_log": 0.7}))
    reading = read_with(str(path), UNDECIDED)
    samira = person_named(reading, "Samira")
    score = reading.scratch["role_scores"][samira]
    assert score > 0.5  # quoted like the training defectors
    # every person keeps the model's score, defector or not (the "possible defectors" list)
    assert [p.defector_score for p in reading.persons] == [
        round(reading.scratch["role_scores"][i], 4) for i in range(len(reading.persons))]
    assert (reading.persons[samira].role == "defector") == (score >= loaded.threshold)
    # the same weights at a lower threshold promote her; the silent reporter never
    lower = save_role_model(replace(model, threshold=0.5), tmp_path / "lower.json")
    reading = read_with(str(lower), UNDECIDED)
    assert reading.persons[person_named(reading, "Samira")].role == "defector"
    assert reading.persons[person_named(reading, "Tom Evans")].role != "defector"


def test_a_model_file_replaced_in_place_is_read_afresh(tmp_path: Path) -> None:
    """Cross-validation folds and retrains write the same file name again: the cached
    model must not outlive the file it was read from."""
    from exitlens.reading.role_training import RoleExample, fit, save_role_model

    def model(threshold: float) -> Path:
        ex = [RoleExample("g", "d", {"own_voice": 1.0}, False, True, True),
              RoleExample("g", "d", {"own_voice": 0.0}, False, True, False)]
        return save_role_model(fit(ex, threshold=threshold), tmp_path / "fold0.json")

    path = model(0.35)
    first = load_role_model(str(path))
    assert first is not None and first.threshold == pytest.approx(0.35)
    assert load_role_model(str(path)) is first  # unchanged file: cached
    model(0.85)
    again = load_role_model(str(path))
    assert again is not None and again.threshold == pytest.approx(0.85)


def test_the_promotion_threshold_is_fixed_unless_asked_to_choose() -> None:
    from exitlens.gold import GoldRecord
    from exitlens.reading.role_training import ROLE_THRESHOLD, grouped_training

    records = [GoldRecord(id=f"r{i}", text=f"Text number {i}.", kind="news", title=None,
                          defectors=[]) for i in range(6)]
    examples = []
    for r in records:
        examples.append(RoleExample("x", r.id, {"own_voice": 1.0}, False, True, True))
        examples.append(RoleExample("x", r.id, {"own_voice": 0.0}, False, True, False))
    fixed = grouped_training(records, examples, k=3)
    assert fixed.threshold == ROLE_THRESHOLD == 0.5
    chosen = grouped_training(records, examples, k=3, threshold=None)
    # a perfectly separable toy: every grid threshold ties, and ties go to the highest
    assert chosen.threshold == pytest.approx(0.95)
    assert chosen.weights == fixed.weights  # the threshold is all that differs


def test_no_promotion_on_a_page_whose_defector_the_rules_found(tmp_path: Path) -> None:
    # The same undecided speaker, on a page where the rules find a defector of their own:
    # the model, however confident, promotes nobody there (role_model.may_promote).
    rule_defector = ("\n\nKarim Haddad deserted from the Islamic State in 2016 and fled to "
                     'Turkey. "I left because they lied to us," he said.')
    always = save_role_model(model_with({}, bias=10.0), tmp_path / "always.json")
    alone = read_with(str(always), UNDECIDED)
    assert alone.persons[person_named(alone, "Samira")].role == "defector"

    beside = read_with(str(always), UNDECIDED + rule_defector)
    assert beside.persons[person_named(beside, "Haddad")].role == "defector"
    samira = beside.persons[person_named(beside, "Samira")]
    assert samira.role in ("other", "current_member")
    assert beside.scratch["role_scores"][person_named(beside, "Samira")] > 0.99


def test_may_promote_reads_the_document_feature() -> None:
    from exitlens.reading.role_model import may_promote, promotable

    values = {"own_voice": 1.0, "conflict_context": 1.0, "leave_max": 0.6}
    assert promotable(values, "other", False) and may_promote(values, "other", False)
    beside = {**values, "other_rule_defector": 1.0}
    assert promotable(beside, "other", False) and not may_promote(beside, "other", False)


def test_a_projects_people_count_as_much_as_the_builtin_ones() -> None:
    from exitlens.reading.role_training import fit_with_builtin, own_weight

    assert own_weight(400, 100) == pytest.approx(4.0)
    assert own_weight(50, 100) == 1.0  # never below one each
    assert own_weight(400, 0) == 1.0
    # the built-in people say a quoted person is a defector; the project's few say not
    builtin = [RoleExample("built-in", f"b{i}", {"own_voice": float(i % 2)}, False, True,
                           bool(i % 2)) for i in range(40)]
    own = [RoleExample("mine", f"m{i}", {"own_voice": float(i % 2)}, False, True,
                       not bool(i % 2)) for i in range(4)]
    weighted = fit_with_builtin(builtin, own)
    equal = fit([*builtin, *own])
    quoted = {"own_voice": 1.0}
    assert weighted.probability(quoted) < equal.probability(quoted)
    assert fit_with_builtin([], own).weights == fit(own).weights  # alone: plain fit
