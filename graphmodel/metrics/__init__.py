"""Network metrics on graphs exported with :func:`graphmodel.export.to_networkx`.

Each works on any NetworkX directed graph; nodes exported from a store know their
sector through their ``label`` (see ``schema.yaml``), other graphs through a
``sector`` attribute. See docs/metrics.md for definitions and references.
"""

from __future__ import annotations

from graphmodel.metrics.access import (
    ACCESS_TYPES,
    access_betweenness,
    access_graph,
    department_withdrawal,
    state_dependence,
    subset_betweenness,
)
from graphmodel.metrics.brokerage import RELATIONS, ROLES, brokerage, brokerage_null_model
from graphmodel.metrics.holes import degree_by_type, structural_holes
from graphmodel.metrics.trust import borrowed_trust
from graphmodel.metrics.writeback import metric_property, write_metric

__all__ = [
    "ACCESS_TYPES",
    "RELATIONS",
    "ROLES",
    "access_betweenness",
    "access_graph",
    "borrowed_trust",
    "brokerage",
    "brokerage_null_model",
    "degree_by_type",
    "department_withdrawal",
    "metric_property",
    "state_dependence",
    "structural_holes",
    "subset_betweenness",
    "write_metric",
]
