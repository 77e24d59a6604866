"""Rebuild the built-in year model (src/exitlens/data/reading/year_model.json).

It is trained on every real labelled set found in ../shared/eval (dev.jsonl,
dev_b2.jsonl, dev_b3.jsonl), its threshold chosen by grouped cross-validation over
them (documents sharing a labelled person, URL or opening text stay in one fold).
Never on the lockbox. When no real set is present it falls back to our fictional
sets (the sample corpus labels and benchmarks/devdata/dev*_gold.jsonl). The JSON
holds feature names, scaling, weights, threshold and the names of the sets: no text.

    python scripts/train_year_model.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from exitlens.gold import load_gold
from exitlens.reading.year_model import builtin_year_model_path
from exitlens.reading.year_training import (
    collect_year_examples,
    save_year_model,
    train_year_model,
)

ROOT = Path(__file__).resolve().parents[1]
REAL_SETS = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")
FICTIONAL = [ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl",
             *sorted((ROOT / "benchmarks" / "devdata").glob("dev*_gold.jsonl"))]


def eval_dir() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "eval").is_dir():
            return base / "shared" / "eval"
    return ROOT.parent / "shared" / "eval"


def main() -> int:
    paths = [eval_dir() / n for n in REAL_SETS if (eval_dir() / n).is_file()]
    if not paths:
        print("no real labelled sets found: training on our fictional sets")
        paths = [p for p in FICTIONAL if p.is_file()]
    records = [r for p in paths for r in load_gold(p)]
    examples = collect_year_examples(records)
    model = train_year_model(records, examples, trained_on=[p.name for p in paths])
    labelled = sum(e.gold is not None for e in examples)
    print(f"{len(records)} documents, {len(examples)} matched defectors ({labelled} with a "
          f"labelled joining year), {sum(len(e.candidates) for e in examples)} candidate years")
    path = save_year_model(model, str(builtin_year_model_path()))
    print(f"trained on {', '.join(model.trained_on)}; threshold {model.threshold:.2f}; "
          f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
