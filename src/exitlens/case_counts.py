"""Who cites what, as frames: the grouped pandas passes under :mod:`exitlens.statistics`.

Counting over 100k cases and a million codings cannot walk the codings once per code or
once per group of cases, so the counting rules (SPEC §2 and §6, restated in
:mod:`exitlens.statistics`) are applied here once per table, to whole columns:

- :func:`counted_codings`: the codings that can count (with a case, a code the codebook
  knows, status ``accepted``, or ``suggested`` unless ``accepted_only``);
- :func:`citation_frame`: one row per (case, key) a case cites at a level (code, family
  or dimension; a child code counts for its ancestors), with whether an accepted coding
  supports it;
- :func:`resting_codings`: the codings (not cases) behind a set of keys;
- :func:`wilson_intervals`: Wilson 95 % intervals for whole arrays, the same arithmetic
  as scipy's ``binomtest(k, n).proportion_ci(method="wilson")``, float for float.

Pure functions over the ``case_codings`` frame; no database.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

import numpy as np
import pandas as pd
from scipy.special import ndtri

from .coding.codebook import Codebook

CountLevel = Literal["code", "family", "dimension"]
CITATION_COLUMNS = ["case_id", "key", "accepted"]


def _key_of(codebook: Codebook, code: str, level: CountLevel) -> str | None:
    c = codebook.codes[code]
    if level == "code":
        return c.id
    if level == "family":
        return c.family
    return c.dimension


def keys_of_codes(codebook: Codebook, level: CountLevel) -> pd.DataFrame:
    """``code, key``: every key each codebook code counts for at a level (itself and its
    ancestors, rolled up; codes without a family have no family key)."""
    pairs: list[tuple[str, str]] = []
    for code in codebook.codes:
        keys = {_key_of(codebook, cid, level) for cid in codebook.rollup([code])}
        pairs.extend((code, key) for key in sorted(k for k in keys if k is not None))
    return pd.DataFrame(pairs, columns=["code", "key"])


def with_case(codings: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """``case_id`` (int64), ``code``, ``status`` of the codings with a case and a code the
    codebook knows (anything else never counts)."""
    if codings.empty:
        return pd.DataFrame({"case_id": pd.Series(dtype="int64"),
                             "code": pd.Series(dtype=object),
                             "status": pd.Series(dtype=object)})
    rows = codings[["case_id", "code", "status"]].dropna(subset=["case_id"])
    code, status = _as_text(rows["code"]), _as_text(rows["status"])
    known = code.isin(list(codebook.codes))
    return pd.DataFrame({"case_id": rows["case_id"][known].astype("int64"),
                         "code": code[known], "status": status[known]})


def _as_text(values: pd.Series) -> pd.Series:
    return values if pd.api.types.is_string_dtype(values) else values.astype(str)


def counted_codings(codings: pd.DataFrame, codebook: Codebook, *,
                    accepted_only: bool) -> pd.DataFrame:
    """:func:`with_case` rows whose status counts: accepted, or suggested unless
    ``accepted_only`` (rejected codings never count)."""
    rows = with_case(codings, codebook)
    counted = ["accepted"] if accepted_only else ["accepted", "suggested"]
    return rows[rows["status"].isin(counted)]


def citation_frame(codings: pd.DataFrame, codebook: Codebook, *, level: CountLevel,
                   accepted_only: bool, keys: Collection[str] | None = None,
                   counted: pd.DataFrame | None = None) -> pd.DataFrame:
    """``case_id, key, accepted``: one row per key a case cites (``keys``: only these).

    ``accepted`` is True when at least one accepted coding supports the citation, False
    when only unreviewed suggestions do. ``counted``: :func:`counted_codings` of
    ``codings`` when the caller already has them.
    """
    rows = counted if counted is not None else counted_codings(
        codings, codebook, accepted_only=accepted_only)
    mapping = keys_of_codes(codebook, level)
    if keys is not None:
        mapping = mapping[mapping["key"].isin(list(keys))]
    cited = rows.merge(mapping, on="code", how="inner")
    cited = cited.assign(accepted=cited["status"].eq("accepted"))
    out = cited.groupby(["case_id", "key"], sort=False, as_index=False)["accepted"].any()
    return out[CITATION_COLUMNS]


def resting_codings(codings: pd.DataFrame, codebook: Codebook, *, keys: Collection[str],
                    level: CountLevel, accepted_only: bool,
                    counted: pd.DataFrame | None = None) -> pd.DataFrame:
    """``case_id, accepted``: the codings (not cases) a table of ``keys`` rests on: those
    counting for at least one of the keys, accepted ones, and suggested ones unless
    ``accepted_only`` (``counted`` as for :func:`citation_frame`)."""
    mapping = keys_of_codes(codebook, level)
    touching = set(mapping.loc[mapping["key"].isin(list(keys)), "code"])
    rows = counted if counted is not None else counted_codings(
        codings, codebook, accepted_only=accepted_only)
    rows = rows[rows["code"].isin(list(touching))]
    return pd.DataFrame({"case_id": rows["case_id"], "accepted": rows["status"].eq("accepted")})


def wilson_intervals(k: np.ndarray, n: np.ndarray, confidence: float = 0.95
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided Wilson score intervals for arrays of k successes out of n (NaN when
    n == 0). Newcombe's (1998) formulas in the order scipy evaluates them, so every bound
    equals ``binomtest(k, n).proportion_ci(confidence, "wilson")`` exactly."""
    k = np.asarray(k, dtype="int64")
    n = np.asarray(n, dtype="int64")
    if ((n < 0) | (k < 0) | (k > n)).any():
        raise ValueError("need 0 <= k <= n for every interval")
    low = np.full(k.shape, np.nan)
    high = np.full(k.shape, np.nan)
    some = n > 0
    ks, ns = k[some], n[some]
    z = ndtri(0.5 + 0.5 * confidence)
    p = ks / ns
    q = 1 - p
    denom = 2 * (ns + z**2)
    center = (2 * ns * p + z**2) / denom
    delta = z / denom * np.sqrt(4 * ns * p * q + z**2)
    low[some] = np.where(ks == 0, 0.0, center - delta)
    high[some] = np.where(ks == ns, 1.0, center + delta)
    return low, high


def share_rows(k: np.ndarray, n: np.ndarray) -> list[dict[str, int | float | None]]:
    """``k, n, share, ci_low, ci_high`` per position (Python numbers; share and interval
    None when n == 0), as :func:`exitlens.statistics.share_row` gives one at a time."""
    low, high = wilson_intervals(k, n)
    out: list[dict[str, int | float | None]] = []
    for ki, ni, lo, hi in zip(np.asarray(k).tolist(), np.asarray(n).tolist(), low.tolist(),
                              high.tolist(), strict=True):
        ki, ni = int(ki), int(ni)
        out.append({"k": ki, "n": ni, "share": (ki / ni) if ni else None,
                    "ci_low": lo if ni else None, "ci_high": hi if ni else None})
    return out
