"""`exitlens rounds …`, `exitlens agreement` and `exitlens train --reviewed` from the command
line, on a tiny fictional project written into the store."""

from __future__ import annotations

import io
import json

import pandas as pd
from typer.testing import CliRunner, Result

from exitlens import Project
from exitlens.cli import app
from tests.rounds_data import add_document, span_of


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def make_db(db: str) -> tuple[str, str]:
    with Project.open(db, actor="test") as project:
        for n in range(1, 4):
            add_document(project, n, suggestions={"corruption": "rules"})
        start, end = span_of(project, 1, "the emirs kept the zakat money")
    return db, f"{start}:{end}"


def test_round_from_create_to_adjudication(db_url: str) -> None:
    db, span = make_db(db_url)
    created = run("rounds", "create", "pilot", "--documents", "1,2,3", "--coders", "ana,ben",
                  "--codes", "corruption", "--db", db, "--format", "json")
    assert created.exit_code == 0, created.output
    rid = str(json.loads(created.stdout)["id"])
    work = run("rounds", "work", rid, "--coder", "ana", "--db", db, "--format", "json")
    units = [r["unit"] for r in json.loads(work.stdout)]
    assert units == ["1/0/defector", "1/0/corruption", "2/0/defector", "2/0/corruption",
                     "3/0/defector", "3/0/corruption"]
    for coder, values in {"ana": ["yes", "present", "yes", "absent", "yes", "present"],
                          "ben": ["yes", "absent", "yes", "absent", "yes", "present"]}.items():
        for unit, value in zip(units, values, strict=True):
            extra = ["--span", span] if value == "present" and unit.startswith("1/") else []
            if value == "present" and unit.startswith("3/"):
                extra = ["--span", "10:20"]
            res = run("rounds", "decide", rid, unit, "--coder", coder, "--value", value,
                      "--db", db, *extra)
            assert res.exit_code == 0, res.output
    early = run("rounds", "agreement", rid, "--db", db)
    assert early.exit_code == 2 and "error[round_open]" in early.output
    listed = run("rounds", "list", "--db", db)
    assert "ana 6/6" in listed.stdout and "ben 6/6" in listed.stdout

    closed = run("rounds", "close", rid, "--db", db)
    assert closed.exit_code == 0, closed.output
    assert "saw the machine's suggestions" in closed.stdout
    as_json = json.loads(run("rounds", "agreement", rid, "--db", db, "--format", "json").stdout)
    by_group = {r["group"]: r for r in as_json}
    assert by_group["defector"]["percent_agreement"] == 1.0
    assert by_group["defector"]["kappa"] is None  # undefined: one value throughout
    assert abs(by_group["corruption"]["percent_agreement"] - 2 / 3) < 1e-9
    as_csv = pd.read_csv(io.StringIO(run("rounds", "agreement", rid, "--db", db,
                                         "--format", "csv").stdout))
    assert list(as_csv["group"]) == ["defector", "corruption"]
    pairs = json.loads(run("rounds", "agreement", rid, "--pairs", "--db", db,
                           "--format", "json").stdout)
    pair = next(p for p in pairs if p["group"] == "corruption")
    assert (pair["coder_a"], pair["n_both_positive"], pair["n_only_a"], pair["n_only_b"],
            pair["n_both_negative"]) == ("ana", 1, 1, 0, 1)

    split = json.loads(run("rounds", "disagreements", rid, "--db", db,
                           "--format", "json").stdout)
    assert [(r["unit"], r["ana"], r["ben"]) for r in split] == [("1/0/corruption", True, False)]
    shown = run("rounds", "show", rid, "--db", db)
    assert "status: closed" in shown.stdout and "Agreement" in shown.stdout
    adj = run("rounds", "adjudicate", rid, "1/0/corruption", "--value", "present", "--db", db)
    assert adj.exit_code == 0 and "accepted" in adj.stdout
    bad = run("rounds", "decide", rid, "1/0/corruption", "--coder", "ana", "--value", "maybe",
              "--db", db)
    assert bad.exit_code == 2 and "error[round_invalid]" in bad.output


def test_agreement_of_automatic_coders_with_reviewers(db_url: str) -> None:
    db, _ = make_db(db_url)
    with Project.open(db, actor="test") as project, project.db.session() as session:
        from sqlalchemy import update

        from exitlens.store.schema import CodingRow

        session.execute(update(CodingRow).where(CodingRow.document_id.in_([1, 2]))
                        .values(status="accepted", user="ana"))
        session.execute(update(CodingRow).where(CodingRow.document_id == 3)
                        .values(status="rejected", user="ana"))
    res = run("agreement", "--coders", "pipeline,rules", "--db", db, "--format", "json")
    assert res.exit_code == 0, res.output
    rows = {(r["coder"], r["group"]): r for r in json.loads(res.stdout)}
    pipeline = rows[("pipeline", "corruption")]
    # the pipeline suggested all three; reviewers accepted two
    assert pipeline["n_units"] == 3 and abs(pipeline["percent_agreement"] - 2 / 3) < 1e-9
    assert ("rules", "(all codes)") in rows
    assert rows[("rules", "corruption")]["n_units"] == 3
    short = json.loads(run("agreement", "--coders", "pipeline", "--summary", "--db", db,
                           "--format", "json").stdout)
    assert [(r["coder"], r["group"]) for r in short] == [("pipeline", "(all codes)")]


def test_train_reviewed_refuses_too_few(db_url: str) -> None:
    db, _ = make_db(db_url)
    res = run("train", "--reviewed", "--db", db)  # nothing accepted yet: nothing to adapt to
    assert res.exit_code == 2
    assert "error[too_few_reviews]" in res.output and "no accepted coding" in res.output
    scratch = run("train", "--reviewed", "--from-scratch", "--db", db)
    assert scratch.exit_code == 2
    assert "error[too_few_reviews]" in scratch.output
    assert "needs at least 10 defectors" in scratch.output
