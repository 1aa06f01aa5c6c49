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
