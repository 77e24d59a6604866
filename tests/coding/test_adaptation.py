"""Adapting the built-in classifier to a project's labels: the prior-centred fit, which
codes move, what the new version says about itself, and `train_from_gold`'s default.

Every sentence here is written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from exitlens.coding.adaptation import adapt_classifier, fit_near
from exitlens.coding.classifier import (
    LabelledSentence,
    backed_off_codes,
    load_model,
    predict_units,
    train_classifier,
)
from exitlens.coding.codebook import load_codebook
from exitlens.coding.embedding import default_thresholds_path, get_embedder, get_prototypes
from exitlens.coding.training import TooFewLabels, train_from_gold
from exitlens.coding.versions import default_model_path
from exitlens.config import Settings
from exitlens.pipeline import PipelineContext


def _data(n: int = 200, d: int = 5, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = (x @ np.array([1.5, -2.0, 0.5, 0.0, 1.0]) + rng.normal(size=n) > 0).astype(float)
    return x, y


def test_fit_near_a_zero_prior_is_the_ordinary_penalised_fit() -> None:
    """With the prior at zero the objective is scikit-learn's with the bias penalised too
    (a constant column and no separate intercept)."""
    x, y = _data()
    coef, bias = fit_near(x, y, np.ones(len(y)), np.zeros(5), 0.0, 0.3)
    ref = LogisticRegression(C=0.3, fit_intercept=False, tol=1e-10, max_iter=5000)
    ref.fit(np.hstack([x, np.ones((len(y), 1))]), y)
    assert np.allclose(coef, ref.coef_[0][:5], atol=1e-4)
    assert abs(bias - ref.coef_[0][5]) < 1e-4


def test_fit_near_stays_near_the_prior_in_proportion_to_the_data() -> None:
    x, y = _data()
    prior = np.array([-1.0, 1.0, 0.0, 2.0, 0.0])
    distances = []
    for c in (1e-6, 0.01, 1.0, 100.0):
        coef, bias = fit_near(x, y, np.ones(len(y)), prior, 0.5, c)
        distances.append(float(np.linalg.norm(np.append(coef, bias) - np.append(prior, 0.5))))
    assert distances[0] < 1e-3  # almost no weight on the data: the prior itself
    assert distances == sorted(distances)  # more weight on the data, further from it
    # with much weight on the data, the weights point where the data do
    coef, _ = fit_near(x, y, np.ones(len(y)), prior, 0.5, 100.0)
    assert coef[0] > 0 > coef[1]


CORRUPT = ["The emir kept the donations and bought himself a new car.",
           "Commanders sold the seized flour and pocketed the money.",
           "Officials took bribes at every checkpoint on the road."]
BRUTAL = ["They whipped a boy in the square for smoking.",
          "Prisoners were beheaded in front of the crowd.",
          "The guards beat the men until they fainted."]
PLAIN = ["The town lies on the bank of a wide river.",
         "He studied engineering before the war.",
         "The interview took place in a café in the afternoon.",
         "His brother drives a taxi in the capital.",
         "The market opens early on Fridays.",
         "She speaks three languages."]


@pytest.fixture(scope="module")
def context() -> PipelineContext:
    return PipelineContext(Settings())


@pytest.fixture(scope="module")
def base_model(context: PipelineContext):  # type: ignore[no-untyped-def]
    codebook = load_codebook()
    examples = ([LabelledSentence(t, {"corruption"}, "a") for t in CORRUPT]
                + [LabelledSentence(t, {"brutality"}, "b") for t in BRUTAL]
                + [LabelledSentence(t, set(), "c") for t in PLAIN])
    model = train_classifier(examples, codebook, get_embedder(context))
    model.meta["positive_defectors"] = {"corruption": 12, "brutality": 4}
    model.meta["grouped_cv"] = {"ensemble": "figures of this model"}
    model.meta["trained_on"] = ["tests"]
    return model


def test_adapting_moves_only_the_codes_the_project_labelled(
        context: PipelineContext, base_model) -> None:  # type: ignore[no-untyped-def]
    codebook = load_codebook()
    embedder = get_embedder(context)
    wording = "The militia's treasurer skimmed the salaries of the guards."
    own = [LabelledSentence(wording, {"corruption"}, "p1"),
           LabelledSentence("The treasurer skimmed part of every payment.", {"corruption"},
                            "p1"),
           LabelledSentence("He was born in a village near the coast.", set(), "p1"),
           LabelledSentence("The road was closed for a week.", set(), "p2"),
           # a reviewer's rejection of brutality here: scoped, teaches brutality only
           LabelledSentence("They argued about the schedule.", set(), "p2",
                            scope={"brutality"})]
    adapted = adapt_classifier(base_model, own, codebook, embedder,
                               defectors={"corruption": 1, "brutality": 3}, c=5.0)
    assert adapted.meta["codes_adapted"] == ["corruption"]  # brutality: no positive here
    assert adapted.estimators["brutality"] is base_model.estimators["brutality"]
    assert not np.allclose(adapted.estimators["corruption"].coef_,
                           base_model.estimators["corruption"].coef_)
    assert adapted.meta["adaptation"]["positive_units"] == {"corruption": 2}
    # the back-off floor counts the built-in's defectors and the project's together
    assert adapted.meta["positive_defectors"] == {"corruption": 13, "brutality": 7}
    assert backed_off_codes(adapted) >= {"brutality"} and "corruption" not in \
        backed_off_codes(adapted)
    assert adapted.meta["adapted_from"]["trained_on"] == ["tests"]
    assert "grouped_cv" not in adapted.meta  # the built-in's figures are not this version's
    assert adapted.thresholds == base_model.thresholds and adapted.gate is base_model.gate
    # the project's wording now scores higher for its code than before
    protos = get_prototypes(context, codebook)
    j = base_model.codes.index("corruption")
    before = predict_units(base_model, [wording], codebook, embedder, protos)[0, j]
    after = predict_units(adapted, [wording], codebook, embedder, protos)[0, j]
    assert after > before


def _gold(tmp_path: Path, evidence: bool = True) -> Path:
    text = ("Nabil Saeed, a former fighter, said the commanders kept the relief money for "
            "themselves. He left the group in 2016. The town has a small harbour.")
    record = {"id": "adapt-1", "text": text, "defectors": [{
        "name": "Nabil Saeed", "descriptor": "a former fighter",
        "exit_reasons": ["corruption"] if evidence else [], "join_motives": [],
        "evidence": ([{"code": "corruption",
                       "quote": "the commanders kept the relief money for themselves"}]
                     if evidence else [])}]}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def test_train_adapts_the_builtin_classifier_by_default(tmp_path: Path) -> None:
    settings = Settings()
    settings.coding.model_dir = str(tmp_path / "models")
    report = train_from_gold([_gold(tmp_path)], settings, name="adapted")
    assert report["adapted"] and report["codes_adapted"] == ["corruption"]
    assert report["codes_unknown_to_builtin"] == []  # the default codebook
    model = load_model(report["classifier"])
    builtin = load_model(default_model_path())
    assert model.meta["adapted_from"]["version"] == builtin.meta.get("version",
                                                                     "classifier-builtin")
    assert model.meta["project_defectors"] == {"corruption": 1}
    assert (model.meta["positive_defectors"]["corruption"]
            == builtin.meta["positive_defectors"]["corruption"] + 1)
    assert model.gate is not None  # the built-in reason gate comes along
    # the version carries the built-in embedding thresholds, not ones fitted on one page
    saved = json.loads(Path(report["thresholds"]).read_text(encoding="utf-8"))
    shipped = json.loads(default_thresholds_path().read_text(encoding="utf-8"))
    assert saved["thresholds"] == shipped["thresholds"]
    assert report["held_out"] is None  # one labelled document: nothing to hold out


STORIES = [
    ("Samir Haddad", "the emirs sold the seized wheat and kept the money", "corruption",
     "He now drives a taxi."),
    ("Yunus Kaya", "they whipped a shepherd in the square for missing prayers", "brutality",
     "His village is near the hills."),
    ("Idris Malik", "the commanders took the widows' allowance for their own houses",
     "corruption", "He studies law now."),
]


def test_train_reports_the_recipe_held_out_on_the_labelled_documents(tmp_path: Path
                                                                     ) -> None:
    rows = []
    for i, (name, quote, code, tail) in enumerate(STORIES):
        text = f"{name}, a former fighter, said {quote}. He left in 2016. {tail}"
        rows.append({"id": f"held-{i}", "text": text, "defectors": [{
            "name": name, "exit_reasons": [code], "join_motives": [],
            "evidence": [{"code": code, "quote": quote}]}]})
    path = tmp_path / "gold.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    settings = Settings()
    settings.coding.model_dir = str(tmp_path / "models")
    report = train_from_gold([path], settings)
    held = report["held_out"]
    assert held["documents"] == 3 and held["folds"] == 3 and held["defectors"] == 3
    for dim in ("exit", "join"):
        assert set(held[dim]) == {"builtin", "adapted"}
        assert all(0.0 <= v <= 1.0 for v in held[dim].values())
    assert held["exit"]["builtin"] > 0  # the built-in coders find some of these reasons
    skipped = train_from_gold([path], settings, held_out=False)
    assert "held_out" not in skipped


def test_train_names_the_codes_the_builtin_model_does_not_know(tmp_path: Path) -> None:
    from exitlens.coding.codebook_edit import add_code

    book = add_code(load_codebook(), "unpaid_wages", "Unpaid wages", under="daily_life",
                    definition="The group stopped paying the person.")
    settings = Settings()
    settings.coding.model_dir = str(tmp_path / "models")
    report = train_from_gold([_gold(tmp_path)], settings, codebook=book, held_out=False)
    assert report["codes_unknown_to_builtin"] == ["unpaid_wages"]
    assert report["codes_adapted"] == ["corruption"]


def test_train_refuses_labels_without_evidence(tmp_path: Path) -> None:
    settings = Settings()
    settings.coding.model_dir = str(tmp_path / "models")
    with pytest.raises(TooFewLabels) as err:
        train_from_gold([_gold(tmp_path, evidence=False)], settings)
    assert "nothing to adapt" in err.value.message
    assert not (tmp_path / "models").exists()


class _OtherEmbedder:
    """An embedding model of another width than the one the classifier was trained on."""

    dim = 8
    model_path = "other-model"

    def embed(self, texts):  # type: ignore[no-untyped-def]
        return np.ones((len(texts), self.dim), dtype=np.float32)


def test_adapting_refuses_a_project_embedding_of_another_width(
        base_model) -> None:  # type: ignore[no-untyped-def]
    from exitlens.errors import ConfigError

    own = [LabelledSentence("The treasurer skimmed every payment.", {"corruption"}, "p"),
           LabelledSentence("The road was closed.", set(), "p")]
    with pytest.raises(ConfigError) as err:
        adapt_classifier(base_model, own, load_codebook(), _OtherEmbedder())  # type: ignore[arg-type]
    assert err.value.code == "model_invalid" and "--from-scratch" in err.value.message
