"""The command line's entry point (``graphmodel``, ``python -m graphmodel``): start the store early.

Before importing the command line (typer, rich, the query library, the store client:
about 0.2 s), a command that reads an embedded store starts the store's server, so the
server reads the graph from disk while Python starts (:func:`prestart`).
"""

from __future__ import annotations

import sys

#: Commands that open their store only to read it, once their arguments are checked.
READING_COMMANDS = ("query", "cypher")


def store_option(args: list[str]) -> str | None:
    """The ``--store``/``-s`` value among a command's arguments, as click reads them (None if absent).

    >>> store_option(["query", "q", "--store", "embedded:/g"]), store_option(["query", "-sembedded:/g"])
    ('embedded:/g', 'embedded:/g')
    >>> store_option(["cypher", "--store=embedded:/g", "RETURN 1"]), store_option(["query", "q"])
    ('embedded:/g', None)
    """
    found = None
    for index, arg in enumerate(args):
        if arg == "--":
            break
        if arg in ("--store", "-s"):
            found = args[index + 1] if index + 1 < len(args) else None
        elif arg.startswith("--store="):
            found = arg.removeprefix("--store=")
        elif arg.startswith("-s") and not arg.startswith("--"):
            found = arg[2:]
    return found


def prestart(args: list[str]) -> bool:
    """Start the embedded store's server for a reading command (``query``, ``cypher``), without waiting.

    Only when the store is embedded, holds a graph and has no server running; anything
    unusual (no store there, bad settings, ``--help``) is left to the command, which reports
    it. The command connects to the server when it opens the store; if it fails before
    that, the server is stopped as the process exits (see
    :func:`graphmodel.stores.falkordb_server.prestart`). Returns whether a server was started.
    """
    if not args or args[0] not in READING_COMMANDS or any(a in ("-h", "--help") for a in args):
        return False
    try:
        from graphmodel.settings import Settings
        from graphmodel.stores import embedded_path
        from graphmodel.stores.falkordb_server import prestart as start_server

        folder = embedded_path(Settings.load(store_option(args[1:])).store)
        return folder is not None and start_server(folder)
    except Exception:  # the command itself says what is wrong, in its own words
        return False


def main() -> None:
    """Run the command line."""
    prestart(sys.argv[1:])
    from graphmodel.cli import app

    app()
