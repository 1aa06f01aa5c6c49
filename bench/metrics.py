"""Metrics benchmarks: graphmodel's access betweenness and brokerage on the synthetic graph, against igraph.

The graph is read from an embedded store loaded with the package (``export.to_networkx``).
Access betweenness is compared with igraph's ``Graph.betweenness(sources=…, targets=…)``
on the same access graph (NGOs as sources, villages and schools as targets); the
results must agree to 1e-6. igraph has no Gould-Fernandez brokerage, so brokerage is
reported on its own (time and peak memory). Peak memory is the resident set added
during the call (igraph's C allocations included).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.common import log, median, peak_memory


def _timed(fn: Any, runs: int) -> tuple[Any, list[float], float]:
    times, peaks, value = [], [], None
    for _ in range(runs):
        with peak_memory() as m:
            value = fn()
        times.append(m["seconds"])
        peaks.append(m["peak_mib"])
    return value, times, max(peaks)


def _kernel(access: Any, sources: list[Any], targets: list[Any]) -> Any:
    """The part of ``subset_betweenness`` after the NetworkX graph is read into CSR arrays (igraph's share)."""
    import numpy as np

    from graphmodel.metrics.access import _brandes_subset, _components, _csr

    index = {v: i for i, v in enumerate(sorted(access, key=str))}
    indptr, indices = _csr(access, index)
    is_target = np.zeros(len(index))
    is_target[[index[t] for t in targets]] = 1.0
    src = np.array([index[s] for s in sources], dtype=np.int64)
    # every source given counts, as in subset_betweenness(access, sources, targets): no sum of squares needed
    return lambda: _brandes_subset(indptr, indices, src, is_target, _components(indptr, indices, src), squares=False)


def compare_access(graph: Any, runs: int, k: int | None = None) -> dict[str, Any]:
    """graphmodel's subset betweenness against igraph's, on the same access graph and sources."""
    from graphmodel.metrics import access_graph, subset_betweenness
    from graphmodel.metrics._common import nodes_in_sectors

    access = access_graph(graph)
    sources = sorted(nodes_in_sectors(access, ("ngo",)), key=str)
    targets = nodes_in_sectors(access, ("grassroots",))
    if k is not None:
        from graphmodel.metrics.access import _sample

        sources = [s for s in _sample(sources, k, 0)]
    out: dict[str, Any] = {"access_graph": {"nodes": access.number_of_nodes(), "edges": access.number_of_edges(),
                                            "sources": len(sources), "targets": len(targets)}}  # fmt: skip
    log(f"metrics: access betweenness, {len(sources):,} sources x{runs}")
    gm, gm_times, gm_peak = _timed(lambda: subset_betweenness(access, sources, targets), runs)
    out["graphmodel"] = {"seconds": [round(x, 3) for x in gm_times], "median_s": round(median(gm_times), 3),
                         "peak_mib": gm_peak}  # fmt: skip
    _, kernel_times, kernel_peak = _timed(_kernel(access, sources, targets), runs)
    out["graphmodel_kernel"] = {"seconds": [round(x, 3) for x in kernel_times],
                                "median_s": round(median(kernel_times), 3), "peak_mib": kernel_peak,
                                "note": "components and Brandes on the CSR arrays, without reading the NetworkX graph"}  # fmt: skip
    try:
        import igraph as ig
    except ImportError:
        out["igraph"] = {"error": "igraph is not installed (pip install 'graphmodel[bench]')"}
        return out
    with peak_memory() as conv:
        ig_graph = ig.Graph.from_networkx(access)
        index = {n: i for i, n in enumerate(ig_graph.vs["_nx_name"])}
    src, tgt = [index[s] for s in sources], [index[t] for t in targets]
    values, ig_times, ig_peak = _timed(lambda: ig_graph.betweenness(directed=True, sources=src, targets=tgt), runs)
    diff = max(abs(values[index[n]] - gm.at[n, "betweenness"]) for n in index)
    out["igraph"] = {"seconds": [round(x, 3) for x in ig_times], "median_s": round(median(ig_times), 3),
                     "peak_mib": ig_peak, "convert_s": round(conv["seconds"], 3)}  # fmt: skip
    out["max_abs_difference"] = float(diff)
    out["identical"] = bool(diff < 1e-6)
    out["ratio_time_graphmodel_over_igraph"] = round(median(gm_times) / median(ig_times), 2)
    out["ratio_kernel_graphmodel_over_igraph"] = round(median(kernel_times) / median(ig_times), 2)
    # graphmodel works on the NetworkX graph it exported; igraph must first convert it
    out["ratio_including_igraph_conversion"] = round(median(gm_times) / (median(ig_times) + conv["seconds"]), 2)
    return out


def bench_brokerage(graph: Any, runs: int) -> dict[str, Any]:
    from graphmodel.metrics import brokerage

    log(f"metrics: brokerage x{runs}")
    result, times, peak = _timed(lambda: brokerage(graph), runs)
    return {"seconds": [round(x, 3) for x in times], "median_s": round(median(times), 3), "peak_mib": peak,
            "brokers": int((result["total"] > 0).sum()), "igraph": "no Gould-Fernandez brokerage in igraph"}  # fmt: skip


def run(package: Path, runs: int, *, sample: int | None = None) -> dict[str, Any]:
    """Load the package into an embedded store, read it into NetworkX, time the metrics."""
    from graphmodel.api import load_package
    from graphmodel.export import to_networkx
    from graphmodel.stores.embedded import EmbeddedStore

    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        load_package(store, package)
        with peak_memory() as m:
            graph = to_networkx(store)
    out: dict[str, Any] = {
        "graph": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
        "export_s": round(m["seconds"], 3),
        "export_peak_mib": m["peak_mib"],
        "access_betweenness": compare_access(graph, runs, k=sample),
        # 40 sources, as in the measurement (igraph 2.2 s, NetworkX 71 s on a 75k-node graph)
        "access_betweenness_40_sources": compare_access(graph, runs, k=40),
        "brokerage": bench_brokerage(graph, runs),
    }
    return out
