"""Query-library benchmarks: median and tail latency of every library query, on both stores.

The package is loaded into a fresh embedded store and (if configured) an emptied Neo4j.
Each query runs in two shapes where it can: ``point`` (about one NGO, chosen round-robin
from a fixed sample of NGOs: the interactive case) and ``global`` (the whole graph, defaults
only). A paged query's ``global`` is its first page (what an unanchored call gives), and
``global_all`` every row (``--all``): the bound that row transfer sets. Queries whose
required parameters the harness cannot fill are skipped and listed. A case stops
repeating once it has used its time budget; the number of calls is recorded. Results of
10,000 rows or more also time the transfer of as many rows and values alone (``transfer_ms``).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import log, median, quantile
from graphmodel.queries import DEFAULT_PAGE_SIZE

#: Values for required parameters other than ``ngo``.
FILL = {"date": "2011", "year": 2010}
POINT_NGOS = 20
BUDGET_S = 20.0


def cases(ngos: list[str], only: set[str] | None = None) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(query, shape, parameter sets) for every library query (or those in ``only``)."""
    from graphmodel.queries import library

    out = []
    for name, query in sorted(library().items()):
        if only is not None and name not in only:
            continue
        required = {n for n, p in query.params.items() if p.required}
        fill = {n: FILL[n] for n in required if n in FILL}
        if required - set(fill) - {"ngo"}:
            continue
        if "ngo" in query.params:
            out.append((name, "point", [{**fill, "ngo": n} for n in ngos]))
        if "ngo" not in required:
            out.append((name, "global", [fill]))
            if query.page is not None:
                out.append((name, "global_all", [fill]))
    return out


def time_cases(
    store: Any,
    ngos: list[str],
    runs: int,
    budget: float = BUDGET_S,
    only: set[str] | None = None,
    shapes: set[str] | None = None,
    results: dict[str, Any] | None = None,
    transfer: bool = True,
) -> dict[str, Any]:
    """Time every case (of ``only``'s queries and ``shapes``' shapes, if given): median, p95, max, rows.

    ``results``, if given, is filled case by case (a caller can keep what was measured if stopped).
    ``transfer=False`` leaves out the row-transfer probe of large results (``transfer_ms``).
    """
    import warnings

    from graphmodel.queries import TruncatedResult, run_query

    warnings.simplefilter("ignore", TruncatedResult)  # a first page is what "global" times
    results = {} if results is None else results
    for name, shape, param_sets in cases(ngos, only):
        if shapes is not None and shape not in shapes:
            continue
        page_size = None if shape == "global_all" else DEFAULT_PAGE_SIZE
        times: list[float] = []
        rows = 0
        calls = len(param_sets) * runs if shape == "point" else runs
        spent = 0.0
        error = None
        for i in range(calls + 1):  # the first call warms the plan cache, untimed
            start = time.perf_counter()
            try:
                result = run_query(store, name, param_sets[i % len(param_sets)], page_size=page_size)
            except Exception as exc:  # record it; the other queries still run
                error = f"{type(exc).__name__}: {exc}"[:300]
                break
            elapsed = time.perf_counter() - start
            if i == 0 and elapsed <= budget:
                continue
            if i == 0:  # too slow to repeat: the cold call is the only sample
                times.append(elapsed)
                rows += len(result.rows)
                break
            times.append(elapsed)
            rows += len(result.rows)
            spent += elapsed
            if spent > budget:
                break
        if not times:
            results[f"{name}:{shape}"] = {"calls": 0, "error": error}
            log(f"queries {store.description.split(':')[0]}: {name}:{shape} failed: {error}")
            continue
        results[f"{name}:{shape}"] = {
            "error": error,
            "calls": len(times),
            "median_ms": round(median(times) * 1000, 2),
            "p95_ms": round(quantile(times, 0.95) * 1000, 2),
            "max_ms": round(max(times) * 1000, 2),
            "mean_rows": round(rows / len(times), 1),
        }
        if result.more is not None:
            results[f"{name}:{shape}"]["first_page_of_more"] = True
        if transfer and rows / len(times) >= TRANSFER_ROWS:
            results[f"{name}:{shape}"]["transfer_ms"] = transfer_ms(store, int(rows / len(times)), len(result.columns))
        log(
            f"queries {store.description.split(':')[0]}: {name}:{shape} median {results[f'{name}:{shape}']['median_ms']} ms"
        )
    return results


#: Results of at least this many rows also time the transfer of as many rows and values alone.
TRANSFER_ROWS = 10_000


def transfer_ms(store: Any, rows: int, columns: int, runs: int = 3) -> float:
    """Median ms to return ``rows`` rows of ``columns`` short strings and do nothing else: the row transfer's share."""
    cypher = "UNWIND range(1, $rows) AS i RETURN [x IN range(1, $columns) | 'value-' + toString(i)] AS row"
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        store.run(cypher, {"rows": rows, "columns": columns})
        times.append(time.perf_counter() - start)
    return round(median(times) * 1000, 2)


def sample_ngos(store: Any, k: int = POINT_NGOS) -> list[str]:
    ids = [r[0] for r in store.run("MATCH (n:NGO) RETURN n.id AS id ORDER BY id").rows]
    step = max(1, len(ids) // k)
    return ids[::step][:k]


def run(package: Path, runs: int, *, neo4j: bool, only: set[str] | None = None) -> dict[str, Any]:
    from graphmodel.api import load_package
    from graphmodel.stores.embedded import EmbeddedStore

    out: dict[str, Any] = {"only": sorted(only) if only else None}
    with tempfile.TemporaryDirectory() as tmp, EmbeddedStore(tmp) as store:
        start = time.perf_counter()
        load_package(store, package)
        out["embedded_load_s"] = round(time.perf_counter() - start, 2)
        ngos = sample_ngos(store)
        out["point_ngos"] = ngos
        out["embedded"] = time_cases(store, ngos, runs, only=only)
    if neo4j:
        from bench.loader import neo4j_require_empty, neo4j_wipe
        from graphmodel.settings import Neo4jSettings
        from graphmodel.stores.neo4j import Neo4jStore

        store = Neo4jStore(Neo4jSettings.from_env())
        try:
            neo4j_require_empty(store)
            start = time.perf_counter()
            load_package(store, package)
            out["neo4j_load_s"] = round(time.perf_counter() - start, 2)
            out["neo4j"] = time_cases(store, ngos, runs, only=only)
            neo4j_wipe(store)
        finally:
            store.close()
    both = sorted(set(out.get("embedded", {})) & set(out.get("neo4j", {})))
    out["ratio_median_neo4j_over_embedded"] = {
        k: round(out["neo4j"][k]["median_ms"] / max(out["embedded"][k]["median_ms"], 1e-3), 2)
        for k in both
        if out["neo4j"][k]["calls"] and out["embedded"][k]["calls"]
    }
    return out
