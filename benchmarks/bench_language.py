"""Language detection on the real labelled pages (../shared/eval/dev*.jsonl); skips when absent.

The pages carry no language label, so this compares ``exitlens.language.detect_language``
(py3langid) with the other offline detectors that happen to be installed (pycld2,
lingua-language-detector; neither is a dependency) and prints: load time, throughput,
the languages found, and agreement between detectors. Only counts, ids and codes are
printed, never text. Prints figures; asserts nothing.

    PYTHONPATH=src python benchmarks/bench_language.py [FILE.jsonl ...]
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# ../shared/eval beside the repository (the main checkout), else the shared folder itself.
EVAL_DIRS = (ROOT.parent / "shared" / "eval", Path("/work/shared/eval"))
DEV_FILES = ("dev.jsonl", "dev_b2.jsonl", "dev_b3.jsonl")

Detector = Callable[[str], "str | None"]
# Labels that name the same language under different detectors (lingua: Norwegian Bokmål).
_SAME = {"nb": "no", "nn": "no", "bs": "hr", "sr": "hr"}


def load_pages(paths: list[Path]) -> list[tuple[str, str]]:
    pages: list[tuple[str, str]] = []
    for path in paths:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                record = json.loads(line)
                pages.append((str(record.get("id") or f"{path.name}:{n}"), record["text"]))
    return pages


def exitlens_detector() -> Detector:
    from exitlens.language import detect_language

    def detect(text: str) -> str | None:
        guess = detect_language(text)
        return guess.code if guess else None

    detect("Loading the model once before timing.")
    return detect


def pycld2_detector() -> Detector | None:
    try:
        import pycld2  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None

    def detect(text: str) -> str | None:
        clean = "".join(ch for ch in text if ch.isprintable() or ch in "\n\t")
        ok, _, found = pycld2.detect(clean)
        code = str(found[0][1]) if ok else "un"
        return None if code == "un" else code

    return detect


def lingua_detector() -> Detector | None:
    try:
        from lingua import LanguageDetectorBuilder  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    model = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> str | None:
        found = model.detect_language_of(text[:4500])
        return found.iso_code_639_1.name.lower() if found else None

    return detect


def main() -> None:
    paths = [Path(a) for a in sys.argv[1:]]
    if not paths:
        folder = next((d for d in EVAL_DIRS if d.is_dir()), EVAL_DIRS[0])
        paths = [folder / f for f in DEV_FILES]
    paths = [p for p in paths if p.is_file()]
    if not paths:
        print("no labelled pages found (../shared/eval/dev*.jsonl); skipping")
        return
    pages = load_pages(paths)
    chars = sum(len(t) for _, t in pages)
    print(f"{len(pages)} pages, {chars:,} characters from {', '.join(p.name for p in paths)}")

    results: dict[str, list[str | None]] = {}
    factories: list[tuple[str, Callable[[], Detector | None]]] = [
        ("exitlens (py3langid)", exitlens_detector),
        ("pycld2", pycld2_detector),
        ("lingua", lingua_detector),
    ]
    for name, factory in factories:
        started = time.perf_counter()
        detector = factory()
        if detector is None:
            print(f"{name:22} not installed")
            continue
        loaded = time.perf_counter() - started
        started = time.perf_counter()
        results[name] = [detector(text) for _, text in pages]
        took = time.perf_counter() - started
        found = Counter(c or "none" for c in results[name])
        languages = " ".join(f"{c}:{n}" for c, n in found.most_common())
        print(f"{name:22} import+load {loaded:5.2f} s, {len(pages) / took:7.0f} pages/s "
              f"({took * 1000 / len(pages):.2f} ms/page); {languages}")
        not_en = sum(1 for c in results[name] if c != "en")
        print(f"{'':22} not English: {not_en} of {len(pages)} ({not_en / len(pages):.0%})")

    names = list(results)
    reference = names[0]
    for other in names[1:]:
        pairs = list(zip(results[reference], results[other], strict=True))
        same = sum(1 for a, b in pairs if _SAME.get(a or "", a) == _SAME.get(b or "", b))
        print(f"agreement {reference} / {other}: {same} of {len(pairs)} ({same / len(pairs):.1%})")
        for (page_id, _), (a, b) in zip(pages, pairs, strict=True):
            if _SAME.get(a or "", a) != _SAME.get(b or "", b):
                print(f"  differs on {page_id}: {a} vs {b}")


if __name__ == "__main__":
    main()
