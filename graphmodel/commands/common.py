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

from graphmodel.engine.load import LoadOptions, LoadReport
from graphmodel.errors import GraphmodelError, InvalidPackage, LoadRefused
from graphmodel.output import rich_table, to_csv, to_json
from graphmodel.stores import Store, open_store
from graphmodel.uris import scrub

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
RedactOption = Annotated[
    bool,
    typer.Option(
        "--redact",
        help="Share-safe output (docs/redaction.md): pseudonyms for ids, names, roles and places below "
        "province; dates as years; no notes.",
    ),
]
RedactKeyOption = Annotated[
    Path | None,
    typer.Option(
        "--redact-key",
        help="With --redact: the key file (created with a random key if missing). "
        "Default: $GRAPHMODEL_REDACT_KEY_FILE, or the key itself in $GRAPHMODEL_REDACT_KEY.",
    ),
]
KeepPlacesOption = Annotated[
    bool, typer.Option("--keep-places", help="With --redact: keep county, township and prefecture names.")
]


def _fail(message: str, code: int = 1) -> None:
    """Print an error (any URI in it without user info or query string) and exit."""
    errors.print(Text(f"error: {scrub(message)}", style="bold red"))
    raise typer.Exit(code)


def _redaction_key(redact: bool, key_file: Path | None) -> bytes | None:
    """The key to redact with (None without ``--redact``); a missing key is a clear error."""
    if not redact:
        return None
    from graphmodel.redact import redaction_key

    try:
        return redaction_key(key_file)
    except (GraphmodelError, OSError) as exc:
        _fail(str(exc))
        raise  # unreachable


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
    if diff:
        for line in plan.diff():
            console.print(Text(line))
