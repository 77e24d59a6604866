"""Agreement arithmetic against values computed by hand (and Krippendorff's own example)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from exitlens.agreement import (
    DEFECTOR,
    AgreementInputError,
    agreement,
    cohen_kappa,
    disagreements,
    gwet_ac1,
    krippendorff_alpha,
    pairwise,
    percent_agreement,
)


def two_coder_frame(both_yes: int, only_a: int, only_b: int, both_no: int,
                    group: str = "infighting") -> pd.DataFrame:
    """A 2×2 table as a decisions frame (coders 'a' and 'b')."""
    cells = ([(True, True)] * both_yes + [(True, False)] * only_a
             + [(False, True)] * only_b + [(False, False)] * both_no)
    rows = []
    for i, (va, vb) in enumerate(cells):
        rows.append({"group": group, "unit": f"u{i}", "coder": "a", "value": va})
        rows.append({"group": group, "unit": f"u{i}", "coder": "b", "value": vb})
    return pd.DataFrame(rows)


# 2×2 by hand: 6 both present, 2 only a, 3 only b, 9 both absent; n = 20.
# p_o = 15/20 = 0.75; a says present 8/20 = 0.40, b 9/20 = 0.45.
# Cohen: p_e = 0.40·0.45 + 0.60·0.55 = 0.51 → κ = (0.75 − 0.51)/(1 − 0.51) = 0.24/0.49.
KAPPA = 0.24 / 0.49
# Gwet: π = (8 + 9)/40 = 0.425; p_e = 2·0.425·0.575 = 0.48875 → AC1 = 0.26125/0.51125.
AC1 = (0.75 - 0.48875) / (1 - 0.48875)
# Krippendorff: coincidences o_11 = 12, o_00 = 18, o_01 = o_10 = 5; n = 40, n_1 = 17, n_0 = 23.
# D_o = 10/40; D_e = 2·17·23/(40·39) → α = 1 − D_o/D_e.
ALPHA = 1 - (10 / 40) / (2 * 17 * 23 / (40 * 39))


def test_two_by_two_by_hand() -> None:
    frame = two_coder_frame(6, 2, 3, 9)
    row = agreement(frame).iloc[0]
    assert row["n_units"] == 20 and row["n_coders"] == 2 and row["n_decisions"] == 40
    assert row["percent_agreement"] == pytest.approx(0.75)
    assert row["kappa"] == pytest.approx(KAPPA)
    assert row["ac1"] == pytest.approx(AC1)
    assert row["alpha"] == pytest.approx(ALPHA)
    assert row["prevalence"] == pytest.approx(17 / 40)
    assert row["warning"] == ""
    pair = pairwise(frame).iloc[0]
    assert (pair["n_both_positive"], pair["n_only_a"], pair["n_only_b"],
            pair["n_both_negative"]) == (6, 2, 3, 9)
    assert pair["kappa"] == pytest.approx(KAPPA)


def test_krippendorff_textbook_example_with_missing_values() -> None:
    """Krippendorff (2011), 'Computing Krippendorff's Alpha-Reliability': 4 observers,
    12 units, values 1–5 with missing data; nominal α = 0.743."""
    n = None
    data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]]
    units = [list(col) for col in zip(*data, strict=True)]
    assert krippendorff_alpha(units) == pytest.approx(0.743, abs=5e-4)
    # The same through the frame API: units decided by one coder only count for α only.
    rows = [{"group": "g", "unit": u, "coder": f"obs{c}", "value": v}
            for c, obs in enumerate(data) for u, v in enumerate(obs) if v is not None]
    row = agreement(pd.DataFrame(rows)).iloc[0]
    assert row["alpha"] == pytest.approx(0.743, abs=5e-4)
    assert row["n_units"] == 11  # unit 12 has one value
    assert math.isnan(row["prevalence"])  # not present/absent data
    assert row["n_pairs"] == 6


def test_kappa_paradox_is_flagged_and_ac1_stays_high() -> None:
    # 18 both present, 1 only a, 1 only b, 0 both absent: 90 % agreement but κ < 0.
    # κ: p_e = 0.95² + 0.05² = 0.905 → (0.9 − 0.905)/0.095; AC1: p_e = 2·0.95·0.05 = 0.095.
    frame = two_coder_frame(18, 1, 1, 0)
    row = agreement(frame).iloc[0]
    assert row["kappa"] == pytest.approx((0.9 - 0.905) / 0.095)
    assert row["ac1"] == pytest.approx((0.9 - 0.095) / 0.905)
    assert "κ paradox" in row["warning"]
    assert "few units" not in row["warning"]


def test_few_units_and_constant_values_warned() -> None:
    row = agreement(two_coder_frame(0, 0, 0, 4)).iloc[0]
    assert "few units (4 < 10)" in row["warning"]
    assert "same value" in row["warning"]
    assert math.isnan(row["kappa"]) and math.isnan(row["alpha"])
    assert row["percent_agreement"] == 1.0
    assert row["ac1"] == pytest.approx(1.0)  # q = 2: π = 0 → p_e = 0


def test_three_coders_pairs_and_percent_agreement() -> None:
    # unit 1: T T T; unit 2: T T F; unit 3: F F F; unit 4: T F (c missing)
    values = {"u1": (True, True, True), "u2": (True, True, False),
              "u3": (False, False, False), "u4": (True, False, None)}
    rows = [{"group": DEFECTOR, "unit": u, "coder": c, "value": v}
            for u, vs in values.items() for c, v in zip("abc", vs, strict=True)
            if v is not None]
    frame = pd.DataFrame(rows)
    # pairwise agreement shares per unit: 1, 1/3, 1, 0 → mean 7/12
    assert percent_agreement([list(v) for v in values.values()]) == pytest.approx(7 / 12)
    row = agreement(frame).iloc[0]
    assert row["n_units"] == 4 and row["n_coders"] == 3 and row["n_pairs"] == 3
    pairs = pairwise(frame).set_index(["coder_a", "coder_b"])
    assert pairs.loc[("a", "c"), "n_units"] == 3
    # a–b: (T,T)(T,T)(F,F)(T,F): p_o = 3/4, a 3/4 present, b 1/2 → p_e = 3/8 + 1/8 = 1/2
    assert pairs.loc[("a", "b"), "kappa"] == pytest.approx((0.75 - 0.5) / 0.5)
    assert row["kappa"] == pytest.approx(pairs["kappa"].mean())
    # Gwet by hand over the 4 units: p_a = 7/12; π_T = (1 + 2/3 + 0 + 1/2)/4 = 13/24
    pi = 13 / 24
    pe = 2 * pi * (1 - pi)
    assert row["ac1"] == pytest.approx((7 / 12 - pe) / (1 - pe))
    assert gwet_ac1([list(v) for v in values.values()], [False, True]) == pytest.approx(
        row["ac1"])


def test_groups_are_scored_apart_and_disagreements_listed() -> None:
    frame = pd.concat([two_coder_frame(6, 2, 3, 9, "infighting"),
                       two_coder_frame(1, 0, 0, 19, "corruption")])
    table = agreement(frame).set_index("group")
    assert list(table.index) == ["corruption", "infighting"]
    assert table.loc["corruption", "percent_agreement"] == 1.0
    assert "skewed prevalence (5 % present)" in table.loc["corruption", "warning"]
    split = disagreements(frame)
    assert len(split) == 5 and set(split["group"]) == {"infighting"}
    assert set(split.columns) == {"group", "unit", "a", "b"}


def test_cohen_kappa_matches_formula_and_rejects_mismatched_lengths() -> None:
    a = [True] * 8 + [False] * 12
    b = [True] * 6 + [False] * 2 + [True] * 3 + [False] * 9
    assert cohen_kappa(a, b) == pytest.approx(KAPPA)
    with pytest.raises(AgreementInputError):
        cohen_kappa(a, b[:-1])


def test_bad_frames_are_refused() -> None:
    with pytest.raises(AgreementInputError, match="column"):
        agreement(pd.DataFrame({"unit": [1], "coder": ["a"], "value": [True]}))
    twice = pd.DataFrame([{"group": "g", "unit": 1, "coder": "a", "value": True}] * 2)
    with pytest.raises(AgreementInputError, match="more than once"):
        agreement(twice)
