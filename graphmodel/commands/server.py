"""The embedded store's server between commands: ``graphmodel stop``, and the line ``status`` prints.

A command leaves the embedded store's server running for ``linger`` seconds (``GRAPHMODEL_LINGER``
or ``linger`` in graphmodel.toml; default 300), so the next command finds the graph in memory
instead of reading it from disk; ``graphmodel stop`` stops it at once (saving first).
"""

from __future__ import annotations

import time
from typing import Any

import typer

from graphmodel.commands.base import StoreOption, _fail, console, settings
from graphmodel.errors import GraphmodelError


def server_before(url: str) -> dict[str, Any] | None:
    """The state of the embedded store's server before a command opens it (None: none runs, or not embedded)."""
    from graphmodel.stores import embedded_path
    from graphmodel.stores.falkordb_server import server_state

    path = embedded_path(url)
    return None if path is None else server_state(path)


def server_line(url: str, linger: float, before: dict[str, Any] | None) -> str | None:
    """What ``status`` says about the embedded store's server (None for Neo4j).

    >>> server_line("bolt://h:7687", 300, None) is None
    True
    >>> server_line("embedded:/g", 0, None)
    'server: started for this command and stopped after it (linger 0)'
    >>> server_line("embedded:/g", 300, {"pid": 7, "idle_since": 0})
    'server: already running (pid 7); stays up 300 s after the last command (GRAPHMODEL_LINGER or linger in graphmodel.toml); `graphmodel stop` stops it now'
    """
    from graphmodel.stores import embedded_path

    if embedded_path(url) is None:
        return None
    if linger <= 0:
        ran = "already running" if before else "started for this command"
        return f"server: {ran} and stopped after it (linger 0)"
    ran = (
        f"already running (pid {before['pid']})" if before else "started by this command (it read the graph from disk)"
    )
    return (
        f"server: {ran}; stays up {linger:g} s after the last command "
        "(GRAPHMODEL_LINGER or linger in graphmodel.toml); `graphmodel stop` stops it now"
    )


def register(app: typer.Typer) -> None:
    """Add the ``stop`` command to ``app``."""

    @app.command()
    def stop(store: StoreOption = None) -> None:
        """Stop the embedded store's server now (it otherwise stays up `linger` seconds after a command)."""
        from graphmodel.stores import embedded_path
        from graphmodel.stores.falkordb_server import stop_server

        chosen = settings(store)
        path = embedded_path(chosen.store)
        if path is None:
            _fail(f"{chosen.store_from} names a Neo4j store: graphmodel does not run it (scripts/neo4j-local stop)")
        started = time.perf_counter()
        try:
            stopped = stop_server(path)
        except GraphmodelError as exc:
            _fail(str(exc))
        if stopped:
            console.print(
                f"stopped the server of embedded:{path} ({time.perf_counter() - started:.1f} s; the graph is on disk)"
            )
        else:
            console.print(f"no server runs for embedded:{path}")
