"""What does checking codes buy? The review app's two code lists, played on real labelled
pages the models were not fitted to.

The web app puts two lists of codes before a reviewer:

- **the review queue**: every suggested coding, least certain first
  (``review_views.UNCERTAINTY``), answered *accept* or *reject*;
- **possible missed codes** (near misses): per defector the codes the classifier leaned
  towards without suggesting them, strongest first, answered *add the code* or *not this
  code*.

This benchmark codes every real labelled document once with models fitted on the other
folds only (grouped CV, as ``bench_real.py``: role model, learned profile fields and the
three coders), twice: as the machine leaves it, and after a reviewer has checked both
lists of *People to check* (``bench_review_effort.py``) and the documents were read again
with those verdicts, as ``analyze`` does. A reviewer who answers as the labels do then
checks K codes in one of three orders — the queue, the near misses, or both in turn —
and the exit and join micro-F1 and the mean family prevalence error (percentage points)
are printed after each K, on the English pages (the later sets, all English, dev.jsonl).
A suggestion is right when the labelled defector the person is paired with carries its
top-level code (every code of a false defector is wrong); a near miss is right likewise.
Mean over fold assignments. Printed figures, not a test.

    python benchmarks/bench_code_review.py [--folds 5] [--repeats 2] [--lockbox FILE]

``--lockbox FILE`` reads that file with the shipped models and prints the same figures,
aggregates only (score it once, at the end of a session).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br
import bench_review_effort as people

from exitlens.cases import reading_person_key
from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.coding.evaluate import fold_codes, label_scheme
from exitlens.coding.stage import CodeStage
from exitlens.coding.training import fold_coders, sample_records
from exitlens.config import Settings
from exitlens.evaluation import code_scores
from exitlens.gold import GoldRecord, load_gold, match_defectors
from exitlens.model import Coding, DocumentReading, NearMiss
from exitlens.pipeline import PipelineContext
from exitlens.reading.profile_models import FIELDS
from exitlens.reading.profile_training import field_examples
from exitlens.reading.role_training import examples_from_readings, save_role_model

STEPS = (0, 25, 50, 100, 200, 400)
ORDERS = ("review queue", "possible missed codes", "both in turn")
STAGES = ("machine alone", "after checking people")


@dataclass
class CodeCheck:
    """One suggested coding or near miss of one held-out document."""

    document: int  # index of the record
    item: Coding | NearMiss
    right: bool  # what a reviewer answering as the labels do says


class Scorer:
    """The labelled code scheme of ``bench_real`` (top-level codes, LABELING.md's folding)."""

    def __init__(self, codebook: Codebook):
        self.codebook = codebook
        self.labelled, self.fold = label_scheme(True)
        self.scored = set(self.labelled or ())

    def top(self, codes: set[str]) -> set[str]:
        return self.codebook.rollup(fold_codes(codes, self.fold)) & self.scored

    def truth(self, record: GoldRecord, reading: DocumentReading) -> dict[int, set[str]]:
        """Person index → the scored codes of the labelled defector paired with them."""
        defectors = reading.defectors()
        pairs = match_defectors(record.defectors, [p for _, p in defectors], record.text)
        return {defectors[pi][0]: self.top(record.defectors[gi].codes()) for gi, pi in pairs}

    def figures(self, records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
                ) -> dict[str, float]:
        ev = code_scores(records, readings, self.codebook)
        return {"exit": ev.micro["exit"].f1, "join": ev.micro["join"].f1,
                "exit error": ev.prevalence_error.get("exit", (0.0, 0.0))[0],
                "join error": ev.prevalence_error.get("join", (0.0, 0.0))[0]}


def code_checks(scorer: Scorer, records: Sequence[GoldRecord],
                readings: Sequence[DocumentReading], documents: Sequence[int]
                ) -> tuple[list[CodeCheck], list[CodeCheck]]:
    """(the review queue, the near misses) of ``documents``, each in the web app's order;
    codes outside the labelled scheme are left out (no answer would change a figure)."""
    queue: list[tuple[Any, CodeCheck]] = []
    misses: list[tuple[Any, CodeCheck]] = []
    for d in documents:
        reading = readings[d]
        truth = scorer.truth(records[d], reading)
        for n, c in enumerate(reading.codings):
            top = scorer.top({c.code})
            if c.person is None or c.status != "suggested" or not top:
                continue
            check = CodeCheck(d, c, bool(top & truth.get(c.person, set())))
            queue.append(((abs(c.confidence - 0.5), d, n), check))
        for n, m in enumerate(reading.near_misses):
            top = scorer.top({m.code})
            if m.person is None or not top:
                continue
            misses.append(((-m.score, d, n), CodeCheck(d, m, bool(top & truth.get(m.person,
                                                                                  set())))))
    return ([c for _, c in sorted(queue, key=lambda x: x[0])],
            [c for _, c in sorted(misses, key=lambda x: x[0])])


def after_checks(readings: Sequence[DocumentReading], documents: Sequence[int],
                 checked: Sequence[CodeCheck]) -> list[DocumentReading]:
    """The readings of ``documents`` once ``checked`` are answered: a wrong suggestion
    rejected, a right near miss added as an accepted human coding on its unit."""
    rejected = {id(c.item) for c in checked if isinstance(c.item, Coding) and not c.right}
    added: dict[int, list[Coding]] = {}
    for c in checked:
        if isinstance(c.item, NearMiss) and c.right:
            added.setdefault(c.document, []).append(
                Coding(c.item.code, c.item.span, "human:reviewer", 1.0, "accepted",
                       c.item.person))
    out = []
    for d in documents:
        reading = copy.copy(readings[d])
        reading.codings = [dataclasses.replace(c, status="rejected") if id(c) in rejected
                           else c for c in readings[d].codings] + added.get(d, [])
        out.append(reading)
    return out


def in_turn(a: Sequence[CodeCheck], b: Sequence[CodeCheck]) -> list[CodeCheck]:
    out: list[CodeCheck] = []
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    return out


def code_effort(scorer: Scorer, records: Sequence[GoldRecord],
                readings: Sequence[DocumentReading], documents: Sequence[int],
                steps: Sequence[int] = STEPS) -> dict[str, Any]:
    """The figures of one part (``documents``) of one reading of it."""
    queue, misses = code_checks(scorer, records, readings, documents)
    orders = dict(zip(ORDERS, (queue, misses, in_turn(queue, misses)), strict=True))
    gold = [records[d] for d in documents]
    out: dict[str, Any] = {"documents": len(documents), "queue": len(queue),
                           "queue right": sum(c.right for c in queue),
                           "near misses": len(misses),
                           "near misses right": sum(c.right for c in misses)}
    for name, order in orders.items():
        for k, checked in [*((str(k), order[:k]) for k in steps), ("all", order)]:
            for key, value in scorer.figures(gold, after_checks(readings, documents,
                                                                checked)).items():
                out[f"{name} @{k} {key}"] = value
    return out


def people_verdicts(records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
                    ) -> list[list[dict[str, Any]]]:
    """Per document, the verdicts a reviewer answering as the labels do gives on both
    lists of *People to check* (``scratch["verdicts"]``, as ``analyze`` seeds them)."""
    checkables = people.checkables(records, list(readings))
    out: list[list[dict[str, Any]]] = [[] for _ in records]
    for c in people.defector_list(checkables) + people.possible_list(checkables):
        p = readings[c.document].persons[c.index]
        out[c.document].append({**reading_person_key(p),
                                "role": "defector" if c.truth else "other"})
    return out


def read_and_code(parsed: Sequence[br.Parsed], settings: Settings,
                  stage: CodeStage, context: PipelineContext,
                  verdicts: Sequence[Sequence[dict[str, Any]]] | None = None
                  ) -> list[DocumentReading]:
    """Decide and code ``parsed`` (with reviewers' ``verdicts`` per document, if given)."""
    if verdicts is not None:
        parsed = [dataclasses.replace(p, scratch={**p.scratch, "verdicts": list(v)})
                  for p, v in zip(parsed, verdicts, strict=True)]
    decided = br.decide(parsed, settings)
    stage.process(decided, context)
    return [br.snapshot(r) for r in decided]


def both_stages(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed],
                settings: Settings, stage: CodeStage, context: PipelineContext
                ) -> dict[str, list[DocumentReading]]:
    machine = read_and_code(parsed, settings, stage, context)
    verdicts = people_verdicts(records, machine)
    return dict(zip(STAGES, (machine, read_and_code(parsed, settings, stage, context,
                                                    verdicts)), strict=True))


def cv_coded(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed], settings: Settings,
             codebook: Codebook, k: int, seed: int, tmp: Path
             ) -> dict[str, list[DocumentReading]]:
    """Every document read and coded by models fitted on the other folds, as the machine
    leaves it and after the people lists were checked."""
    rules = br.decide(parsed, br.with_role_model(settings, "none", "none"))
    examples = examples_from_readings(records, rules, "real")
    fields = {name: field_examples(spec, records, rules) for name, spec in FIELDS.items()}
    context = PipelineContext(settings)
    out: dict[str, list[Any]] = {s: [None] * len(records) for s in STAGES}
    for j, (train, held) in enumerate(br.fold_plan(records, k, seed)):
        model = br.fit_role_fold(records, examples, train)
        path = save_role_model(model, tmp / f"role_s{seed}_fold{j}.json")
        field_paths = br.fit_field_models(records, fields, train, tmp, f"s{seed}_fold{j}")
        coders = fold_coders([records[i] for i in train] + sample_records(), codebook, context)
        held_records = [records[i] for i in held]
        readings = both_stages(held_records, [parsed[i] for i in held],
                               br.with_role_model(settings, str(path), field_paths),
                               CodeStage(coders), context)
        for name, done in readings.items():
            for i, reading in zip(held, done, strict=True):
                out[name][i] = reading
    return out


def print_code_effort(name: str, rows: Mapping[str, Sequence[dict[str, Any]]]) -> None:
    """One part's figures per stage, averaged over fold assignments."""
    for stage, stage_rows in rows.items():
        avg = {key: mean(row[key] for row in stage_rows) for key in stage_rows[0]}
        print(f"\n== {name}, {stage}: {avg['documents']:.0f} documents; review queue "
              f"{avg['queue']:.0f} codings ({avg['queue right']:.0f} right), possible missed "
              f"codes {avg['near misses']:.0f} ({avg['near misses right']:.0f} right)")
        columns = (*STEPS, "all")
        for title, keys in (("exit / join micro-F1", ("exit", "join")),
                            ("exit / join family prevalence error, points",
                             ("exit error", "join error"))):
            print(f"  {title:46s}")
            print(f"  {'codes checked':28s}" + "".join(f"{k:>12}" for k in columns))
            for order in ORDERS:
                fmt = ".2f" if keys[0] == "exit" else ".1f"
                cells = [f"{avg[f'{order} @{k} {keys[0]}']:{fmt}}/"
                         f"{avg[f'{order} @{k} {keys[1]}']:{fmt}}" for k in columns]
                print(f"  {order:28s}" + "".join(f"{c:>12}" for c in cells))


def lockbox(path: Path, settings: Settings, codebook: Codebook) -> None:
    """The same figures on ``path`` read with the shipped models: aggregates only."""
    test = load_gold(path)
    parsed = br.parse_all(test, settings)
    readings = both_stages(test, parsed, br.with_role_model(
        settings, settings.reading.role_model or ""), CodeStage(), PipelineContext(settings))
    english = [i for i, r in enumerate(test) if br.language_of(r.text) == "en"]
    scorer = Scorer(codebook)
    print(f"\n### lockbox ({path.name}, shipped models; aggregates only)")
    print_code_effort("lockbox, English", {
        stage: [code_effort(scorer, test, done, english)] for stage, done in readings.items()})


def cross_validated(eval_dir: Path, folds: int, repeats: int, settings: Settings,
                    codebook: Codebook) -> None:
    """The figures of every English part, over ``repeats`` fold assignments."""
    records, _, origins = br.load_real_sets(eval_dir)
    parts = br.english_parts(records, origins)
    scorer = Scorer(codebook)
    parsed = br.parse_all(records, settings)
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {s: [] for s in STAGES} for name in parts}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            coded = cv_coded(records, parsed, settings, codebook, folds, br.FOLD_SEED + r,
                             Path(tmp))
            for name, documents in parts.items():
                for stage, readings in coded.items():
                    runs[name][stage].append(code_effort(scorer, records, readings,
                                                         documents))
    print(f"grouped {folds}-fold CV x {repeats} fold assignments; a reviewer answers each "
          "code checked as the labels do; mean over assignments")
    for name in ("later sets", "English", "dev.jsonl"):
        if name in runs:
            print_code_effort(name, runs[name])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=br.EVAL_DIR)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--lockbox", type=Path, default=None,
                    help="also read this labelled file with the shipped models and print "
                         "its aggregates (score it once, at the end)")
    args = ap.parse_args(argv)
    if not (args.eval_dir / "dev.jsonl").exists():
        print(f"no labelled sets in {args.eval_dir}: nothing to measure")
        return 0
    settings = Settings()
    codebook = load_codebook()
    if args.repeats > 0:  # --repeats 0: the lockbox alone
        cross_validated(args.eval_dir, args.folds, args.repeats, settings, codebook)
    if args.lockbox is not None:
        lockbox(args.lockbox, settings, codebook)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
