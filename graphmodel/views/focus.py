"""Focused views: the part of the graph one question is about.

- :func:`ego`: an NGO (or any node) and its neighbours.
- :func:`access`: how an NGO reaches villages and schools, directly (``WORKS_IN``)
  or down a mobilisation chain of departments (``MOBILIZES`` ties on its behalf);
  the departments on the way are highlighted. It also shows where the NGO's public
  trust came from (its trust sources, :func:`graphmodel.trust.trust_sources`, with the
  survey trust of each department's institution type) and how trust showed (the
  ``DISTRUSTS`` and ``ACCEPTS`` stances towards it).
- :func:`broker`: a department with the NGOs on one side and the villages and
  schools it mobilises (directly or through lower bodies) on the other.

>>> g = nx.MultiDiGraph()
>>> for node, label in [("ngo", "NGO"), ("cwf", "Agency"), ("twf", "Agency"), ("v1", "Village"), ("v2", "Village")]:
...     g.add_node(node, label=label, name=node)
>>> _ = g.add_edge("cwf", "ngo", type="SUPPORTS")
>>> _ = g.add_edge("cwf", "twf", type="MOBILIZES", on_behalf_of="ngo")
>>> _ = g.add_edge("twf", "v1", type="MOBILIZES", on_behalf_of="ngo")
>>> _ = g.add_edge("ngo", "v2", type="WORKS_IN")
>>> g.add_node("v3", label="Village", name="v3")
>>> _ = g.add_edge("cwf", "ngo", type="VOUCHES_FOR", kind="co_branding", place="v3")
>>> _ = g.add_edge("v3", "ngo", type="ACCEPTS", kind="participation")
>>> view = access(g, "ngo")
>>> sorted(view.graph.nodes), sorted(view.highlight_nodes)
(['cwf', 'ngo', 'twf', 'v1', 'v2', 'v3'], ['cwf', 'twf'])
>>> [d["trust_source"] for *_, d in view.graph.edges(data=True) if "trust_source" in d]
['co_branding']
>>> sorted(broker(g, "twf").graph.nodes)
['cwf', 'ngo', 'twf', 'v1']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from graphmodel.schema import load_schema
from graphmodel.trust import institution_trust, stances, trust_sources
from graphmodel.views.graph import ViewError

EdgeKey = tuple[Any, Any, Any]
GRASSROOTS = frozenset({"Village", "School"})


@dataclass
class Focus:
    """A subgraph to draw, with what to emphasise in it."""

    graph: nx.MultiDiGraph
    title: str
    centre: Any = None
    highlight_nodes: set[Any] = field(default_factory=set)
    highlight_edges: set[EdgeKey] = field(default_factory=set)
    #: Ties that are trust sources of the NGO in view (drawn in the schema's trust-source width).
    trust_edges: set[EdgeKey] = field(default_factory=set)


def _check(graph: nx.MultiDiGraph, node: str, label: str | None) -> str:
    if node not in graph:
        raise ViewError(f"no node with id {node!r} in the graph")
    found = graph.nodes[node].get("label")
    if label and found != label:
        raise ViewError(f"{node!r} is labelled {found}, not {label}")
    return str(graph.nodes[node].get("name") or node)


def _subgraph(graph: nx.MultiDiGraph, nodes: Iterable[Any], edges: Iterable[EdgeKey]) -> nx.MultiDiGraph:
    """The given edges plus the given nodes (also when they have none of those edges)."""
    sub = nx.MultiDiGraph()
    for node in nodes:
        sub.add_node(node, **graph.nodes[node])
    for u, v, k in edges:
        for end in (u, v):
            if end not in sub:
                sub.add_node(end, **graph.nodes[end])
        sub.add_edge(u, v, key=k, **graph.edges[u, v, k])
    return sub


def _ties_between(graph: nx.MultiDiGraph, a: Any, others: set[Any]) -> list[EdgeKey]:
    out = [(a, v, k) for _, v, k in graph.out_edges(a, keys=True) if v in others]
    return out + [(u, a, k) for u, _, k in graph.in_edges(a, keys=True) if u in others]


def ego(graph: nx.MultiDiGraph, node: str, radius: int = 1) -> Focus:
    """``node`` and everything within ``radius`` ties of it, in either direction."""
    name = _check(graph, node, None)
    sub = nx.MultiDiGraph(nx.ego_graph(graph, node, radius=radius, undirected=True))
    return Focus(sub, f"Ego network of {name}", centre=node, highlight_nodes={node})


def access(graph: nx.MultiDiGraph, ngo: str) -> Focus:
    """How ``ngo`` reaches villages and schools, with the departments on the way highlighted."""
    name = _check(graph, ngo, "NGO")
    chain = [
        (u, v, k)
        for u, v, k, d in graph.edges(keys=True, data=True)
        if d.get("type") == "MOBILIZES" and d.get("on_behalf_of") == ngo
    ]
    direct = [
        (ngo, v, k)
        for _, v, k, t in graph.out_edges(ngo, keys=True, data="type")
        if t == "WORKS_IN" and graph.nodes[v].get("label") in GRASSROOTS
    ]
    departments = {end for u, v, _ in chain for end in (u, v) if graph.nodes[end].get("label") == "Agency"}
    links = _ties_between(graph, ngo, departments)
    sources = [s for s in trust_sources(graph, ngo) if s.edge is not None]
    trust = [s.edge for s in sources if s.edge is not None]
    trust += [s.edge for s in stances(graph, ngo) if s.edge is not None]
    places = {s.place for s in sources if s.place in graph}
    # an instructed company's own ties to the NGO, which make the instruction a source
    trust += [e for s in sources if s.tie == "INSTRUCTS" for e in _ties_between(graph, s.place, {ngo})]
    sub = _subgraph(graph, [ngo, *sorted(places, key=str)], list(dict.fromkeys(chain + direct + links + trust)))
    _mark_sources(sub, sources)
    return Focus(
        sub,
        f"Access paths of {name} to villages and schools, and where its trust came from",
        centre=ngo,
        highlight_nodes=departments,
        highlight_edges=set(chain),
        trust_edges={s.edge for s in sources if s.edge is not None},
    )


def _mark_sources(sub: nx.MultiDiGraph, sources: Iterable[Any]) -> None:
    """Name each trust source on its tie, with the survey trust of its department's institution type.

    The copied ties get ``trust_source`` (the source's kind), ``survey_institution`` and
    ``survey_trust`` (Table 4's share trusting it in 2011 and 2015): tooltips show them.
    """
    schema = load_schema()
    for source in sources:
        data = sub.edges[source.edge]
        data["trust_source"] = source.kind
        agency = sub.nodes[source.agency] if source.agency in sub else {}
        institution = schema.survey_institution(agency.get("system"), agency.get("level"))
        if institution is None:
            continue
        data["survey_institution"] = institution
        shares = [(year, institution_trust(institution, year)) for year in (2011, 2015)]
        data["survey_trust"] = ", ".join(f"{year}: {share}%" for year, share in shares if share is not None)


def broker(graph: nx.MultiDiGraph, agency: str) -> Focus:
    """``agency`` between the NGOs it deals with and the villages and schools it mobilises."""
    name = _check(graph, agency, "Agency")
    chain: list[EdgeKey] = []
    seen, todo = {agency}, [agency]
    while todo:  # follow MOBILIZES ties downwards, through lower bodies
        node = todo.pop()
        for _, v, k, t in graph.out_edges(node, keys=True, data="type"):
            if t == "MOBILIZES":
                chain.append((node, v, k))
                if v not in seen:
                    seen.add(v)
                    todo.append(v)
    upstream = [(u, agency, k) for u, _, k, t in graph.in_edges(agency, keys=True, data="type") if t == "MOBILIZES"]
    ngos = {n for n in nx.all_neighbors(graph, agency) if graph.nodes[n].get("label") == "NGO"}
    ngos |= {graph.edges[e].get("on_behalf_of") for e in chain + upstream} & set(graph.nodes)
    links = _ties_between(graph, agency, ngos)
    return Focus(
        _subgraph(graph, [agency, *sorted(ngos)], chain + upstream + links),
        f"{name}: the NGOs and villages it brokers between",
        centre=agency,
        highlight_nodes={agency},
        highlight_edges=set(chain),
    )
