"""Write a metric back into the store as a node property, so Cypher can use it.

The property is ``metric_<name>`` (``name`` must be a plain identifier). Missing
values (NaN) remove the property. A later reload of a package replaces the node's
properties and so drops metric properties: write them back again after loading.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError
from graphmodel.schema import NAME_PATTERN, Schema, load_schema
from graphmodel.stores.base import Statement, Store

__all__ = ["metric_property", "write_metric"]


def metric_property(name: str) -> str:
    """The property a metric is written to.

    >>> metric_property("access_betweenness")
    'metric_access_betweenness'
    """
    prop = f"metric_{name}"
    if not NAME_PATTERN.match(prop):
        raise GraphmodelError(f"metric name {name!r} must be letters, digits and _ only")
    return prop


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def write_metric(
    store: Store,
    graph: nx.Graph,
    values: pd.Series | Mapping[Hashable, Any],
    name: str,
    *,
    schema: Schema | None = None,
) -> int:
    """Set ``metric_<name>`` on each node of ``values`` (node id -> number); return how many were written.

    The node's label comes from ``graph`` (as exported by :func:`graphmodel.export.to_networkx`).
    """
    schema = schema or load_schema()
    prop = metric_property(name)
    items = values.items()
    by_label: dict[str, list[dict[str, Any]]] = {}
    for node, value in items:
        if node not in graph:
            raise GraphmodelError(f"node {node!r} is not in the graph")
        label = graph.nodes[node].get("label")
        if label not in schema.data_labels:
            raise GraphmodelError(f"node {node!r} has no label from the schema")
        by_label.setdefault(label, []).append({"id": str(node), "value": _plain(value)})
    statements = [
        Statement(cy.set_node_property(schema, label, prop), {"rows": rows}, rows=len(rows))
        for label, rows in sorted(by_label.items())
    ]
    store.apply(statements)
    return sum(len(rows) for rows in by_label.values())
