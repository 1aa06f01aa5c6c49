"""load-qda joins codes to motivations already in the graph by name, and says which it creates and why."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store
from loaders.qda import code_report, load_qda
from tests.test_qda import make_qdpx


def _motivations(store: Store) -> dict[str, str]:
    return dict(store.run("MATCH (m:Motivation) RETURN m.id, m._package").rows)


def test_a_code_named_like_an_existing_motivation_joins_it(store: Store, tmp_path: Path) -> None:
    load_package(store, sample_path(), name="paper")
    # the paper's motivation "Public trust" has the id public_trust; give it another id so only the name matches
    store.run("MATCH (m:Motivation {id: 'public_trust'}) SET m.id = 'trust'", write=True)
    before = _motivations(store)
    path = make_qdpx(tmp_path / "coding.qdpx")
    lines = code_report(store, path, only_under="Motivations")
    assert "code 'Public trust': the existing motivation 'trust' (same name)" in lines
    assert any(line.startswith("code 'Access to villages': a new motivation 'access_to_villages'") for line in lines)
    load_qda(store, path, only_under="Motivations")
    after = _motivations(store)
    assert set(after) - set(before) == {"access_to_villages"}  # no second "Public trust"
    mentioned = store.run("MATCH (:Interview {id: 'Y900'})-[:MENTIONS]->(m:Motivation) RETURN m.id ORDER BY m.id").rows
    assert mentioned == [("access_to_villages",), ("trust",)]


def test_the_cli_says_what_it_creates(tmp_path: Path) -> None:
    url = f"embedded:{tmp_path / 'g'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "-s", url]).exit_code == 0
    result = runner.invoke(
        app, ["load-qda", str(make_qdpx(tmp_path / "c.qdpx")), "--only-under", "Motivations", "-s", url, "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "a new motivation 'access_to_villages' (no motivation in the graph has this id or name)" in result.stderr
