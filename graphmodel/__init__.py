"""graphmodel: fieldwork on state-NGO relations as a graph database.

Typical use::

    from graphmodel import open_store, load_package, run_query
    with open_store("embedded:.graphmodel/graph") as store:
        load_package(store, "my-fieldwork/")
        df = run_query(store, "motivations").dataframe()

In Jupyter, ``%load_ext graphmodel`` adds the ``%%cypher`` cell magic (see
:mod:`graphmodel.notebook`). Names are imported on first use, so ``import graphmodel``
(and the command line) start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: Public name -> module it lives in (imported on first access).
_EXPORTS = {
    "GraphmodelError": "graphmodel.errors",
    "InvalidPackage": "graphmodel.errors",
    "InvalidSchema": "graphmodel.errors",
    "LoadRefused": "graphmodel.errors",
    "Problem": "graphmodel.errors",
    "QueryError": "graphmodel.errors",
    "StoreError": "graphmodel.errors",
    "LoadOptions": "graphmodel.api",  # the loading API imports the readers
    "load_package": "graphmodel.api",
    "load_schema": "graphmodel.schema",
    "open_store": "graphmodel.stores",
    "run_query": "graphmodel.queries",
    "to_networkx": "graphmodel.export",
    "to_pyvis": "graphmodel.views.pyvis_network",
    "Settings": "graphmodel.settings",
}

__all__ = [
    "GraphmodelError",
    "InvalidPackage",
    "InvalidSchema",
    "LoadOptions",
    "LoadRefused",
    "Problem",
    "QueryError",
    "Settings",
    "StoreError",
    "__version__",
    "load_ipython_extension",
    "load_package",
    "load_schema",
    "open_store",
    "run_query",
    "to_networkx",
    "to_pyvis",
]

if TYPE_CHECKING:  # pragma: no cover
    from graphmodel.api import LoadOptions, load_package
    from graphmodel.errors import (
        GraphmodelError,
        InvalidPackage,
        InvalidSchema,
        LoadRefused,
        Problem,
        QueryError,
        StoreError,
    )
    from graphmodel.export import to_networkx
    from graphmodel.queries import run_query
    from graphmodel.schema import load_schema
    from graphmodel.settings import Settings
    from graphmodel.stores import open_store
    from graphmodel.views.pyvis_network import to_pyvis


def __getattr__(name: str) -> Any:
    """Import a public name on first use.

    >>> import graphmodel
    >>> graphmodel.QueryError.__name__
    'QueryError'
    """
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'graphmodel' has no attribute {name!r}")


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext graphmodel``: add the ``%%cypher`` and ``%graphmodel_store`` magics."""
    from graphmodel.notebook import load_ipython_extension as load

    load(ipython)
