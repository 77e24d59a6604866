"""``exitlens codebook add|rename|move|merge|define``: the codebook editor on the command
line, a thin shell over :mod:`exitlens.project_codebook` (each command stores a new codebook
version in the project database; the web app's ``/codebook`` page does the same)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape

from .cli_base import ConfigOption, DbOption, codebook_app, open_project, out

UnderOption = Annotated[str, typer.Option(
    "--under", help="A code id (the new place is as its child), a family id or a dimension id.")]


def _report(result: dict[str, Any], what: str) -> None:
    out.print(f"codebook version {result['version']} stored ({result['codes']} codes): "
              f"{escape(what)}")


@codebook_app.command("add")
def codebook_add(
    code: Annotated[str, typer.Argument(help="New code id (lowercase letters, digits, _).")],
    label: Annotated[str, typer.Option("--label", help="The code's label.")],
    under: UnderOption,
    definition: Annotated[str, typer.Option("--definition", help="What the code means.")] = "",
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a code to the project's codebook."""
    with open_project(db, config) as project:
        result = project.add_code(code, label, under=under, definition=definition)
    _report(result, f"added {code} under {under}")


@codebook_app.command("rename")
def codebook_rename(
    code: Annotated[str, typer.Argument(help="Code id.")],
    label: Annotated[str, typer.Argument(help="Its new label.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Give a code a new label (its id and its codings stay)."""
    with open_project(db, config) as project:
        result = project.rename_code(code, label)
    _report(result, f"{code} is now labelled {result['label']!r}")


@codebook_app.command("move")
def codebook_move(
    code: Annotated[str, typer.Argument(help="Code id.")],
    under: UnderOption,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Move a code (with its children) under another code, family or dimension."""
    with open_project(db, config) as project:
        result = project.move_code(code, under)
    _report(result, f"moved {code} from {result['before']} to {under}")


@codebook_app.command("merge")
def codebook_merge(
    code: Annotated[str, typer.Argument(help="The code that goes away.")],
    into: Annotated[str, typer.Option("--into", help="The code that stays.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge a code into another: its codings are re-pointed (each logged), its children move
    under the kept code, and it leaves the codebook."""
    with open_project(db, config) as project:
        result = project.merge_codes(code, into)
    _report(result, f"merged {code} into {into}; {result['recoded']} codings re-pointed "
                    f"(+{result['recoded_history']} in older analyses)")


@codebook_app.command("define")
def codebook_define(
    code: Annotated[str, typer.Argument(help="Code id.")],
    definition: Annotated[str, typer.Argument(help="The new definition.")],
    include: Annotated[str | None, typer.Option("--include", help="What to include.")] = None,
    exclude: Annotated[str | None, typer.Option("--exclude", help="What to exclude.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Replace a code's definition (and include / exclude guidance when given)."""
    with open_project(db, config) as project:
        result = project.define_code(code, definition, include=include, exclude=exclude)
    _report(result, f"new definition for {code}")
