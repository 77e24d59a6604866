"""Table exports: csv / parquet / json, the case x code matrix, atomic writes, bad paths."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.errors import ExitlensError
from exitlens.sharing.tables import (
    MATRIX,
    NOT_APPLICABLE,
    UNKNOWN,
    case_code_matrix,
    write_tables,
)

from .conftest import NAMES

ENTITY_FILES = ("documents", "sources", "persons", "mentions", "cases", "codings", "quotes",
                "events", MATRIX)


def test_csv_and_parquet_folders_hold_every_table(open_shared: Callable[[], Project],
                                                  tmp_path: Path) -> None:
    with open_shared() as project:
        csv_dir = project.export(tmp_path / "csv", format="csv")
        pq_dir = project.export(tmp_path / "pq", format="parquet")
        bundle = project.export_bundle()
    for name in ENTITY_FILES:
        assert (csv_dir / f"{name}.csv").is_file() and (pq_dir / f"{name}.parquet").is_file()
    assert (csv_dir / "codebook.md").is_file() and (pq_dir / "codebook.md").is_file()
    codings = pd.read_csv(csv_dir / "codings.csv")
    assert list(codings["id"]) == list(bundle.codings["id"])
    assert list(codings["start"]) == list(bundle.codings["start"])
    parquet = pd.read_parquet(pq_dir / "codings.parquet")
    assert list(parquet["text"]) == list(bundle.codings["text"])
    cases = pd.read_parquet(pq_dir / "cases.parquet")
    assert [list(x) for x in cases["document_ids"]] == list(bundle.cases["document_ids"])
    # every column and value of the matrix is documented
    doc = (csv_dir / "codebook.md").read_text(encoding="utf-8")
    for code in bundle.codebook.codes:
        assert f"| {code} |" in doc
    assert "-88" in doc and "-99" in doc and "not applicable" in doc


def test_json_round_trip_keeps_codings_and_offsets(open_shared: Callable[[], Project],
                                                   tmp_path: Path) -> None:
    with open_shared() as project:
        path = project.export(tmp_path / "all.json", format="json")
        bundle = project.export_bundle()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert set(ENTITY_FILES) <= set(data) and data["redacted"] is False
    texts = {d["id"]: d["text"] for d in data["documents"]}
    back = pd.DataFrame(data["codings"])
    original = bundle.codings
    for column in ("id", "code", "start", "end", "text", "coder", "status", "person_id"):
        assert back[column].tolist() == original[column].astype(object).tolist(), column
    for row in data["codings"] + data["quotes"] + data["mentions"]:
        assert texts[row["document_id"]][row["start"]:row["end"]] == row["text"]
    # the emoji before the first span counts as one code point
    first = next(r for r in data["codings"] if r["code"] == "corruption")
    assert texts[first["document_id"]][:first["start"]].count("🙂") == 1


def test_matrix_distinguishes_not_mentioned_from_not_applicable(
        open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    matrix = case_code_matrix(bundle).set_index("case_id")
    sami = int(bundle.persons.loc[bundle.persons["name"] == "Sami Aziz", "case_id"].iloc[0])
    lina = int(bundle.persons.loc[bundle.persons["name"] == "Lina Haddad", "case_id"].iloc[0])
    assert list(matrix.columns[1:]) == list(bundle.codebook.codes)
    assert matrix.at[sami, "boredom"] == 1 and matrix.at[sami, "corruption"] == 1
    assert matrix.at[sami, "infighting"] == 0  # read, coded, not mentioned
    assert matrix.at[lina, "infighting"] == 1 and matrix.at[lina, "boredom"] == 0
    assert matrix.at[sami, "status"] == "coded"

    # Lina's only document is German: the reading covers English only -> every code -88
    docs = bundle.documents
    lina_doc = int(bundle.persons.loc[bundle.persons["name"] == "Lina Haddad",
                                      "document_id"].iloc[0])
    bundle.documents = docs.assign(language=["de" if i == lina_doc else "en"
                                             for i in docs["id"]])
    matrix = case_code_matrix(bundle).set_index("case_id")
    assert matrix.at[lina, "status"] == "language_not_covered"
    assert set(matrix.loc[lina, list(bundle.codebook.codes)]) == {NOT_APPLICABLE}
    assert matrix.at[sami, "infighting"] == 0

    # no exit account (no exit coding, no exit mode, no year left): exit codes -88, join 0
    bundle.documents = docs
    bundle.codings = bundle.codings[bundle.codings["case_id"] != lina]
    bundle.cases = bundle.cases.assign(left_year=[None if c == lina else y for c, y in
                                                  zip(bundle.cases["case_id"],
                                                      bundle.cases["left_year"], strict=True)])
    matrix = case_code_matrix(bundle).set_index("case_id")
    assert matrix.at[lina, "status"] == "no_exit_account"
    assert matrix.at[lina, "infighting"] == NOT_APPLICABLE
    assert matrix.at[lina, "join_religion"] == 0
    assert matrix.at[lina, "forbidden_to_leave"] == NOT_APPLICABLE  # a barrier code

    # no evidence of their own account at all: unknown
    bundle.persons = bundle.persons.assign(n_evidence=[0 if c == lina else n for c, n in zip(
        bundle.persons["case_id"], bundle.persons["n_evidence"], strict=True)])
    matrix = case_code_matrix(bundle).set_index("case_id")
    assert set(matrix.loc[lina, list(bundle.codebook.codes)]) == {UNKNOWN}


def test_rejected_codings_are_not_counted_and_children_count_for_parents(
        open_shared: Callable[[], Project]) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    sami = int(bundle.persons.loc[bundle.persons["name"] == "Sami Aziz", "case_id"].iloc[0])
    codings = bundle.codings.copy()
    codings.loc[codings["code"] == "corruption", "status"] = "rejected"
    bundle.codings = codings
    assert case_code_matrix(bundle).set_index("case_id").at[sami, "corruption"] == 0


def test_bad_output_paths(open_shared: Callable[[], Project], tmp_path: Path) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    with pytest.raises(ExitlensError) as missing:
        write_tables(bundle, tmp_path / "nope" / "out", "csv")
    assert missing.value.code == "bad_output_path" and "does not exist" in missing.value.message
    with pytest.raises(ExitlensError) as folder:
        write_tables(bundle, tmp_path, "json")
    assert folder.value.code == "bad_output_path"
    other = tmp_path / "mine"
    other.mkdir()
    (other / "thesis.docx").write_text("x", encoding="utf-8")
    with pytest.raises(ExitlensError) as foreign:
        write_tables(bundle, other, "csv")
    assert foreign.value.code == "bad_output_path"
    assert sorted(p.name for p in other.iterdir()) == ["thesis.docx"]
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ExitlensError) as denied:
                write_tables(bundle, locked / "out.json", "json")
            assert denied.value.code == "bad_output_path"
        finally:
            locked.chmod(0o700)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_failing_write_leaves_nothing_that_looks_complete(
        open_shared: Callable[[], Project], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    target = tmp_path / "out"
    write_tables(bundle, target, "csv")  # a first, complete export
    before = sorted(p.name for p in target.iterdir())

    def boom(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(RuntimeError):
        write_tables(bundle, target, "parquet")
    with pytest.raises(RuntimeError):
        write_tables(bundle, tmp_path / "fresh", "parquet")
    assert sorted(p.name for p in target.iterdir()) == before  # the old export is intact
    assert not (tmp_path / "fresh").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_redacted_exports_leak_no_name_in_any_format(shared_db: str, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("reading:\n  stages: [fake_sharing]\n", encoding="utf-8")
    for fmt, target in (("csv", tmp_path / "c"), ("parquet", tmp_path / "p"),
                        ("json", tmp_path / "j.json")):
        result = CliRunner().invoke(app, ["export", "--format", fmt, "-o", str(target),
                                          "--redact", "--db", shared_db,
                                          "--config", str(config)])
        assert result.exit_code == 0, result.output
        files = [target] if target.is_file() else sorted(target.iterdir())
        for path in files:
            if path.suffix == ".parquet":
                content = pd.read_parquet(path).astype(str).to_csv(index=False)
            else:
                content = path.read_text(encoding="utf-8")
            for name in NAMES:
                assert name.lower() not in content.lower(), (fmt, path.name, name)
            assert "aged 23" not in content and "aged 31" not in content


def test_parquet_takes_mixed_profile_values(open_shared: Callable[[], Project],
                                            tmp_path: Path) -> None:
    with open_shared() as project:
        bundle = project.export_bundle()
    ages = list(bundle.persons["profile_age"])
    ages[0] = "about 30"
    bundle.persons = bundle.persons.assign(profile_age=ages)
    write_tables(bundle, tmp_path / "pq", "parquet")
    back = pd.read_parquet(tmp_path / "pq" / "persons.parquet")
    assert list(back["profile_age"]) == [str(a) for a in ages]
