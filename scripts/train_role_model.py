"""Rebuild the built-in role model (src/exitlens/data/reading/role_model.json).

It is trained on every real labelled set found in ../shared/eval (dev.jsonl,
dev_b2.jsonl, dev_b3.jsonl), with the fixed promotion threshold
(``role_training.ROLE_THRESHOLD``).
Never on the lockbox. When no real set is present it falls back to our fictional
sets (the sample corpus labels and benchmarks/devdata/dev*_gold.jsonl). The JSON
holds feature names, scaling, weights, threshold and the names of the sets: no text.

    python scripts/train_role_model.py
"""

from __future__ import annotations

import sys

from training_sets import FICTIONAL, real_paths

from exitlens.gold import load_gold
from exitlens.reading.role_model import builtin_role_model_path
from exitlens.reading.role_training import (
    collect_examples,
    grouped_training,
    save_role_model,
    train_role_model,
)


def main() -> int:
    real = real_paths()
    if not real:
        report = train_role_model([str(p) for p in FICTIONAL])
        model = report.model
        print(f"no real labelled sets found: trained on fictional sets; {report.examples} "
              f"people, {report.positives} defectors")
    else:
        records = [r for p in real for r in load_gold(p)]
        examples = collect_examples(records, "real")
        model = grouped_training(records, examples, trained_on=[p.name for p in real])
        print(f"{len(records)} real documents, {len(examples)} people, "
              f"{sum(e.label for e in examples)} matched defectors")
    path = save_role_model(model, builtin_role_model_path())
    print(f"trained on {', '.join(model.trained_on)}; threshold {model.threshold:.2f}; "
          f"saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
