"""Bootstrap intervals over documents and the paired comparison of two benchmark runs
(benchmarks/intervals.py, benchmarks/compare_runs.py), on counts and a reading made up
for these tests."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from exitlens.gold import GoldDefector, GoldEvidence, GoldRecord
from exitlens.model import Coding, Document, DocumentReading, Mention, Person, Quote, Span

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def load(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def row(doc: str, exit_counts: list[int], origin: str = "dev_b2.jsonl",
        language: str = "en") -> dict[str, Any]:
    return {"id": doc, "origin": origin, "language": language, "defectors": [1, 0, 0],
            "exit": exit_counts, "join": [0, 0, 1]}


def test_micro_f1_sums_counts_before_dividing() -> None:
    iv = load("intervals")
    assert iv.micro_f1([1, 1], [0, 2], [1, 0]) == pytest.approx(2 * 2 / (2 * 2 + 2 + 1))
    assert iv.micro_f1([0], [0], [0]) == 0.0


def test_interval_holds_the_figure_and_narrows_with_more_documents() -> None:
    iv = load("intervals")
    mixed = [[1, 0, 0], [0, 1, 1], [2, 0, 1], [0, 2, 0], [1, 1, 0]]
    few = [row(f"d{i}", c) for i, c in enumerate(mixed)]
    many = [row(f"d{i}", mixed[i % len(mixed)]) for i in range(10 * len(mixed))]
    value, low, high = iv.interval(few, "exit")
    assert low <= value <= high and low < high
    v2, low2, high2 = iv.interval(many, "exit")
    assert v2 == pytest.approx(value)  # same proportions, same micro-F1
    assert high2 - low2 < high - low
    # every document perfect: nothing to be unsure about
    assert iv.interval([row(f"d{i}", [1, 0, 0]) for i in range(6)], "exit") == (1.0, 1.0, 1.0)


def test_paired_difference_of_a_run_with_itself_is_zero_and_a_clear_gain_is_positive() -> None:
    iv = load("intervals")
    before = [row(f"d{i}", [1, 1, 1]) for i in range(20)]
    assert iv.paired_difference(before, before, "exit") == (0.0, 0.0, 0.0)
    after = [row(f"d{i}", [2, 0, 0]) for i in range(20)]
    diff, low, high = iv.paired_difference(before, after, "exit")
    assert high >= diff
    assert diff == pytest.approx(1.0 - 0.5) and low > 0
    with pytest.raises(ValueError, match="share no document"):
        iv.paired_difference(before, [row("other", [1, 0, 0])], "exit")


def test_parts_split_english_dev_and_later_sets() -> None:
    iv = load("intervals")
    rows = [row("a", [1, 0, 0], origin="dev.jsonl"), row("b", [1, 0, 0]),
            row("c", [1, 0, 0], language="other")]
    assert [r["id"] for r in iv.part(rows, "English")] == ["a", "b"]
    assert [r["id"] for r in iv.part(rows, "dev.jsonl")] == ["a"]
    assert [r["id"] for r in iv.part(rows, "later sets")] == ["b"]
    lines = iv.format_intervals(rows, parts=("later sets",))
    assert len(lines) == 1 and lines[0].startswith("later sets") and "exit 1.000" in lines[0]


def test_document_counts_score_each_document_like_the_summed_figures() -> None:
    from exitlens.coding.codebook import load_codebook

    iv = load("intervals")
    text = 'Omar Saleh fled in 2016. "They beheaded a boy in the square," he said.'
    quote = Span(25, 61)
    gold = GoldRecord(id="doc", text=text, kind="news", title=None, meta={}, defectors=[
        GoldDefector(ref="d1", name="Omar Saleh", descriptor=None, values={},
                     exit_reasons=["brutality", "family"],
                     evidence=[GoldEvidence("brutality", quote.text_of(text))])])
    omar = Person(name="Omar Saleh", role="defector", mentions=[Mention(Span(0, 10))])
    reading = DocumentReading(
        document=Document(text=text), persons=[omar], quotes=[Quote(quote, speaker=0)],
        codings=[Coding("brutality", quote, "ensemble", 0.9, person=0),
                 Coding("corruption", quote, "rules", 0.6, person=0)])
    rows = iv.document_counts([gold], [reading], load_codebook(), ["dev_b2.jsonl"], ["en"])
    assert rows == [{"id": "doc", "origin": "dev_b2.jsonl", "language": "en",
                     "defectors": [1, 0, 0], "fields": {}, "exit": [1, 1, 1],
                     "join": [0, 0, 0], "codes": {"brutality": [1, 0, 0], "corruption": [0, 1, 0],
                               "family": [0, 0, 1]},
                     "pairs": [0, 0, 0]}]  # no join motive on either side: no pair


def test_compare_runs_reads_two_json_files(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    cmp = load("compare_runs")
    before = [row(f"d{i}", [1, 1, 1]) for i in range(20)]
    after = [row(f"d{i}", [2, 0, 0]) for i in range(20)]
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"per_document": before}), encoding="utf-8")
    b.write_text(json.dumps({"per_document": after}), encoding="utf-8")
    assert cmp.main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    exit_line = next(ln for ln in out.splitlines() if ln.startswith("later sets  exit"))
    assert "0.500" in exit_line and "1.000" in exit_line and exit_line.endswith("gain")
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"cv": {}}), encoding="utf-8")
    with pytest.raises(SystemExit, match="no per-document counts"):
        cmp.main([str(empty), str(b)])


def test_a_run_that_did_not_code_carries_and_compares_defectors_only(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from exitlens.coding.codebook import load_codebook

    iv = load("intervals")
    cmp = load("compare_runs")
    text = "Omar Saleh fled in 2016."
    gold = GoldRecord(id="doc", text=text, kind="news", title=None, meta={}, defectors=[
        GoldDefector(ref="d1", name="Omar Saleh", descriptor=None, values={},
                     exit_reasons=["family"])])
    omar = Person(name="Omar Saleh", role="defector", mentions=[Mention(Span(0, 10))])
    reading = DocumentReading(document=Document(text=text), persons=[omar])
    rows = iv.document_counts([gold], [reading], load_codebook(), ["dev_b2.jsonl"], ["en"],
                              coded=False)
    assert rows == [{"id": "doc", "origin": "dev_b2.jsonl", "language": "en",
                     "defectors": [1, 0, 0], "fields": {}}]
    assert iv.measures_of(rows) == ("defectors",)
    assert iv.measures_of([row("a", [1, 0, 0])]) == ("defectors", "exit", "join")
    lines = iv.format_intervals(rows * 3)
    assert lines and all("exit" not in ln for ln in lines)
    # a coded run compared with one that did not code: the defectors only
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"per_document": [row(f"d{i}", [1, 0, 0]) for i in range(5)]}),
                 encoding="utf-8")
    b.write_text(json.dumps({"per_document": [
        {k: v for k, v in row(f"d{i}", [1, 0, 0]).items() if k not in ("exit", "join")}
        for i in range(5)]}), encoding="utf-8")
    assert cmp.main([str(a), str(b)]) == 0
    table = capsys.readouterr().out.splitlines()[1:]
    assert any(" defectors " in ln for ln in table)
    assert not any(" exit " in ln or " join " in ln for ln in table)
