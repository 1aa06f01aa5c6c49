"""The graph a view shows: read from a store into NetworkX, and trimmed before drawing.

Nodes of a :class:`networkx.MultiDiGraph` are keyed by their ``id`` and carry a
``label`` attribute plus their properties; ties carry ``type`` plus theirs.

>>> g = nx.MultiDiGraph()
>>> g.add_node("ngo-1", label="NGO", name="Green Seeds")
>>> g.add_node("vil-1", label="Village", name="Dashuijing")
>>> g.add_node("vil-2", label="Village", name="Xiaohe")
>>> _ = g.add_edge("ngo-1", "vil-1", type="WORKS_IN", round=1)
>>> _ = g.add_edge("ngo-1", "vil-2", type="WORKS_IN", round=2)
>>> sorted(only_round(g, 2).nodes)
['ngo-1', 'vil-2']
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from graphmodel.errors import GraphmodelError
from graphmodel.export import to_networkx
from graphmodel.schema import Schema
from graphmodel.stores.base import Store


class ViewError(GraphmodelError):
    """A view cannot be drawn as asked (an unknown node, a metric no node has)."""


def read_graph(store: Store, schema: Schema | None = None) -> nx.MultiDiGraph:
    """The whole fieldwork graph in ``store``, read by :func:`graphmodel.export.to_networkx`."""
    return to_networkx(store, schema=schema)


def only_round(graph: nx.MultiDiGraph, round_: int) -> nx.MultiDiGraph:
    """Ties observed in one fieldwork round, with the nodes they touch."""
    keep = [(u, v, k) for u, v, k, r in graph.edges(keys=True, data="round") if r == round_]
    return nx.MultiDiGraph(graph.edge_subgraph(keep))


def node_name(graph: nx.MultiDiGraph, node: Any) -> str:
    """A node's display name: English, then Chinese on a second line when both exist."""
    data = graph.nodes[node]
    name = str(data.get("name") or node)
    zh = data.get("name_zh")
    return f"{name}\n{zh}" if zh and zh != name else name
