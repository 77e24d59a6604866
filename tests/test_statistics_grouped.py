"""The grouped counting pass gives exactly what a plain per-code count gives.

:mod:`exitlens.statistics` counts every table in grouped pandas passes
(:mod:`exitlens.case_counts`). Here the same tables are counted the slow, obvious way —
for each group, for each key, walk every coding — over a seeded fictional project, and the
two must agree number for number (``check_exact``), attrs included.
"""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from exitlens import statistics as st
from exitlens.case_counts import wilson_intervals
from exitlens.coding.codebook import Codebook
from exitlens.errors import ExitlensError
from tests.stats_data import case, coding, corpus, frames, tiny_codebook

CODES = ["brutality", "executions", "corruption", "family", "join_religion",
         "join_material", "fear_of_reprisal", "not_a_code"]


def fictional_project(seed: int, n_cases: int = 160) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded invented cases with every kind of missing value, and codings of every status
    (some without a case, some of a code the codebook lacks)."""
    rng = random.Random(seed)
    cases, codings = [], []
    for cid in range(1, n_cases + 1):
        flags = rng.sample(list(st.FLAGS), k=rng.choice([0, 0, 0, 1, 2]))
        cases.append(case(
            cid, nationality=rng.choice(["TN", "FR", "FR", "DE", "XK", "fr", None, "", "ZZ"]),
            origin_region=rng.choice([None, "Balkans", "Caucasus", " "]),
            gender=rng.choice(["m", "m", "f", None]),
            left_year=rng.choice([2013, 2014, 2015, 2016, None]),
            outlet_kind=rng.choice(["news", "court", "ngo", None]), flags=flags))
        for _ in range(rng.choice([0, 1, 2, 3, 5, 8])):
            codings.append(coding(cid, rng.choice(CODES),
                                  rng.choice(["accepted", "suggested", "suggested", "rejected"]),
                                  document_id=rng.randint(1, 3 * n_cases)))
    orphan = coding(0, "brutality", "accepted")
    orphan["case_id"] = None  # a coding of a person outside every case
    codings.append(orphan)
    return frames(cases, codings)


# --------------------------------------------------------------------------- the plain count


def _keys_for(codebook: Codebook, code: str, level: st.Level) -> set[str]:
    if code not in codebook:
        return set()
    out = set()
    for cid in codebook.rollup([code]):
        c = codebook.codes[cid]
        key = {"code": c.id, "family": c.family, "dimension": c.dimension}[level]
        if key is not None:
            out.add(key)
    return out


def plain_table(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                by: st.Level, dimension: str | None, denominator: str,
                accepted_only: bool) -> pd.DataFrame:
    counted = {"accepted"} if accepted_only else {"accepted", "suggested"}
    records = [r for r in codings.to_dict("records") if not pd.isna(r["case_id"])]
    ids = [int(c) for c in cases["case_id"]]

    def statuses(case_id: int, key: str, level: st.Level) -> list[str]:
        return [r["status"] for r in records
                if int(r["case_id"]) == case_id and r["status"] in counted
                and key in _keys_for(codebook, r["code"], level)]

    base = ids if denominator == "all" else [c for c in ids if statuses(c, "exit", "dimension")]
    keys = st._level_keys(codebook, by, dimension)
    rows = []
    for key in keys:
        k = n_acc = 0
        for case_id in base:
            seen = statuses(case_id, key, by)
            k += bool(seen)
            n_acc += "accepted" in seen
        n = len(base)
        low, high = st.wilson_interval(k, n)
        label, dim, fam = st._label(codebook, key, by)
        rows.append({"key": key, "label": label, "k": k, "n": n,
                     "share": k / n if n else None, "ci_low": low, "ci_high": high,
                     "n_accepted": n_acc, "n_suggested": k - n_acc, "dimension": dim,
                     "family": fam})
    table = pd.DataFrame(rows, columns=st.PREVALENCE_COLUMNS)
    table = table.assign(_s=table["share"].astype(float).fillna(-1.0)).sort_values(
        ["_s", "key"], ascending=[False, True], kind="stable").drop(columns="_s")
    behind = [r["status"] for r in records if int(r["case_id"]) in set(base)
              and _keys_for(codebook, r["code"], by) & set(keys)]
    table.attrs.update(n_cases=len(base), n_accepted_codings=behind.count("accepted"),
                       n_suggested_codings=0 if accepted_only else behind.count("suggested"))
    return table.reset_index(drop=True)


def plain_group(row: dict[str, Any], breakdown: str) -> str:
    value: Any = {"nationality": row["nationality"], "gender": row["gender"],
                  "outlet_kind": row["outlet_kind"], "year_left": row["left_year"],
                  "region": st.region_of(row["nationality"], row["origin_region"])}[breakdown]
    if value is None or (isinstance(value, float) and np.isnan(value)) or \
            (isinstance(value, str) and not value.strip()):
        return st.UNKNOWN
    return str(int(value)) if breakdown == "year_left" else str(value)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_exact=True)
    for name in ("n_cases", "n_accepted_codings", "n_suggested_codings"):
        assert got.attrs[name] == want.attrs[name], name


OPTIONS = [
    {"by": "code", "dimension": None, "denominator": "all", "accepted_only": False},
    {"by": "code", "dimension": "exit", "denominator": "any_exit", "accepted_only": False},
    {"by": "family", "dimension": "exit", "denominator": "all", "accepted_only": True},
    {"by": "family", "dimension": None, "denominator": "any_exit", "accepted_only": True},
    {"by": "dimension", "dimension": None, "denominator": "all", "accepted_only": False},
]


# --------------------------------------------------------------------------- the comparisons


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("seed", [1, 2])
def test_prevalence_equals_the_plain_count(options: dict[str, Any], seed: int) -> None:
    cases, codings = fictional_project(seed)
    codebook = tiny_codebook()
    got = st.prevalence(cases, codings, codebook, **options)
    assert_same(got, plain_table(cases, codings, codebook, **options))


@pytest.mark.parametrize("breakdown", st.BREAKDOWNS)
@pytest.mark.parametrize("options", OPTIONS[:4])
def test_breakdown_equals_the_plain_count_per_group(breakdown: st.BreakdownBy,
                                                    options: dict[str, Any]) -> None:
    cases, codings = fictional_project(3)
    codebook = tiny_codebook()
    got = st.breakdown(cases, codings, codebook, breakdown=breakdown,
                       exclude_flags=["court_or_custody"], **options)
    kept = cases[[("court_or_custody" not in f) for f in cases["flags"]]]
    labels = [plain_group(r, breakdown) for r in kept.to_dict("records")]
    sizes = pd.Series(labels).value_counts()
    named = [g for g in sizes.index if g != st.UNKNOWN]
    named.sort(key=(lambda g: (len(g), g)) if breakdown == "year_left"
               else (lambda g: (-int(sizes[g]), g)))
    order = named + ([st.UNKNOWN] if st.UNKNOWN in sizes.index else [])
    assert list(got.attrs["groups"]) == order
    for group in order:
        members = kept[[label == group for label in labels]]
        want = plain_table(members, codings, codebook, **options)
        block = got[got["group"] == group].drop(columns="group")
        block.attrs = {"n_cases": got.attrs["groups"][group]}
        assert got.attrs["groups"][group] == want.attrs["n_cases"]
        pd.testing.assert_frame_equal(block.reset_index(drop=True), want, check_exact=True)


@pytest.mark.parametrize("seed", [4, 5])
def test_promise_reality_and_cooccurrence_equal_the_plain_count(seed: int) -> None:
    cases, codings = fictional_project(seed)
    codebook = tiny_codebook()
    cited = {key: set(ids) for key, ids in st.case_citations(
        codings, codebook, cases["case_id"], level="code").items()}
    matrix = st.promise_reality(cases, codings, codebook)
    for row in matrix.to_dict("records"):
        with_j = cited.get(row["join_key"], set())
        both = with_j & cited.get(row["exit_key"], set())
        assert {k: row[k] for k in ("k", "n", "share", "ci_low", "ci_high")} == \
            st.share_row(len(both), len(with_j))
    co = st.cooccurrence(cases, codings, codebook)
    for row in co.to_dict("records"):
        a, b = cited.get(row["key_a"], set()), cited.get(row["key_b"], set())
        assert (row["k"], row["k_a"], row["k_b"], row["n"]) == \
            (len(a & b), len(a), len(b), len(cases))


def test_case_citations_marks_accepted_over_suggested() -> None:
    cases, codings = corpus()
    cited = st.case_citations(codings, tiny_codebook(), cases["case_id"], level="code")
    assert cited["brutality"] == {1: "accepted", 2: "suggested"}  # executions rolls up
    assert cited["executions"] == {2: "suggested"}
    assert "join_material" in cited and cited["join_material"] == {4: "accepted"}


def test_vectorised_wilson_equals_scipy_bound_for_bound() -> None:
    pairs = [(k, n) for n in range(0, 61) for k in range(0, n + 1)]
    pairs += [(k, 100_000) for k in (0, 1, 7, 4_999, 50_000, 99_999, 100_000)]
    k = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    low, high = wilson_intervals(k, n)
    for (ki, ni), lo, hi in zip(pairs, low.tolist(), high.tolist(), strict=True):
        if ni == 0:
            assert np.isnan(lo) and np.isnan(hi)
            continue
        ci = binomtest(ki, ni).proportion_ci(confidence_level=0.95, method="wilson")
        assert (lo, hi) == (float(ci.low), float(ci.high)), (ki, ni)


def test_vectorised_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_intervals(np.array([3]), np.array([2]))


def test_group_labels_and_breakdown_of_no_cases() -> None:
    cases, codings = corpus()
    labels = st.group_labels(cases, "year_left")
    assert labels.tolist() == ["2015", "2016", "2015", "unknown", "2015", "2015"]
    empty = st.breakdown(cases.iloc[0:0], codings, tiny_codebook(), breakdown="gender")
    assert empty.empty and empty.attrs["groups"] == {}
    with pytest.raises(ExitlensError):
        st.group_labels(cases, "shoe_size")  # type: ignore[arg-type]
