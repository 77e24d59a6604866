"""Code-level evaluation against SPEC §4 gold records, as pure functions.

Everything here works on *sets of codes per defector*: ``gold[i]`` and ``pred[i]``
are the codes of the i-th matched defector (an unmatched gold defector has an
empty prediction; an unmatched predicted defector has an empty gold set, so its
codes count as false positives). Keeping the arithmetic free of documents and
models makes it testable on hand-made cases and reusable by ``exitlens eval``,
the benchmark and cross-validation alike. Reading gold files and matching
predicted defectors to gold ones is :mod:`exitlens.evaluation`'s job (one
matching for reading and coding scores); :func:`exitlens.evaluation.align_codes`
turns a matched document into the aligned sets used here.

Scores are at defector level: a code is a true positive for a defector when both
gold and prediction contain it (after child→parent roll-up), whatever span
carried it. Families come from the codebook. Family prevalence is the share of
defectors with at least one code of the family; its error is reported in
percentage points, since that is what a prevalence table would get wrong.

The annotated sets label a subset of the default codebook and fold the rest into
the nearest labelled code (LABELING.md); :data:`DEV_FOLD` applies the same folding
to predictions before they are compared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import DocumentReading
from .codebook import Codebook

DEV_EXIT_CODES = (
    "infighting", "killing_muslims", "brutality", "corruption", "hypocrisy", "discrimination",
    "expendability", "repression", "living_conditions", "boredom", "military_decline", "family",
)
DEV_JOIN_CODES = (
    "join_defend_muslims", "join_religion", "join_belonging", "join_adventure", "join_material",
    "join_personal", "join_media", "join_social", "join_coercion",
)
# Default-codebook codes the annotated sets do not label, folded as LABELING.md says
# ("being jailed after trying to leave = repression"); None = not labelled at all.
DEV_FOLD: dict[str, str | None] = {
    "personal_mistreatment": "repression",
    "psych_toll": "brutality",
    "ideology_rejected": "hypocrisy",
    "outside_contact": "family",
    "join_follow_family": "join_social",
    "forbidden_to_leave": "repression",
    "fear_of_reprisal": "repression",
    "prosecution_at_home": None,
    "documents_taken": None,
}


@dataclass
class Counts:
    """True/false positives and false negatives, with the usual ratios."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        d = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / d if d else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def as_dict(self) -> dict[str, Any]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4), "support": self.support}


@dataclass
class Prevalence:
    gold_share: float
    pred_share: float

    @property
    def error_pp(self) -> float:
        return abs(self.pred_share - self.gold_share) * 100


@dataclass
class CodeEvaluation:
    """Everything the per-code table and the summary lines print."""

    n_defectors: int
    per_code: dict[str, Counts] = field(default_factory=dict)
    per_family: dict[str, Counts] = field(default_factory=dict)
    micro: dict[str, Counts] = field(default_factory=dict)  # by dimension
    macro_f1: dict[str, float] = field(default_factory=dict)  # by dimension
    prevalence: dict[str, Prevalence] = field(default_factory=dict)  # by family
    prevalence_error: dict[str, tuple[float, float]] = field(default_factory=dict)  # mean, max

    def as_dict(self) -> dict[str, Any]:
        return {
            "n_defectors": self.n_defectors,
            "per_code": {k: v.as_dict() for k, v in self.per_code.items()},
            "per_family": {k: v.as_dict() for k, v in self.per_family.items()},
            "micro": {k: v.as_dict() for k, v in self.micro.items()},
            "macro_f1": {k: round(v, 4) for k, v in self.macro_f1.items()},
            "prevalence": {
                k: {"gold": round(v.gold_share, 4), "pred": round(v.pred_share, 4),
                    "error_pp": round(v.error_pp, 2)}
                for k, v in self.prevalence.items()
            },
            "prevalence_error_pp": {k: {"mean": round(m, 2), "max": round(x, 2)}
                                    for k, (m, x) in self.prevalence_error.items()},
        }


def fold_codes(codes: Iterable[str], fold: dict[str, str | None] | None) -> set[str]:
    """Map codes through ``fold`` (absent → unchanged, None → dropped)."""
    out: set[str] = set()
    for c in codes:
        target = fold.get(c, c) if fold else c
        if target is not None:
            out.add(target)
    return out


def evaluate_codes(gold: Sequence[Iterable[str]], pred: Sequence[Iterable[str]],
                   codebook: Codebook, *, dimensions: Sequence[str] = ("exit", "join"),
                   labelled: Iterable[str] | None = None,
                   fold: dict[str, str | None] | None = None) -> CodeEvaluation:
    """Score predicted against gold code sets of aligned defectors.

    ``labelled`` restricts scoring to the codes the gold set labels (default: all
    top-level codes of ``dimensions``); ``fold`` maps predicted codes the gold set
    does not use onto the ones it does. Both sides are rolled up child → parent
    first, and only top-level codes are scored.
    """
    if len(gold) != len(pred):
        raise ValueError("gold and pred must be aligned (same number of defectors)")
    scored = [c for d in dimensions for c in codebook.codes_in(d, top_level=True)]
    if labelled is not None:
        keep = set(labelled)
        scored = [c for c in scored if c in keep]
    scored_set = set(scored)
    g_sets = [codebook.rollup(fold_codes(g, fold)) & scored_set for g in gold]
    p_sets = [codebook.rollup(fold_codes(p, fold)) & scored_set for p in pred]
    ev = CodeEvaluation(n_defectors=len(gold))
    for code in scored:
        c = Counts()
        for g, p in zip(g_sets, p_sets, strict=True):
            if code in g and code in p:
                c.tp += 1
            elif code in p:
                c.fp += 1
            elif code in g:
                c.fn += 1
        ev.per_code[code] = c
    for dim in dimensions:
        dim_codes = [c for c in scored if codebook.dimension_of(c) == dim]
        micro = Counts()
        f1s = []
        for code in dim_codes:
            micro.add(ev.per_code[code])
            if ev.per_code[code].support:
                f1s.append(ev.per_code[code].f1)
        ev.micro[dim] = micro
        ev.macro_f1[dim] = sum(f1s) / len(f1s) if f1s else 0.0
        errors = []
        for fam, fam_codes in codebook.families(dim).items():
            members = set(fam_codes) & scored_set
            if not members:
                continue
            fc = Counts()
            g_has = p_has = 0
            for g, p in zip(g_sets, p_sets, strict=True):
                gi, pi = bool(g & members), bool(p & members)
                g_has += gi
                p_has += pi
                fc.tp += gi and pi
                fc.fp += pi and not gi
                fc.fn += gi and not pi
            ev.per_family[fam] = fc
            n = max(1, len(gold))
            ev.prevalence[fam] = Prevalence(g_has / n, p_has / n)
            errors.append(ev.prevalence[fam].error_pp)
        if errors:
            ev.prevalence_error[dim] = (sum(errors) / len(errors), max(errors))
    return ev


def format_table(ev: CodeEvaluation, baseline: CodeEvaluation | None = None,
                 title: str = "") -> str:
    """Per-code and per-family table with micro/macro lines (baseline side by side)."""
    lines = [title] if title else []
    head = f"{'code':<22}{'sup':>4}{'P':>7}{'R':>7}{'F1':>7}"
    if baseline:
        head += f"{'base F1':>9}"
    lines.append(head)

    def row(name: str, c: Counts, b: Counts | None) -> str:
        s = f"{name:<22}{c.support:>4}{c.precision:>7.2f}{c.recall:>7.2f}{c.f1:>7.2f}"
        if b is not None:
            s += f"{b.f1:>9.2f}"
        return s

    for code, c in ev.per_code.items():
        if c.support or c.fp:
            lines.append(row(code, c, baseline.per_code.get(code) if baseline else None))
    lines.append("-- families")
    for fam, c in ev.per_family.items():
        lines.append(row(fam, c, baseline.per_family.get(fam) if baseline else None))
    lines.append("-- summary")
    for dim, c in ev.micro.items():
        b = baseline.micro.get(dim) if baseline else None
        line = (f"{dim}: micro P {c.precision:.2f} R {c.recall:.2f} F1 {c.f1:.3f}"
                f" | macro F1 {ev.macro_f1[dim]:.3f}")
        if b is not None and baseline is not None:
            line += f" || baseline micro F1 {b.f1:.3f} macro F1 {baseline.macro_f1[dim]:.3f}"
        mean, mx = ev.prevalence_error.get(dim, (0.0, 0.0))
        line += f" | family prevalence error mean {mean:.1f} pp, max {mx:.1f} pp"
        if baseline is not None and dim in baseline.prevalence_error:
            bm, bx = baseline.prevalence_error[dim]
            line += f" (baseline {bm:.1f}/{bx:.1f})"
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- baseline

# Deliberately naive: what "search the text for words" gives, for comparison only.
BASELINE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "infighting": ("rebels", "infighting", "fitna", "nusra"),
    "killing_muslims": ("muslims", "civilians", "innocent"),
    "discrimination": ("discrimination", "racism", "foreigners"),
    "expendability": ("suicide", "cannon fodder"),
    "corruption": ("corruption", "corrupt", "money", "steal"),
    "brutality": ("beheading", "beheadings", "execution", "executions", "torture", "brutality"),
    "hypocrisy": ("hypocrisy", "hypocrites", "un-islamic", "lies"),
    "living_conditions": ("food", "salary", "hard"),
    "boredom": ("bored", "boredom", "cooking", "cleaning"),
    "repression": ("spy", "spies", "punished", "fear", "prison"),
    "personal_mistreatment": ("jailed", "beaten"),
    "military_decline": ("airstrikes", "bombing", "defeat"),
    "psych_toll": ("trauma", "nightmares"),
    "ideology_rejected": ("ideology",),
    "family": ("family", "mother", "home"),
    "outside_contact": ("amnesty", "imam"),
    "join_defend_muslims": ("help", "protect", "assad", "regime"),
    "join_religion": ("religion", "religious", "caliphate", "islamic state"),
    "join_belonging": ("belonging", "brotherhood"),
    "join_adventure": ("adventure", "hero"),
    "join_material": ("money", "salary", "paid"),
    "join_coercion": ("forced", "survive"),
    "join_follow_family": ("husband",),
    "join_personal": ("poverty", "unemployed", "orphan"),
    "join_media": ("video", "videos", "propaganda", "online", "internet"),
    "join_social": ("friend", "friends", "recruited"),
}


def keyword_baseline(text: str, keywords: dict[str, tuple[str, ...]] | None = None) -> set[str]:
    """Codes whose keyword occurs anywhere in the WHOLE document (no attribution)."""
    low = text.lower()
    out: set[str] = set()
    for code, words in (keywords or BASELINE_KEYWORDS).items():
        if any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low) for w in words):
            out.add(code)
    return out


# --------------------------------------------------------------------------- helpers


def kfold_indices(n: int, k: int, seed: int = 13) -> list[list[int]]:
    """Deterministic shuffled k-fold split of ``range(n)`` (each index in one test fold)."""
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    k = max(2, min(k, n))
    return [sorted(order[i::k]) for i in range(k)]


def predicted_codes(reading: DocumentReading,
                    include_rejected: bool = False) -> dict[int, set[str]]:
    """Person index → codes suggested or accepted for them in ``reading``."""
    out: dict[int, set[str]] = {}
    for c in reading.codings:
        if c.person is None or (c.status == "rejected" and not include_rejected):
            continue
        out.setdefault(c.person, set()).add(c.code)
    return out


def label_scheme(dev_labels: bool) -> tuple[tuple[str, ...] | None, dict[str, str | None] | None]:
    """(labelled codes, folding) for :func:`evaluate_codes`.

    ``dev_labels`` = the annotated sets' subset and folding (LABELING.md); otherwise
    every top-level code of the codebook is scored as it is.
    """
    if dev_labels:
        return DEV_EXIT_CODES + DEV_JOIN_CODES, DEV_FOLD
    return None, None
