"""Coding benchmark: grouped cross-validation over every real labelled set present.

Reads ``../shared/eval/dev.jsonl``, ``dev_b2.jsonl`` and ``dev_b3.jsonl`` (whichever
exist; skips when none does — never the lockbox) and measures the coders alone with
**oracle attribution**: each gold defector's evidence is the sentences holding their
gold quotes, so reading errors do not count here. Everything trained (classifier,
embedding thresholds) is fitted per fold on the other folds plus the bundled fictional
sample labels, as the built-in models are (``--extra none``: the other folds only); folds come from
:func:`exitlens.gold.grouped_folds`, so documents sharing a labelled person, URL or
opening text are never split between training and test.

Printed for each coder (rules, embedding, classifier), the ensemble and the keyword
baseline: exit and join micro/macro F1, family prevalence error, and the per-code
P/R/F1 table with support (baseline F1 beside). The end-to-end figures (reading
stages + coders on unseen pages) are ``benchmarks/bench_real.py``'s job.

    python benchmarks/bench_coding.py [--folds 5] [--extra sample|none] [--json OUT] [--tables]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from exitlens.coding.base import Coder
from exitlens.coding.classifier import load_sentences
from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.coding.evaluate import CodeEvaluation, format_table
from exitlens.coding.training import cross_validated_verdicts, fold_coders, score_verdicts
from exitlens.config import Settings
from exitlens.gold import GoldRecord, load_gold
from exitlens.pipeline import PipelineContext

ROOT = Path(__file__).resolve().parents[1]
# ../shared/eval beside the checkout (or beside the worktrees folder of a git worktree)
EVAL_DIR = next((d for d in (ROOT.parent / "shared" / "eval",
                             ROOT.parent.parent / "shared" / "eval") if d.is_dir()),
                ROOT.parent / "shared" / "eval")
REAL_SETS = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")
SAMPLE = ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl"
RARE = ("infighting", "killing_muslims", "military_decline", "discrimination", "expendability")


def summary(ev: CodeEvaluation) -> str:
    parts = []
    for dim in ("exit", "join"):
        c = ev.micro[dim]
        prev = ev.prevalence_error[dim][0]
        parts.append(f"{dim} P {c.precision:.2f} R {c.recall:.2f} micro-F1 {c.f1:.3f} "
                     f"macro-F1 {ev.macro_f1[dim]:.3f} prev.err {prev:.1f}pp")
    return " | ".join(parts)


def rare_line(ev: CodeEvaluation) -> str:
    return "rare codes F1: " + ", ".join(
        f"{c} {ev.per_code[c].f1:.2f}/{ev.per_code[c].support}" for c in RARE
        if c in ev.per_code)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--extra", choices=("none", "sample"), default="sample",
                        help="extra training data for every fold: the bundled fictional "
                             "sample corpus labels (default: the shipped recipe), or none")
    parser.add_argument("--extra-sentences", type=Path, default=None,
                        help="JSON Lines of labelled sentences ({text, codes}) added to "
                             "every fold's classifier training")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--tables", action="store_true",
                        help="per-code table for every coder (default: ensemble only)")
    args = parser.parse_args(argv)
    paths = [args.eval_dir / name for name in REAL_SETS if (args.eval_dir / name).is_file()]
    if not paths:
        print(f"skipped: no real labelled set in {args.eval_dir}")
        return 0
    records = [r for p in paths for r in load_gold(p)]
    extra = load_gold(SAMPLE) if args.extra == "sample" else []
    settings = Settings()
    codebook = load_codebook()
    sentences = (load_sentences(args.extra_sentences, codebook)
                 if args.extra_sentences else [])

    def builder(train: Sequence[GoldRecord], cb: Codebook,
                context: PipelineContext) -> list[Coder]:
        return fold_coders(train, cb, context, sentences)

    t0 = time.perf_counter()
    fv = cross_validated_verdicts(records, settings, k=args.folds, extra_train=extra,
                                  codebook=codebook, builder=builder)
    evs = score_verdicts(fv, settings, codebook)
    elapsed = time.perf_counter() - t0
    print(f"# Coding, oracle attribution, grouped {len(fv.folds)}-fold CV over "
          f"{', '.join(p.name for p in paths)}: {len(records)} documents, "
          f"{len(fv.gold)} labelled defectors; extra training: "
          f"{'sample labels' if extra else 'none'}"
          f"{f' + {len(sentences)} labelled sentences' if sentences else ''} "
          f"({elapsed:.0f} s)")
    for name, ev in evs.items():
        print(f"{name:>10}: {summary(ev)}")
        print(f"{'':>10}  {rare_line(ev)}")
    for name, ev in evs.items():
        if name == "baseline" or (name != "ensemble" and not args.tables):
            continue
        print(format_table(ev, evs["baseline"],
                           title=f"\n{name} (oracle attribution), baseline F1 beside:"))
    if args.json:
        args.json.write_text(json.dumps({k: v.as_dict() for k, v in evs.items()}, indent=1),
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
