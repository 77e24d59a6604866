"""Languages: detection, the stored document language, and notes for languages not covered.

Every sentence here was written for these tests (fictional people and places).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import update
from typer.testing import CliRunner, Result

from exitlens import Project
from exitlens.cli import app
from exitlens.config import ConfigError, Settings, load_settings
from exitlens.language import (
    LanguageError,
    LanguageGuess,
    covered_languages,
    detect_language,
    language_name,
    language_note,
    normalize_language,
    validate_language_codes,
)
from exitlens.store.schema import AnalysisRow, DocumentRow

ENGLISH = (
    "Tarek Vell said he left the group in the spring of that year. He told the reporter that "
    "the commanders had sent the newest recruits to the front without training or food."
)
GERMAN = (
    "Tarek Vell sagt, er habe die Gruppe im Frühjahr verlassen. Die Kommandeure hätten die "
    "neuen Rekruten ohne Ausbildung und ohne Essen an die Front geschickt, erzählt er."
)
FRENCH = (
    "Tarek Vell raconte qu'il a quitté le groupe au printemps. Selon lui, les chefs envoyaient "
    "les nouvelles recrues au front sans formation et sans nourriture."
)
ARABIC = (
    "قال طارق فيل إنه ترك الجماعة في ربيع ذلك العام. وأضاف أن القادة كانوا يرسلون المجندين "
    "الجدد إلى الجبهة من دون تدريب أو طعام."
)
INDONESIAN = (
    "Tarek Vell mengatakan bahwa dia meninggalkan kelompok itu pada musim semi. Menurutnya, "
    "para komandan mengirim anggota baru ke garis depan tanpa pelatihan dan tanpa makanan."
)

TURKISH = (
    "Tarek Vell, baharda gruptan ayrıldığını söyledi. Komutanların yeni üyeleri eğitimsiz ve "
    "yiyeceksiz cepheye gönderdiğini anlattı."
)
DUTCH = (
    "Tarek Vell zegt dat hij de groep in het voorjaar heeft verlaten. De commandanten stuurden "
    "nieuwe rekruten zonder training naar het front."
)

FAST_STAGES = {"reading": {"stages": ["segment"]}}


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


# ------------------------------------------------------------------ detection


@pytest.mark.parametrize(
    ("text", "code"),
    [(ENGLISH, "en"), (GERMAN, "de"), (FRENCH, "fr"), (ARABIC, "ar"), (INDONESIAN, "id"),
     (TURKISH, "tr"), (DUTCH, "nl")],
)
def test_detects_short_paragraphs(text: str, code: str) -> None:
    guess = detect_language(text)
    assert isinstance(guess, LanguageGuess)
    assert guess.code == code
    assert 0.3 <= guess.confidence <= 1.0
    assert detect_language(text) == guess  # deterministic


@pytest.mark.parametrize("text", ["", "   \n\n ", "Raqqa", "12 34 56 78 90 12 34 56", "—" * 50])
def test_empty_short_or_letterless_text_is_undetermined(text: str) -> None:
    assert detect_language(text) is None


def test_long_text_is_sampled_and_fast() -> None:
    """A huge document costs no more than a few pages: only a bounded sample is classified."""
    import time

    text = (GERMAN + "\n\n") * 20_000  # ~3.5 million characters
    detect_language(ENGLISH)  # the model loads once
    started = time.perf_counter()
    guess = detect_language(text)
    assert guess is not None and guess.code == "de"
    assert time.perf_counter() - started < 1.0


def test_language_names_and_codes() -> None:
    assert language_name("de") == "German"
    assert language_name("ms") == "Malay"  # "(macrolanguage)" dropped
    assert language_name("qq") == "qq"
    assert normalize_language("DE-at") == "de"
    assert normalize_language("pt_BR") == "pt"
    assert normalize_language("German") is None
    assert normalize_language(7) is None
    note = language_note("de", ["en"])
    assert note == {
        "code": "language_not_covered",
        "language": "de",
        "message": "German (de): the reading models cover English only; defectors may be missed",
    }
    assert language_note("en", ["en"]) is None
    assert language_note(None, ["en"]) is None
    assert "English and French;" in (language_note("de", ["en", "fr"]) or {})["message"]


# ------------------------------------------------------------------ settings


def test_reading_languages_setting(tmp_path: Path) -> None:
    assert Settings().reading.languages == ["en"]
    assert covered_languages(Settings()) == ["en"]
    settings = Settings.model_validate({"reading": {"languages": ["en", "DE", "en"]}})
    assert covered_languages(settings) == ["en", "de"]
    assert validate_language_codes(["fr"]) == ["fr"]
    with pytest.raises(LanguageError) as info:
        validate_language_codes(["english"])
    assert info.value.code == "unknown_language"

    cfg = tmp_path / "bad.yaml"
    cfg.write_text(yaml.safe_dump({"reading": {"languages": ["en", "xx"]}}), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_settings(cfg)
    assert "reading.languages" in err.value.message and "'xx'" in err.value.message
    assert err.value.code == "config_invalid"


# ------------------------------------------------------------------ ingest


def test_ingest_stores_detected_and_stated_languages(tmp_project: Project, tmp_path: Path) -> None:
    """txt: detected; JSONL: a stated language wins over detection, else detected;
    manifest: its language column wins too."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "in" / "en.txt").write_text(ENGLISH, encoding="utf-8")
    records = [
        {"id": "stated", "text": ENGLISH + " (translated)", "language": "nl"},
        {"id": "detected", "text": FRENCH},
        {"id": "bad-code", "text": INDONESIAN, "language": "Bahasa"},
    ]
    (tmp_path / "in" / "records.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8"
    )
    report = tmp_project.ingest([tmp_path / "in"])
    assert report.ok
    by_source = {Path(d.source_path or "").name: d for d in tmp_project.documents()}
    assert by_source["de.txt"].language == "de"
    assert by_source["en.txt"].language == "en"
    assert by_source["records.jsonl#stated"].language == "nl"
    assert by_source["records.jsonl#detected"].language == "fr"
    assert by_source["records.jsonl#bad-code"].language == "id"
    bad = next(o for o in report.outcomes if o.locator.endswith("#bad-code"))
    assert any("not an ISO 639-1 code" in n for n in bad.notes)
    assert tmp_project.document(by_source["de.txt"].id).language == "de"

    manifested = tmp_path / "m"
    manifested.mkdir()
    (manifested / "a.txt").write_text(ENGLISH + " Manifest copy.", encoding="utf-8")
    (manifested / "manifest.csv").write_text("path,language\na.txt,es\n", encoding="utf-8")
    assert tmp_project.ingest([manifested]).ok
    (doc,) = [d for d in tmp_project.documents() if (d.source_path or "").endswith("a.txt")]
    assert doc.language == "es"


def test_documents_command_shows_language(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    db = db_url
    assert run("ingest", str(tmp_path / "de.txt"), "--db", db).exit_code == 0
    listed = run("documents", "--db", db, "--format", "json")
    assert listed.exit_code == 0, listed.output
    (doc,) = json.loads(listed.stdout)
    assert doc["language"] == "de"
    table = run("documents", "--db", db)
    assert "lang" in table.stdout and " de " in table.stdout


# ------------------------------------------------------------------ analyze / extract


def _notes(project: Project, doc_id: int) -> list[object]:
    with project.db.session() as session:
        row = session.query(AnalysisRow).filter_by(document_id=doc_id).one()
        return list(row.notes or [])


def test_analyze_notes_languages_not_covered(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    project = make_project("an.db", Settings.model_validate(FAST_STAGES))
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    project.ingest([tmp_path / "de.txt", tmp_path / "en.txt"])
    ids = {Path(d.source_path or "").name: d.id for d in project.documents()}
    report = project.analyze()
    assert sorted(report.analysed) == sorted(ids.values())
    (note,) = report.as_dict()["notes"]
    assert note["document_id"] == ids["de.txt"] and note["language"] == "de"
    assert note["code"] == "language_not_covered" and note["source"].endswith("de.txt")
    assert GERMAN[:20] not in json.dumps(note)
    stored = _notes(project, ids["de.txt"])
    assert {"code": "language_not_covered", "language": "de",
            "message": note["message"]} in stored
    assert _notes(project, ids["en.txt"]) == []
    # SPEC §3 records stay as extract makes them: no structured notes in them.
    assert all("notes" not in r for r in project.records())


def test_the_corpus_overview_names_documents_in_languages_not_covered(
    tmp_project: Project, tmp_path: Path
) -> None:
    """The overview (the report's corpus table) says how many documents the reading does
    not cover."""
    key = "documents in languages the reading does not cover"
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    tmp_project.ingest([tmp_path / "en.txt"])
    assert key not in tmp_project.overview()
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    (tmp_path / "de2.txt").write_text(GERMAN + " Das sagt er heute.", encoding="utf-8")
    tmp_project.ingest([tmp_path / "de.txt", tmp_path / "de2.txt"])
    overview = tmp_project.overview()
    assert overview[key].startswith("2 (de 2): the reading models cover English")
    assert "may be missing" in overview[key]


def test_analyze_fills_missing_languages(
    make_project: Callable[..., Project], tmp_path: Path
) -> None:
    """Documents stored before languages were detected get theirs at analyze time."""
    settings = Settings.model_validate({"reading": {"stages": ["segment"],
                                                    "languages": ["en", "de"]}})
    project = make_project("old.db", settings)
    (tmp_path / "de.txt").write_text(GERMAN, encoding="utf-8")
    project.ingest([tmp_path / "de.txt"])
    with project.db.session() as session:
        session.execute(update(DocumentRow).values(language=None))
    assert project.documents()[0].language is None
    report = project.analyze()
    assert report.notes == []  # German is covered in these settings
    assert project.documents()[0].language == "de"


def test_analyze_cli_json_and_table(tmp_path: Path, db_url: str) -> None:
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(yaml.safe_dump(FAST_STAGES), encoding="utf-8")
    (tmp_path / "fr.txt").write_text(FRENCH, encoding="utf-8")
    db = db_url
    assert run("ingest", str(tmp_path / "fr.txt"), "--db", db).exit_code == 0
    result = run("analyze", "--db", db, "--config", str(cfg), "--format", "json")
    assert result.exit_code == 0, result.output
    (note,) = json.loads(result.stdout)["notes"]
    assert note["language"] == "fr" and note["message"].startswith("French (fr):")

    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "id.txt").write_text(INDONESIAN, encoding="utf-8")
    run("ingest", str(tmp_path / "en.txt"), str(tmp_path / "id.txt"), "--db", db)
    table = run("analyze", "--db", db, "--config", str(cfg), "--no-progress")
    assert table.exit_code == 0, table.output
    flat = " ".join(table.stdout.split())
    assert "warning[language_not_covered]" in flat and "id.txt" in flat
    assert "Indonesian (id)" in flat and "en.txt" not in flat


def test_extract_warns_on_stderr_and_keeps_records(tmp_path: Path) -> None:
    cfg = tmp_path / "fast.yaml"
    cfg.write_text(yaml.safe_dump(FAST_STAGES), encoding="utf-8")
    (tmp_path / "ar.txt").write_text(ARABIC, encoding="utf-8")
    (tmp_path / "en.txt").write_text(ENGLISH, encoding="utf-8")
    result = run("extract", str(tmp_path / "ar.txt"), str(tmp_path / "en.txt"),
                 "--config", str(cfg))
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    assert all(set(r) == {"source", "text_sha256", "defectors"} for r in records)
    warnings = [ln for ln in result.stderr.splitlines() if ln.startswith("warning[")]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"warning[language_not_covered] {tmp_path / 'ar.txt'}: "
                                  "Arabic (ar): the reading models cover English only")
    assert ARABIC[:10] not in result.stderr
