"""The command line, end to end on the embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphmodel.cli import app

FIXTURES = Path(__file__).parent / "fixtures"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"embedded:{tmp_path / 'graph'}"


def test_load_then_reload_reports_no_change(runner: CliRunner, store_url: str) -> None:
    first = runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", store_url])
    assert first.exit_code == 0, first.output
    assert "MOBILIZES" in first.output
    second = runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", store_url])
    assert second.exit_code == 0
    assert "no change" in second.output


def test_bad_package_prints_every_problem_and_exits_non_zero(runner: CliRunner, store_url: str) -> None:
    result = runner.invoke(app, ["load", str(FIXTURES / "broken"), "--store", store_url])
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.count(":") >= 3 and ".csv:" in line]
    assert len(lines) == 27  # the 27 problems tests/test_validate.py lists for this fixture
    assert (
        "ngos.csv:4:registration: Input should be 'ngo', 'business' or 'unregistered' (got 'secret')" in result.stderr
    )
    assert "nothing was written" in result.stderr
    status = runner.invoke(app, ["status", "--store", store_url])
    assert "no packages loaded" in status.output


def test_query_formats(runner: CliRunner, store_url: str) -> None:
    runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", store_url])
    as_json = runner.invoke(
        app, ["query", "motivations", "-p", "by=province", "--store", store_url, "--format", "json"]
    )
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    # mini: ngo-a (Yunnan) codes public_trust and scale; ngo-b (Ningxia) codes public_trust
    assert {(r["group"], r["motivation"], r["ngos"]) for r in rows} == {
        ("Ningxia", "public_trust", 1),
        ("Ningxia", "scale", 0),
        ("Yunnan", "public_trust", 1),
        ("Yunnan", "scale", 1),
    }
    assert rows[0]["name_zh"] == "公信力"
    as_csv = runner.invoke(app, ["query", "motivations", "--store", store_url, "--format", "csv"])
    assert as_csv.stdout.splitlines()[0] == "group,motivation,name,name_zh,ngos,of_ngos,percent"
    assert "all,public_trust,Public trust,公信力,2,2,100.0" in as_csv.stdout


def test_query_errors_come_before_running(runner: CliRunner, store_url: str) -> None:
    unknown = runner.invoke(app, ["query", "motivations", "-p", "colour=red", "--store", store_url])
    assert unknown.exit_code == 1 and "has no parameter colour" in unknown.stderr
    bad = runner.invoke(app, ["query", "motivations", "-p", "round=two", "--store", store_url])
    assert bad.exit_code == 1 and "'two' is not a valid integer" in bad.stderr
    missing = runner.invoke(app, ["query", "no_such_query", "--store", store_url])
    assert missing.exit_code == 1 and "unknown query 'no_such_query'" in missing.stderr


def test_status_counts(runner: CliRunner, store_url: str) -> None:
    runner.invoke(app, ["load", str(FIXTURES / "mini"), "--store", store_url])
    result = runner.invoke(app, ["status", "--store", store_url])
    assert result.exit_code == 0
    counts = dict(
        (parts[1], parts[2])
        for line in result.stdout.splitlines()
        if len(parts := [p.strip() for p in line.split("│")]) > 3 and parts[2].isdigit()
    )
    assert counts[":NGO"] == "2" and counts["[:MOBILIZES]"] == "3" and counts["[:MENTIONS]"] == "3"
    assert "mini" in result.stdout


def test_unknown_store_is_a_clear_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["status", "--store", "postgres://x"])
    assert result.exit_code == 1 and "unknown store" in result.stderr


def test_installed_demo_prints_the_three_tables(tmp_path: Path) -> None:
    """The console script of the installed package runs the demo from an empty folder."""
    script = Path(sys.executable).parent / "graphmodel"
    if not script.exists():
        if IN_CI:
            pytest.fail(f"graphmodel is not installed next to {sys.executable}")
        pytest.skip("graphmodel's console script is not installed in this interpreter")
    env = {k: v for k, v in os.environ.items() if k not in ("GRAPHMODEL_STORE", "NEO4J_URI")}
    result = subprocess.run([str(script), "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Table 1" in result.stdout and "Table 3" in result.stdout
    public_trust = next(line for line in result.stdout.splitlines() if "Public trust" in line)
    assert "14" in public_trust and "64%" in public_trust
    # Table 4 from the survey data, with the printed change of local government set against the values.
    assert "Table 4" in result.stdout
    local = next(line for line in result.stdout.splitlines() if line.startswith("│ local government"))
    assert "80.3" in local and "68.7" in local and "-11.6" in local and "-11.5 *" in local
    flat = " ".join(result.stdout.split())
    assert "printed -11.5, but 68.7 - 80.3 = -11.6" in flat
    assert "sums to 6 NGOs in Ningxia and 8 in Hebei" in flat and "10.3" in flat
    assert (tmp_path / ".graphmodel" / "graph").is_dir()  # the project's store, which later commands read
