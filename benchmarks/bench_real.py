"""The honest measurement: grouped cross-validation over every real labelled set.

Loads the real labelled sets found in ``../shared/eval/`` (dev.jsonl, dev_b2.jsonl,
dev_b3.jsonl; absent ones are skipped) and runs grouped k-fold cross-validation
(:func:`exitlens.gold.grouped_folds`: documents sharing a labelled person, URL or
opening text stay in one fold). In each fold EVERYTHING learned is fitted on the
training folds only:

- the role model: examples (every person found, labelled by the one defector matching)
  from the training documents, threshold chosen by grouped CV inside them;
- the learned profile fields (``joined_year`` and ``exit_mode`` where the profile rules
  find none): the training documents' matched defectors, thresholds chosen by grouped CV
  inside them;
- the coders: ``fold_coders(train + sample labels, codebook, context)`` (the shipped
  recipe: rules + embedding thresholds +
  classifier);

and the pipeline then reads the held-out fold with those models. The expensive part
(segmentation, spaCy, quotes, people) runs once per document; the role, profile and
evidence stages are re-run per fold from a snapshot of that state.

Printed: defector P/R/F1 and candidate recall; exit and join micro/macro F1 with the
per-code table, beside two untrained peers on the same rows (keyword search over the
whole document, and zero-shot MiniLM similarity of the evidence sentences to each
code's definition and examples at one fixed threshold); family prevalence error;
profile field accuracy; everything split English vs other languages. Then the
figures of the shipped models (no CV), labelled as not evidence.

    python benchmarks/bench_real.py [--folds 5] [--json OUT] [--coders rules,embedding,classifier]
    python benchmarks/bench_real.py --attribution   # + where the coding errors come from
    python benchmarks/bench_real.py --lockbox PATH   # fit on all real sets, score PATH

``--attribution`` also codes every held-out fold twice more — each matched defector's
evidence replaced by the sentences holding their gold quotes, then also without the false
defectors — and prints exit/join P/R/F1 for the three, English and later sets: how much of
the coding error is evidence selection, how much is false defectors, how much the coders;
then the pipeline's codings counted right / wrong by the unit they rest on (the defector's
own quote, another speaker's quote, a sentence naming them, neither) and by coder,
dev.jsonl beside the later sets.
``--coders`` codes with a subset of the fold's coders (the ensemble of the rest).
``--repeats R`` runs the whole CV over R fold assignments (the parse is shared): one
assignment's figures move by a few hundredths when the folds are drawn differently, so a
change is judged by the mean over assignments and by compare_runs.py on the per-document
counts summed over them. Every assignment's fold models are saved under their own names
(the loaders cache by file).

``--accuracy-out FILE`` writes the per-code precision and recall of the whole pipeline
(every English page, and the later sets apart; counts summed over the repeats) that the
report, the dashboard and ``exitlens models --accuracy`` show beside machine shares:
``src/exitlens/data/coding/measured_accuracy.json`` (``exitlens.coding.measured``).

``--lockbox`` fits the role model and the coders on ALL real labelled documents, reads
PATH once and prints only the aggregate tables (no per-document lines, texts or names).
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from intervals import (
    LATER,
    PARTS,
    SEEN_BY_RULES,
    document_counts,
    format_intervals,
    measures_of,
)
from intervals import part as part_rows

from exitlens.coding.base import items_for, split_sentences
from exitlens.coding.classifier import LabelledSentence, load_sentences
from exitlens.coding.codebook import Codebook, load_codebook
from exitlens.coding.embedding import DEFAULT_THRESHOLD, EmbeddingCoder
from exitlens.coding.evaluate import (
    CodeEvaluation,
    evaluate_codes,
    fold_codes,
    format_table,
    label_scheme,
)
from exitlens.coding.measured import CodeAccuracy, FieldAccuracy, MeasuredAccuracy
from exitlens.coding.stage import CodeStage
from exitlens.coding.training import fold_coders, sample_records
from exitlens.coding.versions import default_model_path, read_meta
from exitlens.config import Settings
from exitlens.evaluation import (
    ReadingEval,
    align_codes,
    code_scores,
    score_codes,
    score_reading,
)
from exitlens.gold import GoldRecord, find_all, grouped_folds, load_gold, match_defectors
from exitlens.language import detect_language
from exitlens.model import DocumentReading, Person, Span
from exitlens.pipeline import Pipeline, PipelineContext
from exitlens.reading.profile_models import FIELDS
from exitlens.reading.profile_training import field_examples, save_field_model, train_field_model
from exitlens.reading.role_training import (
    RoleExample,
    examples_from_readings,
    grouped_training,
    save_role_model,
)

ROOT = Path(__file__).resolve().parents[1]
# ../shared/eval beside the repository (or beside the folder holding this worktree)
EVAL_DIR = next((p / "shared" / "eval" for p in (ROOT.parent, ROOT.parent.parent)
                 if (p / "shared" / "eval").is_dir()), ROOT.parent / "shared" / "eval")
REAL_SETS = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")
PARSE_STAGES = ["segment", "nlp", "quotes", "people"]
DECIDE_STAGES = ["roles", "profile", "evidence"]
KEEP = ("role_features", "writer")


# --------------------------------------------------------------------------- language
@functools.cache
def language_of(text: str) -> str:
    """"en" or "other" (:func:`exitlens.language.detect_language`; undetected = other)."""
    guess = detect_language(text)
    return "en" if guess is not None and guess.code == "en" else "other"


# --------------------------------------------------------------------------- reading
@dataclass
class Parsed:
    """A reading after the parse stages, and a snapshot to restart the deciding stages."""

    reading: DocumentReading
    persons: list[Person]
    scratch: dict[str, Any]


def parse_all(records: Sequence[GoldRecord], settings: Settings) -> list[Parsed]:
    """Segment, spaCy, quotes and people once per document (scratch kept)."""
    pipe = Pipeline(PARSE_STAGES, settings)
    out: list[Parsed] = []
    batch = settings.reading.batch_size
    for start in range(0, len(records), batch):
        readings = [DocumentReading(document=r.document()) for r in records[start:start + batch]]
        for stage in pipe.stages:
            stage.process(readings, pipe.context)
        out.extend(Parsed(r, copy.deepcopy(r.persons), dict(r.scratch)) for r in readings)
    return out


def decide(parsed: Sequence[Parsed], settings: Settings) -> list[DocumentReading]:
    """Run the role, profile and evidence stages (with ``settings``' role model) afresh
    on each parsed document, restoring the state the parse stages left."""
    readings = []
    for p in parsed:
        r = p.reading
        r.persons = copy.deepcopy(p.persons)
        r.scratch = dict(p.scratch)
        r.codings = []
        readings.append(r)
    pipe = Pipeline(DECIDE_STAGES, settings)
    for stage in pipe.stages:
        stage.process(readings, pipe.context)
    return readings


def snapshot(reading: DocumentReading) -> DocumentReading:
    """A copy of the decided reading for scoring (no scratch)."""
    return DocumentReading(document=reading.document, sentences=reading.sentences,
                           quotes=copy.deepcopy(reading.quotes),
                           persons=copy.deepcopy(reading.persons),
                           codings=list(reading.codings),
                           near_misses=list(reading.near_misses))


def with_role_model(settings: Settings, role_model: str,
                    field_models: str | dict[str, str] | None = None) -> Settings:
    """The reading settings without the code stage, with this role model and these
    learned profile field models (field → model file; "none" = rules alone for every
    field; None = as configured)."""
    stages = [s for s in settings.reading.stages if s != "code"]
    update: dict[str, Any] = {"role_model": role_model, "stages": stages}
    for name, spec in FIELDS.items():
        choice = field_models.get(name) if isinstance(field_models, dict) else field_models
        if choice is not None:
            update[spec.setting] = choice
    reading = settings.reading.model_copy(update=update)
    return settings.model_copy(update={"reading": reading})


def fit_field_models(records: Sequence[GoldRecord], examples: dict[str, list[Any]],
                     train: Sequence[int] | None, tmp: Path, tag: str) -> dict[str, str]:
    """Every learned profile field fitted on the ``train`` documents; field → saved file."""
    out: dict[str, str] = {}
    for name, spec in FIELDS.items():
        model = train_field_model(spec, records, examples[name], train=train)
        out[name] = save_field_model(model, str(tmp / f"{name}_{tag}.json"))
    return out


# --------------------------------------------------------------------------- folds
FOLD_SEED = 13  # grouped_folds' default: repeat r of --repeats uses FOLD_SEED + r


def fold_plan(records: Sequence[GoldRecord], k: int,
              seed: int = FOLD_SEED) -> list[tuple[list[int], list[int]]]:
    """(training indices, held-out indices) per grouped fold."""
    folds = grouped_folds(records, k=k, seed=seed)
    everything = set(range(len(records)))
    return [(sorted(everything - set(f)), f) for f in folds]


def fit_role_fold(records: Sequence[GoldRecord], examples: Sequence[RoleExample],
                  train: Sequence[int], inner_k: int = 5,
                  extra: Sequence[GoldRecord] = ()) -> Any:
    """The fold's role model: fitted on the training documents' people only (plus the
    ``extra`` records' people, if any), with the shipped recipe's fixed threshold (a
    recipe that chooses one does so by grouped CV inside them)."""
    extra_idx = range(len(records), len(records) + len(extra))
    return grouped_training([*records, *extra], examples, [*train, *extra_idx], k=inner_k)


def zero_shot_codes(readings: Sequence[DocumentReading], context: PipelineContext,
                    codebook: Codebook) -> list[dict[int, set[str]]]:
    """Per reading, person index → codes from zero-shot similarity (no training; one
    fixed threshold) of the person's evidence units to each code's definition/examples."""
    coder = EmbeddingCoder(context, {"default": DEFAULT_THRESHOLD, "thresholds": {}})
    items = items_for(readings)
    results = coder.code(items, codebook) if items else []
    out: list[dict[int, set[str]]] = [{} for _ in readings]
    index = {id(r): i for i, r in enumerate(readings)}
    for item, res in zip(items, results, strict=True):
        codes = {codebook.root(x.code) for x in res}
        out[index[id(item.reading)]].setdefault(item.person_index, set()).update(codes)
    return out


def score_zero_shot(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                    predicted: Sequence[dict[int, set[str]]], codebook: Codebook
                    ) -> CodeEvaluation:
    gold: list[set[str]] = []
    pred: list[set[str]] = []
    for record, reading, codes in zip(records, readings, predicted, strict=True):
        g, p, _ = align_codes(record, reading, codes)
        gold.extend(g)
        pred.extend(p)
    labelled, fold = label_scheme(True)
    return evaluate_codes(gold, pred, codebook, labelled=labelled, fold=fold)


# --------------------------------------------------------------------------- report
PROFILE_FIELDS = ("nationality", "nationality_stated", "nationality_inferred", "gender",
                  "age", "joined_year", "left_year", "exit_mode", "outcome", "role")


@dataclass
class Figures:
    label: str
    documents: int
    reading: ReadingEval
    codes: CodeEvaluation
    keyword: CodeEvaluation
    zero_shot: CodeEvaluation | None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        r = self.reading
        out: dict[str, Any] = {
            "documents": self.documents, "gold_defectors": r.tp + r.fn,
            "predicted_defectors": r.tp + r.fp,
            "defector_precision": round(r.precision, 4), "defector_recall": round(r.recall, 4),
            "defector_f1": round(r.f1, 4), "candidate_recall": round(r.candidate_recall, 4),
        }
        for name in PROFILE_FIELDS:
            acc = r.field_accuracy(name)
            out[f"{name}_accuracy"] = None if acc is None else round(acc, 4)
            out[f"{name}_counted"] = r.field_scores.get(name, (0, 0))[1]
        for tag, ev in (("", self.codes), ("keyword_", self.keyword),
                        ("zero_shot_", self.zero_shot)):
            if ev is None:
                continue
            for dim in ("exit", "join"):
                out[f"{tag}{dim}_micro_f1"] = round(ev.micro[dim].f1, 4)
                out[f"{tag}{dim}_macro_f1"] = round(ev.macro_f1[dim], 4)
                out[f"{tag}{dim}_prevalence_error_pp"] = round(ev.prevalence_error[dim][0], 2)
        out.update(self.extra)
        return out


def figures(label: str, records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
            codebook: Codebook, zero: Sequence[dict[int, set[str]]] | None) -> Figures:
    reading = score_reading(records, readings)
    codes, keyword = score_codes(records, readings, codebook)
    zs = score_zero_shot(records, readings, zero, codebook) if zero is not None else None
    return Figures(label, len(records), reading, codes, keyword, zs)


def print_figures(f: Figures, per_code: bool = True) -> None:
    s = f.summary()
    print(f"\n### {f.label}: {s['documents']} documents, {s['gold_defectors']} gold defectors, "
          f"{s['predicted_defectors']} predicted")
    print(f"defectors  P {s['defector_precision']:.3f}  R {s['defector_recall']:.3f}  "
          f"F1 {s['defector_f1']:.3f}  | candidate recall {s['candidate_recall']:.3f}")
    fields = "  ".join(
        f"{n} {'-' if s[n + '_accuracy'] is None else format(s[n + '_accuracy'], '.2f')}"
        f"/{s[n + '_counted']}" for n in PROFILE_FIELDS)
    print(f"profile accuracy (matched, value/counted): {fields}")
    for dim in ("exit", "join"):
        line = (f"{dim:<4} pipeline micro-F1 {s[dim + '_micro_f1']:.3f} macro-F1 "
                f"{s[dim + '_macro_f1']:.3f} prev.err {s[dim + '_prevalence_error_pp']:.1f}pp"
                f" | keyword micro {s['keyword_' + dim + '_micro_f1']:.3f} "
                f"macro {s['keyword_' + dim + '_macro_f1']:.3f}")
        if f.zero_shot is not None:
            line += (f" | zero-shot micro {s['zero_shot_' + dim + '_micro_f1']:.3f} "
                     f"macro {s['zero_shot_' + dim + '_macro_f1']:.3f}")
        print(line)
    if per_code:
        print(format_table(f.codes, f.keyword,
                           title="per code (pipeline; keyword-search F1 beside):"))
        if f.zero_shot is not None:
            zs = f.zero_shot
            print("zero-shot F1 per code: " + ", ".join(
                f"{c} {v.f1:.2f}" for c, v in zs.per_code.items() if v.support or v.fp))


def split_figures(label: str, records: Sequence[GoldRecord],
                  readings: Sequence[DocumentReading], codebook: Codebook,
                  zero: Sequence[dict[int, set[str]]] | None) -> dict[str, Figures]:
    langs = [language_of(r.text) for r in records]
    out = {"all": figures(f"{label}: all", records, readings, codebook, zero)}
    for lang, name in (("en", "English"), ("other", "other languages")):
        idx = [i for i, x in enumerate(langs) if x == lang]
        if idx:
            out[lang] = figures(f"{label}: {name}", [records[i] for i in idx],
                                [readings[i] for i in idx], codebook,
                                None if zero is None else [zero[i] for i in idx])
    return out


def fictional_sets() -> list[GoldRecord]:
    """Our own fictional labelled sets (sample corpus labels, benchmarks/devdata)."""
    paths = [ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl",
             *sorted((ROOT / "benchmarks" / "devdata").glob("dev*_gold.jsonl"))]
    return [r for p in paths if p.is_file() for r in load_gold(p)]


def load_real_sets(eval_dir: Path) -> tuple[list[GoldRecord], list[str], list[str]]:
    """(records, set names present, the set each record came from)."""
    records: list[GoldRecord] = []
    names: list[str] = []
    origins: list[str] = []
    for name in REAL_SETS:
        path = eval_dir / name
        if path.is_file():
            loaded = load_gold(path)
            records.extend(loaded)
            origins.extend([name] * len(loaded))
            names.append(name)
    return records, names, origins


def english_parts(records: Sequence[GoldRecord], origins: Sequence[str]
                  ) -> dict[str, list[int]]:
    """Indices of the English documents: all of them ("English"), dev.jsonl's
    (:data:`SEEN_BY_RULES`) and the later sets' (:data:`LATER`), split as
    ``intervals.PARTS`` splits the per-document counts."""
    rows = [{"origin": o, "language": language_of(r.text)} for r, o in zip(records, origins,
                                                                           strict=True)]
    return {name: [i for i, row in enumerate(rows) if keep(row)]
            for name, keep in PARTS.items()}


def by_origin(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
              codebook: Codebook, origins: Sequence[str]) -> dict[str, Figures]:
    """English figures for dev.jsonl's documents and for the later sets, apart."""
    out: dict[str, Figures] = {}
    parts = english_parts(records, origins)
    for key, label, idx in (
            ("en_seen", f"grouped CV: English, {SEEN_BY_RULES} only (rules written with it "
                        "in view: optimistic)", parts[SEEN_BY_RULES]),
            ("en_later", "grouped CV: English, the later sets only (dev_b2, dev_b3)",
             parts[LATER])):
        if idx:
            out[key] = figures(label, [records[i] for i in idx], [readings[i] for i in idx],
                               codebook, None)
    return out


# --------------------------------------------------------------------------- attribution
ATTRIBUTION_VARIANTS = ("pipeline evidence", "gold evidence for matched defectors",
                        "gold evidence, false defectors dropped")


def gold_evidence_sentences(record: GoldRecord, defector_index: int) -> list[Span]:
    """The sentences holding one gold defector's evidence quotes (oracle evidence)."""
    text = record.text
    sentences = split_sentences(text)
    spans: list[Span] = []
    for ev in record.defectors[defector_index].evidence:
        for q in find_all(text, ev.quote):
            spans.extend([s for s in sentences if s.overlaps(q)] or [q])
    return sorted(set(spans))


def oracle_variant(record: GoldRecord, reading: DocumentReading,
                   drop_false: bool) -> DocumentReading:
    """A copy of a decided reading whose matched defectors carry gold evidence; with
    ``drop_false`` the defectors matching no gold defector are no longer defectors."""
    out = snapshot(reading)
    out.codings = []
    preds = [k for k, p in enumerate(out.persons) if p.is_defector]
    pairs = match_defectors(record.defectors, [out.persons[k] for k in preds], record.text)
    matched = {preds[pi]: gi for gi, pi in pairs}
    for k in preds:
        if k in matched:
            out.persons[k].evidence = gold_evidence_sentences(record, matched[k])
        elif drop_false:
            out.persons[k].role = "other"
            out.persons[k].evidence = []
    return out


def print_attribution(records: Sequence[GoldRecord], variants: dict[str, list[Any]],
                      origins: Sequence[str], codebook: Codebook) -> dict[str, Any]:
    parts = english_parts(records, origins)
    subsets = {"English": parts["English"], "English, later sets": parts[LATER]}
    print("\n### where the coding errors come from (grouped CV, same folds and coders)")
    out: dict[str, Any] = {}
    for name, readings in variants.items():
        for sub, idx in subsets.items():
            if not idx:
                continue
            codes = code_scores([records[i] for i in idx], [readings[i] for i in idx],
                                codebook)
            cells = []
            for dim in ("exit", "join"):
                c = codes.micro[dim]
                cells.append(f"{dim} P {c.precision:.2f} R {c.recall:.2f} F1 {c.f1:.3f}")
                out[f"{name} / {sub} / {dim}_f1"] = round(c.f1, 4)
            print(f"{name:<40} {sub:<20} " + " | ".join(cells))
    return out


def unit_source(reading: DocumentReading, person_index: int, span: Span) -> str:
    """What the unit a coding rests on is: the person's own quote, another speaker's quote,
    a sentence naming the person (the writer's narrative about them), or none of these."""
    if any(q.speaker == person_index and q.span.overlaps(span) for q in reading.quotes):
        return "own quote"
    if any(q.speaker is not None and q.speaker != person_index and q.span.overlaps(span)
           for q in reading.quotes):
        return "another's quote"
    sentence = next((s.span for s in reading.sentences if s.span.overlaps(span)), span)
    if any(m.span.overlaps(sentence) for m in reading.persons[person_index].mentions):
        return "sentence naming them"
    return "neither"


def coding_sources(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                   codebook: Codebook) -> Counter[tuple[str, str, str, str, bool]]:
    """Every scored coding of a predicted defector, counted by (dimension, "matched" or
    "false defector", "unit" or "coder", the unit's source or the coder, right or not).

    A coding is right when its code (folded and rolled up as the micro-F1 scores it) is
    among the matched gold defector's codes; every code of a false defector is wrong.
    """
    labelled, fold = label_scheme(True)
    scored = set(labelled or ())
    out: Counter[tuple[str, str, str, str, bool]] = Counter()
    for record, reading in zip(records, readings, strict=True):
        defectors = reading.defectors()
        pairs = match_defectors(record.defectors, [p for _, p in defectors], record.text)
        gold_of = {defectors[pi][0]: gi for gi, pi in pairs}
        for c in reading.codings:
            if c.person is None or c.status == "rejected" or c.code not in codebook:
                continue
            if not reading.persons[c.person].is_defector:
                continue
            codes = codebook.rollup(fold_codes({c.code}, fold)) & scored
            if not codes:
                continue
            dimension = codebook.dimension_of(c.code)
            gi = gold_of.get(c.person)
            who = "matched" if gi is not None else "false defector"
            right = gi is not None and bool(codes & codebook.rollup(
                fold_codes(record.defectors[gi].codes(), fold)))
            out[(dimension, who, "unit", unit_source(reading, c.person, c.span), right)] += 1
            out[(dimension, who, "coder", c.coder, right)] += 1
    return out


def print_coding_sources(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                         origins: Sequence[str], codebook: Codebook) -> dict[str, Any]:
    """Right / wrong codings by the unit they rest on and by coder, dev.jsonl beside the
    later sets (English): which kinds of evidence and which coders turn into false codes
    on unseen text."""
    parts = {name: idx for name, idx in english_parts(records, origins).items()
             if name != "English"}
    counts = {name: coding_sources([records[i] for i in idx], [readings[i] for i in idx],
                                   codebook) for name, idx in parts.items()}
    print("\n### where the false codes come from (grouped CV, pipeline evidence, English): "
          "right / wrong codings")
    print(f"{'':52}" + "".join(f"{name:>16}" for name in parts))
    out: dict[str, Any] = {}
    rows = sorted({k[:4] for c in counts.values() for k in c})
    for dim, who, axis, value in rows:
        cells = []
        for name, c in counts.items():
            right, wrong = c[(dim, who, axis, value, True)], c[(dim, who, axis, value, False)]
            cells.append(f"{right:>7} / {wrong:<6}")
            out[f"{name} / {dim} / {who} / {axis} {value}"] = [right, wrong]
        label = f"{dim:<8} {who:<15} {axis}: {value}"
        print(f"{label:<52}" + "".join(f"{x:>16}" for x in cells))
    return out


# --------------------------------------------------------------------------- runs
def progress(message: str, since: float) -> None:
    print(f"  [{time.perf_counter() - since:6.1f} s] {message}", file=sys.stderr, flush=True)


def cross_validated(records: Sequence[GoldRecord], settings: Settings, codebook: Codebook,
                    k: int, tmp: Path, code: bool = True, extra: Sequence[GoldRecord] = (),
                    origins: Sequence[str] = (), coder_names: Sequence[str] | None = None,
                    attribution: bool = False, seed: int = FOLD_SEED,
                    parsed: list[Parsed] | None = None,
                    sentences: Sequence[LabelledSentence] = ()
                    ) -> tuple[dict[str, Figures], dict[str, Any], list[Parsed]]:
    """Grouped k-fold CV with the fold assignment of ``seed`` (``parsed``: the documents
    already parsed by an earlier call, reused; ``sentences``: extra classifier training
    units given to every fold's coders)."""
    t0 = time.perf_counter()
    if parsed is None:
        parsed = parse_all(records, settings)
    t_parse = time.perf_counter() - t0
    progress("parsed", t0)
    # Rules alone (nothing learned): also the source of every person's features and label.
    rules = decide(parsed, with_role_model(settings, "none", "none"))
    examples = examples_from_readings(records, rules, "real")
    fields = {name: field_examples(spec, records, rules) for name, spec in FIELDS.items()}
    if extra:
        extra_rules = decide(parse_all(extra, settings), with_role_model(settings, "none",
                                                                          "none"))
        examples += examples_from_readings(extra, extra_rules, "fictional")
    rules_readings = [snapshot(r) for r in rules]
    readings: list[DocumentReading | None] = [None] * len(records)
    context = PipelineContext(settings)
    fold_info = []
    samples = sample_records()  # the shipped recipe: + our fictional sample labels
    oracle: dict[str, list[Any]] = {v: [None] * len(records) for v in ATTRIBUTION_VARIANTS[1:]}
    for j, (train, held) in enumerate(fold_plan(records, k, seed)):
        model = fit_role_fold(records, examples, train, extra=extra)
        # One file per assignment and fold: the loaders cache models by path, so a path
        # reused by a later assignment would read this assignment's (leaky) model.
        path = save_role_model(model, tmp / f"role_s{seed}_fold{j}.json")
        field_paths = fit_field_models(records, fields, train, tmp, f"s{seed}_fold{j}")
        held_parsed = [parsed[i] for i in held]
        decided = decide(held_parsed, with_role_model(settings, str(path), field_paths))
        if code:
            coders = fold_coders([records[i] for i in train] + samples, codebook, context,
                                 sentences)
            if coder_names is not None:
                coders = [c for c in coders if c.name in coder_names]
            progress(f"fold {j}: role model and coders fitted", t0)
            if attribution:
                for name, drop in zip(ATTRIBUTION_VARIANTS[1:], (False, True), strict=True):
                    variant = [oracle_variant(records[i], r, drop)
                               for i, r in zip(held, decided, strict=True)]
                    CodeStage(coders).process(variant, context)
                    for i, r in zip(held, variant, strict=True):
                        oracle[name][i] = r
            CodeStage(coders).process(decided, context)
            progress(f"fold {j}: coded", t0)
        for i, r in zip(held, decided, strict=True):
            readings[i] = snapshot(r)
        fold_info.append({"fold": j, "held_out": len(held), "train": len(train),
                          "threshold": model.threshold})
    done = [r for r in readings if r is not None]
    zero = zero_shot_codes(done, context, codebook) if code else None
    out = split_figures("grouped CV", records, done, codebook, zero)
    if origins:
        out.update(by_origin(records, done, codebook, origins))
    rules_only = split_figures("rules alone (no learning; rules written with dev in view)",
                               records, rules_readings, codebook, None)
    info: dict[str, Any] = {"parse_seconds": round(t_parse, 1), "folds": fold_info}
    info["per_document"] = document_counts(
        records, done, codebook, origins or [""] * len(records),
        [language_of(r.text) for r in records], coded=code)
    if attribution and code:
        variants = {ATTRIBUTION_VARIANTS[0]: done, **oracle}
        info["attribution"] = print_attribution(records, variants, origins or
                                                [""] * len(records), codebook)
        if origins:
            info["coding_sources"] = print_coding_sources(records, done, origins, codebook)
    for key, f in rules_only.items():
        out[f"rules_{key}"] = f
    return out, info, parsed


# Headline figures of each repeat: (figures key, part name, summary field, label).
REPEAT_FIGURES = [(key, part, summary_key, label)
                  for key, part in (("en", "English"), ("en_seen", "dev.jsonl"),
                                    ("en_later", "later sets"))
                  for summary_key, label in (("defector_f1", "defectors"),
                                             ("exit_micro_f1", "exit"),
                                             ("join_micro_f1", "join"))]


def repeat_cv(records: Sequence[GoldRecord], settings: Settings, codebook: Codebook,
              args: argparse.Namespace, tmp: Path, origins: Sequence[str],
              parsed: list[Parsed], first: dict[str, Figures], info: dict[str, Any],
              sentences: Sequence[LabelledSentence] = (),
              extra: Sequence[GoldRecord] = ()) -> dict[str, Any]:
    """Run the CV again with ``args.repeats - 1`` more fold assignments (the parse is
    reused; ``sentences`` and ``extra`` as in the first run). Returns ``info`` with
    ``repeats`` (each repeat's headline figures) and the per-document counts summed over
    all repeats (a document's counts stay one resampling unit, so the intervals and
    compare_runs.py still resample documents)."""
    coded = not args.reading_only
    runs = [{"seed": FOLD_SEED, **headline(first, coded)}]
    summed = {row["id"]: copy.deepcopy(row) for row in info.get("per_document", [])}
    for r in range(1, args.repeats):
        seed = FOLD_SEED + r
        figs, more, _ = cross_validated(records, settings, codebook, args.folds, tmp,
                                        code=coded, extra=extra, origins=origins,
                                        coder_names=args.coders.split(",")
                                        if args.coders else None, seed=seed, parsed=parsed,
                                        sentences=sentences)
        runs.append({"seed": seed, **headline(figs, coded)})
        for row in more.get("per_document", []):
            kept = summed[row["id"]]
            add_counts(kept, {m: row[m] for m in measures_of([row])})
            for key in ("codes", "fields"):
                add_counts(kept.setdefault(key, {}), row.get(key, {}))
    out = dict(info)
    out["repeats"] = runs
    if summed:
        out["per_document"] = list(summed.values())
    return out


def headline(figs: dict[str, Figures], coded: bool = True) -> dict[str, float | None]:
    """The REPEAT_FIGURES of one CV run (None where that part has no figures, and for
    the code figures of a run that did not code)."""
    out: dict[str, float | None] = {}
    for key, part, summary_key, label in REPEAT_FIGURES:
        if not coded and label != "defectors":
            continue
        value = figs[key].summary().get(summary_key) if key in figs else None
        out[f"{part} {label}"] = value
    return out


def print_repeats(runs: Sequence[dict[str, Any]]) -> None:
    """Each headline figure per fold assignment, its mean and range."""
    print(f"\n### repeated grouped CV: {len(runs)} fold assignments (seeds "
          f"{', '.join(str(r['seed']) for r in runs)})")
    print(f"{'figure':<22}" + "".join(f"{r['seed']:>8}" for r in runs)
          + f"{'mean':>8}  range")
    for _, part, _, label in REPEAT_FIGURES:
        name = f"{part} {label}"
        values = [r[name] for r in runs if r.get(name) is not None]
        if not values:
            continue
        cells = "".join(f"{r[name]:>8.3f}" if r.get(name) is not None else f"{'-':>8}"
                        for r in runs)
        print(f"{name:<22}{cells}{sum(values) / len(values):>8.3f}  "
              f"{min(values):.3f}-{max(values):.3f}")


def shipped(records: Sequence[GoldRecord], parsed: Sequence[Parsed], settings: Settings,
            codebook: Codebook) -> dict[str, Figures]:
    decided = decide(parsed, with_role_model(settings, settings.reading.role_model or ""))
    context = PipelineContext(settings)
    CodeStage().process(decided, context)
    return split_figures("shipped models (trained on these documents: not evidence)",
                         records, [snapshot(r) for r in decided], codebook, None)


def lockbox(path: Path, records: Sequence[GoldRecord], settings: Settings,
            codebook: Codebook, tmp: Path) -> dict[str, Figures]:
    """Fit on ALL real labelled documents, read ``path`` once, score it."""
    parsed = parse_all(records, settings)
    rules = decide(parsed, with_role_model(settings, "none", "none"))
    examples = examples_from_readings(records, rules, "real")
    model = grouped_training(records, examples)
    model_path = save_role_model(model, tmp / "role_all.json")
    fields = {name: field_examples(spec, records, rules) for name, spec in FIELDS.items()}
    field_paths = fit_field_models(records, fields, None, tmp, "all")
    test = load_gold(path)
    test_parsed = parse_all(test, settings)
    decided = decide(test_parsed, with_role_model(settings, str(model_path), field_paths))
    context = PipelineContext(settings)
    CodeStage(fold_coders(list(records) + sample_records(), codebook, context)).process(
        decided, context)
    done = [snapshot(r) for r in decided]
    zero = zero_shot_codes(done, context, codebook)
    figs = split_figures("lockbox (fitted on all real labelled sets)", test, done, codebook,
                         zero)
    # Aggregates only: the per-document counts stay in memory, never printed or saved.
    counts = document_counts(test, done, codebook, ["lockbox"] * len(test),
                             [language_of(r.text) for r in test])
    print("\n### lockbox: micro-F1 with a 95 % interval (bootstrap over documents)")
    for line in format_intervals(counts, parts=("English",)):
        print(line)
    return figs


def add_counts(total: dict[str, Any], counts: dict[str, Sequence[int]]) -> None:
    """Add each named count list of ``counts`` into ``total``, element by element."""
    for name, c in counts.items():
        total[name] = [a + b for a, b in zip(total.get(name, [0] * len(c)), c, strict=True)]


def _summed(rows: Sequence[dict[str, Any]], key: str) -> dict[str, list[int]]:
    total: dict[str, list[int]] = {}
    for row in rows:
        add_counts(total, row.get(key, {}))
    return total


def _code_counts(rows: Sequence[dict[str, Any]], repeats: int) -> dict[str, CodeAccuracy]:
    return {code: CodeAccuracy(code, (c[0] + c[2]) // repeats, *c)
            for code, c in _summed(rows, "codes").items() if any(c)}


def _field_counts(rows: Sequence[dict[str, Any]], repeats: int) -> dict[str, FieldAccuracy]:
    return {name: FieldAccuracy(name, right, counted, counted // repeats)
            for name, (right, counted) in _summed(rows, "fields").items() if counted}


def _pair_counts(rows: Sequence[dict[str, Any]], repeats: int, name: str) -> CodeAccuracy:
    tp, fp, fn = (sum(row.get("pairs", (0, 0, 0))[i] for row in rows) for i in range(3))
    return CodeAccuracy(name, (tp + fn) // repeats, tp, fp, fn)


def measured_accuracy(rows: Sequence[dict[str, Any]], repeats: int, folds: int
                      ) -> MeasuredAccuracy:
    """The per-code measurement the report shows beside machine shares
    (``exitlens.coding.measured``): every English document, and apart the later sets'
    (pages the rules were not written against), counts summed over the ``repeats`` fold
    assignments; the defector figures of the later sets."""
    english = part_rows(rows, "English")
    later = part_rows(rows, LATER)
    tp, fp, fn = (sum(row["defectors"][i] for row in later) for i in range(3))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return MeasuredAccuracy(
        setting=(f"grouped {folds}-fold cross-validation over the {len(rows)} real labelled "
                 f"documents, {repeats} fold assignment{'s' if repeats > 1 else ''}, whole "
                 "pipeline (defectors found by the reading stages, codes by the built-in "
                 "coders), everything learned fitted on the training folds only; scored on "
                 f"the {len(english)} English pages, and apart on the {len(later)} the "
                 "reading rules and lexicon were not written against (unseen)"),
        measured=time.strftime("%Y-%m-%d"), documents=len(english), assignments=repeats,
        classifier_created=read_meta(default_model_path()).get("created"),
        defectors={"precision": round(precision, 4), "recall": round(recall, 4),
                   "f1": round(2 * precision * recall / (precision + recall)
                               if precision + recall else 0.0, 4),
                   "gold": (tp + fn) // repeats},
        codes=_code_counts(english, repeats), unseen=_code_counts(later, repeats),
        profile=_field_counts(english, repeats), profile_unseen=_field_counts(later, repeats),
        pairs={"all": _pair_counts(english, repeats, "all"),
               "unseen": _pair_counts(later, repeats, "unseen")})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=EVAL_DIR)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument("--lockbox", type=Path, default=None,
                        help="fit on all real sets, score this file (aggregates only)")
    parser.add_argument("--with-fictional", action="store_true",
                        help="add our fictional labelled sets to every fold's role-model "
                             "training data")
    parser.add_argument("--reading-only", action="store_true",
                        help="skip the coders (defector and profile figures only; quick)")
    parser.add_argument("--attribution", action="store_true",
                        help="also code with gold evidence (and without false defectors) "
                             "to show where coding errors come from")
    parser.add_argument("--coders", default=None,
                        help="comma-separated subset of the fold coders "
                             "(rules,embedding,classifier)")
    parser.add_argument("--no-shipped", action="store_true",
                        help="skip the shipped-model (not evidence) figures")
    parser.add_argument("--extra-sentences", type=Path, default=None,
                        help="JSON Lines of labelled sentences ({text, codes}) added to "
                             "every fold's classifier training (e.g. "
                             "benchmarks/data/written_sentences.jsonl)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="repeat the CV over this many fold assignments (seeds 13, 14, "
                             "…): the first is printed in full, then each headline figure "
                             "per repeat with its mean; intervals and --json per-document "
                             "counts are summed over the repeats")
    parser.add_argument("--accuracy-out", type=Path, default=None,
                        help="write the per-code measurement the report shows beside "
                             "machine shares (src/exitlens/data/coding/"
                             "measured_accuracy.json; use with --repeats)")
    args = parser.parse_args(argv)
    if args.accuracy_out and (args.reading_only or args.lockbox):
        parser.error("--accuracy-out needs a coding cross-validation run")
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    records, names, origins = load_real_sets(args.eval_dir)
    if not records:
        print(f"skipped: no real labelled sets in {args.eval_dir}")
        return 0
    settings = Settings()
    codebook = load_codebook(settings.coding.codebook)
    sentences = (load_sentences(args.extra_sentences, codebook)
                 if args.extra_sentences else [])
    t0 = time.perf_counter()
    results: dict[str, Any] = {"sets": names, "documents": len(records)}
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        if args.lockbox is not None:
            figs = lockbox(args.lockbox, records, settings, codebook, tmp)
            for f in figs.values():
                print_figures(f)
            results["lockbox"] = {k: f.summary() for k, f in figs.items()}
        else:
            print(f"real labelled sets: {', '.join(names)} ({len(records)} documents); "
                  f"grouped {args.folds}-fold CV")
            extra = fictional_sets() if args.with_fictional else []
            figs, info, parsed = cross_validated(records, settings, codebook, args.folds, tmp,
                                                code=not args.reading_only,
                                                extra=extra, origins=origins,
                                                coder_names=args.coders.split(",")
                                                if args.coders else None,
                                                attribution=args.attribution,
                                                sentences=sentences)
            if args.repeats > 1:
                info = repeat_cv(records, settings, codebook, args, tmp, origins, parsed,
                                 figs, info, sentences, extra)
            results.update(info)
            for key in ("all", "en", "other", "en_seen", "en_later"):
                if key in figs:
                    print_figures(figs[key], per_code=key == "all" and not args.reading_only)
            for key in ("rules_all", "rules_en", "rules_other"):
                if key in figs:
                    print_figures(figs[key], per_code=False)
            results["cv"] = {k: f.summary() for k, f in figs.items()}
            if "repeats" in info:
                print_repeats(info["repeats"])
            if "per_document" in info:
                summed = (f", counts summed over {args.repeats} fold assignments"
                          if args.repeats > 1 else "")
                print("\n### grouped CV: micro-F1 with a 95 % interval (bootstrap over "
                      f"documents{summed}; compare two runs with compare_runs.py)")
                for line in format_intervals(info["per_document"]):
                    print(line)
                if args.accuracy_out:
                    acc = measured_accuracy(info["per_document"], args.repeats, args.folds)
                    tmp_out = args.accuracy_out.with_suffix(".tmp")
                    tmp_out.write_text(json.dumps(acc.as_json(), indent=2) + "\n",
                                       encoding="utf-8")
                    tmp_out.replace(args.accuracy_out)
                    print(f"measured accuracy per code written to {args.accuracy_out}")
            if not (args.no_shipped or args.reading_only):
                ship = shipped(records, parsed, settings, codebook)
                for key in ("all", "en", "other"):
                    if key in ship:
                        print_figures(ship[key], per_code=False)
                results["shipped_not_evidence"] = {k: f.summary() for k, f in ship.items()}
    seconds = time.perf_counter() - t0
    results["seconds"] = round(seconds, 1)
    print(f"\n({seconds:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n",
                             encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
