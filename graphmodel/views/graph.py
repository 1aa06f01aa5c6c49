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
>>> g.nodes["vil-1"]["basis"] = "illustrative"
>>> sorted(only_stated(g).nodes)
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


def illustrative(graph: nx.MultiDiGraph) -> tuple[set[Any], set[tuple[Any, Any, Any]]]:
    """The nodes and ties that "stated rows only" hides: ``(nodes, ties)``.

    A tie is hidden when its ``basis`` is given and is not ``stated``, or when it touches a
    hidden node. A node is hidden when its ``basis`` is given and is not ``stated``, unless a
    tie stated by the paper (``basis`` = ``stated``) joins it: then it stays as that tie's
    stand-in (the sample's actors are mostly invented stand-ins for the paper's). Rows
    without a ``basis`` stay.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO", basis="illustrative")
    >>> g.add_node("v1", label="Village", basis="illustrative")
    >>> g.add_node("v2", label="Village", basis="illustrative")
    >>> _ = g.add_edge("v1", "ngo", key=0, type="DISTRUSTS", basis="stated")
    >>> _ = g.add_edge("v2", "ngo", key=0, type="ACCEPTS", basis="illustrative")
    >>> illustrative(g)
    ({'v2'}, {('v2', 'ngo', 0)})
    """
    stand_ins = {end for u, v, b in graph.edges(data="basis") if b == "stated" for end in (u, v)}
    nodes = {n for n, b in graph.nodes(data="basis") if b is not None and b != "stated" and n not in stand_ins}
    ties = {
        (u, v, k)
        for u, v, k, b in graph.edges(keys=True, data="basis")
        if (b is not None and b != "stated") or u in nodes or v in nodes
    }
    return nodes, ties


def only_stated(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``graph`` without what :func:`illustrative` hides (the page's "stated rows only", done before drawing)."""
    nodes, ties = illustrative(graph)
    out = nx.MultiDiGraph(graph.subgraph(n for n in graph if n not in nodes))
    out.remove_edges_from(ties)
    return out


def node_name(graph: nx.MultiDiGraph, node: Any) -> str:
    """A node's display name: English, then Chinese on a second line when both exist."""
    data = graph.nodes[node]
    name = str(data.get("name") or node)
    zh = data.get("name_zh")
    return f"{name}\n{zh}" if zh and zh != name else name
