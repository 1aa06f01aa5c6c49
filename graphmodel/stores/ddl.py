"""The constraints and indexes every store creates, derived from the schema in one place.

Each store renders the same list (:func:`schema_indexes`) in its own dialect: Neo4j
(and the py2neo adapter) as Cypher DDL from :mod:`graphmodel.statements`, the
embedded FalkorDB through its index API.

>>> from graphmodel.schema import load_schema
>>> specs = schema_indexes(load_schema())
>>> [s.name for s in specs if s.label == "NGO"]
['graphmodel_NGO_id', 'graphmodel_NGO__package']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from graphmodel.schema import Schema
from graphmodel.stores.base import constraint_name

__all__ = ["IndexSpec", "schema_indexes"]


@dataclass(frozen=True)
class IndexSpec:
    """One constraint or index: on a node label or a relationship type, over one property."""

    name: str
    kind: Literal["unique", "index"]
    entity: Literal["node", "tie"]
    label: str
    prop: str


def schema_indexes(schema: Schema) -> list[IndexSpec]:
    """Every constraint and index graphmodel needs, in creation order.

    - a unique ``id`` on every keyed label (data and system labels), and an index on
      ``_package`` (a package's nodes are found by it when it reloads);
    - an index on the staging label's ``id`` (staged loads join staged nodes by id);
    - a unique ``_key`` on every relationship type (a tie's identity; concurrent writers
      cannot duplicate it), and an index on every property the schema marks ``indexed``.
    """
    specs: list[IndexSpec] = []
    for label in schema.keyed_labels:
        specs.append(IndexSpec(constraint_name(label, "id"), "unique", "node", label, "id"))
        specs.append(IndexSpec(f"graphmodel_{label}__package", "index", "node", label, "_package"))
    specs.append(IndexSpec(f"graphmodel_{schema.staging_label}__id", "index", "node", schema.staging_label, "id"))
    for rel in schema.relationships:
        specs.append(IndexSpec(f"graphmodel_{rel}__key_unique", "unique", "tie", rel, "_key"))
    for rel, prop in schema.tie_indexes:
        specs.append(IndexSpec(f"graphmodel_{rel}_{prop}", "index", "tie", rel, prop))
    return specs
