"""The HTML report: self-contained, escaped, every share with its k and n; atomic writing."""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path
from typing import Any

import pytest

from exitlens.coding.codebook import load_codebook
from exitlens.reference import load_reference, sixty_narratives_path
from exitlens.report import (
    OutputPathError,
    ReportData,
    build_report_data,
    pct,
    render_report,
    strongest_quotes,
    write_report,
)
from tests.stats_data import case, coding, corpus, frames, tiny_codebook

EVIL = 'He said <script>alert("x")</script> & then "left" <b>at once</b>'
SUMMARY = {"documents": 9, "outlets": 4, "kinds": {"news": 6, "court": 3},
           "years": "2015–2019", "reprints": 2}


def report_data(**kwargs: Any) -> ReportData:
    cases, codings = corpus()
    codings.loc[0, "text"] = EVIL
    codings.loc[0, "title"] = "Q&A <i>with</i> a defector"
    cases.loc[0, "label"] = "Abu <Test> & Son"
    return build_report_data(cases, codings, tiny_codebook(), SUMMARY, **kwargs)


@pytest.fixture(scope="module")
def html() -> str:
    return render_report(report_data(generated="2026-01-01"))


def visible_text(page: str) -> str:
    """Text a reader sees: styles and tags removed, entities decoded."""
    page = re.sub(r"<style.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<!--.*?-->", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def test_pct_prints_k_and_n() -> None:
    assert pct(7, 20) == "35 % (7 of 20)"
    assert pct(1, 60) == "1.7 % (1 of 60)"
    assert pct(0, 0) == "no cases (0 of 0)"


def test_svg_charts_are_inline(html: str) -> None:
    assert html.count("<svg") >= 4  # exit, exit families, join, join families, barrier, matrix
    for chart_id in ("chart-exit", "chart-exit-families", "chart-promise-reality"):
        assert f'id="{chart_id}"' in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html
    assert "2 of 6" in html  # the k/n label next to the brutality bar
    assert "2/2" in html  # the heat map cell: both religion cases cite brutality


def test_chart_ids_are_unique_and_every_reference_resolves(html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', html))
    assert refs and refs <= set(ids)


def test_no_script_and_no_external_resource(html: str) -> None:
    assert "<script" not in html.lower()
    assert "http://" not in html and "https://" not in html
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.I)
    assert "@import" not in html and "url(http" not in html


def test_every_percentage_is_accompanied_by_k_and_n(html: str) -> None:
    text = " ".join(visible_text(html).split())
    shares = list(re.finditer(r"\d+(?:\.\d+)?\s?%", text))
    assert len(shares) > 20
    for match in shares:
        after = text[match.end():match.end() + 30]
        if re.match(r"\s*(interval|confidence)", after) and match.group().startswith("95"):
            continue  # the confidence level of an interval, not a share
        assert re.match(r"\s*\(\d+ of \d+\)", after), f"{match.group()!r} then {after!r}"


def test_text_from_documents_is_escaped(html: str) -> None:
    assert "&lt;script&gt;alert(" in html
    assert "&amp; then" in html
    assert "<b>at once</b>" not in html
    assert "Q&amp;A &lt;i&gt;with&lt;/i&gt;" in html
    assert "Abu &lt;Test&gt; &amp; Son" in html


def test_sections_denominators_and_flags(html: str) -> None:
    for heading in ("Corpus", "Prevalence", "Breakdowns", "Promise versus reality", "Cases",
                    "Strongest quotes per code"):
        assert f">{heading}</h2>" in html
    assert "n = 6 defector cases (all defectors; accepted codings and unreviewed " \
           "suggestions)" in html
    assert "Rests on 2 accepted codings and 4 unreviewed suggestions." in html
    assert "court_or_custody</span>: told in a courtroom" in html
    assert "news: 6, court: 3" in html
    assert "Tunisia (TN)" in html  # nationality groups are named
    assert "2026-01-01" in html


def test_rendering_is_deterministic() -> None:
    data = report_data()
    assert render_report(data) == render_report(data)


def test_any_exit_denominator_in_the_report() -> None:
    page = render_report(report_data(denominator="any_exit"))
    assert "n = 4 defector cases (defectors with at least one exit reason coded" in page


def test_flag_filters_are_stated_in_the_report() -> None:
    page = render_report(report_data(exclude_flags=["court_or_custody"]))
    assert "1 case flagged court_or_custody left out" in page
    assert "n = 5 defector cases" in page


def test_comparison_with_the_bundled_reference() -> None:
    cb = load_codebook()
    cases, codings = frames(
        [case(i) for i in range(1, 5)],
        [coding(1, "infighting", "accepted"), coding(2, "killing_muslims"),
         coding(3, "discrimination", "accepted"), coding(4, "join_religion")])
    data = build_report_data(cases, codings, cb, SUMMARY, reference=sixty_narratives_path(),
                             breakdowns=("gender",))
    assert data.comparison is not None
    same = build_report_data(cases, codings, cb, SUMMARY,
                             reference=load_reference(sixty_narratives_path(), cb),
                             breakdowns=("gender",))
    assert same.comparison is not None
    assert same.comparison.equals(data.comparison)
    page = render_report(data)
    assert ">Comparison with a reference table</h2>" in page
    assert "50 % (2 of 4)" in page  # fighting_injustice: cases 1 and 2
    assert "35 % (21 of 60)" in page
    assert "Fisher" in page and "Newcombe" in page
    assert "reconstructed" in page


def test_strongest_quotes_accepted_first_then_confidence_one_per_case_never_rejected(
) -> None:
    cases, codings = frames([case(1), case(2), case(3)], [
        coding(1, "corruption", "suggested", confidence=0.95, text="high suggestion"),
        coding(2, "corruption", "accepted", confidence=0.40, text="accepted one"),
        coding(2, "corruption", "accepted", confidence=0.30, text="same case again"),
        coding(3, "corruption", "rejected", confidence=0.99, text="rejected one"),
        coding(3, "corruption", "suggested", confidence=0.50, text="low suggestion"),
    ])
    quotes = strongest_quotes(cases, codings, tiny_codebook(), per_code=2)
    assert list(quotes["text"]) == ["accepted one", "high suggestion"]
    assert list(quotes["case_label"]) == ["Case 2", "Case 1"]
    accepted = strongest_quotes(cases, codings, tiny_codebook(), accepted_only=True)
    assert list(accepted["text"]) == ["accepted one"]


# --------------------------------------------------------------------------- writing


def test_write_report_replaces_the_file_atomically(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    assert write_report("<p>new</p>", target) == target
    assert target.read_text(encoding="utf-8") == "<p>new</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_write_report_to_a_missing_folder_is_a_named_error(tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "report.html"
    with pytest.raises(OutputPathError) as info:
        write_report("<p>x</p>", target)
    assert info.value.code == "bad_output_path"
    assert str(target) in str(info.value)
    assert not (tmp_path / "no").exists()
    with pytest.raises(OutputPathError, match="is a folder"):
        write_report("<p>x</p>", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_report_leaves_no_partial_file_when_writing_fails(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    with pytest.raises(UnicodeEncodeError):
        write_report("bad \udc80 surrogate", target)
    assert list(tmp_path.iterdir()) == []


def test_the_case_list_is_capped_but_every_case_is_counted(monkeypatch: pytest.MonkeyPatch,
                                                           html: str) -> None:
    import exitlens.report as report_module

    assert "Every defector case counted in this report (6)" in html
    monkeypatch.setattr(report_module, "MAX_LISTED_CASES", 2)
    page = render_report(report_data(generated="2026-01-01"))
    assert "The first 2 of the 6 defector cases counted in this report" in visible_text(page)
    assert "n = 6 defector cases" in page  # the counts still rest on every case
    listed = re.findall(r'<span class="muted">#(\d+)</span>', page)
    assert listed == sorted(listed, key=int)[:2] and len(listed) == 2


def test_measured_accuracy_is_shown_beside_the_cases_on_suggestions_only() -> None:
    from exitlens.coding.measured import CodeAccuracy, MeasuredAccuracy

    codebook = tiny_codebook()
    codes = codebook.codes_in(top_level=True)
    measured = MeasuredAccuracy(
        setting="x", measured="2026-01-01", documents=5, assignments=1,
        classifier_created=None,
        codes={codes[0]: CodeAccuracy(codes[0], 9, tp=2, fp=1, fn=7),
               codes[1]: CodeAccuracy(codes[1], 2, tp=1, fp=0, fn=1)})
    data = report_data(measured=measured.frame(codebook),
                       measured_note="grouped CV <on> real pages")
    page = render_report(data)
    text = " ".join(visible_text(page).split())
    assert "How far to trust the unreviewed suggestions" in text
    assert "low recall (0.22): a share resting on suggestions undercounts" in text
    assert "not measurable" in text
    assert "Measured: grouped CV <on> real pages" in text
    assert "&lt;on&gt;" in page  # the note is escaped like everything else
    suggested_only = {r["key"]: r["n_suggested"] for t in data.prevalence.values()
                      for r in t.to_dict("records")}
    row = re.search(rf"\({codes[0]}\) (\d+) 9 / 0 0\.67 / – 0\.22 / –", text)
    assert row is not None and int(row.group(1)) == suggested_only[codes[0]]


def test_without_a_measurement_the_report_says_why(html: str) -> None:
    page = render_report(report_data(measured_note="not shown: the project uses its own "
                                                   "classifier version"))
    assert "not shown: the project uses its own classifier version" in visible_text(page)
    assert "No measurement of the models" in visible_text(html)


def test_breakdowns_over_machine_read_fields_say_how_often_they_were_right() -> None:
    from exitlens.coding.measured import FieldAccuracy, MeasuredAccuracy

    codebook = tiny_codebook()
    measured = MeasuredAccuracy(
        setting="x", measured="2026-01-01", documents=5, assignments=1,
        classifier_created=None,
        profile={"nationality": FieldAccuracy("nationality", 7, 10, 10)})
    frame = measured.frame(codebook)
    frame.attrs["profile"] = {"nationality": measured.field_text("nationality")}
    data = report_data(measured=frame, measured_note="m")
    assert set(data.profile_notes) == {"nationality", "region"}
    text = " ".join(visible_text(render_report(data)).split())
    assert text.count("Machine-read nationality, of the defectors found, was right for "
                      "0.70 on every English page (10 counted)") == 2  # nationality, region


def test_a_nationality_only_inferred_from_the_page_is_marked_and_counted_as_unknown() -> None:
    cases, codings = frames(
        [case(1, nationality="FR"), case(2, nationality="SY", inferred_fields=["nationality"])],
        [coding(1, "harsh"), coding(2, "harsh")])
    data = build_report_data(cases, codings, tiny_codebook(), SUMMARY,
                             breakdowns=("nationality",))
    assert data.breakdowns["nationality"].attrs["groups"] == {"FR": 1, "unknown": 1}
    text = " ".join(visible_text(render_report(data)).split())
    assert "SY (only the page's country)" in text
    assert ("1 case whose nationality is only inferred from the page's country (stated for "
            "nobody in the text) counted as unknown") in text


def test_the_matrix_says_how_often_machine_pairs_were_right() -> None:
    from exitlens.coding.measured import CodeAccuracy, MeasuredAccuracy

    codebook = tiny_codebook()
    measured = MeasuredAccuracy(
        setting="x", measured="2026-01-01", documents=5, assignments=1,
        classifier_created=None,
        pairs={"unseen": CodeAccuracy("unseen", 8, tp=6, fp=40, fn=26)})
    frame = measured.frame(codebook)
    frame.attrs["pairs"] = measured.pairs_text()
    cases, codings = corpus()
    text = " ".join(visible_text(render_report(build_report_data(
        cases, codings, tiny_codebook(), SUMMARY, measured=frame, measured_note="m"))).split())
    assert ("Measured: The machine's (join motive, exit reason) pairs, which this table "
            "counts, need both codes right: precision 0.13 and recall 0.19 on the unseen "
            "pages") in text
    accepted = " ".join(visible_text(render_report(build_report_data(
        cases, codings, tiny_codebook(), SUMMARY, measured=frame, measured_note="m",
        accepted_only=True))).split())
    assert "which this table counts" not in accepted
