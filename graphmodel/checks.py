"""Checks on query parameters before a query runs: ids that name nothing.

A parameter named after a label (``ngo`` for :NGO, ``agency``, ``village``, ...) or
``source`` / ``target`` (any actor) holds node ids; an id that exists nowhere makes
the query return an empty table, which looks like "no results" rather than a typo.
:func:`unknown_ids` says which ids are unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphmodel import statements as cy
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Store

#: Parameters that hold the id of a node of any data label.
ANY_NODE = ("source", "target")

__all__ = ["id_labels", "unknown_ids"]


def id_labels(name: str, schema: Schema) -> list[str]:
    """The labels whose ids a parameter called ``name`` holds (none if it holds no ids).

    >>> schema = load_schema()
    >>> id_labels("ngo", schema), id_labels("by", schema), len(id_labels("source", schema)) > 3
    (['NGO'], [], True)
    """
    if name in ANY_NODE:
        return list(schema.data_labels)
    return [label for label in schema.data_labels if label.lower() == name.lower()]


def unknown_ids(store: Store, params: Mapping[str, Any], schema: Schema | None = None) -> list[str]:
    """One warning per id parameter whose value(s) name no node of the right label."""
    schema = schema or load_schema()
    warnings = []
    for name, value in params.items():
        labels = id_labels(name, schema)
        if not labels or value is None:
            continue
        ids = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        missing = set(ids)
        for label in labels:
            missing -= {str(row[0]) for row in store.run(cy.find_ids(schema, label), {"ids": sorted(missing)}).rows}
            if not missing:
                break
        for unknown in sorted(missing):
            what = " or ".join(labels) if len(labels) < 3 else "node"
            warnings.append(f"no {what} has the id {unknown!r} (parameter {name}): the result will be empty")
    return warnings
