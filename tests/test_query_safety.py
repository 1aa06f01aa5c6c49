"""Query files run read clauses only: administration commands and state-changing procedures are refused.

Every case goes through ``graphmodel query FILE`` on both stores; a store that would
have run it (Neo4j runs ``SHOW USERS`` or ``db.clearQueryCaches`` in a read
transaction) must never receive it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import QueryError
from graphmodel.fingerprint import fingerprint
from graphmodel.queries import parse_query, run_query
from graphmodel.readonly import check_read_only
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"

REFUSED = {
    "terminate transactions": "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "terminate after a read": "MATCH (n) WITH count(n) AS c TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "show users": "SHOW USERS",
    "show users lower case": "show users yield user return user",
    "show transactions": "SHOW TRANSACTIONS YIELD transactionId RETURN transactionId",
    "show databases": "SHOW DATABASES",
    "use system": "USE system SHOW USERS",
    "create user": "CREATE USER mallory SET PASSWORD 'x1234567' CHANGE NOT REQUIRED",
    "grant": "GRANT ROLE admin TO neo4j",
    "drop database": "DROP DATABASE neo4j",
    "clear query caches": "CALL db.clearQueryCaches()",
    "clear caches in a read": "MATCH (n) WITH n LIMIT 1 CALL db.clearQueryCaches() YIELD value RETURN value",
    "clear caches quoted": "CALL `db`.`clearQueryCaches`()",
    "clear caches lower case": "call db.clearquerycaches()",
    "dbms list config": "CALL dbms.listConfig()",
    "dbms components": "CALL dbms.components() YIELD name RETURN name",
    "dbms set config": "CALL dbms.setConfigValue('db.logs.query.enabled', 'OFF')",
    "db create label": "CALL db.createLabel('Mallory')",
    "db await index": "CALL db.awaitIndexes(1)",
    "tx metadata": "CALL tx.setMetaData({who: 'x'})",
    "write in a subquery": "MATCH (n) CALL { WITH n SET n.x = 1 } RETURN count(*)",
    "in transactions": "MATCH (n) CALL (n) { RETURN 1 AS one } IN TRANSACTIONS RETURN count(*)",
    "detach delete": "MATCH (n) DETACH DELETE n",
    "merge": "MERGE (n:NGO {id: 'x'}) RETURN n",
    "load csv": "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "foreach": "MATCH (n) FOREACH (x IN [1] | SET n.y = x)",
    "two statements": "MATCH (n) RETURN count(n); SHOW USERS",
    "comment hides nothing": "MATCH (n) RETURN count(n) /* */ ; DROP DATABASE neo4j",
    "explain prefix": "EXPLAIN MATCH (n) RETURN n",
    "cypher prefix": "CYPHER runtime=slotted SHOW USERS",
    "empty": "// only a comment",
}
ALLOWED = {
    "keyword in a string": "MATCH (n:NGO) WHERE n.name <> 'SET DELETE SHOW USERS' RETURN count(n) AS n",
    "keyword in a comment": "MATCH (n:NGO) // CALL db.clearQueryCaches()\nRETURN count(n) AS n",
    "keyword as a property or key": "MATCH (n:NGO) RETURN count(n.set) AS n, {show: 1}.show AS s",
    "start and end as names": "MATCH ()-[r]->() RETURN r.start AS start, r.end AS end LIMIT 1",
    "labels procedure": "CALL db.labels() YIELD label RETURN count(label) AS n",
    "subquery": "CALL { MATCH (n:NGO) RETURN n } RETURN count(n) AS n",
    "trailing semicolon": "MATCH (n:NGO) RETURN count(n) AS n;",
}


def _file(tmp_path: Path, name: str, cypher: str) -> Path:
    path = tmp_path / f"{name.replace(' ', '_')}.cypher"
    path.write_text(f"// name: {name.replace(' ', '_')}\n// description: A test.\n{cypher}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("cypher", REFUSED.values(), ids=REFUSED.keys())
def test_refused_without_a_store(cypher: str) -> None:
    with pytest.raises(QueryError, match="only read queries run"):
        check_read_only(cypher)


@pytest.mark.parametrize("cypher", ALLOWED.values(), ids=ALLOWED.keys())
def test_read_queries_pass(cypher: str) -> None:
    check_read_only(cypher)


def _url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def test_every_refusal_through_the_cli(store: Store, tmp_path: Path) -> None:
    load_package(store, FIXTURES / "mini")
    before = fingerprint(store)
    runner = CliRunner()
    failures = []
    for name, cypher in REFUSED.items():
        if name == "empty":
            continue  # a file holding only comments has no Cypher after its header
        result = runner.invoke(app, ["query", str(_file(tmp_path, name, cypher)), "--store", _url(store)])
        if result.exit_code != 1 or "only read queries run" not in " ".join(result.stderr.split()):
            failures.append(f"{name}: exit {result.exit_code}: {result.output}{result.stderr}")
    for name, cypher in ALLOWED.items():
        result = runner.invoke(app, ["query", str(_file(tmp_path, name, cypher)), "--store", _url(store)])
        if result.exit_code != 0:
            failures.append(f"{name} (allowed): exit {result.exit_code}: {result.output}{result.stderr}")
    assert not failures, "\n".join(failures)
    assert fingerprint(store) == before


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_neo4j_would_run_them_in_a_read_transaction(store: Store) -> None:
    """Why the check is needed: the read transaction alone lets these through on Neo4j."""
    assert store.run("SHOW PROCEDURES YIELD name WHERE name = 'db.clearQueryCaches' RETURN name").rows
    store.run("CALL db.clearQueryCaches()")
    with pytest.raises(QueryError):
        run_query(store, parse_query("// name: x\n// description: x\nCALL db.clearQueryCaches()", Path("x.cypher")))


def test_header_aliases_are_bounded(tmp_path: Path) -> None:
    """A 'billion laughs' header is refused at once, as invalid YAML, naming the file."""
    lines = ["// name: laughs", "// description: x", '// a: &a ["lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous = chr(ord("a") + level - 1)
        lines.append(f"// {chr(ord('a') + level)}: &{chr(ord('a') + level)} [{', '.join([f'*{previous}'] * 9)}]")
    path = tmp_path / "laughs.cypher"
    path.write_text("\n".join(lines) + "\nRETURN 1 AS one\n", encoding="utf-8")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["query", str(path), "--store", f"embedded:{tmp_path / 'g'}"])
    assert result.exit_code == 1
    stderr = " ".join(result.stderr.split())
    assert "more than 20 aliases" in stderr and "laughs.cypher" in stderr
    assert time.monotonic() - started < 30  # not a timing goal: an unbounded expansion never returns
