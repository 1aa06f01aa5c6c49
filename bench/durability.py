"""The cost of durable loads on the embedded store: append-only file against no persistence.

Each run loads the package into a fresh store twice over (a first load, then a reload of
the same package, which copies the graph, logs the copy and may rewrite the AOF), once per
mode, the modes alternating:

- ``durable``: the default (``appendonly yes``, ``appendfsync always``, each commit
  confirmed with ``WAITAOF``, the AOF rewritten after a load when it passes twice its base);
- ``no_persistence``: ``appendonly no``, the store before issue 15 (a snapshot only when the
  server stops; a crash loses every load since it started).

The time to close the store is timed too (the snapshot written at shutdown without AOF), and
the bytes on disk afterwards.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import log, median
from graphmodel.api import load_package

MODES: dict[str, dict[str, str]] = {"durable": {}, "no_persistence": {"appendonly": "no"}}


def _disk_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _one(folder: Path, package: Path, config: dict[str, str]) -> dict[str, float]:
    from graphmodel.stores.embedded import EmbeddedStore

    start = time.perf_counter()
    store = EmbeddedStore(folder, server_config=config)
    opened = time.perf_counter()
    load_package(store, package)
    loaded = time.perf_counter()
    load_package(store, package)
    reloaded = time.perf_counter()
    store.close()
    closed = time.perf_counter()
    return {
        "open_s": opened - start,
        "load_s": loaded - opened,
        "reload_s": reloaded - loaded,
        "close_s": closed - reloaded,
        "disk_bytes": _disk_bytes(folder),
    }


def run(package: Path, runs: int) -> dict[str, Any]:
    """Both modes, ``runs`` times each, alternating; medians and the durable/no-persistence ratios."""
    samples: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="gm-durability-") as tmp:
        for i in range(runs):
            for mode, config in MODES.items():
                log(f"durability: {mode} run {i + 1}/{runs}")
                samples[mode].append(_one(Path(tmp, f"{mode}{i}"), package, config))
    out: dict[str, Any] = {}
    for mode, rows in samples.items():
        out[mode] = {key: [round(r[key], 3) for r in rows] for key in rows[0]}
        out[mode]["median"] = {key: round(median([r[key] for r in rows]), 3) for key in rows[0]}
    durable, plain = out["durable"]["median"], out["no_persistence"]["median"]
    out["ratios"] = {
        f"{key}_durable_vs_none": round(durable[key] / plain[key], 3)
        for key in ("load_s", "reload_s")
        if plain[key] > 0
    }
    out["ratios"]["load_reload_close_durable_vs_none"] = round(
        sum(durable[k] for k in ("load_s", "reload_s", "close_s"))
        / sum(plain[k] for k in ("load_s", "reload_s", "close_s")),
        3,
    )
    return out
