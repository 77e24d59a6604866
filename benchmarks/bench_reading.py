"""Throughput of the reading stages, and the dev-set reading metrics when available.

Run: ``python benchmarks/bench_reading.py [--docs N]``. Prints words/s over N generated
documents (built from the templates below, so the figure is comparable between runs) with
the time spent in each stage, then — when ``/work/shared/eval/dev.jsonl`` or
``../shared/eval/dev.jsonl`` (relative to the repository) exists — the reading evaluation
on it. This is a measurement, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from exitlens.config import Settings
from exitlens.evaluation import evaluate_reading
from exitlens.gold import load_gold
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline, PipelineContext, stages

# The stages of the reading issue; later stages (coding) are timed but reported apart.
READING_STAGES = ("segment", "nlp", "quotes", "people", "roles", "profile", "evidence")

FIRST = ["Karim", "Yusuf", "Samir", "Leila", "Nadia", "Omar", "Tariq", "Amina", "Rami", "Hana"]
LAST = ["Haddad", "Mansour", "Aziz", "Nasser", "Saleh", "Qasim", "Idris", "Farah", "Jaber"]
PLACES = ["the border town", "the eastern city", "a village near the river", "the capital"]
NATIONS = ["Syrian", "Tunisian", "Belgian", "Moroccan", "Jordanian", "Iraqi", "Egyptian"]

TEMPLATES = [
    "{name}, a {age}-year-old {nation} from {place}, joined the Islamic State in {y1}. "
    '"I believed I was helping people," {last} said. "Then I saw them execute a boy in the '
    'square and I knew I had to leave." He deserted the group in {y2} and fled to Turkey.',
    "In an interview, {name} told reporters that the commanders kept the money for "
    "themselves. According to {last}, fighters from abroad were paid twice as much as locals. "
    "{last} escaped in {y2}, after months of planning.",
    "Analysts say many recruits were disappointed by life in the group. Perhaps the bombing "
    "played a part. {name}, a former fighter, described how the guards beat him for smoking. "
    '"We were nothing to them," he said.',
    "Q: Why did you go?\nA: I was angry and I believed the videos.\nQ: And why did you leave?\n"
    "A: They killed Muslims every day. I could not stay.",
    "{name}'s mother spoke to the author in {place}. \"My son left the group because they "
    'sent his friends to die," she said. "He came home thin and silent."',
]


def make_documents(n: int, seed: int = 7) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        paras = []
        for _ in range(rng.randint(3, 6)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            paras.append(rng.choice(TEMPLATES).format(
                name=f"{first} {last}", last=last, age=rng.randint(17, 45),
                nation=rng.choice(NATIONS), place=rng.choice(PLACES),
                y1=rng.randint(2013, 2015), y2=rng.randint(2015, 2019),
            ))
        docs.append(Document(text="\n\n".join(paras)))
    return docs


def available_stages(names: Sequence[str]) -> list[str]:
    """The configured stages that can be loaded here (a missing plugin is reported)."""
    out = []
    for name in names:
        try:
            stages.get(name)
        except Exception as exc:  # a stage module may not exist yet in a partial checkout
            print(f"skipping stage {name!r}: {exc}", file=sys.stderr)
            continue
        out.append(name)
    return out


def bench(n_docs: int, settings: Settings) -> None:
    names = available_stages(settings.reading.stages)
    pipeline = Pipeline(names, settings)
    docs = make_documents(n_docs)
    words = sum(len(d.text.split()) for d in docs)
    pipeline.run_batch(make_documents(4, seed=1))  # load models outside the timing
    per_stage = dict.fromkeys(names, 0.0)
    context: PipelineContext = pipeline.context
    size = settings.reading.batch_size
    t0 = time.perf_counter()
    for i in range(0, len(docs), size):
        readings = [DocumentReading(document=d) for d in docs[i : i + size]]
        for name, stage in zip(names, pipeline.stages, strict=True):
            ts = time.perf_counter()
            stage.process(readings, context)
            per_stage[name] += time.perf_counter() - ts
    total = time.perf_counter() - t0
    print(f"reading stages {names}")
    print(f"{n_docs} documents, {words} words in {total:.1f} s: {words / total:,.0f} words/s")
    for name, seconds in per_stage.items():
        print(f"  {name:<10} {seconds:6.2f} s  {words / seconds if seconds else 0:>12,.0f} words/s")
    reading = sum(t for name, t in per_stage.items() if name in READING_STAGES)
    if reading > 0 and reading < total:
        print(f"  reading stages only (segment…evidence): {words / reading:,.0f} words/s")
    after = sum(t for name, t in per_stage.items()
                if name in READING_STAGES and name not in ("segment", "nlp"))
    if after > 0:
        print(f"  after parsing (quotes…evidence): {words / after:,.0f} words/s")


def find_dev() -> Path | None:
    repo = Path(__file__).resolve().parents[1]
    for candidate in (Path("/work/shared/eval/dev.jsonl"), repo.parent / "shared/eval/dev.jsonl"):
        if candidate.is_file():
            return candidate
    return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    args = parser.parse_args(argv)
    settings = Settings()
    bench(args.docs, settings)
    dev = find_dev()
    if dev is None:
        print("dev set not found: skipping the reading evaluation")
        return
    records = load_gold(dev)
    ev = evaluate_reading(records, settings, available_stages(settings.reading.stages))
    print(f"\nreading evaluation on {dev} ({len(records)} documents)")
    print(ev.format_table())


if __name__ == "__main__":
    main()
