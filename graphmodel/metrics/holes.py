"""Structural holes (Burt 1992) for NGOs, and degree by relationship type.

Burt's **constraint** of ``i`` is ``sum_j (p_ij + sum_q p_iq p_qj)^2`` over its
neighbours ``j``, where ``p_ij`` is the share of ``i``'s ties (in and out) that go to
``j``; low constraint means ``i``'s contacts are not tied to one another, so it spans
structural holes. **Effective size** is the number of ``i``'s contacts less their
redundancy (for binary ties, ``n - 2t/n`` with ``t`` ties among the ``n`` contacts).
Both come from NetworkX (:func:`networkx.constraint`, :func:`networkx.effective_size`),
computed on the actor graph: interviews and motivation codes left out, multi-edges
merged, self-loops dropped, ties binary and directed.

Reference: Burt, R. S. (1992). *Structural Holes: The Social Structure of Competition*.
Harvard University Press.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import networkx as nx
import pandas as pd

from graphmodel.metrics._common import EVIDENCE_SECTORS, nodes_in_sectors, simple_digraph

__all__ = ["degree_by_type", "structural_holes"]


def structural_holes(
    graph: nx.Graph,
    nodes: Iterable[Hashable] | None = None,
    *,
    sectors: Iterable[str] = ("ngo",),
    exclude_sectors: Iterable[str] = EVIDENCE_SECTORS,
) -> pd.DataFrame:
    """Burt's ``constraint`` and ``effective_size`` for ``nodes`` (default: the nodes of ``sectors``, NGOs).

    An NGO tied to three departments that are not tied to one another has effective
    size 3 and constraint 3 * (1/3)^2 = 1/3:

    >>> g = nx.DiGraph([("ngo", "a"), ("ngo", "b"), ("ngo", "c")])
    >>> nx.set_node_attributes(g, "state", "sector"); g.nodes["ngo"]["sector"] = "ngo"
    >>> structural_holes(g).round(4).to_dict("index")
    {'ngo': {'constraint': 0.3333, 'effective_size': 3.0}}
    """
    actors = simple_digraph(graph, exclude_sectors=exclude_sectors)
    chosen = sorted(nodes, key=str) if nodes is not None else nodes_in_sectors(actors, sectors)
    missing = [n for n in chosen if n not in actors]
    if missing:
        raise ValueError(f"not in the actor graph: {', '.join(map(str, missing[:5]))}")
    constraint = nx.constraint(actors, chosen)
    size = nx.effective_size(actors, chosen)
    return pd.DataFrame(
        {"constraint": [constraint[n] for n in chosen], "effective_size": [size[n] for n in chosen]},
        index=pd.Index(chosen, name="node"),
    )


def degree_by_type(graph: nx.MultiDiGraph, nodes: Iterable[Hashable] | None = None) -> pd.DataFrame:
    """Ties of each relationship type per node: columns ``out_<TYPE>`` and ``in_<TYPE>`` (sorted), with counts.

    Every tie counts (two SUPPORTS ties of different kinds count twice).

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("wf", "ngo", type="SUPPORTS"); _ = g.add_edge("wf", "ngo", type="SUPPORTS")
    >>> _ = g.add_edge("ngo", "wf", type="COOPERATES_WITH")
    >>> degree_by_type(g).loc["ngo"].to_dict()
    {'in_COOPERATES_WITH': 0, 'in_SUPPORTS': 2, 'out_COOPERATES_WITH': 1, 'out_SUPPORTS': 0}
    """
    chosen = sorted(nodes if nodes is not None else graph, key=str)
    counts: dict[Hashable, dict[str, int]] = {n: {} for n in chosen}
    for u, v, d in graph.edges(data=True):
        rel = str(d.get("type", "TIE"))
        if u in counts:
            counts[u][f"out_{rel}"] = counts[u].get(f"out_{rel}", 0) + 1
        if v in counts:
            counts[v][f"in_{rel}"] = counts[v].get(f"in_{rel}", 0) + 1
    columns = sorted({c for row in counts.values() for c in row})
    frame = pd.DataFrame([counts[n] for n in chosen], index=pd.Index(chosen, name="node"), columns=columns)
    return frame.fillna(0).astype(int)
