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

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, LiteralString

import networkx as nx

from graphmodel import export_files as files
from graphmodel import statements as cy
from graphmodel import temporal
from graphmodel.errors import GraphmodelError
from graphmodel.gcpause import gc_paused
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Store

__all__ = [
    "EXPORT_FORMATS",
    "ROUND_SPANS",
    "export_store",
    "filter_graph",
    "read_store",
    "tie_active",
    "to_networkx",
    "write_graph",
]

EXPORT_FORMATS = ("graphml", "gexf", "csv")
ROUND_SPANS = files.ROUND_SPANS
Node = files.Node
Tie = files.Tie


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


def read_store(
    store: Store,
    *,
    labels: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    fieldwork_round: int | None = None,
    schema: Schema | None = None,
) -> tuple[Iterator[Node], Iterator[Tie]]:
    """The nodes and then the ties of a store, one label or type at a time, as :func:`to_networkx` adds them.

    Nodes ``(id, {"label": label, **properties})`` in id order within a label; ties
    ``(source, target, key, {"type": type, **properties})`` in (source, target, key) order within
    a type, keyed by the tie's ``_key`` (a second package's tie with the same key gets a ``'``);
    only ties whose ends were read, and of ``fieldwork_round`` when given. Consume the nodes
    before the ties. A tie's ends are the very objects its nodes' ids are (the reply's own
    copies are dropped): a graph made of them holds each id once, and numbering its nodes
    by identity works (:func:`graphmodel.metrics.subset_betweenness`). Memory: one label's
    or one type's rows at a time, plus the node ids.
    """
    schema = schema or load_schema()
    labels = list(labels) if labels is not None else None
    types = list(types) if types is not None else None
    _check_names(schema, labels, types)
    seen: dict[Any, Any] = {}  # each node id read, to itself: a tie's ends become these objects
    node_labels = labels if labels is not None else list(schema.data_labels)
    tie_types = types if types is not None else list(schema.relationships)
    reads = [cy.export_nodes(schema, label) for label in node_labels] + [
        cy.export_ties(schema, rel) for rel in tie_types
    ]
    pages = _read_ahead(store, reads)

    def nodes() -> Iterator[Node]:
        for label in node_labels:
            rows = next(pages)
            rows.sort(key=_first)
            ids = list(map(_first, rows))
            seen.update(zip(ids, ids, strict=True))
            del ids
            for node_id, props in rows:
                props["label"] = label  # the read's own dict: no copy (a stored "label" is shadowed)
                yield node_id, props
            del rows

    def ties() -> Iterator[Tie]:
        for rel in tie_types:
            rows = next(pages)
            rows.sort(key=_tie_order)
            ends: tuple[str, str] | None = None
            keys: set[str] = set()  # the keys of this pair of ends (rows are sorted by ends)
            node = seen.get
            for row_source, row_target, props in rows:
                source, target = node(row_source, _UNSEEN), node(row_target, _UNSEEN)
                if source is _UNSEEN or target is _UNSEEN:
                    continue
                if ends != (source, target):
                    ends, keys = (source, target), set()
                key = props.get("_key") or f"{source}|{rel}|{target}"
                while key in keys:  # the same _key from two packages (keys hold the type: no clash across types)
                    key += "'"
                keys.add(key)
                if fieldwork_round is not None and props.get("round") != fieldwork_round:
                    continue
                props["type"] = rel
                yield source, target, key, props
            del rows

    return nodes(), ties()


#: What ``read_store`` finds for a tie end that is no node read.
_UNSEEN = object()


def _read_ahead(store: Store, reads: list[LiteralString]) -> Iterator[list[tuple[Any, ...]]]:
    """Each read's rows, in order; the next read runs (in the server, and in a thread here) while these are used."""
    with ThreadPoolExecutor(1, thread_name_prefix="graphmodel-export") as pool:
        pending = pool.submit(store.run, reads[0]) if reads else None
        for following in [*reads[1:], None]:
            assert pending is not None
            rows = pending.result().rows
            pending = pool.submit(store.run, following) if following is not None else None
            yield rows
            del rows


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
    :func:`filter_graph`. Nodes and ties are added in id order (:func:`read_store`), so two
    stores with the same content give equal graphs.
    """
    # with as_of, the round is filtered afterwards: which rounds revisited a tie's ends reads every round
    at_read = fieldwork_round if as_of is None else None
    nodes, ties = read_store(store, labels=labels, types=types, fieldwork_round=at_read, schema=schema)
    graph = nx.MultiDiGraph()
    with gc_paused():  # millions of dicts and no cycles: the collector would rescan them again and again
        graph.add_nodes_from(nodes)
        add_edge = graph.add_edge
        for source, target, key, attrs in ties:
            add_edge(source, target, key=key, **attrs)
    graph.graph.update(
        {
            "labels": list(labels) if labels is not None else None,
            "types": list(types) if types is not None else None,
            "round": fieldwork_round,
            "as_of": as_of,
            "store": store.description,
        }
    )
    if as_of is None:
        return graph  # nothing left to filter: no copy (at the national size a copy doubles the time and memory)
    return filter_graph(graph, fieldwork_round=fieldwork_round, as_of=as_of)


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


def _tie_order(row: tuple[Any, ...]) -> tuple[Any, Any, Any]:
    """Ties in a fixed order: by source, target and key (so two stores with the same content give equal graphs)."""
    return row[0], row[1], row[2].get("_key") or ""


def write_graph(graph: nx.MultiDiGraph, path: str | Path, fmt: str) -> list[Path]:
    """Write ``graph`` as GraphML or GEXF (one file at ``path``) or CSV (``nodes.csv`` and ``edges.csv``
    in the folder ``path``). Returns the files written.

    Node labels are the actors' names (the schema label is ``node_label``) and the tie type
    is ``tie_type``, in GraphML and GEXF alike. GEXF is version 1.3, dynamic: edges carry
    ``start`` and ``end`` as full dates (the first and last day the partial dates allow;
    for a tie with neither, the span of its fieldwork round, :data:`ROUND_SPANS`) so Gephi's
    timeline can use them; ``tie_start`` and ``tie_end`` keep the dates as recorded.
    CSV keeps the store's names: ``label`` and ``type`` columns. The writers are those of
    :mod:`graphmodel.export_files`, which :func:`export_store` feeds straight from a store.
    """
    nodes = graph.nodes(data=True)
    ties = graph.edges(keys=True, data=True)
    return _write(nodes, ties, Path(path), fmt)[0]


def export_store(
    store: Store,
    path: str | Path,
    fmt: str,
    *,
    labels: Iterable[str] | None = None,
    types: Iterable[str] | None = None,
    fieldwork_round: int | None = None,
    as_of: str | None = None,
    schema: Schema | None = None,
) -> tuple[list[Path], int, int]:
    """Export the graph (or part of it) from a store to files, as :func:`write_graph` writes them.

    Without ``as_of`` the nodes and ties stream from the store to the file
    (:func:`read_store`), one label or type at a time, with no NetworkX graph; ``as_of``
    needs the whole graph (which rounds revisited a tie's ends), so it goes through
    :func:`to_networkx`. Returns the files written and the numbers of nodes and ties.
    """
    if fmt not in EXPORT_FORMATS:
        raise GraphmodelError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    if as_of is not None:
        graph = to_networkx(
            store, labels=labels, types=types, fieldwork_round=fieldwork_round, as_of=as_of, schema=schema
        )
        return write_graph(graph, path, fmt), graph.number_of_nodes(), graph.number_of_edges()
    nodes, ties = read_store(store, labels=labels, types=types, fieldwork_round=fieldwork_round, schema=schema)
    with gc_paused():  # the replies' many lists and dicts hold no cycles (half the time at the medium size)
        return _write(nodes, ties, Path(path), fmt)


def _write(nodes: Iterable[Node], ties: Iterable[Tie], path: Path, fmt: str) -> tuple[list[Path], int, int]:
    if fmt == "graphml":
        return [path], *files.write_graphml(nodes, ties, path)
    if fmt == "gexf":
        return [path], *files.write_gexf(nodes, ties, path)
    if fmt != "csv":
        raise GraphmodelError(f"unknown export format {fmt!r}; use one of {', '.join(EXPORT_FORMATS)}")
    return files.write_csv_counted(nodes, ties, path)
