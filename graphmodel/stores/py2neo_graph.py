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

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

from graphmodel import statements as cy
from graphmodel.errors import StoreError
from graphmodel.schema import Schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import Progress, Result, Statement, Store, constraint_name
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

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        tx = self.graph.begin()
        try:
            for statement in statements:
                tx.run(statement.cypher, dict(statement.params)).stats()
                if progress:
                    progress(statement.rows)
        except Exception as exc:
            self.graph.rollback(tx)
            raise StoreError(f"{self.description}: the load was rolled back: {_message(exc)}") from None
        self.graph.commit(tx)

    def ensure_constraints(self, schema: Schema) -> list[str]:
        names = []
        try:
            for label in schema.keyed_labels:
                self.graph.run(cy.neo4j_unique_id(schema, label))
                self.graph.run(cy.neo4j_package_index(schema, label))
                names.append(constraint_name(label, "id"))
            for rel in schema.relationships:
                self.graph.run(cy.neo4j_tie_key_index(schema, rel))
            for rel, prop in schema.tie_indexes:
                self.graph.run(cy.neo4j_tie_property_index(schema, rel, prop))
            self.graph.run("CALL db.awaitIndexes(300)")
        except Exception as exc:
            raise StoreError(f"{self.description}: cannot create constraints: {_message(exc)}") from None
        return names

    def close(self) -> None:
        """Leave the ``Graph`` open: it belongs to the caller's script."""


def _result(cursor: Any) -> Result:
    columns = list(cursor.keys())
    return Result(columns, [tuple(plain_py2neo(v) for v in record.values()) for record in cursor])


def _message(exc: Exception) -> str:
    code = getattr(exc, "code", None)
    message = getattr(exc, "message", None) or str(exc)
    return f"{message} [{code}]" if code else str(message)
