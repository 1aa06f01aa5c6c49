"""A store over a py2neo ``Graph``, for analysts' existing py2neo scripts (optional).

py2neo is end of life (its README says so) and graphmodel's core uses the official
``neo4j`` driver. py2neo 2021.2.4 still talks to Neo4j 5.26 (it negotiates Bolt 4.3),
and runs the whole query library there with results identical to the official
driver's (``tests/test_py2neo.py``), so a script that already holds a ``Graph`` can
wrap it and use graphmodel::

    from py2neo import Graph
    from graphmodel.queries import run_query
    from graphmodel.stores.py2neo_graph import Py2neoStore

    graph = Graph("bolt://localhost:7687", auth=("neo4j", password))
    df = run_query(Py2neoStore(graph), "motivations").dataframe()

What fails on Neo4j 5 is py2neo's own schema API (``graph.schema.get_indexes``,
``get_uniqueness_constraints``, ``create_index``), which calls procedures Neo4j 5
removed; see docs/py2neo.md. Install with ``pip install "graphmodel[py2neo]"``.
py2neo is imported only when a store is made, so this module imports without it.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any, LiteralString

from graphmodel import statements as cy
from graphmodel.errors import StoreError
from graphmodel.schema import Schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import LoadSession, Result, Statement, Store
from graphmodel.stores.ddl import schema_indexes
from graphmodel.stores.values import plain

__all__ = ["Py2neoStore", "plain_py2neo"]


def plain_py2neo(value: Any) -> Any:
    """Plain data for a py2neo value, as :func:`graphmodel.stores.values.plain` gives for the driver's.

    Nodes and relationships become property dicts, paths lists of node dicts,
    temporal values ISO strings.

    >>> plain_py2neo({"a": [1, (2, 3)]})
    {'a': [1, [2, 3]]}
    """
    if type(value).__module__.startswith("py2neo"):
        from py2neo.data import Path

        if isinstance(value, Path):
            return [plain_py2neo(n) for n in value.nodes]
    if isinstance(value, (list, tuple)):
        return [plain_py2neo(v) for v in value]
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain_py2neo(v) for k, v in value.items()}
    return plain(value)


class Py2neoStore(Store):
    """graphmodel's store interface over a ``py2neo.Graph`` (Neo4j only).

    Reads run in py2neo's read-only auto-commit transactions (the server refuses
    writes there); loads run in one explicit transaction, committed at the end or
    rolled back on the first error.
    """

    def __init__(self, graph: Any) -> None:
        self.graph = graph
        self.description = f"py2neo {graph.service.uri} ({graph.name or 'default database'})"

    @classmethod
    def connect(cls, settings: Neo4jSettings | None = None) -> Py2neoStore:
        """Open a py2neo ``Graph`` from the usual ``NEO4J_*`` settings."""
        try:
            from py2neo import Graph
        except ImportError:
            raise StoreError('py2neo is not installed: pip install "graphmodel[py2neo]"') from None
        settings = settings or Neo4jSettings.from_env()
        if not settings.uri:
            raise StoreError("no Neo4j URI: set NEO4J_URI")
        try:
            graph = Graph(settings.uri, auth=(settings.username, settings.password), name=settings.database)
            graph.evaluate("RETURN 1")
        except Exception as exc:
            raise StoreError(f"py2neo cannot connect to {settings.uri}: {type(exc).__name__}: {exc}") from None
        return cls(graph)

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        try:
            if not write:
                cursor = self.graph.query(cypher, dict(params or {}))
                return _result(cursor)
            tx = self.graph.begin()
            try:
                result = _result(tx.run(cypher, dict(params or {})))
            except Exception:
                self.graph.rollback(tx)
                raise
            self.graph.commit(tx)
            return result
        except Exception as exc:
            raise StoreError(f"{self.description}: {_message(exc)}") from None

    def load_session(self, *, staged: bool = False) -> LoadSession:
        """One explicit transaction that first locks the graph's :Graph node (no staging)."""
        return _Py2neoSession(self)

    def ensure_constraints(self, schema: Schema) -> list[str]:
        try:
            for spec in schema_indexes(schema):
                self.graph.run(cy.neo4j_ddl(schema, spec))
            self.graph.run("CALL db.awaitIndexes(300)")
        except Exception as exc:
            raise StoreError(f"{self.description}: cannot create constraints: {_message(exc)}") from None
        return [spec.name for spec in schema_indexes(schema) if spec.kind == "unique" and spec.entity == "node"]

    def close(self) -> None:
        """Leave the ``Graph`` open: it belongs to the caller's script."""


class _Py2neoSession(LoadSession):
    """A load in one py2neo transaction, holding the graph's load lock."""

    def __init__(self, store: Py2neoStore) -> None:
        from graphmodel.schema import load_schema

        self._store = store
        self._committed = False
        self._rolled_back = False
        self._tx = store.graph.begin()
        try:
            self._tx.run(cy.lock_graph(load_schema()), {"id": cy.GRAPH_ID}).stats()
        except Exception as exc:
            store.graph.rollback(self._tx)
            raise StoreError(f"{store.description}: cannot start the load: {_message(exc)}") from None

    @property
    def committed(self) -> bool:
        return self._committed

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result:
        return _result(self._tx.run(cypher, dict(params or {})))

    def write(self, statement: Statement) -> None:
        try:
            self._tx.run(statement.cypher, dict(statement.params)).stats()
        except Exception as exc:
            raise StoreError(f"{self._store.description}: the load was rolled back: {_message(exc)}") from None

    def commit(self) -> None:
        self._store.graph.commit(self._tx)
        self._committed = True

    def rollback(self) -> None:
        if not self._committed and not self._rolled_back:
            self._rolled_back = True
            with suppress(Exception):
                self._store.graph.rollback(self._tx)


def _result(cursor: Any) -> Result:
    columns = list(cursor.keys())
    return Result(columns, [tuple(plain_py2neo(v) for v in record.values()) for record in cursor])


def _message(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} [{code}]" if code else str(message)
