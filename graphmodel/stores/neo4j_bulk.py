"""A first load into an empty Neo4j database: ``CREATE`` in parallel transactions, no ``MERGE``, no staging.

The session holds the load lock (the :Graph node, locked in the session's own
transaction, as every load does), checks that the database holds nothing, and writes
nodes with their labels, then ties between them, ``BULK_TX_ROWS`` rows per transaction,
``STAGE_WRITERS`` transactions at a time, while the engine goes on validating. The
closing statements (the package's record, the graph's format) run in the locking
transaction, whose commit ends the load. There is nothing to switch live, so a large
first load skips the staged load's relabelling of every node; the price is that
queries running meanwhile see the part written so far. A failure (a problem found
after writing began, a server error) removes everything the load wrote.

A process killed in the middle leaves the part written, under a provisional package
record (committed first, with no tables): the next load of the package reconciles it
like any reload (it compares hashes and removes what the package no longer has).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError, StoreError
from graphmodel.records import NodeRecord, TieRecord
from graphmodel.schema import Schema
from graphmodel.stores.base import BulkSession, Statement
from graphmodel.stores.neo4j import Neo4jSession, Neo4jStore, _message

__all__ = ["BULK_BATCH", "Neo4jBulkSession"]

#: Rows per statement (the parallel writers group statements into transactions of ``STAGE_TX_ROWS`` rows).
BULK_BATCH = 5_000
#: Nodes removed per transaction when a failed bulk load is undone.
DROP_BATCH = 10_000


class Neo4jBulkSession(BulkSession):
    """Bulk first load into Neo4j: a staged session's parallel writers, writing live labels with ``CREATE``."""

    _session: Neo4jSession

    def __init__(self, store: Neo4jStore, schema: Schema) -> None:
        super().__init__(Neo4jSession(store, staged=True), schema)  # the lock, and writers that write ahead
        self._store = store
        self._package: str | None = None
        self._labels: set[str] = set()

    def begin(self, package: str, provisional: Statement) -> None:
        """Commit ``provisional`` (the package's record, marked incomplete) before any data is written."""
        self._package = package
        try:
            with self._store._session() as session:
                session.execute_write(lambda tx: tx.run(provisional.cypher, dict(provisional.params)).consume())
        except Exception as exc:
            raise StoreError(f"{self._store.description}: cannot start the bulk load: {_message(exc)}") from None

    def nodes(self, records: Sequence[NodeRecord]) -> None:
        by_label: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in records:
            by_label[node.label].append(node.props)
        for label, rows in sorted(by_label.items()):
            self._labels.add(label)
            self._package = self._package or str(rows[0].get("_package"))
            cypher = cy.create_nodes(self._schema, label)
            for start in range(0, len(rows), BULK_BATCH):
                batch = rows[start : start + BULK_BATCH]
                self._session.write_ahead(Statement(cypher, {"rows": batch}, len(batch)))
        self._session.write_ahead(None)  # ties wait until every node is written

    def ties(self, records: Sequence[TieRecord]) -> None:
        by_type: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for tie in records:
            by_type[(tie.type, tie.source_label, tie.target_label)].append(
                {"source": tie.source, "target": tie.target, "props": tie.props}
            )
        for (rel, source, target), rows in sorted(by_type.items()):
            cypher = cy.create_ties(self._schema, rel, source, target)
            for start in range(0, len(rows), BULK_BATCH):
                batch = rows[start : start + BULK_BATCH]
                self._session.write_ahead(Statement(cypher, {"rows": batch}, len(batch)))

    def commit(self, statements: Sequence[Statement]) -> None:
        try:
            for statement in statements:  # waits for everything written ahead first
                self._session.write(statement)
            self._session.commit()
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        """Stop the writers, remove what they wrote (the store was empty) and the provisional record, then unlock."""
        if self._session.committed:
            return
        session = self._session
        session._stopping.set()
        for future in session._running:
            future.cancel()
        from concurrent.futures import wait

        wait(session._running)
        session._running = set()
        try:
            if self._package is not None:
                self._drop(self._package)
        finally:
            session.rollback()

    def _drop(self, package: str) -> None:
        labels = sorted(self._labels) or sorted(self._schema.data_labels)
        try:
            with self._store._session() as session:
                for label in labels:
                    drop = cy.drop_package_nodes(self._schema, label)
                    params = {"package": package, "limit": DROP_BATCH}
                    while session.execute_write(lambda tx, q=drop, p=params: tx.run(q, p).single()[0]):
                        pass
                delete = cy.delete_package(self._schema)
                session.execute_write(lambda tx: tx.run(delete, {"id": package}).consume())
        except GraphmodelError:
            raise
        except Exception as exc:
            with suppress(Exception):
                self._session.rollback()
            raise StoreError(
                f"{self._store.description}: the bulk load failed and what it wrote could not all be removed "
                f"({_message(exc)}); load the package again to reconcile it"
            ) from None
