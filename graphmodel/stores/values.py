"""Turn driver values (nodes, relationships, paths) into plain Python data."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """Plain data for any value a driver returns; nodes become property dicts.

    >>> plain({"a": [1, (2, 3)]})
    {'a': [1, [2, 3]]}
    """
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    props = getattr(value, "properties", None)
    if isinstance(props, dict):
        return {str(k): plain(v) for k, v in props.items()}
    nodes = getattr(value, "nodes", None)  # a path: a method in FalkorDB's client, a property in neo4j's
    if nodes is not None:
        return [plain(n) for n in (nodes() if callable(nodes) else nodes)]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)
