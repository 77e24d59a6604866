"""Rebuild the built-in learned profile fields (src/exitlens/data/reading/
joined_year_model.json and exit_mode_model.json).

They are trained on every real labelled set found in ../shared/eval (dev.jsonl,
dev_b2.jsonl, dev_b3.jsonl), each threshold chosen by grouped cross-validation over
them (documents sharing a labelled person, URL or opening text stay in one fold).
Never on the lockbox. When no real set is present they fall back to our fictional
sets (the sample corpus labels and benchmarks/devdata/dev*_gold.jsonl). Each JSON
holds feature names, scaling, weights, threshold and the names of the sets: no text.

    python scripts/train_profile_models.py
"""

from __future__ import annotations

import sys

from training_sets import FICTIONAL, real_paths

from exitlens.gold import load_gold
from exitlens.reading.profile_models import FIELDS
from exitlens.reading.profile_training import train_field_models


def main() -> int:
    paths = real_paths()
    if not paths:
        print("no real labelled sets found: training on our fictional sets")
        paths = [p for p in FICTIONAL if p.is_file()]
    records = [r for p in paths for r in load_gold(p)]
    out_dir = next(iter(FIELDS.values())).builtin_path().parent
    for row in train_field_models(records, out_dir, trained_on=[p.name for p in paths]):
        print(f"{row['field']}: {row['defectors']} matched defectors ({row['labelled']} "
              f"labelled), {row['candidates']} candidates; threshold {row['threshold']:.2f}; "
              f"saved {row['path']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
