"""Respondent privacy: ``--redact`` output holds no original name, id or note.

The sample (whose codes carry notes on what interviewees said) is loaded;
every library query runs with ``--redact``, the graph is exported redacted, and a
redacted view is written. No id or name of an actor or interview, no respondent
role, and no note may appear in any of them, raw or escaped as HTML or JSON.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graphmodel
from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.export import to_networkx, write_graph
from graphmodel.queries import library
from graphmodel.redact import PUBLIC_LABELS, pseudonym, redact_graph, redact_result
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Result, Store
from graphmodel.stores.embedded import EmbeddedStore

#: Values for required query parameters (inputs, not outputs; the outputs are checked).
PARAMS = {"ngo": "ngo-y01", "date": "2010", "agency": "ag-yn-lq-wf"}


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHMODEL_REDACT_KEY", "test-key-not-secret")


def _url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def originals(store: Store) -> set[str]:
    """Every string that must not survive redaction (roles: as whole values, see :func:`leaks`)."""
    found: set[str] = set()
    for labels, props in store.run(cy.all_nodes(load_schema())).rows:
        if set(labels) & {*PUBLIC_LABELS, "Package", "Graph"}:  # system labels hold no fieldwork
            continue
        found |= {str(props[k]) for k in ("id", "name", "name_zh") if props.get(k)}
        if "Interview" in labels and props.get("role"):
            found.add(f'"{props["role"]}"')  # "staff" is also part of a column name: match whole values
        found |= {str(props[k]) for k in ("note", "excerpt", "position") if props.get(k)}
    for _, _, _, props in store.run(cy.all_ties(load_schema())).rows:
        found |= {str(props[k]) for k in ("note", "excerpt", "position") if props.get(k)}
    return found


def check_page(text: str, secrets: set[str]) -> list[str]:
    """Leaks in an HTML view; the legend quotes the schema's descriptions, whose example id Y134 is public."""
    schema_text = (Path(graphmodel.__file__).parent / "schema.yaml").read_text(encoding="utf-8")
    return [s for s in leaks(text, secrets) if s not in schema_text]


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets found in ``text``, raw or escaped; a quoted secret matches only a whole JSON value."""
    whole = {s for s in secrets if s.startswith('"')}
    found = sorted(s for s in whole if s in text or s.strip('"') in text.split(","))
    secrets = secrets - whole
    forms = {
        s: {
            s,
            html.escape(s),
            html.escape(s, quote=False),
            json.dumps(s)[1:-1],
            json.dumps(s, ensure_ascii=False)[1:-1],
        }
        for s in secrets
    }
    return found + sorted(s for s, variants in forms.items() if any(v in text for v in variants))


@pytest.fixture
def loaded(store: Store) -> Store:
    load_package(store, sample_path(), name="paper")
    return store


def test_the_check_can_fail(loaded: Store) -> None:
    secrets = originals(loaded)
    # hand-checked members: an NGO id, an interview id, a Chinese name, a note from codes.csv row 3, a role
    assert {
        "ngo-y01",
        "Y134",
        "山泉生态中心",
        "Joint work with government expected to help more people.",
        '"founder and director"',
    } <= secrets
    result = CliRunner().invoke(app, ["query", "evidence", "--store", _url(loaded), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "Y134" in leaks(result.stdout, secrets)


def test_every_library_query_redacted(loaded: Store) -> None:
    secrets = originals(loaded)
    runner = CliRunner()
    for query in library().values():
        args = ["query", query.name, "--store", _url(loaded), "--format", "json", "--redact"]
        for name, param in query.params.items():
            if param.required:
                args += ["-p", f"{name}={PARAMS[name]}"]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (query.name, result.output)
        assert json.loads(result.stdout) is not None
        assert leaks(result.stdout, secrets) == [], query.name


def test_redacted_export_and_view(loaded: Store, tmp_path: Path) -> None:
    secrets = originals(loaded)
    graph = to_networkx(loaded)
    redacted = redact_graph(graph)
    assert redacted.number_of_nodes() == graph.number_of_nodes()
    assert redacted.number_of_edges() == graph.number_of_edges()
    for fmt, target in (("graphml", tmp_path / "g.graphml"), ("gexf", tmp_path / "g.gexf"), ("csv", tmp_path / "csv")):
        files = write_graph(redacted, target, fmt)
        for file in files:
            assert leaks(Path(file).read_text(encoding="utf-8"), secrets) == [], file
    page = tmp_path / "view.html"
    result = CliRunner().invoke(app, ["view", str(page), "--store", _url(loaded), "--redact"])
    assert result.exit_code == 0, result.output
    assert check_page(page.read_text(encoding="utf-8"), secrets) == []
    # the NGO-focused view finds the NGO by its original id
    focused = CliRunner().invoke(app, ["view", str(page), "--store", _url(loaded), "--redact", "--ngo", "ngo-y01"])
    assert focused.exit_code == 0, focused.output
    assert pseudonym("ngo-y01") in page.read_text(encoding="utf-8")
    assert check_page(page.read_text(encoding="utf-8"), secrets) == []


def test_pseudonyms_are_stable_and_keyed(monkeypatch: pytest.MonkeyPatch) -> None:
    result = Result(["ngo", "name"], [("ngo-y01", "Mountain Spring Ecology Centre")])
    first, second = redact_result(result), redact_result(result)
    assert first == second
    monkeypatch.setenv("GRAPHMODEL_REDACT_KEY", "another-key")
    assert redact_result(result).rows != first.rows
    assert "ngo-y01" not in first.rows[0][0] and first.rows[0][0].startswith("ID-")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "csv"])
def test_export_command_redacts(loaded: Store, tmp_path: Path, fmt: str) -> None:
    secrets = originals(loaded)
    target = tmp_path / ("out" if fmt == "csv" else f"g.{fmt}")
    result = CliRunner().invoke(
        app, ["export", "--output", str(target), "--format", fmt, "--store", _url(loaded), "--redact"]
    )
    assert result.exit_code == 0, result.output
    files = sorted(target.glob("*")) if target.is_dir() else [target]
    assert files
    for file in files:
        assert leaks(file.read_text(encoding="utf-8"), secrets) == [], file
    plain_export = CliRunner().invoke(app, ["export", "--output", str(tmp_path / "p.graphml"), "--store", _url(loaded)])
    assert plain_export.exit_code == 0
    assert "ngo-y01" in (tmp_path / "p.graphml").read_text(encoding="utf-8")  # without --redact the ids are there
