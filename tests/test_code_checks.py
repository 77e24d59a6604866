"""How far reviewers have checked the codes (``Project.code_checks``), the overview's
account of it, and the warning when they took more codes away than they added while
possible missed codes wait."""

from __future__ import annotations

import pandas as pd
import pytest

from exitlens import Project
from exitlens.project_review import code_check_counts, code_checks_line, lopsided_review


@pytest.fixture
def project(fake_analysed: Project) -> Project:
    return fake_analysed


def _reject_brutality(project: Project) -> None:
    """Reject the machine's brutality suggestion on every defector (3 of 6 suggestions)."""
    rows, _ = project.review_queue(limit=50)
    for row in rows:
        if row["code"] == "brutality":
            project.decide_coding(row["id"], row["version"], status="rejected")


def test_a_fresh_analysis_has_nothing_checked(project: Project) -> None:
    assert project.code_checks() == {"accepted": 0, "rejected": 0, "unchecked": 6,
                                     "added": 0, "ruled_out": 0, "open_near_misses": 6}
    overview = project.overview()
    assert "codes checked by reviewers" not in overview
    assert "shares may run low" not in overview


def test_rejections_without_missed_codes_warn_until_as_many_are_added(
        project: Project) -> None:
    _reject_brutality(project)
    counts = project.code_checks()
    assert (counts["rejected"], counts["unchecked"], counts["added"]) == (3, 3, 0)
    overview = project.overview()
    assert overview["codes checked by reviewers"] == (
        "3 of 6 machine suggestions (0 accepted, 3 rejected); 0 codes added by reviewers; "
        "6 possible missed codes not yet answered")
    assert overview["shares may run low"].startswith(
        "reviewers have rejected 3 of the machine's suggestions and added 0 codes, and 6 "
        "possible missed codes are not yet answered")
    # answering near misses: two added, one ruled out — still fewer added than removed
    misses, _ = project.near_miss_queue()
    corruption = [m for m in misses if m["code"] == "corruption"]
    project.decide_near_miss(corruption[0]["id"], True)
    project.decide_near_miss(corruption[1]["id"], True)
    project.decide_near_miss(corruption[2]["id"], False)
    counts = project.code_checks()
    assert (counts["added"], counts["ruled_out"], counts["open_near_misses"]) == (2, 1, 3)
    assert "shares may run low" in project.overview()
    family = next(m for m in project.near_miss_queue()[0] if m["code"] == "family")
    project.decide_near_miss(family["id"], True)
    overview = project.overview()
    assert "shares may run low" not in overview  # 3 added for 3 removed
    assert "3 codes added by reviewers; 2 possible missed codes" in \
        overview["codes checked by reviewers"]


def test_no_warning_once_every_possible_missed_code_is_answered() -> None:
    counts = code_check_counts(None, 0) | {"rejected": 5, "added": 1}
    assert lopsided_review(counts) is None  # nothing left to look at
    assert lopsided_review(counts | {"open_near_misses": 1}) is not None
    assert code_checks_line(code_check_counts(None, 4)) is None


def test_counts_tell_machine_codings_from_reviewers() -> None:
    codings = pd.DataFrame({
        "coder": ["ensemble", "rules", "classifier", "human", "human", None],
        "status": ["accepted", "rejected", "suggested", "accepted", "rejected", "suggested"]})
    assert code_check_counts(codings, 7) == {"accepted": 1, "rejected": 1, "unchecked": 2,
                                             "added": 1, "ruled_out": 1,
                                             "open_near_misses": 7}


def test_the_report_says_how_far_codes_were_checked(project: Project, tmp_path) -> None:
    _reject_brutality(project)
    html = project.report(tmp_path / "report.html").read_text(encoding="utf-8")
    assert "codes checked by reviewers" in html
    assert "3 of 6 machine suggestions (0 accepted, 3 rejected)" in html
    assert "shares may run low" in html


def test_stats_warns_on_stderr_and_keeps_csv_clean(project: Project) -> None:
    import csv
    import io

    from typer.testing import CliRunner

    from exitlens.cli import app

    runner = CliRunner()
    quiet = runner.invoke(app, ["stats", "--db", project.url, "--format", "csv"])
    assert quiet.exit_code == 0 and "Shares may run low" not in quiet.stderr
    _reject_brutality(project)
    result = runner.invoke(app, ["stats", "--db", project.url, "--format", "csv"])
    assert result.exit_code == 0
    assert "Shares may run low: reviewers have rejected 3" in " ".join(result.stderr.split())
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows and "Shares" not in result.stdout
