"""A project that labels its own documents: which role model serves it best?

`exitlens train-roles` adds a project's labelled people to the people the built-in role
model was trained on (shipped as numbers, ``data/reading/role_examples.json``), or with
``--own-only`` trains on the project's people alone. This screen plays the project with
each later real set in turn (dev_b2, then dev_b3): its documents are split into grouped
folds; the held-out documents' people are decided by

- the rules alone;
- the **built-in** recipe: a role model fitted on the other real sets only (what a
  project gets without labelling anything);
- **own only**: fitted on the project's training-fold documents alone;
- **both, equal**: the other sets' people plus the project's training-fold people, every
  person weighted alike;
- **both** (what `train-roles` does): the same people, the project's weighted so that
  together they count as much as the other sets' (``role_training.own_weight``),

with the project's labelled documents cut to at most 3, 5, 10, 20 or all of its training-fold
documents (a project rarely labels many). Printed: defector F1 on the project's English
pages, mean over fold assignments. People are read once with the rules alone
(``bench_real.parse_all`` and ``decide``), as in ``bench_roles.py``; figures are for
comparing recipes (the matching is against every person found). Printed figures, not a
test.

    python benchmarks/bench_role_adapt.py [--folds 5] [--repeats 4]
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br
import bench_roles

from exitlens.reading.role_model import RoleModel
from exitlens.reading.role_training import RoleExample, combined_f1, fit, fit_with_builtin

RECIPES = ("rules", "built-in", "own only", "both, equal", "both")
SIZES = (3, 5, 10, 20, None)
Fit = Callable[[Sequence[RoleExample]], RoleModel]
FitBoth = Callable[[Sequence[RoleExample], Sequence[RoleExample]], RoleModel]


def project_f1(examples: Sequence[RoleExample], base: Sequence[RoleExample],
               folds: Sequence[tuple[Sequence[str], Sequence[str]]], scored: set[str],
               gold: int, n_own: int | None, seed: int, fit_model: Fit = fit,
               fit_both: FitBoth = fit_with_builtin) -> dict[str, float]:
    """Defector F1 of each recipe over the documents ``scored`` (``gold`` labelled
    defectors there). ``examples``: the project's people; ``base``: everyone else's;
    ``folds``: (training document ids, held-out document ids) of the project; ``n_own``:
    at most this many training documents labelled (a seeded sample), None for all."""
    builtin = fit_model(base)
    held_scores: dict[str, list[float]] = {r: [0.0] * len(examples) for r in RECIPES}
    for train_docs, held_docs in folds:
        docs = sorted(train_docs)
        if n_own is not None and n_own < len(docs):
            docs = random.Random(seed + len(docs)).sample(docs, n_own)
        labelled = set(docs)
        own = [e for e in examples if e.document in labelled]
        models: dict[str, RoleModel | None] = {"rules": None, "built-in": builtin}
        models["own only"] = (fit_model(own) if any(e.label for e in own)
                              and not all(e.label for e in own) else None)
        models["both, equal"] = fit_model([*base, *own])
        models["both"] = fit_both(base, own)
        held = set(held_docs)
        for k, e in enumerate(examples):
            if e.document in held:
                for name, model in models.items():
                    held_scores[name][k] = model.probability(e.features) if model else 0.0
    part = [k for k, e in enumerate(examples) if e.document in scored]
    return {name: combined_f1([examples[k] for k in part], [s[k] for k in part], 0.5,
                              gold)[2]
            for name, s in held_scores.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args = bench_roles.arguments((__doc__ or "").splitlines()[0], argv)
    records, names, origins = br.load_real_sets(args.eval_dir)
    projects = [n for n in ("dev_b2.jsonl", "dev_b3.jsonl") if n in names]
    if len(names) < 2 or not projects:
        print(f"skipped: needs dev_b2 or dev_b3 beside another real set in {args.eval_dir}")
        return 0
    _rules, examples = bench_roles.rules_people(records)
    origin_of = {r.id: o for r, o in zip(records, origins, strict=True)}
    english = {r.id for r in records if br.language_of(r.text) == "en"}
    seeds = [br.FOLD_SEED + r for r in range(args.repeats)]
    print(f"grouped {args.folds}-fold CV inside each project set, means over {len(seeds)} "
          "assignments; defector F1 on its English pages (rules + role model at 0.5)")
    for project in projects:
        mine = [r for r in records if origin_of[r.id] == project]
        own = [e for e in examples if origin_of[e.document] == project]
        base = [e for e in examples if origin_of[e.document] != project]
        scored = {r.id for r in mine} & english
        gold = sum(len(r.defectors) for r in mine if r.id in scored)
        print(f"\n## project = {project}: {len(mine)} documents ({len(scored)} English, "
              f"{gold} labelled defectors); built-in = the other sets' {len(base)} people")
        print(f"{'labelled documents':>20}  " + "  ".join(f"{r:>11}" for r in RECIPES))
        for size in SIZES:
            runs = []
            for seed in seeds:
                folds = [([mine[i].id for i in train], [mine[i].id for i in held])
                         for train, held in br.fold_plan(mine, args.folds, seed)]
                runs.append(project_f1(own, base, folds, scored, gold, size, seed))
            label = "all of the fold" if size is None else f"at most {size}"
            print(f"{label:>20}  " + "  ".join(
                f"{sum(r[name] for r in runs) / len(runs):11.3f}" for name in RECIPES))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
