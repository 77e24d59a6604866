"""Held-out measurement: the whole pipeline on benchmarks/data/heldout_gold.jsonl.

Those 20 fictional documents were written independently of the lexicons, the dev
set and the sample corpus (see benchmarks/data/README.md). They are never used for
training or for writing patterns, so these figures are the honest estimate of how
the pipeline does on text it was not shaped by. Prints figures; asserts nothing.
"""

from __future__ import annotations

import time
from pathlib import Path

from exitlens.config import Settings
from exitlens.evaluation import evaluate
from exitlens.gold import load_gold

HELDOUT = Path(__file__).with_name("data") / "heldout_gold.jsonl"


def main() -> None:
    records = load_gold(HELDOUT)
    started = time.perf_counter()
    report = evaluate(records, Settings())
    print(f"held-out set: {len(records)} documents, {time.perf_counter() - started:.1f} s")
    print(report.format_table())


if __name__ == "__main__":
    main()
