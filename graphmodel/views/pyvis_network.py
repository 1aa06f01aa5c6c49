"""A :class:`pyvis.network.Network` of the graph, for notebook users who style views in pyvis.

The offline page (:func:`graphmodel.views.build_page`) stays the default view; this hands
over a pyvis network to adjust with pyvis's own API (``net.repulsion(...)``,
``net.show_buttons()``, ``net.save_graph("view.html")``). It is built in bulk: the node
and edge lists are assigned at once, not added one by one (pyvis's ``add_node`` scans
its list for duplicates: quadratic, minutes at 20,000 nodes). Every text that reaches the
page (labels, tooltips) is HTML-escaped, so a name like ``<img onerror=...>`` shows as
typed. Colours, shapes, dashes and widths come from the schema's view styles (by a tie's ``kind``
where the schema styles its kinds).

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("ngo-1", label="NGO", name="<b>Green</b>", name_zh="绿色")
>>> g.add_node("ag-1", label="Agency", name="Women's Federation")
>>> _ = g.add_edge("ag-1", "ngo-1", key="k", type="SUPPORTS", round=1)
>>> net = to_pyvis(g)
>>> net.nodes[0]["label"], net.nodes[1]["label"], net.edges[0]["title"]
('&lt;b&gt;Green&lt;/b&gt;\\n绿色', 'Women&#x27;s Federation', 'SUPPORTS (round 1)')
>>> net.num_nodes(), net.num_edges()
(2, 1)
"""

from __future__ import annotations

import html
from typing import Any

import networkx as nx

from graphmodel.schema import Schema, load_schema
from graphmodel.views.graph import node_name
from graphmodel.views.page import _colour, _width

__all__ = ["to_pyvis"]


def _tooltip(data: dict[str, Any], skip: tuple[str, ...]) -> str:
    lines = []
    for key, value in sorted(data.items()):
        if key in skip or key.startswith("_") or value in (None, "", []):
            continue
        text = "; ".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        lines.append(f"{key}: {text}")
    return html.escape("\n".join(lines))


def to_pyvis(graph: nx.MultiDiGraph, schema: Schema | None = None, **network: Any) -> Any:
    """A ``pyvis.network.Network`` of ``graph`` (directed; keyword arguments go to ``Network``)."""
    from pyvis.network import Network

    schema = schema or load_schema()
    network.setdefault("directed", True)
    network.setdefault("cdn_resources", "in_line")
    net = Network(**network)
    nodes = []
    for node, data in graph.nodes(data=True):
        label = schema.labels.get(str(data.get("label")))
        style = label.style if label else {}
        nodes.append(
            {
                "id": str(node),
                "label": html.escape(node_name(graph, node)),
                "title": _tooltip({"id": node, **data}, ("name", "name_zh")),
                "group": html.escape(str(data.get("label", ""))),
                "color": _colour(style),
                "shape": str(style.get("shape", "dot")),
            }
        )
    edges = []
    for source, target, data in graph.edges(data=True):
        rel = schema.relationships.get(str(data.get("type")))
        style = rel.style_for(data) if rel else {}
        round_ = f" (round {data['round']})" if data.get("round") is not None else ""
        edges.append(
            {
                "from": str(source),
                "to": str(target),
                "title": html.escape(f"{data.get('type', '')}{round_}"),
                "color": _colour(style),
                "dashes": bool(style.get("dashes", False)),
                "width": _width(style),
                "arrows": "to",
            }
        )
    net.nodes = nodes
    net.edges = edges
    net.node_ids = [n["id"] for n in nodes]
    net.node_map = {n["id"]: n for n in nodes}
    return net
