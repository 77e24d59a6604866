"""``exitlens extract`` emits SPEC §3 records; ``analyze`` stores the same results.

Runs the real pipeline on a few bundled sample documents (fictional composites).
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from exitlens.cli import app
from exitlens.demo import sample_corpus_dir
from exitlens.ingest.readers import reader_for
from exitlens.model import sha256_text

SPEC_FIELDS = {
    "name", "descriptor", "mentions", "gender", "age", "nationality", "origin_region",
    "occupation", "joined_year", "left_year", "role", "route", "places", "exit_mode",
    "outcome", "codes",
}
SAMPLES = ("01-interview-abu-nuh.txt", "10-wire-defectors-tangier-mosul.txt",
           "14-profile-media-office-samir.docx")


def _stored_text(path: Path) -> str:
    (item,) = reader_for(path).read(path, path.read_bytes()).items
    return item.text


def _records(output: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_extract_emits_spec_records_with_exact_spans(tmp_path: Path) -> None:
    files = [sample_corpus_dir() / name for name in SAMPLES]
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    result = CliRunner().invoke(app, ["extract", *map(str, files), str(broken)])
    assert result.exit_code == 1  # the broken file is reported, the others still processed
    assert "broken.pdf" in result.stderr and "corrupt_pdf" in result.stderr
    records = _records(result.stdout)
    assert [Path(r["source"]).name for r in records] == list(SAMPLES)
    n_defectors = 0
    for path, record in zip(files, records, strict=True):
        text = _stored_text(path)
        assert record["text_sha256"] == sha256_text(text)
        for defector in record["defectors"]:
            n_defectors += 1
            assert set(defector) >= SPEC_FIELDS
            assert defector["gender"] in ("m", "f", None)
            assert defector["nationality"] is None or len(defector["nationality"]) == 2
            for start, end in defector["mentions"]:
                assert 0 <= start < end <= len(text)
            for code in defector["codes"]:
                assert text[code["start"]:code["end"]] == code["text"]
                assert 0.0 <= code["confidence"] <= 1.0
                assert code["coder"] in ("rules", "embedding", "classifier", "llm", "ensemble")
    assert n_defectors >= 3
    assert any(d["codes"] for r in records for d in r["defectors"])


def test_analyze_stores_what_extract_emits(tmp_path: Path, db_url: str) -> None:
    files = [str(sample_corpus_dir() / name) for name in SAMPLES]
    db = db_url
    runner = CliRunner()
    extracted = _records(runner.invoke(app, ["extract", *files]).stdout)
    assert runner.invoke(app, ["ingest", *files, "--db", db]).exit_code == 0
    analyzed = runner.invoke(app, ["analyze", "--db", db, "--format", "json"])
    assert analyzed.exit_code == 0, analyzed.output
    assert json.loads(analyzed.stdout)["analysed"] == len(SAMPLES)
    stored = _records(runner.invoke(app, ["defectors", "--db", db, "--format", "jsonl"]).stdout)
    by_sha = {r["text_sha256"]: r for r in stored}
    for record in extracted:
        assert by_sha[record["text_sha256"]]["defectors"] == record["defectors"]
    again = runner.invoke(app, ["analyze", "--db", db, "--format", "json"])
    assert json.loads(again.stdout)["analysed"] == 0  # nothing left to do
