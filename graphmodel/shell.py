"""``graphmodel shell``: an interactive Cypher shell that keeps the store open.

Type Cypher over as many lines as you like and end it with ``;`` (as in cypher-shell).
Statements run read-only; each prints its rows and how long it took. Commands::

    :help                  this list
    :param name=value      set a parameter ($name in Cypher); values as for -p
    :params                list the parameters;  :params clear  forgets them
    :queries               the query library
    :run NAME [k=v ...]    run a library query by name (parameters set with :param apply too)
    :more                  the next page of the last :run (as_of, evidence, round_changes page)
    :all                   every row of the last :run
    :page N                rows in a page (default 1000)
    :format table|csv|json how results print
    :exit                  leave (or Ctrl-D)

On a terminal the prompt has line editing and history (kept in the project's
``.graphmodel/shell_history``); with input from a pipe or file it reads the same
statements and commands line by line, so a script of them runs as a batch.
"""

from __future__ import annotations

import shlex
import sys
import time
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from rich.text import Text

from graphmodel.commands.base import FORMATS, _parse_params, _print_result, console, errors, resolve_name
from graphmodel.errors import GraphmodelError
from graphmodel.queries import DEFAULT_PAGE_SIZE, Query, TruncatedResult, _any_value, library, plain_query, run_query
from graphmodel.stores.base import Store

HELP = __doc__.split("Commands::")[1].split("On a terminal")[0].rstrip() if __doc__ else ""
PROMPT, MORE = "graphmodel> ", "          > "


class Shell:
    """The shell's state (store, parameters, format) and what each input does.

    >>> import tempfile
    >>> from graphmodel.stores import open_store
    >>> with open_store("embedded:" + tempfile.mkdtemp()) as db:
    ...     sh = Shell(db, fmt="csv", timing=False)
    ...     sh.execute(":param x=41")
    ...     sh.execute("RETURN $x + 1 AS answer;")
    True
    answer
    42
    True
    """

    def __init__(self, store: Store, fmt: str = "table", *, timing: bool = True) -> None:
        self.store = store
        self.fmt = fmt
        self.timing = timing
        self.params: dict[str, Any] = {}
        self.page_size = DEFAULT_PAGE_SIZE
        #: The last paged :run (query, its parameters) and the cursor of its next page.
        self._last: tuple[Query, dict[str, Any]] | None = None
        self._more: str | None = None

    def execute(self, text: str) -> bool:
        """Run one statement or command; False when the shell should end."""
        text = text.strip()
        if not text:
            return True
        try:
            if text.startswith(":"):
                return self._command(text)
            self._run(plain_query(text.rstrip(";").strip(), Path("shell")), {})
        except GraphmodelError as exc:
            errors.print(Text(f"error: {exc}", style="red"))
        except SystemExit:  # typer.Exit from a helper: already reported
            pass
        return True

    def _command(self, text: str) -> bool:
        name, _, rest = text.rstrip(";").partition(" ")
        rest = rest.strip()
        if name in (":exit", ":quit", ":q"):
            return False
        if name == ":help":
            console.print(Text(HELP.strip("\n")))
        elif name == ":param":
            for key, value in _parse_params(shlex.split(rest)).items():
                self.params[key] = _any_value(value)
        elif name == ":params":
            if rest == "clear":
                self.params.clear()
            for key, value in sorted(self.params.items()):
                console.print(Text(f"{key} = {value!r}"))
        elif name == ":queries":
            for q in library().values():
                console.print(Text(f"{q.name}: {q.description}"))
        elif name == ":run":
            words = shlex.split(rest)
            if not words:
                raise GraphmodelError(":run needs a query name (:queries lists them)")
            query = library()[resolve_name(words[0], library(), "query")]
            self._run(query, _parse_params(words[1:]))
        elif name in (":more", ":all"):
            if self._last is None or (name == ":more" and self._more is None):
                raise GraphmodelError(f"{name}: no paged result to continue (:run a query first)")
            query, given = self._last
            self._run(query, given, after=self._more if name == ":more" else None, every=name == ":all")
        elif name == ":page":
            if not rest.isdigit() or int(rest) < 1:
                raise GraphmodelError(":page takes a number of rows, e.g. :page 500")
            self.page_size = int(rest)
        elif name == ":format":
            if rest not in FORMATS[:3]:
                raise GraphmodelError(f":format takes one of {', '.join(FORMATS[:3])}")
            self.fmt = rest
        else:
            raise GraphmodelError(f"unknown command {name}; :help lists them")
        return True

    def _run(self, query: Query, given: dict[str, Any], *, after: str | None = None, every: bool = False) -> None:
        params = {k: v for k, v in self.params.items() if k in query.params and k not in given}
        missing = [p for p in query.params if p not in given and p not in params and query.params[p].required]
        if missing:
            raise GraphmodelError(f"set {', '.join('$' + m for m in missing)} first, e.g. :param {missing[0]}=...")
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TruncatedResult)  # said below, in the shell's words
            result = run_query(
                self.store, query, {**params, **given}, page_size=None if every else self.page_size, after=after
            )
        took = time.perf_counter() - started
        self._last, self._more = ((query, {**params, **given}), result.more) if query.page else (None, None)
        _print_result(result, self.fmt, None if query.name == "shell" else query.name)
        if self.timing:
            rows = len(result.rows)
            errors.print(Text(f"{rows} row{'s' if rows != 1 else ''} in {took * 1000:.0f} ms", style="dim"))
        if result.more is not None:
            errors.print(
                Text(f"first {len(result.rows):,} rows of a larger result: :more for the next page, :all for every row")
            )


def statements(lines: Iterable[str]) -> Iterator[str]:
    """Group input lines into statements: Cypher up to a ``;`` at a line's end, or one ``:command`` line.

    >>> list(statements(["MATCH (n)", "RETURN n;", ":params", "RETURN 1;"]))
    ['MATCH (n)\\nRETURN n;', ':params', 'RETURN 1;']
    """
    buffer: list[str] = []
    for line in lines:
        if not buffer and line.strip().startswith(":"):
            yield line.strip()
            continue
        if line.strip() or buffer:
            buffer.append(line.rstrip("\n"))
        if buffer and line.rstrip().endswith(";"):
            yield "\n".join(buffer)
            buffer = []
    if buffer and "\n".join(buffer).strip():
        yield "\n".join(buffer)


def _prompted(history: Path | None) -> Iterator[str]:
    """Lines typed at a prompt with editing and history (prompt_toolkit)."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)) if history else InMemoryHistory())
    more = False
    while True:
        try:
            line = session.prompt(MORE if more else PROMPT)
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed
            more = False
            yield "\x03"
            continue
        except EOFError:
            return
        more = not (line.rstrip().endswith(";") or (not more and line.strip().startswith(":"))) and (
            more or bool(line.strip())
        )
        yield line


def run_shell(store: Store, *, fmt: str = "table", history: Path | None = None) -> None:
    """Read statements from the terminal (or standard input) and run them until :exit or end of input."""
    shell = Shell(store, fmt)
    interactive = sys.stdin.isatty()
    if interactive:
        console.print(Text(f"graphmodel shell on {store.description}; end Cypher with ';', :help for commands"))
        lines: Iterable[str] = _without_cancelled(_prompted(history))
    else:
        lines = sys.stdin
    for statement in statements(lines):
        if not shell.execute(statement):
            break


def _without_cancelled(lines: Iterator[str]) -> Iterator[str]:
    """Drop the partial statement before a Ctrl-C (marked by ``\\x03``)."""
    pending: list[str] = []
    for line in lines:
        if line == "\x03":
            pending.clear()
            continue
        pending.append(line)
        if line.rstrip().endswith(";") or (len(pending) == 1 and line.strip().startswith(":")):
            yield from pending
            pending.clear()
