"""Ingest throughput: 1,000 small text files and 50 generated PDFs into a fresh SQLite DB.

Not a test: prints files/s (and the machine's core count) so changes to the ingest path
can be compared. Run with ``.venv/bin/python benchmarks/bench_ingest.py`` (or ``make bench``).
All texts are generated and fictional.
"""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from exitlens import Project
from exitlens.config import Settings

N_TEXT = 1000
N_PDF = 50

NAMES = ["Aldo Venn", "Brita Soll", "Casimir Hade", "Dagna Ruel", "Eero Plam", "Fenna Dross"]
PLACES = ["Dornick", "Vessaline", "Brevemont", "the Kessel ridge", "Lake Orvanne"]


def story(i: int, sentences: int = 6) -> str:
    """A unique invented testimony of a few sentences."""
    name = NAMES[i % len(NAMES)]
    parts = [f"Record {i}. {name} joined the Grey Lantern in {PLACES[i % len(PLACES)]} in "
             f"{1995 + i % 25}."]
    for k in range(sentences):
        parts.append(
            f"In month {k + 1} of year {i % 9 + 1} they were sent to post {i * 31 + k * 7} and "
            f"told to carry {k + i % 13} crates across the marsh near marker {i * 17 + k}."
        )
    parts.append(f"They left after {i % 20 + 2} months and reached {PLACES[(i + 2) % 5]}.")
    return " ".join(parts) + "\n"


def write_texts(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i in range(N_TEXT):
        (folder / f"t{i:04d}.txt").write_text(story(i), encoding="utf-8")


def write_pdfs(folder: Path) -> None:
    from fpdf import FPDF

    folder.mkdir(parents=True)
    for i in range(N_PDF):
        pdf = FPDF()
        pdf.set_title(f"Field note {i}")
        pdf.set_author("Benchmark Desk")
        pdf.set_font("Helvetica", size=11)
        pages = 1 + i % 2
        for p in range(pages):
            pdf.add_page()
            for k in range(8):  # wrapped paragraphs filling most of a page
                pdf.multi_cell(0, 5, story(10_000 + i * 100 + p * 20 + k, sentences=2))
                pdf.ln(2)
        (folder / f"p{i:03d}.pdf").write_bytes(bytes(pdf.output()))


def bench(label: str, folder: Path, db: Path, n_files: int) -> None:
    with Project.open(str(db), settings=Settings(), actor="bench") as project:
        t0 = time.perf_counter()
        report = project.ingest([folder])
        elapsed = time.perf_counter() - t0
        assert report.ok and report.count("added") == n_files, report.as_dict()["failed"]
    print(f"{label:<28} {n_files:>5} files  {elapsed:7.2f} s  {n_files / elapsed:8.1f} files/s")


def main() -> None:
    print(f"python {sys.version.split()[0]} on {platform.platform()}; "
          f"{os.cpu_count()} CPU cores (ingest is single-process)")
    with tempfile.TemporaryDirectory(prefix="exitlens-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        write_texts(root / "texts")
        write_pdfs(root / "pdfs")
        print(f"generated inputs in {time.perf_counter() - t0:.1f} s")
        bench("text files (.txt, ~1 KB)", root / "texts", root / "texts.db", N_TEXT)
        bench("PDFs (fpdf2, 1-2 pages)", root / "pdfs", root / "pdfs.db", N_PDF)


if __name__ == "__main__":
    main()
