"""Start-up benchmark: how long the command line takes in a fresh process (issue 16).

- ``graphmodel --help`` and ``graphmodel queries`` (goal: 0.3 s each);
- one point query (``access_paths`` for one NGO) on the embedded store, end to end, in a
  fresh process (goal: 1 s at the medium size): ``cold``, the process starts the store's
  server, which reads the graph from disk, and stops it (``GRAPHMODEL_LINGER=0``); ``warm``,
  the server a previous command left running (the CLI's default, ``GRAPHMODEL_LINGER``) answers;
- the same query in an open store, as the shell and notebooks run it (goal: milliseconds).

Every figure is the median wall time of ``runs`` fresh processes, with the load average.
"""

from __future__ import annotations

import os
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
    return out
