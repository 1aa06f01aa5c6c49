"""Access to the grassroots: access betweenness, and how much NGOs depend on the state for it.

Two readings of "an NGO reaches a village or school", chosen with ``mode``:

- ``mode="realised"`` (the default) is the paper's, and the query library's
  (``mediated_reach``, ``access_paths``, ``gatekeepers``): an NGO reaches a village or
  school directly (``WORKS_IN``), or through the state by a **chain** as
  :mod:`graphmodel.chains` defines it once: it ``COOPERATES_WITH`` an agency, from which
  ``MOBILIZES`` ties on the NGO's behalf in the head's round, completed where needed by
  the administrative line (``SUPERVISES``), lead down to the village or school; at most
  :data:`MAX_CHAIN` ties long. Each NGO has its own realised access graph.
- ``mode="potential"``: what the hierarchy could deliver. One **access graph** for all
  NGOs holds every tie of :data:`ACCESS_TYPES` (any ``MOBILIZES`` tie, whoever it
  served, and the ``SUPERVISES`` lines), rounds ignored; see :func:`access_graph`.

- :func:`access_betweenness`: for each state node, the number of shortest NGO -> village
  or school paths through it, each pair's paths sharing one unit (betweenness
  restricted to those sources and targets, unnormalised; in potential mode equal to
  ``networkx.betweenness_centrality_subset`` on the access graph).
- :func:`state_dependence`: per NGO, the villages and schools it reaches, directly and
  through the state, and the share it could not reach without state nodes.
- :func:`department_withdrawal`: per state node, the NGO -> village or school pairs
  that would be cut if that node withdrew (found with dominator trees).

:func:`access_betweenness` and :func:`department_withdrawal` accept ``k`` to use a
random sample of ``k`` NGOs (seeded): totals are scaled by ``|NGOs| / k``, which makes
them unbiased, and a standard error computed from the spread between sampled NGOs is
returned with them (see docs/metrics.md).

In potential mode, access betweenness is computed by a vectorised Brandes algorithm
(NumPy), processing a batch of sources at a time level by level, each source's search kept
to its piece (weakly connected component) of the part of the graph the sources reach; ``method="networkx"``
runs the plain NetworkX function instead and gives the same numbers. In realised mode
each NGO's own graph is small, and the same kernel runs on it NGO by NGO.
"""

from __future__ import annotations

import ctypes
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import chain
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from graphmodel import chains as chain_rule
from graphmodel.metrics._common import node_sector, nodes_in_sectors, simple_digraph
from graphmodel.temporal import NOT_OBSERVED

__all__ = [
    "ACCESS_TYPES",
    "MAX_CHAIN",
    "MODES",
    "REALISED_TYPES",
    "access_betweenness",
    "access_graph",
    "department_withdrawal",
    "state_dependence",
    "subset_betweenness",
]

#: Relationship types of the access graph of potential mode.
ACCESS_TYPES = ("COOPERATES_WITH", "MOBILIZES", "SUPERVISES", "WORKS_IN")
#: Relationship types of realised chains (graphmodel.chains, shared with the queries).
REALISED_TYPES = chain_rule.CHAIN_TYPES
#: Most ties in a realised chain, the head included: the queries' ``*1..7``.
MAX_CHAIN = chain_rule.MAX_CHAIN
#: What a ratio says of an NGO it does not apply to (it reaches no village or school).
NOT_APPLICABLE = "not applicable"
#: The two readings of access (see the module docstring).
MODES = ("realised", "potential")
#: Sectors of the sources, targets and intermediaries the access measures are about.
SOURCE_SECTORS, TARGET_SECTORS, STATE_SECTORS = ("ngo",), ("grassroots",), ("state",)
#: Cells (sources x nodes) of the visited matrix of one batch of the fast algorithm.
BATCH_CELLS = 1 << 24
#: Most sources in one batch of the fast algorithm (larger batches fall out of the CPU's caches).
BATCH_SOURCES = 256


def access_graph(graph: nx.Graph, types: Iterable[str] | None = ACCESS_TYPES) -> nx.DiGraph:
    """Potential mode's access graph: the binary directed graph of the ties of ``types``.

    Edges without a ``type`` are kept.

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


class _Numbering:
    """Each node's number: its place in the order given (a graph's own order: no sort).

    Objects are found by identity first: the ends of a graph's ties are usually the very
    objects that key its nodes (:func:`graphmodel.export.read_store` hands them out so),
    and an object's address is read without touching the object (the pointers an object
    array holds), where a dictionary look-up of a name reads the name's hash from a string
    scattered in memory (at the national size, 350 ns a look-up). Objects equal to a node
    but not the node's own key are looked up in a dictionary made the first time one is
    met, and get the same numbers.

    >>> a, b = "node-" + str(1), "node-" + str(2)
    >>> numbering = _Numbering([b, a])
    >>> numbering.order, numbering.numbers(_objects([a, b, "node-" + str(1), "other"], 4)).tolist()
    (['node-2', 'node-1'], [1, 0, 1, -1])
    """

    def __init__(self, nodes: Iterable[Hashable]) -> None:
        self.order = list(nodes)
        addresses = _addresses(_objects(self.order, len(self.order)))
        self._by_address = np.argsort(addresses)
        self._addresses = addresses[self._by_address]
        self._index: dict[Hashable, int] | None = None

    def __len__(self) -> int:
        return len(self.order)

    def numbers(self, objects: np.ndarray) -> np.ndarray:
        """The number of each of ``objects`` (an object array), -1 for one that is no node."""
        if not len(self.order):
            return np.full(len(objects), -1, dtype=np.int64)
        addresses = _addresses(objects)
        at = np.searchsorted(self._addresses, addresses)
        at[at == len(self._addresses)] = 0
        found = self._addresses[at] == addresses
        out = self._by_address[at]
        if not found.all():
            if self._index is None:
                self._index = dict(zip(self.order, range(len(self.order)), strict=True))
            get = self._index.get
            missing = np.flatnonzero(~found)
            out[missing] = np.fromiter((get(x, -1) for x in objects[missing]), dtype=np.int64, count=len(missing))
        return out


def _objects(items: Iterable[Any], count: int) -> np.ndarray:
    """``count`` items as a one-dimensional object array (tuples stay items)."""
    return np.fromiter(items, dtype=object, count=count)


def _addresses(objects: np.ndarray) -> np.ndarray:
    """The addresses of an object array's items: its buffer holds their pointers (read, not dereferenced)."""
    objects = np.ascontiguousarray(objects)
    raw = (ctypes.c_char * objects.nbytes).from_address(objects.ctypes.data)
    return np.frombuffer(raw, dtype=np.uintp).copy()


def _csr(graph: nx.DiGraph, index: _Numbering | dict[Hashable, int]) -> tuple[np.ndarray, np.ndarray]:
    """CSR adjacency of ``graph`` with nodes numbered by ``index``, each row's successors sorted."""
    n = len(index)
    succ = graph._succ  # networkx's own dicts (the public views wrap each row): no edge tuples are made
    counts = np.fromiter(map(len, succ.values()), dtype=np.int64, count=len(succ))
    if isinstance(index, _Numbering):
        rows = index.numbers(_objects(succ, len(succ)))
        tails = index.numbers(_objects(chain.from_iterable(succ.values()), int(counts.sum())))
    else:
        number = index.__getitem__
        rows = np.fromiter(map(number, succ), dtype=np.int64, count=len(succ))
        tails = np.fromiter(map(number, chain.from_iterable(succ.values())), dtype=np.int64, count=int(counts.sum()))
    # one sort of head * n + tail puts the ties in row order, each row's successors sorted
    pairs = np.repeat(rows * n, counts)
    pairs += tails
    pairs.sort()
    heads = pairs // n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(heads, minlength=n), out=indptr[1:])
    pairs -= heads * n
    return indptr, pairs


def _sorted_as_text(items: Iterable[Hashable]) -> list[Hashable]:
    """``sorted(items, key=str)``; without calling ``str`` when every item is text already."""
    items = list(items)
    if set(map(type, items)) <= {str}:
        return sorted(items)  # type: ignore[type-var]  # every item is a str here
    return sorted(items, key=str)


def _components(
    indptr: np.ndarray, indices: np.ndarray, sources: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weakly connected components of the part of the graph ``sources`` reach, laid out one after another.

    A source's search stays in its component of that part (which may be much smaller
    than its component of the whole graph: nodes no source reaches do not join pieces).
    Returns each node's position in an order that keeps every component contiguous,
    and each node's component's first position and size there.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import breadth_first_order, connected_components

    n = len(indptr) - 1
    # the nodes some source reaches: a search from one more node, tied to every source
    rooted = csr_matrix(
        (np.ones(len(indices) + len(sources), dtype=np.int8), np.concatenate([indices, sources]),
         np.concatenate([indptr, [indptr[-1] + len(sources)]])),
        shape=(n + 1, n + 1),
    )  # fmt: skip
    reached = np.zeros(n + 1, dtype=bool)
    reached[breadth_first_order(rooted, n, directed=True, return_predecessors=False)] = True
    heads = np.repeat(np.arange(n), np.diff(indptr))
    keep = reached[heads]  # the ties out of reached nodes (their tails are reached too)
    adjacency = csr_matrix((np.ones(int(keep.sum()), dtype=np.int8), (heads[keep], indices[keep])), shape=(n, n))
    count, label = connected_components(adjacency, directed=True, connection="weak")
    order = np.argsort(label, kind="stable")
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    size = np.bincount(label, minlength=count)
    first = np.concatenate(([0], np.cumsum(size)[:-1]))
    return position, first[label], size[label]


def _brandes_subset(
    indptr: np.ndarray,
    indices: np.ndarray,
    sources: np.ndarray,
    is_target: np.ndarray,
    components: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    *,
    squares: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Sum over ``sources`` of each node's subset dependency, and the sum of its squares.

    Level-synchronous Brandes over a batch of sources at once: each level is a set of
    (source, node) pairs, found with array operations on the CSR adjacency. With
    ``components`` (from :func:`_components`) the nodes are renumbered so that each
    component is contiguous, and a source's visited marks span only its own component,
    so a batch holds as many sources as their components' sizes allow: cheap when the
    graph falls apart into small pieces. Without, every source's component is taken to
    be the whole graph. ``squares=False`` skips the sum of squares (returned as zeros).
    """
    n = len(indptr) - 1
    if components is None:
        comp_first = np.zeros(n, dtype=np.int64)
        comp_size = np.full(n, n, dtype=np.int64)
    else:  # renumber: node v becomes position[v]
        position, comp_first, comp_size = components
        order = np.argsort(position)
        degree = np.diff(indptr)[order]
        rows = (
            np.repeat(indptr[order], degree)
            + np.arange(int(degree.sum()))
            - np.repeat(np.cumsum(degree) - degree, degree)
        )
        indptr = np.concatenate(([0], np.cumsum(degree)))
        indices = position[indices[rows]]
        sources, is_target = np.sort(position[sources]), is_target[order]
        comp_first, comp_size = comp_first[order], comp_size[order]
    degree = np.diff(indptr)
    total = np.zeros(n)
    total_sq = np.zeros(n)
    ends = np.cumsum(comp_size[sources])
    start = 0
    while start < len(sources):
        # the sources whose components fill at most BATCH_CELLS visited marks (at least one)
        stop = max(start + 1, int(np.searchsorted(ends, (ends[start - 1] if start else 0) + BATCH_CELLS, "right")))
        stop = min(stop, start + BATCH_SOURCES)
        src = sources[start:stop]
        start = stop
        sizes = comp_size[src]
        # the nodes this batch can reach lie in [low, high): its sources' components (contiguous when renumbered)
        low, high = int(comp_first[src].min()), int((comp_first[src] + sizes).max())
        cells = int(sizes.sum())
        # slot of (source i, node v): base[i] + v
        base = (np.cumsum(sizes) - sizes - comp_first[src]).astype(np.int64)
        visited = np.zeros(cells, dtype=bool)
        stamp = np.empty(cells, dtype=np.int64)
        node, sigma = src, np.ones(len(src))
        visited[base + node] = True
        levels: list[tuple[np.ndarray, np.ndarray]] = [(node, sigma)]
        links: list[tuple[np.ndarray, np.ndarray]] = []
        while True:
            deg = degree[node]
            reach = np.cumsum(deg)
            m = int(reach[-1])
            if m == 0:
                break
            parent = np.repeat(np.arange(len(node), dtype=np.int64), deg)
            key = indices[np.repeat(indptr[node] - reach + deg, deg) + np.arange(m)] + np.repeat(base, deg)
            fresh = ~visited[key]
            if not fresh.any():
                break
            parent, key = parent[fresh], key[fresh]
            # number the distinct (source, node) pairs without sorting: the last link to each stands for it
            link = np.arange(len(key), dtype=np.int64)
            stamp[key] = link
            last = stamp[key]
            one = np.flatnonzero(last == link)
            number = np.empty(len(key), dtype=np.int64)
            number[one] = np.arange(len(one), dtype=np.int64)
            inverse = number[last]
            level_keys = key[one]
            sigma = np.bincount(inverse, weights=sigma[parent], minlength=len(one))
            visited[level_keys] = True
            base = base[parent[one]]
            node = level_keys - base
            levels.append((node, sigma))
            links.append((parent, inverse))
        # dependencies, deepest level first: delta(v) = sigma(v) * sum over v's successors w (target(w) + delta(w)) / sigma(w)
        delta = np.zeros(len(levels[-1][0]))
        nodes, deltas = [], []
        for depth in range(len(levels) - 1, 0, -1):
            node, sigma = levels[depth]
            nodes.append(node)
            deltas.append(delta)
            coeff = (delta + is_target[node]) / sigma
            parent, inverse = links[depth - 1]
            parent_sigma = levels[depth - 1][1]
            delta = parent_sigma * np.bincount(parent, weights=coeff[inverse], minlength=len(parent_sigma))
        if nodes:
            at = np.concatenate(nodes) - low
            dependency = np.concatenate(deltas)
            total[low:high] += np.bincount(at, weights=dependency, minlength=high - low)
            if squares:
                total_sq[low:high] += np.bincount(at, weights=dependency * dependency, minlength=high - low)
    if components is not None:
        total, total_sq = total[position], total_sq[position]
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
    error of the estimate (0 when exact); the sample is drawn from the sources sorted
    as text, so it does not depend on the graph's order. Returns columns
    ``betweenness`` and ``stderr``, indexed by node in the graph's order (as
    ``networkx`` returns its dict and igraph numbers its vertices; sorting a national
    graph's million names took longer than the whole computation).

    >>> g = nx.DiGraph([("s", "a"), ("s", "b"), ("a", "t"), ("b", "t")])
    >>> subset_betweenness(g, ["s"], ["t"])["betweenness"].to_dict()
    {'s': 0.0, 'a': 0.5, 'b': 0.5, 't': 0.0}
    """
    if graph.is_multigraph() or not graph.is_directed():
        graph = nx.DiGraph(graph)
    numbering = _Numbering(graph._node)
    order = numbering.order
    source_numbers = _present(numbering, sources)  # sorted: the sources in the graph's order
    listed = (order[i] for i in source_numbers)
    # a sample is drawn from the sources sorted as text: it must not depend on the graph's order
    source_list = list(listed) if k is None else _sorted_as_text(listed)
    picked = _sample(source_list, k, seed)
    if method == "networkx":
        simple = nx.DiGraph(graph)
        simple.remove_edges_from(nx.selfloop_edges(simple))
        target_set = {order[i] for i in _present(numbering, targets)}
        values = nx.betweenness_centrality_subset(simple, picked, target_set, normalized=False)
        scale = len(source_list) / len(picked) if picked else 0.0
        column = np.array([values[v] * scale for v in order])
        stderr = np.full(len(order), np.nan if len(picked) < len(source_list) else 0.0)
    elif method == "fast":
        indptr, indices = _csr(graph, numbering)
        is_target = np.zeros(len(order))
        is_target[_present(numbering, targets)] = 1.0
        src = source_numbers if len(picked) == len(source_list) else _present(numbering, picked)
        components = _components(indptr, indices, src)
        exact = len(picked) == len(source_list)
        total, total_sq = _brandes_subset(indptr, indices, src, is_target, components, squares=not exact)
        scale = len(source_list) / len(picked) if picked else 0.0
        column = total * scale
        stderr = _stderr(total, total_sq, len(picked), len(source_list))
    else:
        raise ValueError(f"method must be 'fast' or 'networkx', not {method!r}")
    frame = pd.DataFrame({"betweenness": column, "stderr": stderr}, index=pd.Index(order, name="node"))
    frame.attrs.update({"sources": len(source_list), "sampled": len(picked), "seed": seed})
    return frame


def _present(numbering: _Numbering, items: Iterable[Hashable]) -> np.ndarray:
    """The sorted distinct numbers of those of ``items`` that are nodes."""
    listed = items if isinstance(items, Sequence) else list(items)
    numbers = numbering.numbers(_objects(listed, len(listed)))
    present = np.zeros(len(numbering), dtype=bool)
    present[numbers[numbers >= 0]] = True
    return np.flatnonzero(present)


def _check_mode(mode: str, types: Iterable[str] | None) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be 'realised' or 'potential', not {mode!r}")
    if mode == "realised" and types is not ACCESS_TYPES:
        raise ValueError(
            "types= applies to mode='potential'; realised access always follows WORKS_IN, "
            "COOPERATES_WITH and the MOBILIZES ties on the NGO's behalf"
        )


# --- realised access: one small graph per NGO ----------------------------------


@dataclass(frozen=True)
class _Ties:
    """The ties realised chains are made of, indexed for building one NGO's chains."""

    heads: dict[Hashable, list[tuple[Hashable, Any]]]  # node -> (successor, round) of its ties
    tails: dict[tuple[Hashable, Any], dict[Hashable, list[Hashable]]]  # (NGO, round) -> node -> successors
    lines: dict[Hashable, list[Hashable]]  # the administrative line: node -> bodies it supervises
    targets: frozenset[Hashable] = frozenset()

    @classmethod
    def of(cls, graph: nx.Graph, targets: AbstractSet[Hashable] = frozenset()) -> _Ties:
        if not graph.is_directed():
            raise ValueError("realised access needs a directed graph with typed ties (mode='potential' does not)")
        heads: dict[Hashable, set[tuple[Hashable, Any]]] = defaultdict(set)
        tails: dict[tuple[Hashable, Any], dict[Hashable, set[Hashable]]] = defaultdict(lambda: defaultdict(set))
        lines: dict[Hashable, set[Hashable]] = defaultdict(set)
        for u, v, data in graph.edges(data=True):
            kind = data.get("type")
            if u == v or kind not in REALISED_TYPES:
                continue
            rnd, ngo = data.get("round"), data.get("on_behalf_of")
            if kind in (chain_rule.HEAD, chain_rule.DIRECT):
                heads[u].add((v, rnd))  # a tie out of an NGO starts its chains
            elif kind == chain_rule.LINE:
                if v not in targets:  # supervision completes a path; a mobilisation enters the place
                    lines[u].add(v)
            elif ngo is not None and rnd is not None:  # later ties serve the NGO, in the head's round
                tails[(ngo, rnd)][u].add(v)
        return cls(
            {u: sorted(vs, key=str) for u, vs in heads.items()},
            {key: {u: sorted(vs, key=str) for u, vs in adj.items()} for key, adj in tails.items()},
            {u: sorted(vs, key=str) for u, vs in lines.items()},
            frozenset(targets),
        )

    def useful(self, ngo: Hashable, rnd: Any) -> set[Hashable]:
        """Bodies from which the administrative line leads to one that mobilises for ``ngo`` in ``rnd``."""
        sources = set(self.tails.get((ngo, rnd), {}))
        above: dict[Hashable, list[Hashable]] = defaultdict(list)
        for u, vs in self.lines.items():
            for v in vs:
                above[v].append(u)
        seen, queue = set(sources), deque(sources)
        while queue:
            for u in above.get(queue.popleft(), ()):
                if u not in seen:
                    seen.add(u)
                    queue.append(u)
        return seen


@dataclass(frozen=True)
class _Chains:
    """One NGO's realised access graph, on integers.

    Node 0 is the NGO. A node a chain passes in round *r* appears once per such round
    (chains of different rounds never meet), ``original`` naming it; the graph holds
    the nodes within :data:`MAX_CHAIN` ties of the NGO and the ties out of those closer
    than that. Each village or school reached has one more node, its sink, after all
    the copies: every chain to it ends with a tie from one of its copies to its sink.
    """

    succ: list[list[int]]
    original: list[Hashable]
    sinks: dict[Hashable, int]

    @property
    def first_sink(self) -> int:
        return len(self.original) - len(self.sinks)

    @classmethod
    def of(cls, ngo: Hashable, ties: _Ties, targets: set[Hashable]) -> _Chains:
        ids: dict[tuple[Hashable, Any], int] = {}
        original: list[Hashable] = [ngo]
        succ: list[list[int]] = [[]]
        rounds: list[Any] = [None]
        queue: deque[tuple[int, int]] = deque()

        def node(key: tuple[Hashable, Any], depth: int) -> int:
            if key not in ids:
                ids[key] = len(original)
                original.append(key[0])
                rounds.append(key[1])
                succ.append([])
                queue.append((ids[key], depth))
            return ids[key]

        for key in ties.heads.get(ngo, ()):
            succ[0].append(node(key, 1))
        useful: dict[Any, set[Hashable]] = {}
        while queue:
            i, depth = queue.popleft()
            rnd = rounds[i]
            if depth >= MAX_CHAIN or rnd is None or original[i] in targets:
                continue
            if rnd not in useful:
                useful[rnd] = ties.useful(ngo, rnd)
            steps = ties.tails.get((ngo, rnd), {}).get(original[i], [])
            lines = [v for v in ties.lines.get(original[i], ()) if v in useful[rnd] and v not in steps]
            for v in [*steps, *lines]:
                succ[i].append(node((v, rnd), depth + 1))
        sinks: dict[Hashable, int] = {}
        for i in range(1, len(original)):
            if original[i] in targets:
                sinks.setdefault(original[i], len(original) + len(sinks))
        for i in range(1, len(original)):
            if original[i] in targets:
                succ[i].append(sinks[original[i]])
        original.extend(sinks)
        succ.extend([] for _ in sinks)
        return cls(succ, original, sinks)

    def digraph(self) -> nx.DiGraph:
        out = nx.DiGraph()
        out.add_nodes_from(range(len(self.original)))
        out.add_edges_from((i, j) for i, js in enumerate(self.succ) for j in js)
        return out

    def reach(self, blocked: AbstractSet[int] = frozenset()) -> set[Hashable]:
        """Villages and schools reached by chains that avoid ``blocked`` (of at most MAX_CHAIN ties)."""
        first_sink = self.first_sink
        depth = {0: 0}
        queue = deque([0])
        reached: set[Hashable] = set()
        while queue:
            i = queue.popleft()
            for j in self.succ[i]:
                if j >= first_sink:
                    reached.add(self.original[j])
                elif j not in depth and j not in blocked and depth[i] < MAX_CHAIN:
                    depth[j] = depth[i] + 1
                    queue.append(j)
        return reached

    def direct(self) -> set[Hashable]:
        """Villages and schools at the end of a chain of one tie."""
        return {self.original[j] for j in self.succ[0] if self.original[j] in self.sinks}

    def through_state(self) -> set[Hashable]:
        """Villages and schools at the end of a chain of two ties or more."""
        first_sink = self.first_sink
        return {
            self.original[j]
            for i in range(1, first_sink)
            for j in self.succ[i]
            if j < first_sink and self.original[j] in self.sinks
        }

    def all_paths_within_cap(self, graph: nx.DiGraph) -> bool:
        """Whether no path from the NGO is longer than a chain may be (then dominators are exact)."""
        return nx.is_directed_acyclic_graph(graph) and nx.dag_longest_path_length(graph) <= MAX_CHAIN + 1


def _state_positions(graph: nx.Graph) -> dict[Hashable, int]:
    return {d: i for i, d in enumerate(nodes_in_sectors(graph, STATE_SECTORS))}


def _realised_betweenness(chains: _Chains, position: dict[Hashable, int], method: str) -> np.ndarray:
    """One NGO's access betweenness of each state node (summed over its copies)."""
    n = len(chains.original)
    if method == "fast":
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(js) for js in chains.succ], out=indptr[1:])
        indices = np.fromiter((j for js in chains.succ for j in js), dtype=np.int64, count=int(indptr[-1]))
        is_target = np.zeros(n)
        is_target[chains.first_sink :] = 1.0
        per_node, _ = _brandes_subset(indptr, indices, np.zeros(1, dtype=np.int64), is_target)
    elif method == "networkx":
        values = nx.betweenness_centrality_subset(chains.digraph(), [0], list(chains.sinks.values()), normalized=False)
        per_node = np.array([values[i] for i in range(n)])
    else:
        raise ValueError(f"method must be 'fast' or 'networkx', not {method!r}")
    out = np.zeros(len(position))
    for i in range(1, chains.first_sink):
        pos = position.get(chains.original[i])
        if pos is not None:
            out[pos] += per_node[i]
    return out


def _realised_withdrawal(chains: _Chains, position: dict[Hashable, int]) -> np.ndarray:
    """Per state node, how many of one NGO's villages and schools every chain to them passes."""
    lost = np.zeros(len(position))
    graph = chains.digraph()
    first_sink = chains.first_sink
    if chains.all_paths_within_cap(graph):
        # A target is lost when the node dominates its copy in every round that reaches it
        # (the copies of a round only connect to the NGO and to sinks).
        idom: dict[int, int] = nx.immediate_dominators(graph, 0)
        for sink in chains.sinks.values():
            common: set[Hashable] | None = None
            for copy in graph.pred[sink]:
                above = set()
                up = idom[copy]
                while up != 0:
                    if chains.original[up] in position:
                        above.add(chains.original[up])
                    up = idom[up]
                common = above if common is None else common & above
            for node in common or ():
                lost[position[node]] += 1
        return lost
    # A cycle, or a detour longer than a chain may be: delete each state node in turn.
    copies: dict[Hashable, set[int]] = defaultdict(set)
    for i in range(1, first_sink):
        if chains.original[i] in position:
            copies[chains.original[i]].add(i)
    reached = len(chains.sinks)
    for d, blocked in copies.items():
        lost[position[d]] = reached - len(chains.reach(blocked))
    return lost


def access_betweenness(
    graph: nx.Graph,
    *,
    types: Iterable[str] | None = ACCESS_TYPES,
    k: int | None = None,
    seed: int = 0,
    method: str = "fast",
    mode: str = "realised",
) -> pd.DataFrame:
    """Access betweenness of every state node: shortest NGO -> village/school paths through it.

    Realised mode: per NGO, over the shortest chains to each village or school it
    reaches (chains of all rounds compete; a node counts once per chain). Potential
    mode: on :func:`access_graph` (ties of ``types``) with NGOs as sources and villages
    and schools as targets. See :func:`subset_betweenness` for ``k``, ``seed`` and
    ``method``. Returns ``access_betweenness`` and ``stderr`` for the state nodes
    (departments), sorted by node.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_node("v", label="Village")
    >>> g.add_nodes_from(["county", "township", "other"], label="Agency")
    >>> for u, v, t, obo in [("ngo", "county", "COOPERATES_WITH", None), ("county", "township", "MOBILIZES", "ngo"),
    ...                      ("township", "v", "MOBILIZES", "ngo"), ("county", "other", "SUPERVISES", None),
    ...                      ("other", "v", "MOBILIZES", "ngo-b")]:
    ...     _ = g.add_edge(u, v, type=t, on_behalf_of=obo, round=1)
    >>> access_betweenness(g)["access_betweenness"].to_dict()
    {'county': 1.0, 'other': 0.0, 'township': 1.0}
    >>> access_betweenness(g, mode="potential")["access_betweenness"].to_dict()
    {'county': 1.0, 'other': 0.5, 'township': 0.5}
    """
    _check_mode(mode, types)
    if mode == "potential":
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
        out.attrs["mode"] = mode
        return out
    position = _state_positions(graph)
    ngos = nodes_in_sectors(graph, SOURCE_SECTORS)
    picked = _sample(ngos, k, seed)
    targets = set(nodes_in_sectors(graph, TARGET_SECTORS))
    ties = _Ties.of(graph, targets)
    total, total_sq = np.zeros(len(position)), np.zeros(len(position))
    for ngo in picked:
        values = _realised_betweenness(_Chains.of(ngo, ties, targets), position, method)
        total += values
        total_sq += values * values
    scale = len(ngos) / len(picked) if picked else 0.0
    out = pd.DataFrame(
        {"access_betweenness": total * scale, "stderr": _stderr(total, total_sq, len(picked), len(ngos))},
        index=pd.Index(list(position), name="node"),
    )
    out.attrs.update({"sources": len(ngos), "sampled": len(picked), "seed": seed, "mode": mode})
    return out


def _reach(
    graph: nx.DiGraph, sources: Iterable[Hashable], targets: set[Hashable], blocked: set[Hashable]
) -> set[Hashable]:
    seen = set(sources)
    stack = list(seen)
    while stack:
        u = stack.pop()
        for v in graph.succ[u]:
            if v not in seen and v not in blocked:
                seen.add(v)
                stack.append(v)
    return seen & targets


STATE_DEPENDENCE_COLUMNS = (
    "reached",
    "direct",
    "through_state",
    "only_through_state",
    "state_opened",
    "reached_without_state",
    "state_dependence",
)


def state_dependence(
    graph: nx.Graph, *, types: Iterable[str] | None = ACCESS_TYPES, mode: str = "realised"
) -> pd.DataFrame:
    """Per NGO: the villages and schools it reaches, directly and through the state, and the share lost without it.

    Columns, indexed by NGO: ``reached``; ``direct``, those with a tie from the NGO;
    ``through_state``, those at the end of a path of two ties or more (through an
    agency); ``only_through_state``, those through the state but not direct;
    ``state_opened``, those reached directly whose access the state opened (gated by
    an approval, or blocked by distrust until the state stepped in: the rule of
    :func:`graphmodel.chains.state_opened`; realised mode only); ``reached_without_state``,
    those still reached with every state node removed, less those the state opened; and
    ``state_dependence`` = (reached - reached_without_state) / reached. For an NGO that
    reaches no village or school (an urban NGO) the ratio does not apply and reads
    ``"not applicable"``; for one that no tie of the graph touches (a graph of one round
    in which no one revisited it), ``"not observed"``: never NaN. In realised mode
    paths are the NGO's chains, and ``reached``, ``direct``, ``through_state`` and
    ``only_through_state`` are those of the query ``mediated_reach``.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_node("wf", label="Agency")
    >>> g.add_nodes_from(["v1", "v2", "v3"], label="Village")
    >>> for u, v, t, obo in [("ngo", "wf", "COOPERATES_WITH", None), ("wf", "v1", "MOBILIZES", "ngo"),
    ...                      ("wf", "v2", "MOBILIZES", "ngo"), ("ngo", "v2", "WORKS_IN", None),
    ...                      ("wf", "v3", "SUPERVISES", None)]:
    ...     _ = g.add_edge(u, v, type=t, on_behalf_of=obo, round=1)
    >>> state_dependence(g).loc["ngo"].tolist()
    [2.0, 1.0, 2.0, 1.0, 0.0, 1.0, 0.5]
    >>> _ = g.add_edge("wf", "ngo", type="APPROVES", place="v2", round=1)  # entering v2 needed an approval
    >>> state_dependence(g).loc["ngo", ["state_opened", "reached_without_state", "state_dependence"]].tolist()
    [1.0, 0.0, 1.0]
    >>> state_dependence(g, mode="potential").loc["ngo", ["reached", "state_dependence"]].tolist()
    [3.0, 0.6666666666666666]
    """
    _check_mode(mode, types)
    rows: list[tuple[set[Hashable], ...]] = []
    ngos = nodes_in_sectors(graph, SOURCE_SECTORS)
    if mode == "potential":
        access = access_graph(graph, types)
        targets = set(nodes_in_sectors(access, TARGET_SECTORS))
        state = set(nodes_in_sectors(access, STATE_SECTORS))
        for ngo in ngos:
            second = {w for v in access.succ[ngo] for w in access.succ[v]}
            rows.append(
                (
                    _reach(access, [ngo], targets, set()),
                    set(access.succ[ngo]) & targets,
                    _reach(access, second, targets, set()),
                    set(),
                    _reach(access, [ngo], targets, state),
                )
            )
    else:
        targets = set(nodes_in_sectors(graph, TARGET_SECTORS))
        ties = _Ties.of(graph, targets)
        for ngo in ngos:
            chains = _Chains.of(ngo, ties, targets)
            state_copies = {i for i in range(1, chains.first_sink) if node_sector(graph, chains.original[i]) == "state"}
            reached = chains.reach()
            opened = chain_rule.state_opened(graph, ngo) & reached
            rows.append((reached, chains.direct(), chains.through_state(), opened, chains.reach(state_copies) - opened))
    counts = [
        (len(reached), len(direct), len(through), len(through - direct), len(opened), len(alone))
        for reached, direct, through, opened, alone in rows
    ]
    frame = pd.DataFrame(counts, index=pd.Index(ngos, name="node"), columns=list(STATE_DEPENDENCE_COLUMNS[:-1]))
    touched = {n for edge in graph.edges() for n in edge}
    frame["state_dependence"] = [
        NOT_OBSERVED if ngo not in touched else NOT_APPLICABLE if reached == 0 else (reached - alone) / reached
        for ngo, reached, alone in zip(ngos, frame["reached"], frame["reached_without_state"], strict=True)
    ]
    frame.attrs["mode"] = mode
    return frame


def department_withdrawal(
    graph: nx.Graph,
    *,
    types: Iterable[str] | None = ACCESS_TYPES,
    k: int | None = None,
    seed: int = 0,
    mode: str = "realised",
) -> pd.DataFrame:
    """Per state node: the NGO -> village/school pairs lost if it withdrew, and the NGOs affected.

    A pair (NGO, target) is lost when every path from the NGO to the target passes
    through the node: in realised mode every chain of the NGO's to it; in potential
    mode every path in the access graph, i.e. when the node dominates the target in
    the NGO's dominator tree. Columns ``reach_lost``, ``ngos_affected`` and their
    standard errors under sampling (``k`` NGOs drawn with ``seed``), indexed by state
    node.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO"); g.add_nodes_from(["county", "twp"], label="Agency")
    >>> g.add_nodes_from(["v1", "v2"], label="Village")
    >>> for u, v in [("ngo", "county"), ("county", "twp"), ("twp", "v1"), ("county", "v2")]:
    ...     _ = g.add_edge(u, v, type="MOBILIZES" if u != "ngo" else "COOPERATES_WITH", on_behalf_of="ngo", round=1)
    >>> department_withdrawal(g)[["reach_lost", "ngos_affected"]].to_dict("index")
    {'county': {'reach_lost': 2.0, 'ngos_affected': 1.0}, 'twp': {'reach_lost': 1.0, 'ngos_affected': 1.0}}
    """
    _check_mode(mode, types)
    position = _state_positions(graph)
    ngos = nodes_in_sectors(graph, SOURCE_SECTORS)
    picked = _sample(ngos, k, seed)
    sums = np.zeros((2, len(position)))
    squares = np.zeros((2, len(position)))
    if mode == "potential":
        access = access_graph(graph, types)
        targets = set(nodes_in_sectors(access, TARGET_SECTORS))
    else:
        targets = set(nodes_in_sectors(graph, TARGET_SECTORS))
        ties = _Ties.of(graph, targets)
    for ngo in picked:
        if mode == "realised":
            lost = _realised_withdrawal(_Chains.of(ngo, ties, targets), position)
        else:
            idom: dict[Any, Any] = nx.immediate_dominators(access, ngo)
            lost = np.zeros(len(position))
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
        index=pd.Index(list(position), name="node"),
    )
    frame.attrs.update({"sources": len(ngos), "sampled": len(picked), "seed": seed, "mode": mode})
    return frame
