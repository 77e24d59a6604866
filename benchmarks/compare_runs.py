"""Is a change a gain? Two ``bench_real.py --json`` runs compared document by document.

    python benchmarks/bench_real.py --no-shipped --json before.json     # on main
    python benchmarks/bench_real.py --no-shipped --json after.json      # with the change
    python benchmarks/compare_runs.py before.json after.json

For the English documents, dev.jsonl and the later sets it prints each run's micro-F1 of
defectors, exit reasons and join motives and the difference with a 95 % interval from a
paired bootstrap over documents (``intervals.py``). The runs must use the same folds
(same ``--folds`` and ``--repeats``, same labelled sets). Only document ids and counts are
read: no text. Runs that did not code (``--reading-only``) compare their defectors only.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intervals import PARTS, figure, measures_of, paired_difference, part


def load_rows(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rows = data.get("per_document")
    if not rows:
        raise SystemExit(f"{path}: no per-document counts (a bench_real.py --json "
                         "cross-validation run writes them; --lockbox never does)")
    return list(rows)


def compare(before: Sequence[dict[str, Any]], after: Sequence[dict[str, Any]]) -> list[str]:
    """The comparison table as lines."""
    lines = [f"{'part':<11} {'measure':<10} {'before':>7} {'after':>7} "
             f"{'after − before [95 % interval]':>32}"]
    for name in PARTS:
        a, b = part(before, name), part(after, name)
        if not a or not b:
            continue
        for measure in measures_of(a + b):
            va, vb = figure(a, measure), figure(b, measure)
            diff, low, high = paired_difference(a, b, measure)
            mark = "  gain" if low > 0 else "  loss" if high < 0 else ""
            lines.append(f"{name:<11} {measure:<10} {va:7.3f} {vb:7.3f} "
                         f"{diff:+10.3f} [{low:+.3f}, {high:+.3f}]{mark}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    for line in compare(load_rows(args.before), load_rows(args.after)):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
