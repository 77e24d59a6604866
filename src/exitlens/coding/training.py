"""Training entry points: what ``exitlens train`` runs.

``train_from_records`` is the one classifier recipe (evidence sentences of labelled
defectors as positives, the other sentences as negatives, the codebook's definitions and
example phrases as weighted positives, one fixed threshold, rare codes left to the other
coders); ``train_from_gold`` saves a new version learned from SPEC §4 gold files (and/or
human-reviewed codings) into a version folder under ``coding.model_dir``
(``Project.train`` fills that in: the project's model folder beside its database): by
default the built-in classifier adapted to them (:mod:`exitlens.coding.adaptation`), or
with ``from_scratch`` a model of that recipe trained on them alone, with the embedding
coder's thresholds calibrated on the same defectors.
``oracle_items``, ``fold_coders`` and ``cross_validate`` give honest held-out figures:
grouped folds (``gold.grouped_folds``), nothing scored on records its coders were fitted
on. ``build_builtin`` rebuilds the defaults shipped in ``exitlens/data/coding`` from the
real labelled sets (``python -m exitlens.coding.training``,
``scripts/train_coding_models.py``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ExitlensError
from ..gold import GoldRecord, grouped_folds, load_gold, oracle_reading
from ..model import DocumentReading
from ..pipeline import PipelineContext
from .adaptation import adapt_classifier
from .base import Coder, CodingItem, CodingResult, evidence_units
from .classifier import (
    META_FILE,
    MIN_DEFECTORS,
    MODEL_FILE,
    ClassifierCoder,
    ClassifierModel,
    LabelledSentence,
    examples_from_codebook,
    examples_from_gold,
    examples_from_readings,
    load_model,
    reviewed_defectors,
    save_model,
    train_classifier,
)
from .codebook import Codebook, load_codebook
from .embedding import (
    CalibrationExample,
    Embedder,
    EmbeddingCoder,
    calibrate,
    get_embedder,
    load_thresholds,
    save_thresholds,
)
from .ensemble import combine
from .evaluate import (
    CodeEvaluation,
    evaluate_codes,
    keyword_baseline,
    label_scheme,
)
from .gate import train_gate
from .rules import RulesCoder
from .versions import BUILTIN_NAME, default_model_path

DEFAULT_MODEL_DIR = "exitlens-models"


def oracle_items(record: GoldRecord) -> tuple[list[CodingItem], list[set[str]]]:
    """Items (one per gold defector, possibly with no units) and their gold codes.

    Oracle attribution (:func:`exitlens.gold.oracle_reading`): figures computed
    from these items measure the coders alone and must be labelled as such.
    """
    reading = oracle_reading(record)
    items = []
    golds = []
    for (idx, person), d in zip(reading.defectors(), record.defectors, strict=True):
        items.append(CodingItem(reading, idx, person, evidence_units(reading, person)))
        golds.append(d.codes())
    return items, golds


def train_from_records(records: Sequence[GoldRecord], codebook: Codebook, embedder: Embedder,
                       extra: Sequence[LabelledSentence] = (), note: str = "") -> ClassifierModel:
    """The one classifier recipe: what cross-validation measures is what ships.

    Sentence examples from the records' evidence (positives) and their other sentences
    (negatives), plus the codebook's definitions and example phrases as weighted
    positives, one fixed decision threshold; and the reason gate
    (:mod:`exitlens.coding.gate`) fitted on the records' sentences.
    """
    examples = examples_from_gold(records, codebook)
    examples.extend(extra)
    examples.extend(examples_from_codebook(codebook))
    model = train_classifier(examples, codebook, embedder, note=note)
    model.gate = train_gate(records, embedder)
    if model.gate is not None:
        model.meta["gate"] = model.gate.as_meta()
    model.meta["positive_defectors"] = positive_defectors(records, codebook)
    model.meta["min_defectors"] = MIN_DEFECTORS
    return model


def positive_defectors(records: Sequence[GoldRecord], codebook: Codebook) -> dict[str, int]:
    """Top-level code → number of labelled defectors carrying it with an evidence quote."""
    counts: dict[str, int] = {}
    for rec in records:
        for d in rec.defectors:
            codes = {codebook.root(e.code) for e in d.evidence
                     if e.code in codebook and e.code in d.codes()}
            for c in codes:
                counts[c] = counts.get(c, 0) + 1
    return dict(sorted(counts.items()))


def calibration_examples(records: Sequence[GoldRecord]) -> list[CalibrationExample]:
    """Gold defectors as (evidence sentences, codes) for threshold calibration."""
    out: list[CalibrationExample] = []
    for rec in records:
        items, golds = oracle_items(rec)
        out.extend(CalibrationExample(it.unit_texts(), g)
                   for it, g in zip(items, golds, strict=True))
    return out


class TooFewLabels(ExitlensError):
    """Labels too few for a classifier version that codes anything itself."""

    code = "too_few_labels"


def most_counted(counts: dict[str, int], what: str) -> str:
    """"the most <what> code, X, has N" (or "no code has any"), for refusals."""
    best = max(counts.items(), key=lambda kv: kv[1], default=None)
    return f"the most {what} code, {best[0]}, has {best[1]}" if best else "no code has any"


def train_from_gold(gold_paths: Sequence[str | Path], settings: Settings,
                    readings: Sequence[DocumentReading] = (), *,
                    codebook: Codebook | None = None, name: str | None = None,
                    calibrate_thresholds: bool = True,
                    min_defectors: int | None = None,
                    from_scratch: bool = False, held_out: bool = True) -> dict[str, Any]:
    """Save a new classifier version learned from gold files and reviewed codings.

    By default the built-in classifier is *adapted* to them
    (:func:`~exitlens.coding.adaptation.adapt_classifier`): each code's weights are refitted
    on the project's sentences near the built-in ones, and the version keeps the built-in
    reason gate and embedding thresholds. Refused (:class:`TooFewLabels`) when the labels
    and reviews hold no evidence of any code the built-in classifier knows. With
    ``held_out`` the report's ``held_out`` compares, on the labelled documents, the
    built-in coders with versions adapted without each document
    (:func:`adaptation_held_out`).

    ``from_scratch`` trains on the project's labels and reviews alone (the recipe of the
    built-in model, with the embedding thresholds calibrated on the same defectors when
    ``calibrate_thresholds``). It is refused unless at least one code has ``min_defectors``
    (default: the back-off floor, :data:`MIN_DEFECTORS`) labelled or reviewed defectors:
    below it for every code the version codes nothing itself yet, as the newest version,
    replaces the built-in classifier (measured once, 5 grouped folds, each later real set
    as a project's own labels: 10 labelled English documents, or all of a fold's training
    documents (about 30), reached the floor for no code, and such a version lowered the
    oracle-attribution exit / join micro-F1 on the project's held-out pages from 0.40 /
    0.38 to 0.35 / 0.14 on dev_b3 and left dev_b2's unchanged).
    """
    cb = codebook or load_codebook(settings.coding.codebook)
    records = [r for p in gold_paths for r in load_gold(p)]
    # Defectors with a reviewer-accepted code count towards the back-off floor like
    # labelled defectors (else a version trained from reviews alone backs off every code).
    reviewed = reviewed_defectors(readings, cb)
    counts = dict(sorted((Counter(positive_defectors(records, cb)) + Counter(reviewed))
                         .items()))
    context = PipelineContext(settings)
    # Everything slow is done before the version is written (a version is picked up as
    # the newest as soon as it is saved): the held-out comparison and the thresholds.
    extra: dict[str, Any] = {}
    if from_scratch:
        floor = MIN_DEFECTORS if min_defectors is None else min_defectors
        if not any(n >= floor for n in counts.values()):
            most = most_counted(counts, "labelled")
            raise TooFewLabels(
                f"a classifier version trained from scratch needs at least {floor} labelled "
                f"defectors with one code (its floor: below it the version codes nothing "
                f"itself and the rules and embedding coders do all the work); {most} in "
                f"{len(records)} labelled documents and {len(readings)} reviewed ones. Label "
                "or review more, adapt the built-in classifier instead (without "
                "--from-scratch), or pass --min-defectors to train one anyway")
        model = train_from_records(records, cb, get_embedder(context),
                                   examples_from_readings(readings, cb),
                                   note=f"trained from scratch on {len(records)} gold "
                                        f"documents and {len(readings)} reviewed readings")
        model.meta["positive_defectors"] = counts
        thresholds = (calibrate(calibration_examples(records), cb, get_embedder(context))
                      if calibrate_thresholds and records else None)
    else:
        base = load_model(default_model_path())
        model = _adapted_builtin(base, records, readings, cb, context, counts)
        # A project's own codes (an edited codebook) are new to the built-in model: only a
        # version trained from scratch can learn them.
        extra = {"codes_adapted": model.meta["codes_adapted"],
                 "codes_unknown_to_builtin": sorted(set(cb.codes_in(top_level=True))
                                                    - set(model.codes))}
        if held_out:
            extra["held_out"] = adaptation_held_out(records, settings, cb, base=base)
        # The built-in thresholds, saved inside the version: what was measured with it.
        thresholds = load_thresholds(None)
    model.meta["reviewed_defectors"] = reviewed
    model.meta["project_defectors"] = counts
    model.meta["training_documents"] = len(records) + len(readings)
    model.meta["gold_files"] = [str(p) for p in gold_paths]
    path = save_model(model, settings.coding.model_dir or DEFAULT_MODEL_DIR, name=name)
    report: dict[str, Any] = {"classifier": str(path), "version": path.name,
                              "meta": model.meta, "adapted": not from_scratch,
                              "codes_learned": sorted(
                                  c for c, n in model.meta["positive_defectors"].items()
                                  if n >= MIN_DEFECTORS), **extra}
    if thresholds is not None:
        # Saved inside the version: a version is the classifier + its thresholds.
        report["thresholds"] = str(save_thresholds(thresholds, path))
    return report


def _adapted_builtin(base: ClassifierModel, records: Sequence[GoldRecord],
                     readings: Sequence[DocumentReading], codebook: Codebook,
                     context: PipelineContext, counts: dict[str, int]) -> ClassifierModel:
    """The built-in classifier ``base`` adapted to ``records``' labels and ``readings``'
    reviews (:class:`TooFewLabels` when they hold no evidence of a code it knows)."""
    examples = [*examples_from_gold(records, codebook), *examples_from_readings(readings,
                                                                              codebook)]
    if not any(e.codes & set(base.estimators) for e in examples):
        raise TooFewLabels(
            f"nothing to adapt the built-in classifier to: {len(records)} labelled "
            f"documents and {len(readings)} reviewed ones hold no labelled evidence quote "
            "or accepted coding of any code it knows (its codes: "
            f"{', '.join(sorted(base.estimators))})")
    return adapt_classifier(base, examples, codebook, get_embedder(context),
                            defectors=counts,
                            note=f"the built-in classifier adapted to {len(records)} gold "
                                 f"documents and {len(readings)} reviewed readings")


def adaptation_held_out(records: Sequence[GoldRecord], settings: Settings,
                        codebook: Codebook, k: int = 5, *,
                        base: ClassifierModel | None = None) -> dict[str, Any] | None:
    """What adapting did on the labelled documents themselves: each document's labelled
    defectors coded (oracle attribution: their evidence sentences) by the built-in coders
    and by the same coders with the built-in classifier adapted to the *other* documents
    (grouped folds, ``k`` at most), exit and join micro-F1 of the ensemble over every
    top-level code of ``codebook``. None with fewer than two labelled documents holding a
    defector. ``base``: the built-in classifier, when already loaded."""
    if sum(bool(r.defectors) for r in records) < 2:
        return None
    context = PipelineContext(settings)
    embedder = get_embedder(context)
    if base is None:
        base = load_model(default_model_path())
    builtin: list[Coder] = [RulesCoder(), EmbeddingCoder(context, load_thresholds(None)),
                            ClassifierCoder(context, base)]

    def adapted(train: Sequence[GoldRecord], cb: Codebook,
                ctx: PipelineContext) -> list[Coder]:
        model = adapt_classifier(base, examples_from_gold(train, cb), cb, embedder,
                                 defectors=positive_defectors(train, cb))
        return [*builtin[:2], ClassifierCoder(ctx, model)]

    folds = min(k, len(records))
    figures = {}
    for name, builder in (("builtin", lambda *_: builtin), ("adapted", adapted)):
        verdicts = cross_validated_verdicts(records, settings, k=folds, codebook=codebook,
                                            builder=builder)
        figures[name] = score_verdicts(verdicts, settings, codebook,
                                       dev_labels=False)["ensemble"]
    return {"documents": len(records), "folds": folds,
            "defectors": sum(len(r.defectors) for r in records),
            **{dim: {name: round(ev.micro[dim].f1, 4) for name, ev in figures.items()}
               for dim in ("exit", "join")}}


REAL_SETS = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")


def real_gold_paths(eval_dir: Path | None = None) -> list[Path]:
    """The real labelled sets present in ``eval_dir`` (default ``../shared/eval`` beside
    the checkout), by their exact names: never anything else there (the lockbox)."""
    if eval_dir is None:
        root = Path(__file__).resolve().parents[3]
        candidates = [root.parent / "shared" / "eval", root.parent.parent / "shared" / "eval"]
        eval_dir = next((d for d in candidates if d.is_dir()), candidates[0])
    return [eval_dir / name for name in REAL_SETS if (eval_dir / name).is_file()]


def build_builtin(out_dir: Path | None = None, gold: Sequence[Path] = (), *,
                  with_sample: bool = True,
                  cv_figures: dict[str, Any] | None = None) -> dict[str, Any]:
    """Rebuild the shipped defaults (classifier + embedding thresholds) from ``gold``
    (the real labelled sets) and, with ``with_sample``, the bundled fictional sample
    corpus labels (grouped CV: adding them lifts the classifier alone from 0.470/0.431 to
    0.513/0.510 exit/join micro-F1). ``cv_figures`` (grouped cross-validation figures of the same
    recipe, from ``benchmarks/bench_coding.py --json``) are recorded in the meta."""
    import shutil
    from importlib import resources

    data_dir = Path(str(resources.files("exitlens").joinpath("data")))
    out = out_dir or data_dir / "coding"
    cb = load_codebook()
    context = PipelineContext(Settings())
    embedder = get_embedder(context)
    sources = [*gold, *([data_dir / "sample_gold.jsonl"] if with_sample else [])]
    if not sources:
        raise ValueError("no labelled set to train on")
    records = [r for path in sources for r in load_gold(path)]
    names = [Path(p).name for p in sources]
    model = train_from_records(records, cb, embedder,
                                     note=f"built-in default: trained on {', '.join(names)}")
    model.meta["trained_on"] = names
    model.meta["training_documents"] = len(records)
    model.meta["training_defectors"] = sum(len(r.defectors) for r in records)
    if cv_figures:
        model.meta["grouped_cv"] = cv_figures
        model.meta["grouped_cv_setting"] = ("oracle attribution (each labelled defector's "
                                            "evidence sentences), grouped 5-fold CV over "
                                            "the same sets with this recipe")
    target = out / BUILTIN_NAME
    for old in (target, out / "classifier-sample"):
        if old.exists():
            shutil.rmtree(old)
    tmp = save_model(model, out / "_build", name=BUILTIN_NAME)
    shutil.move(str(tmp), str(target))
    shutil.rmtree(out / "_build", ignore_errors=True)
    thresholds = calibrate(calibration_examples(records), cb, embedder)
    thresholds["note"] = f"calibrated on {', '.join(names)}"
    written = [target / META_FILE, target / MODEL_FILE, save_thresholds(thresholds, out)]
    leaks = text_leaks(written, records)
    if leaks:
        raise RuntimeError(f"saved model files hold document text ({len(leaks)} pieces)")
    return {"classifier": str(target), "thresholds": thresholds, "meta": model.meta}


def text_leaks(files: Sequence[Path], records: Sequence[GoldRecord],
               min_words: int = 4) -> list[str]:
    """Evidence quotes and sentences (``min_words`` words or more) of ``records`` found
    verbatim in ``files``: a shipped model must hold numbers and code names only."""
    from .base import split_sentences

    blob = b"".join(Path(f).read_bytes() for f in files)
    lowered = blob.lower()
    needles: set[str] = set()
    for rec in records:
        needles.update(s.text_of(rec.text) for s in split_sentences(rec.text))
        needles.update(e.quote for d in rec.defectors for e in d.evidence)
    return sorted(n for n in needles if len(n.split()) >= min_words
                  and n.lower().encode("utf-8") in lowered)


def cv_summary(figures: dict[str, Any]) -> dict[str, Any]:
    """The headline of a ``bench_coding.py --json`` file: per coder, exit/join micro and
    macro F1 and mean family prevalence error."""
    out: dict[str, Any] = {}
    for name, ev in figures.items():
        out[name] = {dim: {"micro_f1": ev["micro"][dim]["f1"], "macro_f1": ev["macro_f1"][dim],
                           "prevalence_error_pp": ev["prevalence_error_pp"][dim]["mean"]}
                     for dim in ("exit", "join") if dim in ev["micro"]}
    return out


def main(argv: Sequence[str] | None = None) -> None:
    import json

    parser = argparse.ArgumentParser(description="Rebuild exitlens' built-in coding models.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--eval-dir", type=Path, default=None,
                        help="folder holding the real labelled sets dev.jsonl, dev_b2.jsonl, "
                             "dev_b3.jsonl (default ../shared/eval)")
    parser.add_argument("--without-sample", action="store_true",
                        help="do not also train on the bundled fictional sample corpus labels "
                             "(grouped CV: they help)")
    parser.add_argument("--cv-json", type=Path, default=None,
                        help="bench_coding.py --json output to record in the model meta")
    args = parser.parse_args(argv)
    gold = real_gold_paths(args.eval_dir)
    cv = (cv_summary(json.loads(args.cv_json.read_text(encoding="utf-8")))
          if args.cv_json else None)
    report = build_builtin(args.out, gold, with_sample=not args.without_sample,
                           cv_figures=cv)
    print(f"classifier: {report['classifier']} (trained on {report['meta']['trained_on']})")
    print(f"thresholds: default {report['thresholds']['default']}")


def sample_records() -> list[GoldRecord]:
    """The bundled fictional sample corpus labels: extra training data of the built-in
    models (pass them in ``train`` to :func:`fold_coders` to measure that recipe)."""
    from importlib import resources

    return load_gold(Path(str(resources.files("exitlens").joinpath("data/sample_gold.jsonl"))))


def fold_coders(train: Sequence[GoldRecord], codebook: Codebook,
                context: PipelineContext,
                sentences: Sequence[LabelledSentence] = ()) -> list[Coder]:
    """Rules, embedding and classifier coders whose trained parts saw only ``train``
    (the built-in models' recipe is ``train`` = the real sets + :func:`sample_records`);
    ``sentences`` are extra classifier training units
    (:func:`~exitlens.coding.classifier.load_sentences`; the benchmarks'
    ``--extra-sentences``)."""
    embedder = get_embedder(context)
    model = train_from_records(train, codebook, embedder, sentences)
    thresholds = calibrate(calibration_examples(train), codebook, embedder)
    return [RulesCoder(), EmbeddingCoder(context, thresholds), ClassifierCoder(context, model)]


CODER_NAMES = ("rules", "embedding", "classifier")
CoderBuilder = Callable[[Sequence[GoldRecord], Codebook, PipelineContext], list[Coder]]


@dataclass
class FoldVerdicts:
    """Held-out verdicts of a grouped cross-validation, one entry per gold defector.

    ``verdicts[name][i]`` are coder ``name``'s scoped results for defector ``i`` (what
    the code stage would pass to the ensemble); ``record_ids[i]`` is its document.
    Kept raw so ensemble weights or a confidence floor can be compared without
    retraining anything.
    """

    gold: list[set[str]] = field(default_factory=list)
    verdicts: dict[str, list[list[CodingResult]]] = field(default_factory=dict)
    baseline: list[set[str]] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)
    folds: list[list[int]] = field(default_factory=list)


def cross_validated_verdicts(records: Sequence[GoldRecord], settings: Settings, *,
                             k: int = 5, extra_train: Sequence[GoldRecord] = (),
                             codebook: Codebook | None = None,
                             builder: CoderBuilder | None = None) -> FoldVerdicts:
    """Grouped k-fold (:func:`exitlens.gold.grouped_folds`: documents sharing a labelled
    person, URL or opening text stay in one fold) with oracle attribution.

    For each fold the coders are built by ``builder`` (default :func:`fold_coders`) from
    the other folds plus ``extra_train`` and code the held-out fold's gold defectors.
    Model coders' verdicts are scoped (negation, hedges, join cues) as in the code stage.
    """
    from .stage import scope

    cb = codebook or load_codebook(settings.coding.codebook)
    context = PipelineContext(settings)
    build = builder or fold_coders
    out = FoldVerdicts(folds=grouped_folds(records, k=k))
    for fold in out.folds:
        held = set(fold)
        train = [r for i, r in enumerate(records) if i not in held] + list(extra_train)
        coders = build(train, cb, context)
        for i in fold:
            items, golds = oracle_items(records[i])
            out.gold.extend(golds)
            out.record_ids.extend([records[i].id] * len(golds))
            out.baseline.extend([keyword_baseline(records[i].text)] * len(golds))
            for coder in coders:
                res = coder.code(items, cb)
                if coder.name != "rules":
                    res = [scope(it, [r for r in rs if r.code in cb], cb)
                           for it, rs in zip(items, res, strict=True)]
                out.verdicts.setdefault(coder.name, []).extend(res)
    return out


def score_verdicts(fv: FoldVerdicts, settings: Settings, codebook: Codebook, *,
                   dev_labels: bool = True, coder_floor: float = 0.5
                   ) -> dict[str, CodeEvaluation]:
    """Evaluations keyed by coder name, "ensemble" (noisy-OR with the settings' weights
    and ``min_confidence``) and "baseline" (keyword-only, whole document). A coder alone
    codes what it gives at least ``coder_floor`` confidence."""
    labelled, fold_map = label_scheme(dev_labels)
    names = list(fv.verdicts)
    preds: dict[str, list[set[str]]] = {
        n: [{r.code for r in res if r.confidence >= coder_floor} for res in fv.verdicts[n]]
        for n in names
    }
    ensemble: list[set[str]] = []
    for j in range(len(fv.gold)):
        merged = [r for n in names for r in fv.verdicts[n][j]]
        sugg = combine(merged, settings.coding.coder_weights, settings.coding.min_confidence,
                       codebook.dimension_of)
        ensemble.append({s.code for s in sugg})
    preds["ensemble"] = ensemble
    preds["baseline"] = fv.baseline
    return {name: evaluate_codes(fv.gold, p, codebook, labelled=labelled, fold=fold_map)
            for name, p in preds.items()}


def cross_validate(records: Sequence[GoldRecord], settings: Settings, *, k: int = 5,
                   extra_train: Sequence[GoldRecord] = (), codebook: Codebook | None = None,
                   dev_labels: bool = True,
                   builder: CoderBuilder | None = None) -> dict[str, CodeEvaluation]:
    """Grouped k-fold cross-validation with oracle attribution: never trained and tested
    on a record (nor on two records sharing a labelled person).

    Returns evaluations keyed "rules", "embedding", "classifier" (each coder alone),
    "ensemble" and "baseline" (keyword-only, whole document).
    """
    cb = codebook or load_codebook(settings.coding.codebook)
    fv = cross_validated_verdicts(records, settings, k=k, extra_train=extra_train,
                                  codebook=cb, builder=builder)
    return score_verdicts(fv, settings, cb, dev_labels=dev_labels)


if __name__ == "__main__":
    main()
