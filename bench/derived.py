"""What the derived access ties (graphmodel.engine.derived) cost a load, on both stores.

For one package: a first load by the ordinary path (``derived`` phase of its timings, and
the whole load), an unchanged reload, and a reload that changes one ``SUPERVISES`` line
(withdrawn, then back), each with the number of NGOs whose derived ties were rewritten
(``-1``: every NGO). The line is withdrawn once more with every NGO rewritten, as the first
version of the derived ties did (``every_ngo``): the before of that change.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import graphmodel.engine.derived as derived
from bench.common import log
from graphmodel.api import load_package
from graphmodel.engine.load import LoadOptions
from graphmodel.engine.plan import RemovalRules
from graphmodel.stores.base import Store

__all__ = ["run"]

#: The ordinary path (a first load of 100,000 rows would take the bulk path), removals allowed.
OPTIONS = LoadOptions(bulk=False, rules=RemovalRules(allow_removals=True))


def without_one_line(package: Path, folder: Path) -> Path:
    """A copy of ``package`` without one ``SUPERVISES`` tie (the middle one of those chains can use)."""
    copy = folder / package.name
    shutil.copytree(package, copy)
    with (copy / "ties.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames or [], list(reader)
    heads = {r["target"] for r in rows if r["type"] == "COOPERATES_WITH"}
    mobilising = {r["source"] for r in rows if r["type"] == "MOBILIZES"}
    lines = [i for i, r in enumerate(rows) if r["type"] == "SUPERVISES"]
    # a line from a department NGOs cooperate with to a body that mobilises: one chains use
    used = [i for i in lines if rows[i]["source"] in heads and rows[i]["target"] in mobilising] or lines
    del rows[used[len(used) // 2]]
    with (copy / "ties.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return copy


@contextmanager
def counting() -> Iterator[list[int]]:
    """Records how many NGOs each load rewrote (``-1``: every NGO)."""
    seen: list[int] = []
    real = derived.rewrite

    def rewrite(session: Any, schema: Any, ngos: set[str] | None) -> int:
        seen.append(-1 if ngos is None else len(ngos))
        return real(session, schema, ngos)

    derived.rewrite = rewrite  # type: ignore[assignment]
    try:
        yield seen
    finally:
        derived.rewrite = real  # type: ignore[assignment]


@contextmanager
def every_ngo() -> Iterator[None]:
    """Loads rewrite every NGO's derived ties (the first version's rule for a SUPERVISES change)."""
    real = derived.touched
    derived.touched = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        derived.touched = real  # type: ignore[assignment]


def _timed(store: Store, package: Path, name: str) -> dict[str, Any]:
    with counting() as seen:
        start = time.perf_counter()
        report = load_package(store, package, name=name, options=OPTIONS)
        seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "timings": report.timings, "ngos_rewritten": seen[0] if seen else 0}


def measure(store: Store, package: Path, changed: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"first_load": _timed(store, package, "pkg")}
    out["derived_ties"] = store.run("MATCH ()-[d:REACHES]->() RETURN count(d)").rows[0][0]
    out["ngos"] = store.run("MATCH (n:NGO) RETURN count(n)").rows[0][0]
    out["reload_unchanged"] = _timed(store, package, "pkg")
    out["one_line_withdrawn"] = _timed(store, changed, "pkg")
    out["one_line_back"] = _timed(store, package, "pkg")
    with every_ngo():
        out["every_ngo"] = {"one_line_withdrawn": _timed(store, changed, "pkg")}
    return out


def run(package: Path, *, neo4j: bool) -> dict[str, Any]:
    from graphmodel.stores.embedded import EmbeddedStore

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="gm-derived-") as tmp:
        changed = without_one_line(package, Path(tmp))
        log("derived: embedded")
        with EmbeddedStore(Path(tmp) / "store") as store:
            out["embedded"] = measure(store, package, changed)
        if neo4j:
            from bench.loader import neo4j_require_empty, neo4j_wipe
            from graphmodel.settings import Neo4jSettings
            from graphmodel.stores.neo4j import Neo4jStore

            log("derived: neo4j")
            neo = Neo4jStore(Neo4jSettings.from_env())
            try:
                neo4j_require_empty(neo)
                out["neo4j"] = measure(neo, package, changed)
                neo4j_wipe(neo)
            finally:
                neo.close()
    return out
