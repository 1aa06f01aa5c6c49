"""Graph records: what a validated package holds, ready to be planned and written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

# One encoder for every digest: json.dumps with options builds a new one per call (a third of the cost).
_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _c_encode() -> Callable[[Any], str]:
    """``_ENCODER.encode`` without rebuilding its C encoder on every call (same text)."""
    if c_make_encoder is None:  # pragma: no cover - CPython always has the C accelerator
        return _ENCODER.encode
    # the arguments JSONEncoder.iterencode passes for _ENCODER's options (markers=None: no cycle check)
    chunks = c_make_encoder(None, _ENCODER.default, encode_basestring, None, ":", ",", True, False, True)
    return lambda value: "".join(chunks(value, 0))


_encode = _c_encode()


def digest(value: Any) -> str:
    """A short, stable hash of a JSON-able value.

    >>> digest({"b": 1, "a": [1, "云"]}) == digest({"a": [1, "云"], "b": 1})
    True
    """
    return hashlib.sha256(_encode(value).encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class NodeRecord:
    """A node as it will be stored: its label, id and every property (provenance included)."""

    label: str
    id: str
    props: dict[str, Any]

    @property
    def hash(self) -> str:
        return str(self.props["_hash"])


@dataclass(frozen=True, slots=True)
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
