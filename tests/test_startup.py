"""Start-up: what the quick commands import (timings are in bench/startup.py, not here).

Each test runs the command line in a fresh interpreter and lists the modules it imported:
a command that lists or looks something up must not pay for the store layer, the loader,
pandas, NetworkX or pydantic (each 0.1-0.2 s of every start).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

#: Modules the listing commands must not import (a prefix matches its submodules).
HEAVY = (
    "networkx",
    "pandas",
    "numpy",
    "pydantic",
    "redis",
    "falkordb",
    "neo4j",
    "graphmodel.stores",
    "graphmodel.engine",
    "graphmodel.loaders",
    "graphmodel.metrics",
    "graphmodel.export",
)

RUN_AND_LIST = """
import json, runpy, sys
sys.argv = ["graphmodel", *json.loads(sys.argv[1])]
try:
    runpy.run_module("graphmodel", run_name="__main__")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open(OUT, "w") as fh:
    json.dump({"code": code, "modules": sorted(sys.modules)}, fh)
"""


def imported_by(args: list[str], tmp_path: Path, *, code: int = 0) -> tuple[str, set[str]]:
    """Run ``graphmodel ARGS`` in a fresh interpreter: its standard output and every module it imported."""
    out = tmp_path / "modules.json"
    script = RUN_AND_LIST.replace("OUT", repr(str(out)))
    done = subprocess.run(
        [sys.executable, "-c", script, json.dumps(args)], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    body = json.loads(out.read_text(encoding="utf-8"))
    assert (body["code"] or 0) == code, done.stderr
    return done.stdout, set(body["modules"])


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


@pytest.mark.parametrize("args", [["queries"], ["--help"], ["query", "access-paths", "--help"]])
def test_listing_commands_import_nothing_heavy(args: list[str], tmp_path: Path) -> None:
    stdout, modules = imported_by(args, tmp_path)
    assert "access_paths" in stdout or "access-paths" in stdout or "Usage" in stdout
    assert heavy(modules) == []


def test_the_listing_still_reads_every_query(tmp_path: Path) -> None:
    from graphmodel.queries import library

    stdout, modules = imported_by(["queries"], tmp_path)
    assert "graphmodel.queries" in modules
    for name in library():
        assert name in stdout


def test_the_check_sees_a_heavy_import(tmp_path: Path) -> None:
    """The check above can fail: a command that does import the store layer is caught."""
    _, modules = imported_by(
        ["query", "access_paths", "-p", "ngo=x", "--store", f"embedded:{tmp_path}/no"], tmp_path, code=1
    )
    assert "graphmodel.stores" in heavy(modules)
