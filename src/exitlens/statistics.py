"""Prevalence tables over defector *cases*: who cites which reason, out of how many.

Pure functions over two pandas frames (no database): ``cases`` (one row per defector
case, from ``Project.cases()``) and ``codings`` (one row per coding with its ``case_id``,
from ``Project.case_codings()``). Counting is always over cases: a case that cites a code
in three documents counts once.

Counting rules (SPEC §2 and §6):

- a case *cites* a code when it has at least one coding of it with status ``accepted``,
  or ``suggested`` unless ``accepted_only``; ``rejected`` codings never count;
- a child code counts for its parent (the codebook's roll-up); a family or dimension row
  counts a case once however many of its codes the case cites;
- ``denominator="all"``: n is every case (after flag filters); ``"any_exit"``: n is the
  cases with at least one counted exit-dimension coding;
- shares carry a Wilson 95 % interval (scipy); n = 0 gives no share and no interval.

Every table's ``.attrs`` carries a plain-language ``denominator`` line (print it under the
table) and the numbers of accepted and suggested codings it rests on; cases removed by a
flag filter are always counted and named there, never dropped silently.
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any, Literal

import pandas as pd
from scipy.stats import binomtest

from .cases import FLAG_IDS
from .coding.codebook import Codebook
from .errors import ExitlensError

Level = Literal["code", "family", "dimension"]
Denominator = Literal["all", "any_exit"]
BreakdownBy = Literal["nationality", "region", "gender", "year_left", "outlet_kind"]

FLAGS = FLAG_IDS  # the credibility flags cases carry (exitlens.cases)
UNKNOWN = "unknown"
BREAKDOWNS: tuple[BreakdownBy, ...] = ("nationality", "region", "gender", "year_left",
                                       "outlet_kind")
PREVALENCE_COLUMNS = ["key", "label", "k", "n", "share", "ci_low", "ci_high",
                      "n_accepted", "n_suggested", "dimension", "family"]


# --------------------------------------------------------------------------- intervals


def wilson_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float | None, float | None]:
    """Wilson score interval for k successes out of n (scipy); ``(None, None)`` when n == 0."""
    k, n = int(k), int(n)
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return None, None
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


def share_row(k: int, n: int) -> dict[str, Any]:
    """``k, n, share, ci_low, ci_high`` for one count (share and interval None when n == 0)."""
    low, high = wilson_interval(k, n)
    return {"k": int(k), "n": int(n), "share": (k / n) if n else None,
            "ci_low": low, "ci_high": high}


# --------------------------------------------------------------------------- case selection


def filter_cases(cases: pd.DataFrame, include_flags: Iterable[str] | None = None,
                 exclude_flags: Iterable[str] | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Apply flag filters; return the kept cases and one sentence per reason cases were left out.

    ``include_flags``: keep only cases carrying at least one of these flags;
    ``exclude_flags``: leave out cases carrying any of them.
    """
    for flag in [*(include_flags or ()), *(exclude_flags or ())]:
        if flag not in FLAGS:
            raise _unknown("flag", flag, list(FLAGS))
    notes: list[str] = []
    flags = cases["flags"].map(_as_list) if "flags" in cases else pd.Series(
        [[] for _ in range(len(cases))], index=cases.index)
    keep = pd.Series(True, index=cases.index)
    wanted = sorted(set(include_flags or ()))
    if wanted:
        has = flags.map(lambda fs: any(f in wanted for f in fs))
        dropped = int((~has).sum())
        if dropped:
            notes.append(f"{dropped} {_cases(dropped)} without the flag "
                         f"{' or '.join(wanted)} left out")
        keep &= has
    for flag in sorted(set(exclude_flags or ())):
        hit = keep & flags.map(lambda fs, f=flag: f in fs)
        dropped = int(hit.sum())
        if dropped:
            notes.append(f"{dropped} {_cases(dropped)} flagged {flag} left out")
        keep &= ~hit
    return cases[keep], notes


def _unknown(what: str, value: Any, choices: Sequence[str]) -> ExitlensError:
    return ExitlensError(f"unknown {what} {value!r}; use {', '.join(choices)}",
                         code="unknown_name")


def _as_list(value: Any) -> list[Any]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _cases(n: int) -> str:
    return "case" if n == 1 else "cases"


# --------------------------------------------------------------------------- who cites what


def _key_of(codebook: Codebook, code: str, level: Level) -> str | None:
    c = codebook.codes[code]
    if level == "code":
        return c.id
    if level == "family":
        return c.family
    return c.dimension


def case_citations(codings: pd.DataFrame, codebook: Codebook, case_ids: Iterable[int], *,
                   level: Level = "code", accepted_only: bool = False
                   ) -> dict[str, dict[int, str]]:
    """key → {case_id → "accepted" | "suggested"}: which cases cite each key, and on what.

    A case cites a key "accepted" when at least one accepted coding supports it, else
    "suggested" when only unreviewed suggestions do. Codes unknown to the codebook and
    rejected codings are ignored; child codes count for their ancestors.
    """
    counted = {"accepted"} if accepted_only else {"accepted", "suggested"}
    ids = set(case_ids)
    out: dict[str, dict[int, str]] = {}
    for case_id, code, status in _coding_triples(codings):
        if status not in counted or case_id not in ids or code not in codebook:
            continue
        for cid in codebook.rollup([code]):
            key = _key_of(codebook, cid, level)
            if key is None:
                continue
            cited = out.setdefault(key, {})
            if cited.get(case_id) != "accepted":
                cited[case_id] = status
    return out


def _coding_triples(codings: pd.DataFrame) -> Iterable[tuple[int, str, str]]:
    codings = codings.dropna(subset=["case_id"]) if len(codings) else codings
    if codings.empty:
        return []
    return zip(codings["case_id"].astype(int), codings["code"].astype(str),
               codings["status"].astype(str), strict=True)


def _denominator_cases(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook,
                       denominator: Denominator, accepted_only: bool) -> list[int]:
    ids = [int(c) for c in cases["case_id"]]
    if denominator == "all":
        return ids
    if denominator != "any_exit":
        raise _unknown("denominator", denominator, ["all", "any_exit"])
    exit_cases = case_citations(codings, codebook, ids, level="dimension",
                                accepted_only=accepted_only).get("exit", {})
    return [c for c in ids if c in exit_cases]


def _level_keys(codebook: Codebook, level: Level, dimension: str | None) -> list[str]:
    if dimension is not None and dimension not in codebook.dimensions:
        raise _unknown("dimension", dimension, list(codebook.dimensions))
    if level == "code":
        return codebook.codes_in(dimension)
    if level == "family":
        dims = [dimension] if dimension else list(codebook.dimensions)
        return [fam for d in dims for fam in codebook.dimensions[d].families]
    if level == "dimension":
        return [dimension] if dimension else list(codebook.dimensions)
    raise _unknown("level (by)", level, ["code", "family", "dimension"])


def _label(codebook: Codebook, key: str, level: Level) -> tuple[str, str | None, str | None]:
    """(label, dimension, family) of a key at a level."""
    if level == "code":
        c = codebook.codes[key]
        return c.label, c.dimension, c.family
    if level == "family":
        for d in codebook.dimensions.values():
            if key in d.families:
                return d.families[key], d.id, key
        return key, None, key
    return codebook.dimensions[key].label, key, None


# --------------------------------------------------------------------------- prevalence


def prevalence(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
               by: Level = "code", dimension: str | None = None,
               denominator: Denominator = "all", accepted_only: bool = False,
               include_flags: Iterable[str] | None = None,
               exclude_flags: Iterable[str] | None = None) -> pd.DataFrame:
    """How many cases cite each code (family, dimension), out of how many: SPEC §6 rows.

    Columns: ``key, label, k, n, share, ci_low, ci_high, n_accepted, n_suggested,
    dimension, family`` (``family`` is the key itself for family rows and empty for
    dimension rows). Every key of the codebook at that level (within ``dimension`` when
    given) is listed, k = 0 included, sorted by share descending then key. Codes without
    a family (the barrier dimension) appear in ``by="code"`` and ``"dimension"`` only.

    ``.attrs``: ``denominator`` (the sentence to print under the table), ``n_cases``,
    ``denominator_kind``, ``accepted_only``, ``n_accepted_codings`` and
    ``n_suggested_codings`` (codings of the listed keys among counted cases),
    ``excluded_cases`` and ``exclusions`` (flag filters), ``by``, ``dimension``.
    """
    kept, notes = filter_cases(cases, include_flags, exclude_flags)
    table = _prevalence_over(kept, codings, codebook, by=by, dimension=dimension,
                             denominator=denominator, accepted_only=accepted_only)
    excluded = len(cases) - len(kept)
    table.attrs.update(excluded_cases=excluded, exclusions=notes)
    table.attrs["denominator"] = _denominator_text(
        int(table.attrs["n_cases"]), denominator, accepted_only, notes)
    return table


def _prevalence_over(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                     by: Level, dimension: str | None, denominator: Denominator,
                     accepted_only: bool) -> pd.DataFrame:
    keys = _level_keys(codebook, by, dimension)
    base = _denominator_cases(cases, codings, codebook, denominator, accepted_only)
    cited = case_citations(codings, codebook, base, level=by, accepted_only=accepted_only)
    n = len(base)
    rows = []
    for key in keys:
        label, dim, fam = _label(codebook, key, by)
        status = cited.get(key, {})
        n_acc = sum(1 for s in status.values() if s == "accepted")
        rows.append({"key": key, "label": label, **share_row(len(status), n),
                     "n_accepted": n_acc, "n_suggested": len(status) - n_acc,
                     "dimension": dim, "family": fam})
    table = pd.DataFrame(rows, columns=PREVALENCE_COLUMNS)
    table = _sort(table)
    n_acc_codings, n_sugg_codings = _resting_codings(codings, codebook, base, keys, by,
                                                     accepted_only)
    table.attrs.update(
        n_cases=n, denominator_kind=denominator, accepted_only=accepted_only,
        n_accepted_codings=n_acc_codings, n_suggested_codings=n_sugg_codings,
        by=by, dimension=dimension, excluded_cases=0, exclusions=[],
        denominator=_denominator_text(n, denominator, accepted_only, []),
    )
    return table


def _sort(table: pd.DataFrame) -> pd.DataFrame:
    order = table.assign(_s=table["share"].astype(float).fillna(-1.0))
    order = order.sort_values(["_s", "key"], ascending=[False, True], kind="stable")
    return order.drop(columns="_s").reset_index(drop=True)


def _resting_codings(codings: pd.DataFrame, codebook: Codebook, case_ids: Iterable[int],
                     keys: Sequence[str], by: Level, accepted_only: bool) -> tuple[int, int]:
    """Accepted and suggested codings (not cases) behind a table's counts."""
    ids, wanted = set(case_ids), set(keys)
    accepted = suggested = 0
    for case_id, code, status in _coding_triples(codings):
        if case_id not in ids or code not in codebook:
            continue
        if not any(_key_of(codebook, c, by) in wanted for c in codebook.rollup([code])):
            continue
        if status == "accepted":
            accepted += 1
        elif status == "suggested" and not accepted_only:
            suggested += 1
    return accepted, suggested


def _denominator_text(n: int, denominator: Denominator, accepted_only: bool,
                      exclusions: Sequence[str]) -> str:
    who = ("all defectors" if denominator == "all"
           else "defectors with at least one exit reason coded")
    what = ("accepted codings only" if accepted_only
            else "accepted codings and unreviewed suggestions")
    text = f"n = {n} defector {_cases(n)} ({who}; {what})"
    if exclusions:
        text += "; " + "; ".join(exclusions)
    return text


def counts_text(table: pd.DataFrame) -> str:
    """'Rests on 12 accepted codings and 30 unreviewed suggestions.' for a table's attrs."""
    acc = int(table.attrs.get("n_accepted_codings", 0))
    sug = int(table.attrs.get("n_suggested_codings", 0))
    if table.attrs.get("accepted_only"):
        return f"Rests on {acc} accepted {_codings(acc)}."
    return f"Rests on {acc} accepted {_codings(acc)} and {sug} unreviewed {_suggestions(sug)}."


def _codings(n: int) -> str:
    return "coding" if n == 1 else "codings"


def _suggestions(n: int) -> str:
    return "suggestion" if n == 1 else "suggestions"


# --------------------------------------------------------------------------- breakdowns


def breakdown(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
              breakdown: BreakdownBy = "nationality", by: Level = "code",
              dimension: str | None = None, denominator: Denominator = "all",
              accepted_only: bool = False, include_flags: Iterable[str] | None = None,
              exclude_flags: Iterable[str] | None = None) -> pd.DataFrame:
    """Prevalence per group of cases, each group with its own denominator (long form).

    Columns: ``group`` then the :func:`prevalence` columns. Groups: ISO nationality,
    world region (:func:`region_of`), gender, year left, or outlet kind; a case without
    the value falls in the explicit group ``"unknown"`` (listed last; other groups by
    size, then name; years in order). ``.attrs``: ``breakdown``, ``groups`` (group → n),
    ``denominators`` (group → sentence), ``denominator`` (one sentence for the whole
    table), plus the filter notes of :func:`prevalence`.
    """
    kept, notes = filter_cases(cases, include_flags, exclude_flags)
    groups = group_cases(kept, breakdown)
    frames, denominators, sizes = [], {}, {}
    for group, members in groups.items():
        table = _prevalence_over(members, codings, codebook, by=by, dimension=dimension,
                                 denominator=denominator, accepted_only=accepted_only)
        sizes[group] = int(table.attrs["n_cases"])
        denominators[group] = table.attrs["denominator"]
        frames.append(table.assign(group=group))
    columns = ["group", *PREVALENCE_COLUMNS]
    out = (pd.concat(frames, ignore_index=True)[columns] if frames
           else pd.DataFrame(columns=columns))
    what = "accepted codings only" if accepted_only else \
        "accepted codings and unreviewed suggestions"
    who = "all defectors" if denominator == "all" else \
        "defectors with at least one exit reason coded"
    text = (f"per {breakdown.replace('_', ' ')}: each group's n is its own defector cases "
            f"({who}; {what}); {len(kept)} {_cases(len(kept))} in {len(groups)} groups")
    if notes:
        text += "; " + "; ".join(notes)
    out.attrs.update(breakdown=breakdown, groups=sizes, denominators=denominators,
                     denominator=text, excluded_cases=len(cases) - len(kept),
                     exclusions=notes, accepted_only=accepted_only, by=by,
                     dimension=dimension, denominator_kind=denominator)
    return out


def group_cases(cases: pd.DataFrame, breakdown: BreakdownBy) -> dict[str, pd.DataFrame]:
    """Cases split by a profile value; missing values form the group "unknown" (last)."""
    values = [_group_value(row, breakdown) for row in cases.to_dict("records")]
    labels = pd.Series(values, index=cases.index, dtype=object)
    sizes = labels.value_counts()
    names = [g for g in sizes.index if g != UNKNOWN]
    if breakdown == "year_left":  # chronological
        names.sort(key=lambda g: (len(str(g)), str(g)))
    else:
        names.sort(key=lambda g: (-int(sizes[g]), str(g)))
    if UNKNOWN in sizes.index:
        names.append(UNKNOWN)
    return {str(g): cases[labels == g] for g in names}


def _group_value(row: dict[str, Any], breakdown: BreakdownBy) -> str:
    if breakdown == "nationality":
        value = row.get("nationality")
    elif breakdown == "region":
        value = region_of(row.get("nationality"), row.get("origin_region"))
    elif breakdown == "gender":
        value = row.get("gender")
    elif breakdown == "year_left":
        value = row.get("left_year")
        if value is not None and _present(value):
            value = str(int(value))
    elif breakdown == "outlet_kind":
        value = row.get("outlet_kind")
    else:
        raise _unknown("breakdown", breakdown, list(BREAKDOWNS))
    return str(value) if _present(value) else UNKNOWN


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and pd.isna(value):
        return False
    return not (isinstance(value, str) and not value.strip())


@functools.lru_cache(maxsize=1)
def _world_regions() -> dict[str, str]:
    """ISO alpha-2 → world region: countryinfo's UN subregions, corrected by our table."""
    from countryinfo import CountryInfo

    regions: dict[str, str] = {}
    for data in CountryInfo.all().values():
        alpha2 = (data.get("ISO") or {}).get("alpha2")
        sub = (data.get("subregion") or "").strip()
        if alpha2 and sub:
            regions[alpha2.upper()] = sub.replace("South-Eastern", "South-eastern")
    path = resources.files("exitlens").joinpath("data/gazetteer/world_regions.csv")
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(line for line in fh if not line.startswith("#")):
            regions[row["country"].strip().upper()] = row["region"].strip()
    return regions


def region_of(nationality: Any, origin_region: Any = None) -> str | None:
    """World region of an ISO alpha-2 nationality; else the free-text ``origin_region``."""
    if _present(nationality):
        region = _world_regions().get(str(nationality).upper())
        if region:
            return region
    return str(origin_region) if _present(origin_region) else None


# --------------------------------------------------------------------------- matrices


def promise_reality(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                    join_by: Literal["code", "family"] = "code",
                    exit_by: Literal["code", "family"] = "code",
                    accepted_only: bool = False, include_flags: Iterable[str] | None = None,
                    exclude_flags: Iterable[str] | None = None) -> pd.DataFrame:
    """Join motive × exit reason: of the cases citing join motive J, how many cite exit E.

    Long form, one row per (J, E) in codebook order: ``join_key, join_label, exit_key,
    exit_label, k, n, share, ci_low, ci_high`` where n = cases citing J and k = cases
    citing both. :func:`as_wide` pivots it. ``.attrs`` as :func:`prevalence`.
    """
    kept, notes = filter_cases(cases, include_flags, exclude_flags)
    ids = [int(c) for c in kept["case_id"]]
    joins = case_citations(codings, codebook, ids, level=join_by, accepted_only=accepted_only)
    exits = case_citations(codings, codebook, ids, level=exit_by, accepted_only=accepted_only)
    rows = []
    for j in _level_keys(codebook, join_by, "join"):
        with_j = set(joins.get(j, {}))
        for e in _level_keys(codebook, exit_by, "exit"):
            both = len(with_j & set(exits.get(e, {})))
            rows.append({"join_key": j, "join_label": _label(codebook, j, join_by)[0],
                         "exit_key": e, "exit_label": _label(codebook, e, exit_by)[0],
                         **share_row(both, len(with_j))})
    out = pd.DataFrame(rows, columns=["join_key", "join_label", "exit_key", "exit_label",
                                      "k", "n", "share", "ci_low", "ci_high"])
    what = "accepted codings only" if accepted_only else \
        "accepted codings and unreviewed suggestions"
    text = (f"each row's n is the defector cases citing that join motive, out of {len(ids)} "
            f"{_cases(len(ids))}; k of them cite the exit reason ({what})")
    if notes:
        text += "; " + "; ".join(notes)
    out.attrs.update(denominator=text, n_cases=len(ids), excluded_cases=len(cases) - len(ids),
                     exclusions=notes, accepted_only=accepted_only)
    return out


def as_wide(long: pd.DataFrame, value: str = "k", *, rows: str = "join_key",
            cols: str = "exit_key") -> pd.DataFrame:
    """Pivot a long matrix (:func:`promise_reality`, :func:`cooccurrence`) keeping key order."""
    row_order = list(dict.fromkeys(long[rows]))
    col_order = list(dict.fromkeys(long[cols]))
    wide = long.pivot(index=rows, columns=cols, values=value)
    return wide.reindex(index=row_order, columns=col_order)


def cooccurrence(cases: pd.DataFrame, codings: pd.DataFrame, codebook: Codebook, *,
                 dimension: str = "exit", by: Literal["code", "family"] = "code",
                 accepted_only: bool = False, include_flags: Iterable[str] | None = None,
                 exclude_flags: Iterable[str] | None = None) -> pd.DataFrame:
    """Code × code case counts within a dimension (long form; the diagonal is each code's k).

    Columns: ``key_a, key_b, k`` (cases citing both), ``k_a, k_b`` (cases citing each),
    ``n`` (all counted cases).
    """
    kept, notes = filter_cases(cases, include_flags, exclude_flags)
    ids = [int(c) for c in kept["case_id"]]
    cited = case_citations(codings, codebook, ids, level=by, accepted_only=accepted_only)
    keys = _level_keys(codebook, by, dimension)
    rows = []
    for a in keys:
        sa = set(cited.get(a, {}))
        for b in keys:
            sb = set(cited.get(b, {}))
            rows.append({"key_a": a, "key_b": b, "k": len(sa & sb), "k_a": len(sa),
                         "k_b": len(sb), "n": len(ids)})
    out = pd.DataFrame(rows, columns=["key_a", "key_b", "k", "k_a", "k_b", "n"])
    out.attrs.update(denominator=_denominator_text(len(ids), "all", accepted_only, notes),
                     n_cases=len(ids), excluded_cases=len(cases) - len(ids), exclusions=notes,
                     accepted_only=accepted_only)
    return out


SPEC_ROW = ("key", "label", "k", "n", "share", "ci_low", "ci_high")


def rows(table: pd.DataFrame, columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Plain JSON-ready rows of a table: numpy scalars become Python numbers and a missing
    share or interval becomes None. ``columns`` picks and orders the keys (SPEC §6 rows:
    :data:`SPEC_ROW`)."""
    keep = list(columns) if columns is not None else list(table.columns)
    out: list[dict[str, Any]] = []
    for record in table[keep].to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in record.items():
            if hasattr(value, "item"):
                value = value.item()
            if isinstance(value, float) and value != value:
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out
