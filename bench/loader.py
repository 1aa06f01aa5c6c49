"""Loader benchmarks: graphmodel's loader against the alternatives, side by side in one run.

Neo4j (same server, same constraints, empty database before each run):

- ``graphmodel``: :func:`graphmodel.api.load_package` (read, validate, plan, write; staged from 10,000 rows);
- ``load_csv``: Neo4j's own ``LOAD CSV`` with the same MERGE semantics (nodes merged on ``id``
  per label, ties on ``_key`` between endpoints matched by label and id, ``SET x = props``),
  from CSV files of the same records (provenance included) in the server's import folder,
  ``CALL {…} IN TRANSACTIONS OF 5000 ROWS``; validation is not part of it;
- ``load_csv_derived``: the same, and then the derived ``REACHES`` ties graphmodel writes
  (:mod:`graphmodel.engine.derived`, computed untimed beforehand and written as CSV files like the
  rest), created between the NGO and its place as graphmodel creates them: the anchor that writes
  every tie graphmodel writes (``load_csv`` writes 52% fewer at the county size);
- ``per_row``: one auto-commit driver call per row (``MERGE … SET``), timed on a sample and
  extrapolated to the whole package;
- ``py2neo``: py2neo's ``bulk.merge_nodes`` / ``merge_relationships``, run in its own venv
  (``PY2NEO_PYTHON``), if it can talk to the server at all.

Embedded FalkorDB (a fresh store per run):

- ``graphmodel``: :func:`load_package`;
- ``bare``: a bare script that reads the same CSV files with :mod:`csv` and runs
  ``UNWIND $rows … MERGE`` in batches of 2,000 (ids indexed first), without validation,
  provenance or hashes;
- ``bare_derived``: the same script, also reading a CSV file of the derived ``REACHES`` ties
  (computed untimed beforehand) and creating them, so it writes every tie graphmodel writes;
- ``per_row``: one query per row, sampled and extrapolated.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, LiteralString, cast

from bench.common import log, median, repeat
from graphmodel.api import load_package
from graphmodel.engine.derived import from_records
from graphmodel.engine.load import LoadOptions
from graphmodel.engine.validate import validate_package
from graphmodel.engine.writes import merges
from graphmodel.records import NodeRecord, Records, TieRecord
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from loaders.fieldwork import read_package

SAMPLE_ROWS = 600  # rows timed one by one for the per-row loops
BARE_BATCH = 2_000


def _q(text: str) -> LiteralString:
    return cast(LiteralString, text)


# ---------------------------------------------------------------------------------------------- records


def records_of(package: Path) -> Records:
    """The validated records of a package (what every contender writes)."""
    schema = load_schema()
    return validate_package(read_package(package), schema)


def rows_of(records: Records) -> int:
    return len(records.nodes) + len(records.ties)


def derived_of(records: Records) -> list[TieRecord]:
    """The derived ``REACHES`` ties a first load of ``records`` writes (graphmodel.engine.derived), for the anchors."""
    return from_records(records.ties)


def _options() -> LoadOptions:
    """The load options the CLI would use here (``GRAPHMODEL_STAGE_ROWS`` read once, by the settings).

    The ordinary load path (``bulk=False``): the one every reload takes. A first load into an
    empty store of 100,000 rows or more would take the bulk path, timed as its own contender.
    """
    from graphmodel.settings import LoadSettings

    return LoadOptions(stage_rows=LoadSettings.from_env().stage_rows, bulk=False)


BULK = LoadOptions(bulk=True)


def breakdown(store: Store, package: Path) -> dict[str, float]:
    """Seconds spent creating constraints, reading, and in each phase of one load into an empty store.

    The phases are the engine's own (:attr:`graphmodel.engine.load.LoadReport.timings`).
    """
    schema = load_schema()
    out = {}
    t = time.perf_counter()
    store.ensure_constraints(schema)
    out["constraints"] = time.perf_counter() - t
    t = time.perf_counter()
    raw = read_package(package)
    out["read"] = time.perf_counter() - t
    report = load_package(store, raw, options=_options())
    out.update(report.timings)
    out["staged"] = float(report.staged)
    return {k: round(v, 3) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------- Neo4j


_DRIVER: Any = None


def _session() -> Any:
    """A plain driver session for the anchors (LOAD CSV needs auto-commit transactions), from the NEO4J_* settings."""
    import neo4j

    from graphmodel.settings import Neo4jSettings

    global _DRIVER
    settings = Neo4jSettings.from_env()
    if _DRIVER is None:
        _DRIVER = neo4j.GraphDatabase.driver(settings.uri, auth=(settings.username, settings.password))
    return _DRIVER.session(database=settings.database) if settings.database else _DRIVER.session()


def neo4j_require_empty(store: Any) -> None:
    """Refuse to benchmark on a Neo4j database that holds anything: the benchmarks delete what they load."""
    with _session() as session:
        count = session.run("MATCH (n) RETURN count(n) AS n").single()["n"]
    if count:
        raise RuntimeError(
            f"{store.description} holds {count:,} nodes; the Neo4j benchmarks empty the database they use, "
            "so point NEO4J_URI at an empty one (e.g. scripts/neo4j-local with its own GRAPHMODEL_NEO4J_HOME)"
        )


def neo4j_wipe(store: Any) -> None:
    """Empty the database (constraints and indexes stay)."""
    with _session() as session:
        # ties first, then the bare nodes, in batches of a bounded size: a hub's DETACH DELETE holds
        # all its ties, over a 100 MB transaction limit (GRAPHMODEL_NEO4J_TX_MEMORY=100m)
        session.run("MATCH ()-[r]->() CALL { WITH r DELETE r } IN TRANSACTIONS OF 10000 ROWS").consume()
        session.run("MATCH (n) CALL { WITH n DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


def _kind(values: Iterable[Any]) -> str:
    for v in values:
        if isinstance(v, bool):
            return "bool"
        if isinstance(v, int):
            return "int"
        if isinstance(v, float):
            return "float"
        if isinstance(v, list):
            return "list"
        if v is not None:
            return "str"
    return "str"


def _convert(column: str, kind: str) -> str:
    ref = f"row.`{column}`"
    return {
        "int": f"toInteger({ref})",
        "float": f"toFloat({ref})",
        "bool": f"toBoolean({ref})",
        "list": f"split({ref}, ';')",
    }.get(kind, ref)


def _write_csv(path: Path, rows: list[dict[str, Any]], extra: list[str]) -> dict[str, str]:
    columns = sorted({k for r in rows for k in r if not k.startswith("__")})
    kinds = {c: _kind(r.get(c) for r in rows) for c in columns}
    with path.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(extra + columns)
        for row in rows:
            cells = []
            for c in columns:
                v = row.get(c)
                cells.append(";".join(v) if isinstance(v, list) else ("" if v is None else v))
            w.writerow([row["__" + e] for e in extra] + cells)
    return kinds


def load_csv_statements(records: Records, import_dir: Path, batch: int = 5_000) -> list[tuple[LiteralString, int]]:
    """Write the records as CSV files into ``import_dir`` and return the LOAD CSV statements that merge them."""
    schema = load_schema()
    import_dir.mkdir(parents=True, exist_ok=True)
    statements: list[tuple[LiteralString, int]] = []
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in records.nodes:
        nodes[n.label].append(n.props)
    for label, rows in sorted(nodes.items()):
        name = f"gm-bench-nodes-{label}.csv"
        kinds = _write_csv(import_dir / name, rows, [])
        props = ", ".join(f"`{c}`: {_convert(c, k)}" for c, k in kinds.items())
        statements.append(
            (
                _q(
                    f"LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row CALL {{ WITH row "
                    f"MERGE (n:`{schema.label(label)}` {{id: row.id}}) SET n = {{{props}}} }} "
                    f"IN TRANSACTIONS OF {batch} ROWS"
                ),
                len(rows),
            )
        )
    return statements + _tie_statements(records.ties, import_dir, batch, derived=False)


def load_csv_derived_statements(
    derived: list[TieRecord], import_dir: Path, batch: int = 5_000
) -> list[tuple[LiteralString, int]]:
    """CSV files of the derived ties in ``import_dir`` and the LOAD CSV statements that create them.

    Created (not merged) between the NGO and its place, as a first load of graphmodel creates them.
    """
    import_dir.mkdir(parents=True, exist_ok=True)
    return _tie_statements(derived, import_dir, batch, derived=True)


def _tie_statements(
    ties: Iterable[TieRecord], import_dir: Path, batch: int, *, derived: bool
) -> list[tuple[LiteralString, int]]:
    """One CSV file and one LOAD CSV statement per tie type and pair of end labels.

    The package's ties are merged by their key; derived ties are created.
    """
    schema = load_schema()
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for t in ties:
        groups[(t.type, t.source_label, t.target_label)].append({**t.props, "__source": t.source, "__target": t.target})
    statements: list[tuple[LiteralString, int]] = []
    for (rel, src, tgt), rows in sorted(groups.items()):
        name = f"gm-bench-{'derived' if derived else 'ties'}-{rel}-{src}-{tgt}.csv"
        kinds = _write_csv(import_dir / name, rows, ["source", "target"])
        props = ", ".join(f"`{c}`: {_convert(c, k)}" for c, k in kinds.items())
        write = (
            f"CREATE (a)-[r:`{rel}`]->(b)"
            if derived
            else f"MERGE (a)-[r:`{schema.relationship(rel)}` {{_key: row._key}}]->(b)"
        )
        statements.append(
            (
                _q(
                    f"LOAD CSV WITH HEADERS FROM 'file:///{name}' AS row CALL {{ WITH row "
                    f"MATCH (a:`{schema.label(src)}` {{id: row.source}}) MATCH (b:`{schema.label(tgt)}` {{id: row.target}}) "
                    f"{write} SET r = {{{props}}} }} "
                    f"IN TRANSACTIONS OF {batch} ROWS"
                ),
                len(rows),
            )
        )
    return statements


def neo4j_load_csv(store: Any, statements: list[tuple[LiteralString, int]]) -> None:
    with _session() as session:
        for cypher, _ in statements:
            session.run(cypher).consume()


def _sample(items: list[Any], k: int) -> list[Any]:
    if len(items) <= k:
        return items
    step = len(items) / k
    return [items[int(i * step)] for i in range(k)]


def neo4j_per_row(store: Any, records: Records) -> dict[str, float]:
    """Rows per second of one auto-commit call per row, for nodes and for ties (sampled), and the extrapolation."""
    schema = load_schema()
    node_sample = _sample(records.nodes, SAMPLE_ROWS)
    tie_sample = _sample(records.ties, SAMPLE_ROWS)
    with _session() as session:
        start = time.perf_counter()
        for n in node_sample:
            session.run(
                _q(f"MERGE (n:`{schema.label(n.label)}` {{id: $id}}) SET n = $props"), id=n.id, props=n.props
            ).consume()
        node_rate = len(node_sample) / (time.perf_counter() - start)
    store.apply(write_statements_for_nodes(records))  # every endpoint present, untimed
    with _session() as session:
        start = time.perf_counter()
        for t in tie_sample:
            session.run(
                _q(
                    f"MATCH (a:`{schema.label(t.source_label)}` {{id: $source}}) "
                    f"MATCH (b:`{schema.label(t.target_label)}` {{id: $target}}) "
                    f"MERGE (a)-[r:`{schema.relationship(t.type)}` {{_key: $key}}]->(b) SET r = $props"
                ),
                source=t.source,
                target=t.target,
                key=t.key,
                props=t.props,
            ).consume()
        tie_rate = len(tie_sample) / (time.perf_counter() - start)
    seconds = len(records.nodes) / node_rate + len(records.ties) / tie_rate
    return {
        "node_rows_per_s": round(node_rate, 1),
        "tie_rows_per_s": round(tie_rate, 1),
        "sampled_rows": len(node_sample) + len(tie_sample),
        "extrapolated_seconds": round(seconds, 2),
    }


def write_statements_for_nodes(records: Records) -> list[Any]:
    return merges(records.nodes, load_schema())


PY2NEO_SCRIPT = r"""
import json, sys, time
from py2neo import Graph
from py2neo.bulk import merge_nodes, merge_relationships
spec = json.load(open(sys.argv[1]))
try:
    graph = Graph(spec["uri"], auth=(spec["user"], spec["password"]))
    graph.run("RETURN 1").evaluate()
except Exception as exc:
    print(json.dumps({"ok": False, "stage": "connect", "error": f"{type(exc).__name__}: {exc}"})); sys.exit(0)
start = time.perf_counter()
try:
    for label, rows in spec["nodes"].items():
        for i in range(0, len(rows), 2000):
            merge_nodes(graph.auto(), rows[i:i + 2000], merge_key=(label, "id"))
    for group in spec["ties"]:
        rows = group["rows"]
        for i in range(0, len(rows), 2000):
            merge_relationships(graph.auto(), rows[i:i + 2000], merge_key=(group["type"], "_key"),
                                start_node_key=(group["source"], "id"), end_node_key=(group["target"], "id"))
except Exception as exc:
    print(json.dumps({"ok": False, "stage": "load", "error": f"{type(exc).__name__}: {exc}",
                      "seconds": time.perf_counter() - start})); sys.exit(0)
print(json.dumps({"ok": True, "seconds": time.perf_counter() - start}))
"""


def neo4j_py2neo(records: Records) -> dict[str, Any]:
    """Load with py2neo's bulk module in its own interpreter; report the rate or what went wrong."""
    python = os.environ.get("PY2NEO_PYTHON", "/tmp/py2neo-venv/bin/python")
    if not Path(python).exists():
        return {"ok": False, "stage": "install", "error": f"no py2neo interpreter at {python} (set PY2NEO_PYTHON)"}
    nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for n in records.nodes:
        nodes[n.label].append(n.props)
    groups: dict[tuple[str, str, str], list[Any]] = defaultdict(list)
    for t in records.ties:
        # py2neo merges a relationship on its endpoints, its type and the merge key's properties (_key here).
        groups[(t.type, t.source_label, t.target_label)].append([t.source, t.props, t.target])
    spec = {
        "uri": os.environ["NEO4J_URI"],
        "user": os.environ.get("NEO4J_USERNAME", "neo4j"),
        "password": os.environ["NEO4J_PASSWORD"],
        "nodes": nodes,
        "ties": [{"type": k[0], "source": k[1], "target": k[2], "rows": v} for k, v in groups.items()],
    }
    with tempfile.TemporaryDirectory() as tmp:
        spec_path, script = Path(tmp, "spec.json"), Path(tmp, "py2neo_load.py")
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        script.write_text(PY2NEO_SCRIPT, encoding="utf-8")
        try:
            proc = subprocess.run([python, str(script), str(spec_path)], capture_output=True, text=True, timeout=900)
        except subprocess.TimeoutExpired:
            return {"ok": False, "stage": "load", "error": "timed out after 900 s"}
    try:
        result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"ok": False, "stage": "run", "error": (proc.stderr or proc.stdout)[-800:]}
    if result.get("ok"):
        result["rows_per_s"] = round(rows_of(records) / result["seconds"], 1)
    return result


def bench_neo4j(package: Path, runs: int, import_dir: Path) -> dict[str, Any]:
    """Every Neo4j contender on the same package, side by side."""
    from graphmodel.settings import Neo4jSettings
    from graphmodel.stores.neo4j import Neo4jStore

    store = Neo4jStore(Neo4jSettings.from_env())
    neo4j_require_empty(store)
    schema = load_schema()
    store.ensure_constraints(schema)
    records = records_of(package)
    derived = derived_of(records)
    rows = rows_of(records)
    out: dict[str, Any] = {
        "rows": rows,
        "nodes": len(records.nodes),
        "ties": len(records.ties),
        "derived": len(derived),
    }
    try:
        log("neo4j: warming up (plans, JIT) on a tiny package, untimed")
        with tempfile.TemporaryDirectory() as tmp:
            from graphmodel.synth import write_package

            write_package(tmp, "tiny", seed=99)
            warm = records_of(Path(tmp))
            for _ in range(2):
                neo4j_wipe(store)
                load_package(store, Path(tmp))
                neo4j_wipe(store)
                neo4j_load_csv(store, load_csv_statements(warm, import_dir))
                neo4j_load_csv(store, load_csv_derived_statements(derived_of(warm), import_dir))
        statements = load_csv_statements(records, import_dir)
        with_derived = statements + load_csv_derived_statements(derived, import_dir)
        log(f"neo4j: graphmodel load and LOAD CSV of {rows:,} rows (+{len(derived):,} derived) x{runs}, alternating")
        # loads this big are staged by default; then the one-transaction load runs too, for comparison
        staged = 0 < _options().stage_rows <= rows
        gm, lc, lcd, one, bulk = [], [], [], [], []
        for i in range(runs):
            neo4j_wipe(store)
            gm += repeat(lambda: load_package(store, package, options=_options()), 1)
            if i == 0:
                counts = _data_counts(store)
            neo4j_wipe(store)
            lc += repeat(lambda: neo4j_load_csv(store, statements), 1)
            neo4j_wipe(store)
            lcd += repeat(lambda: neo4j_load_csv(store, with_derived), 1)
            if i == 0 and _data_counts(store) != counts:
                raise RuntimeError(f"LOAD CSV with the derived ties wrote {_data_counts(store)}; graphmodel {counts}")
            neo4j_wipe(store)
            bulk += repeat(lambda: load_package(store, package, options=BULK), 1)
            if staged:
                neo4j_wipe(store)
                one += repeat(lambda: load_package(store, package, options=LoadOptions(stage_rows=0)), 1)
        _check_same_graph(store, records)
        neo4j_wipe(store)
        out["graphmodel_breakdown"] = breakdown(store, package)
        neo4j_wipe(store)
        log("neo4j: per-row loop (sampled)")
        per_row = neo4j_per_row(store, records)
        neo4j_wipe(store)
        log("neo4j: py2neo bulk")
        py2neo = neo4j_py2neo(records)
        neo4j_wipe(store)
    finally:
        for path in import_dir.glob("gm-bench-*.csv"):
            path.unlink()
        store.close()
    gm_rate, lc_rate = rows / median(gm), rows / median(lc)
    out.update(
        graphmodel={"seconds": [round(x, 3) for x in gm], "median_s": round(median(gm), 3),
                    "rows_per_s": round(gm_rate, 1), "best_rows_per_s": round(rows / min(gm), 1)},
        load_csv={"seconds": [round(x, 3) for x in lc], "median_s": round(median(lc), 3),
                  "rows_per_s": round(lc_rate, 1), "best_rows_per_s": round(rows / min(lc), 1),
                  "batch": "IN TRANSACTIONS OF 5000 ROWS"},
        load_csv_derived={"seconds": [round(x, 3) for x in lcd], "median_s": round(median(lcd), 3),
                          "rows_per_s": round((rows + len(derived)) / median(lcd), 1),
                          "derived": len(derived), "batch": "IN TRANSACTIONS OF 5000 ROWS"},
        graph=counts,
        per_row=per_row,
        py2neo=py2neo,
    )  # fmt: skip
    out["graphmodel"]["staged"] = staged
    out["graphmodel_bulk"] = {
        "seconds": [round(x, 3) for x in bulk], "median_s": round(median(bulk), 3),
        "rows_per_s": round(rows / median(bulk), 1), "vs_load_csv": round(median(lc) / median(bulk), 3),
    }  # fmt: skip
    if one:
        out["graphmodel_one_transaction"] = {
            "seconds": [round(x, 3) for x in one], "median_s": round(median(one), 3),
            "rows_per_s": round(rows / median(one), 1), "best_rows_per_s": round(rows / min(one), 1),
        }  # fmt: skip
    out["ratios"] = {
        "graphmodel_vs_load_csv": round(gm_rate / lc_rate, 3),
        "graphmodel_vs_load_csv_best_runs": round(min(lc) / min(gm), 3),
        # the same ties written by both: LOAD CSV also writes the derived ties graphmodel writes
        "graphmodel_vs_load_csv_derived": round(median(lcd) / median(gm), 3),
        "graphmodel_vs_load_csv_derived_best_runs": round(min(lcd) / min(gm), 3),
        "graphmodel_vs_per_row": round(per_row["extrapolated_seconds"] / median(gm), 1),
    }
    if py2neo.get("ok"):
        out["ratios"]["graphmodel_vs_py2neo"] = round(gm_rate / py2neo["rows_per_s"], 3)
    return out


def _check_same_graph(store: Store, records: Records) -> None:
    """LOAD CSV must have written as many nodes and ties as the records hold."""
    nodes = store.run(_q("MATCH (n) WHERE n._package IS NOT NULL RETURN count(n) AS n")).rows[0][0]
    ties = store.run(_q("MATCH ()-[r]->() WHERE type(r) <> 'REACHES' RETURN count(r) AS n")).rows[0][
        0
    ]  # derived: not data
    if (nodes, ties) != (len(records.nodes), len(records.ties)):
        raise RuntimeError(f"LOAD CSV wrote {nodes} nodes and {ties} ties; expected {len(records.nodes)}, "
                           f"{len(records.ties)}")  # fmt: skip


# ---------------------------------------------------------------------------------------------- embedded


def write_derived_csv(derived: list[TieRecord], path: Path) -> None:
    """The derived ties as one CSV file (source, target, target_label, then their properties; lists joined by ';')."""
    columns = sorted({k for t in derived for k in t.props})
    with path.open("w", encoding="utf-8", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["source", "target", "target_label", *columns])
        for t in derived:
            props = t.props
            cells = [props.get(c) for c in columns]
            w.writerow([t.source, t.target, t.target_label,
                        *(";".join(map(str, v)) if isinstance(v, list) else ("" if v is None else v) for v in cells)])  # fmt: skip


def bare_load(store: Any, package: Path, batch: int = BARE_BATCH, derived: Path | None = None) -> int:
    """A bare script: csv rows straight into ``UNWIND $rows … MERGE``; returns the rows written.

    ``derived``: a CSV file of derived ties (:func:`write_derived_csv`) to create too.
    """
    tables = {"ngos": "NGO", "agencies": "Agency", "villages": "Village", "schools": "School", "funders": "Funder",
              "companies": "Company", "interviews": "Interview", "motivations": "Motivation"}  # fmt: skip
    label_of: dict[str, str] = {}
    ties: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    written = 0
    for table, label in tables.items():
        path = package / f"{table}.csv"
        if not path.exists():
            continue
        with contextlib.suppress(Exception):  # through the store's public run, as any script could
            store.run(_q(f"CREATE INDEX FOR (n:`{label}`) ON (n.id)"), write=True)
        with path.open(encoding="utf-8", newline="") as handle:
            rows = [{k: v for k, v in r.items() if v} for r in csv.DictReader(handle)]
        for r in rows:
            label_of[r["id"]] = label
            if table == "interviews" and r.get("organization"):
                ties[("WITH", label, "")].append({"s": r["id"], "t": r["organization"], "k": r["id"], "p": {}})
        cypher = f"UNWIND $rows AS row MERGE (n:`{label}` {{id: row.id}}) SET n = row"
        for i in range(0, len(rows), batch):
            store.run(_q(cypher), {"rows": rows[i : i + batch]}, write=True)
        written += len(rows)
    with (package / "ties.csv").open(encoding="utf-8", newline="") as handle:
        for r in csv.DictReader(handle):
            p = {k: v for k, v in r.items() if v and k not in ("source", "type", "target")}
            key = "|".join((r["source"], r["type"], r["target"], r["start"], r["round"], r["kind"], r["on_behalf_of"]))
            ties[(r["type"], label_of[r["source"]], label_of[r["target"]])].append(
                {"s": r["source"], "t": r["target"], "k": key, "p": p}
            )
    codes = package / "codes.csv"
    if codes.exists():
        with codes.open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                ties[("MENTIONS", "Interview", "Motivation")].append(
                    {"s": r["interview"], "t": r["code"], "k": "|".join(r.values()), "p": {"ngo": r["ngo"]}}
                )
    with_rows = ties.pop(("WITH", "Interview", ""), [])
    for row in with_rows:
        ties[("WITH", "Interview", label_of[row["t"]])].append(row)
    for (rel, src, tgt), rows in ties.items():
        cypher = (
            f"UNWIND $rows AS row MATCH (a:`{src}` {{id: row.s}}) MATCH (b:`{tgt}` {{id: row.t}}) "
            f"MERGE (a)-[r:`{rel}` {{_key: row.k}}]->(b) SET r += row.p"
        )
        for i in range(0, len(rows), batch):
            store.run(_q(cypher), {"rows": rows[i : i + batch]}, write=True)
        written += len(rows)
    if derived is not None:
        reaches: dict[str, list[dict[str, Any]]] = defaultdict(list)
        with derived.open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                p = {k: v for k, v in r.items() if v and k not in ("source", "target", "target_label")}
                reaches[r["target_label"]].append({"s": r["source"], "t": r["target"], "p": p})
        for tgt, rows in reaches.items():
            cypher = (
                f"UNWIND $rows AS row MATCH (a:NGO {{id: row.s}}) MATCH (b:`{tgt}` {{id: row.t}}) "
                f"CREATE (a)-[r:REACHES]->(b) SET r = row.p"
            )
            for i in range(0, len(rows), batch):
                store.run(_q(cypher), {"rows": rows[i : i + batch]}, write=True)
            written += len(rows)
    return written


def embedded_per_row(store: Any, records: Records) -> dict[str, float]:
    """Rows per second of one query per row on the embedded store (sampled)."""
    schema = load_schema()
    store.ensure_constraints(schema)
    node_sample = _sample(records.nodes, SAMPLE_ROWS)
    tie_sample = _sample(records.ties, SAMPLE_ROWS)
    start = time.perf_counter()
    for n in node_sample:
        store.run(_q(f"MERGE (n:`{schema.label(n.label)}` {{id: $id}}) SET n = $props"), {"id": n.id, "props": n.props},
                  write=True)  # fmt: skip
    node_rate = len(node_sample) / (time.perf_counter() - start)
    store.apply(write_statements_for_nodes(records))
    start = time.perf_counter()
    for t in tie_sample:
        store.run(
            _q(
                f"MATCH (a:`{schema.label(t.source_label)}` {{id: $source}}) "
                f"MATCH (b:`{schema.label(t.target_label)}` {{id: $target}}) "
                f"MERGE (a)-[r:`{schema.relationship(t.type)}` {{_key: $key}}]->(b) SET r = $props"
            ),
            {"source": t.source, "target": t.target, "key": t.key, "props": t.props},
            write=True,
        )
    tie_rate = len(tie_sample) / (time.perf_counter() - start)
    return {
        "node_rows_per_s": round(node_rate, 1),
        "tie_rows_per_s": round(tie_rate, 1),
        "sampled_rows": len(node_sample) + len(tie_sample),
        "extrapolated_seconds": round(len(records.nodes) / node_rate + len(records.ties) / tie_rate, 2),
    }


def bench_embedded(package: Path, runs: int) -> dict[str, Any]:
    """graphmodel's loader against a bare UNWIND MERGE script and a per-row loop, each on a fresh embedded store."""
    from graphmodel.stores.embedded import EmbeddedStore

    records = records_of(package)
    rows = rows_of(records)
    gm, bare, bared, bulk, bare_rows, bared_rows = [], [], [], [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        derived_csv = Path(tmp, "derived.csv")
        write_derived_csv(derived_of(records), derived_csv)  # untimed, as the package's own CSV files
        log(f"embedded: graphmodel load, its bulk path and bare script, {rows:,} rows x{runs}, alternating")
        for i in range(runs):
            with EmbeddedStore(Path(tmp, f"gm{i}")) as store:
                gm += repeat(lambda s=store: load_package(s, package, options=_options()), 1)
                if i == 0:
                    counts = _counts(store)
            with EmbeddedStore(Path(tmp, f"bulk{i}")) as store:
                bulk += repeat(lambda s=store: load_package(s, package, options=BULK), 1)
                if i == 0 and _counts(store) != counts:
                    raise RuntimeError(f"the bulk path wrote {_counts(store)}, the ordinary path {counts}")
            with EmbeddedStore(Path(tmp, f"bare{i}")) as store:
                start = time.perf_counter()
                bare_rows = bare_load(store, package)
                bare.append(time.perf_counter() - start)
                if i == 0:
                    bare_counts = _counts(store)
            with EmbeddedStore(Path(tmp, f"bared{i}")) as store:
                start = time.perf_counter()
                bared_rows = bare_load(store, package, derived=derived_csv)
                bared.append(time.perf_counter() - start)
                if i == 0 and _counts(store) != {**bare_counts, "derived": counts["derived"]}:
                    raise RuntimeError(f"the bare script with the derived ties wrote {_counts(store)}; "
                                       f"without them {bare_counts}, graphmodel {counts}")  # fmt: skip
        with EmbeddedStore(Path(tmp, "breakdown")) as store:
            split = breakdown(store, package)
        with EmbeddedStore(Path(tmp, "per-row")) as store:
            log("embedded: per-row loop (sampled)")
            per_row = embedded_per_row(store, records)
    gm_rate, bare_rate = rows / median(gm), bare_rows / median(bare)
    gm_derived_rows = rows + counts["derived"]  # what graphmodel wrote, derived ties included
    gm_derived_rate = gm_derived_rows / median(gm)
    return {
        "rows": rows,
        "nodes": len(records.nodes),
        "ties": len(records.ties),
        "graphmodel": {"seconds": [round(x, 3) for x in gm], "median_s": round(median(gm), 3),
                       "rows_per_s": round(gm_rate, 1), "graph": counts},
        "graphmodel_breakdown": split,
        "graphmodel_bulk": {"seconds": [round(x, 3) for x in bulk], "median_s": round(median(bulk), 3),
                            "rows_per_s": round(rows / median(bulk), 1)},
        "bare_unwind_merge": {"seconds": [round(x, 3) for x in bare], "median_s": round(median(bare), 3),
                              "rows": bare_rows, "rows_per_s": round(bare_rate, 1), "graph": bare_counts},
        "bare_derived": {"seconds": [round(x, 3) for x in bared], "median_s": round(median(bared), 3),
                         "rows": bared_rows, "rows_per_s": round(bared_rows / median(bared), 1)},
        "per_row": per_row,
        "ratios": {
            "graphmodel_vs_bare": round(gm_rate / bare_rate, 3),
            "graphmodel_vs_bare_best_runs": round((min(bare) / bare_rows) / (min(gm) / rows), 3),
            # the same ties written by both (the bare script writes the derived ties too)
            "graphmodel_vs_bare_derived": round(gm_derived_rate / (bared_rows / median(bared)), 3),
            "graphmodel_vs_bare_derived_best_runs": round((min(bared) / bared_rows) / (min(gm) / gm_derived_rows), 3),
            "graphmodel_vs_per_row": round(per_row["extrapolated_seconds"] / median(gm), 1),
        },
    }  # fmt: skip


def _data_counts(store: Store) -> dict[str, int]:
    """:func:`_counts` of the data alone (graphmodel's :Graph and :Package records left out), for the anchors."""
    out = _counts(store)
    records = store.run(_q("MATCH (n) WHERE n:Graph OR n:Package RETURN count(n) AS n")).rows[0][0]
    return {**out, "nodes": out["nodes"] - records}


def _counts(store: Store) -> dict[str, int]:
    """Nodes, ties, and (apart) the derived ties graphmodel's loads keep (graphmodel.engine.derived)."""
    nodes = store.run(_q("MATCH (n) RETURN count(n) AS n")).rows[0][0]
    derived = store.run(_q("MATCH ()-[r:REACHES]->() RETURN count(r) AS n")).rows[0][0]
    ties = store.run(_q("MATCH ()-[r]->() RETURN count(r) AS n")).rows[0][0] - derived
    return {"nodes": nodes, "ties": ties, "derived": derived}


def run(package: Path, runs: int, *, neo4j: bool, import_dir: Path | None) -> dict[str, Any]:
    """The loader benchmarks for one package."""
    out: dict[str, Any] = {"embedded": bench_embedded(package, runs)}
    if neo4j:
        if import_dir is None:
            raise RuntimeError("the Neo4j loader benchmark needs the server's import folder (--neo4j-import)")
        out["neo4j"] = bench_neo4j(package, runs, import_dir)
    return out


__all__ = ["NodeRecord", "TieRecord", "bench_embedded", "bench_neo4j", "run"]
