"""A quick screen of the role decision: where the role model's promotions go right and wrong.

Reads every real labelled document once with the rules alone (``bench_real.parse_all`` and
``decide``), turns every person into a role example (``role_training.examples_from_readings``:
labelled by matching the gold defectors against *every* person found), then, per grouped fold
of ``bench_real.fold_plan``, fits the shipped role recipe on the training documents
(``bench_real.fit_role_fold``) and scores the held-out people. Printed per part (English,
dev.jsonl, the later sets), as means over the fold assignments:

- defector precision, recall and F1 of the rules alone and of rules plus promotions;
- the model's would-be promotions (probability at the threshold, ``promotable``) split by
  the page they are on — one where the rules found a defector, or not — right and wrong,
  and whether the role stage lets them through (``role_model.may_promote``);
- rules plus promotions at other thresholds.

A recipe is screened here in seconds once the documents are read (about half a minute).
The figures are for ranking recipes only: the matching differs from ``bench_real.py``'s
(which matches gold defectors against the predicted defectors), so its F1 reads a few
hundredths lower; a change the screen likes is then judged by ``bench_real.py`` and
``compare_runs.py``. Printed figures, not a test.

    python benchmarks/bench_roles.py [--folds 5] [--repeats 4]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br

from exitlens.config import Settings
from exitlens.gold import GoldRecord
from exitlens.model import DocumentReading
from exitlens.reading.role_model import promotable
from exitlens.reading.role_training import ROLE_THRESHOLD, RoleExample, examples_from_readings

THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
Fit = Callable[[Sequence[GoldRecord], Sequence[RoleExample], Sequence[int]], object]


def held_out_scores(records: Sequence[GoldRecord], examples: Sequence[RoleExample],
                    folds: int, seed: int, fit: Fit = br.fit_role_fold) -> dict[int, float]:
    """Example index → the probability given by the fold model that did not see its page."""
    index = {r.id: i for i, r in enumerate(records)}
    scores: dict[int, float] = {}
    for train, held in br.fold_plan(records, folds, seed):
        model = fit(records, examples, train)
        held_set = set(held)
        for k, e in enumerate(examples):
            if index[e.document] in held_set:
                scores[k] = model.probability(e.features)  # type: ignore[attr-defined]
    return scores


def would_promote(records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
                  ) -> list[bool]:
    """Per role example (in ``examples_from_readings`` order), whether the person passes
    ``promotable`` — the model could promote them if the page allowed it."""
    out: list[bool] = []
    for _record, reading in zip(records, readings, strict=True):
        feats = reading.scratch.get("role_features") or {}
        writer = reading.scratch.get("writer")
        out.extend(promotable(feats[i], p.role, i == writer)
                   for i, p in enumerate(reading.persons) if i in feats)
    return out


def screen(examples: Sequence[RoleExample], would: Sequence[bool], scores: dict[int, float],
           documents: set[str], gold: int, threshold: float = ROLE_THRESHOLD
           ) -> dict[str, float]:
    """Counts and figures for the examples of ``documents`` (``gold`` labelled defectors);
    ``would``: :func:`would_promote`."""
    on_rule_page = {e.document for e in examples if e.rule_defector}
    out: Counter[str] = Counter()
    for k, e in enumerate(examples):
        if e.document not in documents:
            continue
        if e.rule_defector:
            out["rules_tp" if e.label else "rules_fp"] += 1
            continue
        if scores[k] < threshold or not would[k]:
            continue
        page = "rule_page" if e.document in on_rule_page else "other_page"
        out[f"{page}_{'right' if e.label else 'wrong'}"] += 1
        if e.eligible:  # role_model.may_promote: what the role stage does
            out["promoted_tp" if e.label else "promoted_fp"] += 1
    result = {key: float(v) for key, v in out.items()}
    for name, tp, fp in (("rules", out["rules_tp"], out["rules_fp"]),
                         ("with_model", out["rules_tp"] + out["promoted_tp"],
                          out["rules_fp"] + out["promoted_fp"])):
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / gold if gold else 0.0
        result[f"{name}_p"], result[f"{name}_r"] = p, r
        result[f"{name}_f1"] = 2 * p * r / (p + r) if p + r else 0.0
    return result


def arguments(description: str, argv: Sequence[str] | None) -> argparse.Namespace:
    """The role screens' options: the labelled sets' folder, folds and fold assignments."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--eval-dir", type=Path, default=br.EVAL_DIR)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=4)
    return parser.parse_args(argv)


def rules_people(records: Sequence[GoldRecord]
                 ) -> tuple[list[DocumentReading], list[RoleExample]]:
    """Every document read once with the rules alone, and every person as a role example."""
    settings = Settings()
    rules = br.decide(br.parse_all(records, settings), br.with_role_model(settings, "none",
                                                                           "none"))
    return rules, examples_from_readings(records, rules, "real")


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments((__doc__ or "").splitlines()[0], argv)
    records, names, origins = br.load_real_sets(args.eval_dir)
    if not records:
        print(f"skipped: no real labelled sets in {args.eval_dir}")
        return 0
    rules, examples = rules_people(records)
    would = would_promote(records, rules)
    parts = br.english_parts(records, origins)
    seeds = [br.FOLD_SEED + r for r in range(args.repeats)]
    runs = [held_out_scores(records, examples, args.folds, s) for s in seeds]
    print(f"{', '.join(names)}: {len(records)} documents, {len(examples)} people; grouped "
          f"{args.folds}-fold CV, means over {len(seeds)} assignments (seeds {seeds[0]}–"
          f"{seeds[-1]}); screen figures, for ranking recipes only")
    for part, idx in parts.items():
        docs = {records[i].id for i in idx}
        gold = sum(len(records[i].defectors) for i in idx)
        at = {t: [screen(examples, would, s, docs, gold, t) for s in runs] for t in THRESHOLDS}

        def mean(key: str, t: float = ROLE_THRESHOLD) -> float:
            return sum(r.get(key, 0.0) for r in at[t]) / len(runs)  # noqa: B023

        print(f"\n## {part}: {len(idx)} documents, {gold} labelled defectors")
        print(f"rules alone       P {mean('rules_p'):.3f} R {mean('rules_r'):.3f} "
              f"F1 {mean('rules_f1'):.3f}  ({mean('rules_tp'):.1f} right, "
              f"{mean('rules_fp'):.1f} wrong)")
        print(f"+ role model      P {mean('with_model_p'):.3f} R {mean('with_model_r'):.3f} "
              f"F1 {mean('with_model_f1'):.3f}  (threshold {ROLE_THRESHOLD})")
        print("would-be promotions at the threshold, right / wrong:")
        print(f"  on a page where the rules found no defector  {mean('other_page_right'):5.2f}"
              f" / {mean('other_page_wrong'):5.2f}")
        print(f"  beside a defector the rules found (refused)  {mean('rule_page_right'):5.2f}"
              f" / {mean('rule_page_wrong'):5.2f}")
        print("rules + promotions F1 by threshold: " + "  ".join(
            f"{t}: {mean('with_model_f1', t):.3f}" for t in THRESHOLDS))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
