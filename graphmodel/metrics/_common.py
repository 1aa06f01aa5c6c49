"""Helpers the metrics share: a node's sector, the actor graph, simple directed copies."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

import networkx as nx

from graphmodel.schema import load_schema

#: Sectors of evidence nodes (interviews, motivation codes): not actors, left out by default.
EVIDENCE_SECTORS = ("interview", "motivation")

Group = str | Mapping[Hashable, Any] | Callable[[Hashable, dict[str, Any]], Any]


def node_sector(graph: nx.Graph, node: Hashable) -> str | None:
    """The sector of a node: the schema's sector of its ``label`` (and properties), else its ``sector`` attribute.

    Village committees are self-governing bodies, not the state (``sector_by`` in schema.yaml):

    >>> g = nx.DiGraph(); g.add_node("a", label="Agency"); g.add_node("x", sector="ngo")
    >>> g.add_node("vc", label="Agency", system="Village Committee")
    >>> node_sector(g, "a"), node_sector(g, "x"), node_sector(g, "vc")
    ('state', 'ngo', 'self_governing')
    """
    data = graph.nodes[node]
    label = load_schema().labels.get(str(data.get("label")))
    if label is not None and label.sector:
        return label.sector_of(data)
    value = data.get("sector")
    return None if value is None else str(value)


def group_of(graph: nx.Graph, group: Group) -> dict[Hashable, Any]:
    """Each node's group: by sector (``"sector"``), a node attribute name, a mapping or a function.

    Raises ``ValueError`` naming the nodes that have no group.
    """
    if group == "sector":
        values = {n: node_sector(graph, n) for n in graph}
    elif isinstance(group, str):
        values = {n: d.get(group) for n, d in graph.nodes(data=True)}
    elif isinstance(group, Mapping):
        values = {n: group.get(n) for n in graph}
    else:
        values = {n: group(n, d) for n, d in graph.nodes(data=True)}
    missing = sorted(str(n) for n, v in values.items() if v is None)
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise ValueError(f"no group ({group!r}) for {len(missing)} nodes: {shown}")
    return values


def nodes_in_sectors(graph: nx.Graph, sectors: Iterable[str]) -> list[Hashable]:
    """Nodes whose sector is one of ``sectors``, sorted."""
    wanted = set(sectors)
    return sorted((n for n in graph if node_sector(graph, n) in wanted), key=str)


def simple_digraph(
    graph: nx.Graph,
    *,
    types: Iterable[str] | None = None,
    exclude_sectors: Iterable[str] = (),
) -> nx.DiGraph:
    """A binary directed copy: multi-edges merged, self-loops dropped, node attributes kept.

    With ``types``, only edges whose ``type`` is one of them are kept (edges without a
    ``type`` attribute always are). Nodes of ``exclude_sectors`` are left out.
    """
    excluded = set(exclude_sectors)
    keep_types = set(types) if types is not None else None
    out = nx.DiGraph()
    out.add_nodes_from(
        (n, d) for n, d in graph.nodes(data=True) if not excluded or node_sector(graph, n) not in excluded
    )
    for u, v, d in graph.edges(data=True):
        if u == v or u not in out or v not in out:
            continue
        if keep_types is not None and "type" in d and d["type"] not in keep_types:
            continue
        out.add_edge(u, v)
    if not graph.is_directed():
        out.add_edges_from([(v, u) for u, v in out.edges])
    return out
