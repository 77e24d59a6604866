"""Inter-coder agreement: how far independent coders (people or automatic coders) agree.

Pure functions, pandas in and out, no database. The input is a frame of *decisions*, one
row per (group, unit, coder):

- ``group``: what a figure is about — a code id, or :data:`DEFECTOR` for the
  defector yes/no decisions;
- ``unit``: the thing decided (a defector of a document for one code), any hashable key;
- ``coder``: who decided (``alice``, ``rules``, ``review`` …);
- ``value``: the category chosen — ``True``/``False`` for present/absent (nominal data).

:func:`agreement` gives one row per group with the number of units, the prevalence of the
code, percent agreement, Cohen's κ (two coders; the mean over every pair with more),
Krippendorff's α (any number of coders, missing values allowed; the ``krippendorff``
package, nominal level), Gwet's AC1 and a ``warning`` where a figure should not be read
alone. :func:`pairwise` gives Cohen's κ, percent agreement and AC1 for every coder pair.

Why all four: percent agreement ignores chance; κ and α correct for it but collapse when
a code is rare or near-universal even if coders almost always agree (the "κ paradox",
Feinstein & Cicchetti 1990); AC1 is more stable there (Gwet 2008). Reporting them side by
side with n and prevalence lets a reader see which situation a figure is in.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from .errors import ExitlensError

DEFECTOR = "defector"  # the group of the defector yes/no decisions
DECISION_COLUMNS = ("group", "unit", "coder", "value")
MIN_UNITS = 10  # fewer units than this: the figure gets a warning
SKEW_LOW, SKEW_HIGH = 0.10, 0.90  # prevalence outside this range: κ paradox warning

AGREEMENT_COLUMNS = (
    "group", "n_units", "n_coders", "n_decisions", "n_positive", "prevalence",
    "percent_agreement", "kappa", "alpha", "ac1", "n_pairs", "kappa_pairs", "warning",
)
PAIR_COLUMNS = ("group", "coder_a", "coder_b", "n_units", "n_both_positive", "n_only_a",
                "n_only_b", "n_both_negative", "percent_agreement", "kappa", "ac1")


class AgreementInputError(ExitlensError):
    """A decisions frame that cannot be scored (missing columns, one unit decided twice
    by the same coder)."""

    code = "agreement_input"


# --------------------------------------------------------------------------- formulas


def percent_agreement(ratings: Sequence[Sequence[Hashable | None]]) -> float:
    """Share of agreeing coder pairs within units, averaged over units with ≥ 2 ratings.

    ``ratings[u]`` are unit ``u``'s values, one per coder (None = not rated). With two
    coders this is the share of units where both gave the same value.
    """
    shares = []
    for row in ratings:
        vals = [v for v in row if v is not None]
        r = len(vals)
        if r < 2:
            continue
        counts = pd.Series(vals).value_counts()
        shares.append(float((counts * (counts - 1)).sum()) / (r * (r - 1)))
    return float(np.mean(shares)) if shares else float("nan")


def gwet_ac1(ratings: Sequence[Sequence[Hashable | None]],
             categories: Sequence[Hashable] | None = None) -> float:
    """Gwet's first-order agreement coefficient AC1 for nominal ratings, any number of
    raters, missing ratings allowed.

    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence
    of high agreement. *British Journal of Mathematical and Statistical Psychology*, 61(1),
    29–48. With ``q`` categories, ``r_ik`` raters putting unit ``i`` in category ``k`` and
    ``r_i`` raters of unit ``i``:

    - observed ``pa = mean_i Σ_k r_ik (r_ik − 1) / (r_i (r_i − 1))`` over units with r_i ≥ 2;
    - ``π_k = mean_i r_ik / r_i`` over units with r_i ≥ 1;
    - chance ``pe = Σ_k π_k (1 − π_k) / (q − 1)``;
    - ``AC1 = (pa − pe) / (1 − pe)``.

    ``categories`` fixes q (for present/absent q = 2 even when only one value was used);
    default: the values seen.
    """
    rows = [[v for v in row if v is not None] for row in ratings]
    rated = [r for r in rows if r]
    cats = list(categories) if categories is not None else sorted(
        {v for r in rated for v in r}, key=repr)
    q = len(cats)
    pairable = [r for r in rated if len(r) >= 2]
    if not pairable or q < 2:
        return float("nan")
    pa = percent_agreement(pairable)
    pi = np.array([np.mean([r.count(k) / len(r) for r in rated]) for k in cats])
    pe = float((pi * (1 - pi)).sum()) / (q - 1)
    if pe >= 1.0:
        return float("nan")
    return (pa - pe) / (1 - pe)


def cohen_kappa(a: Sequence[Hashable], b: Sequence[Hashable],
                categories: Sequence[Hashable] | None = None) -> float:
    """Cohen's κ for two coders over the same units (scikit-learn's
    ``cohen_kappa_score``); NaN when chance agreement is 1 (both coders used one and the
    same value throughout: κ is 0/0)."""
    from sklearn.metrics import cohen_kappa_score

    if len(a) != len(b):
        raise AgreementInputError("two coders' ratings must cover the same units")
    if not a:
        return float("nan")
    values = set(a) | set(b)
    if len(values) < 2:
        return float("nan")
    labels = list(categories) if categories is not None else None
    codes = {v: i for i, v in enumerate(sorted(values, key=repr))}
    if labels is not None:
        codes = {v: i for i, v in enumerate(labels)}
    with np.errstate(divide="ignore", invalid="ignore"):
        score = cohen_kappa_score([codes[v] for v in a], [codes[v] for v in b],
                                  labels=sorted(codes.values()))
    return float(score)


def krippendorff_alpha(ratings: Sequence[Sequence[Hashable | None]],
                       categories: Sequence[Hashable] | None = None) -> float:
    """Krippendorff's α, nominal level, any number of coders, missing values allowed
    (the ``krippendorff`` package). NaN when fewer than two values occur (no variation:
    α is 0/0) or no unit has two ratings."""
    import krippendorff

    cats = list(categories) if categories is not None else sorted(
        {v for row in ratings for v in row if v is not None}, key=repr)
    index = {c: float(i) for i, c in enumerate(cats)}
    if not ratings or not any(sum(v is not None for v in row) >= 2 for row in ratings):
        return float("nan")
    seen = {v for row in ratings for v in row if v is not None}
    if len(seen) < 2:
        return float("nan")
    n_coders = max(len(row) for row in ratings)
    data = np.full((n_coders, len(ratings)), np.nan)
    for u, row in enumerate(ratings):
        for c, v in enumerate(row):
            if v is not None:
                data[c, u] = index[v]
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal",
                                     value_domain=list(index.values())))


# --------------------------------------------------------------------------- frames


def _check(decisions: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise AgreementInputError(f"decisions lack the column(s) {', '.join(missing)}")
    frame = decisions.loc[decisions["value"].notna(), list(DECISION_COLUMNS)]
    dup = frame.duplicated(["group", "unit", "coder"])
    if dup.any():
        row = frame[dup].iloc[0]
        raise AgreementInputError(f"coder {row['coder']!r} decided unit {row['unit']!r} "
                                  f"({row['group']}) more than once")
    return frame


def _categories(values: pd.Series) -> list[Any]:
    seen = set(values)
    if seen <= {True, False}:
        return [False, True]
    return sorted(seen, key=repr)


def _matrix(frame: pd.DataFrame, coders: list[Any]) -> list[list[Any]]:
    """Units × coders (None where a coder did not decide the unit)."""
    wide = frame.pivot(index="unit", columns="coder", values="value")
    wide = wide.reindex(columns=coders)
    return [[None if pd.isna(v) else v for v in row] for row in wide.itertuples(index=False)]


def _positive(values: pd.Series) -> int:
    return int((values == True).sum())  # noqa: E712 (values may be object-typed booleans)


def warnings_for(n_units: int, prevalence: float, *, values_seen: int,
                 min_units: int = MIN_UNITS) -> str:
    """The caveats a reader needs beside a figure ("" when none)."""
    notes = []
    if n_units == 0:
        return "no unit was decided by two coders"
    if n_units < min_units:
        notes.append(f"few units ({n_units} < {min_units}): the figures are unstable")
    if values_seen < 2:
        notes.append("every decision had the same value: κ and α are undefined")
    elif not np.isnan(prevalence) and (prevalence < SKEW_LOW or prevalence > SKEW_HIGH):
        notes.append(f"skewed prevalence ({prevalence * 100:.0f} % present): κ and α can be low "
                     "despite high agreement (the κ paradox); read AC1 and percent agreement "
                     "beside them")
    return "; ".join(notes)


def _two_by_two(a: Sequence[Any], b: Sequence[Any]) -> tuple[int, int, int, int]:
    """(both present, only a, only b, both absent) for present/absent ratings."""
    pairs = [(bool(x), bool(y)) for x, y in zip(a, b, strict=True)]
    return (pairs.count((True, True)), pairs.count((True, False)),
            pairs.count((False, True)), pairs.count((False, False)))


def pairwise(decisions: pd.DataFrame) -> pd.DataFrame:
    """Cohen's κ, percent agreement and AC1 for every pair of coders in every group, over
    the units both decided (columns :data:`PAIR_COLUMNS`; counts of the 2×2 table when the
    values are present/absent)."""
    frame = _check(decisions)
    rows: list[dict[str, Any]] = []
    for group, part in frame.groupby("group", sort=True):
        cats = _categories(part["value"])
        coders = sorted(part["coder"].unique(), key=str)
        wide = part.pivot(index="unit", columns="coder", values="value")
        for a, b in combinations(coders, 2):
            both = wide[[a, b]].dropna()
            va, vb = list(both[a]), list(both[b])
            binary = cats == [False, True]
            table = _two_by_two(va, vb) if binary else (None, None, None, None)
            rows.append({
                "group": group, "coder_a": a, "coder_b": b, "n_units": len(both),
                "n_both_positive": table[0], "n_only_a": table[1], "n_only_b": table[2],
                "n_both_negative": table[3],
                "percent_agreement": percent_agreement(list(zip(va, vb, strict=True))),
                "kappa": cohen_kappa(va, vb, cats),
                "ac1": gwet_ac1(list(zip(va, vb, strict=True)), cats),
            })
    return pd.DataFrame(rows, columns=list(PAIR_COLUMNS))


def agreement(decisions: pd.DataFrame, *, min_units: int = MIN_UNITS) -> pd.DataFrame:
    """One row per group (columns :data:`AGREEMENT_COLUMNS`).

    ``n_units`` counts units decided by at least two coders (only those can agree or not);
    ``prevalence`` is the share of "present" decisions among all decisions of the group
    (NaN for values that are not present/absent); ``kappa`` is Cohen's κ for two coders
    and the mean of the pairwise κs with more (Light 1971; every pair is in
    ``kappa_pairs``, and :func:`pairwise` has them in full); ``alpha`` uses every decision,
    including units only one coder decided. ``warning`` flags few units (< ``min_units``),
    a single value throughout, and skewed prevalence (< 10 % or > 90 %).
    """
    frame = _check(decisions)
    pairs = pairwise(frame)
    rows: list[dict[str, Any]] = []
    for group, part in frame.groupby("group", sort=True):
        cats = _categories(part["value"])
        coders = sorted(part["coder"].unique(), key=str)
        ratings = _matrix(part, coders)
        n_units = sum(sum(v is not None for v in r) >= 2 for r in ratings)
        binary = cats == [False, True]
        n_pos = _positive(part["value"]) if binary else 0
        prevalence = n_pos / len(part) if binary and len(part) else float("nan")
        group_pairs = pairs[(pairs["group"] == group) & (pairs["n_units"] > 0)]
        kappas = [k for k in group_pairs["kappa"] if not np.isnan(k)]
        rows.append({
            "group": group,
            "n_units": n_units,
            "n_coders": len(coders),
            "n_decisions": len(part),
            "n_positive": n_pos if binary else None,
            "prevalence": prevalence,
            "percent_agreement": percent_agreement(ratings),
            "kappa": float(np.mean(kappas)) if kappas else float("nan"),
            "alpha": krippendorff_alpha(ratings, cats),
            "ac1": gwet_ac1(ratings, cats),
            "n_pairs": len(group_pairs),
            "kappa_pairs": "; ".join(
                f"{r.coder_a}–{r.coder_b} {r.kappa:.3f} (n={r.n_units})"
                for r in group_pairs.itertuples()),
            "warning": warnings_for(n_units, prevalence, values_seen=part["value"].nunique(),
                                    min_units=min_units),
        })
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))


def disagreements(decisions: pd.DataFrame) -> pd.DataFrame:
    """Units whose coders did not all give the same value: one row per (group, unit), one
    column per coder with their value (NaN where they did not decide)."""
    frame = _check(decisions)
    wide = frame.pivot_table(index=["group", "unit"], columns="coder", values="value",
                             aggfunc="first")
    split = wide.apply(lambda r: r.dropna().nunique() > 1, axis=1)
    out = wide[split] if len(wide) else wide
    out.columns.name = None
    return out.reset_index()
