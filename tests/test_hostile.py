"""Hostile text in every cell, header, type column and CLI parameter, on both stores.

Values must round-trip byte for byte, the schema must stay as it is (no label or
type appears that the schema does not name), and names not in the schema are
refused before any query is composed. FalkorDB's client writes parameters into the
query text (``CYPHER v="..." RETURN ...``), so its escaping of quotes, backslashes,
newlines and ``$`` is tested directly too.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import GraphmodelError, InvalidPackage
from graphmodel.fingerprint import fingerprint
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

PAYLOADS = [
    "'",
    '"',
    "`",
    "\\",
    "\\'",
    '\\"',
    "\\\\",
    "\\u0027",
    "\\u0022",
    "\\u0060",
    "\\n",
    "a\nb",
    "a\r\nb",
    "tab\there",
    "// comment",
    "/* comment */",
    "-- comment",
    "}) DETACH DELETE n //",
    "'}) MATCH (m) DETACH DELETE m //",
    '"}) MATCH (m) DETACH DELETE m //',
    "`) DETACH DELETE n //",
    "` DETACH DELETE n //",
    "$x",
    "$rows",
    "${id}",
    "$$",
    "＇＂｀＄（）｛｝／／",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "&amp;&lt;&#96;",
    "\u2028\u2029",
    "🙂 云南'宁夏\"河北",
    "CYPHER x=1 RETURN 1",
    "[/red] [bold]rich markup[/bold] [link=http://x]",
]


def _url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def schema_names(store: Store) -> tuple[set[str], set[str]]:
    labels = {lb for labels, _ in store.run(cy.all_nodes(load_schema())).rows for lb in labels}
    types = {t for t, *_ in store.run(cy.all_ties(load_schema())).rows}
    return labels, types


def write_package(root: Path, tables: dict[str, list[list[str]]], fmt: str) -> Path:
    if fmt == "csv":
        root.mkdir()
        for name, rows in tables.items():
            buffer = io.StringIO(newline="")
            csv.writer(buffer, lineterminator="\n").writerows(rows)
            (root / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")
        return root
    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    path = root.with_suffix(".xlsx")
    book.save(path)
    return path


def wrap(index: int, payload: str) -> str:
    """The payload inside a cell (cells are stripped, so it is kept away from the edges)."""
    return f"{index}[{payload}]"


@pytest.mark.parametrize("store", ["embedded", "neo4j"], indirect=True)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_parameters_round_trip(store: Store, payload: str) -> None:
    assert store.run("RETURN $v AS v", {"v": payload}).rows == [(payload,)]
    as_key = {"rows": [{"props": {payload: payload}}]}
    if "`" in payload and isinstance(store, EmbeddedStore):
        # FalkorDB's client cannot send a map key holding a backtick (the reader refuses such headers)
        with pytest.raises(GraphmodelError, match="backtick"):
            store.run("UNWIND $rows AS row RETURN row.props AS p", as_key)
    else:
        assert store.run("UNWIND $rows AS row RETURN row.props AS p", as_key).rows == [({payload: payload},)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_payloads_in_every_cell_round_trip(store: Store, tmp_path: Path, fmt: str) -> None:
    payloads = [p for p in PAYLOADS if not (fmt == "xlsx" and "\r" in p)]  # XML turns CR LF into LF
    ngos = [["id", "name", "name_zh", "registration", "remark"]]
    villages = [["id", "name"], ["v-1", "Upper"]]
    ties = [["source", "type", "target", "round", "note"]]
    for i, p in enumerate(payloads):
        ngos.append([wrap(i, p), wrap(i, p) + " name", wrap(i, p) + " 中文", "ngo", wrap(i, p) + " remark"])
        ties.append([wrap(i, p), "WORKS_IN", "v-1", "1", wrap(i, p) + " note"])
    package = write_package(tmp_path / "hostile", {"ngos": ngos, "villages": villages, "ties": ties}, fmt)
    load_package(store, package, name="hostile '`\"}) DETACH DELETE n //")
    for i, p in enumerate(payloads):
        rows = store.run(
            "MATCH (n:NGO {id: $id})-[r:WORKS_IN]->(v:Village) RETURN n.name, n.name_zh, n.remark, r.note, v.id, "
            "n._package",
            {"id": wrap(i, p)},
        ).rows
        expected = [wrap(i, p) + s for s in (" name", " 中文", " remark", " note")]
        assert rows == [(*expected, "v-1", "hostile '`\"}) DETACH DELETE n //")], repr(p)
    assert store.run("MATCH (n:NGO) RETURN count(n)").rows == [(len(payloads),)]
    labels, types = schema_names(store)
    schema = load_schema()
    assert labels <= set(schema.labels) and types <= set(schema.relationships)
    # a second load changes nothing: the hashes of hostile values are stable too
    assert not load_package(store, package, name="hostile '`\"}) DETACH DELETE n //").written


def test_payload_headers_become_properties_or_are_refused(store: Store, tmp_path: Path) -> None:
    # headers are stripped like every cell, so whitespace-only payloads (\u2028\u2029) are left out
    safe = [p for p in PAYLOADS if "`" not in p and not any(ord(c) < 32 for c in p) and p == p.strip()]
    unsafe = [p for p in PAYLOADS if p not in safe and p == p.strip()]
    # hand count: 3 payloads hold a backtick ("`", "`) DETACH...", "` DETACH...") and 3 a control
    # character ("a\nb", "a\r\nb", "tab\there"); the fullwidth ｀ and the escape text \u0060 are fine
    assert len(unsafe) == 6
    header = ["id", "name", "registration", *safe]
    package = write_package(tmp_path / "ok", {"ngos": [header, ["ngo-h", "H", "ngo", *safe]]}, "csv")
    load_package(store, package)
    [(props,)] = store.run("MATCH (n:NGO {id: 'ngo-h'}) RETURN properties(n)").rows
    assert {p: props.get(p) for p in safe} == {p: p for p in safe}
    before = fingerprint(store)
    header = ["id", "name", "registration", *unsafe]
    bad = write_package(tmp_path / "bad", {"ngos": [header, ["ngo-h", "H", "ngo", *unsafe]]}, "csv")
    with pytest.raises(InvalidPackage) as info:
        load_package(store, bad, name="ok")
    assert [p.column for p in info.value.problems] == [f"column {i}" for i in range(4, 4 + len(unsafe))]
    assert fingerprint(store) == before


def test_payload_types_and_labels_are_refused_before_any_query(store: Store, tmp_path: Path) -> None:
    schema = load_schema()
    for p in PAYLOADS:
        with pytest.raises(GraphmodelError):
            cy.merge_nodes(schema, p)
        with pytest.raises(GraphmodelError):
            cy.merge_ties(schema, p, "NGO", "Village")
        with pytest.raises(GraphmodelError):
            cy.count_label(schema, "NGO" + p)
    before = fingerprint(store)
    rows = [["source", "type", "target"]] + [["a", p, "b"] for p in PAYLOADS]
    package = write_package(tmp_path / "types", {"ties": rows}, "csv")
    with pytest.raises(InvalidPackage) as info:
        load_package(store, package)
    assert {(p.row, p.column) for p in info.value.problems} == {(i + 2, "type") for i in range(len(PAYLOADS))}
    assert fingerprint(store) == before


def test_payloads_as_cli_parameters(store: Store, tmp_path: Path) -> None:
    runner = CliRunner()
    url = _url(store)
    sample = Path(__file__).parent / "fixtures" / "mini"
    assert runner.invoke(app, ["load", str(sample), "--store", url]).exit_code == 0
    before = fingerprint(store)
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "villages.csv").write_text("id,name\nv-new,New\n", encoding="utf-8")
    for p in PAYLOADS:
        result = runner.invoke(app, ["query", "evidence", "-p", f"ngo={p}", "--store", url, "--format", "json"])
        assert result.exit_code == 0, (p, result.output)
        assert result.stdout.strip() == "[]", p
        unknown = runner.invoke(app, ["query", p, "--store", url])
        assert unknown.exit_code != 0 and "Traceback" not in unknown.output, p
        dry = runner.invoke(app, ["load", str(fresh), "--store", url, "--name", p, "--dry-run"])
        assert dry.exit_code == 0 and "dry run" in dry.stdout, (p, dry.output)
    assert fingerprint(store) == before
