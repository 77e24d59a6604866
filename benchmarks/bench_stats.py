"""`stats` and `report` time at scale: the counting API over 100k generated cases.

Reuses the generated SQLite project of ``bench_web.py`` (fictional rows inserted in bulk;
built once and cached under ``$EXITLENS_BENCH_DIR`` or ``.benchmarks/``) and times, in one
process, what ``exitlens stats`` and ``exitlens report`` call: the case frames (cold, then
cached under the analysis-state stamp), prevalence by code and by family, a breakdown by
nationality, the promise-versus-reality matrix, the comparison with the bundled reference
table, and the whole HTML report (written to a temporary folder; its size is printed).
Printed figures, not a timed test.

    python benchmarks/bench_stats.py [--documents 100000] [--codings 1000000] [--no-report]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(ROOT / "src"))  # PYTHONPATH (or an installed exitlens) wins

from bench_web import build  # noqa: E402

from exitlens import Project  # noqa: E402


def timed(label: str, call: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    result = call()
    print(f"{label:<44} {time.perf_counter() - t0:8.2f} s", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args(argv)
    folder = Path(os.environ.get("EXITLENS_BENCH_DIR") or ROOT / ".benchmarks")
    folder.mkdir(parents=True, exist_ok=True)
    path = args.db or folder / f"web_{args.documents}d_{args.codings}c.db"
    if not path.exists():
        timed(f"build {args.documents} documents, {args.codings} codings", lambda: build(
            path, args.documents, args.codings))
    project = Project.open(str(path), actor="bench")
    try:
        cases, codings, _ = timed("case frames (cold)", project.case_frames)
        print(f"  {len(cases)} cases, {len(codings)} case codings")
        timed("case frames (cached)", project.case_frames)
        timed("stats --by code", lambda: project.prevalence(by="code"))
        timed("stats --by family", lambda: project.prevalence(by="family"))
        timed("stats --by code --accepted-only",
              lambda: project.prevalence(by="code", accepted_only=True))
        timed("stats --breakdown nationality",
              lambda: project.prevalence(by="family", breakdown="nationality"))
        timed("stats --matrix (promise vs reality)", project.promise_reality)
        timed("stats --reference sixty-narratives",
              lambda: project.compare_reference("sixty-narratives"))
        if not args.no_report:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "report.html"
                timed("report -o report.html", lambda: project.report(out))
                print(f"  report size {out.stat().st_size / 1e6:.1f} MB")
    finally:
        project.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
