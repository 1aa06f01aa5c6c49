"""Export of a loaded graph, format by format, against the store's own read; then the exact access measure.

    python -m bench.national_export --store /tmp/nat/store --package /tmp/nat/pkg --size national

``--package`` generates the synthetic package (if missing) and bulk-loads it into an empty
``--store`` first; that preparation is recorded but is not part of the figures. Then, each
stage with wall and CPU time, memory and the load average:

- ``store_read``: the anchor, the store's own read of every node and tie (the export's
  Cypher, rows kept only long enough to count them);
- ``export_<format>``: :func:`graphmodel.export.export_store` straight to GraphML, GEXF
  and CSV (streamed: no NetworkX graph);
- ``to_networkx``: the whole graph read into NetworkX (what the metrics start from);
- the exact access measure (every NGO a source), :func:`bench.metrics.compare_access`:
  graphmodel's whole call and its kernel against igraph's ``betweenness`` on the same graph.
"""

from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path
from typing import Any

from bench.common import Stages, log, write_result

FORMATS = ("graphml", "gexf", "csv")


def prepare(store: Any, package: Path, size: str, seed: int) -> dict[str, Any]:
    """Generate ``package`` if missing and bulk-load it into the empty ``store`` (untimed for the figures)."""
    from graphmodel.engine.load import LoadOptions, load
    from graphmodel.synth import write_package
    from loaders.fieldwork import read_package

    started = time.perf_counter()
    if not (package / "ngos.csv").exists():
        write_package(package, size, seed=seed)
    report = load(store, read_package(package), options=LoadOptions(bulk=True))
    return {"seconds": round(time.perf_counter() - started, 1), "bulk": report.bulk}


def store_read(store: Any) -> dict[str, int]:
    """The store's own read of the graph: every query the export runs, rows counted and dropped."""
    from graphmodel.gcpause import gc_paused
    from graphmodel.schema import load_schema

    schema = load_schema()
    with gc_paused():  # as the export reads
        return _counts(store, schema)


def _counts(store: Any, schema: Any) -> dict[str, int]:
    from graphmodel import statements as cy

    nodes = sum(len(store.run(cy.export_nodes(schema, label)).rows) for label in schema.data_labels)
    ties = sum(len(store.run(cy.export_ties(schema, rel)).rows) for rel in schema.relationships)
    return {"nodes": nodes, "ties": ties}


def run(store_path: Path, tmp: Path, *, package: Path | None, size: str, seed: int = 0,
        formats: tuple[str, ...] = FORMATS, access: bool = True, runs: int = 1) -> dict[str, Any]:  # fmt: skip
    from bench.metrics import compare_access
    from graphmodel.export import export_store, to_networkx
    from graphmodel.stores.embedded import EmbeddedStore

    stages = Stages()
    out: dict[str, Any] = {"stages": stages.stages, "store": "embedded"}
    store = EmbeddedStore(store_path)
    stages.server_pid = store.server_pid()
    try:
        if package is not None and not store.run("MATCH (n) WHERE NOT n:Graph RETURN n LIMIT 1").rows:
            log(f"national export: preparing {store_path} from {package} (not part of the figures)")
            out["prepared"] = prepare(store, package, size, seed)
        with stages.stage("store_read") as rec:
            rec.update(store_read(store))
        for fmt in formats:
            target = tmp / f"export.{fmt}"
            with stages.stage(f"export_{fmt}") as rec:
                files, nodes, ties = export_store(store, target, fmt)
                rec.update(nodes=nodes, ties=ties, mib=round(sum(f.stat().st_size for f in files) / 2**20, 1))
            for f in files:
                f.unlink()
            if target.is_dir():
                target.rmdir()
            gc.collect()
        graph = None
        if access:
            with stages.stage("to_networkx") as rec:
                graph = to_networkx(store)
                rec.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
    finally:
        store.close()
    seconds = {s["stage"]: s["seconds"] for s in stages.stages}
    out["export_over_store_read"] = {
        name: round(seconds[name] / seconds["store_read"], 2) for name in seconds if name != "store_read"
    }
    if graph is not None:
        import pandas  # noqa: F401  (imported before the clock starts, as in a session that already ran a metric)
        import scipy.sparse.csgraph  # noqa: F401

        with stages.stage("access_betweenness_exact") as rec:
            out["access_betweenness"] = compare_access(graph, runs)
            rec["sources"] = out["access_betweenness"]["access_graph"]["sources"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national_export", description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="an embedded store's folder (the graph loaded)")
    parser.add_argument("--package", type=Path, help="generate and load this package first when the store is empty")
    parser.add_argument("--size", default="national", choices=["tiny", "county", "medium", "national"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--no-access", action="store_true", help="skip NetworkX and the access measure")
    parser.add_argument("--runs", type=int, default=1, help="runs of the access measure")
    parser.add_argument("--tmp", type=Path, default=Path("/tmp"), help="where the exported files go (removed)")
    parser.add_argument("--out", type=Path, default=None, help="results folder (default bench/results)")
    args = parser.parse_args(argv)
    formats = tuple(f for f in args.formats.split(",") if f)
    result = run(args.store, args.tmp, package=args.package, size=args.size, seed=args.seed, formats=formats,
                 access=not args.no_access, runs=args.runs)  # fmt: skip
    payload = {"seed": args.seed, **result}
    path = (
        write_result("export", args.size, payload, args.out) if args.out else write_result("export", args.size, payload)
    )
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
