"""``exitlens rounds …`` (blind coding rounds) and ``exitlens agreement`` (automatic coders
versus reviewers): thin shells over :mod:`exitlens.project_rounds` and
:mod:`exitlens.project_learning`, registered on the main app by :mod:`exitlens.cli`."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from .cli_base import (
    HELP_MARKUP,
    ConfigOption,
    DbOption,
    FormatOption,
    OutputFormat,
    _ExitlensGroup,
    app,
    emit_json,
    open_project,
    out,
)
from .errors import ExitlensError
from .project_learning import ALL_CODES

rounds_app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    help="Blind coding rounds: documents × coders, agreement, disagreements, adjudication.",
    no_args_is_help=True,
)
app.add_typer(rounds_app, name="rounds")


class TableFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


TableFormatOption = Annotated[TableFormat, typer.Option("--format", "-f",
                                                        help="Output format.")]
CoderOption = Annotated[str, typer.Option("--coder", help="Your user name in the round.")]


def parse_ids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise ExitlensError(f"document ids must be numbers separated by commas, not {text!r}",
                            code="round_invalid") from None


def parse_value(text: str) -> bool:
    value = text.strip().lower()
    if value in ("present", "yes", "y", "true", "1"):
        return True
    if value in ("absent", "no", "n", "false", "0"):
        return False
    raise ExitlensError(f"--value must be present/absent (or yes/no), not {text!r}",
                        code="round_invalid")


def parse_span(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    try:
        start, end = (int(x) for x in text.split(":"))
    except ValueError:
        raise ExitlensError(f"--span must be START:END (code points), not {text!r}",
                            code="round_invalid") from None
    return start, end


def frame_rows(frame: Any) -> list[dict[str, Any]]:
    from .statistics import rows

    return rows(frame)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    return escape(str(value))


def frame_table(frame: Any, title: str, columns: list[str] | None = None) -> Table:
    """A DataFrame as a rich table, every cell escaped (values may come from documents)."""
    cols = columns or [str(c) for c in frame.columns]
    table = Table(*[escape(c) for c in cols], title=escape(title))
    for record in frame_rows(frame):
        table.add_row(*[_cell(record.get(c)) for c in cols])
    return table


def emit_frame(frame: Any, fmt: TableFormat, title: str,
               columns: list[str] | None = None) -> None:
    if fmt is TableFormat.json:
        emit_json(frame_rows(frame))
    elif fmt is TableFormat.csv:
        sys.stdout.write(frame.to_csv(index=False))
    else:
        out.print(frame_table(frame, title, columns))


@rounds_app.command("create")
def rounds_create(
    name: Annotated[str, typer.Argument(help="A name for the round.")],
    coders: Annotated[str, typer.Option("--coders", help="User names, comma-separated "
                                        "(two or more).")],
    documents: Annotated[str | None, typer.Option(
        "--documents", help="Document ids, comma-separated (e.g. 1,2,3).")] = None,
    sample: Annotated[int | None, typer.Option(
        "--sample", help="Instead: a random sample of N analysed documents with defectors.")]
    = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Seed of the sample (stored with the round; default random).")] = None,
    codes: Annotated[str | None, typer.Option(
        "--codes", help="Only these codes, comma-separated (default: the whole codebook).")]
    = None,
    blind_to_machine: Annotated[bool, typer.Option(
        "--blind-to-machine", help="Hide the pipeline's suggestions from the coders (use "
        "for reliability studies: shown suggestions anchor every coder alike).")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Create an open round: each coder decides, for every defector the pipeline found in
    the documents, defector yes/no and each code present/absent."""
    with open_project(db, config) as project:
        info = project.create_round(
            name, coders=coders.split(","),
            documents=parse_ids(documents) if documents is not None else None,
            sample=sample, seed=seed, codes=codes.split(",") if codes else None,
            blind_to_machine=blind_to_machine)
    if fmt is not OutputFormat.table:
        emit_json(info)
        return
    out.print(f"round {info['id']} ({escape(info['name'])}) created: "
              f"{len(info['documents'])} document(s), {info['n_persons']} defector(s), "
              f"{info['n_units']} units per coder for {escape(', '.join(info['coders']))}"
              + (f"; sample seed {info['seed']}" if info.get("seed") is not None else ""))


@rounds_app.command("list")
def rounds_list(db: DbOption = None, config: ConfigOption = None,
                fmt: TableFormatOption = TableFormat.table) -> None:
    """Every round with its status and each coder's progress (counts only)."""
    with open_project(db, config) as project:
        frame = project.rounds()
    emit_frame(frame, fmt, "Review rounds", ["id", "name", "status", "blind_to_machine",
                                             "n_documents", "n_units", "progress"])


@rounds_app.command("show")
def rounds_show(round_id: Annotated[int, typer.Argument(help="Round id.")],
                db: DbOption = None, config: ConfigOption = None,
                fmt: FormatOption = OutputFormat.table) -> None:
    """One round: documents, coders, codes, progress; agreement once closed."""
    with open_project(db, config) as project:
        info = project.round(round_id)
    if fmt is not OutputFormat.table:
        emit_json(info)
        return
    for key in ("id", "name", "status", "blind_to_machine", "documents", "coders", "n_persons",
                "n_units", "progress", "created_by", "created_at", "closed_by", "closed_at",
                "seed"):
        out.print(f"{key}: {escape(str(info[key]))}")
    out.print(f"codes: {escape(', '.join(info['codes']))}")
    if info["status"] == "closed":
        with open_project(db, config) as project:
            table = project.round_agreement(round_id)
        out.print(frame_table(table, "Agreement", AGREEMENT_VIEW))


@rounds_app.command("work")
def rounds_work(round_id: Annotated[int, typer.Argument(help="Round id.")], coder: CoderOption,
                db: DbOption = None, config: ConfigOption = None,
                fmt: TableFormatOption = TableFormat.table) -> None:
    """Your units in a round, with your decisions so far (and the machine's suggestions
    unless the round is blind to them)."""
    with open_project(db, config) as project:
        frame = project.round_work(round_id, coder)
    emit_frame(frame, fmt, f"Round {round_id}: {coder}'s units",
               ["unit", "label", "code", "suggested", "suggested_confidence", "value",
                "start", "end"])


@rounds_app.command("decide")
def rounds_decide(
    round_id: Annotated[int, typer.Argument(help="Round id.")],
    unit: Annotated[str, typer.Argument(help="Unit key, e.g. 3/120/infighting or "
                                        "3/120/defector (see `rounds work`).")],
    coder: CoderOption,
    value: Annotated[str, typer.Option("--value", help="present/absent (yes/no for a "
                                       "defector unit).")],
    span: Annotated[str | None, typer.Option("--span", help="Evidence START:END "
                                             "(code points) for a present code.")] = None,
    db: DbOption = None, config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Record (or change) your decision on one unit of an open round."""
    with open_project(db, config) as project:
        result = project.decide(round_id, unit, parse_value(value), coder=coder,
                                span=parse_span(span))
    if fmt is not OutputFormat.table:
        emit_json(result)
    else:
        out.print(f"{escape(coder)}: {escape(unit)} = "
                  f"{'present' if result['value'] else 'absent'}")


@rounds_app.command("close")
def rounds_close(round_id: Annotated[int, typer.Argument(help="Round id.")],
                 db: DbOption = None, config: ConfigOption = None,
                 fmt: TableFormatOption = TableFormat.table) -> None:
    """Close a round (no more decisions) and compute its agreement."""
    with open_project(db, config) as project:
        table = project.close_round(round_id)
    emit_frame(table, fmt, f"Round {round_id} closed: agreement", AGREEMENT_VIEW)
    if fmt is TableFormat.table:
        if table.empty:
            out.print("no unit was decided by any coder: there is nothing to compare")
        out.print(escape(table.attrs.get("note", "")))


AGREEMENT_VIEW = ["group", "n_units", "n_coders", "prevalence", "percent_agreement", "kappa",
                  "alpha", "ac1", "warning"]


@rounds_app.command("agreement")
def rounds_agreement(
    round_id: Annotated[int, typer.Argument(help="Round id.")],
    pairs: Annotated[bool, typer.Option("--pairs", help="Cohen's κ for every coder pair "
                                        "(with the 2×2 counts) instead.")] = False,
    db: DbOption = None, config: ConfigOption = None,
    fmt: TableFormatOption = TableFormat.table,
) -> None:
    """Agreement of a closed round per code and at defector level: n units, prevalence,
    percent agreement, Cohen's κ, Krippendorff's α, Gwet's AC1, warnings."""
    with open_project(db, config) as project:
        table = project.round_agreement(round_id, pairs=pairs)
    emit_frame(table, fmt, f"Round {round_id}: agreement",
               None if pairs else AGREEMENT_VIEW)
    if fmt is TableFormat.table:
        out.print(escape(table.attrs.get("note", "")))


@rounds_app.command("disagreements")
def rounds_disagreements(round_id: Annotated[int, typer.Argument(help="Round id.")],
                         db: DbOption = None, config: ConfigOption = None,
                         fmt: TableFormatOption = TableFormat.table) -> None:
    """Units of a closed round whose coders disagree, side by side."""
    with open_project(db, config) as project:
        frame = project.round_disagreements(round_id)
    emit_frame(frame, fmt, f"Round {round_id}: disagreements")


@rounds_app.command("adjudicate")
def rounds_adjudicate(
    round_id: Annotated[int, typer.Argument(help="Round id.")],
    unit: Annotated[str, typer.Argument(help="Unit key (see `rounds disagreements`).")],
    value: Annotated[str, typer.Option("--value", help="present/absent (yes/no).")],
    span: Annotated[str | None, typer.Option("--span", help="Evidence START:END (default: "
                                             "the span most coders chose).")] = None,
    db: DbOption = None, config: ConfigOption = None,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """Settle one unit of a closed round: the value becomes the accepted (or rejected)
    coding, with you as its user; logged."""
    with open_project(db, config) as project:
        result = project.adjudicate(round_id, unit, parse_value(value), span=parse_span(span))
    if fmt is not OutputFormat.table:
        emit_json(result)
        return
    changed = ", ".join(f"coding {c['id']} {c['status']}" for c in result["codings"])
    out.print(f"{escape(unit)} adjudicated "
              f"{'present' if result['value'] else 'absent'}"
              + (f": {escape(changed)}" if changed else " (recorded)"))


@app.command("agreement")
def coder_agreement(
    coders: Annotated[str | None, typer.Option(
        "--coders", help="Automatic coders to compare, comma-separated (default: pipeline "
        "— the stored suggestions — and every configured coder).")] = None,
    floor: Annotated[float, typer.Option("--floor", help="A coder alone says 'present' from "
                                         "this confidence.")] = 0.5,
    summary: Annotated[bool, typer.Option("--summary", help="Only each coder's all-codes "
                                          "row.")] = False,
    db: DbOption = None, config: ConfigOption = None,
    fmt: TableFormatOption = TableFormat.table,
) -> None:
    """How the automatic coders agree with the reviewers' accepted and rejected codings
    (κ, α, AC1 and percent agreement per coder and code)."""
    with open_project(db, config) as project:
        table = project.coder_agreement(coders.split(",") if coders else None, floor=floor)
    if summary:
        note = table.attrs.get("note", "")
        table = table[table["group"] == ALL_CODES].reset_index(drop=True)
        table.attrs["note"] = note
    emit_frame(table, fmt, "Automatic coders versus reviewers")
    if fmt is TableFormat.table:
        out.print(escape(table.attrs.get("note", "")))
