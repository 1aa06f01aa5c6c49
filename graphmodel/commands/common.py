"""Loading with progress and the load report, for ``load``, ``demo`` and ``load-qda``.

The light helpers every command shares (options, consoles, opening the store, printing
results) live in :mod:`graphmodel.commands.base` and are re-exported here. Command
modules import from these, never from :mod:`graphmodel.cli`, so the CLI can import them
while it starts (and ``python -m graphmodel.cli`` works).
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from graphmodel.commands.base import (
    FormatOption,
    StoreOption,
    _fail,
    _open,
    _parse_params,
    _print_result,
    console,
    errors,
)
from graphmodel.commands.progress import Progress  # plain log lines when stderr is not a terminal
from graphmodel.engine.load import LoadOptions, LoadReport
from graphmodel.errors import InvalidPackage, LoadRefused
from graphmodel.stores import Store

__all__ = [
    "FormatOption",
    "StoreOption",
    "_fail",
    "_load",
    "_open",
    "_parse_params",
    "_print_refusal",
    "_print_report",
    "_print_result",
    "console",
    "errors",
]


def _load(
    store: Store,
    path: Path | str,
    name: str | None,
    dry_run: bool = False,
    options: LoadOptions | None = None,
) -> LoadReport:
    """Read and load a package with a progress bar; problems and refusals are printed, then the command fails."""
    from graphmodel.api import load_package

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
            return load_package(store, path, name=name, progress=advance, dry_run=dry_run, options=options)
        except InvalidPackage as exc:
            progress.stop()
            for problem in exc.problems:  # plain lines, never wrapped, so tools can parse them
                typer.echo(str(problem), err=True)
            _fail(f"{exc}; nothing was written")
            raise  # unreachable
        except LoadRefused as exc:
            progress.stop()
            _print_refusal(exc)
            _fail(str(exc))
            raise  # unreachable


def _print_refusal(exc: LoadRefused) -> None:
    for line in exc.lines:
        typer.echo(f"  {line}", err=True)


def _print_report(report: LoadReport, *, diff: bool = False) -> None:
    plan = report.plan
    if report.upgraded:
        console.print(Text("upgraded the store from graphmodel 0.1's format (packages numbered by load time)"))
    if report.bulk:
        console.print(Text("first load into an empty store: written by the store's bulk path"))
    if plan.changes == 0:
        console.print(
            Text(f"package {report.package!r}: no change ({plan.unchanged} nodes and ties already up to date)")
        )
    else:
        # Text, not a markup string: a package name like "[/red]" must print as it is
        title = f"package {report.package!r}" + ("" if report.written else " (dry run: nothing written)")
        table = Table(title=Text(title))
        for column in ("label or type", "created", "updated", "removed", "unchanged"):
            table.add_column(column, justify="left" if column == "label or type" else "right")
        for row in plan.summary():
            table.add_row(*(str(v) for v in row))
        console.print(table)
    if plan.retract:
        console.print(Text(f"{len(plan.retract)} of the removed stay in the graph: other packages still assert them"))
    if plan.shared:
        console.print(Text(f"{len(plan.shared)} nodes and ties are now asserted with other packages:"))
        for kind, ident, others in plan.shared[:20]:
            console.print(Text(f"  {kind} {ident}: also {', '.join(others)}"))
        if len(plan.shared) > 20:
            console.print(Text(f"  … and {len(plan.shared) - 20} more (graphmodel load --dry-run --diff lists all)"))
    if plan.conflicts:
        console.print(Text(f"{len(plan.conflicts)} disagreements with other packages (see docs/packages.md):"))
        for conflict in plan.conflicts:
            console.print(Text(f"  {conflict}"))
    if plan.dependents:
        verb = "removed" if report.written else "would be removed"
        console.print(Text(f"{len(plan.dependents)} ties of other packages {verb} with the nodes they need:"))
        for dep in plan.dependents:
            console.print(Text(f"  {dep}"))
    for refusal in plan.refusals:
        console.print(Text(f"a load would be refused: {refusal}"))
        for line in refusal.lines:
            console.print(Text(f"  {line}"))
    for warning in report.warnings:
        console.print(Text(f"warning: {warning}"))
    for again in report.reloaded:  # packages reloaded because the decisions in force changed (--reload-affected)
        console.print(Text(f"reloaded package {again.package!r}: the decisions in force changed what it asserts"))
        _print_report(again, diff=diff)
    if diff:
        for line in plan.diff():
            console.print(Text(line))
