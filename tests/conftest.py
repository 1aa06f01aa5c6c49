"""Shared fixtures: the two real stores every store test runs against.

Neo4j settings come from ``NEO4J_URI`` / ``NEO4J_USERNAME`` / ``NEO4J_PASSWORD``
(``scripts/neo4j-local start`` prints them). Without a reachable server the Neo4j
half of each test is skipped locally and FAILS under ``CI=true``.

The Neo4j fixture only wipes a database that is empty or that this test suite
marked as its own; it refuses anything else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmodel import statements as cy
from graphmodel.errors import StoreError
from graphmodel.schema import load_schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"
MARKER = "__graphmodel_test_suite__"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Command-line tests open many embedded stores: none may outlive its test (see graphmodel.settings).
os.environ["GRAPHMODEL_LINGER"] = "0"


def _missing_neo4j(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"Neo4j is required under CI=true: {reason}", pytrace=False)
    pytest.skip(f'no Neo4j: {reason} (run: eval "$(scripts/neo4j-local start)")')


@pytest.fixture(scope="session")
def neo4j_server() -> Iterator[Store]:
    """A connection to the test Neo4j, after checking the database is ours to wipe."""
    settings = Neo4jSettings.from_env()
    if not settings.uri:
        _missing_neo4j("NEO4J_URI is not set")
    from graphmodel.stores.neo4j import Neo4jStore

    try:
        store = Neo4jStore(settings)
    except StoreError as exc:
        _missing_neo4j(str(exc))
    refusal = foreign_data(store)
    if refusal:
        store.close()
        pytest.fail(refusal, pytrace=False)
    yield store
    store.close()


def foreign_data(store: Store) -> str | None:
    """Why ``store`` must not be wiped by the tests, or None when it is empty or ours."""
    nodes, _ = store.run(cy.any_node()).rows[0]
    marker = store.run(cy.find_ids(load_schema(), "Package"), {"ids": [MARKER]}).rows
    if nodes and not marker:
        return (
            f"refusing to use {store.description} for tests: it holds {nodes} nodes that this test suite did "
            "not create. Point NEO4J_URI at an empty database (scripts/neo4j-local start gives one)."
        )
    return None


def _reset_neo4j(store: Store) -> None:
    schema = load_schema()
    store.delete_all()
    store.run(cy.upsert_package(schema), {"id": MARKER, "props": {"id": MARKER, "path": "pytest"}}, write=True)


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStore]:
    """One embedded FalkorDB for the session (starting one takes about a second)."""
    db = EmbeddedStore(tmp_path_factory.mktemp("embedded") / "graph")
    yield db
    db.close()


@pytest.fixture(params=["embedded", "neo4j"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store of each kind (Neo4j holds only the suite's marker node)."""
    if request.param == "embedded":
        db = request.getfixturevalue("embedded_server")
        db.delete_all()
        yield db
    else:
        server = request.getfixturevalue("neo4j_server")
        _reset_neo4j(server)
        yield server


@pytest.fixture
def embedded(embedded_server: EmbeddedStore) -> EmbeddedStore:
    """An empty embedded store, for tests about the embedded engine only."""
    embedded_server.delete_all()
    return embedded_server


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    """A writable copy of the small fixture package."""
    import shutil

    target = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", target)
    return target


@pytest.fixture(scope="module")
def both(embedded_server: EmbeddedStore, neo4j_server: Store) -> Iterator[tuple[Store, Store]]:
    """Both servers (embedded, Neo4j), emptied and loaded with the paper sample once per test module."""
    from graphmodel.api import load_package
    from graphmodel.sample import sample_path

    embedded_server.delete_all()
    _reset_neo4j(neo4j_server)
    for db in (embedded_server, neo4j_server):
        load_package(db, sample_path(), name="paper")
    yield embedded_server, neo4j_server
