"""Learning from review: reviewed codings as training units (accepted = positive, rejected =
negative for that code only) and `train_from_reviews` on a tiny fictional project."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from exitlens import Project
from exitlens.coding.classifier import (
    examples_from_readings,
    load_model,
    predict_units,
    reviewed_defectors,
)
from exitlens.coding.codebook import load_codebook
from exitlens.coding.embedding import get_embedder, get_prototypes
from exitlens.errors import ExitlensError
from exitlens.pipeline import PipelineContext
from exitlens.store.schema import CodingRow
from tests.rounds_data import add_document


def reviewed_project(project: Project, n_docs: int) -> None:
    """``n_docs`` documents; corruption accepted everywhere, infighting rejected in the
    even-numbered ones."""
    for n in range(1, n_docs + 1):
        add_document(project, n, suggestions={"corruption": "rules", "infighting": "embedding"})
    with project.db.session() as session:
        session.execute(update(CodingRow).where(CodingRow.code == "corruption")
                        .values(status="accepted", user="ana"))
        session.execute(update(CodingRow).where(CodingRow.code == "infighting",
                                                CodingRow.document_id % 2 == 0)
                        .values(status="rejected", user="ana"))


def test_reviewed_units_scope_rejections_to_their_code(tmp_project: Project) -> None:
    reviewed_project(tmp_project, 2)
    codebook = load_codebook()
    readings = tmp_project.reviewed_readings()
    assert len(readings) == 2
    examples = examples_from_readings(readings, codebook)
    rejected = [e for e in examples if e.scope == {"infighting"}]
    assert len(rejected) == 1 and rejected[0].codes == set()  # negative for infighting only
    accepted = [e for e in examples if e.codes == {"corruption"}]
    assert len(accepted) == 2 and all(e.scope == {"corruption"} for e in accepted)
    # the unreviewed infighting suggestion of document 1 teaches nothing
    assert sum("fought each other" in e.text for e in examples) == 1
    assert reviewed_defectors(readings, codebook) == {"corruption": 2}


def test_train_from_reviews_from_scratch_refuses_below_the_floor(tmp_project: Project
                                                                 ) -> None:
    reviewed_project(tmp_project, 3)
    with pytest.raises(ExitlensError) as err:
        tmp_project.train_from_reviews(from_scratch=True)
    assert err.value.code == "too_few_reviews"
    assert "corruption, has 3" in err.value.message


def test_train_from_reviews_refuses_before_any_acceptance(tmp_project: Project) -> None:
    reviewed_project(tmp_project, 0)
    with pytest.raises(ExitlensError) as err:
        tmp_project.train_from_reviews()
    assert err.value.code == "too_few_reviews"
    assert "no accepted coding" in err.value.message


def test_train_from_reviews_adapts_the_builtin_classifier(tmp_project: Project) -> None:
    """Three reviewed defectors are below the from-scratch floor, but enough to adapt."""
    reviewed_project(tmp_project, 3)
    report = tmp_project.train_from_reviews(name="adapted")
    assert report["adapted"] and "corruption" in report["codes_adapted"]
    assert report["reviewed"]["accepted"] == 3
    assert report["meta"]["reviewed_defectors"] == {"corruption": 3}
    assert any(v["name"] == "adapted" and v["active"] for v in tmp_project.model_versions())


@pytest.mark.slow
def test_train_from_reviews_fits_a_version_that_codes(tmp_project: Project) -> None:
    reviewed_project(tmp_project, 10)
    report = tmp_project.train_from_reviews(name="from-reviews", from_scratch=True)
    meta = report["meta"]
    assert report["version"] == "from-reviews"
    assert report["reviewed"]["codes_learned"] == ["corruption"]
    assert report["reviewed"]["accepted"] == 10 and report["reviewed"]["rejected"] == 5
    assert meta["reviewed_defectors"] == {"corruption": 10}
    assert meta["positive_defectors"]["corruption"] == 10  # not backed off
    assert "corruption" in meta["trained_codes"]
    versions = tmp_project.model_versions()
    assert any(v["name"] == "from-reviews" and v.get("active") for v in versions), versions
    # the new version scores the reviewed reason above an unrelated sentence
    model = load_model(report["classifier"])
    context = PipelineContext(tmp_project.pipeline_settings())
    codebook = load_codebook()
    probs = predict_units(model, ["The commanders kept the charity money and bought cars.",
                                  "The weather in the valley was mild that spring."],
                          codebook, get_embedder(context), get_prototypes(context, codebook))
    j = model.codes.index("corruption")
    assert probs[0, j] > probs[1, j]
    assert any(e["action"] == "models.train" for e in tmp_project.events(limit=5))
