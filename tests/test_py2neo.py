"""py2neo 2021.2.4 against the project's Neo4j 5.26: what works and what fails.

The adapter runs the whole query library with results identical to the official
driver's, and loads packages; py2neo's own schema API fails on Neo4j 5 (it calls
``db.indexes``, removed in 5.0). Runs on Neo4j only; skipped when py2neo is not
installed (it is in the ``test`` extra, so CI runs it).
"""

from __future__ import annotations

from typing import Any

import pytest

from graphmodel.api import load_package
from graphmodel.errors import StoreError
from graphmodel.queries import library, run_query
from graphmodel.sample import sample_path
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import Store

py2neo = pytest.importorskip("py2neo", reason='py2neo is optional: pip install "graphmodel[py2neo]"')

from graphmodel.stores.py2neo_graph import Py2neoStore  # noqa: E402

# Values for required parameters of library queries (the NGO the paper quotes most).
EXAMPLES: dict[str, Any] = {"ngo": "ngo-y01", "date": "2012"}

neo4j_only = pytest.mark.parametrize("store", ["neo4j"], indirect=True)


@pytest.fixture
def p2n(store: Store) -> Py2neoStore:
    """A py2neo view of the same (emptied) test database the ``store`` fixture gives."""
    return Py2neoStore.connect(Neo4jSettings.from_env())


@neo4j_only
def test_library_gives_identical_results_through_py2neo(store: Store, p2n: Py2neoStore) -> None:
    report = load_package(p2n, sample_path(), name="paper")  # loaded through py2neo
    assert report.written and report.plan.create
    assert load_package(store, sample_path(), name="paper").plan.changes == 0  # the driver sees the same graph
    checked = 0
    for name, query in library().items():
        missing = [p for p, spec in query.params.items() if spec.required and p not in EXAMPLES]
        assert not missing, f"add an example value for {missing} of query {name!r} to EXAMPLES"
        params = {p: EXAMPLES[p] for p, spec in query.params.items() if spec.required}
        official = run_query(store, query, params)
        via_py2neo = run_query(p2n, query, params)
        assert via_py2neo.columns == official.columns, name
        assert via_py2neo.rows == official.rows, name
        checked += bool(official.rows)
    assert checked >= 5  # most queries return rows on the sample, so the comparison is not vacuous


@neo4j_only
def test_nodes_and_paths_become_plain_data(store: Store, p2n: Py2neoStore) -> None:
    load_package(store, sample_path(), name="paper")
    cypher = "MATCH p = (n:NGO {id: $id})<-[:SPONSORS]-(a:Agency) RETURN n, p ORDER BY a.id LIMIT 1"
    official, via_py2neo = store.run(cypher, {"id": "ngo-y01"}), p2n.run(cypher, {"id": "ngo-y01"})
    node, path = via_py2neo.rows[0]
    assert node == official.rows[0][0]  # the same property dict as the official driver gives
    # A path becomes its nodes' property dicts: the NGO, then its sponsor.
    # (The core's plain() turns a driver Path into a string, so paths are compared by hand.)
    sponsor = store.run(
        "MATCH (:NGO {id: $id})<-[:SPONSORS]-(a:Agency) RETURN a ORDER BY a.id LIMIT 1", {"id": "ngo-y01"}
    )
    assert path == [node, sponsor.rows[0][0]]


@neo4j_only
def test_reads_are_read_only(store: Store, p2n: Py2neoStore) -> None:
    with pytest.raises(StoreError, match="Writing in read access mode not allowed"):
        p2n.run("CREATE (:Scratch {id: 'x'})")
    assert p2n.run("MATCH (n:Scratch) RETURN count(n) AS n").rows == [(0,)]


@neo4j_only
def test_py2neo_schema_api_fails_on_neo4j_5(store: Store, p2n: Py2neoStore) -> None:
    # py2neo's schema helpers call db.indexes(), which Neo4j 5 removed (SHOW INDEXES replaces it).
    from py2neo.errors import ClientError

    with pytest.raises(ClientError, match=r"no procedure with the name `db\.indexes`"):
        p2n.graph.schema.get_indexes("NGO")
    with pytest.raises(ClientError, match=r"no procedure with the name `db\.indexes`"):
        p2n.graph.schema.get_uniqueness_constraints("NGO")
    # Creating them uses the Neo4j 4 syntax (CREATE INDEX ON, ASSERT ... IS UNIQUE), a syntax error in 5.
    with pytest.raises(ClientError, match=r"use `CREATE INDEX FOR \.\.\.` instead"):
        p2n.graph.schema.create_index("NGO", "name")
    with pytest.raises(ClientError, match="Replace ON with FOR and ASSERT with REQUIRE"):
        p2n.graph.schema.create_uniqueness_constraint("NGO", "name")
    # The replacement works through py2neo: constraints graphmodel made, listed with SHOW.
    p2n.ensure_constraints(__import__("graphmodel").load_schema())
    names = {r["name"] for r in p2n.graph.run("SHOW CONSTRAINTS YIELD name").data()}
    assert "graphmodel_NGO_id" in names
