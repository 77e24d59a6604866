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

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from .case_counts import citation_frame, counted_codings, resting_codings, share_rows
from .cases import FLAG_IDS, is_inferred
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
    if not include_flags and not exclude_flags:
        return cases, notes
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


def case_citations(codings: pd.DataFrame, codebook: Codebook, case_ids: Iterable[int], *,
                   level: Level = "code", accepted_only: bool = False
                   ) -> dict[str, dict[int, str]]:
    """key → {case_id → "accepted" | "suggested"}: which cases cite each key, and on what.

    A case cites a key "accepted" when at least one accepted coding supports it, else
    "suggested" when only unreviewed suggestions do. Codes unknown to the codebook and
    rejected codings are ignored; child codes count for their ancestors. (The tables
    below count from :func:`exitlens.case_counts.citation_frame` directly.)
    """
    cited = citation_frame(codings, codebook, level=level, accepted_only=accepted_only)
    cited = cited[cited["case_id"].isin(list(case_ids))]
    out: dict[str, dict[int, str]] = {}
    for case_id, key, accepted in zip(cited["case_id"].tolist(), cited["key"].tolist(),
                                      cited["accepted"].tolist(), strict=True):
        out.setdefault(key, {})[int(case_id)] = "accepted" if accepted else "suggested"
    return out


def _check_denominator(denominator: str) -> None:
    if denominator not in ("all", "any_exit"):
        raise _unknown("denominator", denominator, ["all", "any_exit"])


def _in_denominator(case_ids: pd.Series, codings: pd.DataFrame, codebook: Codebook,
                    denominator: Denominator, accepted_only: bool) -> pd.Series:
    """Which of ``case_ids`` the denominator counts (all, or those citing an exit reason)."""
    _check_denominator(denominator)
    if denominator == "all":
        return pd.Series(True, index=case_ids.index)
    exits = citation_frame(codings, codebook, level="dimension", accepted_only=accepted_only,
                           keys=["exit"])
    return case_ids.isin(exits["case_id"].unique())


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
    labels = pd.Series("all", index=cases.index, dtype=object)
    return _tables_by_group(cases, labels, ["all"], codings, codebook, by=by,
                            dimension=dimension, denominator=denominator,
                            accepted_only=accepted_only)["all"]


def _tables_by_group(cases: pd.DataFrame, labels: pd.Series, groups: Sequence[str],
                     codings: pd.DataFrame, codebook: Codebook, *, by: Level,
                     dimension: str | None, denominator: Denominator,
                     accepted_only: bool) -> dict[str, pd.DataFrame]:
    """One prevalence table per group of cases (``labels``: each case's group, aligned with
    ``cases``), all counted in one grouped pass: each group is its own denominator."""
    keys = _level_keys(codebook, by, dimension)
    case_ids = cases["case_id"].astype("int64")
    base = _in_denominator(case_ids, codings, codebook, denominator, accepted_only)
    base_groups = pd.Series(labels[base].to_numpy(), index=case_ids[base].to_numpy())
    sizes = base_groups.groupby(base_groups, sort=False).size()
    group_of = base_groups[~base_groups.index.duplicated()]

    counted = counted_codings(codings, codebook, accepted_only=accepted_only)
    cited = citation_frame(codings, codebook, level=by, accepted_only=accepted_only,
                           keys=keys, counted=counted)
    cited = cited.assign(group=cited["case_id"].map(group_of)).dropna(subset=["group"])
    counts = cited.groupby(["group", "key"], sort=False)["accepted"].agg(["size", "sum"])
    resting = resting_codings(codings, codebook, keys=keys, level=by,
                              accepted_only=accepted_only, counted=counted)
    resting = resting.assign(group=resting["case_id"].map(group_of)).dropna(subset=["group"])
    behind = resting.groupby(["group", "accepted"], sort=False).size()

    labelled = [(key, *_label(codebook, key, by)) for key in keys]
    tables: dict[str, pd.DataFrame] = {}
    for group in groups:
        n = int(sizes.get(group, 0))
        index = pd.MultiIndex.from_product([[group], keys], names=["group", "key"])
        here = counts.reindex(index, fill_value=0)
        k, n_acc = here["size"].to_numpy(), here["sum"].to_numpy()
        shares = share_rows(k, np.full(len(keys), n))
        rows = [{"key": key, "label": label, **share,
                 "n_accepted": int(acc), "n_suggested": int(ki) - int(acc),
                 "dimension": dim, "family": fam}
                for (key, label, dim, fam), share, ki, acc in zip(labelled, shares, k, n_acc,
                                                                  strict=True)]
        table = _sort(pd.DataFrame(rows, columns=PREVALENCE_COLUMNS))
        table.attrs.update(
            n_cases=n, denominator_kind=denominator, accepted_only=accepted_only,
            n_accepted_codings=int(behind.get((group, True), 0)),
            n_suggested_codings=0 if accepted_only else int(behind.get((group, False), 0)),
            by=by, dimension=dimension, excluded_cases=0, exclusions=[],
            denominator=_denominator_text(n, denominator, accepted_only, []),
        )
        tables[group] = table
    return tables


def _sort(table: pd.DataFrame) -> pd.DataFrame:
    order = table.assign(_s=table["share"].astype(float).fillna(-1.0))
    order = order.sort_values(["_s", "key"], ascending=[False, True], kind="stable")
    return order.drop(columns="_s").reset_index(drop=True)


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
              exclude_flags: Iterable[str] | None = None, inferred: bool = False
              ) -> pd.DataFrame:
    """Prevalence per group of cases, each group with its own denominator (long form).

    Columns: ``group`` then the :func:`prevalence` columns. Groups: ISO nationality,
    world region (:func:`region_of`), gender, year left, or outlet kind; a case without
    the value falls in the explicit group ``"unknown"`` (listed last; other groups by
    size, then name; years in order). ``.attrs``: ``breakdown``, ``groups`` (group → n),
    ``denominators`` (group → sentence), ``denominator`` (one sentence for the whole
    table), plus the filter notes of :func:`prevalence`.

    A nationality no source states for the person, only inferred from the page
    (``inferred_fields``), puts the case in "unknown" for the nationality and region
    breakdowns unless ``inferred``; the denominator sentence says how many
    (``.attrs["inferred_cases"]``).
    """
    kept, notes = filter_cases(cases, include_flags, exclude_flags)
    labels = group_labels(kept, breakdown, inferred=inferred)
    moved = 0 if inferred else int(
        (labels != group_labels(kept, breakdown, inferred=True)).sum())
    groups = _group_order(labels, breakdown)
    tables = _tables_by_group(kept, labels, groups, codings, codebook, by=by,
                              dimension=dimension, denominator=denominator,
                              accepted_only=accepted_only)
    frames, denominators, sizes = [], {}, {}
    for group, table in tables.items():
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
    if moved:
        text += (f"; {moved} {_cases(moved)} whose nationality is only inferred from the "
                 "page's country (stated for nobody in the text) counted as unknown")
    if notes:
        text += "; " + "; ".join(notes)
    out.attrs.update(breakdown=breakdown, groups=sizes, denominators=denominators,
                     denominator=text, excluded_cases=len(cases) - len(kept),
                     inferred_cases=moved,
                     exclusions=notes, accepted_only=accepted_only, by=by,
                     dimension=dimension, denominator_kind=denominator)
    return out


def group_cases(cases: pd.DataFrame, breakdown: BreakdownBy, *, inferred: bool = False
                ) -> dict[str, pd.DataFrame]:
    """Cases split by a profile value; missing values form the group "unknown" (last)."""
    labels = group_labels(cases, breakdown, inferred=inferred)
    return {g: cases[labels == g] for g in _group_order(labels, breakdown)}


def group_labels(cases: pd.DataFrame, breakdown: BreakdownBy, *, inferred: bool = False
                 ) -> pd.Series:
    """Each case's group for a breakdown (aligned with ``cases``); "unknown" when the case
    lacks the value, or has it only inferred from the page (``inferred_fields``) and
    ``inferred`` is false."""
    if breakdown not in BREAKDOWNS:
        raise _unknown("breakdown", breakdown, list(BREAKDOWNS))

    def column(name: str) -> pd.Series:
        if name not in cases:
            return pd.Series([None] * len(cases), index=cases.index, dtype=object)
        values = cases[name].astype(object)
        if inferred or "inferred_fields" not in cases:
            return values
        guessed = cases["inferred_fields"].map(lambda v: is_inferred(v, name))
        return values.where(~guessed.astype(bool), None)

    if breakdown == "region":
        memo: dict[tuple[Any, Any], str] = {}
        values = []
        for pair in zip(column("nationality"), column("origin_region"), strict=True):
            label = memo.get(pair)
            if label is None:
                label = memo[pair] = _as_label(region_of(*pair))
            values.append(label)
        return pd.Series(values, index=cases.index, dtype=object)
    if breakdown == "year_left":
        return column("left_year").map(
            lambda v: _as_label(str(int(v)) if _present(v) else None))
    name = "outlet_kind" if breakdown == "outlet_kind" else breakdown
    return column(name).map(_as_label)


def _as_label(value: Any) -> str:
    return str(value) if _present(value) else UNKNOWN


def _group_order(labels: pd.Series, breakdown: BreakdownBy) -> list[str]:
    """Groups by size then name (years in order), "unknown" last."""
    sizes = labels.value_counts()
    names = [str(g) for g in sizes.index if g != UNKNOWN]
    if breakdown == "year_left":  # chronological
        names.sort(key=lambda g: (len(g), g))
    else:
        names.sort(key=lambda g: (-int(sizes[g]), g))
    if UNKNOWN in sizes.index:
        names.append(UNKNOWN)
    return names


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
    join_keys = _level_keys(codebook, join_by, "join")
    exit_keys = _level_keys(codebook, exit_by, "exit")
    joins = _cited_by(codings, codebook, ids, join_by, join_keys, accepted_only)
    exits = _cited_by(codings, codebook, ids, exit_by, exit_keys, accepted_only)
    both = joins.merge(exits, on="case_id", suffixes=("_join", "_exit"))
    k = both.groupby(["key_join", "key_exit"]).size()
    n = joins.groupby("key").size()
    pairs = pd.MultiIndex.from_product([join_keys, exit_keys])
    shares = share_rows(k.reindex(pairs, fill_value=0).to_numpy(),
                        n.reindex(pairs.get_level_values(0), fill_value=0).to_numpy())
    rows = [{"join_key": j, "join_label": _label(codebook, j, join_by)[0],
             "exit_key": e, "exit_label": _label(codebook, e, exit_by)[0], **share}
            for (j, e), share in zip(pairs, shares, strict=True)]
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
    keys = _level_keys(codebook, by, dimension)
    cited = _cited_by(codings, codebook, ids, by, keys, accepted_only)
    pairs = cited.merge(cited, on="case_id", suffixes=("_a", "_b"))
    both = pairs.groupby(["key_a", "key_b"]).size()
    each = cited.groupby("key").size().reindex(keys, fill_value=0)
    rows = [{"key_a": a, "key_b": b, "k": int(both.get((a, b), 0)), "k_a": int(each[a]),
             "k_b": int(each[b]), "n": len(ids)}
            for a in keys for b in keys]
    out = pd.DataFrame(rows, columns=["key_a", "key_b", "k", "k_a", "k_b", "n"])
    out.attrs.update(denominator=_denominator_text(len(ids), "all", accepted_only, notes),
                     n_cases=len(ids), excluded_cases=len(cases) - len(ids), exclusions=notes,
                     accepted_only=accepted_only)
    return out


def _cited_by(codings: pd.DataFrame, codebook: Codebook, case_ids: Sequence[int],
              level: Level, keys: Sequence[str], accepted_only: bool) -> pd.DataFrame:
    """``case_id, key``: which of ``case_ids`` cite which of ``keys``."""
    cited = citation_frame(codings, codebook, level=level, accepted_only=accepted_only,
                           keys=keys)
    return cited.loc[cited["case_id"].isin(list(case_ids)), ["case_id", "key"]]


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
