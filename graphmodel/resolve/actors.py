"""The actors resolution compares: id, label, names, place and kind, read from a package or a store.

Actors are the nodes of every data label except interviews and motivation codes (those
are identified by codes, not names). Candidates come from a fieldwork package read by
``loaders/`` (the caller reads it; this module takes the :class:`RawPackage`) and from what
a store holds (the ``resolve_actors`` library query).

>>> from graphmodel.schema import load_schema
>>> from graphmodel.tables import RawPackage, Row, Table
>>> table = Table("agencies", "agencies.csv", ["id", "name", "system", "level", "county"])
>>> table.rows.append(Row(2, {"id": "a1", "name": "Huining County Women's Federation",
...     "system": "Women's Federation", "level": "county", "county": "Huining County"}))
>>> [actor] = actors_from_package(RawPackage("p", ".", {"agencies": table}), load_schema())
>>> actor.label, actor.kind, actor.county
('Agency', 'women_federation/county', 'huining')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphmodel.queries import run_query
from graphmodel.resolve.names import place_key, system_key
from graphmodel.schema import Schema
from graphmodel.stores.base import Store
from graphmodel.tables import RawPackage

__all__ = [
    "NOT_ACTORS",
    "Actor",
    "actor_from_values",
    "actor_labels",
    "actors_from_package",
    "actors_from_store",
    "kind_of",
]

#: Sectors of labels whose nodes are not actors and are never resolved (ids are interview or code names).
NOT_ACTORS = frozenset({"interview", "motivation"})
#: Place properties, coarse to fine, that block comparisons (only those a label has are used).
PLACES = ("province", "county", "township")


@dataclass(frozen=True, slots=True)
class Actor:
    """One node as resolution sees it; place fields hold :func:`~graphmodel.resolve.names.place_key` values."""

    id: str
    label: str
    package: str
    name: str
    name_zh: str = ""
    province: str = ""
    county: str = ""
    township: str = ""
    kind: str = ""
    row: int = 0


def actor_labels(schema: Schema) -> list[str]:
    """Labels whose nodes are actors, in schema order.

    >>> from graphmodel.schema import load_schema
    >>> actor_labels(load_schema())
    ['NGO', 'Agency', 'Village', 'School', 'Funder', 'Company', 'Public']
    """
    return [name for name, label in schema.data_labels.items() if label.sector not in NOT_ACTORS]


def kind_of(label: str, values: Mapping[str, str | None]) -> str:
    """What kind of actor it is, beyond its label: an agency's system and level, a funder's kind.

    >>> kind_of("Agency", {"system": "妇女联合会", "level": "township"}), kind_of("Funder", {"kind": "government"})
    ('women_federation/township', 'government')
    """
    if label == "Agency":
        return f"{system_key(values.get('system'))}/{values.get('level') or ''}"
    if label == "Funder":
        return values.get("kind") or ""
    return ""


def actor_from_values(label: str, package: str, values: Mapping[str, str | None], row: int = 0) -> Actor:
    """An actor from a node's values as a table row or a query gives them (places reduced to keys)."""
    return Actor(
        id=str(values["id"]),
        label=label,
        package=package,
        name=values.get("name") or "",
        name_zh=values.get("name_zh") or "",
        province=place_key(values.get("province")),
        county=place_key(values.get("county")),
        township=place_key(values.get("township")),
        kind=kind_of(label, values),
        row=row,
    )


def actors_from_package(raw: RawPackage, schema: Schema, labels: Iterable[str] | None = None) -> list[Actor]:
    """The actors a package's node tables define (rows without an id are left to validation)."""
    out = []
    for label in labels or actor_labels(schema):
        table = raw.tables.get(schema.labels[label].table or "")
        if table is None:
            continue
        for row in table.rows:
            if row.values.get("id"):
                out.append(actor_from_values(label, raw.name, dict(row.values), row.number))
    return out


def actors_from_store(store: Store, schema: Schema, labels: Iterable[str] | None = None) -> list[Actor]:
    """The actors a store holds, through the ``resolve_actors`` library query."""
    wanted = [schema.label(name) for name in (labels or actor_labels(schema))]
    result = run_query(store, "resolve_actors", {"labels": wanted}, page_size=None)  # every page
    return [actor_from_values(rec["label"], rec["package"] or "", rec) for rec in result.records()]
