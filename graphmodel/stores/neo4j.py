"""Neo4j as a store: any Bolt URI (a local server, docker compose, a cluster, Aura).

A load runs in one explicit write transaction (:class:`Neo4jSession`) that first locks
the graph's :Graph node, so a package applies whole or not at all and loads take turns;
a large load writes its new nodes ahead under the staging label. Library queries run
in managed read transactions (``execute_read``), in which the server refuses writes.
If the server goes away during a load, the load fails and is rolled back (rerun it).
Credentials come from the settings and never appear in descriptions or messages.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from threading import Event
from typing import Any, LiteralString
from urllib.parse import urlsplit

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError, StoreError
from graphmodel.schema import Schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import BulkSession, LoadSession, Result, Staging, Statement, Store
from graphmodel.stores.ddl import schema_indexes
from graphmodel.stores.values import plain

#: How long the driver keeps retrying a load after transient errors (deadlocks, a restart).
RETRY_SECONDS = 60.0
#: Rows per transaction when a staged load writes ahead.
STAGE_TX_ROWS = 10_000
#: Transactions a staged load writes ahead at once, and how many may wait their turn.
STAGE_WRITERS = 2
STAGE_QUEUE = 16
#: How often a staged load's locking transaction sends a trivial query while it waits.
KEEPALIVE_SECONDS = 30.0


def describe(uri: str, database: str | None) -> str:
    """A URI safe to print: no user info, query string or fragment (see :mod:`graphmodel.uris`).

    >>> describe("neo4j+s://abc.databases.neo4j.io", None)
    'neo4j+s://abc.databases.neo4j.io (default database)'
    >>> describe("Bolt://u:p@h:7687?password=p", "x")
    'bolt://h:7687 (x)'
    """
    from graphmodel.uris import safe_uri

    return f"{safe_uri(uri)} ({database or 'default database'})"


class Neo4jStore(Store):
    """A Neo4j server reached with the official driver."""

    def __init__(self, settings: Neo4jSettings) -> None:
        import neo4j

        if not settings.uri:
            raise StoreError("no Neo4j URI: pass --store bolt://HOST:PORT or set NEO4J_URI")
        parts = urlsplit(settings.uri)
        if parts.username or parts.password:
            raise StoreError("put credentials in NEO4J_USERNAME and NEO4J_PASSWORD, not in the URI")
        self.database = settings.database
        self.description = describe(settings.uri, settings.database)
        if not settings.password:
            raise StoreError(f"{self.description}: NEO4J_PASSWORD is not set")
        try:
            self._driver = neo4j.GraphDatabase.driver(
                settings.uri,
                auth=(settings.username, settings.password),
                notifications_min_severity="OFF",
                connection_timeout=15,
                max_transaction_retry_time=RETRY_SECONDS,
            )
            self._driver.verify_connectivity()
        except neo4j.exceptions.AuthError:
            raise StoreError(f"{self.description}: authentication failed for user {settings.username!r}") from None
        except Exception as exc:
            raise StoreError(f"{self.description}: cannot connect ({type(exc).__name__}: {exc})") from None

    def _session(self) -> Any:
        return self._driver.session(database=self.database) if self.database else self._driver.session()

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        def work(tx: Any) -> Result:
            with _memory_guard(self.description):
                result = tx.run(cypher, dict(params or {}))
                columns = list(result.keys())
                return Result(columns, [tuple(plain(v) for v in record.values()) for record in result])

        try:
            with self._session() as session:
                return session.execute_write(work) if write else session.execute_read(work)  # type: ignore[no-any-return]
        except GraphmodelError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.description}: {_message(exc)}") from None

    def load_session(self, *, staged: bool = False) -> LoadSession:
        """A load session in one write transaction; ``staged``: write new nodes ahead (see :class:`Neo4jSession`)."""
        return Neo4jSession(self, staged=staged)

    def bulk_session(self, schema: Schema) -> BulkSession:
        """A first load into an empty database (see :mod:`graphmodel.stores.neo4j_bulk`)."""
        from graphmodel.stores.neo4j_bulk import Neo4jBulkSession

        return Neo4jBulkSession(self, schema)

    def drop_staged(self) -> int:
        """Remove what staged loads wrote ahead and never switched live, in small transactions.

        Called under the load lock, when no other load runs, so every staged node is a leftover.
        """
        from graphmodel.schema import load_schema

        drop = cy.drop_staged(load_schema())
        dropped = 0
        with self._session() as session:
            while True:
                n = session.execute_write(lambda tx: tx.run(drop, {"limit": STAGE_TX_ROWS}).single()[0])
                dropped += n
                if not n:
                    return dropped

    def delete_all(self) -> None:
        """Remove every node and tie, in small transactions (tests and benchmarks)."""
        with self._session() as session:
            session.run(cy.delete_everything()).consume()

    def ensure_constraints(self, schema: Schema) -> list[str]:
        specs = schema_indexes(schema)
        names = [spec.name for spec in specs if spec.kind == "unique" and spec.entity == "node"]
        with self._session() as session:
            existing = {record["name"] for record in session.run("SHOW INDEXES YIELD name")}
            existing |= {record["name"] for record in session.run("SHOW CONSTRAINTS YIELD name")}
        missing = [spec for spec in specs if spec.name not in existing]
        if not missing:
            return names  # one round trip instead of dozens when the schema is in place
        with self._session() as session:
            for spec in missing:
                session.run(cy.neo4j_ddl(schema, spec)).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        return names

    def close(self) -> None:
        self._driver.close()


class Neo4jSession(LoadSession):
    """A load on Neo4j: one write transaction that first locks the graph's :Graph node.

    The lock makes loads take turns, each planning against what the last one committed;
    what an earlier, killed load left staged is removed first. Without staging,
    everything is written in that transaction. A staged session (:attr:`Staging.LABEL`)
    writes ahead, in transactions of about ``STAGE_TX_ROWS`` rows, up to ``STAGE_WRITERS``
    at once in threads, while the engine goes on validating; what follows a ``None``
    barrier waits for what came before. The locking transaction then switches them live
    and commits. A failure removes what was staged.
    """

    def __init__(self, store: Neo4jStore, *, staged: bool) -> None:
        from graphmodel.schema import load_schema

        self.staging = Staging.LABEL if staged else Staging.NONE
        self._store = store
        self._description = store.description
        self._committed = False
        self._closed = False
        self._wrote_ahead = False
        self._pool: ThreadPoolExecutor | None = None
        self._running: set[Future[int]] = set()
        self._barrier: list[Future[int]] = []
        self._group: list[Statement] = []
        self._stopping = Event()
        self._last_ping = time.monotonic()
        schema = load_schema()
        try:
            self._session = store._session()
            self._tx = self._session.begin_transaction()
            self._tx.run(cy.lock_graph(schema), {"id": cy.GRAPH_ID}).consume()
            # Holding the lock, no other load runs: whatever is staged is left over.
            if self._tx.run(cy.count_staged(schema)).single()[0]:
                store.drop_staged()
        except Exception as exc:
            self._close()
            raise StoreError(f"{self._description}: cannot start the load: {_message(exc)}") from None

    @property
    def committed(self) -> bool:
        return self._committed

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        try:
            with _memory_guard(self._description):
                result = self._tx.run(cypher, dict(params or {}))
                columns = list(result.keys())
                return Result(columns, [tuple(plain(v) for v in record.values()) for record in result])
        except GraphmodelError:
            raise
        except Exception as exc:
            raise StoreError(f"{self._description}: the load was rolled back: {_message(exc)}") from None

    def write(self, statement: Statement) -> None:
        if self._group or self._running:  # the atomic part runs once everything written ahead is in
            self._flush()
        try:
            with _memory_guard(self._description):
                self._tx.run(statement.cypher, dict(statement.params)).consume()
        except GraphmodelError:
            raise
        except Exception as exc:
            raise StoreError(f"{self._description}: the load was rolled back: {_message(exc)}") from None

    def write_ahead(self, statement: Statement | None) -> None:
        if self.staging is Staging.NONE:
            if statement is not None:
                self.write(statement)
            return
        self._ping()
        if self._group and (statement is None or sum(s.rows for s in self._group) + statement.rows > STAGE_TX_ROWS):
            self._submit()
        if statement is None:
            self._barrier = list(self._running)  # later statements wait for these; the engine does not
        else:
            self._group.append(statement)

    def _submit(self) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=STAGE_WRITERS, thread_name_prefix="graphmodel-stage")
        group, self._group = self._group, []
        self._running.add(self._pool.submit(self._write_group, group, self._barrier))
        self._wrote_ahead = True
        self._settle(STAGE_QUEUE)  # enough queued: the engine waits before producing more

    def _write_group(self, group: list[Statement], after: list[Future[int]]) -> int:
        wait(after)  # submitted before this one (the pool runs tasks in order), so no deadlock
        if self._stopping.is_set():
            return 0

        def work(tx: Any) -> None:
            for statement in group:
                with _memory_guard(self._description):
                    tx.run(statement.cypher, dict(statement.params)).consume()

        with self._store._session() as session:
            session.execute_write(work)
        return sum(statement.rows for statement in group)

    def _settle(self, most: int) -> None:
        while len(self._running) > most:
            finished, pending = wait(self._running, return_when=FIRST_COMPLETED)
            self._running = set(pending)
            for future in finished:
                future.result()  # raises the writer's error

    def _ping(self) -> None:
        """Keep the locking transaction's connection busy while writing ahead takes long."""
        if time.monotonic() - self._last_ping > KEEPALIVE_SECONDS:
            self._tx.run("RETURN 1").consume()
            self._last_ping = time.monotonic()

    def _flush(self) -> None:
        """Write what is still waiting to be written ahead, and wait until all of it is."""
        if self._group:
            self._submit()
        self._settle(0)

    def commit(self) -> None:
        try:
            self._flush()
            self._tx.commit()
            self._committed = True
        except GraphmodelError:
            self.rollback()
            raise
        except Exception as exc:
            self.rollback()
            raise StoreError(f"{self._description}: the load was rolled back: {_message(exc)}") from None
        finally:
            self._close()

    def rollback(self) -> None:
        self._stopping.set()
        for future in self._running:
            future.cancel()
        wait(self._running)
        self._running = set()
        with suppress(Exception):
            self._tx.rollback()
        if self._wrote_ahead:
            with suppress(Exception):
                self._store.drop_staged()
            self._wrote_ahead = False
        self._close()

    def _close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        with suppress(Exception):
            self._session.close()


#: The server's answer when one transaction needs more memory than it may use.
OUT_OF_MEMORY = "Neo.TransientError.General.MemoryPoolOutOfMemoryError"


@contextmanager
def _memory_guard(description: str) -> Iterator[None]:
    """Turn the server's per-transaction out-of-memory into a clear error the driver does not retry.

    The driver counts it as transient and would retry the same transaction for a minute.
    """
    try:
        yield
    except Exception as exc:
        if getattr(exc, "code", None) != OUT_OF_MEMORY:
            raise
        raise StoreError(
            f"{description}: the transaction needs more memory than the server allows "
            f"({getattr(exc, 'message', exc)}); nothing was written. A package smaller than the staging "
            "threshold (--stage-rows, or GRAPHMODEL_STAGE_ROWS; default 10,000 rows) loads in one transaction: "
            f"set it lower to stage the load (written ahead in transactions of {STAGE_TX_ROWS:,} rows, "
            "then switched live in one short one), or give Neo4j more memory (server.memory.heap.max_size, "
            "db.memory.transaction.max and db.memory.transaction.total.max; scripts/neo4j-local reads "
            "GRAPHMODEL_NEO4J_HEAP and GRAPHMODEL_NEO4J_TX_MEMORY)."
        ) from None


def _message(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} [{code}]" if code else message
