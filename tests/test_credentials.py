"""Credentials never show: not in output, errors, logs or store descriptions; no defaults anywhere."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from graphmodel.cli import app
from graphmodel.errors import StoreError
from graphmodel.settings import Neo4jSettings
from graphmodel.stores.base import Store
from graphmodel.stores.neo4j import Neo4jStore

ROOT = Path(__file__).resolve().parents[1]
WRONG = "wrong-Pa55word-that-must-not-leak"


def _output(result: object) -> str:
    return str(getattr(result, "output", "")) + str(getattr(result, "stderr", ""))


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_password_not_printed_on_success(store: Store) -> None:
    password = os.environ["NEO4J_PASSWORD"]
    assert password not in store.description
    result = CliRunner().invoke(app, ["status", "--store", os.environ["NEO4J_URI"]])
    assert result.exit_code == 0, result.output
    assert password not in _output(result)


@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_password_not_printed_or_logged_on_auth_failure(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", WRONG)
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["status", "--store", os.environ["NEO4J_URI"]])
    assert result.exit_code != 0
    assert "authentication failed" in _output(result)
    assert WRONG not in _output(result)
    assert WRONG not in caplog.text


def test_password_not_printed_or_logged_on_connection_failure(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", WRONG)
    with caplog.at_level(logging.DEBUG):
        result = CliRunner().invoke(app, ["status", "--store", "bolt://127.0.0.1:1"])
    assert result.exit_code != 0
    assert "cannot connect" in _output(result)
    assert WRONG not in _output(result) and WRONG not in caplog.text


def test_credentials_in_the_uri_are_refused_without_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEO4J_PASSWORD", "irrelevant")
    result = CliRunner().invoke(app, ["status", "--store", f"bolt://neo4j:{WRONG}@127.0.0.1:1"])
    assert result.exit_code != 0
    assert "not in the URI" in _output(result)
    assert WRONG not in _output(result)
    with pytest.raises(StoreError) as info:
        Neo4jStore(Neo4jSettings(uri=f"neo4j+s://u:{WRONG}@example.org", password="x"))
    assert WRONG not in str(info.value)


def test_settings_repr_hides_the_password() -> None:
    settings = Neo4jSettings.from_env({"NEO4J_URI": "bolt://h:7687", "NEO4J_PASSWORD": WRONG})
    assert WRONG not in repr(settings) and WRONG not in str(settings)


def test_compose_binds_loopback_and_has_no_default_password() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
        auth = service.get("environment", {}).get("NEO4J_AUTH", "")
        # ${VAR:?message} makes compose refuse to start without it; ${VAR:-x} or a literal would be a default
        assert re.fullmatch(r"neo4j/\$\{NEO4J_PASSWORD:\?[^}]*\}", auth), auth
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(r"^NEO4J_PASSWORD=$", example, re.MULTILINE), "the example must not carry a usable password"


def test_no_password_written_into_tracked_files() -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    pattern = re.compile(r"NEO4J_PASSWORD\s*[=:]\s*['\"]?[A-Za-z0-9]{6,}|auth=\(\s*['\"]neo4j['\"]\s*,\s*['\"]")
    hits = []
    for name in files:
        path = ROOT / name
        if path.suffix in (".py", ".yml", ".yaml", ".md", ".toml", ".cfg", ".ini", ".sh", "") and path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            hits += [f"{name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert hits == []
