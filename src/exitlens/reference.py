"""Reference tables: another study's counts, to compare our prevalence with.

A reference file is small and written by hand, YAML or CSV. YAML:

```yaml
source: the 60-narrative study     # defaults for every row (optional)
citation: ""                       # optional, the user fills it in
rows:
  - {key: fighting_injustice, k: 21, n: 60, note: "..."}
```

(a bare list of rows is accepted too). CSV: a header with ``key,k,n,source`` and optionally
``label,note,citation``. ``key`` is a code or family id of the codebook; ``k`` cases out
of ``n``. Every problem raises :class:`ReferenceTableError` (code ``bad_reference``)
naming the file and the row.

:func:`compare` sets our prevalence against each reference row: the difference of the
two shares with Newcombe's hybrid score interval (method 10 of Newcombe 1998, built from
scipy's Wilson intervals) and the two-sided p-value of Fisher's exact test on the 2×2
table (``scipy.stats.fisher_exact``), which stays valid for the small counts of
published qualitative studies.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from scipy.stats import fisher_exact

from .coding.codebook import Codebook, load_codebook
from .errors import ExitlensError
from .statistics import wilson_interval

REQUIRED = ("key", "k", "n", "source")
OPTIONAL = ("label", "note", "citation")
REFERENCE_COLUMNS = ["key", "kind", "label", "k", "n", "share", "ci_low", "ci_high",
                     "source", "citation", "note"]
COMPARE_COLUMNS = ["key", "label", "kind", "source", "k", "n", "share", "ci_low", "ci_high",
                   "ref_k", "ref_n", "ref_share", "ref_ci_low", "ref_ci_high",
                   "difference", "diff_low", "diff_high", "p_value", "note", "citation"]
TEST_NAME = "Fisher's exact test (two-sided) on the 2×2 table"
INTERVAL_NAME = "Newcombe's hybrid score interval (from Wilson intervals)"


class ReferenceTableError(ExitlensError):
    """A reference table cannot be read or is invalid; ``where`` names the file and row."""

    code = "bad_reference"


def sixty_narratives_path() -> Path:
    """The bundled reference: the 60-narrative study of public IS defector accounts."""
    return Path(str(resources.files("exitlens").joinpath(
        "data/reference/sixty_narratives.yaml")))


def load_reference(path: str | Path, codebook: Codebook | None = None) -> pd.DataFrame:
    """Read and validate a reference table (YAML or CSV, by extension).

    Returns columns ``key, kind ("code"|"family"), label, k, n, share, ci_low, ci_high,
    source, citation, note``; ``.attrs["path"]`` is the file.
    """
    p = Path(path)
    codebook = codebook or load_codebook()
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ReferenceTableError(f"cannot read the reference table: {reason}",
                                  where=str(p)) from None
    if p.suffix.lower() == ".csv":
        raw = _csv_rows(text, str(p))
    elif p.suffix.lower() in (".yaml", ".yml"):
        raw = _yaml_rows(text, str(p))
    else:
        raise ReferenceTableError("a reference table is a .yaml, .yml or .csv file",
                                  where=str(p))
    if not raw:
        raise ReferenceTableError("the reference table has no rows", where=str(p))
    rows, seen = [], set()
    for number, (row, where) in enumerate(raw, start=1):
        loc = f"{p}: row {number}{where}"
        clean = _validate(row, codebook, loc)
        if (clean["key"], clean["source"]) in seen:
            raise ReferenceTableError(f"{clean['key']!r} from {clean['source']!r} is listed "
                                      "twice", where=loc)
        seen.add((clean["key"], clean["source"]))
        rows.append(clean)
    table = pd.DataFrame(rows, columns=REFERENCE_COLUMNS)
    table.attrs["path"] = str(p)
    return table


def _yaml_rows(text: str, source: str) -> list[tuple[dict[str, Any], str]]:
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise ReferenceTableError(f"not valid YAML: {problem}", where=source + at) from None
    defaults: dict[str, Any] = {}
    nodes: list[Any] = []
    if isinstance(data, dict):
        unknown = set(data) - {"rows", "source", "citation", "name", "description"}
        if unknown:
            raise ReferenceTableError(f"unknown top-level key {sorted(unknown)[0]!r} (use "
                                      "rows, source, citation, name, description)",
                                      where=source)
        defaults = {k: data[k] for k in ("source", "citation") if data.get(k) is not None}
        items = data.get("rows")
        nodes = _row_nodes(root, "rows")
    else:
        items = data
        nodes = list(root.value) if isinstance(root, yaml.SequenceNode) else []
    if not isinstance(items, list):
        raise ReferenceTableError("expected a list of rows (or a mapping with `rows:`)",
                                  where=source)
    out = []
    for i, item in enumerate(items):
        line = f" (line {nodes[i].start_mark.line + 1})" if i < len(nodes) else ""
        if not isinstance(item, dict):
            raise ReferenceTableError("a row must be a mapping with key, k, n, source",
                                      where=f"{source}: row {i + 1}{line}")
        out.append(({**defaults, **item}, line))
    return out


def _row_nodes(root: Any, name: str) -> list[Any]:
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if key.value == name and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []


def _csv_rows(text: str, source: str) -> list[tuple[dict[str, Any], str]]:
    try:
        reader = csv.DictReader(io.StringIO(text))
        header = reader.fieldnames or []
        rows = list(reader)
    except csv.Error as exc:
        raise ReferenceTableError(f"not valid CSV: {exc}", where=source) from None
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ReferenceTableError(f"the CSV header lacks {', '.join(missing)} (needs "
                                  f"{','.join(REQUIRED)})", where=source)
    out = []
    for i, row in enumerate(rows):
        if None in row:
            raise ReferenceTableError("more values than header columns",
                                      where=f"{source}: row {i + 1} (line {i + 2})")
        out.append(({k: v for k, v in row.items() if v not in (None, "")}, f" (line {i + 2})"))
    return out


def _validate(row: dict[str, Any], codebook: Codebook, where: str) -> dict[str, Any]:
    unknown = sorted(set(row) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise ReferenceTableError(f"unknown field {unknown[0]!r} (fields: "
                                  f"{', '.join(REQUIRED + OPTIONAL)})", where=where)
    missing = [f for f in REQUIRED if row.get(f) in (None, "")]
    if missing:
        raise ReferenceTableError(f"missing field {missing[0]!r}", where=where)
    key = str(row["key"]).strip()
    families = {fam: label for d in codebook.dimensions.values()
                for fam, label in d.families.items()}
    if key in codebook:
        kind, label = "code", codebook.codes[key].label
    elif key in families:
        kind, label = "family", families[key]
    else:
        raise ReferenceTableError(f"unknown code or family {key!r} (not in codebook "
                                  f"{codebook.name!r})", where=where)
    k, n = _count(row["k"], "k", where), _count(row["n"], "n", where)
    if n == 0:
        raise ReferenceTableError("n must be at least 1", where=where)
    if k > n:
        raise ReferenceTableError(f"k ({k}) is larger than n ({n})", where=where)
    low, high = wilson_interval(k, n)
    return {"key": key, "kind": kind, "label": str(row.get("label") or label),
            "k": k, "n": n, "share": k / n, "ci_low": low, "ci_high": high,
            "source": str(row["source"]), "citation": str(row.get("citation") or ""),
            "note": str(row.get("note") or "")}


def _count(value: Any, field: str, where: str) -> int:
    if isinstance(value, bool):
        raise ReferenceTableError(f"{field} must be a whole number, not {value!r}", where=where)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ReferenceTableError(f"{field} must be a whole number, not {value!r}",
                                  where=where) from None
    if isinstance(value, float) and value != number:
        raise ReferenceTableError(f"{field} must be a whole number, not {value!r}", where=where)
    if number < 0:
        raise ReferenceTableError(f"{field} must not be negative ({number})", where=where)
    return number


# --------------------------------------------------------------------------- comparison


def newcombe_interval(k1: int, n1: int, k2: int, n2: int
                      ) -> tuple[float | None, float | None]:
    """Interval for p1 − p2 by Newcombe's hybrid score method (Wilson intervals from scipy)."""
    l1, u1 = wilson_interval(k1, n1)
    l2, u2 = wilson_interval(k2, n2)
    if l1 is None or u1 is None or l2 is None or u2 is None:
        return None, None
    p1, p2 = k1 / n1, k2 / n2
    d = p1 - p2
    low = d - ((p1 - l1) ** 2 + (u2 - p2) ** 2) ** 0.5
    high = d + ((u1 - p1) ** 2 + (p2 - l2) ** 2) ** 0.5
    return low, high


def fisher_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided Fisher exact p-value for k1/n1 versus k2/n2 (None when either n is 0)."""
    if n1 == 0 or n2 == 0:
        return None
    return float(fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue)


def compare(prevalence: pd.DataFrame | Sequence[pd.DataFrame],
            reference: pd.DataFrame) -> pd.DataFrame:
    """Our prevalence next to each reference row, with the difference and a test.

    ``prevalence`` is one :func:`exitlens.statistics.prevalence` table or several (e.g. code
    and family tables, to compare both kinds of key; the first one's denominator is
    reported). One row per reference row:
    ``key, label, kind, source``, ours ``k, n, share, ci_low, ci_high``, theirs
    ``ref_k, ref_n, ref_share, ref_ci_low, ref_ci_high``, ``difference`` (ours − theirs,
    a proportion), its 95 % interval ``diff_low, diff_high`` (Newcombe's hybrid score
    method), ``p_value`` (Fisher's exact test, two-sided), and the reference row's
    ``note`` and ``citation``. A key missing from our
    tables gets empty values on our side. ``.attrs``: ``test``, ``interval`` and our
    table's ``denominator``.
    """
    tables = [prevalence] if isinstance(prevalence, pd.DataFrame) else list(prevalence)
    denominator = tables[0].attrs.get("denominator", "") if tables else ""
    ours = {str(r["key"]): r for table in tables for r in table.to_dict("records")}
    rows = []
    for ref in reference.to_dict("records"):
        mine = ours.get(str(ref["key"]))
        k = int(mine["k"]) if mine is not None else None
        n = int(mine["n"]) if mine is not None else None
        row = {"key": ref["key"], "label": ref["label"], "kind": ref["kind"],
               "source": ref["source"], "k": k, "n": n, "share": None, "ci_low": None,
               "ci_high": None, "ref_k": int(ref["k"]), "ref_n": int(ref["n"]),
               "ref_share": ref["k"] / ref["n"], "ref_ci_low": ref["ci_low"],
               "ref_ci_high": ref["ci_high"], "difference": None, "diff_low": None,
               "diff_high": None, "p_value": None, "note": ref.get("note", ""),
               "citation": ref.get("citation", "")}
        if mine is not None and k is not None and n:
            row.update(share=k / n, ci_low=mine["ci_low"], ci_high=mine["ci_high"])
            row["difference"] = k / n - ref["k"] / ref["n"]
            row["diff_low"], row["diff_high"] = newcombe_interval(k, n, ref["k"], ref["n"])
            row["p_value"] = fisher_p(k, n, ref["k"], ref["n"])
        rows.append(row)
    out = pd.DataFrame(rows, columns=COMPARE_COLUMNS)
    out.attrs.update(test=TEST_NAME, interval=INTERVAL_NAME,
                     denominator=denominator)
    return out
