"""Training entry points: what ``exitlens train`` runs.

``train_from_gold`` fits a new classifier version from SPEC §4 gold files (and/or
human-reviewed codings) and calibrates the embedding coder's thresholds on the
same defectors, writing both under ``coding.model_dir``. ``build_builtin`` rebuilds
the defaults shipped in ``exitlens/data/coding`` from the bundled *fictional*
sample corpus labels (``python -m exitlens.coding.training``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..model import DocumentReading
from ..pipeline import PipelineContext
from .base import Coder
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
    DEV_EXIT_CODES,
    DEV_FOLD,
    DEV_JOIN_CODES,
    CodeEvaluation,
    evaluate_codes,
    keyword_baseline,
    kfold_indices,
    load_gold,
    oracle_items,
)
from .rules import RulesCoder


def calibration_examples(records: Sequence[dict[str, Any]]) -> list[CalibrationExample]:
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
    path = save_model(model, settings.coding.model_dir, name=name)
    report: dict[str, Any] = {"classifier": str(path), "meta": model.meta}
    if calibrate_thresholds and records:
        data = calibrate(calibration_examples(records), cb, embedder)
        report["thresholds"] = str(save_thresholds(data, settings.coding.model_dir))
    return report


def build_builtin(out_dir: Path | None = None) -> dict[str, Any]:
    """Rebuild the shipped defaults from the bundled sample corpus labels."""
    from importlib import resources

    data_dir = Path(str(resources.files("exitlens").joinpath("data")))
    out = out_dir or data_dir / "coding"
    cb = load_codebook()
    context = PipelineContext(Settings())
    embedder = get_embedder(context)
    records = load_gold(data_dir / "sample_gold.jsonl")
    model = train_classifier(examples_from_gold(records, cb), cb, embedder,
                             note="built-in default: trained ONLY on the bundled fictional "
                                  "sample corpus labels (sample_gold.jsonl)")
    import shutil

    target = out / "classifier-sample"
    if target.exists():
        shutil.rmtree(target)
    tmp = save_model(model, out / "_build", name="classifier-sample")
    shutil.move(str(tmp), str(target))
    shutil.rmtree(out / "_build", ignore_errors=True)
    thresholds = calibrate(calibration_examples(records), cb, embedder)
    thresholds["note"] = "calibrated on the bundled fictional sample corpus labels"
    save_thresholds(thresholds, out)
    return {"classifier": str(target), "thresholds": thresholds}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Rebuild exitlens' built-in coding models.")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    report = build_builtin(args.out)
    print(f"classifier: {report['classifier']}")
    print(f"thresholds: default {report['thresholds']['default']}")


if __name__ == "__main__":
    main()


def fold_coders(train: Sequence[dict[str, Any]], codebook: Codebook,
                context: PipelineContext) -> list[Coder]:
    """Rules, embedding and classifier coders whose trained parts saw only ``train``."""
    embedder = get_embedder(context)
    model = train_classifier(examples_from_gold(train, codebook), codebook, embedder)
    thresholds = calibrate(calibration_examples(train), codebook, embedder)
    return [RulesCoder(), EmbeddingCoder(context, thresholds), ClassifierCoder(context, model)]


def cross_validate(records: Sequence[dict[str, Any]], settings: Settings, *, k: int = 5,
                   extra_train: Sequence[dict[str, Any]] = (), codebook: Codebook | None = None,
                   dev_labels: bool = True) -> dict[str, CodeEvaluation]:
    """k-fold cross-validation with oracle attribution: never trained and tested on a record.

    For each fold the classifier and the embedding thresholds are fitted on the other
    folds plus ``extra_train``; each coder alone and the ensemble are scored on the
    held-out fold. Returns evaluations keyed "rules", "embedding", "classifier",
    "ensemble" and "baseline" (keyword-only, whole document).
    """
    cb = codebook or load_codebook(settings.coding.codebook)
    context = PipelineContext(settings)
    names = ("rules", "embedding", "classifier")
    gold: list[set[str]] = []
    preds: dict[str, list[set[str]]] = {n: [] for n in (*names, "ensemble", "baseline")}
    for fold in kfold_indices(len(records), k):
        held = set(fold)
        train = [r for i, r in enumerate(records) if i not in held] + list(extra_train)
        coders = fold_coders(train, cb, context)
        for i in fold:
            items, golds = oracle_items(records[i])
            gold.extend(golds)
            preds["baseline"].extend([keyword_baseline(records[i]["text"])] * len(golds))
            verdicts = {c.name: c.code(items, cb) for c in coders}
            for name in names:
                preds[name].extend({r.code for r in res if r.confidence >= 0.5}
                                   for res in verdicts[name])
            for j in range(len(items)):
                merged = [r for name in names for r in verdicts[name][j]]
                sugg = combine(merged, settings.coding.coder_weights,
                               settings.coding.min_confidence)
                preds["ensemble"].append({s.code for s in sugg})
    labelled = DEV_EXIT_CODES + DEV_JOIN_CODES if dev_labels else None
    fold_map = DEV_FOLD if dev_labels else None
    return {name: evaluate_codes(gold, p, cb, labelled=labelled, fold=fold_map)
            for name, p in preds.items()}
