"""Rebuild the built-in role model (src/exitlens/data/reading/role_model.json) and the
people it is trained on (src/exitlens/data/reading/role_examples.json).

It is trained on every real labelled set found in ../shared/eval (dev.jsonl,
dev_b2.jsonl, dev_b3.jsonl), with the fixed promotion threshold
(``role_training.ROLE_THRESHOLD``).
Never on the lockbox. When no real set is present it falls back to our fictional
sets (the sample corpus labels and benchmarks/devdata/dev*_gold.jsonl). The model JSON
holds feature names, scaling, weights, threshold and the names of the sets; the examples
JSON each person's feature values, rule verdict and label, document ids hashed: no text.
`exitlens train-roles` adds a project's labelled people to these.

    python scripts/train_role_model.py
"""

from __future__ import annotations

import sys

from training_sets import FICTIONAL, real_paths

from exitlens.gold import load_gold
from exitlens.reading.role_model import builtin_role_model_path
from exitlens.reading.role_training import (
    builtin_role_examples_path,
    collect_examples,
    grouped_training,
    save_role_examples,
    save_role_model,
)


def main() -> int:
    real = real_paths()
    paths = real or FICTIONAL
    records = []
    examples = []
    for p in paths:
        loaded = load_gold(p)
        records.extend(loaded)
        examples.extend(collect_examples(loaded, "real" if real else p.name))
    if not real:
        print("no real labelled sets found: training on the fictional sets")
    names = [p.name for p in paths]
    model = grouped_training(records, examples, trained_on=names)
    print(f"{len(records)} documents, {len(examples)} people, "
          f"{sum(e.label for e in examples)} matched defectors")
    path = save_role_model(model, builtin_role_model_path())
    kept = save_role_examples(examples, builtin_role_examples_path(), names)
    print(f"trained on {', '.join(model.trained_on)}; threshold {model.threshold:.2f}; "
          f"saved {path} and {kept}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
