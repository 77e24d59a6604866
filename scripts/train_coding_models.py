"""Rebuild the built-in coding models (src/exitlens/data/coding/).

Trains the classifier and the embedding thresholds on the real labelled sets present in
../shared/eval (dev.jsonl, dev_b2.jsonl, dev_b3.jsonl; never anything else there) with
the same recipe grouped cross-validation measures, records the sets (``trained_on``) and,
given ``--cv-json`` (the output of ``benchmarks/bench_coding.py --json``), the
cross-validated figures in the model's meta.json, and checks that no sentence or quote
of the training documents is stored in the written files.

    python benchmarks/bench_coding.py --json /tmp/coding_cv.json
    python scripts/train_coding_models.py --cv-json /tmp/coding_cv.json
"""

from __future__ import annotations

import sys

from exitlens.coding.training import main

if __name__ == "__main__":
    main(sys.argv[1:])
    sys.exit(0)
