"""Statistics and the report end to end: Project API and CLI over stored cases.

A small fake reading stage (no models) reads lines such as
"Defector Sami Aziz, SY, left in 2016, cites boredom and join_religion." as one quoted
defector with those suggested codes, so every count below is known by construction.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.config import Settings
from exitlens.errors import ExitlensError
from exitlens.model import Coding, DocumentReading, FieldValue, Mention, Person, Quote, Span
from exitlens.pipeline import PipelineContext, stages
from exitlens.statistics import SPEC_ROW
from exitlens.store.schema import CodingRow
from tests.conftest import copied_database, module_database

_LINE = re.compile(r"Defector (?P<name>[A-Z][a-z]+ [A-Z][a-z]+), (?P<nat>[A-Z]{2}), left in "
                   r"(?P<year>\d{4}), cites (?P<codes>[a-z_ ]+)\.")


class FakeCodedStage:
    """One defector per matching line, with the listed codes as suggestions."""

    name = "fake_coded"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            for m in _LINE.finditer(reading.document.text):
                span = Span(m.start(), m.end())
                person = Person(name=m.group("name"),
                                mentions=[Mention(Span(m.start("name"), m.end("name")), "name")],
                                role="defector", role_confidence=0.9, source_voice="self",
                                evidence=[span])
                person.profile.nationality = FieldValue(m.group("nat"), None)
                person.profile.left_year = FieldValue(int(m.group("year")), None)
                reading.persons.append(person)
                index = len(reading.persons) - 1
                reading.quotes.append(Quote(span, "direct", speaker=index))
                for code in m.group("codes").split(" and "):
                    reading.codings.append(Coding(code.strip(), span, "rules", 0.8,
                                                  person=index))


@pytest.fixture(autouse=True)
def _register_fake_stage() -> None:
    stages.add("fake_coded", FakeCodedStage)


def fake_settings(codebook: Path | None = None) -> Settings:
    settings = Settings()
    settings.reading.stages = ["fake_coded"]
    if codebook is not None:
        settings.coding.codebook = str(codebook)
    return settings


# Sami is told by two outlets (one case); Lina and Omar are one case each.
DOCS = {
    "a.txt": "Spring notes. Defector Sami Aziz, SY, left in 2016, cites boredom and "
             "join_religion.",
    "b.txt": "Another outlet: Defector Sami Aziz, SY, left in 2016, cites boredom and "
             "corruption.",
    "c.txt": "Third paper. Defector Lina Haddad, LB, left in 2017, cites boredom.",
    "d.txt": "Fourth paper. Defector Omar Kasem, IQ, left in 2017, cites join_religion and "
             "infighting.",
}


def _corpus(folder: Path, docs: dict[str, str] = DOCS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in docs.items():
        (folder / name).write_text(text + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def analysed_once(tmp_path_factory: pytest.TempPathFactory, backend: str) -> Iterator[str]:
    """The fake-coded corpus ingested and analysed once per backend (read-only)."""
    stages.add("fake_coded", FakeCodedStage)
    with module_database(backend, tmp_path_factory, "stats") as db:
        with Project.open(db, settings=fake_settings(), actor="t") as project:
            project.ingest([_corpus(tmp_path_factory.mktemp("stats-in"))])
            project.analyze()
        yield db


@pytest.fixture
def analysed(analysed_once: str) -> str:
    """The analysed database, for tests that only read it."""
    return analysed_once


@pytest.fixture
def analysed_copy(analysed_once: str, tmp_path: Path) -> Iterator[str]:
    """A copy of the analysed database that a test may change."""
    with copied_database(analysed_once, tmp_path) as db:
        yield db


def _config(tmp_path: Path, codebook: Path | None = None) -> Path:
    path = tmp_path / "config.yaml"
    lines = ["reading:", "  stages: [fake_coded]"]
    if codebook is not None:
        lines += ["coding:", f"  codebook: {codebook}"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _row(table: object, key: str) -> dict:
    rows = table.to_dict(orient="records")  # type: ignore[attr-defined]
    return next(r for r in rows if r["key"] == key)


def test_prevalence_counts_cases_not_documents(analysed: str) -> None:
    with Project.open(analysed, settings=fake_settings()) as project:
        table = project.prevalence(by="code", dimension="exit")
        assert len(project.cases()) == 3
    boredom = _row(table, "boredom")
    assert (boredom["k"], boredom["n"]) == (2, 3)  # Sami (two documents) counts once
    assert boredom["ci_low"] == pytest.approx(0.2077, abs=1e-3)
    assert boredom["ci_high"] == pytest.approx(0.9385, abs=1e-3)
    assert "n = 3 defector cases" in table.attrs["denominator"]


def test_any_exit_denominator_and_families(analysed: str) -> None:
    with Project.open(analysed, settings=fake_settings()) as project:
        joins = project.prevalence(by="code", dimension="join", denominator="any_exit")
        families = project.prevalence(by="family", dimension="exit")
    assert _row(joins, "join_religion")["n"] == 3  # every case gives an exit reason here
    assert _row(families, "corruption_barbarism")["k"] == 1
    assert _row(families, "daily_life")["k"] == 2


def test_rejected_never_count_and_accepted_only(analysed_copy: str) -> None:
    with Project.open(analysed_copy, settings=fake_settings()) as project:
        with project.db.session() as session:
            session.execute(update(CodingRow).where(CodingRow.code == "infighting")
                            .values(status="rejected"))
            session.execute(update(CodingRow).where(CodingRow.document_id == 3)
                            .values(status="accepted"))
        table = project.prevalence(dimension="exit")
        reviewed = project.prevalence(dimension="exit", accepted_only=True)
    assert _row(table, "infighting")["k"] == 0
    assert _row(table, "boredom")["k"] == 2
    assert _row(table, "boredom")["n_accepted"] == 1
    assert _row(reviewed, "boredom")["k"] == 1  # only Lina's coding was accepted
    assert "accepted codings only" in reviewed.attrs["denominator"]


def test_stats_cli_json_rows_are_exactly_the_spec_format(analysed: str, tmp_path: Path) -> None:
    code, out, err = run("stats", "--db", analysed, "--config", str(_config(tmp_path)),
                         "--dimension", "exit", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert all(tuple(r) == SPEC_ROW for r in rows)
    boredom = next(r for r in rows if r["key"] == "boredom")
    assert (boredom["k"], boredom["n"]) == (2, 3)
    zero = next(r for r in rows if r["key"] == "psych_toll")
    assert zero["k"] == 0 and zero["share"] == 0.0


def test_stats_cli_table_prints_the_denominator(analysed: str, tmp_path: Path) -> None:
    code, out, err = run("stats", "--db", analysed, "--config", str(_config(tmp_path)),
                         "--by", "family")
    assert code == 0, err
    assert "n = 3 defector cases" in out
    assert "2 of 3" in out


def test_stats_cli_breakdown_matrix_cooccurrence_and_reference(analysed: str,
                                                                tmp_path: Path) -> None:
    cfg = str(_config(tmp_path))
    code, out, err = run("stats", "--db", analysed, "--config", cfg, "--breakdown",
                         "nationality", "--dimension", "exit", "--format", "json")
    assert code == 0, err
    syria = [r for r in json.loads(out) if r["group"] == "SY"]
    assert syria and all(r["n"] == 1 for r in syria)
    code, out, err = run("stats", "--db", analysed, "--config", cfg, "--matrix",
                         "--format", "json")
    assert code == 0, err
    cell = next(r for r in json.loads(out)
                if r["join_key"] == "join_religion" and r["exit_key"] == "infighting")
    assert (cell["k"], cell["n"]) == (1, 2)  # of the two who joined for religion, Omar
    code, out, err = run("stats", "--db", analysed, "--config", cfg, "--cooccurrence")
    assert code == 0, err
    assert "boredom" in out
    code, out, err = run("stats", "--db", analysed, "--config", cfg, "--reference",
                         "sixty-narratives", "--format", "json")
    assert code == 0, err
    compared = {r["key"]: r for r in json.loads(out)}
    assert compared["fighting_injustice"]["ref_n"] == 60
    assert compared["fighting_injustice"]["k"] == 1


def test_stats_matrix_says_how_often_machine_pairs_were_right(analysed: str,
                                                              tmp_path: Path) -> None:
    # Without --config the settings are the built-in pipeline's: the measurement applies.
    code, out, err = run("stats", "--db", analysed, "--matrix")
    assert code == 0, err
    assert ("Measured: The machine's (join motive, exit reason) pairs, which this table "
            "counts, need both codes right: precision 0.") in " ".join(out.split())
    code, out, _ = run("stats", "--db", analysed, "--matrix", "--accepted-only")
    assert code == 0 and "which this table counts" not in " ".join(out.split())
    code, out, _ = run("stats", "--db", analysed, "--matrix", "--config",
                       str(_config(tmp_path)))  # other stages: the measurement does not apply
    assert code == 0 and "which this table counts" not in " ".join(out.split())
    code, out, _ = run("stats", "--db", analysed, "--matrix", "--format", "json")
    assert code == 0 and "Measured" not in out


def test_report_cli_writes_a_complete_file(analysed: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "report.html"
    target.parent.mkdir()
    code, _, err = run("report", "--db", analysed, "--config", str(_config(tmp_path)),
                         "-o", str(target), "--reference", "sixty-narratives")
    assert code == 0, err
    html = target.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html
    assert "(2 of 3)" in html
    assert "Sami Aziz" in html
    assert [p.name for p in target.parent.iterdir()] == ["report.html"]
    # The measured worth of suggestions describes the built-in pipeline, not this one.
    assert "How far to trust the unreviewed suggestions" in html
    assert "not shown: the project reads with other stages (fake_coded)" in html


def test_report_to_a_missing_folder_is_a_named_error(analysed: str, tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "report.html"
    code, _, err = run("report", "--db", analysed, "--config", str(_config(tmp_path)),
                       "-o", str(target))
    assert code != 0
    assert "error[bad_output_path]" in err
    assert not target.parent.exists()


def test_empty_database_is_a_named_error(tmp_path: Path, db_url: str) -> None:
    db = db_url
    code, _, err = run("stats", "--db", db, "--config", str(_config(tmp_path)))
    assert code != 0 and "error[empty_corpus]" in err
    target = tmp_path / "r.html"
    code, _, err = run("report", "--db", db, "--config", str(_config(tmp_path)),
                       "-o", str(target))
    assert code != 0 and "error[empty_corpus]" in err
    assert not target.exists()


def test_corpus_without_defectors_is_a_named_error(tmp_path: Path, db_url: str) -> None:
    db = db_url
    with Project.open(db, settings=fake_settings()) as project:
        project.ingest([_corpus(tmp_path / "in", {"x.txt": "A page with nobody in it."})])
        project.analyze()
        with pytest.raises(ExitlensError) as info:
            project.prevalence()
    assert info.value.code == "no_cases"


@pytest.mark.parametrize("content, reason", [
    ("rows:\n  - {key: no_such_code, k: 1, n: 10, source: s}\n", "no_such_code"),
    ("rows:\n  - {key: boredom, k: 12, n: 10, source: s}\n", "k"),
])
def test_bad_reference_files_are_named_errors(analysed: str, tmp_path: Path, content: str,
                                              reason: str) -> None:
    ref = tmp_path / "ref.yaml"
    ref.write_text(content, encoding="utf-8")
    code, out, err = run("stats", "--db", analysed, "--config", str(_config(tmp_path)),
                         "--reference", str(ref))
    assert code != 0
    assert "error[bad_reference]" in err and "ref.yaml" in err and reason in err
    assert out == ""


def test_codebook_lacking_a_used_code_is_a_named_error(analysed: str, tmp_path: Path) -> None:
    from importlib import resources

    text = (resources.files("exitlens") / "data" / "codebook.yaml").read_text(encoding="utf-8")
    trimmed = re.sub(r"\n(\s*)- id: corruption\n(?:\1  .*\n)+", "\n", text, count=1)
    assert trimmed != text
    small = tmp_path / "small_codebook.yaml"
    small.write_text(trimmed, encoding="utf-8")
    code, _, err = run("stats", "--db", analysed, "--config", str(_config(tmp_path, small)))
    assert code != 0
    assert "error[codebook_mismatch]" in err and "corruption" in err
