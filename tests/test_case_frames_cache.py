"""The case frames (and the tables counted from them) are kept while the analysis state is
unchanged and rebuilt after any change: a review decision, a verdict, a codebook edit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from exitlens import Project
from tests.web.fake_reading import analysed_project


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> Iterator[Project]:
    project = analysed_project(tmp_path, url=db_url)
    try:
        yield project
    finally:
        project.close()


def _k(project: Project, code: str, **options: object) -> int:
    table = project.prevalence(dimension="exit", **options)
    return int(table.set_index("key").loc[code, "k"])


def test_tables_are_kept_then_rebuilt_after_a_change(project: Project, monkeypatch) -> None:
    assert _k(project, "brutality", accepted_only=True) == 0
    builds = []
    original = project._build_case_frames
    monkeypatch.setattr(project, "_build_case_frames",
                        lambda: builds.append(1) or original())
    stamp = project.state_stamp()
    assert _k(project, "brutality", accepted_only=True) == 0
    project.promise_reality()
    assert builds == [] and project.state_stamp() == stamp  # served from the cache
    # a caller changing its copy does not change the kept frames
    _cases, codings, _ = project.case_frames()
    codings["code"] = "boredom"
    assert set(project.case_frames()[1]["code"]) >= {"brutality", "boredom"}
    coding = next(c for d in project.iter_documents() for c in project.document_codings(d.id or 0)
                  if c["code"] == "brutality")
    project.decide_coding(coding["id"], coding["version"], status="accepted")
    assert project.state_stamp() != stamp
    assert _k(project, "brutality", accepted_only=True) == 1
    assert builds == [1]
    project.rename_code("brutality", "Cruelty")
    table = project.prevalence(dimension="exit").set_index("key")
    assert table.loc["brutality", "label"] == "Cruelty"
    assert builds == [1, 1]


def test_document_list_totals_follow_review_decisions(project: Project) -> None:
    assert project.document_page(review_status="reviewed")[1] == 0
    assert project.document_page(review_status="unreviewed")[1] == 3
    assert project.review_queue(limit=1)[1] == 6
    doc = next(d.id or 0 for d in project.iter_documents() if "Sami Aziz" in d.text)
    for c in project.document_codings(doc):
        project.decide_coding(c["id"], c["version"], status="rejected")
    rows, total = project.document_page(review_status="reviewed")
    assert total == 1 and [r["id"] for r in rows] == [doc]
    assert project.document_page(review_status="unreviewed")[1] == 2
    assert project.review_queue(limit=1)[1] == 4
    assert project.document_page(has_defectors=True)[1] == 3
    person = next(p for p in project.reading(doc).persons if p.role == "defector")
    project.set_verdict(person.id, "not_defector", seen="defector")
    assert project.document_page(has_defectors=True)[1] == 2
    assert project.document_page(has_defectors=False)[1] == 1
