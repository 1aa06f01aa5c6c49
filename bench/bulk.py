"""First loads into an empty store: graphmodel's bulk path against each engine's own bulk importer.

    python -m bench.bulk --size national --store embedded --package /tmp/bulk-bench/national [--export]
    python -m bench.bulk --size national --store neo4j --package /tmp/bulk-bench/national --neo4j-home DIR
    python -m bench.bulk --size national --prepare --package /tmp/bulk-bench/national

``--prepare`` (untimed) generates the package if needed, validates it and writes the same
records as CSV files for the anchors: ``falkordb-bulk-loader`` (FalkorDB's bulk insert,
``GRAPH.BULK`` from CSV, every value typed) and ``neo4j-admin database import full`` (Neo4j
Community: the database is stopped and overwritten). A timed run then loads the package with
graphmodel's bulk path (reading the CSV files, validating, planning and writing) into an
empty store, and runs the anchor on the prepared files, followed by the same indexes and
constraints graphmodel creates. ``--export`` then times the export of the loaded graph
(embedded): the store's own read of every node and tie, :func:`graphmodel.export.to_networkx`,
and writing GraphML, GEXF and CSV.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import RESULTS, Stages, log, write_result

NEO4J_LIB = Path.home() / ".cache/graphmodel/neo4j-5.26.30/lib"
ADMIN_CLASS = "org.neo4j.cli.AdminTool"


# ----------------------------------------------------------------------------- anchor files


def _column_kind(values: list[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return "string"
    if kinds == {bool}:
        return "boolean"
    if kinds == {int}:
        return "long"
    if kinds <= {int, float}:
        return "double"
    if kinds <= {list, tuple}:
        return "string[]"
    return "string"


def _cell(value: Any, kind: str, flavour: str) -> str:
    if value is None:
        return ""
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "string[]":
        return repr([str(v) for v in value]) if flavour == "falkordb" else ";".join(str(v) for v in value)
    return str(value)


FALKOR_TYPES = {"string": "STRING", "long": "LONG", "double": "DOUBLE", "boolean": "BOOL", "string[]": "ARRAY"}


def write_anchor_files(records: Any, folder: Path) -> dict[str, Any]:
    """The records as CSV files for both anchors: ``folder/falkordb`` and ``folder/neo4j``."""
    from collections import defaultdict

    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for node in records.nodes:
        nodes[node.label].append(node.props)
    ties: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    for tie in records.ties:
        ties[tie.type].append((tie.source, tie.target, tie.props))
    multiline = False
    for flavour in ("falkordb", "neo4j"):
        out = folder / flavour
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        for label, rows in nodes.items():
            keys = sorted({k for r in rows for k in r} - {"id"})
            kinds = {k: _column_kind([r.get(k) for r in rows]) for k in keys}
            if flavour == "falkordb":
                header = ["id:ID", *(f"{k}:{FALKOR_TYPES[kinds[k]]}" for k in keys)]
            else:
                header = ["id:ID", *(k if kinds[k] == "string" else f"{k}:{kinds[k]}" for k in keys)]
            with (out / f"{label}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(header)
                for r in rows:
                    cells = [str(r["id"]), *(_cell(r.get(k), kinds[k], flavour) for k in keys)]
                    multiline = multiline or any("\n" in c for c in cells)
                    writer.writerow(cells)
        for rel, rows3 in ties.items():
            keys = sorted({k for _, _, p in rows3 for k in p})
            kinds = {k: _column_kind([p.get(k) for _, _, p in rows3]) for k in keys}
            if flavour == "falkordb":
                header = [":START_ID", ":END_ID", *(f"{k}:{FALKOR_TYPES[kinds[k]]}" for k in keys)]
            else:
                header = [":START_ID", ":END_ID", *(k if kinds[k] == "string" else f"{k}:{kinds[k]}" for k in keys)]
            with (out / f"{rel}.csv").open("w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow(header)
                for s, t, p in rows3:
                    cells = [s, t, *(_cell(p.get(k), kinds[k], flavour) for k in keys)]
                    multiline = multiline or any("\n" in c for c in cells)
                    writer.writerow(cells)
    info = {
        "labels": sorted(nodes),
        "types": sorted(ties),
        "nodes": len(records.nodes),
        "ties": len(records.ties),
        "multiline": multiline,
        "mib": round(sum(p.stat().st_size for p in (folder / "neo4j").iterdir()) / 2**20, 1),
    }
    (folder / "anchor.json").write_text(json.dumps(info, indent=2))
    return info


def prepare(package: Path, size: str, seed: int) -> dict[str, Any]:
    """Generate the package (if missing), validate it and write the anchors' files (untimed)."""
    from graphmodel.engine.validate import validate_package
    from graphmodel.schema import load_schema
    from graphmodel.synth import write_package
    from loaders.fieldwork import read_package

    if not (package / "ngos.csv").exists():
        write_package(package, size, seed=seed)
    records = validate_package(read_package(package), load_schema())
    return write_anchor_files(records, package.parent / f"{package.name}-anchor")


# ----------------------------------------------------------------------------- graphmodel


def graphmodel_bulk(store: Any, package: Path, stages: Stages) -> dict[str, Any]:
    """Read and load ``package`` into the empty ``store`` by the bulk path."""
    from graphmodel.engine.load import LoadOptions, load
    from loaders.fieldwork import read_package

    with stages.stage("gm_read"):
        raw = read_package(package)
    with stages.stage("gm_bulk_load") as rec:
        report = load(store, raw, options=LoadOptions(bulk=True))
        rec.update(bulk=report.bulk, phases=report.timings)
        rows = len(report.plan.records.nodes) + len(report.plan.records.ties)
        rec["rows"] = rows
    del raw, report
    total = sum(s["seconds"] for s in stages.stages if s["stage"] in ("gm_read", "gm_bulk_load"))
    return {"graphmodel_s": round(total, 2), "rows": rows, "rows_per_s": round(rows / total, 1)}


def counts(store: Any) -> dict[str, int]:
    nodes = store.run("MATCH (n) RETURN count(n)").rows[0][0]
    ties = store.run("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    return {"nodes": int(nodes), "ties": int(ties)}


# ----------------------------------------------------------------------------- embedded


def run_embedded(package: Path, tmp: Path, *, export: bool, anchor: bool) -> dict[str, Any]:
    from graphmodel.stores.embedded import EmbeddedStore

    stages = Stages()
    out: dict[str, Any] = {"store": "embedded", "stages": stages.stages}
    store = EmbeddedStore(tmp / "gm")
    stages.server_pid = store.server_pid()
    try:
        out.update(graphmodel_bulk(store, package, stages))
        out["graphmodel_counts"] = counts(store)
        if export:
            out["export"] = run_export(store, stages, tmp)
    finally:
        store.close()
    shutil.rmtree(tmp / "gm", ignore_errors=True)
    if anchor:
        try:
            anchor_falkordb(package, tmp, stages, out)
        except Exception as exc:  # keep graphmodel's figures
            out["anchor_error"] = f"{type(exc).__name__}: {exc}"[-3000:]
    return out


def anchor_falkordb(package: Path, tmp: Path, stages: Stages, out: dict[str, Any]) -> None:
    """falkordb-bulk-loader on the prepared files, into a fresh store, then graphmodel's indexes."""
    from graphmodel.schema import load_schema
    from graphmodel.stores.embedded import EmbeddedStore

    files = package.parent / f"{package.name}-anchor" / "falkordb"
    store = EmbeddedStore(tmp / "anchor")
    stages.server_pid = store.server_pid()
    try:
        store._db.client.delete("graphmodel")  # the bulk loader needs a new key
        sock = store._db.client.connection_pool.connection_kwargs["path"]
        cmd = [str(Path(sys.executable).parent / "falkordb-bulk-insert"), "graphmodel", "--server-url",
               f"unix://{sock}?socket_timeout=3600", "--enforce-schema"]  # fmt: skip
        labels = json.loads((files.parent / "anchor.json").read_text())["labels"]
        for f in sorted(files.iterdir()):
            cmd += ["-n" if f.stem in labels else "-r", str(f)]
        with stages.stage("anchor_falkordb_bulk_insert"):
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(proc.stderr[-2000:] + proc.stdout[-2000:])
        store._graph = store._db.select_graph("graphmodel")
        with stages.stage("anchor_indexes"):
            store.ensure_constraints(load_schema())
        out["anchor_counts"] = counts(store)
    finally:
        store.close()
    shutil.rmtree(tmp / "anchor", ignore_errors=True)
    out["anchor_s"] = round(sum(s["seconds"] for s in stages.stages if s["stage"].startswith("anchor_")), 2)


def run_export(store: Any, stages: Stages, tmp: Path) -> dict[str, Any]:
    """Where an export's time goes: the store's own read, building NetworkX, writing each format."""
    from graphmodel import statements as cy
    from graphmodel.export import to_networkx, write_graph
    from graphmodel.schema import load_schema

    schema = load_schema()
    with stages.stage("store_read") as rec:
        n = sum(len(store.run(cy.export_nodes(schema, label)).rows) for label in schema.data_labels)
        t = sum(len(store.run(cy.export_ties(schema, rel)).rows) for rel in schema.relationships)
        rec.update(nodes=n, ties=t)
    with stages.stage("to_networkx") as rec:
        graph = to_networkx(store)
        rec.update(nodes=graph.number_of_nodes(), edges=graph.number_of_edges())
    sizes = {}
    for fmt in ("graphml", "gexf", "csv"):
        target = tmp / f"export.{fmt}"
        with stages.stage(f"write_{fmt}"):
            files = write_graph(graph, target, fmt)
        sizes[fmt] = round(sum(f.stat().st_size for f in files) / 2**20, 1)
        for f in files:
            f.unlink()
    return {"mib": sizes}


# ----------------------------------------------------------------------------- neo4j


def _neo4j_local(home: str, command: str) -> None:
    env = {**os.environ, "GRAPHMODEL_NEO4J_HOME": home}
    root = Path(__file__).resolve().parent.parent
    subprocess.run([str(root / "scripts/neo4j-local"), command], env=env, check=True, stdout=subprocess.DEVNULL)


def run_neo4j(package: Path, *, home: str | None, anchor: bool) -> dict[str, Any]:
    from bench.loader import neo4j_require_empty
    from graphmodel.schema import load_schema
    from graphmodel.settings import Neo4jSettings
    from graphmodel.stores.neo4j import Neo4jStore

    stages = Stages()
    out: dict[str, Any] = {"store": "neo4j", "stages": stages.stages}
    pid_file = Path(home or "/nonexistent") / "run" / "neo4j.pid"
    if pid_file.exists():
        stages.server_pid = int(pid_file.read_text().split()[0])
    store = Neo4jStore(Neo4jSettings.from_env())
    try:
        neo4j_require_empty(store)
        with stages.stage("gm_constraints"):
            store.ensure_constraints(load_schema())
        out.update(graphmodel_bulk(store, package, stages))
        out["graphmodel_counts"] = counts(store)
    finally:
        store.close()
    if anchor and home:
        files = package.parent / f"{package.name}-anchor" / "neo4j"
        info = json.loads((files.parent / "anchor.json").read_text())
        _neo4j_local(home, "stop")
        args = ["database", "import", "full", "neo4j", "--overwrite-destination=true", "--threads=2",
                "--array-delimiter=;", f"--multiline-fields={'true' if info['multiline'] else 'false'}"]  # fmt: skip
        for f in sorted(files.iterdir()):
            kind = "--nodes" if f.stem in info["labels"] else "--relationships"
            args.append(f"{kind}={f.stem}={f}")
        java = shutil.which("java") or "java"
        cmd = [java, "-Xmx2g", "-cp", f"{NEO4J_LIB}/*", ADMIN_CLASS, *args]
        env = {**os.environ, "NEO4J_HOME": home, "NEO4J_CONF": f"{home}/conf"}
        with stages.stage("anchor_neo4j_admin_import"):
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if proc.returncode:
                raise RuntimeError(proc.stderr[-3000:] + proc.stdout[-3000:])
        out["anchor_log_tail"] = proc.stdout[-1500:]
        with stages.stage("anchor_start_server"):
            _neo4j_local(home, "start")
        if pid_file.exists():
            stages.server_pid = int(pid_file.read_text().split()[0])
        store = Neo4jStore(Neo4jSettings.from_env())
        try:
            with stages.stage("anchor_constraints"):
                store.ensure_constraints(load_schema())
            out["anchor_counts"] = counts(store)
        finally:
            store.close()
        out["anchor_s"] = round(
            sum(
                s["seconds"] for s in stages.stages if s["stage"] in ("anchor_neo4j_admin_import", "anchor_constraints")
            ),
            2,
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", default="national")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--package", type=Path, required=True, help="where the package is (or is generated)")
    parser.add_argument("--store", choices=["embedded", "neo4j"])
    parser.add_argument("--prepare", action="store_true", help="generate, validate, write the anchors' files")
    parser.add_argument("--export", action="store_true", help="embedded: time the export afterwards")
    parser.add_argument("--no-anchor", action="store_true")
    parser.add_argument("--neo4j-home", help="GRAPHMODEL_NEO4J_HOME of the benchmark server (for neo4j-admin)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--tag", default="", help="suffix of the result file name")
    args = parser.parse_args(argv)
    if args.prepare:
        started = time.perf_counter()
        info = prepare(args.package, args.size, args.seed)
        log(f"prepared in {time.perf_counter() - started:.0f} s: {info}")
        return 0
    if not (args.package / "ngos.csv").exists():
        parser.error(f"no package at {args.package}: run with --prepare first")
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as tmp:
        if args.store == "embedded":
            result = run_embedded(args.package, Path(tmp), export=args.export, anchor=not args.no_anchor)
        else:
            result = run_neo4j(args.package, home=args.neo4j_home, anchor=not args.no_anchor)
    name = f"bulk_{args.store}" + (f"_{args.tag}" if args.tag else "")
    path = write_result(name, args.size, result, args.out)
    log(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
