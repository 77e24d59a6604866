"""The whole pipeline's time over a bare spaCy ``nlp.pipe`` pass on the same texts.

Reads the real labelled sets in ``../shared/eval/`` when present (only their texts; no
labels are used), else the bundled fictional sample corpus labels' texts. Both passes are
warmed up first, so model loading is not counted; the pipeline is the configured one
(every reading stage and the code stage with the shipped models). Target: at most 3×.

    python benchmarks/bench_speed.py
"""

from __future__ import annotations

import time
from pathlib import Path

from exitlens.config import Settings
from exitlens.gold import GoldRecord, load_gold
from exitlens.pipeline import Pipeline
from exitlens.reading.nlp import load_spacy
from exitlens.reading.segment import paragraphs

ROOT = Path(__file__).resolve().parents[1]
REAL = [ROOT.parent / "shared" / "eval" / f"{name}.jsonl" for name in ("dev", "dev_b2", "dev_b3")]
SAMPLE = ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl"


def texts() -> tuple[str, list[GoldRecord]]:
    present = [p for p in REAL if p.is_file()]
    if present:
        return ", ".join(p.name for p in present), [r for p in present for r in load_gold(p)]
    return "sample corpus labels", load_gold(SAMPLE)


def main() -> None:
    label, records = texts()
    settings = Settings()
    pipe = Pipeline(list(settings.reading.stages), settings)
    docs = [r.document() for r in records]
    pipe.run_batch(docs[:2])  # warm up: models loaded, steady-state work timed
    started = time.perf_counter()
    batch = settings.reading.batch_size
    for i in range(0, len(docs), batch):
        pipe.run_batch(docs[i : i + batch])
    t_pipeline = time.perf_counter() - started

    nlp = load_spacy(settings.reading.spacy_model)
    paras = [p.text_of(r.text) for r in records for p in paragraphs(r.text)]
    list(nlp.pipe(paras[:5]))
    started = time.perf_counter()
    list(nlp.pipe(paras, batch_size=50))
    t_spacy = time.perf_counter() - started
    words = sum(len(r.text.split()) for r in records)
    print(f"{len(records)} documents ({label}), {words:,} words")
    print(f"whole pipeline (reading + code stage): {t_pipeline:.2f} s "
          f"({words / t_pipeline:,.0f} words/s)")
    print(f"bare spaCy nlp.pipe over the same paragraphs: {t_spacy:.2f} s "
          f"({words / t_spacy:,.0f} words/s)")
    print(f"ratio {t_pipeline / t_spacy:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
