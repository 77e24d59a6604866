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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..config import Settings
from ..gold import GoldRecord, load_gold, oracle_reading
from ..model import DocumentReading
from ..pipeline import PipelineContext
from .base import Coder, CodingItem, evidence_units
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
    kfold_indices,
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


if __name__ == "__main__":
    main()


def fold_coders(train: Sequence[GoldRecord], codebook: Codebook,
                context: PipelineContext) -> list[Coder]:
    """Rules, embedding and classifier coders whose trained parts saw only ``train``."""
    embedder = get_embedder(context)
    model = train_classifier(examples_from_gold(train, codebook), codebook, embedder)
    thresholds = calibrate(calibration_examples(train), codebook, embedder)
    return [RulesCoder(), EmbeddingCoder(context, thresholds), ClassifierCoder(context, model)]


def cross_validate(records: Sequence[GoldRecord], settings: Settings, *, k: int = 5,
                   extra_train: Sequence[GoldRecord] = (), codebook: Codebook | None = None,
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
            preds["baseline"].extend([keyword_baseline(records[i].text)] * len(golds))
            verdicts = {c.name: c.code(items, cb) for c in coders}
            for name in names:
                preds[name].extend({r.code for r in res if r.confidence >= 0.5}
                                   for res in verdicts[name])
            for j in range(len(items)):
                merged = [r for name in names for r in verdicts[name][j]]
                sugg = combine(merged, settings.coding.coder_weights,
                               settings.coding.min_confidence)
                preds["ensemble"].append({s.code for s in sugg})
    labelled, fold_map = label_scheme(dev_labels)
    return {name: evaluate_codes(gold, p, cb, labelled=labelled, fold=fold_map)
            for name, p in preds.items()}
