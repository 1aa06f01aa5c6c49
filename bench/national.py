"""The national graph end to end: generate, load, query, compute metrics, draw an aggregated view.

Every stage records wall and CPU time, this process's peak resident memory during the
stage, and the embedded store server's peak. Metrics are sampled where exact is
infeasible (access betweenness from ``SAMPLE`` NGOs, scaled up, with a standard error).
The aggregated view keeps departments at county level and above and folds everything
below a county (townships' bodies, villages, schools, NGOs, interviews, companies) into
one node per county and label, with ties counted.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import Stages, log, median, quantile

SAMPLE = 400
COUNTY = re.compile(r"(p\d\df\d\dc\d\d)")
MAX_WALL_S = 20 * 60


def aggregate(graph: Any) -> Any:
    """Fold every node below county level into one node per (county, label); count the ties between groups."""
    import networkx as nx

    def group(node: str, data: dict[str, Any]) -> str:
        if data.get("label") == "Agency" and data.get("level") in ("national", "province", "prefecture", "county"):
            return node
        m = COUNTY.search(node)
        return f"{m[1]}:{data.get('label')}" if m else f"all:{data.get('label')}"

    groups = {n: group(n, d) for n, d in graph.nodes(data=True)}
    out = nx.MultiDiGraph()
    sizes = Counter(groups.values())
    for n, d in graph.nodes(data=True):
        g = groups[n]
        if g == n:
            out.add_node(n, **d)
        elif g not in out:
            label = d.get("label")
            out.add_node(g, label=label, name=f"{sizes[g]:,} {label} nodes in {g.split(':')[0]}", members=sizes[g])
    counts = Counter((groups[u], groups[v], d.get("type")) for u, v, d in graph.edges(data=True))
    for (u, v, rel), n in counts.items():
        if u != v:
            out.add_edge(u, v, key=f"{u}|{rel}|{v}", type=rel, ties=n)
    return out


def graph_stages(graph: Any, stages: Stages, size: str, tmp: Path, over: Any) -> None:
    """Sampled access betweenness, brokerage and the aggregated view (written and opened in Chromium)."""
    from graphmodel.metrics import access_graph, brokerage, subset_betweenness
    from graphmodel.metrics._common import nodes_in_sectors
    from graphmodel.views import build_page, write_page

    with stages.stage("access_betweenness", sampled_sources=SAMPLE) as rec:
        access = access_graph(graph)
        sources = nodes_in_sectors(access, ("ngo",))
        result = subset_betweenness(access, sources, nodes_in_sectors(access, ("grassroots",)), k=SAMPLE)
        positive = result[result.betweenness > 0]
        rec.update(
            sources=len(sources),
            median_relative_stderr=round(float((positive.stderr / positive.betweenness).median()), 4),
        )
    if not over():
        with stages.stage("brokerage") as rec:
            b = brokerage(graph)
            rec["brokers"] = int((b["total"] > 0).sum())
        del b
    with stages.stage("aggregated_view") as rec:
        agg = aggregate(graph)
        path = write_page(build_page(agg, title="National graph, aggregated below county level"), tmp / "national.html")
        rec.update(
            nodes=agg.number_of_nodes(), edges=agg.number_of_edges(), html_mib=round(path.stat().st_size / 2**20, 1)
        )
    try:
        from bench.views import time_to_usable

        if size == "tiny":  # the views benchmark already exercises the browser
            raise RuntimeError("skipped at the tiny size")

        with stages.stage("aggregated_view_browser") as rec:
            rec.update(time_to_usable(path, 1, timeout_s=300))
    except Exception as exc:  # the browser is optional
        log(f"browser: {exc}")


def run_graph(size: str, tmp: Path, *, seed: int = 0) -> dict[str, Any]:
    """The national graph's metrics and view from its validated records, without a store.

    For when the end-to-end run's export from the store used up its time budget: the graph is
    built in memory from the records, as :func:`graphmodel.export.to_networkx` would read it.
    """
    from bench.views import graph_of
    from graphmodel.synth import write_package

    started = time.perf_counter()
    stages = Stages()
    package = tmp / f"national-graph-{size}"
    with stages.stage("generate"):
        stats = write_package(package, size, seed=seed)
    with stages.stage("read_validate_build_graph") as rec:
        graph = graph_of(package)
        rec.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
    graph_stages(graph, stages, size, tmp, lambda: time.perf_counter() - started > MAX_WALL_S)
    return {"stages": stages.stages, "package": stats.as_dict(), "total_s": round(time.perf_counter() - started, 1),
            "peak_rss_mib": max(s["process_peak_rss_mib"] for s in stages.stages)}  # fmt: skip


def time_queries(store: Any, started: float) -> dict[str, Any]:
    """Point queries about ten NGOs spread over the graph, and two global ones: latencies and errors."""
    from graphmodel.queries import run_query

    ngos = [r[0] for r in store.run("MATCH (n:NGO) RETURN n.id AS id ORDER BY id").rows][::9973][:10]
    latencies: dict[str, list[float]] = {}
    errors: dict[str, str] = {}

    def timed(name: str, shape: str, params: dict[str, Any]) -> None:
        t = time.perf_counter()
        try:
            run_query(store, name, params)
        except Exception as exc:  # record and go on: one slow query must not end the run
            errors[f"{name}:{shape}"] = f"{type(exc).__name__}: {exc}"[:300]
        latencies.setdefault(f"{name}:{shape}", []).append(time.perf_counter() - t)
        log(f"national query {name}:{shape} {time.perf_counter() - t:.3f} s")

    for name in ("sponsors_and_approvals", "funding_flows", "evidence", "access_paths", "mediated_reach"):
        for ngo in ngos:
            timed(name, "point", {"ngo": ngo})
            if time.perf_counter() - started > MAX_WALL_S * 0.8:
                break
    for name in ("sample_profile", "motivations"):
        timed(name, "global", {})
    latency_ms = {k: {"median": round(median(v) * 1000, 1), "max": round(max(v) * 1000, 1),
                      "p95": round(quantile(v, 0.95) * 1000, 1), "calls": len(v)}
                  for k, v in latencies.items()}  # fmt: skip
    return {"errors": errors, "latency_ms": latency_ms}


def run_neo4j(size: str, tmp: Path, *, seed: int = 0) -> dict[str, Any]:
    """Generate the package, load it into Neo4j (staged: it is far too big for one transaction), query it.

    Uses the Neo4j of ``NEO4J_URI``, which must be empty, and empties it again at the end.
    The server's memory is read from ``GRAPHMODEL_NEO4J_HOME``'s pid file when there is one.
    """
    import os

    from bench.loader import neo4j_require_empty, neo4j_wipe
    from graphmodel.api import load_package
    from graphmodel.schema import load_schema
    from graphmodel.settings import Neo4jSettings
    from graphmodel.stores.neo4j import Neo4jStore
    from graphmodel.synth import write_package

    started = time.perf_counter()
    stages = Stages()
    out: dict[str, Any] = {"stages": stages.stages, "store": "neo4j"}
    package = tmp / f"national-{size}"
    store = Neo4jStore(Neo4jSettings.from_env())
    neo4j_require_empty(store)
    pid_file = Path(os.environ.get("GRAPHMODEL_NEO4J_HOME", "/nonexistent")) / "run" / "neo4j.pid"
    if pid_file.exists():
        stages.server_pid = int(pid_file.read_text().split()[0])
    try:
        with stages.stage("generate") as rec:
            stats = write_package(package, size, seed=seed)
            rec.update(nodes=stats.nodes, ties=stats.ties)
        out["package"] = stats.as_dict()
        with stages.stage("constraints"):
            store.ensure_constraints(load_schema())
        marks = iter(range(1, 11))
        mark = next(marks)

        def progress(done: int, total: int) -> None:
            nonlocal mark
            if done >= total * mark / 10:
                log(f"national load into Neo4j: {done:,} of about {total:,} rows")
                mark = next(marks, 11)

        with stages.stage("load") as rec:
            from graphmodel.engine.load import LoadOptions
            from graphmodel.settings import LoadSettings

            options = LoadOptions(stage_rows=LoadSettings.from_env().stage_rows)
            report = load_package(store, package, progress=progress, options=options)
            rows = stats.nodes + stats.ties
            rec.update(rows=rows, staged=report.staged, rows_per_s=round(rows / (time.perf_counter() - started), 1))
        load = stages.stages[-1]
        load["rows_per_s"] = round(load["rows"] / load["seconds"], 1)
        with stages.stage("queries") as rec:
            rec.update(time_queries(store, started))
    finally:
        with stages.stage("wipe"):
            neo4j_wipe(store)
        store.close()
    out["total_s"] = round(time.perf_counter() - started, 1)
    out["peak_rss_mib"] = max(s["process_peak_rss_mib"] for s in stages.stages)
    out["server_peak_rss_mib"] = max(s.get("server_peak_rss_mib", 0) for s in stages.stages)
    return out


def run(size: str, tmp: Path, *, seed: int = 0, neo4j: bool = False) -> dict[str, Any]:
    from graphmodel.engine.load import load
    from graphmodel.export import to_networkx
    from graphmodel.schema import load_schema
    from graphmodel.stores.embedded import EmbeddedStore
    from graphmodel.synth import write_package
    from loaders.fieldwork import read_package

    started = time.perf_counter()
    stages = Stages()
    out: dict[str, Any] = {"stages": stages.stages, "store": "embedded"}
    package = tmp / f"national-{size}"
    schema = load_schema()

    def over() -> bool:
        return time.perf_counter() - started > MAX_WALL_S

    with stages.stage("generate") as rec:
        stats = write_package(package, size, seed=seed)
        rec.update(nodes=stats.nodes, ties=stats.ties)
    out["package"] = stats.as_dict()
    out["package_mib"] = round(sum(p.stat().st_size for p in package.iterdir()) / 2**20, 1)
    store = EmbeddedStore(tmp / "store")
    stages.server_pid = store.server_pid()
    try:
        with stages.stage("constraints"):
            store.ensure_constraints(schema)
        with stages.stage("read"):
            raw = read_package(package)
        with stages.stage("load") as rec:
            report = load(store, raw)
            rows = len(report.plan.records.nodes) + len(report.plan.records.ties)
            rec.update(rows=rows, phases=report.timings)
        del raw, report
        written = stages.stages[-1]
        written["rows_per_s"] = round(written["rows"] / written["seconds"], 1)
        load_s = sum(s["seconds"] for s in stages.stages if s["stage"] in ("constraints", "read", "load"))
        out["load_rows_per_s"] = round(rows / load_s, 1)
        if over():
            out["stopped"] = "wall-time budget used up after loading"
            return out
        with stages.stage("queries") as rec:
            rec.update(time_queries(store, started))
        with stages.stage("export") as rec:
            graph = to_networkx(store)
            rec.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
    finally:
        store.close()
    if over():
        out["stopped"] = "wall-time budget used up after the export"
        return out
    graph_stages(graph, stages, size, tmp, over)
    out["total_s"] = round(time.perf_counter() - started, 1)
    out["peak_rss_mib"] = max(s["process_peak_rss_mib"] for s in stages.stages)
    out["server_peak_rss_mib"] = max(s.get("server_peak_rss_mib", 0) for s in stages.stages)
    return out
