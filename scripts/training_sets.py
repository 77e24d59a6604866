"""Where the training scripts find labelled data: the real labelled sets in
../shared/eval (dev.jsonl, dev_b2.jsonl, dev_b3.jsonl; never the lockbox), else our
fictional sets (the sample corpus labels and benchmarks/devdata/dev*_gold.jsonl)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REAL_SETS = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")
FICTIONAL = [ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl",
             *sorted((ROOT / "benchmarks" / "devdata").glob("dev*_gold.jsonl"))]


def eval_dir() -> Path:
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "eval").is_dir():
            return base / "shared" / "eval"
    return ROOT.parent / "shared" / "eval"


def real_paths() -> list[Path]:
    """The real labelled sets present (empty when none is)."""
    return [eval_dir() / n for n in REAL_SETS if (eval_dir() / n).is_file()]
