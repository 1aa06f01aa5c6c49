"""The redaction policy (docs/redaction.md), checked over every command that prints data.

The package is ``mini`` with every identifying value replaced by a marker that cannot
occur by chance (``zzid3x``, ``zzname3x``, ``秘名3``, ``zzcounty``, ``zzrole1x``, ...),
and with month-precise dates: after ``--redact`` no marker and no date finer than a
year may appear anywhere in the output of ``query`` (every library query, and user
queries returning nodes, maps, relationships and paths), ``status``, ``metrics``
(every metric), ``export`` (every format) and ``view``, on both stores.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.commands.metrics import METRICS
from graphmodel.queries import library
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

FIXTURES = Path(__file__).parent / "fixtures"
#: Columns whose cells are ids, anywhere in mini (codes.code is a motivation: the public codebook).
ID_COLUMNS = {"id", "source", "target", "organization", "on_behalf_of", "interview", "ngo", "evidence"}
#: Dates finer than a year: each must come out as its year.
FINE_DATES = {"2010-05", "2010-06", "2009-03", "2008-07-15"}
USER_QUERIES = {
    "node": "MATCH (i:Interview) RETURN i ORDER BY i.id",
    "map": "MATCH (i:Interview) RETURN i {.*} AS interview ORDER BY i.id",
    "properties": "MATCH (v:Village) RETURN properties(v) AS p ORDER BY v.id",
    "relationship": "MATCH ()-[r:SUPPORTS]->() RETURN r",
    "path": "MATCH p = (:Agency)-[:MOBILIZES*1..3]->(:Village) RETURN p",
    "plain columns": "MATCH (i:Interview) RETURN i.role AS role, i.date AS when, i.id AS who, i.name AS label",
    "agency places": "MATCH (a:Agency) RETURN a.county AS county, a.name_zh AS zh, a.system AS system, a.province AS province",
}


def _markers(package: Path) -> set[str]:
    """Rewrite ``package`` (a copy of mini) with markers; return every marker written."""
    tables = {p.stem: list(csv.reader(p.read_text(encoding="utf-8").splitlines())) for p in package.glob("*.csv")}
    ids: dict[str, str] = {}
    for name, rows in tables.items():
        if name != "motivations":
            for row in rows[1:]:
                ids.setdefault(row[0], f"zzid{len(ids)}x")
    markers = set(ids.values())
    for name, rows in tables.items():
        header = rows[0]
        for n, row in enumerate(rows[1:], start=1):
            for index, column in enumerate(header):
                value = row[index] if index < len(row) else ""
                if not value:
                    continue
                if column in ID_COLUMNS and name != "motivations":
                    new = ";".join(ids.get(v, v) for v in value.split(";"))
                elif column in ("name", "name_zh") and name != "motivations":
                    new = f"zzname{n}{name}x" if column == "name" else f"秘名{n}{name}"
                elif column in ("county", "township"):
                    new = f"zz{column}"
                elif column == "role":
                    new = f"zzrole{n}x"
                elif column in ("note", "website"):
                    new = f"zz{column}{n}x"
                else:
                    continue
                row[index] = new
                markers |= set(new.split(";"))
        if name == "interviews":
            rows[1][header.index("date")] = "2008-07-15"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        (package / f"{name}.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return {m for m in markers if m.startswith(("zz", "秘"))}


def _leaks(text: str, secrets: set[str]) -> list[str]:
    forms = lambda s: {s, html.escape(s), json.dumps(s)[1:-1], json.dumps(s, ensure_ascii=False)[1:-1]}  # noqa: E731
    found = [s for s in sorted(secrets) if any(f in text for f in forms(s))]
    found += [d for d in sorted(FINE_DATES) if re.search(rf"(?<![\d-]){re.escape(d)}(?![\d])", text)]
    return found


@pytest.fixture
def marked(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, set[str], list[str]]:
    package = tmp_path / "zzpackage"
    shutil.copytree(FIXTURES / "mini", package)
    secrets = _markers(package) | {"zzpackage", str(package)}
    load_package(store, package)
    monkeypatch.delenv("GRAPHMODEL_REDACT_KEY", raising=False)
    monkeypatch.delenv("GRAPHMODEL_REDACT_KEY_FILE", raising=False)
    url = f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]
    return store, secrets, ["--store", url, "--redact", "--redact-key", str(tmp_path / "keys" / "redact.key")]


def test_the_markers_are_there_without_redact(marked: tuple[Store, set[str], list[str]]) -> None:
    """The check can fail: without --redact, markers and fine dates come out."""
    _, secrets, args = marked
    result = CliRunner().invoke(app, ["query", "evidence", "--format", "json", *args[:2]])
    assert result.exit_code == 0, result.output
    found = _leaks(result.stdout, secrets)
    assert any(f.startswith("zzid") for f in found) and any(f.startswith("zzrole") for f in found)
    assert "2009-03" in found


def test_every_output_command_redacts(marked: tuple[Store, set[str], list[str]], tmp_path: Path) -> None:
    store, secrets, args = marked
    ngo = store.run("MATCH (n:NGO) RETURN n.id ORDER BY n.id LIMIT 1").rows[0][0]
    agency = store.run("MATCH (a:Agency) RETURN a.id ORDER BY a.id LIMIT 1").rows[0][0]
    runner = CliRunner()
    outputs: dict[str, str] = {}
    for query in library().values():
        call = ["query", query.name, "--format", "json", *args]
        for name, param in query.params.items():
            if param.required:
                call += ["-p", f"{name}={ {'ngo': ngo, 'date': '2010', 'agency': agency}[name] }"]
        outputs[f"query {query.name}"] = _run(runner, call)
    for name, cypher in USER_QUERIES.items():
        path = tmp_path / f"{name.replace(' ', '_')}.cypher"
        path.write_text(f"// name: user\n// description: A user's query.\n{cypher}\n", encoding="utf-8")
        for fmt in ("json", "csv", "table"):
            outputs[f"user query {name} ({fmt})"] = _run(runner, ["query", str(path), "--format", fmt, *args])
    outputs["status"] = _run(runner, ["status", *args])
    for metric in METRICS:
        outputs[f"metrics {metric}"] = _run(runner, ["metrics", metric, "--format", "csv", *args])
    for fmt in ("graphml", "gexf", "csv"):
        target = tmp_path / f"export-{fmt}" / ("out" if fmt == "csv" else f"g.{fmt}")
        target.parent.mkdir()
        _run(runner, ["export", "--output", str(target), "--format", fmt, *args])
        files = sorted(target.glob("*")) if target.is_dir() else [target]
        outputs[f"export {fmt}"] = "".join(f.read_text(encoding="utf-8") for f in files)
    for extra in ([], ["--ngo", ngo]):
        page = tmp_path / "view.html"
        _run(runner, ["view", str(page), *extra, *args])
        outputs[f"view {extra}"] = page.read_text(encoding="utf-8")
    leaks = {name: _leaks(text, secrets) for name, text in outputs.items()}
    assert {name: found for name, found in leaks.items() if found} == {}
    # the structure survives: provinces, years and pseudonyms are there
    assert "Yunnan" in outputs["user query agency places (json)"]
    assert '"2008"' in outputs["user query node (json)"] and "role-" in outputs["user query node (json)"]
    assert "PLACE-" in outputs["user query agency places (json)"]


def _run(runner: CliRunner, call: list[str]) -> str:
    result = runner.invoke(app, call)
    assert result.exit_code == 0, (call, result.output, result.stderr)
    return result.stdout


def test_keep_places_keeps_them(marked: tuple[Store, set[str], list[str]], tmp_path: Path) -> None:
    _, _, args = marked
    path = tmp_path / "places.cypher"
    path.write_text(f"// name: places\n// description: x.\n{USER_QUERIES['agency places']}\n", encoding="utf-8")
    kept = _run(CliRunner(), ["query", str(path), "--format", "json", "--keep-places", *args])
    assert "zzcounty" in kept and "zzname" not in kept and "秘名" not in kept


def test_the_key_is_where_the_user_says(
    marked: tuple[Store, set[str], list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a key, --redact refuses (nothing written in $HOME); with --redact-key the file is made there, 0600."""
    _, _, args = marked
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    result = CliRunner().invoke(app, ["query", "sample_profile", *args[:3]])
    assert result.exit_code == 1
    assert "redaction needs a key" in " ".join(result.stderr.split())
    assert list(home.iterdir()) == []
    key_file = Path(args[-1])
    first = _run(CliRunner(), ["query", "evidence", "--format", "json", *args])
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600
    assert _run(CliRunner(), ["query", "evidence", "--format", "json", *args]) == first  # stable
    other = [*args[:-1], str(tmp_path / "other.key")]
    assert _run(CliRunner(), ["query", "evidence", "--format", "json", *other]) != first  # keyed
