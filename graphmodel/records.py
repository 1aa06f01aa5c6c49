"""Graph records: what a validated package holds, ready to be planned and written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

# One encoder for every digest: json.dumps with options builds a new one per call (a third of the cost).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def digest(value: Any) -> str:
    """A short, stable hash of a JSON-able value.

    >>> digest({"b": 1, "a": [1, "云"]}) == digest({"a": [1, "云"], "b": 1})
    True
    """
    text = _ENCODER.encode(value)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class NodeRecord:
    """A node as it will be stored: its label, id and every property (provenance included)."""

    label: str
    id: str
    props: dict[str, Any]

    @property
    def hash(self) -> str:
        return str(self.props["_hash"])


@dataclass(frozen=True)
class TieRecord:
    """A tie as it will be stored, with its endpoints' labels and ids."""

    type: str
    source_label: str
    source: str
    target_label: str
    target: str
    props: dict[str, Any]

    @property
    def key(self) -> str:
        return str(self.props["_key"])

    @property
    def hash(self) -> str:
        return str(self.props["_hash"])


@dataclass
class Records:
    """Every node and tie of one validated package."""

    package: str
    nodes: list[NodeRecord] = field(default_factory=list)
    ties: list[TieRecord] = field(default_factory=list)
