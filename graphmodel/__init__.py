"""graphmodel: fieldwork on state-NGO relations as a graph database.

Typical use::

    from graphmodel import open_store, load_package, run_query
    with open_store("embedded:.graphmodel/graph") as store:
        load_package(store, "my-fieldwork/")
        df = run_query(store, "motivations")
"""

from typing import Any

from graphmodel.errors import (
    GraphmodelError,
    InvalidPackage,
    InvalidSchema,
    LoadRefused,
    Problem,
    QueryError,
    StoreError,
)
from graphmodel.schema import load_schema
from graphmodel.stores import open_store

__version__ = "0.1.0"

__all__ = [
    "GraphmodelError",
    "InvalidPackage",
    "InvalidSchema",
    "LoadOptions",
    "LoadRefused",
    "Problem",
    "QueryError",
    "StoreError",
    "__version__",
    "load_package",
    "load_schema",
    "open_store",
]


def __getattr__(name: str) -> Any:
    """``load_package`` and ``LoadOptions`` on first use: the loading API imports the readers."""
    if name in ("load_package", "LoadOptions"):
        from graphmodel import api

        return getattr(api, name)
    raise AttributeError(f"module 'graphmodel' has no attribute {name!r}")
