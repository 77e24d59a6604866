"""Prevalence over cases: Wilson intervals, counting rules, denominators, breakdowns, matrices."""

from __future__ import annotations

import pandas as pd
import pytest

from exitlens import statistics as st
from exitlens.errors import ExitlensError
from tests.stats_data import case, coding, corpus, frames, tiny_codebook


def rows(table: pd.DataFrame) -> dict[str, dict]:
    return {r["key"]: r for r in table.to_dict("records")}


# --------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 0.2775),
    (5, 10, 0.2366, 0.7634),
    (21, 60, 0.2417, 0.4764),
    # Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3 (Wilson)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_matches_published_values(k: int, n: int, low: float, high: float) -> None:
    got_low, got_high = st.wilson_interval(k, n)
    assert got_low == pytest.approx(low, abs=5e-5)
    assert got_high == pytest.approx(high, abs=5e-5)


def test_wilson_with_no_cases_gives_no_share_and_no_interval() -> None:
    assert st.wilson_interval(0, 0) == (None, None)
    assert st.share_row(0, 0) == {"k": 0, "n": 0, "share": None, "ci_low": None,
                                  "ci_high": None}


@pytest.mark.parametrize(("k", "n"), [(3, 2), (-1, 5), (1, -1)])
def test_wilson_rejects_impossible_counts(k: int, n: int) -> None:
    with pytest.raises(ValueError):
        st.wilson_interval(k, n)


# --------------------------------------------------------------------------- counting rules


def test_table_has_spec_columns_every_code_and_sorted_by_share() -> None:
    cases, codings = corpus()
    table = st.prevalence(cases, codings, tiny_codebook(), dimension="exit")
    assert list(table.columns) == ["key", "label", "k", "n", "share", "ci_low", "ci_high",
                                   "n_accepted", "n_suggested", "dimension", "family"]
    assert set(table["key"]) == {"brutality", "executions", "corruption", "family"}
    assert list(table["key"]) == ["brutality", "corruption", "executions", "family"]
    assert (table["n"] == 6).all()


def test_rejected_codings_never_count_and_suggestions_do() -> None:
    cases, codings = corpus()
    table = rows(st.prevalence(cases, codings, tiny_codebook(), dimension="exit"))
    # corruption: case 3 rejected, case 5 suggested
    assert table["corruption"]["k"] == 1
    assert (table["corruption"]["n_accepted"], table["corruption"]["n_suggested"]) == (0, 1)
    # family: case 3 accepted, case 6 rejected
    assert table["family"]["k"] == 1


def test_accepted_only_drops_suggestions() -> None:
    cases, codings = corpus()
    table = rows(st.prevalence(cases, codings, tiny_codebook(), dimension="exit",
                               accepted_only=True))
    assert table["corruption"]["k"] == 0
    assert table["brutality"]["k"] == 1  # case 1's accepted coding; case 2 only suggested
    assert table["executions"]["k"] == 0
    assert table["brutality"]["n_suggested"] == 0


def test_child_code_counts_for_its_parent() -> None:
    cases, codings = corpus()
    table = rows(st.prevalence(cases, codings, tiny_codebook(), dimension="exit"))
    assert table["executions"]["k"] == 1
    assert table["brutality"]["k"] == 2  # case 1 directly, case 2 through executions


def test_a_case_citing_a_code_in_three_documents_counts_once() -> None:
    cases, codings = corpus()
    table = rows(st.prevalence(cases, codings, tiny_codebook(), dimension="exit"))
    brutality = table["brutality"]
    assert (brutality["n_accepted"], brutality["n_suggested"]) == (1, 1)
    only_case_1 = st.prevalence(cases[cases["case_id"] == 1], codings, tiny_codebook(),
                                dimension="exit")
    assert rows(only_case_1)["brutality"]["k"] == 1


def test_family_and_dimension_rows_count_a_case_once() -> None:
    cases, codings = corpus()
    cb = tiny_codebook()
    families = rows(st.prevalence(cases, codings, cb, by="family"))
    assert families["harsh"]["k"] == 3  # cases 1, 2, 5
    assert families["harsh"]["dimension"] == "exit"
    assert families["motive"]["k"] == 3  # cases 1, 2, 4
    dims = rows(st.prevalence(cases, codings, cb, by="dimension"))
    assert dims["exit"]["k"] == 4  # cases 1, 2, 3, 5
    assert dims["barrier"]["k"] == 1
    assert set(dims) == {"exit", "join", "barrier"}


def test_any_exit_denominator_counts_only_cases_with_an_exit_reason() -> None:
    cases, codings = corpus()
    table = st.prevalence(cases, codings, tiny_codebook(), dimension="join",
                          denominator="any_exit")
    by_key = rows(table)
    assert (table["n"] == 4).all()  # cases 1, 2, 3, 5
    assert by_key["join_religion"]["k"] == 2
    assert by_key["join_material"]["k"] == 0  # case 4 has no exit reason
    assert "at least one exit reason" in table.attrs["denominator"]
    accepted = st.prevalence(cases, codings, tiny_codebook(), dimension="exit",
                             denominator="any_exit", accepted_only=True)
    assert accepted.attrs["n_cases"] == 2  # cases 1 and 3


def test_attrs_describe_the_denominator_and_the_codings_behind_it() -> None:
    cases, codings = corpus()
    table = st.prevalence(cases, codings, tiny_codebook(), dimension="exit")
    assert table.attrs["denominator"] == ("n = 6 defector cases (all defectors; accepted "
                                          "codings and unreviewed suggestions)")
    assert table.attrs["n_accepted_codings"] == 2
    assert table.attrs["n_suggested_codings"] == 4
    assert st.counts_text(table) == ("Rests on 2 accepted codings and 4 unreviewed "
                                     "suggestions.")


def test_flag_filters_say_how_many_cases_were_left_out() -> None:
    cases, codings = corpus()
    cb = tiny_codebook()
    without = st.prevalence(cases, codings, cb, dimension="exit",
                            exclude_flags=["court_or_custody"])
    assert without.attrs["n_cases"] == 5
    assert without.attrs["excluded_cases"] == 1
    assert "1 case flagged court_or_custody left out" in without.attrs["denominator"]
    assert rows(without)["family"]["k"] == 0
    only = st.prevalence(cases, codings, cb, dimension="exit",
                         include_flags=["court_or_custody"])
    assert only.attrs["n_cases"] == 1
    assert "5 cases without the flag court_or_custody left out" in only.attrs["denominator"]


def test_no_cases_gives_empty_shares_not_a_crash() -> None:
    _, codings = frames([], [])
    table = st.prevalence(pd.DataFrame(columns=list(case(0))), codings, tiny_codebook())
    assert (table["n"] == 0).all()
    assert table["share"].isna().all()
    assert table.attrs["denominator"].startswith("n = 0 defector cases")


def test_codes_missing_from_the_codebook_are_ignored() -> None:
    cases, codings = frames([case(1)], [coding(1, "not_a_code", "accepted")])
    table = st.prevalence(cases, codings, tiny_codebook())
    assert table["k"].sum() == 0


# --------------------------------------------------------------------------- breakdowns


def test_breakdown_has_per_group_denominators_and_an_unknown_group() -> None:
    cases, codings = corpus()
    table = st.breakdown(cases, codings, tiny_codebook(), breakdown="nationality",
                         by="family", dimension="exit")
    assert list(table.columns[:8]) == ["group", "key", "label", "k", "n", "share", "ci_low",
                                       "ci_high"]
    assert list(dict.fromkeys(table["group"])) == ["FR", "TN", "DE", "unknown"]
    assert table.attrs["groups"] == {"FR": 2, "TN": 2, "DE": 1, "unknown": 1}
    tn = table[(table["group"] == "TN") & (table["key"] == "harsh")].iloc[0]
    assert (tn["k"], tn["n"]) == (1, 2)


def test_a_nationality_only_inferred_from_the_page_counts_as_unknown() -> None:
    cases, codings = frames(
        [case(1, nationality="FR"), case(2, nationality="SY", inferred_fields=["nationality"]),
         case(3, nationality="SY", inferred_fields=["nationality"]), case(4, nationality="SY")],
        [coding(2, "harsh"), coding(4, "harsh")])
    table = st.breakdown(cases, codings, tiny_codebook(), breakdown="nationality",
                         by="dimension")
    assert table.attrs["groups"] == {"FR": 1, "SY": 1, "unknown": 2}
    assert table.attrs["inferred_cases"] == 2
    assert "2 cases whose nationality is only inferred from the page's country" \
        in table.attrs["denominator"]
    region = st.breakdown(cases, codings, tiny_codebook(), breakdown="region", by="dimension")
    assert region.attrs["groups"] == {"Middle East": 1, "Western Europe": 1, "unknown": 2}
    asked = st.breakdown(cases, codings, tiny_codebook(), breakdown="nationality",
                         by="dimension", inferred=True)
    assert asked.attrs["groups"] == {"SY": 3, "FR": 1}
    assert asked.attrs["inferred_cases"] == 0 and "inferred" not in asked.attrs["denominator"]
    # other breakdowns are untouched
    gender = st.breakdown(cases, codings, tiny_codebook(), breakdown="gender", by="dimension")
    assert gender.attrs["groups"] == {"m": 4} and gender.attrs["inferred_cases"] == 0


@pytest.mark.parametrize(("by", "groups"), [
    ("gender", {"m": 4, "f": 1, "unknown": 1}),
    ("year_left", {"2015": 4, "2016": 1, "unknown": 1}),
    ("outlet_kind", {"news": 6}),
    ("region", {"Western Europe": 3, "North Africa": 2, "Balkans": 1}),
])
def test_breakdown_groups(by: st.BreakdownBy, groups: dict[str, int]) -> None:
    cases, codings = corpus()
    table = st.breakdown(cases, codings, tiny_codebook(), breakdown=by, by="dimension")
    assert table.attrs["groups"] == groups
    assert list(dict.fromkeys(table["group"])) == list(groups)  # in order, unknown last


def test_region_from_nationality_then_origin_region() -> None:
    assert st.region_of("TN") == "North Africa"
    assert st.region_of("XK") == "Balkans"
    assert st.region_of("fr") == "Western Europe"
    assert st.region_of(None, "Caucasus") == "Caucasus"
    assert st.region_of(None, None) is None


# --------------------------------------------------------------------------- matrices


def test_promise_reality_counts_cases_with_both_out_of_cases_with_the_motive() -> None:
    cases, codings = corpus()
    long = st.promise_reality(cases, codings, tiny_codebook())
    assert list(long.columns) == ["join_key", "join_label", "exit_key", "exit_label", "k",
                                  "n", "share", "ci_low", "ci_high"]
    cell = long[(long["join_key"] == "join_religion") & (long["exit_key"] == "brutality")]
    assert (int(cell["k"].iloc[0]), int(cell["n"].iloc[0])) == (2, 2)
    material = long[long["join_key"] == "join_material"]
    assert (material["n"] == 1).all() and (material["k"] == 0).all()
    wide = st.as_wide(long, "k")
    assert list(wide.index) == ["join_religion", "join_material"]
    assert list(wide.columns) == ["brutality", "executions", "corruption", "family"]
    assert wide.loc["join_religion", "executions"] == 1


def test_cooccurrence_within_a_dimension() -> None:
    cases, codings = corpus()
    long = st.cooccurrence(cases, codings, tiny_codebook(), dimension="exit")
    pair = long[(long["key_a"] == "brutality") & (long["key_b"] == "executions")].iloc[0]
    assert (pair["k"], pair["k_a"], pair["k_b"], pair["n"]) == (1, 2, 1, 6)
    diagonal = long[long["key_a"] == long["key_b"]].set_index("key_a")["k"]
    assert diagonal["brutality"] == 2
    assert st.as_wide(long, "k", rows="key_a", cols="key_b").shape == (4, 4)


def test_unknown_names_are_named_errors() -> None:
    cases, codings = corpus()
    cb = tiny_codebook()
    with pytest.raises(ExitlensError, match="unknown flag 'writer_doubt'") as info:
        st.prevalence(cases, codings, cb, exclude_flags=["writer_doubt"])
    assert info.value.code == "unknown_name"
    with pytest.raises(ExitlensError, match="unknown dimension 'exits'"):
        st.prevalence(cases, codings, cb, dimension="exits")
    with pytest.raises(ExitlensError, match="unknown breakdown"):
        st.breakdown(cases, codings, cb, breakdown="shoe_size")  # type: ignore[arg-type]


def test_codings_without_a_case_are_ignored() -> None:
    cases, codings = frames([case(1)], [coding(1, "corruption"), coding(2, "family")])
    codings.loc[1, "case_id"] = None
    table = rows(st.prevalence(cases, codings, tiny_codebook(), dimension="exit"))
    assert table["corruption"]["k"] == 1 and table["family"]["k"] == 0
