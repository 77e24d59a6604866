"""Training entry points: what ``exitlens train`` runs.

``train_from_gold`` fits a new classifier version from SPEC §4 gold files (and/or
human-reviewed codings) and calibrates the embedding coder's thresholds on the
same defectors, writing both into a new version folder under ``coding.model_dir``
(``Project.train`` fills that in: the project's model folder beside its database).
``oracle_items``, ``fold_coders`` and ``cross_validate`` give honest held-out
figures: nothing is scored on records its coders were fitted on. ``build_builtin`` rebuilds
the defaults shipped in ``exitlens/data/coding`` from the bundled *fictional*
sample corpus labels (``python -m exitlens.coding.training``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Settings
from ..gold import GoldRecord, grouped_folds, load_gold, oracle_reading
from ..model import DocumentReading
from ..pipeline import PipelineContext
from .base import Coder, CodingItem, CodingResult, evidence_units
from .classifier import (
    ClassifierCoder,
    LabelledSentence,
    examples_from_gold,
    examples_from_readings,
    save_model,
    train_classifier,
)
from .codebook import Codebook, load_codebook
from .embedding import (
    CalibrationExample,
    EmbeddingCoder,
    calibrate,
    get_embedder,
    save_thresholds,
)
from .ensemble import combine
from .evaluate import (
    CodeEvaluation,
    evaluate_codes,
    keyword_baseline,
    label_scheme,
)
from .rules import RulesCoder

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


def calibration_examples(records: Sequence[GoldRecord]) -> list[CalibrationExample]:
    """Gold defectors as (evidence sentences, codes) for threshold calibration."""
    out: list[CalibrationExample] = []
    for rec in records:
        items, golds = oracle_items(rec)
        out.extend(CalibrationExample(it.unit_texts(), g)
                   for it, g in zip(items, golds, strict=True))
    return out


def train_from_gold(gold_paths: Sequence[str | Path], settings: Settings,
                    readings: Sequence[DocumentReading] = (), *,
                    codebook: Codebook | None = None, name: str | None = None,
                    calibrate_thresholds: bool = True) -> dict[str, Any]:
    """Train a classifier version (and thresholds) from gold files and reviewed codings."""
    cb = codebook or load_codebook(settings.coding.codebook)
    context = PipelineContext(settings)
    embedder = get_embedder(context)
    records = [r for p in gold_paths for r in load_gold(p)]
    examples: list[LabelledSentence] = examples_from_gold(records, cb)
    examples.extend(examples_from_readings(readings, cb))
    model = train_classifier(examples, cb, embedder,
                             note=f"trained on {len(records)} gold documents and "
                                  f"{len(readings)} reviewed readings")
    model.meta["training_documents"] = len(records) + len(readings)
    model.meta["gold_files"] = [str(p) for p in gold_paths]
    model_dir = settings.coding.model_dir or DEFAULT_MODEL_DIR
    path = save_model(model, model_dir, name=name)
    report: dict[str, Any] = {"classifier": str(path), "version": path.name,
                              "meta": model.meta}
    if calibrate_thresholds and records:
        data = calibrate(calibration_examples(records), cb, embedder)
        # Saved inside the version: a version is the classifier + its thresholds.
        report["thresholds"] = str(save_thresholds(data, path))
    return report


def build_builtin(out_dir: Path | None = None,
                  extra_gold: Sequence[Path] = ()) -> dict[str, Any]:
    """Rebuild the shipped defaults from the bundled sample corpus labels plus
    ``extra_gold`` (our own fictional development sets; never the real dev set or the
    held-out set)."""
    from importlib import resources

    data_dir = Path(str(resources.files("exitlens").joinpath("data")))
    out = out_dir or data_dir / "coding"
    cb = load_codebook()
    context = PipelineContext(Settings())
    embedder = get_embedder(context)
    sources = [data_dir / "sample_gold.jsonl", *extra_gold]
    records = [r for path in sources for r in load_gold(path)]
    names = ", ".join(Path(p).name for p in sources)
    model = train_classifier(examples_from_gold(records, cb), cb, embedder,
                             note="built-in default: trained ONLY on our own fictional "
                                  f"labelled sets ({names})")
    import shutil

    target = out / "classifier-sample"
    if target.exists():
        shutil.rmtree(target)
    tmp = save_model(model, out / "_build", name="classifier-sample")
    shutil.move(str(tmp), str(target))
    shutil.rmtree(out / "_build", ignore_errors=True)
    thresholds = calibrate(calibration_examples(records), cb, embedder)
    thresholds["note"] = f"calibrated on our own fictional labelled sets ({names})"
    save_thresholds(thresholds, out)
    return {"classifier": str(target), "thresholds": thresholds}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild exitlens' built-in coding models.")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("gold", type=Path, nargs="*",
                        help="extra fictional labelled sets besides the sample corpus labels")
    args = parser.parse_args(argv)
    report = build_builtin(args.out, args.gold)
    print(f"classifier: {report['classifier']}")
    print(f"thresholds: default {report['thresholds']['default']}")



def fold_coders(train: Sequence[GoldRecord], codebook: Codebook,
                context: PipelineContext) -> list[Coder]:
    """Rules, embedding and classifier coders whose trained parts saw only ``train``."""
    embedder = get_embedder(context)
    model = train_classifier(examples_from_gold(train, codebook), codebook, embedder)
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
        sugg = combine(merged, settings.coding.coder_weights, settings.coding.min_confidence)
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
