"""The command line: ingest/documents/search output, database selection, config, demo."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner, Result

from exitlens.cli import app
from exitlens.config import Settings
from tests import corpus as c
from tests.corpus import Corpus

SAMPLE_MANIFEST = (Path(__file__).resolve().parents[1] / "src" / "exitlens" / "data"
                   / "sample_corpus" / "manifest.csv")


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def test_ingest_json_then_documents_and_search(corpus: Corpus, tmp_path: Path, db_url: str) -> None:
    """--format json gives machine-readable reports, listings and hits for the same database."""
    db = db_url
    result = run("ingest", str(corpus.root), "--db", db, "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["failed"] == 0
    assert report["added"] + report["duplicate"] == len(report["outcomes"])
    assert {o["status"] for o in report["outcomes"]} <= {"added", "duplicate"}

    listed = run("documents", "--db", db, "--format", "json")
    assert listed.exit_code == 0, listed.output
    docs = json.loads(listed.stdout)
    assert len(docs) == report["added"]
    html = next(d for d in docs if d["fmt"] == "html")
    assert html["author"] == "Lena Fairweather" and html["outlet"] == "Orvanne Courier"
    assert {"id", "title", "outlet", "published", "kind", "fmt", "url", "source_path",
            "n_chars", "text_sha256", "n_sources", "near_duplicates"} <= set(html)

    found = run("search", "grain lorry", "--db", db, "--format", "json")
    assert found.exit_code == 0, found.output
    hits = json.loads(found.stdout)
    pdf = next(d for d in docs if d["fmt"] == "pdf")
    assert [h["document_id"] for h in hits] == [pdf["id"]]

    lines = run("documents", "--db", db, "--format", "jsonl").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [d["id"] for d in docs]


def test_table_output(corpus: Corpus, tmp_path: Path, db_url: str) -> None:
    """Human output: an ingest summary line, a documents table, a search table with counts."""
    db = db_url
    result = run("ingest", str(corpus.root), "--db", db, "--no-progress")
    assert result.exit_code == 0
    assert "added 10, duplicates 1, unchanged 0, failed 0" in result.stdout
    assert "reprint" not in result.stderr
    assert "note" in result.stderr and "cp1252.txt" in result.stderr  # encoding fallback shown
    again = run("ingest", str(corpus.root), "--db", db, "--no-progress")
    assert "added 0, duplicates 0, unchanged 11" in again.stdout

    listing = run("documents", "--db", db)
    assert listing.exit_code == 0
    assert "10 documents" in listing.stdout
    assert "Field note seven" in listing.stdout
    hits = run("search", "ferry", "--db", db)
    assert hits.exit_code == 0
    assert "hits" in hits.stdout and "ferry" in hits.stdout.lower()
    bad = run("search", "ferry OR", "--db", db)
    assert bad.exit_code == 2 and "error[bad_query]" in bad.stderr


def test_db_option_and_environment_variable(corpus: Corpus, tmp_path: Path,
                                            make_db_url: Callable[..., str]) -> None:
    """--db chooses the database; $EXITLENS_DB does when --db is absent; --db wins over it."""
    env_db, opt_db = make_db_url("from_env"), make_db_url("from_opt")
    story = corpus.path("account.md")
    assert run("ingest", str(story), env={"EXITLENS_DB": env_db}).exit_code == 0
    assert not (tmp_path / "exitlens.db").exists()  # cwd default not used
    assert run("ingest", str(corpus.path("utf16.txt")), "--db", opt_db,
               env={"EXITLENS_DB": env_db}).exit_code == 0
    env_docs = json.loads(run("documents", "-f", "json", env={"EXITLENS_DB": env_db}).stdout)
    opt_docs = json.loads(run("documents", "-f", "json", "--db", opt_db).stdout)
    assert [d["fmt"] for d in env_docs] == ["md"]
    assert [d["fmt"] for d in opt_docs] == ["txt"]


def test_default_database_is_cwd_exitlens_db(corpus: Corpus, tmp_path: Path) -> None:
    """Without --db or $EXITLENS_DB, ./exitlens.db is used (tests run in tmp_path)."""
    assert run("ingest", str(corpus.path("account.md"))).exit_code == 0
    assert (tmp_path / "exitlens.db").exists()


def test_config_defaults_is_valid_yaml(tmp_path: Path) -> None:
    """`config defaults` prints YAML that validates back into the default Settings."""
    result = run("config", "defaults")
    assert result.exit_code == 0
    data = yaml.safe_load(result.stdout)
    assert Settings.model_validate(data) == Settings()
    path = tmp_path / "exitlens.yaml"
    path.write_text(result.stdout)
    shown = run("config", "show", "--config", str(path))
    assert shown.exit_code == 0 and yaml.safe_load(shown.stdout) == data


def test_config_file_changes_ingest(tmp_path: Path, db_url: str) -> None:
    """Settings from --config reach the ingest (here: a tiny size limit)."""
    cfg = tmp_path / "small.yaml"
    cfg.write_text("ingest:\n  max_file_mb: 0.0001\n")
    story = tmp_path / "s.txt"
    story.write_text(c.MANIFEST_TEXT * 5)
    result = run("ingest", str(story), "--db", db_url, "--config", str(cfg),
                 "-f", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["outcomes"][0]["code"] == "too_large"


@pytest.mark.parametrize(("content", "expect"), [
    ("ingest:\n  max_file_mb: -3\n", "ingest.max_file_mb"),
    ("ingest:\n  max_fil_mb: 3\n", "ingest.max_fil_mb"),
    ("ingest:\n  max_file_mb: [1,\n", "line "),
    ("- just\n- a list\n", "mapping"),
])
def test_bad_config_file_is_plain_error(tmp_path: Path, content: str, expect: str) -> None:
    """A bad config gives error[config_invalid] naming the file and the field or line; exit 2."""
    cfg = tmp_path / "broken.yaml"
    cfg.write_text(content)
    result = run("documents", "--db", str(tmp_path / "d.db"), "--config", str(cfg))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    flat = " ".join(result.stderr.split())
    assert "error[config_invalid]" in flat
    assert str(cfg) in result.stderr.replace("\n", "")
    assert expect in flat


def test_missing_config_file_is_plain_error(tmp_path: Path) -> None:
    """A --config path that does not exist is reported, not a traceback."""
    result = run("config", "show", "--config", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "config_invalid" in result.stderr


def test_config_from_environment(tmp_path: Path) -> None:
    """$EXITLENS_CONFIG is read when --config is absent."""
    cfg = tmp_path / "env.yaml"
    cfg.write_text("ingest:\n  shingle_words: 7\n")
    shown = run("config", "show", env={"EXITLENS_CONFIG": str(cfg)})
    assert shown.exit_code == 0
    assert yaml.safe_load(shown.stdout)["ingest"]["shingle_words"] == 7


def test_version_and_help() -> None:
    """--version prints the version; no arguments shows help instead of failing obscurely."""
    assert "exitlens 0." in run("--version").stdout
    assert "ingest" in run("--help").stdout


def test_help_paragraphs_reflow_to_the_terminal() -> None:
    """Docstrings are wrapped by hand; a command's help re-flows their paragraphs to the
    terminal's width instead of keeping every line break (orphan words at 80 columns)."""
    narrow = CliRunner().invoke(app, ["train-roles", "--help"], terminal_width=80,
                                env={"COLUMNS": "80"})
    assert narrow.exit_code == 0
    lines = [line.strip() for line in narrow.stdout.splitlines()]
    text = " ".join(lines)
    assert "added to the ones the built-in model was trained on (150 real documents" in text
    assert all(len(line) > 12 for line in lines if line and line[0].isalpha())


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE_MANIFEST.is_file(),
                    reason="bundled sample corpus (src/exitlens/data/sample_corpus) not built yet")
def test_demo_runs_on_sample_corpus(tmp_path: Path) -> None:
    """`exitlens demo --out DIR` ingests the bundled corpus into DIR with nothing failing."""
    out = tmp_path / "demo"
    result = run("demo", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert (out / "exitlens-demo.db").exists()
    flat = " ".join(result.stdout.split())
    assert "failed 0" in flat
    # the main job: the prevalence table over cases, the comparison and the report
    assert "Why they left (exit reasons)" in flat and "defector cases" in flat
    assert "Compared with the 60-narrative study" in flat
    assert re.search(r"\d+ of \d+", flat)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html and "60-narrative" in html
    for table in ("cases.csv", "prevalence_exit.csv", "promise_reality.csv", "comparison.csv"):
        assert (out / table).stat().st_size > 0
    assert f"report: {out / 'report.html'}" in flat
    # what waits for a reviewer: near misses and the people to check included (the
    # built-in role model scores every person, so possible defectors are listed)
    assert re.search(r"review: \d+ machine codings, [1-9]\d* possible missed codes", flat)
    assert re.search(r"[1-9]\d* defectors and [1-9]\d* possible defectors to check", flat)
    assert "Answer both code lists: rejecting wrong suggestions alone makes the shares " \
           "run low." in flat


# ------------------------------------------------------------------ eval / train / models

# Invented for these tests (not from any real text).
EVAL_TEXT = (
    "Tariq Haddad, a former fighter from Homs, ran away from the group in 2017. "
    '"They beheaded prisoners in the square every Friday and I could not stand it," '
    "Haddad said. He said he had joined because his friends from the football club had "
    "already gone. Analysts say money drew many recruits."
)


def _gold_file(tmp_path: Path) -> Path:
    record = {
        "id": "cli-eval-1", "kind": "news", "title": "An invented account", "text": EVAL_TEXT,
        "defectors": [{
            "ref": "d1", "name": "Tariq Haddad", "descriptor": "a former fighter from Homs",
            "gender": "m", "nationality": None, "age": None, "joined_year": None,
            "left_year": 2017, "role": "fighter", "exit_mode": "escaped", "outcome": None,
            "source_voice": "self", "exit_reasons": ["brutality"],
            "join_motives": ["join_social"],
            "evidence": [
                {"code": "brutality",
                 "quote": "They beheaded prisoners in the square every Friday"},
                {"code": "join_social",
                 "quote": "he had joined because his friends from the football club had "
                          "already gone"},
            ],
        }],
    }
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_eval_scores_reading_and_codes(tmp_path: Path) -> None:
    """`exitlens eval` runs the pipeline once and reports reading and code scores."""
    gold = _gold_file(tmp_path)
    db = tmp_path / "proj.db"
    result = run("eval", str(gold), "--db", str(db), "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["reading"]["defectors"]["tp"] == 1
    codes = data["codes"]
    assert codes["per_code"]["brutality"]["tp"] == 1
    assert set(codes["micro"]) == {"exit", "join"}
    assert "prevalence_error_pp" in codes and "macro_f1" in codes
    assert data["baseline"]["per_code"]["join_material"]["fp"] == 1  # "money" anywhere
    assert data["labels"] == "dev" and "psych_toll" not in codes["per_code"]
    assert set(data["ratio_to_baseline"]) == {"exit", "join"}
    assert "classifier" in data["models"]
    assert "joined_year: rules + built-in model" in data["models"]["profile"]
    assert "exit_mode: rules + built-in model" in data["models"]["profile"]
    assert any(r["section"] == "codes" for r in data["reading"]["rows"])
    assert not db.exists()  # eval reads the project's models, never creates its database

    table = run("eval", str(gold), "--full-codebook")
    assert table.exit_code == 0, table.output
    assert "exit: micro" in table.stdout and "baseline" in table.stdout
    assert "full codebook" in table.stdout


def test_eval_bad_gold_is_plain_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{nope\n")
    result = run("eval", str(bad))
    assert result.exit_code == 2 and "bad_gold" in result.stderr


def test_train_from_scratch_refuses_labels_too_few_for_any_code(tmp_path: Path) -> None:
    """A version trained from scratch whose every code is below the classifier's floor
    would code nothing itself yet replace the built-in classifier as the newest version:
    refused, nothing saved; --min-defectors belongs to --from-scratch."""
    gold = _gold_file(tmp_path)
    db = tmp_path / "study.db"
    floor = run("train", str(gold), "--db", str(db), "--no-reviews", "--min-defectors", "1")
    assert floor.exit_code == 2 and "error[config_invalid]" in floor.stderr
    result = run("train", str(gold), "--db", str(db), "--no-reviews", "--from-scratch")
    assert result.exit_code == 2
    assert "error[too_few_labels]" in result.stderr
    assert "brutality, has 1" in result.stderr or "join_social, has 1" in result.stderr
    assert not list((tmp_path / "study.models").glob("classifier/*"))


def test_train_adapts_and_prints_the_held_out_comparison(tmp_path: Path) -> None:
    rows = []
    for i, (name, quote, code) in enumerate([
            ("Samir Haddad", "the emirs sold the seized wheat and kept the money", "corruption"),
            ("Yunus Kaya", "they whipped a shepherd in the square", "brutality"),
            ("Idris Malik", "the commanders took the widows' allowance", "corruption")]):
        rows.append({"id": f"cli-held-{i}", "text": f"{name}, a former fighter, said {quote}. "
                     "He left in 2016.", "defectors": [{
                         "name": name, "exit_reasons": [code], "join_motives": [],
                         "evidence": [{"code": code, "quote": quote}]}]})
    gold = tmp_path / "labels.jsonl"
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = run("train", str(gold), "--db", str(tmp_path / "study.db"), "--no-reviews")
    assert result.exit_code == 0, result.output
    assert "the built-in classifier adapted to your labels" in result.stdout
    assert "codes it moved: brutality, corruption" in result.stdout
    assert "held out on your 3 labelled documents" in result.stdout


@pytest.mark.slow
def test_train_twice_makes_two_versions_newest_active(tmp_path: Path) -> None:
    """Models live next to the database; each `train` adds a version (the first adapting
    the built-in classifier, the second from scratch); the newest is used."""
    from exitlens.coding.classifier import ClassifierCoder
    from exitlens.pipeline import PipelineContext
    from exitlens.project import Project

    gold = _gold_file(tmp_path)
    db = tmp_path / "study.db"
    first = run("train", str(gold), "--db", str(db), "--no-reviews", "-f", "json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["adapted"] is True
    with Project.open(str(db)) as project:
        before = project.analysis_fingerprint()
    # one labelled defector is below the classifier's floor: asked for all the same
    second = run("train", str(gold), "--db", str(db), "--no-reviews", "--from-scratch",
                 "--min-defectors", "1", "-f", "json")
    assert second.exit_code == 0, second.output
    with Project.open(str(db)) as project:  # a new model version makes documents due again
        assert project.analysis_fingerprint() != before
    v1, v2 = json.loads(first.stdout), json.loads(second.stdout)
    assert v1["version"] != v2["version"]
    assert v2["codes_learned"] == []  # every code left to the rules and embedding coders
    assert Path(v2["model_dir"]) == tmp_path / "study.models"
    assert Path(v2["thresholds"]).parent == Path(v2["classifier"])

    listed = run("models", "--db", str(db), "-f", "json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    saved = [r for r in rows if not r["builtin"]]
    assert [r["name"] for r in saved] == [v1["version"], v2["version"]]
    assert [r["active"] for r in rows] == [False, True] + [False] * (len(rows) - 2)
    assert saved[1]["training_units"] > 0 and saved[1]["codebook"] and saved[1]["created"]
    assert saved[1]["thresholds"] is True
    assert saved[1]["reason_gate"] == ["join"]  # trained with the classifier
    assert "2 saved versions" in run("models", "--db", str(db)).stdout
    assert not (tmp_path / "other.db").exists()
    assert run("models", "--db", str(tmp_path / "other.db")).exit_code == 0
    assert not (tmp_path / "other.db").exists()  # listing models never creates a database

    settings = Project.settings_for(str(db))
    coder = ClassifierCoder(PipelineContext(settings))
    assert coder.model.path is not None and coder.model.path.name == v2["version"]
    with Project.open(str(db)) as project:
        assert project.model_dir == tmp_path / "study.models"
        assert project.pipeline().settings.coding.model_dir == str(tmp_path / "study.models")


def test_model_dir_defaults() -> None:
    from exitlens.config import default_model_dir

    assert default_model_dir("sqlite:////data/a/corpus.db") == Path("/data/a/corpus.models")
    assert default_model_dir("postgresql+psycopg://u@h/db") == Path("exitlens-models")
    assert default_model_dir("sqlite:///:memory:") == Path("exitlens-models")


def test_models_accuracy_shows_the_measured_worth_of_suggestions(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    result = run("models", "--accuracy", "--db", str(db), "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["not_applicable"] is None and "cross-validation" in data["setting"]
    assert data["pairs"].startswith("The machine's (join motive, exit reason) pairs")
    codes = {row["code"]: row for row in data["codes"]}
    assert {"brutality", "join_religion"} <= set(codes)
    assert all(row["reading"] for row in codes.values())
    assert not db.exists()  # like the version list, it never creates a database

    table = run("models", "--accuracy", "--db", str(db))
    assert table.exit_code == 0 and "Measured:" in table.stdout and "brutality" in table.stdout
    assert "need both codes right" in " ".join(table.stdout.split())

    cfg = tmp_path / "rules.yaml"
    cfg.write_text("coding:\n  coders: [rules]\n")
    other = run("models", "--accuracy", "--db", str(db), "--config", str(cfg))
    assert other.exit_code == 0 and "do not describe this project's suggestions" in other.stdout
