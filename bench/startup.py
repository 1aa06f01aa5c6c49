"""Start-up benchmark: how long the command line takes in a fresh process (issue 16).

- ``graphmodel --help`` and ``graphmodel queries`` (goal: 0.3 s each);
- one point query (``access_paths`` for one NGO) on the embedded store, end to end, in a
  fresh process (goal: 1 s at the medium size): ``cold``, the process starts the store's
  server, which reads the graph from disk, and stops it (``GRAPHMODEL_LINGER=0``); ``warm``,
  the server a previous command left running (the CLI's default, ``GRAPHMODEL_LINGER``) answers;
- the same query in an open store, as the shell and notebooks run it (goal: milliseconds);
- where a cold point query's time goes (``point_query_cold_parts``): the same steps as the
  command, timed one by one in a fresh process (:func:`parts`): the interpreter starting,
  the imports and the query library, spawning the server, the server reading the graph
  from disk (until it answers; its own log's figure beside it), the query, the output and
  stopping the server.

Every figure is the median wall time of ``runs`` fresh processes, with the load average.
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import load_average, log, median

GOALS_S = {"help": 0.3, "queries": 0.3, "point_query_cold": 1.0, "point_query_warm": 1.0}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _wall(args: list[str], runs: int, cwd: Path, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (user + system, the command's process only) of each run.

    CPU time barely moves with the machine's load; wall time does (2 cores shared by several users).
    The store server's CPU is not counted: it is not this process's child once it daemonizes.
    """
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_before = time.perf_counter(), _cpu()
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_before)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stderr[-2000:]}")
    return times, cpu


def run(package: Path, tmp: Path, runs: int) -> dict[str, Any]:
    """Load ``package`` into an embedded store under ``tmp``, then time the commands."""
    from graphmodel.api import load_package
    from graphmodel.queries import run_query
    from graphmodel.stores.embedded import EmbeddedStore

    cli = [sys.executable, "-m", "graphmodel"]
    store_path = tmp / "startup-store"
    log("startup: loading the package into an embedded store")
    with EmbeddedStore(store_path) as store:
        load_package(store, package)
        ngo = str(store.run("MATCH (n:NGO) RETURN n.id AS id ORDER BY id LIMIT 1").rows[0][0])
        params = {"ngo": ngo}
        run_query(store, "access_paths", params)  # warm
        in_shell = []
        for _ in range(max(runs, 5)):  # milliseconds each: always a few
            started = time.perf_counter()
            run_query(store, "access_paths", params)
            in_shell.append(time.perf_counter() - started)
    url = f"embedded:{store_path}"
    measured: dict[str, tuple[list[float], list[float]]] = {}
    loads: dict[str, list[float]] = {}
    point = [*cli, "query", "access_paths", "-p", f"ngo={ngo}", "--store", url, "--format", "csv"]
    cold = {**os.environ, "GRAPHMODEL_LINGER": "0"}
    warm = {**os.environ, "GRAPHMODEL_LINGER": "60"}
    for name, args, env in (
        ("help", [*cli, "--help"], cold),
        ("queries", [*cli, "queries"], cold),
        ("point_query_cold", point, cold),
        ("point_query_warm", point, warm),
    ):
        log(f"startup: {name}")
        if name == "point_query_warm":
            _wall(point, 1, tmp, warm)  # the command before: starts the server, which stays
        loads[name] = load_average()
        measured[name] = _wall(args, runs, tmp, env)
    _wall(point, 1, tmp, cold)  # the last user, lingering 0: stops the server
    out: dict[str, Any] = {
        "ngo": ngo,
        "store_mib": round(sum(p.stat().st_size for p in store_path.rglob("*") if p.is_file()) / 2**20, 1),
    }
    for name, (times, cpu) in measured.items():
        out[name] = {
            "median_s": round(median(times), 3),
            "runs_s": [round(t, 3) for t in times],
            "median_cpu_s": round(median(cpu), 3),
            "goal_s": GOALS_S[name],
            "meets_goal": median(times) <= GOALS_S[name],
            "load_average": loads[name],
        }
    out["point_query_open_store"] = {"median_ms": round(median(in_shell) * 1000, 2), "runs": len(in_shell)}
    log("startup: point_query_cold_parts")
    load = load_average()
    split = [_parts_in_fresh_process(store_path, ngo) for _ in range(runs)]
    out["point_query_cold_parts"] = {
        **{name: round(median([s[name] for s in split if name in s]), 3) for name in split[0]},
        "runs": len(split),
        "load_average": load,
    }
    return out


def _parts_in_fresh_process(store: Path, ngo: str) -> dict[str, float]:
    # the clock is read first thing, before the bench package's own imports
    script = (
        "import time; first = time.time()\n"
        "import json, sys\n"
        "from pathlib import Path\n"
        "from bench.startup import parts\n"
        "print(json.dumps(parts(Path(sys.argv[1]), sys.argv[2], float(sys.argv[3]), first)))\n"
    )
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-c", script, str(store), ngo, repr(started)],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )
    if done.returncode:
        raise RuntimeError(f"startup parts failed: {done.stderr[-2000:]}")
    return dict(json.loads(done.stdout.splitlines()[-1]))


def parts(store: Path, ngo: str, spawned_at: float, first: float) -> dict[str, float]:
    """A cold point query's steps, timed in this (fresh) process; the store's server must not be running.

    The steps are those of ``graphmodel query access_paths -p ngo=NGO --format csv`` with
    ``GRAPHMODEL_LINGER=0``, in the command's order, but each run to its end before the next.
    """
    times: dict[str, float] = {"interpreter_s": first - spawned_at}
    clock = time.perf_counter()  # the bench's own imports, since ``first``, are not counted

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        times[name] = now - clock
        clock = now

    import falkordb  # noqa: F401 - the command imports the client while the server loads: counted here

    import graphmodel.cli  # noqa: F401 - what the command line imports first
    from graphmodel.output import to_csv
    from graphmodel.queries import find_query, run_query
    from graphmodel.stores.embedded import EmbeddedStore
    from graphmodel.stores.falkordb_server import LOG_FILE, STATE_FILE, _connect, _start, server_state

    query = find_query("access_paths")
    params = query.bind({"ngo": ngo})
    lap("imports_and_library_s")
    if server_state(store) is not None:
        raise RuntimeError(f"the server of {store} is running: a cold start needs it stopped")
    log_file = store / LOG_FILE
    offset = log_file.stat().st_size if log_file.exists() else 0
    state = _start(store, None, 60.0)  # the server process, until its socket exists
    lap("server_spawn_s")
    client, _ = _connect(Path(state["socket"]), 60.0, int(state["pid"]), log_file)
    client.close()  # the server has read the graph from disk: it answers
    lap("server_load_s")
    db = EmbeddedStore(store)  # attaches to it, as the command's own connection
    lap("connect_s")
    result = run_query(db, query, params)
    lap("query_s")
    with open(os.devnull, "w", encoding="utf-8") as sink:
        sink.write(to_csv(result))
    lap("output_s")
    db.close()  # the last user: stops the server
    lap("stop_s")
    times["total_s"] = sum(times.values())
    tail = _tail(log_file, offset)
    logged = re.findall(r"DB loaded from [^:]*: ([\d.]+) seconds", tail)
    if logged:  # the server's own figure for reading the graph (without starting and module loading)
        times["server_log_load_s"] = float(logged[0])
    stamps = re.findall(r" (\d\d):(\d\d):([\d.]+) \* <module> (?:Graph \S+ Constructing indexes|Done decoding)", tail)
    if len(stamps) >= 2:  # of which rebuilding the indexes (FalkorDB does not keep them in the snapshot)
        start, end = ((int(h) * 60 + int(m)) * 60 + float(s) for h, m, s in stamps[:2])
        times["server_log_indexes_s"] = round(end - start, 3)
    if (store / STATE_FILE).exists():
        raise RuntimeError("the server was not stopped")
    return times


def _tail(path: Path, offset: int) -> str:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read().decode("utf-8", "replace")
