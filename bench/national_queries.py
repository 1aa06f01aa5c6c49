"""The query library at the national size, one store at a time, from a store loaded once.

    python -m bench.national_queries --store embedded --dir /tmp/q/nat-embedded --package PKG --load
    python -m bench.national_queries --store embedded --dir /tmp/q/nat-embedded
    python -m bench.national_queries --store neo4j --package PKG --load     # NEO4J_URI: an empty server

``--load`` first loads the package into the empty store by the bulk path (embedded: a store folder
kept for later runs; Neo4j: the server of ``NEO4J_URI``, which must be empty). Then every library
query runs in its ``global`` shape (a paged query's first page of 1,000 rows) and, with
``--point N``, its ``point`` shape over N NGOs: one untimed warm-up call, then ``--runs`` calls
(median), as :func:`bench.queries.time_cases` (a call over its budget is the only sample). Every
row (``--all``) is not timed at this size. A national run needs up to 15 GiB: take the bench lock.
"""

from __future__ import annotations

import argparse
import signal
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, Stages, load_average, log, write_result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", choices=["embedded", "neo4j"], required=True)
    parser.add_argument("--dir", type=Path, help="embedded: the store's folder (kept)")
    parser.add_argument("--package", type=Path, help="the national package (with --load)")
    parser.add_argument("--load", action="store_true", help="bulk-load the package into the empty store first")
    parser.add_argument("--queries", default=None, help="only these library queries (comma-separated)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--point", type=int, default=5, help="NGOs for the point shape (0: no point shape)")
    parser.add_argument("--budget", type=float, default=30.0, help="seconds of timed calls per case at most")
    parser.add_argument(
        "--no-transfer", action="store_true", help="no row-transfer probe after results of 10,000 rows or more"
    )
    parser.add_argument("--size", default="national", help="name of the size, for the result file")
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    from bench.queries import sample_ngos, time_cases
    from graphmodel.queries import library

    order = [x.strip() for x in args.queries.split(",") if x.strip()] if args.queries else sorted(library())
    only = set(order) if args.queries else None
    out: dict[str, Any] = {"store": args.store, "runs": args.runs, "only": sorted(only) if only else None}
    out["transfer_probe"] = not args.no_transfer
    stages = Stages()
    store = _open(args)
    try:
        if args.load:
            from bench.bulk import counts, graphmodel_bulk

            if args.package is None:
                parser.error("--load needs --package")
            if args.store == "neo4j":
                from bench.loader import neo4j_require_empty
                from graphmodel.schema import load_schema

                neo4j_require_empty(store)
                store.ensure_constraints(load_schema())
            out["load"] = graphmodel_bulk(store, args.package, stages)
            out["load_stages"] = stages.stages
            out["counts"] = counts(store)
            log(f"loaded: {out['load']}")
        ngos = sample_ngos(store, args.point) if args.point else []
        out["point_ngos"] = ngos
        shapes = {"global", "point"} if args.point else {"global"}
        out["load_average_before_queries"] = load_average()
        started = time.perf_counter()
        out[args.store] = {}
        for name in order:  # in the order given (a run stopped early has measured the first)
            time_cases(
                store,
                ngos,
                args.runs,
                budget=args.budget,
                only={name},
                shapes=shapes,
                results=out[args.store],
                transfer=not args.no_transfer,
            )
        out["queries_s"] = round(time.perf_counter() - started, 1)
        out["load_average_after_queries"] = load_average()
    except SystemExit as exc:  # stopped (a timeout's SIGTERM): keep the cases measured so far
        out["stopped"] = str(exc)
    finally:
        store.close()
        name = "queries_national_" + args.store + (f"_{args.tag}" if args.tag else "")
        log(f"wrote {write_result(name, args.size, out, args.out)}")
    return 0


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(f"stopped by signal {signum}")


def _open(args: argparse.Namespace) -> Any:
    if args.store == "embedded":
        from graphmodel.stores.embedded import EmbeddedStore

        if args.dir is None:
            raise SystemExit("--store embedded needs --dir")
        return EmbeddedStore(args.dir)
    from graphmodel.settings import Neo4jSettings
    from graphmodel.stores.neo4j import Neo4jStore

    return Neo4jStore(Neo4jSettings.from_env())


if __name__ == "__main__":
    raise SystemExit(main())
