"""From a store to NetworkX, and from NetworkX to GraphML, GEXF and CSV.

:func:`to_networkx` reads the whole graph, or part of it, into a
:class:`networkx.MultiDiGraph`: nodes are keyed by ``id`` and carry ``label`` plus
their properties; edges are keyed by the tie's ``_key`` and carry ``type`` plus
their properties. :func:`filter_graph` applies the same filters to a graph already
in memory.

A tie is kept ``as_of`` a date when it is in force then under the one temporal rule
of :mod:`graphmodel.temporal` (the queries ``as_of`` and ``round_changes`` apply the
same): partial dates stand for every day they may mean, so a tie started "2010" is
active as of "2010-06" and a tie ended "2012" still as of "2012-12-31"; ties without a
start have always existed; a tie without an end holds until a later fieldwork round
revisited one of its ends without seeing it (it then ended with the last round that
saw it), else it still exists.

>>> g = nx.MultiDiGraph()
>>> g.add_node("a", label="Agency"); g.add_node("n", label="NGO")
>>> _ = g.add_edge("a", "n", key="k1", type="SUPPORTS", start="2010", end="2011-06", round=1)
>>> _ = g.add_edge("a", "n", key="k2", type="SPONSORS", start="2015", round=2)
>>> sorted(k for *_, k in filter_graph(g, as_of="2011").edges(keys=True))
['k1']
>>> sorted(k for *_, k in filter_graph(g, fieldwork_round=2).edges(keys=True))
['k2']
>>> sorted(filter_graph(g, labels=["NGO"]).nodes)
['n']
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from graphmodel import statements as cy
from graphmodel import temporal
from graphmodel.engine.validate import partial_date_bounds
from graphmodel.errors import GraphmodelError
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Store

__all__ = ["EXPORT_FORMATS", "ROUND_SPANS", "filter_graph", "tie_active", "to_networkx", "write_graph"]

EXPORT_FORMATS = ("graphml", "gexf", "csv")


def tie_active(start: str | None, end: str | None, as_of: str) -> bool:
    """Whether a tie with these partial dates may have been active during ``as_of``.

    Delegates to :func:`graphmodel.temporal.tie_active` (the one temporal rule).

    >>> tie_active("2010", None, "2010-06"), tie_active("2010-07", None, "2010-06")
    (True, False)
    >>> tie_active(None, "2012", "2012-12-31"), tie_active(None, "2012", "2013")
    (True, False)
    """
    return temporal.tie_active(start, end, as_of)


def _check_names(schema: Schema, labels: Iterable[str] | None, types: Iterable[str] | None) -> None:
    for label in labels or ():
        if label not in schema.data_labels:
            raise GraphmodelError(f"unknown label {label!r}; labels are: {', '.join(schema.data_labels)}")
    for rel in types or ():
        if rel not in schema.relationships:
            raise GraphmodelError(f"unknown relationship type {rel!r}; types are: {', '.join(schema.relationships)}")


def filter_graph(
    graph: nx.MultiDiGraph,
    *,
    labels: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    fieldwork_round: int | None = None,
    as_of: str | None = None,
) -> nx.MultiDiGraph:
    """A copy of ``graph`` with only the nodes of ``labels`` and the ties that pass every filter.

    Ties are kept when both ends are kept, their ``type`` is in ``types``, their
    ``round`` equals ``fieldwork_round`` and they were in force ``as_of`` (see
    :func:`graphmodel.temporal.in_force`, which reads the whole of ``graph`` to see
    which rounds revisited a tie's ends). ``None`` means no filter.
    """
    active = temporal.in_force(graph, as_of) if as_of is not None else None
    keep_labels = set(labels) if labels is not None else None
    keep_types = set(types) if types is not None else None
    out = nx.MultiDiGraph()
    out.graph.update(graph.graph)
    out.add_nodes_from(
        (n, dict(d)) for n, d in graph.nodes(data=True) if keep_labels is None or d.get("label") in keep_labels
    )
    for u, v, key, d in graph.edges(keys=True, data=True):
        if u not in out or v not in out:
            continue
        if keep_types is not None and d.get("type") not in keep_types:
            continue
        if fieldwork_round is not None and d.get("round") != fieldwork_round:
            continue
        if active is not None and (u, v, key) not in active:
            continue
        out.add_edge(u, v, key=key, **d)
    return out


def to_networkx(
    store: Store,
    *,
    labels: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    fieldwork_round: int | None = None,
    as_of: str | None = None,
    schema: Schema | None = None,
) -> nx.MultiDiGraph:
    """Read the graph (or the part the filters select) from a store into a ``MultiDiGraph``.

    Labels and types must be names from the schema; filters are those of
    :func:`filter_graph`. Nodes and ties are added in id order, so two stores with
    the same content give equal graphs.
    """
    schema = schema or load_schema()
    labels = list(labels) if labels is not None else None
    types = list(types) if types is not None else None
    _check_names(schema, labels, types)
    graph = nx.MultiDiGraph()
    for label in labels if labels is not None else schema.data_labels:
        rows = store.run(cy.export_nodes(schema, label)).rows
        rows.sort(key=_first)
        graph.add_nodes_from((node_id, _attrs("label", label, props)) for node_id, props in rows)
        del rows
    succ = graph._succ  # networkx's adjacency: source -> target -> key -> attributes
    for rel in types if types is not None else schema.relationships:
        rows = store.run(cy.export_ties(schema, rel)).rows
        rows.sort(key=_tie_order)
        for source, target, props in rows:
            if source not in succ or target not in succ:
                continue
            key = props.get("_key") or f"{source}|{rel}|{target}"
            keys = succ[source].get(target)
            while keys is not None and key in keys:  # the same _key from two packages
                key += "'"
            graph.add_edge(source, target, key=key, **_attrs("type", rel, props))
        del rows
    graph.graph.update(
        {"labels": labels, "types": types, "round": fieldwork_round, "as_of": as_of, "store": store.description}
    )
    if fieldwork_round is None and as_of is None:
        return graph  # nothing to filter: no copy (at the national size a copy doubles the time and memory)
    return filter_graph(graph, fieldwork_round=fieldwork_round, as_of=as_of)


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


def _tie_order(row: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """Ties in a fixed order: by source, target and key (so two stores with the same content give equal graphs)."""
    return row[0], row[1], row[2].get("_key") or ""


def _attrs(name: str, value: str, props: dict[str, Any]) -> dict[str, Any]:
    """``props`` with ``name`` first, set to ``value`` (a stored property of that name is shadowed)."""
    out = {name: value}
    out.update(props)
    out[name] = value
    return out


def _flat(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attributes GraphML and GEXF can hold: no None, lists joined with ``;``."""
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if value is None:
            continue
        out[key] = ";".join(str(v) for v in value) if isinstance(value, list | tuple) else value
    return out


#: The span of each fieldwork round (schema.yaml: round 1 = 2009-2012, 2 = 2018-2019): the time a tie
#: observed in that round, with neither start nor end recorded, is shown on Gephi's timeline.
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ROUND_SPANS = {1: ("2009-01-01", "2012-12-31"), 2: ("2018-01-01", "2019-12-31")}


def _for_files(graph: nx.MultiDiGraph, *, gexf: bool) -> nx.MultiDiGraph:
    """The graph as Gephi and yEd read it: each node's ``label`` is its name (its schema label in
    ``node_label``); each tie's type is ``tie_type`` (and, in GEXF, its edge label).

    GEXF's ``type`` on an edge is reserved (directed or undirected), so the tie type never goes there.
    GEXF edges carry ``start`` and ``end`` as full dates for the timeline (see :func:`write_graph`).
    """
    out = nx.MultiDiGraph()
    for n, d in graph.nodes(data=True):
        attrs = _flat(d)
        attrs["node_label"] = attrs.pop("label", "")
        attrs["label"] = str(d.get("name") or n)
        out.add_node(n, **attrs)
    for u, v, key, d in graph.edges(keys=True, data=True):
        attrs = _flat(d)
        attrs["tie_type"] = attrs.pop("type", "")
        if gexf:
            attrs["label"] = attrs["tie_type"]
            start, end = attrs.pop("start", None), attrs.pop("end", None)
            if start is not None:
                attrs["start"] = partial_date_bounds(str(start))[0].isoformat()
                attrs["tie_start"] = str(start)
            if end is not None:
                attrs["end"] = partial_date_bounds(str(end))[1].isoformat()
                attrs["tie_end"] = str(end)
            if start is None and end is None and d.get("round") in ROUND_SPANS:
                attrs["start"], attrs["end"] = ROUND_SPANS[d["round"]]
        out.add_edge(u, v, key=key, **attrs)
    return out


def _gexf_13(graph: nx.MultiDiGraph) -> str:
    """GEXF 1.3 text that validates against the GEXF 1.3 schema.

    networkx 3.x writes two things the schema refuses: the xsi namespace without "www."
    (so ``schemaLocation`` is an unknown attribute) and a ``name`` on ``<graph>``.
    """
    text = "\n".join(nx.generate_gexf(graph, version="1.3"))
    text = text.replace('xmlns:xsi="http://w3.org/2001/XMLSchema-instance"', f'xmlns:xsi="{XSI}"', 1)
    text = re.sub(r'(<graph [^>]*?) name="[^"]*"', r"\1", text, count=1)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + text + "\n"


def write_graph(graph: nx.MultiDiGraph, path: str | Path, fmt: str) -> list[Path]:
    """Write ``graph`` as GraphML or GEXF (one file at ``path``) or CSV (``nodes.csv`` and ``edges.csv``
    in the folder ``path``). Returns the files written.

    Node labels are the actors' names (the schema label is ``node_label``) and the tie type
    is ``tie_type``, in GraphML and GEXF alike. GEXF is version 1.3, dynamic: edges carry
    ``start`` and ``end`` as full dates (the first and last day the partial dates allow;
    for a tie with neither, the span of its fieldwork round, :data:`ROUND_SPANS`) so Gephi's
    timeline can use them; ``tie_start`` and ``tie_end`` keep the dates as recorded.
    CSV keeps the store's names: ``label`` and ``type`` columns.
    """
    path = Path(path)
    if fmt == "graphml":
        nx.write_graphml(_for_files(graph, gexf=False), path)
        return [path]
    if fmt == "gexf":
        path.write_text(_gexf_13(_for_files(graph, gexf=True)), encoding="utf-8")
        return [path]
    if fmt != "csv":
        raise GraphmodelError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    path.mkdir(parents=True, exist_ok=True)
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, _flat(d)) for n, d in graph.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(d)) for u, v, k, d in graph.edges(keys=True, data=True))
    node_cols = sorted({k for _, d in flat.nodes(data=True) for k in d} - {"label"})
    edge_cols = sorted({k for *_, d in flat.edges(data=True) for k in d} - {"type", "_key"})
    nodes_file, edges_file = path / "nodes.csv", path / "edges.csv"
    with nodes_file.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["id", "label", *node_cols])
        for n, d in sorted(flat.nodes(data=True)):
            writer.writerow(_safe_row([n, d.get("label", ""), *(d.get(c, "") for c in node_cols)]))
    with edges_file.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source", "target", "type", "key", *edge_cols])
        for u, v, key, d in sorted(flat.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
            writer.writerow(_safe_row([u, v, d.get("type", ""), key, *(d.get(c, "") for c in edge_cols)]))
    return [nodes_file, edges_file]


def _safe_row(values: list[Any]) -> list[Any]:
    """Text cells a spreadsheet would run as formulas, escaped (see :func:`graphmodel.output.spreadsheet_safe`)."""
    from graphmodel.output import spreadsheet_safe

    return [spreadsheet_safe(v) if isinstance(v, str) else v for v in values]
