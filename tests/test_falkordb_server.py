"""The embedded store's own server manager: prebuilt binaries, one shared server per folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphmodel.errors import StoreError
from graphmodel.stores.embedded import EmbeddedStore
from graphmodel.stores.falkordb_server import DB_FILE, STATE_FILE, has_data

ROOT = Path(__file__).resolve().parent.parent


def server_pid(path: Path) -> int:
    return int(json.loads((path / STATE_FILE).read_text())["pid"])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has exited
        return "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def wait_gone(pid: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def test_the_last_store_to_close_stops_the_shared_server(tmp_path: Path) -> None:
    first, second = EmbeddedStore(tmp_path), EmbeddedStore(tmp_path)
    pid = server_pid(tmp_path)
    assert second._db.pid == pid  # one server, shared
    first.run("CREATE (:Village {id: 'v1'})", write=True)
    first.close()
    assert alive(pid)
    assert second.run("MATCH (v:Village) RETURN v.id").rows == [("v1",)]
    second.close()
    assert wait_gone(pid)
    assert not (tmp_path / STATE_FILE).exists()
    with EmbeddedStore(tmp_path) as again:  # saved on the way down
        assert again.run("MATCH (v:Village) RETURN v.id").rows == [("v1",)]


def test_a_process_killed_while_using_the_store_does_not_keep_the_server_for_ever(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from graphmodel.stores.embedded import EmbeddedStore\n"
        "s = EmbeddedStore(sys.argv[1])\n"
        "s.run('CREATE (:Village {id: \"v1\"})', write=True)\n"
        "print('ready', flush=True)\n"
        "time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    pid = server_pid(tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert alive(pid)  # the server outlives its starter ...
    with EmbeddedStore(tmp_path) as store:  # ... the next user attaches to it ...
        assert store._db.pid == pid
        assert store.run("MATCH (v:Village) RETURN count(v)").rows == [(1,)]
    assert wait_gone(pid)  # ... and, being the last one, stops it


def test_server_settings_come_from_the_store(tmp_path: Path) -> None:
    config = {"appendonly": "yes", "appendfsync": "always"}
    with EmbeddedStore(tmp_path, server_config=config) as store:
        assert store._db.client.config_get("appendfsync") == {"appendfsync": "always"}
        store.run("CREATE (:Village {id: 'v1'})", write=True)
        assert (tmp_path / "appendonlydir").is_dir()
        # a second opener with other settings changes the running server's
        with EmbeddedStore(tmp_path, server_config={"appendfsync": "everysec"}) as other:
            assert other._db.client.config_get("appendfsync") == {"appendfsync": "everysec"}


def test_settings_the_store_manages_itself_are_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="manages the server setting 'port'"):
        EmbeddedStore(tmp_path, server_config={"port": "6379"})


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"(?s)did not start.*no-such-setting"):
        EmbeddedStore(tmp_path, server_config={"no-such-setting": "1"})


def test_closing_without_changes_does_not_rewrite_the_snapshot(tmp_path: Path) -> None:
    no_aof = {"appendonly": "no"}
    with EmbeddedStore(tmp_path, server_config=no_aof) as store:
        store.run("CREATE (:Village {id: 'v1'})", write=True)
    saved = (tmp_path / DB_FILE).stat().st_mtime_ns
    time.sleep(0.05)
    with EmbeddedStore(tmp_path, server_config=no_aof) as store:
        assert store.run("MATCH (v:Village) RETURN count(v)").rows == [(1,)]
    assert (tmp_path / DB_FILE).stat().st_mtime_ns == saved


def test_with_the_append_only_file_closing_writes_no_snapshot(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path) as store:  # durable by default: the AOF holds every write already
        store.run("CREATE (:Village {id: 'v1'})", write=True)
    assert not (tmp_path / DB_FILE).exists()
    with EmbeddedStore(tmp_path, server_config={"appendonly": "no"}) as store:  # turned off: saved from the AOF
        assert store.run("MATCH (v:Village) RETURN v.id").rows == [("v1",)]
        store.run("CREATE (:Village {id: 'v2'})", write=True)
    with EmbeddedStore(tmp_path, server_config={"appendonly": "no"}) as store:
        assert store.run("MATCH (v:Village) RETURN v.id ORDER BY v.id").rows == [("v1",), ("v2",)]
    with EmbeddedStore(tmp_path) as store:  # and on again
        assert store.run("MATCH (v:Village) RETURN v.id ORDER BY v.id").rows == [("v1",), ("v2",)]


def test_has_data_does_not_create_a_store(tmp_path: Path) -> None:
    missing = tmp_path / "typo"
    assert not has_data(missing)
    assert not missing.exists()
    with EmbeddedStore(tmp_path / "real") as store:
        assert has_data(tmp_path / "real")  # a running server counts
        store.run("CREATE (:Village {id: 'v1'})", write=True)
    assert has_data(tmp_path / "real")  # and so does the saved graph


def test_a_lingering_server_waits_for_the_next_command_then_stops(tmp_path: Path) -> None:
    with EmbeddedStore(tmp_path, linger=1.5) as store:
        store.run("CREATE (:Village {id: 'v1'})", write=True)
        pid = server_pid(tmp_path)
    assert alive(pid)  # still up for the next command ...
    with EmbeddedStore(tmp_path, linger=1.5) as store:
        assert store._db.pid == pid  # ... which finds the graph loaded
        time.sleep(2)  # in use past the first linger time: the server stays
        assert alive(pid)
    watcher = json.loads((tmp_path / STATE_FILE).read_text())["watcher"]
    assert wait_gone(pid, timeout=15)  # stopped once idle for 1.5 s
    assert wait_gone(watcher, timeout=15) and not (tmp_path / STATE_FILE).exists()
    with EmbeddedStore(tmp_path) as store:
        assert store.run("MATCH (v:Village) RETURN v.id").rows == [("v1",)]  # saved when it stopped


def test_a_graph_the_server_cannot_read_is_a_clear_error_and_leaves_no_server(tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(b"REDIS0099 not a snapshot this server can read")
    with pytest.raises(StoreError, match=r"(did not start|stopped while starting)") as info:
        EmbeddedStore(tmp_path)
    assert "server.log" in str(info.value)
    assert not (tmp_path / STATE_FILE).exists()


def test_a_server_that_accepts_but_never_answers_is_not_waited_for_forever(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A starting server that hangs (FalkorDB 4.16 can deadlock after decoding a graph) is an error, not a hang."""
    import socket
    import threading

    from graphmodel.stores import falkordb_server

    path = tmp_path / "hung.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: held.append(listener.accept()[0]), daemon=True).start()
    monkeypatch.setattr(falkordb_server, "ANSWER_TIMEOUT", 0.5)
    try:
        with pytest.raises(falkordb_server._Unresponsive, match="did not answer within"):
            falkordb_server._connect(path, timeout=5)
    finally:
        for conn in held:
            conn.close()
        listener.close()
