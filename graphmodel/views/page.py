"""One self-contained, offline HTML page showing a graph with vis-network.

The page is built here rather than by :class:`pyvis.network.Network`, for three
reasons measured or read in pyvis 0.3.2: its ``add_node``/``add_edge`` check for
duplicates by scanning Python lists (quadratic: minutes at 20,000 nodes), its
template loads Bootstrap from a CDN and writes the heading and menu ids unescaped,
and it turns every title into live HTML once any title contains "href". What the
page does take from pyvis is the vis-network 9.1.2 build pyvis ships, inlined so the
page works with no network.

Safety: all graph data travels as one JSON document in a non-executing
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped; the
page's script builds legend counts, tooltips and search results with
``textContent`` only; the heading goes through :func:`html.escape`; and a
Content-Security-Policy allows only the page's own two scripts (by hash) and no
network access at all, so an injected script or event handler could not run.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("ngo-1", label="NGO", name="<b>Green</b>", name_zh="绿色")
>>> page = build_page(g, title="<script>alert(1)</script>")
>>> "<b>Green" in page, "&lt;script&gt;alert(1)" in page, "绿色" in page
(False, True, True)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from graphmodel.schema import Schema, load_schema
from graphmodel.views.focus import Focus
from graphmodel.views.graph import ViewError, node_name
from graphmodel.views.layout import layered_layout

#: Above this many nodes the browser's physics is off and positions come from Python.
PHYSICS_LIMIT = 1000
#: Interviews listed in one tooltip before "and N more".
TOOLTIP_INTERVIEWS = 12
VIS_VERSION = "9.1.2"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
_HIDDEN = frozenset({"label", "_hash", "_key", "_file", "_row", "_package"})


@dataclass(frozen=True)
class Assets:
    """The inlined vis-network build (from pyvis) and graphmodel's own script and style."""

    vis_js: str
    vis_css: str
    view_js: str
    view_css: str


@cache
def assets() -> Assets:
    """Read vis-network from the pyvis package, and the page's script and style from ours."""
    vis = resources.files("pyvis").joinpath("templates", "lib", f"vis-{VIS_VERSION}")
    own = resources.files("graphmodel.views")
    parts = [
        vis.joinpath("vis-network.min.js").read_text(encoding="utf-8"),
        vis.joinpath("vis-network.css").read_text(encoding="utf-8"),
        own.joinpath("view.js").read_text(encoding="utf-8"),
        own.joinpath("view.css").read_text(encoding="utf-8"),
    ]
    for text in parts:
        if re.search(r"</(script|style)", text, re.IGNORECASE):
            raise ViewError("an asset contains a closing script/style tag and cannot be inlined")
    return Assets(*parts)


def json_for_script(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` left raw.

    >>> json_for_script({"name": "</script><img src=x>"})
    '{"name":"\\\\u003c/script\\\\u003e\\\\u003cimg src=x\\\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(raw, escaped)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _csp_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"


def _colour(style: Mapping[str, Any], default: str = "#9e9e9e") -> str:
    value = str(style.get("color", default))
    return value if _COLOUR.match(value) else default


def _text(value: Any) -> str:
    if isinstance(value, (list, tuple, set)):  # a tuple: isinstance with a union is slower
        return "; ".join(str(v) for v in value)
    return str(value)


def interview_index(graph: nx.MultiDiGraph) -> dict[str, str]:
    """``{interview id: "Y134 (ngo, director, Yunnan, 2010-05)"}`` for the graph's Interview nodes."""
    index = {}
    for node, data in graph.nodes(data=True):
        if data.get("label") == "Interview":
            details = [data.get(k) for k in ("sector", "role", "province", "date")]
            index[str(node)] = f"{node} ({', '.join(str(d) for d in details if d)})"
    return index


def _info(data: Mapping[str, Any], first: list[list[str]]) -> list[list[str]]:
    rows = first + [[k, _text(v)] for k, v in data.items() if k not in _HIDDEN and v not in (None, "", [])]
    if data.get("_file"):
        rows.append(["loaded from", f"{data['_file']} row {data.get('_row', '?')} ({data.get('_package', '?')})"])
    return rows


def _interviews(ids: set[str], index: Mapping[str, str]) -> list[str]:
    listed = [index.get(i, i) for i in sorted(ids)]
    if len(listed) > TOOLTIP_INTERVIEWS:
        listed = [*listed[:TOOLTIP_INTERVIEWS], f"… and {len(listed) - TOOLTIP_INTERVIEWS} more"]
    return listed


def page_data(
    graph: nx.MultiDiGraph,
    *,
    schema: Schema,
    size_by: str | None = None,
    physics: bool,
    focus: Focus | None = None,
    interviews: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything the page's script needs, as plain JSON-ready data (built in bulk, O(nodes + ties))."""
    interviews = interview_index(graph) if interviews is None else interviews
    if size_by and not any(size_by in d for _, d in graph.nodes(data=True)):
        found = sorted({k for _, d in graph.nodes(data=True) for k in d if k.startswith("metric_")})
        raise ViewError(
            f"no node has the property {size_by!r} to size by; "
            + (f"metrics present: {', '.join(found)}" if found else "no metric_* properties are present")
        )
    highlight_nodes = focus.highlight_nodes if focus else set()
    highlight_edges = focus.highlight_edges if focus else set()
    positions = {} if physics else layered_layout(graph)
    behind: dict[Any, set[str]] = defaultdict(set)
    rounds: dict[Any, set[int]] = defaultdict(set)
    edges = []
    for i, (u, v, k, data) in enumerate(graph.edges(keys=True, data=True)):
        evidence = {str(e) for e in data.get("evidence") or []}
        if data.get("type") == "WITH":
            evidence.add(str(u))
        for end in (u, v):
            behind[end] |= evidence
            if isinstance(data.get("round"), int):
                rounds[end].add(data["round"])
        edge: dict[str, Any] = {
            "id": i,
            "from": str(u),
            "to": str(v),
            "type": str(data.get("type")),
            "info": _info(data, [["tie", f"{node_name(graph, u)} → {data.get('type')} → {node_name(graph, v)}"]]),
            "iv": _interviews(evidence, interviews),
        }
        if isinstance(data.get("round"), int):
            edge["round"] = data["round"]
        if (u, v, k) in highlight_edges:
            edge["hl"] = 1
        edges.append(edge)
    nodes = []
    for node, data in graph.nodes(data=True):
        label = str(data.get("label"))
        own_round = data.get("round")
        if isinstance(own_round, int):
            rounds[node].add(own_round)
        item: dict[str, Any] = {
            "id": str(node),
            "label": node_name(graph, node),
            "group": label,
            "rounds": sorted(rounds[node]),
            "info": _info(data, [["label", label], ["id", str(node)]]),
            "iv": _interviews(behind[node] - {str(node)}, interviews),
        }
        if size_by and isinstance(data.get(size_by), int | float):
            item["value"] = data[size_by]
        if node in positions:
            item["x"], item["y"] = positions[node]
        if node in highlight_nodes:
            item["hl"] = 1
        if focus is not None and node == focus.centre:
            item["centre"] = 1
        nodes.append(item)
    return {
        "labels": [
            {"name": n, "color": _colour(lb.style), "shape": str(lb.style.get("shape", "dot"))}
            for n, lb in schema.data_labels.items()
        ],
        "types": [
            {"name": n, "color": _colour(r.style), "dashes": bool(r.style.get("dashes", False))}
            for n, r in schema.relationships.items()
        ],
        "physics": physics,
        "sizeBy": size_by,
        "nodes": nodes,
        "edges": edges,
    }


_SHAPES = {"dot", "square", "triangle", "triangleDown", "diamond", "hexagon", "star", "box"}


def _legend(schema: Schema, graph: nx.MultiDiGraph, rounds: list[int]) -> str:
    node_counts: dict[str, int] = defaultdict(int)
    for _, label in graph.nodes(data="label"):
        node_counts[str(label)] += 1
    edge_counts: dict[str, int] = defaultdict(int)
    for _, _, rel in graph.edges(data="type"):
        edge_counts[str(rel)] += 1
    e = html.escape
    out = ['<section class="legend" id="legend-labels"><h2>Actors</h2><ul>']
    for i, (name, lb) in enumerate(schema.data_labels.items()):
        shape = str(lb.style.get("shape", "dot"))
        shape = shape if shape in _SHAPES else "dot"
        out.append(
            f'<li class="legend-label{" empty" if not node_counts[name] else ""}" data-name="{e(name)}">'
            f'<label><input type="checkbox" class="filter-label" data-index="{i}" checked>'
            f'<span class="swatch shape-{shape}" style="background:{_colour(lb.style)}"></span>'
            f'<span class="name" title="{e(lb.description)}">{e(name)}</span>'
            f' <span class="count">{node_counts[name]}</span></label></li>'
        )
    out.append('</ul></section><section class="legend" id="legend-types"><h2>Ties</h2><ul>')
    for i, (name, rel) in enumerate(schema.relationships.items()):
        line = "dashed" if rel.style.get("dashes") else "solid"
        out.append(
            f'<li class="legend-type{" empty" if not edge_counts[name] else ""}" data-name="{e(name)}">'
            f'<label><input type="checkbox" class="filter-type" data-index="{i}" checked>'
            f'<span class="line" style="border-top:3px {line} {_colour(rel.style)}"></span>'
            f'<span class="name" title="{e(rel.description)}">{e(name)}</span>'
            f' <span class="count">{edge_counts[name]}</span></label></li>'
        )
    out.append('</ul></section><section id="filter-round"><h2>Fieldwork round</h2><select id="round">')
    out.append('<option value="">all rounds</option>')
    out.extend(f'<option value="{r}">round {r}</option>' for r in rounds)
    out.append("</select></section>")
    return "".join(out)


def build_page(
    view: nx.MultiDiGraph | Focus,
    *,
    title: str | None = None,
    size_by: str | None = None,
    physics: bool | None = None,
    schema: Schema | None = None,
    interviews: Mapping[str, str] | None = None,
) -> str:
    """The HTML page for a graph or a focused view.

    ``physics=None`` turns the browser's force layout on up to :data:`PHYSICS_LIMIT`
    nodes; above it, nodes get fixed positions from :func:`layered_layout`.
    ``size_by`` names a numeric node property (e.g. a ``metric_*`` one).
    ``interviews`` describes interview ids for tooltips (default: the graph's own).
    """
    schema = schema or load_schema()
    focus = view if isinstance(view, Focus) else None
    graph = view.graph if isinstance(view, Focus) else view
    title = title or (focus.title if focus else "graphmodel view")
    physics = graph.number_of_nodes() <= PHYSICS_LIMIT if physics is None else physics
    data = page_data(graph, schema=schema, size_by=size_by, physics=physics, focus=focus, interviews=interviews)
    rounds = sorted({r for n in data["nodes"] for r in n["rounds"]})
    a = assets()
    csp = (
        "default-src 'none'; "
        f"script-src {_csp_hash(a.vis_js)} {_csp_hash(a.view_js)}; "
        "style-src 'unsafe-inline'; img-src data:; font-src data:; base-uri 'none'; form-action 'none'"
    )
    t = html.escape(title)
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f'<meta name="generator" content="graphmodel, vis-network {VIS_VERSION} from pyvis">\n',
        f"<title>{t}</title>\n<style>{a.vis_css}</style>\n<style>{a.view_css}</style>\n</head>\n<body>\n",
        f'<header><h1 id="heading">{t}</h1><p id="status"></p></header>\n<main>\n<aside id="panel">\n',
        '<section id="search-box"><h2>Search</h2><input id="search" type="search" '
        'placeholder="name, 中文名 or id" autocomplete="off"><button id="search-go" type="button">Find</button>'
        '<p id="search-result"></p></section>\n',
        _legend(schema, graph, rounds),
        (f'<p class="note">Node size: {html.escape(size_by)}</p>' if size_by else ""),
        '\n</aside>\n<div id="network"></div>\n</main>\n',
        f'<script type="application/json" id="graph-data">{json_for_script(data)}</script>\n',
        f"<script>{a.vis_js}</script>\n<script>{a.view_js}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)


def write_page(page: str, path: str | Path) -> Path:
    """Write ``page`` to ``path`` (and nothing else, anywhere); return the path."""
    target = Path(path)
    if target.suffix.lower() not in (".html", ".htm"):
        raise ViewError(f"{target} should end in .html")
    if not target.parent.is_dir():
        raise ViewError(f"folder {target.parent} does not exist")
    target.write_text(page, encoding="utf-8")
    return target
