"""The shared parts of the ``exitlens`` command line: the Typer app and its sub-apps,
the consoles, the common options and the output helpers.

``cli`` defines the commands on :data:`app`; ``cli_rounds`` adds its own the same way. Both
import this module, so neither imports the other's commands module back (no import cycle).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup

from .errors import ExitlensError
from .project import Project
from .version import __version__


class _ExitlensGroup(TyperGroup):
    """Turns ExitlensError into ``error[code] …`` and exit code 2, also under CliRunner."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except ExitlensError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from None


# Docstrings are wrapped by hand; as Markdown their paragraphs re-flow to the terminal
# (the default keeps every line break, and a narrow terminal leaves orphan words).
HELP_MARKUP: Literal["markdown"] = "markdown"

app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    name="exitlens",
    help="Why people leave violent extremist groups, from their own testimonies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    help="Show and check the configuration.",
    no_args_is_help=True,
)
app.add_typer(config_app, name="config")
codebook_app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    help="Show, check, store and edit codebooks.",
    no_args_is_help=True,
)
app.add_typer(codebook_app, name="codebook")
cases_app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    help="Cases: one real defector across documents (list, show, merge, split, resolve).",
    invoke_without_command=True,
)
app.add_typer(cases_app, name="cases")
user_app = typer.Typer(
    cls=_ExitlensGroup,
    rich_markup_mode=HELP_MARKUP,
    help="Accounts of the review web app (add, list, deactivate, activate).",
    no_args_is_help=True,
)
app.add_typer(user_app, name="user")

# Piped output gets a wide fixed width so tables are not squeezed into 80 columns.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # messages never wrap mid-path


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="EXITLENS_DB",
        show_envvar=True,
        help="Database: a file path (SQLite) or a SQLAlchemy URL such as "
        "postgresql+psycopg://user@host/db. Default ./exitlens.db.",
    ),
]
ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        envvar="EXITLENS_CONFIG",
        show_envvar=True,
        help="YAML settings file (see `exitlens config defaults`).",
    ),
]
FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]

_state: dict[str, bool] = {"debug": False}


def _version(value: bool) -> None:
    if value:
        out.print(f"exitlens {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log progress (never document text).")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks for bug reports.")
    ] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """Global options."""
    _state["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@contextmanager
def open_project(db: str | None, config: Path | None) -> Iterator[Project]:
    project = Project.open(db, settings=config)
    try:
        yield project
    finally:
        project.close()


def emit_json(data: Any) -> None:
    out.print_json(
        json.dumps(data, ensure_ascii=False, default=str)
    ) if out.is_terminal else sys.stdout.write(
        json.dumps(data, ensure_ascii=False, default=str) + "\n"
    )


def emit_jsonl(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
