"""A corpus of store URIs carrying secrets: none of them is ever echoed, whatever the scheme or shape."""

from __future__ import annotations

import logging

import pytest
from typer.testing import CliRunner

from graphmodel.cli import app
from graphmodel.errors import StoreError
from graphmodel.stores import open_store
from graphmodel.uris import safe_uri, scrub

SECRET = "Pw-7f3a-secret"
#: Hosts are unreachable on purpose (port 1 of the loopback): every URI fails fast.
CORPUS = [
    f"bolt://neo4j:{SECRET}@127.0.0.1:1",
    f"Bolt://neo4j:{SECRET}@127.0.0.1:1",
    f"BOLT://neo4j:{SECRET}@127.0.0.1:1",
    f"NEO4J+S://neo4j:{SECRET}@127.0.0.1:1",
    f"neo4j+ssc://neo4j:{SECRET}@127.0.0.1:1",
    f"Neo4j://neo4j:{SECRET}@127.0.0.1:1/neo4j",
    f"bolt://127.0.0.1:1?password={SECRET}",
    f"neo4j://127.0.0.1:1?password={SECRET}",
    f"NEO4J://127.0.0.1:1/?user=neo4j&password={SECRET}#frag",
    f"bolt://127.0.0.1:1#{SECRET}",
    f"bolt://127.0.0.1:1;password={SECRET}",
    f"bolt://{SECRET}@127.0.0.1:1",
    f"bolt://:{SECRET}@127.0.0.1:1",
    f"bolt://neo4j:{SECRET}@@127.0.0.1:1",
    f"bolt://neo4j:{SECRET}/x@127.0.0.1:1",
    f"bolt://neo4j:{SECRET}?x@127.0.0.1:1",
    f"bolt://neo4j:{SECRET}#x@127.0.0.1:1",
    f"bolt://neo4j:{SECRET}@[::1",
    f"bolt://neo4j:{SECRET}@127.0.0.1:99999",
    f"bolt://neo4j:{SECRET}@127.0.0.1:port",
    f"bolt://neo4j:{SECRET}@",
    f"bolt://neo4j:{SECRET}",
    f"  bolt://neo4j:{SECRET}@127.0.0.1:1  ",
    f"http://neo4j:{SECRET}@127.0.0.1:1",
    f"HTTPS://127.0.0.1:1/?token={SECRET}",
    f"redis://:{SECRET}@127.0.0.1:1/0",
    f"ftp://neo4j:{SECRET}@127.0.0.1",
    f"bolt+s://neo4j:{SECRET}@127.0.0.1:1",
    f"bolt:neo4j:{SECRET}@127.0.0.1:1",
    f"neo4j:/neo4j:{SECRET}@127.0.0.1:1",
    f"neo4j:{SECRET}@127.0.0.1:1",
    f"embedded:/tmp/x?password={SECRET}",
]


@pytest.mark.parametrize("uri", CORPUS)
def test_safe_uri_and_scrub_drop_the_secret(uri: str) -> None:
    assert SECRET not in safe_uri(uri)
    assert SECRET not in scrub(f"cannot connect to {uri!r} (refused)")
    assert SECRET not in scrub(f"error: {uri}")


def test_safe_uri_keeps_what_identifies_the_server() -> None:
    assert safe_uri(f"Bolt://neo4j:{SECRET}@db.example.org:7687/neo4j?password={SECRET}") == (
        "bolt://db.example.org:7687/neo4j"
    )
    assert safe_uri("neo4j+s://abc.databases.neo4j.io") == "neo4j+s://abc.databases.neo4j.io"
    assert scrub("no URI here: ngos.csv:3:name: a@b") == "no URI here: ngos.csv:3:name: a@b"


@pytest.mark.parametrize("uri", [u for u in CORPUS if not u.startswith("embedded:")])
def test_no_error_shows_the_secret(uri: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Through ``open_store`` and through the CLI: an error, never the secret, never a traceback."""
    monkeypatch.setenv("NEO4J_PASSWORD", "irrelevant")
    with caplog.at_level(logging.DEBUG), pytest.raises(StoreError) as info:
        open_store(uri)
    assert SECRET not in str(info.value)
    result = CliRunner().invoke(app, ["status", "--store", uri])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "error:" in result.stderr
    assert SECRET not in result.output + result.stderr
    assert SECRET not in caplog.text


def test_mixed_case_schemes_reach_the_right_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "irrelevant")
    with pytest.raises(StoreError) as info:
        open_store("BOLT://127.0.0.1:1")
    assert "cannot connect" in str(info.value)  # a Neo4j store was tried, not 'unknown store'
    assert str(info.value).startswith("bolt://127.0.0.1:1 ")
