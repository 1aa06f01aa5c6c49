"""One self-contained, offline HTML page showing a graph with vis-network.

The page is built here rather than by :class:`pyvis.network.Network`, for three
reasons measured or read in pyvis 0.3.2: its ``add_node``/``add_edge`` check for
duplicates by scanning Python lists (quadratic: minutes at 20,000 nodes), its
template loads Bootstrap from a CDN and writes the heading and menu ids unescaped,
and it turns every title into live HTML once any title contains "href". What the
page does take from pyvis is the vis-network 9.1.2 build pyvis ships, inlined so the
page works with no network.

Safety: all graph data travels as two JSON documents (what the first drawing needs, and
what tooltips show) in non-executing ``<script type="application/json">`` blocks with
``<``, ``>`` and ``&`` escaped; the
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
from graphmodel.temporal import effective_ends
from graphmodel.views.focus import Focus
from graphmodel.views.graph import ViewError, illustrative, node_name
from graphmodel.views.groups import group_actors
from graphmodel.views.layout import admin_layout
from graphmodel.views.timeline import round_years, tie_years, year_range

#: Above this many nodes the browser's physics is off and positions come from Python.
PHYSICS_LIMIT = 1000
#: Above this many nodes a view of the whole graph opens as an overview of groups (see :mod:`.groups`).
OVERVIEW_LIMIT = 2000
#: Above this many ties (with physics off) the ties are drawn by the page on the canvas, and reach
#: vis-network (for hover and tooltips) from zoom scale :data:`TIE_SCALE` on (vis-network drew 78,000
#: ties in 2 s a frame in headless Chromium, and took 3 s to create them).
TIE_LIMIT = 10_000
TIE_SCALE = 0.25
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


def _info(data: Mapping[str, Any]) -> list[str]:
    """A node's or tie's shown properties as a flat ``[key, value, key, value, …]`` list."""
    rows = [text for k, v in data.items() if k not in _HIDDEN and v not in (None, "", []) for text in (k, _text(v))]
    if data.get("_file"):
        rows += ["loaded from", f"{data['_file']} row {data.get('_row', '?')} ({data.get('_package', '?')})"]
    return rows


class _Interviews:
    """Interview descriptions numbered once, so tooltips refer to them by number."""

    def __init__(self, index: Mapping[str, str]) -> None:
        self.index = index
        self.number: dict[str, int] = {}
        self.texts: list[str] = []

    def refs(self, ids: set[str]) -> list[int]:
        """The first :data:`TOOLTIP_INTERVIEWS` of ``ids`` (sorted) as numbers, then how many there are in all."""
        out = []
        for i in sorted(ids)[:TOOLTIP_INTERVIEWS]:
            if i not in self.number:
                self.number[i] = len(self.texts)
                self.texts.append(self.index.get(i, i))
            out.append(self.number[i])
        return [*out, len(ids)]


def page_data(
    graph: nx.MultiDiGraph,
    *,
    schema: Schema,
    size_by: str | None = None,
    physics: bool,
    focus: Focus | None = None,
    interviews: Mapping[str, str] | None = None,
    overview: bool = False,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the page's script draws, and what its tooltips show, as two JSON-ready documents.

    The first holds only what the first drawing needs, column by column (node ``i``
    is ``ids[i]``, ``names[i]``, ``groups[i]`` …; ties refer to nodes and types by
    number); the second, parsed by the page on the first tooltip, holds each node's
    and tie's properties and interviews (numbers into one list of descriptions).
    Built in bulk, O(nodes + ties). Ties carry the first and last year the time slider
    shows them (``y0``, ``y1``, from :func:`.timeline.tie_years`); the rows "stated rows only"
    hides (:func:`.graph.illustrative`) are listed in ``illus``; ``overview`` adds the groups. Nodes
    with ``aliases`` (other ids merged into them) have them in ``aliases`` (by number), so
    the search finds a node by any of its ids.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("n", label="NGO", name="Green")
    >>> g.add_node("v", label="Village", name="Dashuijing", name_zh="大水井村")
    >>> _ = g.add_edge("n", "v", type="WORKS_IN", round=2, evidence=["Y1"])
    >>> draw, info = page_data(g, schema=load_schema(), physics=True)
    >>> draw["nodes"]["names"], draw["edges"]["from"], draw["edges"]["to"], draw["edges"]["rounds"]
    (['Green', 'Dashuijing\\n大水井村'], [0], [1], [2])
    >>> info["edges"], info["interviews"]
    ([[['type', 'WORKS_IN', 'round', '2', 'evidence', 'Y1'], [0, 1]]], ['Y1'])
    """
    interviews = interview_index(graph) if interviews is None else interviews
    if size_by and not any(size_by in d for _, d in graph.nodes(data=True)):
        found = sorted({k for _, d in graph.nodes(data=True) for k in d if k.startswith("metric_")})
        raise ViewError(
            f"no node has the property {size_by!r} to size by; "
            + (f"metrics present: {', '.join(found)}" if found else "no metric_* properties are present")
        )
    highlight_nodes = focus.highlight_nodes if focus else set()
    highlight_edges = focus.highlight_edges if focus else set()
    positions = {} if physics else admin_layout(graph)
    rounds_of = round_years(d for _, d in graph.nodes(data=True))
    years = year_range((d for *_, d in graph.edges(data=True)), [y for span in rounds_of.values() for y in span])
    # the same temporal rule as the queries and metrics (graphmodel.temporal): a tie a later round missed ends
    ends = effective_ends(graph) if years is not None else {}
    has_basis = any("basis" in d for _, d in graph.nodes(data=True)) or any(
        "basis" in d for *_, d in graph.edges(data=True)
    )
    hidden_nodes, hidden_ties = illustrative(graph) if has_basis else (set(), set())
    label_number = {name: i for i, name in enumerate(schema.data_labels)}
    type_number = {name: i for i, name in enumerate(schema.relationships)}
    styles = _TieStyles(schema)
    trust_edges = focus.trust_edges if focus else set()
    number = {node: i for i, node in enumerate(graph.nodes)}
    numbered = _Interviews(interviews)
    behind: dict[Any, set[str]] = defaultdict(set)
    rounds: dict[Any, set[int]] = defaultdict(set)
    sources, targets, types, tie_rounds, tie_hl, tie_info, y0, y1, tie_illus = [], [], [], [], [], [], [], [], []
    variant: list[int] = []
    for i, (u, v, k, data) in enumerate(graph.edges(keys=True, data=True)):
        evidence = {str(e) for e in data.get("evidence") or []}
        rel = data.get("type")
        if rel == "WITH":
            evidence.add(str(u))
        round_ = data.get("round") if isinstance(data.get("round"), int) else None
        for end in (u, v):
            behind[end] |= evidence
            if round_ is not None:
                rounds[end].add(round_)
        sources.append(number[u])
        targets.append(number[v])
        types.append(type_number.get(str(rel), -1))
        variant.append(styles.variant(str(rel), data.get("kind"), (u, v, k) in trust_edges))
        tie_rounds.append(round_)
        if (u, v, k) in highlight_edges:
            tie_hl.append(i)
        if years is not None:
            span = tie_years(data.get("start"), ends[(u, v, k)], years) or (1, 0)  # (1, 0): in no year
            y0.append(span[0])
            y1.append(span[1])
        if (u, v, k) in hidden_ties:
            tie_illus.append(i)
        tie_info.append([_info(data), numbered.refs(evidence)])
    ids, names, groups, node_rounds, values, xs, ys, node_hl, node_info, illus = [], [], [], [], [], [], [], [], [], []
    aliases: dict[int, str] = {}  # the search finds a node by its other ids too (docs/resolve.md)
    centre = None
    for i, (node, data) in enumerate(graph.nodes(data=True)):
        own_round = data.get("round")
        if isinstance(own_round, int):
            rounds[node].add(own_round)
        ids.append(str(node))
        names.append(node_name(graph, node))
        if data.get("aliases"):
            aliases[i] = "\n".join(str(a) for a in data["aliases"])
        groups.append(label_number.get(str(data.get("label")), -1))
        node_rounds.append(sorted(rounds[node]))
        if size_by:
            value = data.get(size_by)
            values.append(value if isinstance(value, int | float) and not isinstance(value, bool) else None)
        if positions:
            xs.append(round(positions[node][0], 1))
            ys.append(round(positions[node][1], 1))
        if node in highlight_nodes:
            node_hl.append(i)
        if node in hidden_nodes:
            illus.append(i)
        if focus is not None and node == focus.centre:
            centre = i
        node_info.append([_info(data), numbered.refs(behind[node] - {str(node)})])
    node_columns: dict[str, Any] = {
        "ids": ids,
        "names": names,
        "groups": groups,
        "rounds": node_rounds,
        "hl": node_hl,
        "centre": centre,
        "illus": illus,
    }
    if aliases:
        node_columns["aliases"] = aliases  # only the nodes that have some: {number: ids, one a line}
    if size_by:
        node_columns["values"] = values
    if positions:
        node_columns["x"], node_columns["y"] = xs, ys
    grouped = None
    if overview:
        grouping = group_actors(graph, positions or admin_layout(graph))
        node_columns["group"] = grouping.node_group
        grouped = {k: getattr(grouping, k) for k in ("names", "parents", "sizes", "x", "y")}
        grouped["labels"] = [label_number.get(label, -1) for label in grouping.labels]
    draw = {
        "labels": [
            {"name": n, "color": _colour(lb.style), "shape": str(lb.style.get("shape", "dot"))}
            for n, lb in schema.data_labels.items()
        ],
        "types": [
            {
                "name": n,
                "color": _colour(r.style),
                "dashes": bool(r.style.get("dashes", False)),
                "width": _width(r.style),
            }
            for n, r in schema.relationships.items()
        ],
        "variants": styles.variants,
        "physics": physics,
        "tieScale": TIE_SCALE if not physics and len(sources) > TIE_LIMIT else None,
        "sizeBy": size_by,
        "overview": overview,
        "groups": grouped,
        "years": None
        if years is None
        else {"min": years.start, "max": years.stop - 1, "rounds": [[r, *span] for r, span in rounds_of.items()]},
        "basis": has_basis,
        "nodes": node_columns,
        "edges": {
            "from": sources,
            "to": targets,
            "types": types,
            "rounds": tie_rounds,
            "hl": tie_hl,
            **({"y0": y0, "y1": y1} if years is not None else {}),
            **({"variant": variant} if styles.variants else {}),
            "illus": tie_illus,
        },
    }
    return draw, {"interviews": numbered.texts, "nodes": node_info, "edges": tie_info}


def _width(style: Mapping[str, Any]) -> int:
    value = style.get("width", 1)
    return int(value) if isinstance(value, int | float) and 0 < value <= 10 else 1


class _TieStyles:
    """Tie styles other than their type's: by ``kind`` (the schema's ``style.kinds``), and trust sources.

    A tie of a focused view that is one of its NGO's trust sources (``Focus.trust_edges``)
    is drawn as wide as the schema's trust-source type (``trust: source``). Each distinct
    style is numbered once (``variants``); a tie drawn in its type's own style gets -1.
    """

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.variants: list[dict[str, Any]] = []
        self._number: dict[tuple[Any, ...], int] = {}
        self._cache: dict[tuple[str, Any, bool], int] = {}
        self.source_width = next((_width(r.style) for r in schema.relationships.values() if r.trust == "source"), 3)

    def variant(self, rel: str, kind: Any, source: bool) -> int:
        slot = (rel, kind, source)
        if slot not in self._cache:
            self._cache[slot] = self._variant(rel, kind, source)
        return self._cache[slot]

    def _variant(self, rel: str, kind: Any, source: bool) -> int:
        spec = self.schema.relationships.get(rel)
        if spec is None or (not source and str(kind) not in (spec.style.get("kinds") or {})):
            return -1
        style = spec.style_for({"kind": kind})
        width = max(_width(style), self.source_width) if source else _width(style)
        item = {"color": _colour(style), "dashes": bool(style.get("dashes", False)), "width": width}
        key = tuple(item.values())
        if key not in self._number:
            self._number[key] = len(self.variants)
            self.variants.append(item)
        return self._number[key]


_SHAPES = {"dot", "square", "triangle", "triangleDown", "diamond", "hexagon", "star", "box"}


_TRUST_ROLES = {"source": "trust source", "stance": "stance"}


def _legend(schema: Schema, graph: nx.MultiDiGraph, rounds: list[int], data: Mapping[str, Any]) -> str:
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
    kind_counts: dict[tuple[str, str], int] = defaultdict(int)
    for _, _, d in graph.edges(data=True):
        if d.get("kind") is not None:
            kind_counts[(str(d.get("type")), str(d["kind"]))] += 1
    for i, (name, rel) in enumerate(schema.relationships.items()):
        line = "dashed" if rel.style.get("dashes") else "solid"
        trust = f' data-trust="{e(rel.trust)}"' if rel.trust else ""
        role = f' <span class="trust">({_TRUST_ROLES[rel.trust]})</span>' if rel.trust in _TRUST_ROLES else ""
        out.append(
            f'<li class="legend-type{" empty" if not edge_counts[name] else ""}" data-name="{e(name)}"{trust}>'
            f'<label><input type="checkbox" class="filter-type" data-index="{i}" checked>'
            f'<span class="line" style="border-top:{_width(rel.style) + 2}px {line} {_colour(rel.style)}"></span>'
            f'<span class="name" title="{e(rel.description)}">{e(name)}</span>{role}'
            f' <span class="count">{edge_counts[name]}</span></label>'
        )
        kinds = rel.style.get("kinds") or {}
        if kinds:
            out.append('<ul class="legend-kinds">')
            for kind in kinds:
                style = rel.style_for({"kind": kind})
                dash = "dashed" if style.get("dashes") else "solid"
                out.append(
                    f'<li class="legend-kind{" empty" if not kind_counts[(name, kind)] else ""}" '
                    f'data-name="{e(name)}:{e(kind)}"><span class="line" style="border-top:'
                    f'{_width(style) + 2}px {dash} {_colour(style)}"></span>'
                    f'<span class="name">{e(kind.replace("_", " "))}</span>'
                    f' <span class="count">{kind_counts[(name, kind)]}</span></li>'
                )
            out.append("</ul>")
        out.append("</li>")
    out.append('</ul></section><section id="filter-round"><h2>Fieldwork round</h2><select id="round">')
    out.append('<option value="">all rounds</option>')
    out.extend(f'<option value="{r}">round {r}</option>' for r in rounds)
    out.append("</select></section>")
    years = data.get("years")
    if years:
        lo, hi = int(years["min"]), int(years["max"])
        out.append(
            '<section id="filter-year"><h2>Year</h2><label><input type="checkbox" id="all-years" checked> all years'
            f'</label><input type="range" id="year" min="{lo}" max="{hi}" step="1" value="{lo}" disabled>'
            f'<button id="play" type="button">Play</button> <output id="year-label">{lo}–{hi}</output></section>'
        )
    if data.get("basis"):
        out.append(
            '<section id="filter-basis"><h2>Basis</h2><label><input type="checkbox" id="stated-only">'
            " stated rows only</label></section>"
        )
    return "".join(out)


def build_page(
    view: nx.MultiDiGraph | Focus,
    *,
    title: str | None = None,
    size_by: str | None = None,
    physics: bool | None = None,
    schema: Schema | None = None,
    interviews: Mapping[str, str] | None = None,
    overview: bool | None = None,
) -> str:
    """The HTML page for a graph or a focused view.

    ``physics=None`` turns the browser's force layout on up to :data:`PHYSICS_LIMIT`
    nodes; above it, nodes get fixed positions from :func:`layered_layout`.
    ``size_by`` names a numeric node property (e.g. a ``metric_*`` one).
    ``interviews`` describes interview ids for tooltips (default: the graph's own).
    ``overview=None`` opens a whole graph of more than :data:`OVERVIEW_LIMIT` nodes as an
    overview of groups (never a focused view).
    """
    schema = schema or load_schema()
    focus = view if isinstance(view, Focus) else None
    graph = view.graph if isinstance(view, Focus) else view
    title = title or (focus.title if focus else "graphmodel view")
    physics = graph.number_of_nodes() <= PHYSICS_LIMIT if physics is None else physics
    if overview is None:
        overview = focus is None and graph.number_of_nodes() > OVERVIEW_LIMIT
    physics = physics and not overview  # groups and members keep the positions computed here
    data, info = page_data(
        graph, schema=schema, size_by=size_by, physics=physics, focus=focus, interviews=interviews, overview=overview
    )
    rounds = sorted({r for rs in data["nodes"]["rounds"] for r in rs})
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
        'placeholder="name, 中文名, id or alias" autocomplete="off"><button id="search-go" type="button">Find</button>'
        '<p id="search-result"></p></section>\n',
        (
            '<section id="overview-box"><h2>Overview</h2><p class="note">Groups of actors by province, county '
            "and kind; a tie's width and number count the ties between two groups. Click a group to open it.</p>"
            '<button id="collapse" type="button">Close all groups</button></section>'
            if overview
            else ""
        ),
        _legend(schema, graph, rounds, data),
        (f'<p class="note">Node size: {html.escape(size_by)}</p>' if size_by else ""),
        '\n</aside>\n<div id="network"></div>\n</main>\n',
        f'<script type="application/json" id="graph-data">{json_for_script(data)}</script>\n',
        f'<script type="application/json" id="graph-info">{json_for_script(info)}</script>\n',
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
