"""Stores graphmodel can load into and query, opened from a URL.

- ``embedded:PATH`` (default ``embedded:.graphmodel/graph``): a FalkorDB server of the store's own.
- ``bolt://``, ``neo4j://``, ``neo4j+s://`` (and ``+ssc``) URIs: a Neo4j server or Aura;
  credentials come from ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD``, never from the URL.
"""

from __future__ import annotations

from graphmodel.errors import StoreError
from graphmodel.settings import Neo4jSettings, default_store
from graphmodel.stores.base import Result, Statement, Store
from graphmodel.uris import safe_uri, scheme_of, scrub, unsafe_reason

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")

__all__ = ["NEO4J_SCHEMES", "Result", "Statement", "Store", "embedded_path", "open_store"]


def embedded_path(url: str) -> str | None:
    """The folder of an ``embedded:`` store URL (None for any other store).

    >>> embedded_path("embedded:/data/g"), embedded_path("embedded:"), embedded_path("bolt://h:7687")
    ('/data/g', '.graphmodel/graph', None)
    """
    url = url.strip()
    if scheme_of(url) != "embedded":
        return None
    return url[len("embedded:") :] or ".graphmodel/graph"


def open_store(url: str | None = None, *, create: bool = True, linger: float = 0) -> Store:
    """Open the store a URL names (or the project's store: see :class:`graphmodel.settings.Settings`).

    With ``create=False`` an embedded store that holds nothing yet is not created:
    :class:`StoreError` says so (reading from it could only give empty results).

    >>> import tempfile
    >>> store = open_store("embedded:" + tempfile.mkdtemp())
    >>> store.description.startswith("embedded:")
    True
    >>> store.close()
    """
    url = (url or default_store()).strip()
    scheme = scheme_of(url)
    if scheme == "embedded":
        from graphmodel.stores.embedded import EmbeddedStore

        path = embedded_path(url) or ""
        if not create:
            from graphmodel.stores.falkordb_server import has_data

            if not has_data(path):
                raise StoreError(
                    f"there is no embedded store at {path} (nothing has been loaded there): "
                    "load a package with `graphmodel load` or the sample with `graphmodel demo`, "
                    "or name the store to use with --store or `graphmodel use`"
                )
        return EmbeddedStore(path, linger=linger)
    if f"{scheme}://" in NEO4J_SCHEMES:
        from graphmodel.stores.neo4j import Neo4jStore

        unsafe = unsafe_reason(url)
        if unsafe:
            raise StoreError(f"{safe_uri(url)}: {unsafe}")
        # the driver knows schemes in lower case only; the rest of the URI is kept as given
        try:
            return Neo4jStore(Neo4jSettings.from_env(uri=scheme + url[len(scheme) :]))
        except StoreError as exc:  # a driver's message may quote the URI it was given, in its own way
            raise StoreError(scrub(str(exc), url)) from None
        except ValueError as exc:  # urllib on a malformed authority (an unclosed IPv6 bracket)
            raise StoreError(f"{safe_uri(url)}: not a valid URI ({scrub(str(exc), url)})") from None
    raise StoreError(f"unknown store {safe_uri(url)!r}: use embedded:PATH or a bolt://, neo4j:// or neo4j+s:// URI")
