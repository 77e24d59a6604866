"""Web page latency at scale: 100k documents and 1M codings in SQLite.

Builds (once, then reused) a SQLite project of generated fictional rows — documents, one
current analysis each, defectors and journalists with mentions and quotes, cases, codings in
every review state, 5 near misses per defector, every person's defector score — inserted in
bulk with SQLAlchemy core (the pipeline is not run). Then times, through FastAPI's
TestClient signed in as a viewer, the document list (unfiltered and each filter), a
document view, the review queue, the possible missed codes, the people to check and the
dashboard, and prints p50 / p95 over ``--repeat`` requests each
(target: p95 < 300 ms). The first dashboard request after a change of the analysis state
builds the case frames (printed separately as "cold"); later ones reuse them.

    python benchmarks/bench_web.py [--documents 100000] [--codings 1000000] [--repeat 30]
                                   [--db PATH] [--rebuild]

The database goes to ``$EXITLENS_BENCH_DIR`` or ``.benchmarks/`` (git-ignored), named by
its size. Every name and sentence in it is generated.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "src"))  # PYTHONPATH (or an installed exitlens) wins

from sqlalchemy import insert  # noqa: E402

from exitlens import Project  # noqa: E402
from exitlens.store.schema import (  # noqa: E402
    AnalysisRow,
    CaseRow,
    CodingRow,
    DocumentRow,
    MentionRow,
    NearMissRow,
    PersonRow,
    QuoteRow,
)

PASSWORD = "benchmark password"
OUTLETS = [f"Outlet {c}" for c in "ABCDEFGHIJKLMNOPQRST"]
KINDS = ["news", "interview", "memoir", "report", "unknown"]
SYLLABLES = ["ka", "ri", "mo", "sa", "lu", "ne", "ta", "vo", "zi", "da", "ho", "fe"]
CODERS = ["rules", "embedding", "classifier"]
BATCH = 20_000


def _name(rng: random.Random) -> str:
    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{word()} {word()}"


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def build(path: Path, n_docs: int, n_codings: int, seed: int = 7) -> None:
    """Generate the project at ``path`` (a new file; written under a temporary name)."""
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    project = Project.open(str(tmp), actor="bench")
    codes = [c for c in project.codebook().codes]
    fingerprint = project.analysis_fingerprint()
    project.add_user("viewer", "viewer", PASSWORD)
    rng = random.Random(seed)
    started = time.perf_counter()
    # each document: 0-2 defectors (and a journalist); codings spread over the defectors
    n_def = [rng.choices((0, 1, 2), (15, 70, 15))[0] for _ in range(n_docs)]
    total_def = sum(n_def)
    per_def = n_codings / max(total_def, 1)
    docs: list[dict[str, Any]] = []
    analyses: list[dict[str, Any]] = []
    persons: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    quotes: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    codings: list[dict[str, Any]] = []
    near_misses: list[dict[str, Any]] = []
    pid = 0
    for d in range(1, n_docs + 1):
        names = [_name(rng) for _ in range(n_def[d - 1])]
        reporter = _name(rng)
        parts = [f"Report {d}. "]
        spans: list[tuple[int, int, int, int]] = []  # name start/end, quote start/end
        for name in names:
            start = sum(len(p) for p in parts)
            sentence = (f"{name} said: \"We were promised salaries and respect, but the "
                        f"commanders kept everything and sent us to the front.\" ")
            parts.append(sentence)
            spans.append((start, start + len(name), start + len(name) + 7,
                          start + len(sentence) - 1))
        tail = f"The reporter {reporter} met them in {2010 + d % 12}. " * 3
        parts.append(tail)
        text = "".join(parts)
        mode = rng.random()  # how far the review of this document has gone
        status_mix = ((1.0, 0.0) if mode < 0.6 else (0.5, 0.35) if mode < 0.85
                      else (0.0, 0.8))  # P(suggested), P(accepted | not suggested …)
        docs.append({"id": d, "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                     "text": text, "n_chars": len(text), "title": f"Generated report {d}",
                     "outlet": rng.choice(OUTLETS), "kind": rng.choice(KINDS),
                     "published": f"20{10 + d % 14:02d}-0{1 + d % 9}-1{d % 9}",
                     "fmt": "txt", "language": "en", "meta": {}})
        analyses.append({"id": d, "document_id": d, "fingerprint": fingerprint,
                         "stages": [], "notes": []})
        for ordinal, (name, (s, e, qs, qe)) in enumerate(zip(names, spans, strict=True)):
            pid += 1
            cases.append({"id": pid, "label": name, "meta": {}})
            persons.append({"id": pid, "document_id": d, "analysis_id": d, "case_id": pid,
                            "ordinal": ordinal, "name": name, "descriptor": None,
                            "role": "defector", "role_confidence": rng.uniform(0.5, 1.0),
                            "defector_score": round(rng.uniform(0.3, 1.0), 4),
                            "role_cues": [], "source_voice": "self",
                            "profile": {"nationality": {"value": rng.choice(
                                ["SY", "IQ", "TN", "FR", "GB", "DE"]), "span": None}},
                            "evidence": [[s, qe]]})
            mentions.append({"person_id": pid, "start": s, "end": e, "kind": "name"})
            quotes.append({"document_id": d, "analysis_id": d, "start": qs, "end": qe,
                           "kind": "direct", "speaker_person_id": pid, "speaker_start": s,
                           "speaker_end": e})
            k = int(per_def) + (1 if rng.random() < per_def - int(per_def) else 0)
            for _ in range(k):
                if rng.random() < status_mix[0]:
                    status = "suggested"
                else:
                    status = "accepted" if rng.random() < 0.7 else "rejected"
                cs = rng.randint(qs, qe - 10)
                codings.append({"document_id": d, "person_id": pid, "analysis_id": d,
                                "code": rng.choice(codes), "start": cs,
                                "end": min(qe, cs + rng.randint(8, 60)),
                                "coder": rng.choice(CODERS),
                                "confidence": round(rng.uniform(0.3, 0.99), 3),
                                "status": status, "version": 1,
                                "user": None if status == "suggested" else "viewer"})
            for code in rng.sample(codes, 5):  # the classifier's near misses
                near_misses.append({"document_id": d, "analysis_id": d, "person_id": pid,
                                    "code": code, "start": qs, "end": qe,
                                    "score": round(rng.uniform(0.05, 0.6), 3),
                                    "coder": "classifier"})
        pid += 1
        persons.append({"id": pid, "document_id": d, "analysis_id": d, "case_id": None,
                        "ordinal": len(names), "name": reporter, "descriptor": None,
                        "role": "journalist", "role_confidence": 0.8,
                        "defector_score": round(rng.uniform(0.0, 0.6), 4), "role_cues": [],
                        "source_voice": None, "profile": {}, "evidence": []})
        start = text.index(reporter)
        mentions.append({"person_id": pid, "start": start, "end": start + len(reporter),
                         "kind": "name"})
    with project.db.session() as session:
        for table, rows in ((DocumentRow, docs), (AnalysisRow, analyses), (CaseRow, cases),
                            (PersonRow, persons), (MentionRow, mentions), (QuoteRow, quotes),
                            (CodingRow, codings), (NearMissRow, near_misses)):
            for batch in _batches(iter(rows)):
                session.execute(insert(table), batch)
    project.close()
    tmp.rename(path)
    print(f"built {path.name}: {n_docs} documents, {len(codings)} codings, {total_def} "
          f"defectors in {time.perf_counter() - started:.0f} s", flush=True)


def timed(get: Callable[[], Any], repeat: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, times[-1]


def main(argv: list[str] | None = None) -> int:
    from fastapi.testclient import TestClient

    from exitlens.web import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--codings", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--only", default="", help="time only pages whose label has this")
    parser.add_argument("--no-dashboard", action="store_true")
    args = parser.parse_args(argv)
    folder = Path(os.environ.get("EXITLENS_BENCH_DIR") or ROOT / ".benchmarks")
    folder.mkdir(parents=True, exist_ok=True)
    # "_nm": built with near misses (5 per defector); "_ds": with every person's defector
    # score (the people to check); older cached files had neither
    path = args.db or folder / f"web_{args.documents}d_{args.codings}c_nm_ds.db"
    if args.rebuild:
        path.unlink(missing_ok=True)
    if not path.exists():
        build(path, args.documents, args.codings)
    project = Project.open(str(path), actor="bench")  # migrates an older cached file
    client = TestClient(create_app(project), follow_redirects=False)
    form = client.get("/login").text
    token = form.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    login = client.post("/login", data={"username": "viewer", "password": PASSWORD,
                                        "csrf_token": token, "next": "/"})
    assert login.status_code == 303, login.text
    middle = args.documents // 2
    pages = [
        ("documents", "/documents"),
        ("documents page 1000", "/documents?page=1000"),
        ("documents ?outlet", "/documents?outlet=Outlet+C"),
        ("documents ?kind", "/documents?kind=memoir"),
        ("documents ?defectors=yes", "/documents?defectors=yes"),
        ("documents ?defectors=no", "/documents?defectors=no"),
        ("documents ?status=unreviewed", "/documents?status=unreviewed"),
        ("documents ?status=in_progress", "/documents?status=in_progress"),
        ("documents ?status=reviewed", "/documents?status=reviewed"),
        ("documents ?status+defectors+page 50",
         "/documents?status=in_progress&defectors=yes&page=50"),
        ("document view", f"/documents/{middle}"),
        ("review queue", "/review"),
        ("possible missed codes", "/review/missed"),
        ("possible missed codes page 100", "/review/missed?page=100"),
        ("people to check", "/review/people"),
        ("people to check, pages 100 / 100", "/review/people?page=100&possible_page=100"),
    ]
    print(f"{path.name}: first request, then p50 / p95 / max over {args.repeat} more (ms); "
          "target p95 < 300")
    if not args.no_dashboard:
        t0 = time.perf_counter()
        cold = client.get("/")
        assert cold.status_code == 200
        print(f"{'dashboard (cold: builds the case frames)':44s} "
              f"{(time.perf_counter() - t0) * 1000:8.0f}", flush=True)
        print(f"{'page':44s} {'first':>8s} {'p50':>8s} {'p95':>8s} {'max':>8s}")
        pages.append(("dashboard", "/"))
    pages = [(label, url) for label, url in pages if args.only in label]
    failed = []
    for label, url in pages:
        first = timed(lambda url=url: client.get(url), 1)[0]  # counts are cached after it
        p50, p95, worst = timed(lambda url=url: client.get(url), args.repeat)
        mark = "" if p95 < 300 else "  <-- over target"
        if mark:
            failed.append(label)
        print(f"{label:44s} {first:8.0f} {p50:8.0f} {p95:8.0f} {worst:8.0f}{mark}",
              flush=True)
    project.close()
    print("all p95 under 300 ms" if not failed else f"over target: {', '.join(failed)}")
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
