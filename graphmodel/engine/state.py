"""What the graph holds that a load plans against: packages, their order, and one package's statements.

Read through a load session (or, for a dry run, the store), always with parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, LiteralString, Protocol

from graphmodel import statements as cy
from graphmodel.engine.claims import SHARED, Claim, claims_of
from graphmodel.schema import Schema
from graphmodel.stores.base import Result

__all__ = ["FORMAT", "GRAPH_ID", "GraphState", "PackageInfo", "Runner", "TieEnds", "read_state"]

#: The storage format this version writes (1: graphmodel 0.1, one package per node).
FORMAT = 2
GRAPH_ID = cy.GRAPH_ID


class Runner(Protocol):
    """Anything that runs a parameterised read: a store or a load session."""

    def run(self, cypher: LiteralString, params: Mapping[str, Any] | None = None) -> Result: ...


@dataclass(frozen=True)
class PackageInfo:
    """A package's load record."""

    id: str
    seq: int
    priority: int
    loaded_at: str
    tables: dict[str, int]


@dataclass(frozen=True)
class TieEnds:
    """A stored tie's endpoints."""

    source_label: str
    source: str
    target_label: str
    target: str


@dataclass
class GraphState:
    """The packages in the graph and what one package (``package``) asserts there."""

    package: str
    packages: dict[str, PackageInfo]
    format: int | None
    #: nodes only this package asserts: (label, id) -> hash
    nodes: dict[tuple[str, str], str] = field(default_factory=dict)
    #: ties only this package asserts: (type, key) -> (ends, hash)
    ties: dict[tuple[str, str], tuple[TieEnds, str]] = field(default_factory=dict)
    #: nodes this package asserts with others: (label, id) -> (hash, claims)
    shared_nodes: dict[tuple[str, str], tuple[str, dict[str, Claim]]] = field(default_factory=dict)
    #: ties this package asserts with others: (type, key) -> (ends, hash, claims)
    shared_ties: dict[tuple[str, str], tuple[TieEnds, str, dict[str, Claim]]] = field(default_factory=dict)

    @property
    def others(self) -> bool:
        """Whether any other package is in the graph (if not, nothing can be shared with one)."""
        return any(name != self.package for name in self.packages)

    def counts(self) -> dict[str, int]:
        """How many nodes per label and ties per type this package asserts now."""
        out: dict[str, int] = {}
        for kind, _ in [*self.nodes, *self.ties, *self.shared_nodes, *self.shared_ties]:
            out[kind] = out.get(kind, 0) + 1
        return out


def _tables(value: Any) -> dict[str, int]:
    out = {}
    for item in value or []:
        name, _, rows = str(item).rpartition(":")
        if name and rows.isdigit():
            out[name] = int(rows)
    return out


def read_packages(runner: Runner, schema: Schema) -> dict[str, PackageInfo]:
    """Every package's load record; packages 0.1.0 loaded get an order from their load times."""
    rows = runner.run(cy.package_records(schema)).records()
    rows.sort(key=lambda r: (r["seq"] is None, r["seq"] or 0, r["loaded_at"] or "", r["id"]))
    out = {}
    for index, row in enumerate(rows, start=1):
        seq = row["seq"] if row["seq"] is not None else index
        out[row["id"]] = PackageInfo(
            row["id"], int(seq), int(row["priority"] or 0), row["loaded_at"] or "", _tables(row["tables"])
        )
    return out


def read_state(runner: Runner, schema: Schema, package: str) -> GraphState:
    """The state a load of ``package`` plans against."""
    rows = runner.run(cy.graph_format(schema), {"id": GRAPH_ID}).rows
    state = GraphState(package, read_packages(runner, schema), rows[0][0] if rows else None)
    if package not in state.packages:
        return state  # a new package asserts nothing yet
    params = {"package": package}
    for label in schema.data_labels:
        for node_id, digest in runner.run(cy.package_nodes(schema, label), params).rows:
            state.nodes[(label, node_id)] = digest
        for node_id, digest, claims in runner.run(cy.shared_nodes(schema, label), params).rows:
            state.shared_nodes[(label, node_id)] = (digest, claims_of({"_package": SHARED, "_claims": claims}))
    for rel in schema.relationships:
        for sl, s, tl, t, key, digest in runner.run(cy.package_ties(schema, rel), params).rows:
            state.ties[(rel, key)] = (TieEnds(sl, s, tl, t), digest)
        for sl, s, tl, t, key, digest, claims in runner.run(cy.shared_ties(schema, rel), params).rows:
            state.shared_ties[(rel, key)] = (
                TieEnds(sl, s, tl, t),
                digest,
                claims_of({"_package": SHARED, "_claims": claims}),
            )
    return state
