"""Which hand-written reading rules earn their place: each one switched off in turn,
judged by grouped cross-validation on real text.

The reading rules were written with ``dev.jsonl`` in view; ``dev_b2``/``dev_b3`` came
later. A rule that helps only on ``dev.jsonl`` is fitted to it; one whose removal helps
on the later sets misfires on unseen text; one whose removal changes nothing on either
has no evidence behind it. This script measures all three, one rule at a time:

- **profile rules** — every module-level regular expression of the
  :mod:`exitlens.reading.profile` package is replaced by a pattern that never matches (in
  every module of the package that binds the name) and the profile stage re-run; printed
  is the change in the profile fields' correct-minus-wrong count (a field both sides leave
  empty is not counted, as in ``bench_real``) on the English documents of ``dev.jsonl``
  and of the later sets;
- **role rules** — every module-level word set and regular expression of
  :mod:`exitlens.reading.role_cues` and :mod:`exitlens.reading.roles` (a name both bind is
  switched off in each apart), and each cue method of the reader, is emptied in turn;
  the role model is re-fitted per fold on the training folds (its features come from
  these cues) and the change in defector F1 is printed for the same two parts;
- **coding rules** — the rules that shape what is coded after the defectors are found:
  the lexicon coder's negation, rejection, clause, hedge, question and dimension-cue
  rules, the join-cue gate on the model coders, the evidence stage's collective,
  "about" and continuation sentences and its speculation and analysis filters, and each
  coder of the ensemble. Each is switched off in turn, the fold's coders re-fitted on its
  training folds (the classifier reads the lexicon's scores) and the held-out fold
  re-coded; printed is the change in exit and join micro-F1.

The expensive parse (spaCy, quotes, people) runs once; the folds are those of
``bench_real`` (:func:`exitlens.gold.grouped_folds`). Printed figures, not a test.

    python benchmarks/bench_rules.py [--part profile|roles|coding|all] [--eval-dir DIR]
"""

from __future__ import annotations

import argparse
import copy
import importlib
import pkgutil
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_real as br

from exitlens.coding import rules as code_rules
from exitlens.coding import stage as code_stage
from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.coding.stage import CodeStage
from exitlens.coding.training import fold_coders, sample_records
from exitlens.config import Settings
from exitlens.evaluation import code_scores
from exitlens.gold import GoldRecord, match_defectors
from exitlens.model import DocumentReading, Profile
from exitlens.pipeline import PipelineContext
from exitlens.reading import evidence as evidence_rules
from exitlens.reading import profile as profile_rules
from exitlens.reading import role_cues as role_words
from exitlens.reading import roles as role_rules
from exitlens.reading.gazetteer import load_gazetteer
from exitlens.reading.role_training import examples_from_readings, save_role_model

NEVER = re.compile(r"(?!x)x")
FIELDS = ("nationality", "origin_region", "gender", "age", "joined_year", "left_year",
          "exit_mode", "outcome", "role")
ROLE_METHODS = ("noun_cues", "description_cues", "name_context", "verb_cues", "action_cues",
                "quote_cues", "topic_cue", "group_leaving_cue")


@contextmanager
def switched_off(owner: Any, name: str, replacement: Any) -> Iterator[None]:
    original = getattr(owner, name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        setattr(owner, name, original)


def package_modules(package: ModuleType) -> list[ModuleType]:
    """The package itself and every module in it (one level: the profile package is flat)."""
    return [package, *(importlib.import_module(f"{package.__name__}.{info.name}")
                       for info in pkgutil.iter_modules(package.__path__))]


def package_patterns(package: ModuleType) -> list[str]:
    """Names bound to a compiled pattern at module level anywhere in ``package``, sorted."""
    return sorted({name for module in package_modules(package)
                   for name, value in vars(module).items() if isinstance(value, re.Pattern)})


@contextmanager
def switched_off_everywhere(package: ModuleType, name: str, replacement: Any
                            ) -> Iterator[None]:
    """:func:`switched_off` in every module of ``package`` that binds ``name`` to the same
    object as the module defining it (``from .patterns import _X`` binds it again)."""
    modules = package_modules(package)
    originals = [vars(m)[name] for m in modules if name in vars(m)]
    if not originals:
        raise AttributeError(f"no module of {package.__name__} binds {name}")
    original = originals[0]
    with ExitStack() as stack:
        for module in modules:
            if vars(module).get(name) is original:
                stack.enter_context(switched_off(module, name, replacement))
        yield


def parts_of(records: Sequence[GoldRecord], origins: Sequence[str]) -> list[str | None]:
    """"dev" / "later" for English documents, None for the others (not scored)."""
    return [None if br.language_of(r.text) != "en"
            else "dev" if o == br.SEEN_BY_RULES else "later"
            for r, o in zip(records, origins, strict=True)]


# --------------------------------------------------------------------------- profile
def profile_scorer(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                   parts: Sequence[str | None]) -> Callable[[], dict[str, int]]:
    """Re-profile the decided readings and count correct minus wrong field values."""
    gazetteer = load_gazetteer()
    pairs = {}
    for i, (rec, rd) in enumerate(zip(records, readings, strict=True)):
        if parts[i] is None:
            continue
        preds = [k for k, p in enumerate(rd.persons) if p.is_defector]
        matched = match_defectors(rec.defectors, [rd.persons[k] for k in preds], rec.text)
        pairs[i] = [(gi, preds[pi]) for gi, pi in matched]

    def score() -> dict[str, int]:
        out = {"dev": 0, "later": 0}
        for i, matched in pairs.items():
            rd = readings[i]
            for person in rd.persons:
                person.profile = Profile()
            profile_rules.profile_reading(rd, gazetteer)
            for gi, k in matched:
                profile = rd.persons[k].profile
                for name in FIELDS:
                    gold = records[i].defectors[gi].values.get(name)
                    value = getattr(profile, name)
                    got = value.value if value is not None else None
                    if gold is None and got is None:
                        continue
                    out[str(parts[i])] += 1 if str(gold).lower() == str(got).lower() else -1
        return out

    return score


def ablate_profile(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed],
                   parts: Sequence[str | None], settings: Settings, tmp: Path
                   ) -> list[tuple[str, dict[str, int]]]:
    readings = decide_folds(records, parsed, settings, tmp)
    score = profile_scorer(records, readings, parts)
    base = score()
    rows = [("(all rules)", base)]
    for name in package_patterns(profile_rules):
        with switched_off_everywhere(profile_rules, name, NEVER):
            rows.append((name, score()))
    return rows


# --------------------------------------------------------------------------- roles
def decide_folds(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed],
                 settings: Settings, tmp: Path) -> list[DocumentReading]:
    """Every document decided by a role model fitted on the other folds (the year model
    off: the profile figures are the rules')."""
    rules = br.decide(parsed, br.with_role_model(settings, "none", "none"))
    examples = examples_from_readings(records, rules, "real")
    readings: list[DocumentReading | None] = [None] * len(records)
    for j, (train, held) in enumerate(br.fold_plan(records, 5)):
        model = br.fit_role_fold(records, examples, train)
        path = save_role_model(model, tmp / f"role_fold{j}.json")
        decided = br.decide([parsed[i] for i in held],
                            br.with_role_model(settings, str(path), "none"))
        for i, r in zip(held, decided, strict=True):
            readings[i] = r
    return [r for r in readings if r is not None]


def defector_counts(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                    parts: Sequence[str | None]) -> dict[str, tuple[int, int, int]]:
    counts = {"dev": [0, 0, 0], "later": [0, 0, 0]}
    for i, (rec, rd) in enumerate(zip(records, readings, strict=True)):
        if parts[i] is None:
            continue
        preds = [p for p in rd.persons if p.is_defector]
        tp = len(match_defectors(rec.defectors, preds, rec.text))
        c = counts[str(parts[i])]
        c[0] += tp
        c[1] += len(preds) - tp
        c[2] += len(rec.defectors) - tp
    return {k: (v[0], v[1], v[2]) for k, v in counts.items()}


def f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / max(2 * tp + fp + fn, 1)


def ablate_roles(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed],
                 parts: Sequence[str | None], settings: Settings, tmp: Path
                 ) -> list[tuple[str, dict[str, tuple[int, int, int]]]]:
    def run() -> dict[str, tuple[int, int, int]]:
        return defector_counts(records, decide_folds(records, parsed, settings, tmp), parts)

    rows = [("(all rules)", run())]
    for module in (role_words, role_rules):
        for name, value in sorted(vars(module).items()):
            empty: Any = (NEVER if isinstance(value, re.Pattern) else frozenset()
                          if isinstance(value, frozenset) else None)
            if empty is not None and name.lstrip("_").isupper():
                with switched_off(module, name, empty):
                    rows.append((name, run()))
    for method in ROLE_METHODS:
        with switched_off(role_rules._RoleReader, method, lambda self, *a, **k: None):
            rows.append((f"{method}()", run()))
    return rows


# --------------------------------------------------------------------------- coding
def _one(*_args: Any, **_kwargs: Any) -> float:
    return 1.0


def _none(*_args: Any, **_kwargs: Any) -> list[Any]:
    return []


# (label, owner, attribute, replacement): each switched off on its own. Evidence switches
# act only while the evidence stage re-runs; the role stage keeps its own account finder.
CODING_SWITCHES: tuple[tuple[str, Any, str, Any], ...] = (
    ("rules: negation", code_rules, "_NEGATOR", NEVER),
    ("rules: rejection after a negator", code_rules, "_REJECTION_AFTER_NEGATOR", NEVER),
    ("rules: clause breaks (negation scope)", code_rules, "_CLAUSE_BREAK", NEVER),
    ("rules: hedges", code_rules, "_HEDGE", NEVER),
    ("rules: speculative questions", code_rules, "_SPECULATIVE_QUESTION", NEVER),
    ("rules + gate: dimension cues", code_rules, "_cue_factor", _one),
    ("gate: join cues for model coders", code_stage, "CUE_GATED_DIMENSIONS", ()),
    ("evidence: collective sentences", evidence_rules.AccountFinder, "collective_sentences",
     _none),
    ("evidence: 'about' sentences", evidence_rules.AccountFinder, "about_sentences", _none),
    ("evidence: continuations", evidence_rules.AccountFinder, "continuations", _none),
    ("evidence: speculation filter", evidence_rules, "_SPECULATION", NEVER),
    ("evidence: analysis filter", evidence_rules, "_ANALYSIS", NEVER),
)
CODERS = ("rules", "embedding", "classifier")


def code_counts(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                parts: Sequence[str | None], codebook: Codebook
                ) -> dict[str, tuple[int, int, int]]:
    """(tp, fp, fn) of exit and join codes per part: keys "dev exit", "later join"…"""
    out: dict[str, tuple[int, int, int]] = {}
    for part in ("dev", "later"):
        idx = [i for i, p in enumerate(parts) if p == part]
        ev = code_scores([records[i] for i in idx], [readings[i] for i in idx], codebook)
        for dim in ("exit", "join"):
            c = ev.micro[dim]
            out[f"{part} {dim}"] = (c.tp, c.fp, c.fn)
    return out


def ablate_coding(records: Sequence[GoldRecord], parsed: Sequence[br.Parsed],
                  parts: Sequence[str | None], settings: Settings, tmp: Path
                  ) -> list[tuple[str, dict[str, tuple[int, int, int]]]]:
    decided = decide_folds(records, parsed, settings, tmp)
    context = PipelineContext(settings)
    codebook = load_codebook(None)
    samples = sample_records()
    plan = br.fold_plan(records, 5)

    def run(without: str | None = None) -> dict[str, tuple[int, int, int]]:
        code_rules._scans.clear()  # cached scans carry the negation rules' verdicts
        readings = [DocumentReading(document=r.document, sentences=r.sentences,
                                    quotes=r.quotes, persons=copy.deepcopy(r.persons),
                                    scratch=r.scratch) for r in decided]
        evidence_rules.EvidenceStage().process(readings, context)
        for train, held in plan:
            coders = [c for c in fold_coders([records[i] for i in train] + samples, codebook,
                                             context) if c.name != without]
            CodeStage(coders).process([readings[i] for i in held], context)
        return code_counts(records, readings, parts, codebook)

    rows = [("(all rules)", run())]
    for label, owner, name, replacement in CODING_SWITCHES:
        with switched_off(owner, name, replacement):
            rows.append((label, run()))
    for coder in CODERS:
        rows.append((f"coder: {coder}", run(without=coder)))
    return rows


# --------------------------------------------------------------------------- report
def print_profile(rows: list[tuple[str, dict[str, int]]]) -> None:
    base = rows[0][1]
    print("\n### profile rules: change in (correct - wrong) field values when switched off")
    print(f"all rules: dev.jsonl {base['dev']:+d}, later sets {base['later']:+d}")
    print(f"{'rule':<28} {'dev':>5} {'later':>6}  verdict")
    for name, s in sorted(rows[1:], key=lambda r: (r[1]['later'] - base['later'], r[0])):
        d, lt = s["dev"] - base["dev"], s["later"] - base["later"]
        print(f"{name:<28} {d:+5d} {lt:+6d}  {verdict(-d, -lt)}")


def print_roles(rows: list[tuple[str, dict[str, tuple[int, int, int]]]]) -> None:
    base = rows[0][1]
    print("\n### role rules: change in defector F1 when switched off")
    print(f"all rules: dev.jsonl F1 {f1(*base['dev']):.3f}, later sets "
          f"F1 {f1(*base['later']):.3f}")
    print(f"{'rule':<28} {'dev':>7} {'later':>7}  verdict")
    for name, s in sorted(rows[1:], key=lambda r: (f1(*r[1]['later']), r[0])):
        d = f1(*s["dev"]) - f1(*base["dev"])
        lt = f1(*s["later"]) - f1(*base["later"])
        print(f"{name:<28} {d:+7.3f} {lt:+7.3f}  {verdict(-d, -lt)}")


def print_coding(rows: list[tuple[str, dict[str, tuple[int, int, int]]]]) -> None:
    base = rows[0][1]
    print("\n### coding rules: change in micro-F1 when switched off (exit | join)")
    print("all rules: " + ", ".join(f"{k} {f1(*v):.3f}" for k, v in base.items()))
    print(f"{'rule':<40} {'dev exit':>8} {'later':>7} {'dev join':>8} {'later':>7}  verdict "
          "(exit; join)")
    for name, s in rows[1:]:
        d = {k: f1(*s[k]) - f1(*base[k]) for k in base}
        print(f"{name:<40} {d['dev exit']:+8.3f} {d['later exit']:+7.3f} "
              f"{d['dev join']:+8.3f} {d['later join']:+7.3f}  "
              f"{verdict(-d['dev exit'], -d['later exit'])}; "
              f"{verdict(-d['dev join'], -d['later join'])}")


def verdict(helps_dev: float, helps_later: float) -> str:
    """What the rule's presence does (positive = the figure is better with it)."""
    if helps_later > 0:
        return "earns its place on unseen text"
    if helps_later < 0:
        return "misfires on unseen text"
    if helps_dev > 0:
        return "helps only the text it was written with"
    if helps_dev < 0:
        return "misfires on dev.jsonl, no effect later"
    return "no effect on real text"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=br.EVAL_DIR)
    parser.add_argument("--part", choices=("profile", "roles", "coding", "both", "all"),
                        default="all", help="both = profile and roles")
    args = parser.parse_args(argv)
    records, names, origins = br.load_real_sets(args.eval_dir)
    if not records:
        print(f"skipped: no real labelled sets in {args.eval_dir}")
        return 0
    t0 = time.perf_counter()
    settings = Settings()
    parts = parts_of(records, origins)
    print(f"real labelled sets: {', '.join(names)} ({len(records)} documents, "
          f"{sum(p == 'dev' for p in parts)} English in dev.jsonl, "
          f"{sum(p == 'later' for p in parts)} English in the later sets)")
    parsed = br.parse_all(records, settings)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.part in ("profile", "both", "all"):
            print_profile(ablate_profile(records, parsed, parts, settings, tmp))
        if args.part in ("roles", "both", "all"):
            print_roles(ablate_roles(records, parsed, parts, settings, tmp))
        if args.part in ("coding", "all"):
            print_coding(ablate_coding(records, parsed, parts, settings, tmp))
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
