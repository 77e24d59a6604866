"""Rebuild the built-in role model (src/exitlens/data/reading/role_model.json).

It is trained on our own fictional labelled sets only: the bundled sample corpus
labels and the development sets in benchmarks/devdata/. Never on the real dev set
(../shared/eval/dev.jsonl), which stays for measurement, nor on the held-out set
(benchmarks/data/heldout_gold.jsonl).

    python scripts/train_role_model.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from exitlens.reading.role_model import builtin_role_model_path
from exitlens.reading.role_training import save_role_model, train_role_model

ROOT = Path(__file__).resolve().parents[1]
SETS = [ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl",
        *sorted((ROOT / "benchmarks" / "devdata").glob("dev*_gold.jsonl"))]


def main() -> int:
    report = train_role_model([str(p) for p in SETS])
    for row in report.per_file:
        print(f"{Path(str(row['file'])).name}: defector F1 rules {row['rules_f1']:.3f} -> "
              f"rules + model fitted without it {row['with_model_f1']:.3f} "
              f"(P {row['with_model_precision']:.3f} R {row['with_model_recall']:.3f})")
    path = save_role_model(report.model, builtin_role_model_path())
    print(f"{report.examples} people, {report.positives} defectors; "
          f"threshold {report.model.threshold:.2f}; saved {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
