"""Neo4j as a store: any Bolt URI (a local server, docker compose, a cluster, Aura).

Loads run in one managed write transaction (``execute_write``), so a package applies
whole or not at all; library queries run in managed read transactions
(``execute_read``), in which the server refuses writes. A load's transaction first
locks its :Package node, then validates, plans and writes, so concurrent loads of a
package take turns; the driver retries it whole after a deadlock or a lost
connection (a server restart), for up to ``RETRY_SECONDS``. Credentials come from
the settings and never appear in descriptions or messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from itertools import chain
from threading import Event
from typing import Any, LiteralString, TypeVar
from urllib.parse import urlsplit

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError, StoreError
from graphmodel.load import STAGE_ROWS, STAGE_ROWS_ENV
from graphmodel.schema import Schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import Progress, Result, Statement, Store, constraint_name
from graphmodel.stores.values import plain

T = TypeVar("T")
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
    """A URI safe to print: scheme, host and port only.

    >>> describe("neo4j+s://abc.databases.neo4j.io", None)
    'neo4j+s://abc.databases.neo4j.io (default database)'
    """
    parts = urlsplit(uri)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port} ({database or 'default database'})"


class Neo4jStore(Store):
    """A Neo4j server reached with the official driver."""

    stages_large_loads = True

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

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        def work(tx: Any) -> None:
            for statement in statements:
                with _memory_guard(self.description):
                    tx.run(statement.cypher, dict(statement.params)).consume()
                if progress:
                    progress(statement.rows)

        try:
            with self._session() as session:
                session.execute_write(work)
        except GraphmodelError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.description}: the load was rolled back: {_message(exc)}") from None

    def load_unit(self, package: str, work: Callable[[Store], T]) -> T:
        """Run a whole load (validation reads, planning, writes) in one write transaction.

        The transaction first locks the package's :Package node, so a second loader of
        the same package waits and then plans against what the first one committed.
        """
        from graphmodel.schema import load_schema

        schema = load_schema()
        lock = cy.lock_package(schema)

        def attempt(tx: Any) -> T:
            tx.run(lock, {"id": package}).consume()
            # Holding the lock, no other load of this package runs: whatever it has staged is left over.
            if tx.run(cy.count_staged(schema), {"package": package}).single()[0]:
                self.drop_staged(package)
            inner = _Transaction(tx, self, package)
            result = work(inner)
            if not inner.wrote:
                raise _NothingWritten(result)  # roll back the lock's MERGE of a new :Package node
            return result

        try:
            with self._session() as session:
                return session.execute_write(attempt)  # type: ignore[no-any-return]
        except _NothingWritten as done:
            return done.result  # type: ignore[no-any-return]
        except GraphmodelError:
            raise
        except Exception as exc:
            raise StoreError(f"{self.description}: the load was rolled back: {_message(exc)}") from None

    def write_ahead(self, statements: Iterable[Statement | None], progress: Progress | None = None) -> int:
        """Run a staged load's write-ahead statements in transactions of about ``STAGE_TX_ROWS`` rows.

        Up to ``STAGE_WRITERS`` transactions run at once, in threads, while the caller's
        iterator produces the next statements; the statements after a ``None`` in it are
        written once everything before it is (the iterator is not held up meanwhile).
        Returns the number of rows written.
        """

        def work(tx: Any, group: list[Statement]) -> None:
            for statement in group:
                with _memory_guard(self.description):
                    tx.run(statement.cypher, dict(statement.params)).consume()

        def write(group: list[Statement], after: list[Future[int]]) -> int:
            wait(after)  # started before this one (the pool runs tasks in order), so no deadlock
            if stopping.is_set():
                return 0  # something failed: the caller raises its error
            with self._session() as session:
                session.execute_write(work, group)
            return sum(statement.rows for statement in group)

        written = 0
        stopping = Event()
        running: set[Future[int]] = set()
        barrier: list[Future[int]] = []  # what the statements after the last None wait for

        def settle(most: int) -> None:
            nonlocal running, written
            while len(running) > most:
                finished, pending = wait(running, return_when=FIRST_COMPLETED)
                running = set(pending)
                for future in finished:
                    rows = future.result()
                    written += rows
                    if progress:
                        progress(rows)

        with ThreadPoolExecutor(max_workers=STAGE_WRITERS, thread_name_prefix="graphmodel-stage") as pool:
            group: list[Statement] = []
            try:
                for statement in chain(statements, [None]):
                    if group and (statement is None or sum(s.rows for s in group) + statement.rows > STAGE_TX_ROWS):
                        running.add(pool.submit(write, group, barrier))
                        group = []
                        settle(STAGE_QUEUE)  # enough queued: the caller waits before producing more
                    if statement is None:
                        barrier = list(running)  # later statements wait for these, the caller does not
                    else:
                        group.append(statement)
                settle(0)
            except BaseException:
                stopping.set()
                for future in running:
                    future.cancel()
                wait(running)
                raise
        return written

    def drop_staged(self, package: str) -> int:
        """Remove what loads of ``package`` staged and never switched live, in small transactions."""
        from graphmodel.schema import load_schema

        drop = cy.drop_staged(load_schema())
        dropped = 0
        with self._session() as session:
            while True:
                n = session.execute_write(
                    lambda tx: tx.run(drop, {"package": package, "limit": STAGE_TX_ROWS}).single()[0]
                )
                dropped += n
                if not n:
                    return dropped

    def delete_all(self) -> None:
        """Remove every node and tie, in small transactions (tests and benchmarks)."""
        with self._session() as session:
            session.run(cy.delete_everything()).consume()

    def ensure_constraints(self, schema: Schema) -> list[str]:
        names = [constraint_name(label, "id") for label in schema.keyed_labels]
        wanted = {*names, *(f"graphmodel_{label}__package" for label in schema.keyed_labels)}
        wanted |= {f"graphmodel_{rel}__key_unique" for rel in schema.relationships}
        wanted.add(f"graphmodel_{schema.staging_label}__id")
        wanted |= {f"graphmodel_{rel}_{prop}" for rel, prop in schema.tie_indexes}
        with self._session() as session:
            existing = {record["name"] for record in session.run("SHOW INDEXES YIELD name")}
        if wanted <= existing:
            return names  # one round trip instead of dozens when the schema is in place
        names = []
        with self._session() as session:
            for label in schema.keyed_labels:
                session.run(cy.neo4j_unique_id(schema, label)).consume()
                session.run(cy.neo4j_package_index(schema, label)).consume()
                names.append(constraint_name(label, "id"))
            for rel in schema.relationships:
                # A uniqueness constraint, not a plain index: concurrent MERGEs cannot duplicate a tie.
                session.run(cy.neo4j_drop_tie_key_index(schema, rel)).consume()
                session.run(cy.neo4j_unique_tie_key(schema, rel)).consume()
            session.run(cy.neo4j_staged_index(schema)).consume()
            for rel, prop in schema.tie_indexes:
                session.run(cy.neo4j_tie_property_index(schema, rel, prop)).consume()
            session.run("CALL db.awaitIndexes(300)").consume()
        return names

    def close(self) -> None:
        self._driver.close()


class _NothingWritten(Exception):
    """Ends a load transaction that wrote nothing, carrying the load's result."""

    def __init__(self, result: Any) -> None:
        super().__init__("nothing written")
        self.result = result


class _Transaction(Store):
    """The store as seen from inside one load transaction (driver errors pass through, so it can retry)."""

    stages_large_loads = True

    def __init__(self, tx: Any, owner: Neo4jStore, package: str) -> None:
        self._tx = tx
        self._owner = owner
        self._package = package
        self.description = owner.description
        self.wrote = False

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        with _memory_guard(self.description):
            result = self._tx.run(cypher, dict(params or {}))
            columns = list(result.keys())
            return Result(columns, [tuple(plain(v) for v in record.values()) for record in result])

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        self.wrote = True
        for statement in statements:
            with _memory_guard(self.description):
                self._tx.run(statement.cypher, dict(statement.params)).consume()
            if progress:
                progress(statement.rows)

    def apply_staged(
        self,
        stage: Iterable[Statement | None],
        switch: Callable[[], Sequence[Statement]],
        progress: Progress | None = None,
    ) -> bool:
        """Write ``stage`` in transactions of its own, then ``switch()`` in this one (committed by the caller).

        This transaction holds the package's lock throughout, so what a failed or killed
        load staged can be told apart and is removed: here on failure, or by the next load.
        """
        last_ping = time.monotonic()

        def ahead(rows: int) -> None:
            nonlocal last_ping
            if progress:
                progress(rows)
            if time.monotonic() - last_ping > KEEPALIVE_SECONDS:  # keep the locking transaction's connection busy
                self._tx.run("RETURN 1").consume()
                last_ping = time.monotonic()

        try:
            written = self._owner.write_ahead(stage, ahead)
            self.wrote = self.wrote or bool(written)
            todo = switch()
            if todo:
                self.apply(todo, progress)
            return bool(written or todo)
        except BaseException:
            with suppress(Exception):
                self._owner.drop_staged(self._package)
            raise

    def ensure_constraints(self, schema: Schema) -> list[str]:
        raise StoreError(f"{self.description}: constraints cannot be created inside a load")

    def close(self) -> None:
        """The transaction belongs to :meth:`Neo4jStore.load_unit`."""


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
            f"({getattr(exc, 'message', exc)}); nothing was written. A package of fewer than "
            f"{STAGE_ROWS_ENV} rows (default {STAGE_ROWS:,}) loads in one transaction: set "
            f"{STAGE_ROWS_ENV} lower to stage it (written ahead in transactions of {STAGE_TX_ROWS:,} rows, "
            "then switched live in one short one), or give Neo4j more memory (server.memory.heap.max_size, "
            "db.memory.transaction.max and db.memory.transaction.total.max; scripts/neo4j-local reads "
            "GRAPHMODEL_NEO4J_HEAP and GRAPHMODEL_NEO4J_TX_MEMORY)."
        ) from None


def _message(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} [{code}]" if code else message
