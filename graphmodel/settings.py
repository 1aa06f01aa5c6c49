"""Settings, read from the environment and the project file in one place: :class:`Settings`.

Which store a command uses, first match wins:

1. ``--store`` on the command line;
2. ``GRAPHMODEL_STORE``;
3. ``NEO4J_URI`` (as ``scripts/neo4j-local start`` exports it);
4. ``store`` in the project file ``graphmodel.toml``, looked for in the working folder and
   then in each folder above it (``graphmodel use STORE`` writes it); a relative
   ``embedded:`` path there is relative to the file's folder;
5. ``embedded:.graphmodel/graph`` under the project folder (the working folder when there
   is no project file).

How long the embedded store's server stays up after a command, for the next one (so it
need not read the graph from disk again): ``GRAPHMODEL_LINGER`` seconds, else ``linger``
in the project file, else :data:`DEFAULT_LINGER` (0 stops it at once).

Each field names the variable it comes from. The password is never part of any
description, message or log line.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graphmodel.errors import GraphmodelError

DEFAULT_STORE_DIR = Path(".graphmodel")
PROJECT_FILE = "graphmodel.toml"
EMBEDDED = "embedded:"
#: Seconds the embedded store's server stays up after the last command that used it.
DEFAULT_LINGER = 300.0

__all__ = [
    "DEFAULT_STORE_DIR",
    "PROJECT_FILE",
    "LoadSettings",
    "Neo4jSettings",
    "Settings",
    "default_store",
    "find_project_file",
]


@dataclass(frozen=True)
class Neo4jSettings:
    """How to reach a Neo4j server.

    >>> Neo4jSettings.from_env({"NEO4J_URI": "bolt://h:7687", "NEO4J_PASSWORD": "s"}).username
    'neo4j'
    """

    uri: str  # NEO4J_URI
    username: str = "neo4j"  # NEO4J_USERNAME
    password: str = field(default="", repr=False)  # NEO4J_PASSWORD
    database: str | None = None  # NEO4J_DATABASE

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, uri: str | None = None) -> Neo4jSettings:
        env = os.environ if env is None else env
        return cls(
            uri=uri or env.get("NEO4J_URI", ""),
            username=env.get("NEO4J_USERNAME", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE") or None,
        )


def find_project_file(start: Path) -> Path | None:
    """The nearest ``graphmodel.toml`` in ``start`` or a folder above it.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); _ = (root / "graphmodel.toml").write_text('store = "embedded:g"\\n')
    >>> (root / "a" / "b").mkdir(parents=True)
    >>> find_project_file(root / "a" / "b") == root / "graphmodel.toml"
    True
    """
    for folder in (start, *start.parents):
        candidate = folder / PROJECT_FILE
        if candidate.is_file():
            return candidate
    return None


def _read_project(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GraphmodelError(f"{path}: not a valid project file: {exc}") from exc


def _anchor(url: str, folder: Path) -> str:
    """An ``embedded:`` URL with a relative path made relative to ``folder``; others unchanged.

    >>> _anchor("embedded:.graphmodel/graph", Path("/p"))
    'embedded:/p/.graphmodel/graph'
    >>> _anchor("bolt://h:7687", Path("/p"))
    'bolt://h:7687'
    """
    if not url.startswith(EMBEDDED):
        return url
    path = Path(url.removeprefix(EMBEDDED) or DEFAULT_STORE_DIR / "graph")
    return EMBEDDED + str(path if path.is_absolute() else folder / path)


@dataclass(frozen=True)
class LoadSettings:
    """Load options that may come from the environment (the CLI passes them on to the engine).

    >>> LoadSettings.from_env({"GRAPHMODEL_STAGE_ROWS": "500"}).stage_rows
    500
    """

    stage_rows: int = 10_000  # GRAPHMODEL_STAGE_ROWS: stage packages of at least this many rows (0: never)
    pause: float = 0.0  # GRAPHMODEL_TEST_PAUSE_SECONDS: test hook, pause after each statement written

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> LoadSettings:
        env = dict(os.environ) if env is None else env
        rows = env.get("GRAPHMODEL_STAGE_ROWS", "").strip()
        pause = env.get("GRAPHMODEL_TEST_PAUSE_SECONDS", "").strip()
        try:
            return cls(stage_rows=int(rows) if rows else cls.stage_rows, pause=float(pause) if pause else 0.0)
        except ValueError:
            raise GraphmodelError(
                f"GRAPHMODEL_STAGE_ROWS={rows!r} or GRAPHMODEL_TEST_PAUSE_SECONDS={pause!r} is not a number"
            ) from None


def redaction_key_settings(env: dict[str, str] | None = None) -> tuple[str | None, Path | None]:
    """The redaction key itself (``GRAPHMODEL_REDACT_KEY``) and the key file (``GRAPHMODEL_REDACT_KEY_FILE``).

    There is no default file: see :mod:`graphmodel.redact` and docs/redaction.md.

    >>> redaction_key_settings({"GRAPHMODEL_REDACT_KEY_FILE": "/secure/redact.key"})
    (None, PosixPath('/secure/redact.key'))
    """
    env = dict(os.environ) if env is None else env
    key_file = env.get("GRAPHMODEL_REDACT_KEY_FILE")
    return env.get("GRAPHMODEL_REDACT_KEY") or None, Path(key_file) if key_file else None


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know before it opens a store.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> s = Settings.load(cwd=root, env={})
    >>> s.store == f"embedded:{root}/.graphmodel/graph", s.store_from
    (True, 'default')
    >>> Settings.load(cwd=root, env={"NEO4J_URI": "bolt://h:7687"}).store_from
    'NEO4J_URI'
    >>> Settings.load("embedded:x", cwd=root, env={"GRAPHMODEL_STORE": "bolt://h:1"}).store
    'embedded:x'
    """

    store: str  # --store, GRAPHMODEL_STORE, NEO4J_URI, graphmodel.toml or the default
    store_from: str  # where ``store`` came from, for messages
    root: Path  # the project folder: where graphmodel.toml is, else the working folder
    project_file: Path | None = None
    neo4j: Neo4jSettings = field(default_factory=lambda: Neo4jSettings(uri=""))
    linger: float = DEFAULT_LINGER  # GRAPHMODEL_LINGER, or linger in graphmodel.toml
    loading: LoadSettings = field(default_factory=LoadSettings)  # GRAPHMODEL_STAGE_ROWS, ...

    @classmethod
    def load(
        cls, store: str | None = None, *, cwd: Path | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        """Resolve the settings for a command run in ``cwd`` (default: the working folder)."""
        env = os.environ if env is None else env
        cwd = Path.cwd() if cwd is None else cwd
        project_file = find_project_file(cwd)
        root = project_file.parent if project_file else cwd
        neo4j = Neo4jSettings.from_env(env)
        project = _read_project(project_file) if project_file else {}
        linger = _seconds(env.get("GRAPHMODEL_LINGER", project.get("linger", DEFAULT_LINGER)), "linger")
        if store:
            url, source = store, "--store"
        elif env.get("GRAPHMODEL_STORE"):
            url, source = env["GRAPHMODEL_STORE"], "GRAPHMODEL_STORE"
        elif env.get("NEO4J_URI"):
            url, source = env["NEO4J_URI"], "NEO4J_URI"
        elif project_file and "store" in project:
            url, source = _anchor(str(project["store"]), root), str(project_file)
        else:
            url, source = _anchor(f"{EMBEDDED}{DEFAULT_STORE_DIR / 'graph'}", root), "default"
        return cls(
            store=url,
            store_from=source,
            root=root,
            project_file=project_file,
            neo4j=neo4j,
            linger=linger,
            loading=LoadSettings.from_env(dict(env)),
        )

    def embedded(self, name: str) -> str:
        """An embedded store named ``name`` under the project's ``.graphmodel`` folder."""
        return f"{EMBEDDED}{self.root / DEFAULT_STORE_DIR / name}"


def _seconds(value: object, what: str) -> float:
    """A number of seconds, zero or more.

    >>> _seconds("30", "linger"), _seconds(0, "linger")
    (30.0, 0.0)
    """
    try:
        seconds = float(str(value))
    except ValueError:
        seconds = -1.0
    if not seconds >= 0:
        raise GraphmodelError(f"{what} must be a number of seconds (0 or more), not {value!r}")
    return seconds


def write_project_store(url: str, cwd: Path | None = None) -> Path:
    """Make ``url`` the project's store in ``graphmodel.toml`` (the nearest one, else a new one in ``cwd``).

    A relative ``embedded:`` path is written relative to the file's folder. Other
    settings in the file are kept. Credentials never go into the file.

    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp()); (root / "sub").mkdir()
    >>> path = write_project_store("embedded:.graphmodel/demo", root)
    >>> path.read_text(encoding="utf-8")
    'store = "embedded:.graphmodel/demo"\\n'
    >>> Settings.load(cwd=root / "sub", env={}).store == f"embedded:{root}/.graphmodel/demo"
    True
    """
    cwd = Path.cwd() if cwd is None else cwd
    if "@" in url.split("//", 1)[-1].split("/", 1)[0] and "://" in url:
        raise GraphmodelError("a store URI must not carry credentials: set NEO4J_USERNAME and NEO4J_PASSWORD instead")
    path = find_project_file(cwd) or cwd / PROJECT_FILE
    settings = _read_project(path) if path.is_file() else {}
    if url.startswith(EMBEDDED):
        target = Path(url.removeprefix(EMBEDDED) or DEFAULT_STORE_DIR / "graph")
        target = target if target.is_absolute() else (cwd / target)
        try:
            url = EMBEDDED + os.path.relpath(target, path.parent)
        except ValueError:  # another drive (Windows)
            url = EMBEDDED + str(target)
    settings["store"] = url
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def default_store() -> str:
    """The store used when none is named (see :class:`Settings`)."""
    return Settings.load().store
