"""Stores graphmodel can load into and query, opened from a URL.

- ``embedded:PATH`` (default ``embedded:.graphmodel/graph``): FalkorDB embedded in the process.
- ``bolt://``, ``neo4j://``, ``neo4j+s://`` (and ``+ssc``) URIs: a Neo4j server or Aura;
  credentials come from ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD``, never from the URL.
"""

from __future__ import annotations

from graphmodel.errors import StoreError
from graphmodel.settings import Neo4jSettings, default_store
from graphmodel.stores.base import Result, Statement, Store

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")

__all__ = ["NEO4J_SCHEMES", "Result", "Statement", "Store", "open_store"]


def open_store(url: str | None = None) -> Store:
    """Open the store a URL names (or the default store).

    >>> import tempfile
    >>> store = open_store("embedded:" + tempfile.mkdtemp())
    >>> store.description.startswith("embedded:")
    True
    >>> store.close()
    """
    url = url or default_store()
    if url.startswith("embedded:"):
        from graphmodel.stores.embedded import EmbeddedStore

        return EmbeddedStore(url.removeprefix("embedded:") or ".graphmodel/graph")
    if url.startswith(NEO4J_SCHEMES):
        from graphmodel.stores.neo4j import Neo4jStore

        return Neo4jStore(Neo4jSettings.from_env(uri=url))
    raise StoreError(f"unknown store {url!r}: use embedded:PATH or a bolt://, neo4j:// or neo4j+s:// URI")
