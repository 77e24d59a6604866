"""How sure are bench_real's figures? Bootstrap intervals over documents.

The real labelled sets are small (51 English defectors on the later sets), so a micro-F1
moves by a few points when a handful of documents change. ``bench_real.py`` keeps, per
held-out document, the counts the micro figures are summed from (defectors found, exit
and join codes: true positives, false positives, false negatives; ``document_counts``)
and prints a 95 % interval for each headline figure by resampling documents
(``scipy.stats.bootstrap``, percentile method, a fixed seed). ``compare_runs.py`` pairs two
runs document by document and gives the interval of the *difference*, which is what a
change should be judged by: a gain whose interval spans zero is not yet a gain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy.stats import bootstrap

from exitlens.coding.codebook import Codebook
from exitlens.evaluation import code_scores, pair_counts, score_reading
from exitlens.gold import GoldRecord
from exitlens.model import DocumentReading

MEASURES = ("defectors", "exit", "join", "pairs")  # pairs: promise-versus-reality cells
# The reading rules and the lexicon were written with dev.jsonl in view (earlier
# sessions); dev_b2/dev_b3 arrived later. Their English figures apart show how much of the
# cross-validated figure the hand-written parts owe to having seen dev.jsonl. The one
# definition of the split (bench_real.english_parts uses it too).
SEEN_BY_RULES = "dev.jsonl"
LATER = "later sets"
PARTS: dict[str, Callable[[dict[str, Any]], bool]] = {
    "English": lambda row: row["language"] == "en",
    SEEN_BY_RULES: lambda row: row["language"] == "en" and row["origin"] == SEEN_BY_RULES,
    LATER: lambda row: row["language"] == "en" and row["origin"] != SEEN_BY_RULES,
}
RESAMPLES = 2000
SEED = 7


def document_counts(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                    codebook: Codebook, origins: Sequence[str],
                    languages: Sequence[str], coded: bool = True) -> list[dict[str, Any]]:
    """Per document: id, origin, language and [tp, fp, fn] of defectors, exit and join
    codes and (join, exit) pairs — the promise-versus-reality cells, ``evaluation.pair_counts``
— (the same matching and code scheme as the summed figures), and under ``codes``
    the [tp, fp, fn] of every top-level code found or labelled there; under ``fields`` the
    [right, counted] of every profile field of matched defectors; without ``coded`` (a
    run that did not code) the defectors and fields only."""
    rows: list[dict[str, Any]] = []
    for rec, reading, origin, lang in zip(records, readings, origins, languages, strict=True):
        found = score_reading([rec], [reading])
        row: dict[str, Any] = {"id": rec.id, "origin": origin, "language": lang,
                               "defectors": [found.tp, found.fp, found.fn],
                               "fields": {name: list(pair) for name, pair
                                          in sorted(found.field_scores.items()) if pair[1]}}
        if not coded:
            rows.append(row)
            continue
        codes = code_scores([rec], [reading], codebook)
        for dim in ("exit", "join"):
            c = codes.micro.get(dim)
            row[dim] = [c.tp, c.fp, c.fn] if c is not None else [0, 0, 0]
        row["codes"] = {code: [c.tp, c.fp, c.fn] for code, c in sorted(codes.per_code.items())
                        if c.tp or c.fp or c.fn}
        pairs = pair_counts([rec], [reading], codebook)
        row["pairs"] = [pairs.tp, pairs.fp, pairs.fn]
        rows.append(row)
    return rows


def measures_of(rows: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The MEASURES these per-document rows carry (a run that did not code: defectors)."""
    return tuple(m for m in MEASURES if rows and all(m in row for row in rows))


def micro_f1(tp: Any, fp: Any, fn: Any) -> float:
    """F1 of summed counts (0 when there is nothing to find and nothing found)."""
    tp, fp, fn = float(np.sum(tp)), float(np.sum(fp)), float(np.sum(fn))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _columns(rows: Sequence[dict[str, Any]], measure: str) -> tuple[np.ndarray, ...]:
    counts = np.array([row[measure] for row in rows], dtype=float).reshape(-1, 3)
    return counts[:, 0], counts[:, 1], counts[:, 2]


def _interval(data: tuple[np.ndarray, ...], statistic: Callable[..., float],
              confidence: float) -> tuple[float, float]:
    if len(data[0]) < 2:
        value = statistic(*data)
        return value, value
    res = bootstrap(data, statistic, paired=True, vectorized=False, n_resamples=RESAMPLES,
                    confidence_level=confidence, method="percentile",
                    random_state=np.random.default_rng(SEED))
    low, high = res.confidence_interval
    return float(low), float(high)


def figure(rows: Sequence[dict[str, Any]], measure: str) -> float:
    """The micro-F1 of ``measure`` over these documents (no resampling)."""
    return micro_f1(*_columns(rows, measure))


def interval(rows: Sequence[dict[str, Any]], measure: str,
             confidence: float = 0.95) -> tuple[float, float, float]:
    """(micro-F1, low, high) of ``measure`` over these documents."""
    data = _columns(rows, measure)
    low, high = _interval(data, micro_f1, confidence)
    return micro_f1(*data), low, high


def paired_difference(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]],
                      measure: str, confidence: float = 0.95
                      ) -> tuple[float, float, float]:
    """(after − before, low, high): micro-F1 difference of two runs over the same
    documents, resampled together (paired by document id)."""
    by_id = {row["id"]: row for row in before}
    pairs = [(by_id[row["id"]], row) for row in after if row["id"] in by_id]
    if not pairs:
        raise ValueError("the two runs share no document")
    a = _columns([p[0] for p in pairs], measure)
    b = _columns([p[1] for p in pairs], measure)

    def diff(*cols: np.ndarray) -> float:
        return micro_f1(*cols[3:]) - micro_f1(*cols[:3])

    low, high = _interval((*a, *b), diff, confidence)
    return diff(*a, *b), low, high


def part(rows: Sequence[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The rows of one part (``PARTS``: English, dev.jsonl, later sets)."""
    keep = PARTS[name]
    return [row for row in rows if keep(row)]


def format_intervals(rows: Sequence[dict[str, Any]],
                     parts: Sequence[str] = tuple(PARTS)) -> list[str]:
    """One line per part: each measure's micro-F1 with its 95 % interval."""
    lines = []
    for name in parts:
        chosen = part(rows, name)
        if not chosen:
            continue
        cells = []
        for measure in measures_of(chosen):
            value, low, high = interval(chosen, measure)
            cells.append(f"{measure} {value:.3f} [{low:.2f}, {high:.2f}]")
        lines.append(f"{name:<11} ({len(chosen):3d} documents)  " + "   ".join(cells))
    return lines
