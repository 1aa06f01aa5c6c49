"""Connection settings, read from the environment in one place.

Each field names the variable it comes from. The password is never part of any
description, message or log line.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STORE_DIR = Path(".graphmodel")


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
    def from_env(cls, env: dict[str, str] | None = None, uri: str | None = None) -> Neo4jSettings:
        env = dict(os.environ) if env is None else env
        return cls(
            uri=uri or env.get("NEO4J_URI", ""),
            username=env.get("NEO4J_USERNAME", "neo4j"),
            password=env.get("NEO4J_PASSWORD", ""),
            database=env.get("NEO4J_DATABASE") or None,
        )


def default_store() -> str:
    """The store used when ``--store`` is not given: ``GRAPHMODEL_STORE`` or the embedded one."""
    return os.environ.get("GRAPHMODEL_STORE", f"embedded:{DEFAULT_STORE_DIR / 'graph'}")


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
            from graphmodel.errors import GraphmodelError

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
