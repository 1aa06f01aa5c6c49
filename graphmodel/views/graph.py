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

from graphmodel import statements as cy
from graphmodel.errors import GraphmodelError
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Store


class ViewError(GraphmodelError):
    """A view cannot be drawn as asked (an unknown node, a metric no node has)."""


def read_graph(store: Store, schema: Schema | None = None) -> nx.MultiDiGraph:
    """The whole fieldwork graph in ``store`` (system labels such as :Package left out).

    A small private reader until :mod:`graphmodel.export` offers the same; it uses
    the exporters' statements :func:`graphmodel.statements.all_nodes` and ``all_ties``.
    """
    schema = schema or load_schema()
    graph = nx.MultiDiGraph()
    for labels, props in store.run(cy.all_nodes()).rows:
        label = next((lb for lb in labels if lb in schema.data_labels), None)
        if label is None:
            continue
        graph.add_node(props["id"], label=label, **{k: v for k, v in props.items() if k != "id"})
    for rel, source, target, props in store.run(cy.all_ties()).rows:
        if source in graph and target in graph and rel in schema.relationships:
            graph.add_edge(source, target, type=rel, **props)
    return graph


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
