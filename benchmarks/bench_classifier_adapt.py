"""A project that labels or reviews its own documents: what does `exitlens train` give it?

`exitlens train` adapts the built-in classifier to a project's labels
(``coding/adaptation.py``: each code's weights refitted on the project's sentences near the
built-in ones). This screen plays the project with each real labelled set in turn: the
reading (role and profile models) and the "built-in" coders are fitted on the *other*
sets (and the fictional sample labels) only, so the project's pages are unseen; its English
documents are split into grouped folds, and the held-out documents are read and coded end
to end by

- **built-in**: the coders as a project gets them without training anything;
- **labelled**: the built-in classifier adapted to the labelled training-fold documents
  (at most 5, 10 or all of them; a seeded sample);
- **reviewed**: adapted to *reviews* of the same documents instead of labels: the
  built-in coders' suggestions on them, accepted where the person matches a labelled
  defector carrying the code and rejected otherwise (a reviewer who adds no missed
  code: ``examples_from_readings``, what ``train --reviewed`` learns from);
- **reviewed + added**: the same reviewer also adds, for each person the reading found,
  the labelled codes no suggestion gave, on their labelled evidence quotes;
- **reviewed + near misses**: the "reviewed" reviewer also answers every near miss the
  built-in coders left (``coding.near_misses``, the "Possible missed codes" page): the code
  is added on its unit where the person matches a labelled defector carrying it, "not this
  code" (a rejected coding) otherwise — what a reviewer of that page teaches;
- **labelled + roles**: the labelled recipe with the role model trained on the same
  documents' people beside the built-in ones (``train-roles``, ``fit_with_builtin``).

Printed first, per project: what the near-miss queue would put before a reviewer (of the
labelled codes the suggestions missed on matched defectors, how many a near miss names, and
how many near misses are right). Then, per project and recipe: defector F1 and exit / join
micro-F1 on the held-out English pages (counts summed over the fold assignments), and each
recipe's paired difference from the built-in coders with a 95 % bootstrap interval over
documents (``intervals.paired_difference``). Printed figures, not a test.

    python benchmarks/bench_classifier_adapt.py [--folds 5] [--repeats 3] [--sets dev_b2.jsonl,...]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br
from intervals import document_counts, figure, paired_difference

from exitlens.coding.adaptation import adapt_classifier
from exitlens.coding.base import Coder
from exitlens.coding.classifier import ClassifierCoder, examples_from_gold, examples_from_readings
from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.coding.embedding import get_embedder
from exitlens.coding.stage import CodeStage
from exitlens.coding.training import fold_coders, positive_defectors, sample_records
from exitlens.config import Settings
from exitlens.gold import GoldRecord, find_all, match_defectors
from exitlens.model import Coding, DocumentReading
from exitlens.pipeline import PipelineContext
from exitlens.reading.profile_training import field_examples
from exitlens.reading.role_training import (
    examples_from_readings as role_examples,
)
from exitlens.reading.role_training import (
    fit_with_builtin,
    save_role_model,
)

SIZES = (5, 10, None)
REVIEWED = ("reviewed", "reviewed + added", "reviewed + near misses")
RECIPES = [("built-in", None)] + [(kind, n) for kind in ("labelled", *REVIEWED)
                                  for n in SIZES] + [("labelled + roles", n)
                                                     for n in (10, None)]
MEASURES = ("defectors", "exit", "join")


def simulated_reviews(record: GoldRecord, reading: DocumentReading,
                      codebook: Codebook, add_missed: bool = False,
                      near_misses: bool = False) -> DocumentReading:
    """``reading``'s suggestions as a reviewer would leave them: accepted where the person
    matches a labelled defector carrying the code (compared as top-level codes), rejected
    otherwise. With ``add_missed`` the reviewer also adds, for each matched person, every
    labelled code no suggestion gave, on its labelled evidence quotes. With
    ``near_misses`` the reviewer answers each near miss instead: the code added on its unit
    where the person matches a labelled defector carrying it, "not this code" (a rejected
    human coding on the unit) otherwise."""
    pairs = match_defectors(record.defectors, reading.persons, record.text)
    gold_of = {pi: _roots(codebook, record.defectors[gi].codes()) for gi, pi in pairs}
    for c in reading.codings:
        codes = gold_of.get(c.person, set()) if c.person is not None else set()
        c.status = ("accepted" if c.code in codebook and codebook.root(c.code) in codes
                    else "rejected")
    if add_missed:
        for gi, pi in pairs:
            found = {codebook.root(c.code) for c in reading.codings
                     if c.person == pi and c.status == "accepted"}
            for ev in record.defectors[gi].evidence:
                if ev.code not in codebook or codebook.root(ev.code) in found:
                    continue
                reading.codings.extend(
                    Coding(codebook.root(ev.code), span, "human:reviewer", 1.0, "accepted",
                           person=pi) for span in find_all(record.text, ev.quote))
    if near_misses:
        for miss in reading.near_misses:
            right = miss.person is not None and miss.code in gold_of.get(miss.person, set())
            reading.codings.append(Coding(miss.code, miss.span, "human:reviewer", 1.0,
                                          "accepted" if right else "rejected",
                                          person=miss.person))
    return reading


def _roots(codebook: Codebook, codes: set[str]) -> set[str]:
    return {codebook.root(c) for c in codes if c in codebook}


def queue_yield(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                codebook: Codebook) -> dict[str, int]:
    """What the near-miss queue shows on these readings: of the labelled codes the
    suggestions missed on matched defectors (``missed``), how many a near miss names
    (``named``); near misses in all (``shown``, on every predicted defector) and right
    (``right``: a matched defector labelled with the code)."""
    out = {"missed": 0, "named": 0, "shown": 0, "right": 0}
    for record, reading in zip(records, readings, strict=True):
        pairs = match_defectors(record.defectors, reading.persons, record.text)
        gold_of = {pi: _roots(codebook, record.defectors[gi].codes()) for gi, pi in pairs}
        for pi, gold in gold_of.items():
            given = {codebook.root(c.code) for c in reading.codings
                     if c.person == pi and c.code in codebook}
            named = {n.code for n in reading.near_misses if n.person == pi}
            out["missed"] += len(gold - given)
            out["named"] += len((gold - given) & named)
        out["shown"] += len(reading.near_misses)
        out["right"] += sum(1 for n in reading.near_misses
                            if n.person is not None and n.code in gold_of.get(n.person, set()))
    return out


def _label(kind: str, size: int | None) -> str:
    return kind if kind == "built-in" else f"{kind}, {'all' if size is None else size}"


def arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=br.EVAL_DIR)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sets", default="dev_b2.jsonl,dev_b3.jsonl,dev.jsonl",
                        help="the labelled sets to play as a project, in turn")
    return parser.parse_args(argv)


class PlayedProject:
    """One labelled set played as a project: its English documents, and everything fitted
    on the other sets."""

    def __init__(self, name: str, records: Sequence[GoldRecord], origins: Sequence[str],
                 parsed: Sequence[br.Parsed], people: Sequence[Any],
                 fields: dict[str, list[Any]], settings: Settings, codebook: Codebook,
                 context: PipelineContext, tmp: Path) -> None:
        self.index = [i for i, (r, o) in enumerate(zip(records, origins, strict=True))
                      if o == name and br.language_of(r.text) == "en"]
        base = [i for i, o in enumerate(origins) if o != name]
        self.records = [records[i] for i in self.index]
        self.parsed = [parsed[i] for i in self.index]
        mine = {r.id for r in self.records}
        self.own_people = [e for e in people if e.document in mine]
        base_ids = {records[i].id for i in base}
        self.base_people = [e for e in people if e.document in base_ids]
        self.settings, self.codebook, self.context, self.tmp = settings, codebook, context, tmp
        role = br.fit_role_fold(list(records), list(people), base)
        self.role_path = str(save_role_model(role, tmp / f"role_{name}.json"))
        self.field_paths = br.fit_field_models(list(records), fields, base, tmp, name)
        self.coders = fold_coders([records[i] for i in base] + sample_records(), codebook,
                                  context)
        # The built-in coders' suggestions on every document, reviewed by the labels.
        suggested = self.read(range(len(self.records)), self.role_path, self.coders)
        self.queue = queue_yield(self.records, suggested, codebook)
        self.reviewed = {
            kind: [simulated_reviews(r, copy.deepcopy(d), codebook,
                                     add_missed=kind == "reviewed + added",
                                     near_misses=kind == "reviewed + near misses")
                   for r, d in zip(self.records, suggested, strict=True)]
            for kind in REVIEWED}

    def read(self, held: Sequence[int], role_path: str,
             coders: Sequence[Coder]) -> list[DocumentReading]:
        decided = br.decide([self.parsed[i] for i in held],
                            br.with_role_model(self.settings, role_path, self.field_paths))
        CodeStage(list(coders)).process(decided, self.context)
        return [br.snapshot(r) for r in decided]

    def fold_models(self, kind: str, own: Sequence[int], tag: str
                    ) -> tuple[str, list[Coder]]:
        """The role model path and coders of one recipe, from the training documents
        ``own`` (indices into this project's documents)."""
        if kind == "built-in":
            return self.role_path, list(self.coders)
        embedder = get_embedder(self.context)
        base_model = self.coders[-1].model  # type: ignore[attr-defined]
        labelled = [self.records[i] for i in own]
        if kind.startswith("reviewed"):
            readings = [self.reviewed[kind][i] for i in own]
            examples = examples_from_readings(readings, self.codebook)
            counts: dict[str, int] = {}
        else:
            examples = examples_from_gold(labelled, self.codebook)
            counts = positive_defectors(labelled, self.codebook)
        model = adapt_classifier(base_model, examples, self.codebook, embedder,
                                 defectors=counts)
        coders = [*self.coders[:-1], ClassifierCoder(self.context, model)]
        role_path = self.role_path
        if kind == "labelled + roles":
            ids = {r.id for r in labelled}
            role = fit_with_builtin(self.base_people,
                                    [e for e in self.own_people if e.document in ids])
            role_path = str(save_role_model(role, self.tmp / f"role_{tag}.json"))
        return role_path, coders


def run(project: PlayedProject, folds: int, seeds: Sequence[int]
        ) -> dict[str, list[dict[str, Any]]]:
    """Per recipe label: per-document counts summed over the fold assignments."""
    summed: dict[str, dict[str, dict[str, Any]]] = {}
    languages = ["en"] * len(project.records)
    origins = [""] * len(project.records)
    for seed in seeds:
        plan = br.fold_plan(project.records, folds, seed)
        for kind, size in RECIPES:
            label = _label(kind, size)
            done: list[DocumentReading | None] = [None] * len(project.records)
            for j, (train, held) in enumerate(plan):
                own = list(train)
                if size is not None and size < len(own):
                    own = random.Random(seed + len(own)).sample(own, size)
                role_path, coders = project.fold_models(kind, own, f"s{seed}_f{j}")
                for i, r in zip(held, project.read(held, role_path, coders), strict=True):
                    done[i] = r
            rows = document_counts(project.records, [r for r in done if r is not None],
                                   project.codebook, origins, languages)
            into = summed.setdefault(label, {})
            for row in rows:
                have = into.setdefault(row["id"], {"id": row["id"], **{m: [0, 0, 0]
                                                                       for m in MEASURES}})
                for m in MEASURES:
                    have[m] = [a + b for a, b in zip(have[m], row[m], strict=True)]
    return {label: list(rows.values()) for label, rows in summed.items()}


def main(argv: Sequence[str] | None = None) -> int:
    args = arguments(argv)
    records, names, origins = br.load_real_sets(args.eval_dir)
    wanted = [s for s in args.sets.split(",") if s in names]
    if len(names) < 2 or not wanted:
        print(f"skipped: needs two real labelled sets in {args.eval_dir}")
        return 0
    settings, codebook = Settings(), load_codebook()
    context = PipelineContext(settings)
    parsed = br.parse_all(records, settings)
    rules = br.decide(parsed, br.with_role_model(settings, "none", "none"))
    people = role_examples(records, rules, "real")
    fields = {name: field_examples(spec, records, rules) for name, spec in br.FIELDS.items()}
    seeds = [br.FOLD_SEED + r for r in range(args.repeats)]
    print(f"grouped {args.folds}-fold CV inside each project set, {len(seeds)} assignments; "
          "held-out English pages, counts summed over the assignments; reading and built-in "
          "coders fitted on the other sets only")
    with tempfile.TemporaryDirectory() as tmp:
        for name in wanted:
            project = PlayedProject(name, records, origins, parsed, people, fields,
                                    settings, codebook, context, Path(tmp))
            gold = sum(len(r.defectors) for r in project.records)
            print(f"\n## project = {name}: {len(project.records)} English documents, "
                  f"{gold} labelled defectors")
            q = project.queue
            print(f"near-miss queue (coding.near_misses = {settings.coding.near_misses}): "
                  f"names {q['named']} of the {q['missed']} labelled codes the suggestions "
                  f"missed on matched defectors; {q['right']} of {q['shown']} near misses "
                  "right")
            rows = run(project, args.folds, seeds)
            base = rows["built-in"]
            print(f"{'recipe':<22}" + "".join(f"{m:>9}" for m in MEASURES) + "   "
                  + "   ".join(f"{m} − built-in [95 %]" for m in MEASURES))
            for label, mine in rows.items():
                cells = "".join(f"{figure(mine, m):9.3f}" for m in MEASURES)
                diffs = "" if label == "built-in" else "   ".join(
                    "{:+.3f} [{:+.3f}, {:+.3f}]".format(*paired_difference(base, mine, m))
                    for m in MEASURES)
                print(f"{label:<22}{cells}   {diffs}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
