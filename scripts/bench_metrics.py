"""Time access betweenness: graphmodel's vectorised algorithm, plain NetworkX, and igraph.

Usage (from the repository root; igraph is optional, ``pip install igraph``)::

    python scripts/bench_metrics.py [--scale 1.0] [--skip-networkx] [--seed 0]

The graph is a synthetic administrative hierarchy shaped like the paper's
(province -> prefecture -> county -> township bodies of several systems, villages
and schools under townships, NGOs cooperating with county and township bodies and
working in a few villages). At scale 1 it has about 75,000 nodes. It stands in for
the benchmark issue's national graph until that generator exists.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from graphmodel.metrics import access_graph, department_withdrawal, subset_betweenness
from graphmodel.metrics._common import nodes_in_sectors
from graphmodel.metrics.access import _brandes_subset, _components, _csr

SYSTEMS = ("wf", "edu", "water", "ahb", "pao")


def hierarchy(scale: float = 1.0, seed: int = 0, wide: float = 0.1) -> nx.MultiDiGraph:
    """A synthetic state-NGO graph with node labels and tie types as the export gives them."""
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph()

    def edge(u: str, v: str, rel: str) -> None:
        g.add_edge(u, v, type=rel)

    provinces = max(1, round(6 * scale))
    for p in range(provinces):
        prov = {s: f"p{p}-{s}" for s in SYSTEMS}
        for node in prov.values():
            g.add_node(node, label="Agency")
        for f in range(10):
            pref = {s: f"p{p}f{f}-{s}" for s in SYSTEMS}
            for s, node in pref.items():
                g.add_node(node, label="Agency")
                edge(prov[s], node, "SUPERVISES")
            for c in range(8):
                cid = f"p{p}f{f}c{c}"
                county = {s: f"{cid}-{s}" for s in SYSTEMS}
                for s, node in county.items():
                    g.add_node(node, label="Agency")
                    edge(pref[s], node, "SUPERVISES")
                townships = []
                for t in range(8):
                    tid = f"{cid}t{t}"
                    gov, wf = f"{tid}-gov", f"{tid}-wf"
                    g.add_node(gov, label="Agency")
                    g.add_node(wf, label="Agency")
                    edge(county["wf"], wf, "SUPERVISES")
                    edge(county["wf"], wf, "MOBILIZES")
                    for s in ("edu", "water", "ahb", "pao"):
                        if rng.random() < 0.5:
                            edge(county[s], gov, "MOBILIZES")
                    villages = [f"{tid}v{v}" for v in range(12)]
                    for v in villages:
                        g.add_node(v, label="Village")
                        edge(gov, v, "SUPERVISES")
                        if rng.random() < 0.3:
                            edge(wf, v, "MOBILIZES")
                    for k in range(2):
                        school = f"{tid}s{k}"
                        g.add_node(school, label="School")
                        edge(county["edu"], school, "SUPERVISES")
                    townships.append((gov, wf, villages))
                for n in range(5):
                    ngo = f"{cid}-ngo{n}"
                    g.add_node(ngo, label="NGO")
                    for s in rng.choice(SYSTEMS, size=2, replace=False):
                        edge(ngo, county[str(s)], "COOPERATES_WITH")
                    gov, wf, villages = townships[rng.integers(len(townships))]
                    edge(ngo, wf, "COOPERATES_WITH")
                    for v in rng.choice(villages, size=2, replace=False):
                        edge(ngo, str(v), "WORKS_IN")
                    if rng.random() < 0.2:  # a tie to a neighbouring prefecture's body
                        other = f"p{p}f{(f + 1) % 10}-{rng.choice(SYSTEMS)}"
                        edge(ngo, other, "COOPERATES_WITH")
                    if rng.random() < wide:  # a tie to its own province's body: a wide reach
                        edge(ngo, prov[str(rng.choice(SYSTEMS))], "COOPERATES_WITH")
    return g


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The shortest of ``repeat`` wall-clock timings of ``run()``."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        run()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--wide", type=float, default=0.1, help="share of NGOs tied to a province body")
    parser.add_argument("--skip-networkx", action="store_true")
    args = parser.parse_args()
    g = hierarchy(args.scale, args.seed, args.wide)
    access = access_graph(g)
    sources = nodes_in_sectors(access, ("ngo",))
    targets = nodes_in_sectors(access, ("grassroots",))
    print(
        f"graph: {g.number_of_nodes()} nodes, {g.number_of_edges()} ties; access graph "
        f"{access.number_of_edges()} edges; {len(sources)} NGOs, {len(targets)} villages and schools"
    )
    fast_s = best_of(3, lambda: subset_betweenness(access, sources, targets))
    fast = subset_betweenness(access, sources, targets)
    order = sorted(access, key=str)
    index_of = {v: i for i, v in enumerate(order)}
    indptr, indices = _csr(access, index_of)
    is_target = np.zeros(len(order))
    is_target[[index_of[x] for x in targets]] = 1.0
    src = np.array([index_of[x] for x in sources], dtype=np.int64)
    kernel_s = best_of(
        3, lambda: _brandes_subset(indptr, indices, src, is_target, _components(indptr, indices, src), squares=False)
    )
    print(f"graphmodel (kernel only, arrays ready):        {kernel_s:8.3f} s")
    print(f"graphmodel (fast, from NetworkX, best of 3):  {fast_s:8.3f} s")
    try:
        import igraph as ig

        t = time.perf_counter()
        ig_graph = ig.Graph.from_networkx(access)
        names = ig_graph.vs["_nx_name"]
        index = {n: i for i, n in enumerate(names)}
        convert_s = time.perf_counter() - t
        ig_sources, ig_targets = [index[s] for s in sources], [index[x] for x in targets]
        igraph_s = best_of(3, lambda: ig_graph.betweenness(directed=True, sources=ig_sources, targets=ig_targets))
        ig_values = ig_graph.betweenness(directed=True, sources=ig_sources, targets=ig_targets)
        diff = max(abs(ig_values[index[n]] - fast.at[n, "betweenness"]) for n in names)
        print(
            f"igraph (best of 3): {igraph_s:8.3f} s, plus {convert_s:.2f} s to convert from NetworkX; "
            f"max |difference| {diff:.2e}"
        )
        print(
            f"ratio graphmodel / igraph: {kernel_s / igraph_s:.2f} (kernels), {fast_s / igraph_s:.2f} "
            "(graphmodel from NetworkX, igraph computation only), "
            f"{fast_s / (igraph_s + convert_s):.2f} (both starting from NetworkX)"
        )
    except ImportError:
        print("igraph: not installed (pip install igraph)")
    if not args.skip_networkx:
        t = time.perf_counter()
        plain = nx.betweenness_centrality_subset(access, sources, targets, normalized=False)
        nx_s = time.perf_counter() - t
        diff = max(abs(plain[n] - fast.at[n, "betweenness"]) for n in plain)
        print(f"networkx (plain):   {nx_s:8.2f} s; max |difference| {diff:.2e}")
    t = time.perf_counter()
    department_withdrawal(g, mode="potential")
    print(f"department withdrawal (all NGOs): {time.perf_counter() - t:8.2f} s")
    t = time.perf_counter()
    sampled = subset_betweenness(access, sources, targets, k=max(2, len(sources) // 10))
    top = fast.betweenness.nlargest(100).index
    rel_err = (sampled.betweenness[top] - fast.betweenness[top]).abs() / fast.betweenness[top]
    rel_se = sampled.stderr[top] / fast.betweenness[top]
    within = ((sampled.betweenness - fast.betweenness).abs() <= 2 * sampled.stderr)[fast.betweenness > 0].mean()
    print(
        f"sampled 10% of NGOs: {time.perf_counter() - t:8.2f} s; top 100 nodes: median relative error "
        f"{rel_err.median():.3f}, median relative stderr {rel_se.median():.3f}; "
        f"nodes within 2 stderr: {within:.1%}"
    )


if __name__ == "__main__":
    main()
