"""What every CLI command shares: the store option, output consoles, errors, loading with progress.

Command modules import from here, never from :mod:`graphmodel.cli`, so the CLI can
import them while it starts (and ``python -m graphmodel.cli`` works).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from graphmodel.errors import GraphmodelError, InvalidPackage
from graphmodel.load import LoadReport, load_package
from graphmodel.output import rich_table, to_csv, to_json
from graphmodel.stores import Store, open_store

console = Console()
errors = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="embedded:PATH, or a bolt:// / neo4j:// / neo4j+s:// URI. "
        "Default: $GRAPHMODEL_STORE or embedded:.graphmodel/graph.",
    ),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]


def _fail(message: str, code: int = 1) -> None:
    errors.print(Text(f"error: {message}", style="bold red"))
    raise typer.Exit(code)


def _open(store: str | None) -> Store:
    try:
        return open_store(store)
    except GraphmodelError as exc:
        _fail(str(exc))
        raise  # unreachable


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"-p expects key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def _print_result(result: Any, fmt: str, title: str | None = None) -> None:
    if fmt == "csv":
        sys.stdout.write(to_csv(result))
    elif fmt == "json":
        sys.stdout.write(to_json(result) + "\n")
    else:
        console.print(rich_table(result, title))


def _load(store: Store, path: Path | str, name: str | None, dry_run: bool = False) -> LoadReport:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
    ) as progress:
        task = progress.add_task("writing rows", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            return load_package(store, path, name=name, progress=advance, dry_run=dry_run)
        except InvalidPackage as exc:
            progress.stop()
            for problem in exc.problems:  # plain lines, never wrapped, so tools can parse them
                typer.echo(str(problem), err=True)
            _fail(f"{exc}; nothing was written")
            raise  # unreachable


def _print_report(report: LoadReport) -> None:
    plan = report.plan
    if plan.changes == 0:
        console.print(
            Text(f"package {report.package!r}: no change ({plan.unchanged} nodes and ties already up to date)")
        )
        return
    # Text, not a markup string: a package name like "[/red]" must print as it is
    table = Table(title=Text(f"package {report.package!r}" + ("" if report.written else " (dry run: nothing written)")))
    for column in ("label or type", "created", "updated", "removed", "unchanged"):
        table.add_column(column, justify="left" if column == "label or type" else "right")
    for row in plan.summary():
        table.add_row(*(str(v) for v in row))
    console.print(table)
