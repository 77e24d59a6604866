"""What does checking people buy? The review page's two lists of people to check, played
on real labelled pages the role model was not fitted to.

The web app's *People to check* (``Project.defector_queue`` and
``Project.possible_defectors``) puts two lists before a reviewer:

- **defectors not yet checked**, least certain first (the role's confidence);
- **possible defectors**: per document, the person the machine did not call a defector
  whom the role model rated highest (``Person.defector_score``), strongest first.

This benchmark reads every real labelled document once (``bench_real.parse_all``), decides
each fold's held-out documents with a role model fitted on the other folds only (grouped
CV, as ``bench_real.py``), and then plays a reviewer who answers every person put before
them correctly (a defector when the person is the one ``gold.match_defectors`` pairs with a
labelled defector among all the page's people). Printed per part of the English pages
(the later sets, all English, dev.jsonl): defector F1 after K people checked for each
order — the defector list, the possible list, both lists in turn — the whole of each
list, and how many of the possible list's first 10 / 20 / 50 were missed defectors
against the share among all people the machine did not call defectors. Mean over fold
assignments. Printed figures, not a test.

    python benchmarks/bench_review_effort.py [--folds 5] [--repeats 4] [--lockbox FILE]

``--lockbox FILE`` reads that file with the shipped role model (trained on every real
labelled set) and prints the same figures for it, aggregates only.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br

from exitlens.config import Settings
from exitlens.gold import GoldRecord, load_gold, match_defectors
from exitlens.model import DocumentReading
from exitlens.reading.role_training import examples_from_readings, save_role_model

STEPS = (0, 10, 20, 40, 80)
ORDERS = ("defectors, least certain first", "possible defectors", "both lists in turn")


@dataclass
class Checkable:
    """One person of one held-out document, as the review lists see them."""

    document: int  # index of the record
    index: int  # index in the reading's persons
    defector: bool  # the machine's verdict
    confidence: float  # the role's confidence
    score: float | None  # the role model's probability of a defector
    truth: bool  # a reviewer's verdict: the person the gold pairs with a labelled defector


def checkables(records: Sequence[GoldRecord], readings: Sequence[DocumentReading | None]
               ) -> list[Checkable]:
    out: list[Checkable] = []
    for d, (record, reading) in enumerate(zip(records, readings, strict=True)):
        if reading is None:
            continue
        truth = {pi for _, pi in match_defectors(record.defectors, reading.persons,
                                                 record.text)}
        out.extend(Checkable(d, i, p.role == "defector", p.role_confidence, p.defector_score,
                             i in truth) for i, p in enumerate(reading.persons))
    return out


def defector_list(people: Sequence[Checkable]) -> list[Checkable]:
    """The defectors, least certain first (``review_views.PEOPLE_LISTS["defectors"]``)."""
    return sorted((p for p in people if p.defector),
                  key=lambda p: (p.confidence, p.document, p.index))


def possible_list(people: Sequence[Checkable]) -> list[Checkable]:
    """Per document the non-defector with the highest score, strongest first
    (``review_views.PEOPLE_LISTS["possible"]``)."""
    best: dict[int, Checkable] = {}
    for p in people:
        if p.defector or p.score is None:
            continue
        if p.document not in best or (p.score, -p.index) > (best[p.document].score or 0.0,
                                                            -best[p.document].index):
            best[p.document] = p
    return sorted(best.values(), key=lambda p: (-(p.score or 0.0), p.document, p.index))


def in_turn(a: Sequence[Checkable], b: Sequence[Checkable]) -> list[Checkable]:
    out: list[Checkable] = []
    for i in range(max(len(a), len(b))):
        out.extend(x[i] for x in (a, b) if i < len(x))
    return out


def f1_after(records: Sequence[GoldRecord], readings: Sequence[DocumentReading | None],
             people: Sequence[Checkable], checked: Sequence[Checkable]) -> float:
    """Defector F1 over the documents of ``people`` once ``checked`` have their true
    verdicts (scored as ``evaluation.score_reading`` scores: predicted defectors paired
    with labelled ones)."""
    verdict = {(p.document, p.index): p.truth for p in checked}
    tp = fp = fn = 0
    for d in sorted({p.document for p in people}):
        reading = readings[d]
        assert reading is not None
        predicted = [p for i, p in enumerate(reading.persons)
                     if verdict.get((d, i), p.role == "defector")]
        pairs = len(match_defectors(records[d].defectors, predicted, records[d].text))
        tp += pairs
        fp += len(predicted) - pairs
        fn += len(records[d].defectors) - pairs
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def effort(records: Sequence[GoldRecord], readings: Sequence[DocumentReading | None],
           documents: Sequence[int], steps: Sequence[int] = STEPS) -> dict[str, Any]:
    """The figures of one part (``documents``) of one fold assignment."""
    keep = set(documents)
    people = [p for p in checkables(records, readings) if p.document in keep]
    defectors, possible = defector_list(people), possible_list(people)
    orders = dict(zip(ORDERS, (defectors, possible, in_turn(defectors, possible)),
                      strict=True))
    out: dict[str, Any] = {"documents": len(keep), "people": len(people),
                           "defector list": len(defectors), "possible list": len(possible)}
    for name, order in orders.items():
        for k in steps:
            out[f"{name} @{k}"] = f1_after(records, readings, people, order[:k])
    out["whole defector list"] = f1_after(records, readings, people, defectors)
    out["whole of both lists"] = f1_after(records, readings, people, defectors + possible)
    others = [p for p in people if not p.defector]
    out["missed defectors among the others"] = sum(p.truth for p in others)
    out["others"] = len(others)
    for k in (10, 20, 50):
        out[f"missed defectors in the possible list's first {k}"] = sum(
            p.truth for p in possible[:k])
    return out


def cv_readings(records: Sequence[GoldRecord], parsed: Sequence[Any], settings: Settings,
                k: int, seed: int, tmp: Path) -> list[DocumentReading | None]:
    """Every document decided by a role model fitted on the other folds (no coders)."""
    rules = br.decide(parsed, br.with_role_model(settings, "none", "none"))
    examples = examples_from_readings(records, rules, "real")
    out: list[DocumentReading | None] = [None] * len(records)
    for j, (train, held) in enumerate(br.fold_plan(records, k, seed)):
        model = br.fit_role_fold(records, examples, train)
        path = save_role_model(model, tmp / f"role_s{seed}_fold{j}.json")
        decided = br.decide([parsed[i] for i in held],
                            br.with_role_model(settings, str(path), "none"))
        for i, reading in zip(held, decided, strict=True):
            out[i] = br.snapshot(reading)
    return out


def print_effort(name: str, rows: Sequence[dict[str, Any]]) -> None:
    """One part's figures, averaged over fold assignments (``rows``)."""
    avg = {key: mean(row[key] for row in rows) for key in rows[0]}
    print(f"\n== {name}: {avg['documents']:.0f} documents, {avg['people']:.0f} people, "
          f"{avg['defector list']:.1f} defectors to check, "
          f"{avg['possible list']:.1f} possible defectors")
    print(f"  {'people checked':34s}" + "".join(f"{k:>8d}" for k in STEPS))
    for order in ORDERS:
        print(f"  {order:34s}" + "".join(f"{avg[f'{order} @{k}']:8.3f}" for k in STEPS))
    print(f"  whole defector list ({avg['defector list']:.0f} people): "
          f"{avg['whole defector list']:.3f}")
    both = avg["defector list"] + avg["possible list"]
    print(f"  whole of both lists ({both:.0f} people, "
          f"{both / max(avg['documents'], 1):.1f} a document): {avg['whole of both lists']:.3f}")
    share = avg["missed defectors among the others"] / max(avg["others"], 1)
    print(f"  missed defectors among the {avg['others']:.0f} others: "
          f"{avg['missed defectors among the others']:.1f} ({share:.1%})")
    for k in (10, 20, 50):
        got = avg[f"missed defectors in the possible list's first {k}"]
        print(f"  in the possible list's first {k}: {got:.1f} ({got / k:.0%})")


def lockbox(path: Path, settings: Settings) -> None:
    """The same figures on ``path`` read with the shipped role model (trained on every real
    labelled set): aggregates only, its English pages and all of them."""
    test = load_gold(path)
    decided = br.decide(br.parse_all(test, settings),
                        br.with_role_model(settings, settings.reading.role_model or "", "none"))
    readings: list[DocumentReading | None] = [br.snapshot(r) for r in decided]
    english = [i for i, r in enumerate(test) if br.language_of(r.text) == "en"]
    print(f"\n### lockbox ({path.name}, shipped role model; aggregates only)")
    print_effort("lockbox, English", [effort(test, readings, english)])
    print_effort("lockbox, all languages", [effort(test, readings, range(len(test)))])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--eval-dir", type=Path, default=br.EVAL_DIR)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=4)
    ap.add_argument("--lockbox", type=Path, default=None,
                    help="also read this labelled file with the shipped role model and "
                         "print its aggregates (score it once, at the end)")
    args = ap.parse_args(argv)
    if not (args.eval_dir / "dev.jsonl").exists():
        print(f"no labelled sets in {args.eval_dir}: nothing to measure")
        return 0
    records, _, origins = br.load_real_sets(args.eval_dir)
    parts = br.english_parts(records, origins)
    settings = Settings()
    parsed = br.parse_all(records, settings)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in parts}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            readings = cv_readings(records, parsed, settings, args.folds, br.FOLD_SEED + r,
                                   Path(tmp))
            for name, documents in parts.items():
                runs[name].append(effort(records, readings, documents))
    print(f"grouped {args.folds}-fold CV x {args.repeats} fold assignments; a reviewer "
          "answers each person checked correctly; mean over assignments")
    for name in ("later sets", "English", "dev.jsonl"):
        if runs.get(name):
            print_effort(name, runs[name])
    if args.lockbox is not None:
        lockbox(args.lockbox, settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
