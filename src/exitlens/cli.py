"""The ``exitlens`` command line: a thin shell over :class:`exitlens.Project`.

Each command parses options, calls the Python API and renders the result (a rich
table for people, ``--format json``/``jsonl`` for programs). Errors surface as
``error[code] where: message`` on stderr with a non-zero exit code, never as a
traceback (``--debug`` shows one, for bug reports).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from .cli_base import (
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    _state,
    app,
    cases_app,
    codebook_app,
    config_app,
    emit_json,
    emit_jsonl,
    err,
    open_project,
    out,
    user_app,
)
from .config import Settings, load_settings
from .errors import ExitlensError
from .project import Project
from .project_review import lopsided_review
from .render import (
    case_detail,
    cases_table,
    count_defectors,
    defectors_table,
    documents_table,
    progress_hooks,
    quotes_markdown,
    quotes_table,
    search_table,
)

# ------------------------------------------------------------------ ingest


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Files and folders (txt, md, html, pdf, docx, jsonl, csv manifest).",
            show_default=False,
        ),
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar (default: when a terminal)."),
    ] = None,
) -> None:
    """Add documents. Files that cannot be read are reported; the rest are kept.

    Exit code 0 when every file was read, 1 when some failed.
    """
    show = err.is_terminal if progress is None else progress
    with open_project(db, config) as project, progress_hooks(err, "ingest", show) as hooks:
        on_planned, on_file = hooks or (None, None)
        report = project.ingest(paths, on_planned=on_planned, on_file=on_file)
    if fmt is OutputFormat.json:
        emit_json(report.as_dict())
    elif fmt is OutputFormat.jsonl:
        emit_jsonl([o.as_dict() for o in report.outcomes])
    else:
        for o in report.outcomes:
            if o.status == "failed":
                err.print(
                    f"[red]failed[/red]  {escape(o.locator)}: {escape(o.message or '')} "
                    f"[dim]({o.code})[/dim]"
                )
            elif o.status == "skipped":
                err.print(
                    f"[yellow]skipped[/yellow] {escape(o.locator)}: {escape(o.message or '')}"
                )
            for note in o.notes:
                err.print(f"[cyan]note[/cyan]    {escape(o.locator)}: {escape(note)}")
            for other, score in o.near_duplicates:
                err.print(
                    f"[cyan]reprint[/cyan] {escape(o.locator)} ≈ document {other} "
                    f"(similarity {score:.2f})"
                )
        summary = report.as_dict()
        out.print(
            f"added {summary['added']}, duplicates {summary['duplicate']}, "
            f"unchanged {summary['unchanged']}, failed {summary['failed']}, "
            f"skipped {summary['skipped']}, near-duplicate links {summary['near_duplicate_links']}"
        )
    if not report.ok:
        raise typer.Exit(1)


# ------------------------------------------------------------------ documents / search


@app.command()
def documents(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = None,
) -> None:
    """List documents with their provenance."""
    with open_project(db, config) as project:
        docs = project.documents(limit=limit)
    if fmt is OutputFormat.json:
        emit_json([d.as_dict() for d in docs])
        return
    if fmt is OutputFormat.jsonl:
        emit_jsonl([d.as_dict() for d in docs])
        return
    out.print(documents_table(docs))
    out.print(f"{len(docs)} documents")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "a phrase", OR, NOT, prefix*.')],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[int, typer.Option(help="Maximum hits.")] = 20,
) -> None:
    """Full-text search over document titles and texts."""
    with open_project(db, config) as project:
        hits = project.search(query, limit=limit)
    if fmt is OutputFormat.json:
        emit_json([h.as_dict() for h in hits])
        return
    if fmt is OutputFormat.jsonl:
        emit_jsonl([h.as_dict() for h in hits])
        return
    out.print(search_table(hits))
    out.print(f"{len(hits)} hits")


# ------------------------------------------------------------------ extract / analyze


@app.command()
def extract(
    paths: Annotated[
        list[Path], typer.Argument(help="Files and folders to read.", show_default=False)
    ],
    config: ConfigOption = None,
    fmt: Annotated[
        OutputFormat,
        typer.Option("--format", "-f", help="jsonl (SPEC §3 records) or json (one list)."),
    ] = OutputFormat.jsonl,
) -> None:
    """Run the pipeline on files without a database; print SPEC §3 records.

    Exit code 0 when every file was read, 1 when some could not be (they are reported on
    stderr and the others still processed).
    """
    from .extract import extract as run_extract

    # No database is opened; the default project's trained models (if any) are used.
    settings = Project.settings_for(None, config)
    problems: list[str] = []

    def on_problem(o: Any) -> None:
        problems.append(o.locator)
        message = escape(o.message or "")
        err.print(f"[red]failed[/red] {escape(o.locator)}: {message} [dim]({o.code})[/dim]")

    def on_note(source: str, note: dict[str, str]) -> None:
        # Names the file and the language only: never document text.
        line = f"warning[{note['code']}] {source}: {note['message']}"
        err.print(f"[yellow]{escape(line)}[/yellow]")

    records = run_extract(paths, settings, on_problem, on_note)
    if fmt is OutputFormat.json:
        emit_json(list(records))
    else:
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            sys.stdout.flush()
    if problems:
        raise typer.Exit(1)


@app.command()
def analyze(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    limit: Annotated[int | None, typer.Option(help="Analyse at most this many documents.")] = None,
    progress: Annotated[
        bool | None,
        typer.Option("--progress/--no-progress", help="Progress bar (default: when a terminal)."),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="Run on a Dask cluster: local:N (N local worker processes) "
                     "or a scheduler address such as tcp://host:8786. Workers read the "
                     "documents from the database themselves."),
    ] = None,
) -> None:
    """Run the pipeline over every document not yet analysed with the current settings.

    Results are stored per document as each finishes: an interrupted run resumes where
    it stopped when started again.
    """
    show = err.is_terminal if progress is None else progress
    with open_project(db, config) as project, progress_hooks(err, "analyze", show) as hooks:
        on_planned, on_document = hooks or (None, None)
        report = project.analyze(limit=limit, on_planned=on_planned, on_document=on_document,
                                 dask=dask)
        status = project.analysis_status()
    if fmt is not OutputFormat.table:
        emit_json({**report.as_dict(), **status})
    else:
        for doc_id, error in report.failed:
            err.print(f"[red]failed[/red] document {doc_id}: {escape(error)}")
        for note in report.notes:
            where = f" ({note['source']})" if note.get("source") else ""
            line = f"warning[{note['code']}] document {note['document_id']}{where}: "
            out.print(f"[yellow]{escape(line + note['message'])}[/yellow]")
        again = (f", {len(report.reread)} read again after reviewers' verdicts on people"
                 if report.reread else "")
        out.print(
            f"analysed {len(report.analysed)} documents{again} ({report.defectors} defectors); "
            f"{status['up_to_date']} of {status['documents']} documents are up to date; "
            f"{report.cases} cases"
        )
    if report.failed:
        raise typer.Exit(1)


@app.command()
def process(
    paths: Annotated[
        list[Path], typer.Argument(help="Files, folders and JSONL shards.", show_default=False)
    ],
    out_dir: Annotated[Path, typer.Option("--out", help="Output folder (new or empty; the "
                                          "same folder again resumes an unfinished run).")],
    dask: Annotated[
        str | None,
        typer.Option("--dask", help="local:N (N local worker processes) or a scheduler "
                     "address such as tcp://host:8786; without it, runs in this process."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", min=1,
                                 help="Documents per pipeline batch (default reading.batch_size).")
    ] = None,
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1,
                          help="Documents (or JSONL lines) per partition, one task each.")
    ] = 200,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Read and code files on a Dask cluster into Parquet tables and OUT/extract.jsonl.

    Load the result into a database with `exitlens load OUT`. Exit code 0 when every
    input was read, 1 when some could not be (reported on stderr).
    """
    from .analyze_steps import fingerprint
    from .config import resolve_db_url
    from .process import process as run_process

    raw = load_settings(config)
    # No database is opened; the default project's trained models (if any) are used, as
    # by `extract`.
    settings = Project.settings_for(None, raw)
    report = run_process(paths, out_dir, settings, fingerprint(raw, resolve_db_url(None)),
                         dask=dask, partition_size=partition_size, batch_size=batch_size)
    if fmt is not OutputFormat.table:
        emit_json(report.as_dict())
    else:
        for p in report.problems:
            code = f" [dim]({escape(p['code'])})[/dim]" if p.get("code") else ""
            err.print(f"[red]{escape(p['status'])}[/red] {escape(p['locator'])}: "
                      f"{escape(p.get('message') or '')}{code}")
        for f in report.failed:
            err.print(f"[red]failed[/red] {escape(f['source'] or '')}: {escape(f['error'])}")
        for note in report.notes:
            line = f"warning[{note['code']}] {note['source']}: {note['message']}"
            err.print(f"[yellow]{escape(line)}[/yellow]")
        out.print(
            f"processed {report.documents} documents ({report.defectors} defectors) in "
            f"{report.partitions} partitions on {report.workers} worker(s)"
            + (f", {report.resumed} done before" if report.resumed else "")
            + f"; {escape(str(report.out_dir / 'extract.jsonl'))}"
        )
    if any(p["status"] == "failed" for p in report.problems) or report.failed:
        raise typer.Exit(1)


@app.command()
def load(
    out_dir: Annotated[Path, typer.Argument(help="The --out folder of `exitlens process`.")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Bring the output of `exitlens process` into the database (loading twice adds nothing)."""
    with open_project(db, config) as project:
        report = project.load(out_dir)
        current = project.analysis_fingerprint()
    data = {**report.as_dict(), "fingerprint_current": report.fingerprint == current}
    if fmt is not OutputFormat.table:
        emit_json(data)
        return
    out.print(
        f"documents added {report.documents_added}, new sources of stored texts "
        f"{report.duplicates}, already loaded {report.unchanged}; readings stored "
        f"{report.readings_stored}, kept {report.readings_kept}; {report.cases} cases"
    )
    if not data["fingerprint_current"]:
        line = ("warning[fingerprint_differs] the run used other settings or models than "
                "this database's; `exitlens analyze` would read these documents again")
        err.print(f"[yellow]{escape(line)}[/yellow]")


@app.command()
def defectors(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the defectors found by the current analysis, with their profiles (SPEC §3)."""
    with open_project(db, config) as project:
        records = list(project.records())
    if fmt is OutputFormat.jsonl:
        emit_jsonl(records)
        return
    if fmt is OutputFormat.json:
        emit_json(records)
        return
    out.print(defectors_table(records))
    out.print(f"{count_defectors(records)} defectors")


# ------------------------------------------------------------------ cases


def _case_rows(project: Project) -> list[dict[str, Any]]:
    frame = project.cases()
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


@cases_app.callback()
def cases_list(
    ctx: typer.Context,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List the cases (one real defector across documents) with sources and flags."""
    if ctx.invoked_subcommand is not None:
        return
    with open_project(db, config) as project:
        rows = _case_rows(project)
    if fmt is OutputFormat.jsonl:
        emit_jsonl(rows)
    elif fmt is OutputFormat.json:
        emit_json(rows)
    else:
        out.print(cases_table(rows))
        several = sum(r["n_sources"] > 1 for r in rows)
        out.print(f"{len(rows)} cases, {several} with several sources")


@cases_app.command("show")
def cases_show(
    case_id: Annotated[int, typer.Argument(help="Case id (see `exitlens cases`).")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One case: profile, sources, merge reasons, credibility flags, codes with evidence."""
    with open_project(db, config) as project:
        case = project.case(case_id)
    if fmt is not OutputFormat.table:
        emit_json(case)
        return
    for part in case_detail(case):
        out.print(part)


@cases_app.command("merge")
def cases_merge(
    case_a: Annotated[int, typer.Argument(help="The case to keep.")],
    case_b: Annotated[int, typer.Argument(help="The case to merge into it.")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Merge two cases by hand (logged; survives re-analysis)."""
    with open_project(db, config) as project:
        merged = project.merge_cases(case_a, case_b)
    if fmt is not OutputFormat.table:
        emit_json({"case_id": merged, "merged": [case_a, case_b]})
    else:
        out.print(f"merged cases {case_a} and {case_b} into case {merged}")


@cases_app.command("split")
def cases_split(
    case_id: Annotated[int, typer.Argument(help="The case to split.")],
    document_id: Annotated[int, typer.Argument(help="The document whose person leaves it.")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Take one document's person out of a case into a new case (logged; survives
    re-analysis)."""
    with open_project(db, config) as project:
        new_id = project.split_case(case_id, document_id)
    if fmt is not OutputFormat.table:
        emit_json({"case_id": case_id, "document_id": document_id, "new_case_id": new_id})
    else:
        out.print(f"document {document_id} split from case {case_id} into case {new_id}")


@cases_app.command("resolve")
def cases_resolve(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Rebuild the cases from the current analyses (manual merges and splits re-applied)."""
    with open_project(db, config) as project:
        summary = project.resolve_cases()
    if fmt is not OutputFormat.table:
        emit_json(summary)
    else:
        out.print(f"{summary['cases']} cases from {summary['defectors']} defectors, "
                  f"{summary['multi_source']} with several sources")


# ------------------------------------------------------------------ config


@config_app.command("defaults")
def config_defaults() -> None:
    """Print the default settings as YAML (save as exitlens.yaml and edit)."""
    sys.stdout.write(Settings().to_yaml())


@config_app.command("show")
def config_show(config: ConfigOption = None) -> None:
    """Print the settings in effect (defaults merged with the config file)."""
    sys.stdout.write(load_settings(config).to_yaml())


# ------------------------------------------------------------------ codebook / train


@codebook_app.command("show")
def codebook_show(
    path: Annotated[
        Path | None,
        typer.Argument(help="Codebook YAML (default: the configured one, else the built-in)."),
    ] = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
    db: Annotated[str | None, typer.Option(
        "--db", help="Show this project's codebook (the newest stored version, else the "
        "configured one).")] = None,
) -> None:
    """Print the codebook: dimensions, families, codes and their definitions."""
    from .coding.codebook import Codebook, load_codebook

    codebook: Codebook
    if path is None and db is not None:
        with open_project(db, config) as project:
            codebook = project.codebook()
    else:
        codebook = load_codebook(path or load_settings(config).coding.codebook)
    if fmt is OutputFormat.table:
        sys.stdout.write(codebook.as_table() + "\n")
    elif fmt is OutputFormat.json:
        emit_json(codebook.as_rows())
    else:
        emit_jsonl(codebook.as_rows())


@codebook_app.command("validate")
def codebook_validate(
    path: Annotated[Path, typer.Argument(help="Codebook YAML to check.")],
) -> None:
    """Check a codebook file; errors name the line. Exit code 2 when invalid."""
    from .coding.codebook import load_codebook

    codebook = load_codebook(path)
    out.print(f"{escape(str(path))}: valid, {len(codebook)} codes")


@codebook_app.command("use")
def codebook_use(
    path: Annotated[Path, typer.Argument(help="Codebook YAML to make the project's codebook.")],
    force: Annotated[bool, typer.Option(
        "--force", help="Store it even though codings use codes it lacks.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Store a codebook in the project database as its new version (the newest is in use;
    every document becomes due for `exitlens analyze`). Refused when codings use codes it
    lacks (error[codebook_mismatch]) unless --force."""
    with open_project(db, config) as project:
        stored = project.store_codebook(path, force=force)
    out.print(f"codebook version {stored['version']} stored ({stored['codes']} codes, "
              f"from {escape(stored['source'])})")


@codebook_app.command("versions")
def codebook_versions_command(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The codebook versions stored in the project (the last one is in use; none: the
    configured or built-in codebook)."""
    with open_project(db, config) as project:
        rows = project.codebook_versions()
    if fmt is OutputFormat.json:
        emit_json(rows)
    elif fmt is OutputFormat.jsonl:
        emit_jsonl(rows)
    elif not rows:
        out.print("no codebook stored in this project: it uses the configured or built-in one")
    else:
        for row in rows:
            out.print(f"{row['version']}  {escape(row['created_at'][:19])}  "
                      f"{escape(row['actor'])}  {escape(row['source'])}  {row['sha256'][:12]}")


@app.command()
def train(
    gold: Annotated[
        list[Path],
        typer.Argument(
            help="SPEC §4 labelled JSONL files (may be empty when training from reviews)."
        ),
    ] = [],  # noqa: B006
    db: DbOption = None,
    config: ConfigOption = None,
    from_reviews: Annotated[
        bool,
        typer.Option(
            "--from-reviews/--no-reviews",
            help="Also learn from accepted/rejected codings in the database.",
        ),
    ] = True,
    name: Annotated[str | None, typer.Option(help="Version name (default: timestamped).")] = None,
    reviewed: Annotated[
        bool,
        typer.Option(
            "--reviewed",
            help="Learn from reviewed codings alone (accepted = positive, rejected = "
            "negative for that code); no labelled file needed.",
        ),
    ] = False,
    from_scratch: Annotated[
        bool,
        typer.Option(
            "--from-scratch",
            help="Train on your labels and reviews alone instead of adapting the built-in "
            "classifier. Refused (too_few_labels / too_few_reviews) until one code has 10 "
            "labelled or reviewed defectors.",
        ),
    ] = False,
    held_out: Annotated[
        bool,
        typer.Option("--held-out/--no-held-out",
                     help="Score the adapted recipe on your labelled documents, each with a "
                          "version adapted without it (grouped folds; about a second per "
                          "document)."),
    ] = True,
    min_defectors: Annotated[
        int | None,
        typer.Option("--min-defectors", min=1,
                     help="With --from-scratch: refuse unless one code has this many "
                          "labelled or reviewed defectors (default 10, the classifier's "
                          "floor: below it a version codes nothing itself)."),
    ] = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Save a new classifier version learned from your labels and reviews.

    By default the built-in classifier is adapted to them: each code's weights are refitted
    on your labelled sentences (and accepted or rejected codings) while being held near the
    built-in ones, so a few labelled documents move it a little and many move it more;
    codes you never label keep the built-in weights. Measured with each real labelled set
    played as a project's own (`benchmarks/bench_classifier_adapt.py`). `--from-scratch`
    trains on your labels alone (refused until one code has 10 labelled defectors).

    Each run saves a new version in the project's model folder (next to the database,
    or `coding.model_dir`); the newest is used unless `coding.classifier_model` names one
    (`classifier-builtin` for the built-in). Every run starts again from the built-in
    classifier with all the labels given, and prints how the built-in coders and versions
    adapted without each labelled document did on it (`--no-held-out` skips that).
    """
    if min_defectors is not None and not from_scratch:
        raise ExitlensError("--min-defectors applies to --from-scratch (adapting the "
                            "built-in classifier has no floor)", code="config_invalid")
    with open_project(db, config) as project:
        if reviewed:
            if gold:
                raise ExitlensError("--reviewed trains from the database's reviews alone; "
                                    "drop the files or the flag", code="config_invalid")
            report = project.train_from_reviews(name=name, min_defectors=min_defectors,
                                                from_scratch=from_scratch)
        else:
            report = project.train(gold, from_reviews=from_reviews, name=name,
                                   min_defectors=min_defectors, from_scratch=from_scratch,
                                   held_out=held_out)
        model_dir = project.model_dir
    if fmt is not OutputFormat.table:
        emit_json({**report, "model_dir": str(model_dir)})
        return
    out.print(f"classifier saved: {escape(str(report['classifier']))}")
    if report.get("adapted"):
        adapted = report.get("codes_adapted") or []
        out.print("the built-in classifier adapted to your labels; codes it moved: "
                  f"{escape(', '.join(adapted)) or 'none'} (the others keep the built-in "
                  "weights)")
        unknown = report.get("codes_unknown_to_builtin") or []
        if unknown:
            out.print(f"[yellow]codes of your codebook the built-in classifier does not know "
                      f"(left to the rules and embedding coders; --from-scratch can learn "
                      f"them): {escape(', '.join(unknown))}[/]")
        held = report.get("held_out")
        if held:
            out.print(
                f"held out on your {held['documents']} labelled documents (each one's "
                "labelled defectors coded from their evidence sentences by a version adapted "
                "without it): micro-F1 exit "
                f"{held['exit']['builtin']:.3f} built-in → {held['exit']['adapted']:.3f} "
                f"adapted, join {held['join']['builtin']:.3f} → "
                f"{held['join']['adapted']:.3f}")
            if all(held[d]["adapted"] < held[d]["builtin"] for d in ("exit", "join")):
                out.print("[yellow]the built-in coders did better on your documents: set "
                          "coding.classifier_model to classifier-builtin to keep them[/]")
    else:
        out.print("codes it learned (10 or more labelled defectors): "
                  f"{escape(', '.join(report.get('codes_learned') or [])) or 'none'}; the "
                  "others are left to the rules and embedding coders")
    if "reviewed" in report:
        r = report["reviewed"]
        out.print(f"learned from {r['accepted']} accepted and {r['rejected']} rejected codings "
                  f"in {r['documents']} documents")
    if "thresholds" in report:
        out.print(f"thresholds saved: {escape(str(report['thresholds']))}")


@app.command("train-roles")
def train_roles(
    gold: Annotated[list[Path], typer.Argument(help="SPEC §4 labelled JSONL files.")],
    out_path: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the role model (JSON).")
    ],
    own_only: Annotated[
        bool, typer.Option("--own-only", help="Train on your files alone, without the "
                                              "people the built-in model was trained on.")
    ] = False,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Train the learned role model that may promote undecided people to defector.

    Your labelled people are added to the ones the built-in model was trained on (150
    real documents, shipped as numbers only) unless `--own-only`. Each of your documents
    is scored by a model fitted without it, and per file the defector F1 of the rules
    alone, of the built-in model and of the model with your labels is printed; the
    promotion threshold is fixed (0.5: a threshold chosen on held-out scores was noise).
    Point `reading.role_model` at the written file to use it.
    """
    from .reading.role_training import save_role_model, train_role_model

    settings = Project.settings_for(None, config)
    report = train_role_model([str(g) for g in gold], settings, builtin=not own_only)
    path = save_role_model(report.model, out_path)
    if fmt is not OutputFormat.table:
        emit_json({"path": str(path), "examples": report.examples,
                   "positives": report.positives, "threshold": report.model.threshold,
                   "trained_on": list(report.model.trained_on),
                   "per_file": report.per_file})
        return
    out.print(f"role model saved: {escape(str(path))} ({report.examples} people, "
              f"{report.positives} defectors; threshold {report.model.threshold:.2f}; "
              f"trained on {escape(', '.join(report.model.trained_on))})")
    for row in report.per_file:
        builtin = (f"built-in model {row['builtin_f1']:.3f}, " if "builtin_f1" in row
                   else "")
        out.print(f"  {escape(str(row['file']))}, each document held out: defector F1 "
                  f"rules {row['rules_f1']:.3f}, {builtin}"
                  f"with your labels {row['with_model_f1']:.3f}")


@app.command("train-profile")
def train_profile(
    gold: Annotated[list[Path], typer.Argument(help="SPEC §4 labelled JSONL files.")],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write the field models (JSON) to.")
    ],
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Train the learned profile fields (joining year, exit mode) on your labelled files.

    Each fills its field where the profile rules find nothing; thresholds are chosen by
    grouped cross-validation inside the files. Point `reading.year_model` and
    `reading.exit_mode_model` at the written files to use them.
    """
    from .gold import load_gold
    from .reading.profile_training import train_field_models

    settings = Project.settings_for(None, config)
    records = [r for g in gold for r in load_gold(g)]
    rows = train_field_models(records, out_dir, settings, trained_on=[g.name for g in gold])
    if fmt is not OutputFormat.table:
        emit_json({"models": rows})
        return
    for row in rows:
        out.print(f"{row['field']} model saved: {escape(row['path'])} ({row['defectors']} "
                  f"matched defectors, {row['labelled']} labelled; threshold "
                  f"{row['threshold']:.2f}; set {row['setting']})")


@app.command()
def models(
    accuracy: Annotated[bool, typer.Option(
        "--accuracy", help="Instead: what the built-in models' unreviewed suggestions were "
        "measured to be worth per code on real pages (precision, recall, a plain reading).")]
    = False,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """List trained classifier versions (date, training size, codebook hash) and the active one."""
    from .coding.classifier import version_rows

    if accuracy:
        _measured_accuracy(db, config, fmt)
        return
    settings = Project.settings_for(db, config)  # reads the model folder, not the database
    model_dir = settings.coding.model_dir
    rows = version_rows(model_dir, settings.coding.classifier_model)
    if fmt is OutputFormat.json:
        emit_json(rows)
        return
    if fmt is OutputFormat.jsonl:
        emit_jsonl(rows)
        return
    table = Table("active", "version", "created", "units", "docs", "codebook", "codes",
                  "thresholds", "gate", "note")
    for r in rows:
        table.add_row(
            "*" if r["active"] else "",
            escape(str(r["name"])) + (" (built-in)" if r["builtin"] else ""),
            str(r["created"] or ""),
            str(r["training_units"] if r["training_units"] is not None else ""),
            str(r["training_documents"] if r["training_documents"] is not None else ""),
            escape(str(r["codebook"] or "")),
            str(r["trained_codes"]),
            "yes" if r["thresholds"] else "",
            escape(", ".join(r["reason_gate"])),
            escape(str(r["note"] or "")[:60]),
        )
    out.print(table)
    saved = sum(not r["builtin"] for r in rows)
    out.print(f"{saved} saved versions in {escape(str(model_dir))}")


def _measured_accuracy(db: str | None, config: Path | None, fmt: OutputFormat) -> None:
    from .coding.codebook import load_codebook
    from .coding.measured import measured_frame

    # Like the version list: read from the settings and model folder, never the database.
    settings = Project.settings_for(db, config)
    frame = measured_frame(settings, load_codebook(settings.coding.codebook))
    reason = frame.attrs["not_applicable"]
    if fmt is not OutputFormat.table:
        rows = frame.to_dict("records")
        if fmt is OutputFormat.json:
            emit_json({"setting": frame.attrs["setting"], "not_applicable": reason,
                       "defectors": frame.attrs["defectors"],
                       "profile": frame.attrs["profile"], "pairs": frame.attrs["pairs"],
                       "codes": rows})
        else:
            emit_jsonl(rows)
        return
    def cell(*values: Any) -> str:
        return " / ".join("–" if v is None else f"{v:.2f}" for v in values)

    table = Table("code", "dimension", "labelled (all / unseen)", "precision", "recall",
                  "reading")
    for r in frame.to_dict("records"):
        table.add_row(escape(r["code"]), r["dimension"],
                      f"{r['support']} / {r['unseen_support']}",
                      cell(r["precision"], r["unseen_precision"]),
                      cell(r["recall"], r["unseen_recall"]), escape(r["reading"]))
    out.print(table)
    out.print(escape(f"Measured: {frame.attrs['setting']}."))
    out.print(escape(f"{frame.attrs['defectors_text']}."))
    for text in sorted(t for t in frame.attrs["profile"].values() if t):
        out.print(escape(f"{text}."))
    if frame.attrs["pairs"]:
        out.print(escape(f"{frame.attrs['pairs']}."))
    if reason:
        out.print(escape(f"These figures do not describe this project's suggestions: {reason}."))


# ------------------------------------------------------------------ eval


@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Argument(help="SPEC §4 labelled JSONL file.")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table or json.")
    ] = OutputFormat.table,
    dev_labels: Annotated[
        bool,
        typer.Option(
            "--dev-labels/--full-codebook",
            help="Score the annotated sets' code subset, folding the other default codes "
            "into them as LABELING.md says (default), or every code of the codebook as is.",
        ),
    ] = True,
) -> None:
    """Score the pipeline (reading and coding, one run) against SPEC §4 gold records.

    Uses the models of the project given by --db (its model folder) without opening the
    database. Code figures are held-out only if those models never saw these records.
    """
    from .evaluation import evaluate
    from .gold import load_gold

    settings = Project.settings_for(db, config)
    records = load_gold(gold)
    report = evaluate(records, settings, dev_labels=dev_labels)
    if fmt is OutputFormat.table:
        sys.stdout.write(report.format_table() + "\n")
    else:
        emit_json(report.to_json())


# ------------------------------------------------------------------ demo


class StatsBy(StrEnum):
    code = "code"
    family = "family"
    dimension = "dimension"


class DenominatorChoice(StrEnum):
    all = "all"
    any_exit = "any-exit"


class BreakdownChoice(StrEnum):
    nationality = "nationality"
    region = "region"
    gender = "gender"
    year_left = "year_left"
    outlet_kind = "outlet_kind"


class StatsFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


AcceptedOnlyOption = Annotated[bool, typer.Option(
    "--accepted-only", help="Count reviewed (accepted) codings only; by default accepted "
    "codings plus unreviewed suggestions are counted (rejected ones never).")]
DenominatorOption = Annotated[DenominatorChoice, typer.Option(
    "--denominator", help="n = all defector cases, or only those whose account gives any "
    "exit reason.")]
FlagOption = Annotated[list[str] | None, typer.Option(
    "--flag", help="Count only cases with this credibility flag (writer_doubts, "
    "sources_disagree, court_or_custody); repeatable.")]
ExcludeFlagOption = Annotated[list[str] | None, typer.Option(
    "--exclude-flag", help="Leave out cases with this credibility flag (the table says how "
    "many); repeatable.")]
ReferenceOption = Annotated[str | None, typer.Option(
    "--reference", help="A reference table (YAML/CSV with key, k, n, source) to compare "
    "with; `sixty-narratives` is the bundled table of the 60-narrative study.")]


def _count_options(accepted_only: bool, denominator: DenominatorChoice,
                   flag: list[str] | None, exclude_flag: list[str] | None) -> dict[str, Any]:
    return {"accepted_only": accepted_only,
            "denominator": denominator.value.replace("-", "_"),
            "include_flags": flag or None, "exclude_flags": exclude_flag or None}


def _emit_table(frame: Any, fmt: StatsFormat, columns: list[str] | None,
                render: Any) -> None:
    from .statistics import rows

    if fmt is StatsFormat.json:
        emit_json(rows(frame, columns))
    elif fmt is StatsFormat.csv:
        sys.stdout.write(frame[columns or list(frame.columns)].to_csv(index=False))
    else:
        out.print(render)
        if "denominator" in frame.attrs:
            out.print(escape(frame.attrs["denominator"]))


@app.command()
def stats(
    by: Annotated[StatsBy, typer.Option("--by", help="Count per code, family or dimension.")]
    = StatsBy.code,
    dimension: Annotated[str | None, typer.Option(
        "--dimension", help="Only this codebook dimension (exit, join, barrier).")] = None,
    breakdown: Annotated[BreakdownChoice | None, typer.Option(
        "--breakdown", help="One block per group, each with its own n.")] = None,
    inferred: Annotated[bool, typer.Option(
        "--inferred", help="With --breakdown nationality or region: group cases by a "
        "nationality only inferred from the page's country too (default: unknown).")]
    = False,
    matrix: Annotated[bool, typer.Option(
        "--matrix", help="The promise-versus-reality table: join motive × exit reason.")]
    = False,
    cooccurrence: Annotated[bool, typer.Option(
        "--cooccurrence", help="Cases citing each pair of codes of --dimension (default exit).")]
    = False,
    reference: ReferenceOption = None,
    accepted_only: AcceptedOnlyOption = False,
    denominator: DenominatorOption = DenominatorChoice.all,
    flag: FlagOption = None,
    exclude_flag: ExcludeFlagOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")]
    = StatsFormat.table,
) -> None:
    """Prevalence over defector cases: k of n, share and Wilson 95 % interval (SPEC §6)."""
    from .render import comparison_table, matrix_table, prevalence_table
    from .statistics import SPEC_ROW, counts_text

    if inferred and (breakdown is None or breakdown.value not in ("nationality", "region")):
        raise ExitlensError("--inferred applies to --breakdown nationality or region (only a "
                            "nationality is ever inferred from the page)", code="config_invalid")
    options = _count_options(accepted_only, denominator, flag, exclude_flag)
    with open_project(db, config) as project:
        if matrix:
            options.pop("denominator")
            long = project.promise_reality(**options)
            _emit_table(long, fmt, None, matrix_table(
                long, title="Promise versus reality: joined for (rows), left over (columns)"))
            if fmt is StatsFormat.table and not accepted_only:
                measured = project.measured_accuracy().attrs
                if not measured["not_applicable"] and measured.get("pairs"):
                    out.print(escape(f"Measured: {measured['pairs']}."))
        elif cooccurrence:
            options.pop("denominator")
            pairs = project.cooccurrence(dimension=dimension or "exit", **options)
            _emit_table(pairs, fmt, None, _cooccurrence_table(pairs))
        elif reference:
            table = project.compare_reference(reference, **options)
            _emit_table(table, fmt, None, comparison_table(
                table, title="Compared with the reference table"))
            if fmt is StatsFormat.table:
                out.print(escape(f"{table.attrs.get('test', '')}; "
                                 f"{table.attrs.get('interval', '')}"))
        elif breakdown:
            table = project.prevalence(by=by.value, dimension=dimension,
                                       breakdown=breakdown.value, inferred=inferred,
                                       **options)
            _emit_table(table, fmt, ["group", *SPEC_ROW], prevalence_table(
                table, title=f"Prevalence by {by.value}, per {breakdown.value}", group=True))
            if fmt is StatsFormat.table:
                for group, line in table.attrs.get("denominators", {}).items():
                    out.print(escape(f"{group}: {line}"))
        else:
            table = project.prevalence(by=by.value, dimension=dimension, **options)
            _emit_table(table, fmt, list(SPEC_ROW), prevalence_table(
                table, title=f"Prevalence by {by.value}"))
            if fmt is StatsFormat.table:
                out.print(escape(counts_text(table)))
        warning = lopsided_review(project.code_checks())
        if warning:  # on stderr, so CSV and JSON output stays clean
            err.print(f"[yellow]Shares may run low: {escape(warning)}.[/yellow]")


def _cooccurrence_table(pairs: Any) -> Table:
    table = Table("code", "with", "cases citing both", "citing the first", "citing the second",
                  "n", title="Code co-occurrence (cases)")
    for r in pairs.to_dict(orient="records"):
        table.add_row(escape(str(r["key_a"])), escape(str(r["key_b"])), str(r["k"]),
                      str(r["k_a"]), str(r["k_b"]), str(r["n"]))
    return table


RedactOption = Annotated[bool, typer.Option(
    "--redact", help="Replace names, kunyas, aliases, exact ages and small places with "
    "pseudonyms (offsets recomputed).")]
SaltOption = Annotated[str | None, typer.Option(
    "--salt", help="Secret that makes --redact pseudonyms reproducible (default: random, so "
    "two exports cannot be linked).")]


@app.command()
def report(
    output: Annotated[Path, typer.Option("--output", "-o", help="The HTML file to write.")],
    reference: ReferenceOption = None,
    title: Annotated[str, typer.Option("--title", help="The report's title.")]
    = "exitlens report",
    accepted_only: AcceptedOnlyOption = False,
    denominator: DenominatorOption = DenominatorChoice.all,
    flag: FlagOption = None,
    exclude_flag: ExcludeFlagOption = None,
    redact: RedactOption = False,
    salt: SaltOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the self-contained, printable HTML report (charts inline, no script)."""
    options = _count_options(accepted_only, denominator, flag, exclude_flag)
    with open_project(db, config) as project:
        path = project.report(output, reference=reference, title=title, redact=redact,
                              salt=salt, **options)
    out.print(f"report written: {escape(str(path))}")


@app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="A REFI-QDA project (.qdpx) or codebook (.qdc).")],
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Import a REFI-QDA project or codebook (NVivo, ATLAS.ti, MAXQDA, QualCoder, exitlens):
    sources become documents, codes merge into the project codebook, selections become
    codings. One transaction: on any error nothing is imported."""
    with open_project(db, config) as project:
        report = project.import_refi(path)
    data = report.as_dict()
    if fmt is not OutputFormat.table:
        emit_json(data)
        return
    out.print(f"imported {escape(str(path))} ({report.kind}"
              + (f", written by {escape(report.origin)}" if report.origin else "") + ")")
    out.print(f"  documents: {len(report.documents_added)} added, "
              f"{len(report.documents_reused)} already stored")
    out.print(f"  codes: {report.codes_matched} matched, {len(report.codes_added)} added"
              + (f" ({escape(', '.join(report.codes_added))}); codebook version "
                 f"{report.codebook_version} stored" if report.codes_added else ""))
    out.print(f"  codings: {report.codings_added} added, {report.codings_present} already "
              "present" + ("; by " + escape(", ".join(f"{k} {v}" for k, v in
                                                      sorted(report.coders.items())))
                           if report.coders else ""))
    for label, counts in (("kept", report.kept), ("skipped", report.skipped)):
        for what, n in sorted(counts.items()):
            out.print(f"  {label}: {n} {escape(what)}")
    for note in report.notes:
        out.print(f"  note: {escape(note)}")


# ------------------------------------------------------------------ sharing


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    json = "json"
    qdpx = "qdpx"
    qdc = "qdc"


class QuotesFormat(StrEnum):
    table = "table"
    csv = "csv"
    md = "md"
    json = "json"


@app.command()
def export(
    output: Annotated[Path, typer.Option(
        "--output", "-o", help="A folder for csv/parquet, a file for json/qdpx/qdc.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="Export format.")],
    redact: RedactOption = False,
    salt: SaltOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Export the project: tables (csv/parquet folder, json file) with the case x code
    matrix and codebook.md, or a REFI-QDA project (qdpx) / codebook (qdc)."""
    with open_project(db, config) as project:
        path = project.export(output, format=fmt.value, redact=redact, salt=salt)
    out.print(f"{fmt.value} export written{' (redacted)' if redact else ''}: "
              f"{escape(str(path))}")


@app.command()
def quotes(
    code: Annotated[str | None, typer.Option("--code", help="Only this code (and its "
                                             "children).")] = None,
    query: Annotated[str | None, typer.Option("--query", "-q", help='Full-text search: '
                                              'words, "a phrase", OR, NOT, prefix*.')] = None,
    semantic: Annotated[bool, typer.Option(
        "--semantic", help="Rank by meaning (MiniLM similarity to --query).")] = False,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many rows.")] = 50,
    fmt: Annotated[QuotesFormat, typer.Option("--format", "-f", help="Output format.")]
    = QuotesFormat.table,
    redact: RedactOption = False,
    salt: SaltOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The quote bank: the evidence behind each code and the defectors' quotes, accepted
    first, then by confidence; with speaker, case, source, outlet, date and span."""
    with open_project(db, config) as project:
        frame = project.quotes(code=code, query=query, semantic=semantic, limit=limit,
                               redact=redact, salt=salt)
    frame = frame.astype(object).where(frame.notna(), None)
    if fmt is QuotesFormat.json:
        emit_json(frame.to_dict(orient="records"))
    elif fmt is QuotesFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt is QuotesFormat.md:
        sys.stdout.write(quotes_markdown(frame.to_dict(orient="records")))
    else:
        out.print(quotes_table(frame.to_dict(orient="records")))
        out.print(f"{len(frame)} rows")


@app.command()
def demo(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the demo database and outputs.")
    ] = Path("exitlens-demo"),
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the pipeline on the bundled sample corpus (fictional composites)."""
    from .demo import run_demo

    run_demo(out_dir, db, config, out, err)


# ------------------------------------------------------------------ review web app
class RoleChoice(StrEnum):
    admin = "admin"
    coder = "coder"
    viewer = "viewer"


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, '.', '_', '-').")],
    role: Annotated[RoleChoice, typer.Option("--role", help="admin, coder or viewer.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin",
                           help="Read the password from standard input (first line).")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an account for `exitlens serve` (the password is stored as an argon2 hash)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise ExitlensError("give the password on standard input with --password-stdin",
                            code="password_required")
    with open_project(db, config) as project:
        user = project.add_user(name, role.value, password)
    out.print(f"added user {escape(user.name)} ({user.role})")


@user_app.command("list")
def user_list(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The accounts of the web app (no password hashes)."""
    with open_project(db, config) as project:
        users = project.users()
    if fmt is not OutputFormat.table:
        emit_json([u.as_dict() for u in users])
        return
    table = Table("name", "role", "active", "created")
    for u in users:
        table.add_row(escape(u.name), u.role, "yes" if u.active else "no",
                      u.created_at.strftime("%Y-%m-%d %H:%M"))
    out.print(table)


@user_app.command("deactivate")
def user_deactivate(
    name: Annotated[str, typer.Argument(help="User name.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Refuse this account's sign-ins (the last active admin cannot be deactivated)."""
    with open_project(db, config) as project:
        project.set_user_active(name, False)
    out.print(f"deactivated {escape(name)}")


@user_app.command("activate")
def user_activate(
    name: Annotated[str, typer.Argument(help="User name.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Allow a deactivated account to sign in again."""
    with open_project(db, config) as project:
        project.set_user_active(name, True)
    out.print(f"activated {escape(name)}")


@app.command()
def history(
    document: Annotated[
        int | None, typer.Option("--document", help="Only events of this document id.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="Only events by this actor.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many events.")] = 100,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The audit log (newest first): who changed what, when, with before and after."""
    with open_project(db, config) as project:
        events = project.history(document_id=document, user=user, limit=limit)
    if fmt is OutputFormat.json:
        emit_json(events)
        return
    if fmt is OutputFormat.jsonl:
        emit_jsonl(events)
        return
    table = Table("event", "when (UTC)", "who", "what", "document", "before", "after")
    for e in events:
        payload = e["payload"] or {}
        table.add_row(str(e["id"]), e["at"].replace("T", " ")[:19], escape(e["actor"]),
                      escape(e["action"] + (f" (undoes {payload['undoes']})"
                                            if payload.get("undoes") else "")),
                      str(e["entity_id"]) if e["entity"] == "document" else "",
                      escape(_brief(payload.get("before"))), escape(_brief(payload.get("after"))))
    out.print(table)


@app.command()
def verdicts(
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")]
    = StatsFormat.table,
) -> None:
    """Reviewers' standing verdicts on people: whom they ruled out as defectors (and why,
    where they said), whom they called defectors the machine did not, and where they
    agreed with the machine."""
    with open_project(db, config) as project:
        frame = project.person_verdicts()
    frame = frame.assign(at=frame["at"].map(lambda t: t.isoformat(timespec="seconds")))
    frame = frame.astype(object).where(frame.notna(), None)
    if fmt is StatsFormat.json:
        emit_json(frame.to_dict(orient="records"))
    elif fmt is StatsFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        table = Table("document", "person", "machine", "reviewer's verdict", "why", "who",
                      "when (UTC)")
        for r in frame.to_dict(orient="records"):
            table.add_row(str(r["document_id"]), escape(str(r["person"] or "")),
                          r["machine"].replace("_", " "), r["verdict"].replace("_", " "),
                          escape(r["reason_label"] or ""), escape(r["reviewer"]),
                          r["at"].replace("T", " ")[:19])
        out.print(table)
        out.print(f"{len(frame)} verdicts")


class PeopleList(StrEnum):
    defectors = "defectors"
    possible = "possible"


@app.command("to-check")
def to_check(
    which: Annotated[PeopleList, typer.Argument(
        help="defectors: those no reviewer has checked, least certain first; possible: per "
             "document the likeliest person not called a defector, strongest first.")]
    = PeopleList.defectors,
    db: DbOption = None,
    config: ConfigOption = None,
    limit: Annotated[int, typer.Option(help="List at most this many.")] = 50,
    fmt: Annotated[StatsFormat, typer.Option("--format", "-f", help="Output format.")]
    = StatsFormat.table,
) -> None:
    """The people to check (the web app's /review/people, where verdicts are given): the
    defectors no reviewer has checked, or the possible defectors."""
    import pandas as pd

    from .store.review_views import PEOPLE_COUNT_CAP

    with open_project(db, config) as project:
        listing = project.defector_queue if which is PeopleList.defectors \
            else project.possible_defectors
        rows, total = listing(limit=limit)
    columns = ["document_id", "title", "id", "label", "role", "confidence", "score"]
    frame = pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    if fmt is StatsFormat.json:
        emit_json(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"))
    elif fmt is StatsFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        table = Table("document", "person", "read as", "confidence", "score")
        for r in rows:
            table.add_row(escape(f"{r['document_id']} {r['title'] or ''}".strip()),
                          escape(str(r["label"] or "unnamed")), r["role"].replace("_", " "),
                          f"{r['confidence']:.2f}",
                          "" if r["score"] is None else f"{r['score']:.2f}")
        out.print(table)
        out.print(f"{len(rows)} of {total:,}{'+' if total >= PEOPLE_COUNT_CAP else ''} "
                  f"{'defectors' if which is PeopleList.defectors else 'documents'} to check")


def _brief(state: Any) -> str:
    if state is None:
        return ""
    if isinstance(state, dict):
        return ", ".join(f"{k}={v}" for k, v in state.items())
    return str(state)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port.")] = 8000,
    behind_proxy: Annotated[
        bool, typer.Option("--behind-proxy",
                           help="Trust X-Forwarded-Proto/-For from a reverse proxy on this "
                                "machine (https → Secure cookies; real client addresses for "
                                "the login rate limit).")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Run the review web app (default http://127.0.0.1:8000; needs an admin account)."""
    import uvicorn

    from .web import create_app

    project = Project.open(db, settings=config, actor="web")
    if project.count_admins() == 0:
        project.close()
        raise ExitlensError(
            "no admin account: add one first with `exitlens user add NAME --role admin "
            "--password-stdin` (same --db), then run `exitlens serve` again",
            code="no_admin", where=project.url)
    if host not in ("127.0.0.1", "localhost", "::1"):
        err.print(f"[yellow]warning: serving on {escape(host)}: anyone who can reach this "
                  "address sees the sign-in page; put it behind https[/yellow]")
    out.print(f"exitlens review app on http://{escape(host)}:{port}/ (Ctrl+C stops it)")
    try:
        uvicorn.run(create_app(project), host=host, port=port, log_level="warning",
                    proxy_headers=behind_proxy, forwarded_allow_ips="127.0.0.1,::1",
                    server_header=False)
    finally:
        project.close()


# registers `codebook add|rename|move|merge|define`, `rounds …` and `agreement`
from . import cli_codebook, cli_rounds  # noqa: E402,F401


def main() -> None:
    """Console-script entry point: runs the app and turns errors into plain messages."""
    try:
        app()
    except ExitlensError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; everything committed so far is kept")
        sys.exit(130)
    except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
        if _state["debug"]:
            raise
        err.print(
            f"[red]internal error ({type(exc).__name__}): {escape(str(exc))}[/red]\n"
            "This is a bug in exitlens; rerun with --debug and report the traceback."
        )
        sys.exit(3)
