"""Run the benchmarks: ``python -m bench --size county --only loader,queries``.

Results go to ``bench/results/<benchmark>-<size>.json`` (or ``--out``): the machine, the
versions, every run's time and the medians. Neo4j benchmarks need ``NEO4J_URI``,
``NEO4J_USERNAME`` and ``NEO4J_PASSWORD`` (``eval "$(scripts/neo4j-local start)"``) and,
for ``LOAD CSV``, the server's import folder (``--neo4j-import``, by default
``$GRAPHMODEL_NEO4J_HOME/import``, where ``scripts/neo4j-local`` puts it).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench.common import RESULTS, log, write_result

BENCHMARKS = (
    "loader",
    "durability",
    "queries",
    "metrics",
    "views",
    "national",
    "national_graph",
    "national_neo4j",
    "startup",
    "derived",
)
DEFAULT_RUNS = {"tiny": 1, "county": 3, "medium": 3, "national": 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="county", choices=["tiny", "county", "medium", "national"])
    parser.add_argument("--only", default="loader,queries,metrics,views", help=f"comma-separated: {BENCHMARKS}")
    parser.add_argument("--runs", type=int, default=None, help="runs per measurement (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder for the result files")
    parser.add_argument("--no-neo4j", action="store_true", help="embedded store only")
    parser.add_argument("--neo4j-import", type=Path, default=None, help="Neo4j's server.directories.import")
    parser.add_argument(
        "--queries", default=None, help="queries benchmark: only these library queries (comma-separated names)"
    )
    parser.add_argument("--tag", default=None, help="queries benchmark: write queries_TAG-SIZE.json")
    parser.add_argument("--views-nodes", default="1000,20000,100000", help="node counts for the views benchmark")
    args = parser.parse_args(argv)
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = sorted(set(only) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    runs = args.runs or DEFAULT_RUNS[args.size]
    neo4j = not args.no_neo4j and bool(os.environ.get("NEO4J_URI"))
    if not args.no_neo4j and not neo4j:
        log("NEO4J_URI is not set: Neo4j benchmarks are skipped")
    import_dir = args.neo4j_import
    if import_dir is None and os.environ.get("GRAPHMODEL_NEO4J_HOME"):
        import_dir = Path(os.environ["GRAPHMODEL_NEO4J_HOME"]) / "import"

    from graphmodel.synth import write_package

    written = []
    with tempfile.TemporaryDirectory(prefix="gm-bench-") as tmp:
        package = Path(tmp) / f"synth-{args.size}"
        needs_package = any(b in only for b in ("loader", "durability", "queries", "metrics", "startup", "derived"))
        stats = None
        if needs_package:
            log(f"generating the {args.size} package (seed {args.seed})")
            stats = write_package(package, args.size, seed=args.seed).as_dict()
            log(f"{stats['nodes']:,} nodes, {stats['ties']:,} ties")
        common = {"runs": runs, "seed": args.seed, "package": stats}
        if "loader" in only:
            from bench import loader

            result = loader.run(package, runs, neo4j=neo4j, import_dir=import_dir)
            written.append(write_result("loader", args.size, {**common, **result}, args.out))
        if "durability" in only:
            from bench import durability

            result = durability.run(package, runs)
            written.append(write_result("durability", args.size, {**common, **result}, args.out))
        if "queries" in only:
            from bench import queries

            chosen = {x.strip() for x in args.queries.split(",") if x.strip()} if args.queries else None
            result = queries.run(package, runs=runs if args.size == "tiny" else max(runs, 5), neo4j=neo4j, only=chosen)
            name = f"queries_{args.tag}" if args.tag else "queries"
            written.append(write_result(name, args.size, {**common, **result}, args.out))
        if "derived" in only:
            from bench import derived

            result = derived.run(package, neo4j=neo4j)
            written.append(write_result("derived", args.size, {**common, **result}, args.out))
        if "metrics" in only:
            from bench import metrics

            result = metrics.run(package, runs=runs)
            written.append(write_result("metrics", args.size, {**common, **result}, args.out))
        if "startup" in only:
            from bench import startup

            result = startup.run(package, Path(tmp), runs=args.runs or 5)
            written.append(write_result("startup", args.size, {**common, **result}, args.out))
        if "views" in only:
            from bench import views

            sizes = [int(x) for x in args.views_nodes.split(",") if x]
            if args.size == "tiny":
                sizes = [min(s, 300) for s in sizes[:1]]
            result = views.run(sizes, runs=runs)
            written.append(write_result("views", args.size, {**common, **result}, args.out))
        if "national" in only:
            from bench import national

            result = national.run(args.size, Path(tmp), seed=args.seed, neo4j=neo4j)
            written.append(write_result("national", args.size, {**common, **result}, args.out))
        if "national_neo4j" in only and neo4j:
            from bench import national

            result = national.run_neo4j(args.size, Path(tmp), seed=args.seed)
            written.append(write_result("national_neo4j", args.size, {**common, **result}, args.out))
        if "national_graph" in only:
            from bench import national

            result = national.run_graph(args.size, Path(tmp), seed=args.seed)
            written.append(write_result("national_graph", args.size, {**common, **result}, args.out))
    for path in written:
        log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
