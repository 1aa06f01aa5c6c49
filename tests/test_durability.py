"""Durability of the embedded store: a load acknowledged is on disk, a load that cannot be is refused.

Every test loads through the command line (``python -m graphmodel load``), as a user would,
then restarts the store's server (or kills it with SIGKILL) and compares the graph's
fingerprint. A small filesystem that fills up and a read-only store folder need ``mount``
(root): where mounting is impossible the test is skipped with the reason, except under
``CI=true``, where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmodel.fingerprint import Fingerprint, fingerprint
from graphmodel.sample import sample_path
from graphmodel.stores.embedded import EmbeddedStore
from graphmodel.stores.falkordb_server import AOF_DIR, _running

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def cli_load(package: Path, store: Path, linger: float = 0, *extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHMODEL_LINGER": str(linger)}
    args = ["load", str(package), "--store", f"embedded:{store}", "--name", "paper", "--allow-removals", *extra]
    return subprocess.run([sys.executable, "-m", "graphmodel", *args], env=env, capture_output=True, text=True)


def old_sample(tmp_path: Path) -> Path:
    """The sample with a third of its ties: loading the sample over it changes the graph."""
    target = tmp_path / "old"
    shutil.copytree(sample_path(), target)
    ties = target / "ties.csv"
    lines = ties.read_text(encoding="utf-8").splitlines(keepends=True)
    ties.write_text("".join(lines[:1] + lines[1::3]), encoding="utf-8")
    return target


def stopped_print(store: Path) -> Fingerprint:
    """The graph's fingerprint read by a server started afresh from the files on disk."""
    stop(store)
    assert _running(store) is None
    with EmbeddedStore(store) as db:
        return fingerprint(db)


def stop(store: Path) -> None:
    """Stop the store's server if one runs (a lingering one, say): attach and close as the last user."""
    if _running(store) is not None:
        EmbeddedStore(store).close()
    deadline = time.monotonic() + 30
    while _running(store) is not None and time.monotonic() < deadline:
        time.sleep(0.02)


def kill9(store: Path) -> None:
    state = _running(store)
    assert state is not None, "the server should still run"
    pid = int(state["pid"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _running(store) is not None and time.monotonic() < deadline:
        time.sleep(0.01)


def mount_or_skip(*args: str) -> None:
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    if done.returncode:
        reason = f"cannot mount ({' '.join(args)}): {done.stderr.strip() or 'not root?'}"
        if IN_CI:
            pytest.fail(f"{reason}; the durability tests must run under CI=true", pytrace=False)
        pytest.skip(reason)


def umount(folder: Path) -> None:
    if subprocess.run(["umount", str(folder)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.fixture
def tiny_fs(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, unmounted at the end (its server stopped first)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    mount_or_skip("-t", "tmpfs", "-o", "size=4M", "tmpfs", str(folder))
    try:
        yield folder
    finally:
        stop(folder / "graph")
        umount(folder)


def fill(folder: Path, leave: int) -> Path:
    """Fill the filesystem of ``folder`` until only about ``leave`` bytes are free."""
    stat = os.statvfs(folder)
    free = stat.f_bavail * stat.f_frsize
    filler = folder / "filler"
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(free - leave, 0))
    return filler


def test_a_disk_that_fills_up_during_a_load_fails_it_clearly_and_keeps_the_graph(tiny_fs: Path, tmp_path: Path) -> None:
    store = tiny_fs / "graph"
    first = cli_load(old_sample(tmp_path), store, linger=60)
    assert first.returncode == 0, first.stderr
    with EmbeddedStore(store) as db:
        before = fingerprint(db)
        graph_size = sum(f.stat().st_size for f in (store / AOF_DIR).iterdir())
    filler = fill(tiny_fs, leave=graph_size // 2)  # less room than one copy of the graph
    failed = cli_load(sample_path(), store)
    assert failed.returncode != 0, failed.stdout
    message = failed.stdout + failed.stderr
    assert "No space left on device" in message, message
    assert str(store) in message, message
    assert "Traceback" not in message
    assert stopped_print(store) == before  # restarted from the full disk: the old graph
    filler.unlink()
    again = cli_load(sample_path(), store)  # room again: the same load goes through
    assert again.returncode == 0, again.stderr
    after = stopped_print(store)
    assert after != before
    with EmbeddedStore(tmp_path / "reference") as db:  # and it is the graph a clean store gets
        from graphmodel.api import load_package

        load_package(db, sample_path(), name="paper")
        assert fingerprint(db) == after


def test_a_read_only_store_folder_fails_the_load_clearly_and_keeps_the_graph(tmp_path: Path) -> None:
    store = tmp_path / "graph"
    first = cli_load(old_sample(tmp_path), store)
    assert first.returncode == 0, first.stderr
    before = stopped_print(store)
    mount_or_skip("--bind", str(store), str(store))
    try:
        mount_or_skip("-o", "remount,bind,ro", str(store))
        failed = cli_load(sample_path(), store)
        assert failed.returncode != 0, failed.stdout
        message = failed.stdout + failed.stderr
        assert "Read-only file system" in message and str(store) in message, message
        assert "Traceback" not in message
    finally:
        umount(store)
    assert stopped_print(store) == before


@pytest.mark.parametrize("other_client", [False, True], ids=["alone", "another-client-holds-the-server"])
def test_kill_9_right_after_an_acknowledged_load_keeps_it(tmp_path: Path, other_client: bool) -> None:
    store = tmp_path / "graph"
    assert cli_load(old_sample(tmp_path), store).returncode == 0
    before = stopped_print(store)
    holder = None
    if other_client:  # another process has the server open across the load (the case)
        script = "import sys, time\nfrom graphmodel.stores.embedded import EmbeddedStore\n"
        script += "s = EmbeddedStore(sys.argv[1])\nprint('ready', flush=True)\ntime.sleep(120)\n"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        holder = subprocess.Popen(
            [sys.executable, "-c", script, str(store)], env=env, stdout=subprocess.PIPE, text=True
        )
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    try:
        done = cli_load(sample_path(), store, linger=0 if other_client else 60)
        assert done.returncode == 0, done.stderr
        kill9(store)  # the moment the load is acknowledged: nothing saved on the way down
    finally:
        if holder is not None:
            holder.kill()
            holder.wait(timeout=30)
    with EmbeddedStore(store) as db:
        after = fingerprint(db)
    assert after != before
    with EmbeddedStore(tmp_path / "reference") as db:
        from graphmodel.api import load_package

        load_package(db, sample_path(), name="paper")
        assert fingerprint(db) == after


def test_reloads_do_not_grow_the_append_only_file_without_bound(tmp_path: Path) -> None:
    store = tmp_path / "graph"
    old, new = old_sample(tmp_path), sample_path()
    assert cli_load(new, store).returncode == 0
    with EmbeddedStore(store) as db:
        db._db.client.bgrewriteaof()  # one snapshot of the graph alone: the size to compare with
        db._db.idle()
        graph_size = int(db._db.persistence()["aof_current_size"])
    for package in (old, new) * 3:  # six loads, each changing the graph, each logging a copy of it
        assert cli_load(package, store).returncode == 0
    files = sum(f.stat().st_size for f in (store / AOF_DIR).iterdir())
    assert files < 5 * graph_size, (files, graph_size)
    with EmbeddedStore(store) as db:
        assert db.run("MATCH (v:Village) RETURN count(v)").rows == [(41,)]


def test_a_store_saved_without_the_append_only_file_keeps_its_graph_when_it_is_turned_on(tmp_path: Path) -> None:
    store = tmp_path / "graph"
    with EmbeddedStore(store, server_config={"appendonly": "no"}) as db:
        db.run("UNWIND range(1, 100) AS i CREATE (:Village {id: toString(i)})", write=True)
    assert not (store / AOF_DIR).exists()
    with EmbeddedStore(store) as db:  # durable by default: the AOF starts from the saved graph
        assert db.run("MATCH (v:Village) RETURN count(v)").rows == [(100,)]
        pid = db.server_pid()
        os.kill(pid, signal.SIGKILL)
    with EmbeddedStore(store) as db:
        assert db.run("MATCH (v:Village) RETURN count(v)").rows == [(100,)]


def test_the_durability_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    from bench import __main__ as bench_main

    code = bench_main.main(
        ["--size", "tiny", "--only", "durability", "--runs", "1", "--out", str(tmp_path), "--no-neo4j"]
    )
    assert code == 0
    body = json.loads((tmp_path / "durability-tiny.json").read_text())
    for mode in ("durable", "no_persistence"):
        assert body[mode]["median"]["load_s"] > 0 and body[mode]["median"]["disk_bytes"] > 0
    assert body["ratios"]["load_s_durable_vs_none"] > 0
