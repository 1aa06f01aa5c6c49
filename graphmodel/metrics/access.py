"""Access to the grassroots: access betweenness, and how much NGOs depend on the state for it.

The **access graph** holds the ties along which an NGO reaches villages and schools:
an NGO works with an agency (``COOPERATES_WITH``), agencies mobilise or supervise
lower bodies, villages and schools (``MOBILIZES``, ``SUPERVISES``), and an NGO
works in a village or school directly (``WORKS_IN``). See :data:`ACCESS_TYPES`.

- :func:`access_betweenness`: for each node, the number of shortest NGO -> village
  or school paths through it, each pair's paths sharing one unit (betweenness
  restricted to those sources and targets, unnormalised; equal to
  ``networkx.betweenness_centrality_subset``). For a department it measures how
  much of the NGOs' access runs through it.
- :func:`state_dependence`: per NGO, the share of the villages and schools it reaches
  that it could not reach without state nodes.
- :func:`department_withdrawal`: per state node, the NGO -> village or school pairs
  that would be cut if that node withdrew (found with dominator trees).

All three accept ``k`` to use a random sample of ``k`` NGOs (seeded): totals are
scaled by ``|NGOs| / k``, which makes them unbiased, and a standard error computed
from the spread between sampled NGOs is returned with them (see docs/metrics.md).

Access betweenness is computed by a vectorised Brandes algorithm (NumPy), processing
a batch of sources at a time level by level; ``method="networkx"`` runs the plain
NetworkX function instead and gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from graphmodel.metrics._common import nodes_in_sectors, simple_digraph

__all__ = [
    "ACCESS_TYPES",
    "access_betweenness",
    "access_graph",
    "department_withdrawal",
    "state_dependence",
    "subset_betweenness",
]

#: Relationship types that carry access from NGOs towards the grassroots.
ACCESS_TYPES = ("COOPERATES_WITH", "MOBILIZES", "SUPERVISES", "WORKS_IN")
#: Sectors of the sources, targets and intermediaries the access measures are about.
SOURCE_SECTORS, TARGET_SECTORS, STATE_SECTORS = ("ngo",), ("grassroots",), ("state",)
#: Cells (sources x nodes) of the visited matrix of one batch of the fast algorithm.
BATCH_CELLS = 1 << 24


def access_graph(graph: nx.Graph, types: Iterable[str] | None = ACCESS_TYPES) -> nx.DiGraph:
    """The binary directed graph of the ties of ``types`` (edges without a ``type`` are kept).

    >>> g = nx.MultiDiGraph()
    >>> _ = g.add_edge("n", "a", type="COOPERATES_WITH"); _ = g.add_edge("a", "n", type="SUPPORTS")
    >>> sorted(access_graph(g).edges)
    [('n', 'a')]
    """
    return simple_digraph(graph, types=types)


def _sample(sources: Sequence[Hashable], k: int | None, seed: int) -> list[Hashable]:
    if k is None or k >= len(sources):
        return list(sources)
    if k < 2:
        raise ValueError("a sample needs k >= 2 sources (the standard error needs two)")
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(sources), size=k, replace=False)
    return [sources[i] for i in sorted(picked)]


def _stderr(total: np.ndarray, total_sq: np.ndarray, k: int, population: int) -> np.ndarray:
    """Standard error of ``population * mean`` from a sample of ``k`` of ``population`` sources."""
    if k >= population or k < 2:
        return np.zeros_like(total)
    mean = total / k
    var = np.maximum(total_sq - k * mean * mean, 0.0) / (k - 1)
    return population * np.sqrt((1 - k / population) * var / k)


def _csr(graph: nx.DiGraph, index: dict[Hashable, int]) -> tuple[np.ndarray, np.ndarray]:
    n = len(index)
    pairs = np.array([(index[u], index[v]) for u, v in graph.edges], dtype=np.int64).reshape(-1, 2)
    heads, tails = pairs[:, 0], pairs[:, 1]
    indices = tails[np.lexsort((tails, heads))]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=n), out=indptr[1:])
    return indptr, indices


def _brandes_subset(
    indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray, is_target: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Sum over ``sources`` of each node's subset dependency, and the sum of its squares.

    Level-synchronous Brandes over a batch of sources at once: each level is a set of
    (source, node) pairs, found with array operations on the CSR adjacency.
    """
    n = len(indptr) - 1
    total = np.zeros(n)
    total_sq = np.zeros(n)
    batch = max(1, min(len(sources), BATCH_CELLS // max(n, 1)))
    for start in range(0, len(sources), batch):
        src = sources[start : start + batch]
        nb = len(src)
        visited = np.zeros(nb * n, dtype=bool)
        node, owner, sigma = src.copy(), np.arange(nb, dtype=np.int64), np.ones(nb)
        visited[owner * n + node] = True
        levels: list[tuple[np.ndarray, np.ndarray]] = [(node, sigma)]
        links: list[tuple[np.ndarray, np.ndarray]] = []
        while True:
            deg = indptr[node + 1] - indptr[node]
            m = int(deg.sum())
            if m == 0:
                break
            parent = np.repeat(np.arange(len(node)), deg)
            first = np.repeat(indptr[node] - (np.cumsum(deg) - deg), deg)
            child = indices[first + np.arange(m)]
            key = owner[parent] * n + child
            fresh = ~visited[key]
            if not fresh.any():
                break
            parent, key = parent[fresh], key[fresh]
            level_keys, inverse = np.unique(key, return_inverse=True)
            sigma = np.bincount(inverse, weights=sigma[parent], minlength=len(level_keys))
            visited[level_keys] = True
            node, owner = level_keys % n, level_keys // n
            levels.append((node, sigma))
            links.append((parent, inverse))
        delta = np.zeros(len(levels[-1][0]))
        for depth in range(len(levels) - 1, 0, -1):
            node, sigma = levels[depth]
            total += np.bincount(node, weights=delta, minlength=n)
            total_sq += np.bincount(node, weights=delta * delta, minlength=n)
            coeff = (delta + is_target[node]) / sigma
            parent, inverse = links[depth - 1]
            parent_sigma = levels[depth - 1][1]
            delta = np.bincount(parent, weights=parent_sigma[parent] * coeff[inverse], minlength=len(parent_sigma))
    return total, total_sq


def subset_betweenness(
    graph: nx.DiGraph,
    sources: Iterable[Hashable],
    targets: Iterable[Hashable],
    *,
    k: int | None = None,
    seed: int = 0,
    method: str = "fast",
) -> pd.DataFrame:
    """Unnormalised betweenness on shortest paths from ``sources`` to ``targets``, per node.

    Equal to ``networkx.betweenness_centrality_subset(graph, sources, targets)`` on a
    directed graph (multi-edges count once). With ``k``, ``k`` sources drawn at random
    with ``seed`` stand for all: the result is scaled up and ``stderr`` is the standard
    error of the estimate (0 when exact). Returns columns ``betweenness`` and
    ``stderr``, indexed by node (sorted).

    >>> g = nx.DiGraph([("s", "a"), ("s", "b"), ("a", "t"), ("b", "t")])
    >>> subset_betweenness(g, ["s"], ["t"])["betweenness"].to_dict()
    {'a': 0.5, 'b': 0.5, 's': 0.0, 't': 0.0}
    """
    if graph.is_multigraph() or not graph.is_directed():
        graph = nx.DiGraph(graph)
    order = sorted(graph, key=str)
    source_list = sorted((s for s in set(sources) if s in graph), key=str)
    target_set = {t for t in targets if t in graph}
    picked = _sample(source_list, k, seed)
    if method == "networkx":
        simple = nx.DiGraph(graph)
        simple.remove_edges_from(nx.selfloop_edges(simple))
        values = nx.betweenness_centrality_subset(simple, picked, target_set, normalized=False)
        scale = len(source_list) / len(picked) if picked else 0.0
        column = np.array([values[v] * scale for v in order])
        stderr = np.full(len(order), np.nan if len(picked) < len(source_list) else 0.0)
    elif method == "fast":
        index = {v: i for i, v in enumerate(order)}
        indptr, indices = _csr(graph, index)
        is_target = np.zeros(len(order))
        is_target[[index[t] for t in target_set]] = 1.0
        src = np.array([index[s] for s in picked], dtype=np.int64)
        total, total_sq = _brandes_subset(indptr, indices, src, is_target)
        scale = len(source_list) / len(picked) if picked else 0.0
        column = total * scale
        stderr = _stderr(total, total_sq, len(picked), len(source_list))
    else:
        raise ValueError(f"method must be 'fast' or 'networkx', not {method!r}")
    frame = pd.DataFrame({"betweenness": column, "stderr": stderr}, index=pd.Index(order, name="node"))
    frame.attrs.update({"sources": len(source_list), "sampled": len(picked), "seed": seed})
    return frame


def access_betweenness(
    graph: nx.Graph,
    *,
    types: Iterable[str] | None = ACCESS_TYPES,
    k: int | None = None,
    seed: int = 0,
    method: str = "fast",
) -> pd.DataFrame:
    """Access betweenness of every state node: shortest NGO -> village/school paths through it.

    Computed on :func:`access_graph` (ties of ``types``) with NGOs as sources and
    villages and schools as targets; see :func:`subset_betweenness` for ``k``,
    ``seed`` and ``method``. Returns ``access_betweenness`` and ``stderr`` for the
    state nodes (departments), sorted by node.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_node("v", label="Village")
    >>> g.add_nodes_from(["county", "township"], label="Agency")
    >>> for u, v, t in [("ngo", "county", "COOPERATES_WITH"), ("county", "township", "MOBILIZES"),
    ...                 ("township", "v", "MOBILIZES")]:
    ...     _ = g.add_edge(u, v, type=t)
    >>> access_betweenness(g)["access_betweenness"].to_dict()
    {'county': 1.0, 'township': 1.0}
    """
    access = access_graph(graph, types)
    result = subset_betweenness(
        access,
        nodes_in_sectors(access, SOURCE_SECTORS),
        nodes_in_sectors(access, TARGET_SECTORS),
        k=k,
        seed=seed,
        method=method,
    )
    state = nodes_in_sectors(access, STATE_SECTORS)
    out = result.loc[state].rename(columns={"betweenness": "access_betweenness"})
    out.attrs = dict(result.attrs)
    return out


def _reach(graph: nx.DiGraph, source: Hashable, targets: set[Hashable], blocked: set[Hashable]) -> set[Hashable]:
    seen = {source}
    stack = [source]
    while stack:
        u = stack.pop()
        for v in graph.succ[u]:
            if v not in seen and v not in blocked:
                seen.add(v)
                stack.append(v)
    return seen & targets


def state_dependence(graph: nx.Graph, *, types: Iterable[str] | None = ACCESS_TYPES) -> pd.DataFrame:
    """Per NGO: villages and schools reached, reached without any state node, and the share lost.

    ``state_dependence`` = (reached - reached_without_state) / reached (NaN for an NGO
    that reaches none). Columns ``reached``, ``reached_without_state``,
    ``state_dependence``, indexed by NGO.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_node("wf", label="Agency")
    >>> g.add_nodes_from(["v1", "v2"], label="Village")
    >>> for u, v, t in [("ngo", "wf", "COOPERATES_WITH"), ("wf", "v1", "MOBILIZES"), ("wf", "v2", "MOBILIZES"),
    ...                 ("ngo", "v2", "WORKS_IN")]:
    ...     _ = g.add_edge(u, v, type=t)
    >>> state_dependence(g).loc["ngo"].tolist()
    [2.0, 1.0, 0.5]
    """
    access = access_graph(graph, types)
    targets = set(nodes_in_sectors(access, TARGET_SECTORS))
    state = set(nodes_in_sectors(access, STATE_SECTORS))
    rows = []
    ngos = nodes_in_sectors(access, SOURCE_SECTORS)
    for ngo in ngos:
        reached = len(_reach(access, ngo, targets, set()))
        alone = len(_reach(access, ngo, targets, state))
        rows.append((reached, alone, (reached - alone) / reached if reached else np.nan))
    return pd.DataFrame(
        rows,
        index=pd.Index(ngos, name="node"),
        columns=["reached", "reached_without_state", "state_dependence"],
    ).astype({"reached": int, "reached_without_state": int})


def department_withdrawal(
    graph: nx.Graph,
    *,
    types: Iterable[str] | None = ACCESS_TYPES,
    k: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Per state node: the NGO -> village/school pairs lost if it withdrew, and the NGOs affected.

    A pair (NGO, target) is lost when every path from the NGO to the target in the
    access graph passes through the node, i.e. when the node dominates the target in
    the NGO's dominator tree. Columns ``reach_lost``, ``ngos_affected`` and their
    standard errors under sampling (``k`` NGOs drawn with ``seed``), indexed by state
    node.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_nodes_from(["county", "twp"], label="Agency")
    >>> g.add_nodes_from(["v1", "v2"], label="Village")
    >>> for u, v in [("ngo", "county"), ("county", "twp"), ("twp", "v1"), ("county", "v2")]:
    ...     _ = g.add_edge(u, v, type="MOBILIZES" if u != "ngo" else "COOPERATES_WITH")
    >>> department_withdrawal(g)[["reach_lost", "ngos_affected"]].to_dict("index")
    {'county': {'reach_lost': 2.0, 'ngos_affected': 1.0}, 'twp': {'reach_lost': 1.0, 'ngos_affected': 1.0}}
    """
    access = access_graph(graph, types)
    targets = set(nodes_in_sectors(access, TARGET_SECTORS))
    state = nodes_in_sectors(access, STATE_SECTORS)
    position = {d: i for i, d in enumerate(state)}
    ngos = nodes_in_sectors(access, SOURCE_SECTORS)
    picked = _sample(ngos, k, seed)
    sums = np.zeros((2, len(state)))
    squares = np.zeros((2, len(state)))
    for ngo in picked:
        idom: dict[Any, Any] = nx.immediate_dominators(access, ngo)
        lost = np.zeros(len(state))
        for target in targets.intersection(idom):
            d = idom[target]
            while d != ngo:
                if d in position:
                    lost[position[d]] += 1
                d = idom[d]
        affected = (lost > 0).astype(float)
        sums += np.vstack([lost, affected])
        squares += np.vstack([lost * lost, affected])
    scale = len(ngos) / len(picked) if picked else 0.0
    frame = pd.DataFrame(
        {
            "reach_lost": sums[0] * scale,
            "ngos_affected": sums[1] * scale,
            "reach_lost_stderr": _stderr(sums[0], squares[0], len(picked), len(ngos)),
            "ngos_affected_stderr": _stderr(sums[1], squares[1], len(picked), len(ngos)),
        },
        index=pd.Index(state, name="node"),
    )
    frame.attrs.update({"sources": len(ngos), "sampled": len(picked), "seed": seed})
    return frame
