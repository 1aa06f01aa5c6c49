"""What every CLI command shares, kept light so ``graphmodel --help`` starts fast.

Options, consoles, errors, opening the project's store, parameters, printing results, and
names given with ``-`` or ``_`` (with "did you mean"). Nothing here imports pandas,
NetworkX or the loader; commands import those inside their bodies.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from graphmodel.errors import GraphmodelError

if TYPE_CHECKING:
    from graphmodel.settings import Settings
    from graphmodel.stores import Store
    from graphmodel.stores.base import Result


def _width() -> int | None:
    """Piped output is not cut to 80 columns: tables get as wide as they need (up to 10,000)."""
    return None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 10_000


console = Console(width=_width())
errors = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        "-s",
        help="embedded:PATH, or a bolt:// / neo4j:// / neo4j+s:// URI. Default: $GRAPHMODEL_STORE, $NEO4J_URI, "
        "the project's graphmodel.toml (`graphmodel use`), or embedded:.graphmodel/graph.",
    ),
]
FORMATS = ("table", "csv", "json", "xlsx")
FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="table, csv, json or xlsx (xlsx needs --output).", show_default=True)
]
OutputOption = Annotated[
    str | None, typer.Option("--output", "-o", help="Write the result to this file instead of the screen.")
]
BomOption = Annotated[
    bool, typer.Option("--bom", help="CSV: start with a UTF-8 byte order mark, so Excel shows Chinese text right.")
]
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
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param", "-p", help="key=value; repeat for several. Quote a value to keep it text: -p 'id=\"2010\"'."
    ),
]


@dataclass(frozen=True)
class ResultOptions:
    """What ``-p``, ``--store``, ``--format``, ``--output``, ``--bom`` and ``--redact*`` gave a command
    that runs one query and prints its result (``query``, ``cypher``): see :func:`result_options`."""

    params: dict[str, str]
    store: str | None
    fmt: str
    output: str | None
    bom: bool
    key: bytes | None  # the redaction key; None without --redact
    keep_places: bool


def _result_option_block(
    param: ParamOption = None,
    store: StoreOption = None,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    bom: BomOption = False,
    redact: RedactOption = False,
    redact_key: RedactKeyOption = None,
    keep_places: KeepPlacesOption = False,
) -> ResultOptions:
    """The shared options, declared once: typer reads this signature; the body turns them into one object."""
    return ResultOptions(
        params=_parse_params(param or []),
        store=store,
        fmt=fmt,
        output=output,
        bom=bom,
        key=_redaction_key(redact, redact_key),
        keep_places=keep_places,
    )


def result_options(command: Callable[..., None] | None = None, *, params: bool = True) -> Any:
    """Give a command the options of :func:`_result_option_block`, handed to it as ``opts: ResultOptions``
    (``@result_options(params=False)``: all but ``-p``, for commands that take no query parameters).

    >>> @result_options
    ... def show(name: str, opts: ResultOptions) -> None:
    ...     print(name, opts.params, opts.fmt)
    >>> list(inspect.signature(show).parameters)[:3]
    ['name', 'param', 'store']
    >>> show(name="q", param=["ngo=ngo-y01"], store=None, fmt="csv", output=None, bom=False,
    ...      redact=False, redact_key=None, keep_places=False)
    q {'ngo': 'ngo-y01'} csv
    >>> @result_options(params=False)
    ... def metric(name: str, opts: ResultOptions) -> None: ...
    >>> "param" in inspect.signature(metric).parameters, "store" in inspect.signature(metric).parameters
    (False, True)
    """
    if command is None:
        return functools.partial(result_options, params=params)
    block = inspect.signature(_result_option_block, eval_str=True).parameters
    shared = [p for p in block.values() if params or p.name != "param"]
    own = inspect.signature(command, eval_str=True)
    parameters = [p for p in own.parameters.values() if p.name != "opts"] + shared

    @functools.wraps(command)
    def run(**given: Any) -> None:
        opts = _result_option_block(**{p.name: given.pop(p.name) for p in shared})
        command(**given, opts=opts)

    run.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return run


def _fail(message: str, code: int = 1) -> NoReturn:
    """Print an error (any URI in it without user info or query string) and exit."""
    from graphmodel.uris import scrub

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


def _warn(message: str) -> None:
    errors.print(Text(f"warning: {message}", style="yellow"))


def settings(store: str | None = None) -> Settings:
    """The command's settings (``--store`` first; see :class:`graphmodel.settings.Settings`)."""
    from graphmodel.settings import Settings

    try:
        return Settings.load(store)
    except GraphmodelError as exc:
        _fail(str(exc))


def _open(store: str | None, *, read: bool = False) -> Store:
    """Open the store a command names, or the project's store.

    ``read=True``: a command that only reads fails when the embedded store holds
    nothing yet (instead of creating it), and warns when the graph is empty.
    """
    from graphmodel import statements as cy
    from graphmodel.stores import open_store

    chosen = settings(store)
    try:
        db = open_store(chosen.store, create=not read, linger=chosen.linger)
    except GraphmodelError as exc:
        _fail(str(exc))
    if read:
        try:
            nodes = db.run(cy.count_nodes()).rows[0][0]
        except GraphmodelError:
            nodes = 1  # the command reports the store's error itself
        if not nodes:
            _warn(
                f"the graph in {db.description} is empty: load a package first (`graphmodel load` or `graphmodel demo`)"
            )
    return db


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            _fail(f"-p expects key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def suggest(name: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for a mistyped name (empty when nothing is close).

    >>> suggest("motivation", ["motivations", "gatekeepers"])
    "; did you mean 'motivations'?"
    >>> suggest("xyz", ["motivations"])
    ''
    """
    close = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def resolve_name(name: str, choices: Iterable[str], what: str) -> str:
    """``name`` as one of ``choices``, accepting ``-`` for ``_`` and the other way round.

    >>> resolve_name("access-paths", ["access_paths"], "query")
    'access_paths'
    """
    choices = list(choices)
    for candidate in (name, name.replace("-", "_"), name.replace("_", "-")):
        if candidate in choices:
            return candidate
    _fail(f"unknown {what} {name!r}{suggest(name, choices)} ({what} names: {', '.join(choices)})")


def _print_result(
    result: Result, fmt: str, title: str | None = None, *, output: str | None = None, bom: bool = False
) -> None:
    """Print (or write to ``output``) a result as a table, CSV, JSON or an Excel workbook."""
    from graphmodel.output import rich_table, to_csv, to_json

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}")
    if fmt == "xlsx":
        if not output:
            _fail("--format xlsx writes a file: give it with --output FILE.xlsx")
        from graphmodel.output import write_xlsx

        write_xlsx(result, output, sheet=title or "result")
        errors.print(Text(f"wrote {len(result.rows)} rows to {output}"))
        return
    if fmt == "table":
        if output:
            _fail("--output takes --format csv, json or xlsx")
        console.print(rich_table(result, title))
        return
    text = to_csv(result) if fmt == "csv" else to_json(result) + "\n"
    if fmt == "csv" and bom:
        text = "\ufeff" + text
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        errors.print(Text(f"wrote {len(result.rows)} rows to {output}"))
    else:
        sys.stdout.write(text)
