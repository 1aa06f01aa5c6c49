"""A fingerprint of a whole graph: counts plus a hash of every property.

Two graphs with the same fingerprint hold the same nodes and ties with the same
properties, whatever their internal ids. Used to prove that a failed load left the
graph as it was, and that the two stores hold the same data.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from graphmodel import statements as cy
from graphmodel.records import digest
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store


@dataclass(frozen=True)
class Fingerprint:
    """Counts per label and type, and a digest of all properties."""

    labels: dict[str, int]
    types: dict[str, int]
    digest: str


def fingerprint(store: Store, *, ignore: tuple[str, ...] = ("loaded_at", "seq")) -> Fingerprint:
    """The fingerprint of everything in ``store``; properties named in ``ignore`` are left out.

    By default the two that record when a package was loaded, not what it holds: ``loaded_at``
    and ``seq`` (the order of loads).
    """
    nodes = []
    labels: Counter[str] = Counter()
    for node_labels, props in store.run(cy.all_nodes(load_schema())).rows:
        labels.update(node_labels)
        clean = {k: v for k, v in props.items() if k not in ignore}
        nodes.append(digest([sorted(node_labels), clean]))
    ties = []
    types: Counter[str] = Counter()
    for rel, source, target, props in store.run(cy.all_ties(load_schema())).rows:
        types[rel] += 1
        ties.append(digest([rel, source, target, props]))
    return Fingerprint(dict(sorted(labels.items())), dict(sorted(types.items())), digest([sorted(nodes), sorted(ties)]))
