"""graphmodel: fieldwork on state-NGO relations as a graph database.

Typical use::

    from graphmodel import open_store, load_package, run_query
    with open_store("embedded:.graphmodel/graph") as store:
        load_package(store, "my-fieldwork/")
        df = run_query(store, "motivations")
"""

from graphmodel.errors import GraphmodelError, InvalidPackage, InvalidSchema, Problem, QueryError, StoreError
from graphmodel.load import load_package
from graphmodel.schema import load_schema
from graphmodel.stores import open_store

__version__ = "0.1.0"

__all__ = [
    "GraphmodelError",
    "InvalidPackage",
    "InvalidSchema",
    "Problem",
    "QueryError",
    "StoreError",
    "__version__",
    "load_package",
    "load_schema",
    "open_store",
]
