"""Every row of a paged query (``--all``) under Neo4j's per-transaction memory limit.

The suite's Neo4j runs with ``db.memory.transaction.max`` at 100 MB (scripts/test sets
``GRAPHMODEL_NEO4J_TX_MEMORY=100m``). On a county-sized graph one query over every tie needs
more than that (``round_changes`` and ``as_of`` with ``page_size=None`` failed so before the
result was read in runs); read in runs of bounded size it fits and gives the rows the embedded
store gives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import LiteralString, cast

import pytest

from graphmodel.api import load_package
from graphmodel.errors import StoreError
from graphmodel.queries import ALL_RUN_ROWS, CONTEXT, find_query, run_query
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore
from graphmodel.synth import write_package
from tests.conftest import _reset_neo4j

pytestmark = [pytest.mark.slow, pytest.mark.neo4j]

CASES = [("round_changes", {}), ("as_of", {"date": "2011"})]
TX_LIMIT = "db.memory.transaction.max"


@pytest.fixture(scope="module")
def county(
    embedded_server: EmbeddedStore, neo4j_server: Store, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Store]]:
    """Both stores loaded with the county-sized synthetic package (about 10,000 nodes, 37,000 ties)."""
    folder = tmp_path_factory.mktemp("synth") / "county"
    assert write_package(folder, "county", seed=0).nodes > 10_000
    embedded_server.delete_all()
    _reset_neo4j(neo4j_server)
    for db in (embedded_server, neo4j_server):
        load_package(db, folder)
    yield embedded_server, neo4j_server
    embedded_server.delete_all()
    _reset_neo4j(neo4j_server)


def _limit(store: Store) -> str:
    rows = store.run(f"SHOW SETTINGS YIELD name, value WHERE name = '{TX_LIMIT}' RETURN value").rows
    return str(rows[0][0]) if rows else "0"


@pytest.mark.parametrize(("name", "params"), CASES, ids=[name for name, _ in CASES])
def test_every_row_fits_a_transaction_memory_limit(county: tuple[Store, Store], name: str, params: dict) -> None:
    embedded, neo4j = county
    limit = _limit(neo4j)
    if limit.startswith("0"):
        pytest.skip(f"this Neo4j has no {TX_LIMIT} (scripts/test runs one with 100m)")
    q = find_query(name)
    bound = {**q.bind(params), **{c: CONTEXT[c][1]() for c in q.context}}
    # One query over every source, as page_size=None ran before: more than a transaction may hold.
    every = [r[0] for r in neo4j.run("MATCH (n) WHERE n.id IS NOT NULL RETURN id(n)").rows]
    with pytest.raises(StoreError, match="more memory than the server allows"):
        neo4j.run(cast(LiteralString, q.cypher), {**bound, "page_nodes": every}, write=False)
    theirs = run_query(neo4j, name, params, page_size=None)
    ours = run_query(embedded, name, params, page_size=None)
    assert theirs.complete and ours.complete
    assert len(theirs.rows) > 4 * ALL_RUN_ROWS, "the result must need several runs"
    assert theirs.rows == ours.rows


@pytest.mark.parametrize("name", ["trust_sources", "trust_trajectory"])
def test_every_ngo_of_the_trust_queries_on_both_stores(county: tuple[Store, Store], name: str) -> None:
    """The trust queries page by NGO (anchors of one label): every row, read in runs, is the same on both stores."""
    embedded, neo4j = county
    theirs = run_query(neo4j, name, {}, page_size=None)
    ours = run_query(embedded, name, {}, page_size=None)
    assert theirs.complete and ours.complete
    assert len(ours.rows) > 100
    assert theirs.rows == ours.rows
