"""Crashes, repeats and concurrency: a load applies whole or not at all, on both stores.

The loader runs as a real process (``python -m graphmodel load``) and is killed with
SIGKILL at many points, the commit included; four loaders run the same package at
once; Neo4j is restarted under a running load. Slow tests are marked ``slow``.

Kill points are placed with the test hook :class:`graphmodel.settings.LoadSettings` (``GRAPHMODEL_TEST_PAUSE_SECONDS``), which
pauses after each written statement so that a kill lands inside the write phase.
"""

from __future__ import annotations

import csv
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.engine.load import LoadOptions
from graphmodel.engine.plan import RemovalRules
from graphmodel.fingerprint import Fingerprint, fingerprint
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parents[1]
PAUSE_ENV = "GRAPHMODEL_TEST_PAUSE_SECONDS"
#: Loading the old package over the new removes two thirds of the ties: told to.
ALLOW = LoadOptions(rules=RemovalRules(allow_removals=True))
STAGE_ROWS_ENV = "GRAPHMODEL_STAGE_ROWS"
PACKAGE = "paper"


def store_url(store: Store) -> str:
    """The ``--store`` value that reaches the same graph from another process."""
    if isinstance(store, EmbeddedStore):
        return f"embedded:{store.path}"
    return os.environ["NEO4J_URI"]


def loader(
    path: Path, store: Store, pause: float = 0.0, name: str = PACKAGE, **kwargs: object
) -> subprocess.Popen[str]:
    """Start ``graphmodel load`` in its own process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if pause:
        env[PAUSE_ENV] = str(pause)
    return subprocess.Popen(
        [sys.executable, "-m", "graphmodel", "load", str(path), "--store", store_url(store), "--name", name],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )


def old_package(tmp_path: Path) -> Path:
    """The sample as an earlier version: every other name changed, two thirds of the ties missing,
    and one extra village, so loading the sample over it creates, updates and removes."""
    target = tmp_path / "old"
    shutil.copytree(sample_path(), target)
    for file in target.glob("*.csv"):
        with file.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        if file.stem == "ties":
            body = body[::3]
        elif "name" in header:
            column = header.index("name")
            body = [[*r[:column], r[column] + " (old)", *r[column + 1 :]] if i % 2 else r for i, r in enumerate(body)]
        if file.stem == "villages":
            body.append(["vil-old-only", "Old Only Village", "", "", "", "Yunnan"])
        with file.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *body])
    return target


def load_unit_started(store: Store) -> bool:
    """Whether another process is inside a load's atomic unit on ``store``."""
    if isinstance(store, EmbeddedStore):
        return store.pending_load()
    rows = store.run("SHOW TRANSACTIONS YIELD currentQuery RETURN currentQuery").rows
    return any(not str(q).startswith("SHOW TRANSACTIONS") for (q,) in rows)


def writes_pending(store: Store) -> bool:
    """Whether a load on ``store`` has written something it has not committed yet."""
    if isinstance(store, EmbeddedStore):
        return store.pending_load()  # the staging copy exists only inside apply()
    rows = store.run("SHOW TRANSACTIONS YIELD currentQuery, activeLockCount RETURN currentQuery, activeLockCount").rows
    # one lock is the :Package node's; more are the nodes and ties written so far
    return any(locks > 1 for query, locks in rows if not str(query).startswith("SHOW TRANSACTIONS"))


def wait_until(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {check}")
        time.sleep(0.01)


def test_the_old_package_really_differs(store: Store, tmp_path: Path) -> None:
    old = old_package(tmp_path)
    load_package(store, old, name=PACKAGE, options=ALLOW)
    report = load_package(store, sample_path(), name=PACKAGE)
    summary = {row[0]: row[1:4] for row in report.plan.summary()}
    # 41 villages in the sample; those at odd offsets 1, 3, ..., 39 were renamed (20); the extra one is removed
    assert summary["Village"] == (0, 20, 1)
    assert sum(created for created, _, _ in summary.values()) > 200  # two thirds of 400 ties come back


@pytest.mark.slow
def test_sigkill_at_many_points_leaves_old_or_new(store: Store, tmp_path: Path) -> None:
    old = old_package(tmp_path)
    load_package(store, sample_path(), name=PACKAGE)
    new_print = fingerprint(store)
    load_package(store, old, name=PACKAGE, options=ALLOW)
    old_print = fingerprint(store)
    assert old_print != new_print
    pause = 0.04
    # calibrate: how long the load's atomic unit lasts here under the hook, start to commit
    proc = loader(sample_path(), store, pause)
    wait_until(lambda: load_unit_started(store))
    started = time.monotonic()
    _, err = proc.communicate(timeout=120)
    unit = time.monotonic() - started
    assert proc.returncode == 0, err
    assert fingerprint(store) == new_print
    load_package(store, old, name=PACKAGE, options=ALLOW)
    # one kill before the load reaches the store (start-up, reading, validating)
    early = loader(sample_path(), store, pause)
    time.sleep(0.2)
    early.kill()
    early.wait()
    assert fingerprint(store) == old_print
    rng = random.Random(7)
    outcomes: list[str] = []
    mid_write = 0
    for fraction in (0.0, 0.3, 0.6, 0.9, 1.0, 1.1):
        proc = loader(sample_path(), store, pause)
        wait_until(lambda proc=proc: load_unit_started(store) or proc.poll() is not None)
        time.sleep(max(0.0, fraction * unit + rng.uniform(-0.03, 0.03)))
        mid_write += writes_pending(store)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = fingerprint(store)
        assert now in (old_print, new_print), f"partial graph after a kill at {fraction:.0%} of the load"
        outcomes.append("new" if now == new_print else "old")
        if now == new_print:
            load_package(store, old, name=PACKAGE, options=ALLOW)
            assert fingerprint(store) == old_print
    # the first kills land before the commit; whether the ones near the end land before or
    # after it depends on timing, and either outcome is right
    assert outcomes[0] == "old", outcomes
    assert mid_write >= 2, f"only {mid_write} kills landed between the first write and the commit: {outcomes}"
    rerun = loader(sample_path(), store)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert fingerprint(store) == new_print


def test_three_loads_of_the_sample_give_identical_fingerprints(store: Store) -> None:
    prints: list[Fingerprint] = []
    for _ in range(3):
        load_package(store, sample_path(), name=PACKAGE)
        prints.append(fingerprint(store))
    assert prints[0] == prints[1] == prints[2]


def _duplicates(store: Store) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    nodes = store.run("MATCH (n) WITH n.id AS id, count(*) AS c WHERE c > 1 RETURN id, c ORDER BY id").rows
    ties = store.run(
        "MATCH ()-[r]->() WITH type(r) AS t, r._key AS k, count(*) AS c WHERE c > 1 RETURN t, k, c ORDER BY t, k"
    ).rows
    return nodes, ties


@pytest.mark.slow
def test_four_concurrent_loaders_leave_no_duplicates(store: Store) -> None:
    load_package(store, sample_path(), name=PACKAGE)
    expected = fingerprint(store)
    counts = store.run("MATCH (n) RETURN count(n)").rows[0][0], store.run("MATCH ()-[r]->() RETURN count(r)").rows[0][0]
    if isinstance(store, EmbeddedStore):
        store.delete_all()
    else:
        store.run("MATCH (n) WHERE n.id <> '__graphmodel_test_suite__' DETACH DELETE n", write=True)
    procs = [loader(sample_path(), store) for _ in range(4)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    # exactly one of them wrote; the others found the graph up to date
    assert sum("no change" in out for out, _ in results) == 3, [out for out, _ in results]
    assert _duplicates(store) == ([], [])
    assert (
        store.run("MATCH (n) RETURN count(n)").rows[0][0],
        store.run("MATCH ()-[r]->() RETURN count(r)").rows[0][0],
    ) == counts
    assert fingerprint(store) == expected


def test_embedded_store_opened_by_four_processes_at_once_keeps_every_write(tmp_path: Path) -> None:
    """FalkorDBLite starts one redis-server per file; without the server lock, processes starting
    together each started their own server on the same file and the last to stop won."""
    script = (
        "import sys\n"
        "from graphmodel.stores.embedded import EmbeddedStore\n"
        "s = EmbeddedStore(sys.argv[1])\n"
        "s.run('CREATE (:Village {id: $id})', {'id': sys.argv[2]}, write=True)\n"
        "s.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    path = tmp_path / "shared"
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(path), f"v-{i}"], env=env, stderr=subprocess.PIPE)
        for i in range(4)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    with EmbeddedStore(path) as store:
        assert store.run("MATCH (v:Village) RETURN v.id ORDER BY v.id").rows == [("v-0",), ("v-1",), ("v-2",), ("v-3",)]


def _neo4j_local_restartable() -> str | None:
    """Why the Neo4j under test cannot be restarted by this test, or None if it can."""
    home, port = os.environ.get("GRAPHMODEL_NEO4J_HOME"), os.environ.get("GRAPHMODEL_NEO4J_BOLT_PORT")
    if not home or not port:
        return (
            "needs GRAPHMODEL_NEO4J_HOME and GRAPHMODEL_NEO4J_BOLT_PORT (a scripts/neo4j-local server on a fixed port)"
        )
    if str(urlsplit(os.environ.get("NEO4J_URI", "")).port) != port:
        return "NEO4J_URI is not the scripts/neo4j-local server on GRAPHMODEL_NEO4J_BOLT_PORT"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_neo4j_restart_during_a_load_retries_or_fails_cleanly(store: Store, tmp_path: Path) -> None:
    reason = _neo4j_local_restartable()
    if reason:
        pytest.skip(reason)
    old = old_package(tmp_path)
    load_package(store, sample_path(), name=PACKAGE)
    new_print = fingerprint(store)
    load_package(store, old, name=PACKAGE, options=ALLOW)
    old_print = fingerprint(store)
    proc = loader(sample_path(), store, pause=0.2)  # about 6 s of writes
    wait_until(lambda: load_unit_started(store))
    script = str(ROOT / "scripts" / "neo4j-local")
    subprocess.run([script, "stop"], check=True, capture_output=True)
    # a loaded 2-core machine can take minutes to start Neo4j; give it more than the script's default
    started = subprocess.run(
        [script, "start"],
        capture_output=True,
        text=True,
        timeout=330,
        env={**os.environ, "GRAPHMODEL_NEO4J_START_TIMEOUT": "300"},
    )
    assert started.returncode == 0, started.stderr[-2000:]
    out, err = proc.communicate(timeout=180)
    now = fingerprint(store)
    if proc.returncode == 0:  # the driver retried the whole transaction once the server was back
        assert now == new_print
    else:
        assert "the load was rolled back" in err and "Traceback" not in err, err
        assert now == old_print
    assert os.environ["NEO4J_PASSWORD"] not in out + err
    rerun = loader(sample_path(), store)
    rerun.communicate(timeout=120)
    assert rerun.returncode == 0
    assert fingerprint(store) == new_print


# ---------------------------------------------------------------------------- staged loads (Neo4j)


def staged_nodes(store: Store) -> int:
    return int(store.run(cy.count_staged(load_schema()), {"package": PACKAGE}).rows[0][0])


@pytest.mark.slow
@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_sigkill_while_staging_leaves_the_old_graph_and_a_rerun_cleans_up(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = fingerprint(store)
    monkeypatch.setenv(STAGE_ROWS_ENV, "0")
    load_package(store, sample_path(), name=PACKAGE)  # in one transaction, for comparison
    expected = fingerprint(store)
    store.run("MATCH (n) WHERE n.id <> '__graphmodel_test_suite__' DETACH DELETE n", write=True)
    monkeypatch.setenv(STAGE_ROWS_ENV, "1")  # the loaders below stage
    proc = loader(sample_path(), store, pause=0.05)
    wait_until(lambda: staged_nodes(store) > 0 or proc.poll() is not None)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert staged_nodes(store) > 0, "the kill should land while the load is staging"
    assert fingerprint(store) == empty  # nothing staged is live
    rerun = loader(sample_path(), store)
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert staged_nodes(store) == 0
    assert fingerprint(store) == expected


@pytest.mark.slow
@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_a_switch_that_fails_removes_what_it_staged(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STAGE_ROWS_ENV, "1")
    proc = loader(sample_path(), store, pause=0.05)
    wait_until(lambda: staged_nodes(store) > 0 or proc.poll() is not None)
    # meanwhile another package takes one of the ids being staged, so switching it live must fail
    store.run("CREATE (:Village {id: 'vil-yn-dashuijing', _package: 'other'})", write=True)
    interloper = fingerprint(store)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "the load was rolled back" in err and "vil-yn-dashuijing" in err and "Traceback" not in err, err
    assert staged_nodes(store) == 0
    assert fingerprint(store) == interloper


@pytest.mark.slow
@pytest.mark.parametrize("store", ["neo4j"], indirect=True)
def test_four_concurrent_staged_loaders_leave_no_duplicates(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    load_package(store, sample_path(), name=PACKAGE)
    expected = fingerprint(store)
    store.run("MATCH (n) WHERE n.id <> '__graphmodel_test_suite__' DETACH DELETE n", write=True)
    monkeypatch.setenv(STAGE_ROWS_ENV, "1")
    procs = [loader(sample_path(), store) for _ in range(4)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err for _, err in results]
    assert sum("no change" in out for out, _ in results) == 3, [out for out, _ in results]
    assert _duplicates(store) == ([], [])
    assert staged_nodes(store) == 0
    assert fingerprint(store) == expected
