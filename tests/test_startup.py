"""Start-up: what the quick commands import (timings are in bench/startup.py, not here).

Each test runs the command line in a fresh interpreter and lists the modules it imported:
a command that lists or looks something up must not pay for the store layer, the loader,
pandas, NetworkX or pydantic (each 0.1-0.2 s of every start).
"""

from __future__ import annotations

import json
import os
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


# The query and cypher commands start an embedded store's server before their imports
# (graphmodel.launch); the command then connects to it, or, failing first, stops it.


def _saved_store(path: Path) -> Path:
    from graphmodel.stores.embedded import EmbeddedStore

    with EmbeddedStore(path) as store:
        store.run("CREATE (:NGO {id: 'ngo-1', name: '绿色家园'})", write=True)
    return path


def _server_pid(path: Path) -> int | None:
    from graphmodel.stores.falkordb_server import server_state

    state = server_state(path)
    return None if state is None else int(state["pid"])


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, exited but not yet reaped, does not)."""
    try:
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def test_a_prestarted_server_is_the_one_the_store_opens_and_stops(tmp_path: Path) -> None:
    from graphmodel.stores import falkordb_server
    from graphmodel.stores.embedded import EmbeddedStore

    store_path = _saved_store(tmp_path / "g")
    assert _server_pid(store_path) is None
    assert falkordb_server.prestart(store_path)
    pid = _server_pid(store_path)
    assert pid is not None
    assert not falkordb_server.prestart(store_path)  # once is enough
    with EmbeddedStore(store_path) as store:
        assert store.server_pid() == pid  # connected to it, not a second server
        assert store.run("MATCH (n:NGO) RETURN n.name").rows == [("绿色家园",)]
        assert not falkordb_server._PRESTARTED
    assert _server_pid(store_path) is None  # the process that started it, last to close, stopped it


def test_nothing_is_prestarted_without_a_graph_or_when_a_server_runs(tmp_path: Path) -> None:
    from graphmodel.stores import falkordb_server
    from graphmodel.stores.embedded import EmbeddedStore

    assert not falkordb_server.prestart(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()  # not created
    store_path = _saved_store(tmp_path / "g")
    with EmbeddedStore(store_path) as store:
        assert not falkordb_server.prestart(store_path)
        assert store.run("MATCH (n) RETURN count(n)").rows == [(1,)]


def test_a_prestarted_server_nobody_opens_is_stopped_when_the_process_exits(tmp_path: Path) -> None:
    store_path = _saved_store(tmp_path / "g")
    script = (
        "import sys\n"
        "from graphmodel.stores.falkordb_server import prestart, server_state\n"
        "assert prestart(sys.argv[1])\n"
        "print(server_state(sys.argv[1])['pid'], flush=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, str(store_path)], capture_output=True, text=True, check=True)
    pid = int(done.stdout.strip())
    assert _server_pid(store_path) is None
    assert not _alive(pid)


def test_a_query_command_reads_a_cold_store_and_leaves_no_server(tmp_path: Path) -> None:
    store_path = _saved_store(tmp_path / "g")
    env = {**os.environ, "GRAPHMODEL_LINGER": "0"}
    command = [sys.executable, "-m", "graphmodel", "cypher", "--store", f"embedded:{store_path}", "--format", "csv"]
    done = subprocess.run(
        [*command, "MATCH (n:NGO {id: $id}) RETURN n.name AS name", "-p", "id=ngo-1"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["name", "绿色家园"]
    assert _server_pid(store_path) is None
    # a command that fails before it opens the store stops the server it started
    failed = subprocess.run(
        [sys.executable, "-m", "graphmodel", "query", "no_such_query", "--store", f"embedded:{store_path}"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode == 1 and "no_such_query" in failed.stderr
    assert _server_pid(store_path) is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["query", "q", "--store", "embedded:/g"], "embedded:/g"),
        (["query", "q", "-s", "embedded:/g"], "embedded:/g"),
        (["query", "q", "-sembedded:/g"], "embedded:/g"),
        (["cypher", "--store=embedded:/g", "RETURN 1"], "embedded:/g"),
        (["query", "q", "-p", "x=1"], None),
    ],
)
def test_the_launcher_reads_the_store_option_as_click_does(args: list[str], expected: str | None) -> None:
    from graphmodel.launch import store_option

    assert store_option(args[1:]) == expected


def test_a_point_query_imports_no_pydantic_networkx_or_pandas(tmp_path: Path) -> None:
    store_path = _saved_store(tmp_path / "g")
    args = ["cypher", "MATCH (n:NGO {id: $id}) RETURN n.name AS name", "-p", "id=ngo-1", "--format", "csv"]
    stdout, modules = imported_by([*args, "--store", f"embedded:{store_path}"], tmp_path)
    assert stdout.splitlines() == ["name", "绿色家园"]  # the options (text, repeated -p) arrived as given
    assert "graphmodel.stores.embedded" in modules
    assert not {"pydantic", "networkx", "pandas", "numpy"} & modules
