"""Graph records: what a validated package holds, ready to be planned and written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from operator import itemgetter
from typing import Any

from graphmodel.joiners import compile_joiner

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


def digest_bytes(value: Any) -> bytes:
    """:func:`digest` as its 10 bytes (``digest_bytes(v).hex() == digest(v)``), for records to keep.

    >>> digest_bytes([1, "a"]).hex() == digest([1, "a"])
    True
    """
    return hashlib.sha256(_encode(value).encode("utf-8")).digest()[:10]


#: The digest's JSON text of one shape of names, compiled once per names tuple (kept by its
#: id; the entry holds the tuple, so the id stays its own): ``(names, text)``.
_LAYOUTS: dict[int, tuple[tuple[str, ...], Callable[[tuple[Any, ...]], str]]] = {}


def _compile_text(names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], str]:
    """A function giving ``_encode(dict(zip(names, values)))`` for a values tuple, without the dict.

    Written once per shape (as ``collections.namedtuple`` writes its class): the keys in
    sorted order, already encoded with their separators, each value written as the C
    encoder writes it (a string by ``encode_basestring``, an integer by ``int.__repr__``,
    anything else by the encoder itself). The names are constants of the function, never
    part of its source; the source holds only positions.
    """
    order = sorted(range(len(names)), key=names.__getitem__)
    parts = [
        (("{" if place == 0 else ",") + encode_basestring(names[index]) + ":", index)
        for place, index in enumerate(order)
    ]
    env = {"e": encode_basestring, "s": str, "n": int, "r": int.__repr__, "j": _encode}
    value = "e({x}) if type({x}) is s else r({x}) if type({x}) is n else j({x})"
    return compile_joiner(parts, value, env, size=len(names), end="}")


def digest_fields(names: tuple[str, ...], values: tuple[Any, ...]) -> bytes:
    """``digest_bytes(dict(zip(names, values)))`` without the dict (``names`` distinct, one value each).

    The same JSON text, written by a function compiled once per ``names`` tuple (share
    it, as records do; see :func:`_compile_text`).

    >>> digest_fields(("b", "a", "c"), (1, ["云", 2.5], None)) == digest_bytes({"a": ["云", 2.5], "b": 1, "c": None})
    True
    >>> digest_fields(('"}{x', "é", "_row"), ("a\\n", True, 2)) == digest_bytes({'"}{x': "a\\n", "é": True, "_row": 2})
    True
    """
    if not names:
        return digest_bytes({})
    layout = _LAYOUTS.get(id(names))
    if layout is None or layout[0] is not names:
        if len(_LAYOUTS) >= 4096:  # a hostile table may have many shapes
            _LAYOUTS.clear()
        layout = _LAYOUTS[id(names)] = (names, _compile_text(names))
    return hashlib.sha256(layout[1](values).encode("utf-8")).digest()[:10]


#: Property-name tuples shared by records with the same properties (a package has few shapes).
_NAMES: dict[tuple[str, ...], tuple[str, ...]] = {}
#: Shapes remembered at most; past it the cache starts again (a hostile table may have many).
_MAX_NAMES = 4096


def shared_names(names: tuple[str, ...]) -> tuple[str, ...]:
    """The one tuple equal to ``names`` that records of that shape share."""
    shared = _NAMES.get(names)
    if shared is None:
        if len(_NAMES) >= _MAX_NAMES:
            _NAMES.clear()
        shared = _NAMES[names] = names
    return shared


def _packed(value: Any) -> Any:
    """A ``_hash`` or ``_key`` as kept in a record: a digest's 20 hex characters as their 10 bytes."""
    if type(value) is str and len(value) == 20:
        try:
            packed = bytes.fromhex(value)
        except ValueError:
            return value
        if packed.hex() == value:
            return packed
    return value


def _text(value: Any) -> Any:
    return value.hex() if type(value) is bytes else value


def _required(value: Any, name: str) -> str:
    """A record's ``_hash`` or ``_key`` as text; a KeyError when it has none (as the dict would)."""
    if value is None:
        raise KeyError(name)
    return str(_text(value))


def _split(props: dict[str, Any], *special: str) -> tuple[list[Any], tuple[str, ...], tuple[Any, ...]]:
    """``props`` without ``special`` keys: their packed values (None when absent), the names, the values."""
    taken = [_packed(props[k]) if k in props else None for k in special]
    if any(k in props for k in special):
        props = {k: v for k, v in props.items() if k not in special}
    return taken, shared_names(tuple(props)), tuple(props.values())


#: Where the wanted properties sit in records of one shape: {(names, wanted): positions}.
_PICKS: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[int, ...]] = {}


def _positions(names: tuple[str, ...], wanted: tuple[str, ...], first: int) -> tuple[int, ...]:
    """The tuple positions of ``wanted`` in a record whose values start at ``first`` (-1: absent)."""
    where = _PICKS.get((names, wanted))
    if where is None:
        if len(_PICKS) >= _MAX_NAMES:
            _PICKS.clear()
        where = _PICKS[(names, wanted)] = tuple(first + names.index(w) if w in names else -1 for w in wanted)
    return where


class NodeRecord(tuple):  # type: ignore[type-arg]
    """A node as it will be stored: its label, id and every property (provenance included).

    A large package has a million records, so a record is one tuple: label, id, the
    property names (a tuple shared by records of the same shape), ``_hash`` as 10 bytes,
    then the property values. ``props`` builds the dict when asked (a new one each call).

    >>> node = NodeRecord("NGO", "ngo-1", {"id": "ngo-1", "name": "甲", "_hash": "0123456789abcdef0123"})
    >>> node.label, node.id, node.hash, node.props
    ('NGO', 'ngo-1', '0123456789abcdef0123', {'id': 'ngo-1', 'name': '甲', '_hash': '0123456789abcdef0123'})
    """

    __slots__ = ()

    def __new__(cls, label: str, id: str, props: dict[str, Any]) -> NodeRecord:
        (hash_,), names, values = _split(props, "_hash")
        return tuple.__new__(cls, (label, id, names, hash_, *values))

    @classmethod
    def of(cls, label: str, id: str, names: tuple[str, ...], hash_: bytes, values: tuple[Any, ...]) -> NodeRecord:
        """A record from its parts: ``names`` (shared, without ``_hash``) and their ``values``."""
        return tuple.__new__(cls, (label, id, names, hash_, *values))

    label: str = property(itemgetter(0))  # type: ignore[assignment]
    id: str = property(itemgetter(1))  # type: ignore[assignment]

    @property
    def props(self) -> dict[str, Any]:
        """Every property by name, ``_hash`` last (a new dict on every call)."""
        props = dict(zip(self[2], self[4:], strict=False))  # names and values were made together
        if self[3] is not None:
            props["_hash"] = _text(self[3])
        return props

    @property
    def hash(self) -> str:
        return _required(self[3], "_hash")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NodeRecord):
            return NotImplemented
        return self[:2] == other[:2] and self.props == other.props

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # like the dict of properties it stands for

    def __getnewargs__(self) -> tuple[str, str, dict[str, Any]]:  # type: ignore[override]  # for pickle and copy
        return self.label, self.id, self.props

    def __repr__(self) -> str:
        return f"NodeRecord(label={self.label!r}, id={self.id!r}, props={self.props!r})"


class TieRecord(tuple):  # type: ignore[type-arg]
    """A tie as it will be stored, with its endpoints' labels and ids.

    One tuple, as :class:`NodeRecord`: type, source label, source, target label, target,
    the shared property names, ``_key`` and ``_hash`` as one 20-byte string (10 bytes each;
    a pair when either is not a digest), then the values.

    >>> tie = TieRecord("FUNDS", "Funder", "f-1", "NGO", "ngo-1", {"round": 1, "_key": "k"})
    >>> tie.type, tie.source, tie.target, tie.key, tie.props
    ('FUNDS', 'f-1', 'ngo-1', 'k', {'round': 1, '_key': 'k'})
    """

    __slots__ = ()

    def __new__(
        cls, type: str, source_label: str, source: str, target_label: str, target: str, props: dict[str, Any]
    ) -> TieRecord:
        (key, hash_), names, values = _split(props, "_key", "_hash")
        ident = key + hash_ if isinstance(key, bytes) and isinstance(hash_, bytes) else (key, hash_)
        return tuple.__new__(cls, (type, source_label, source, target_label, target, names, ident, *values))

    @classmethod
    def of(
        cls,
        ends: tuple[str, str, str, str, str],
        names: tuple[str, ...],
        key: bytes,
        hash_: bytes,
        values: tuple[Any, ...],
    ) -> TieRecord:
        """A record from its parts: ``ends`` (type, source label, source, target label, target),
        ``names`` (shared, without ``_key`` and ``_hash``) and their ``values``."""
        return tuple.__new__(cls, (*ends, names, key + hash_, *values))

    type: str = property(itemgetter(0))  # type: ignore[assignment]
    source_label: str = property(itemgetter(1))  # type: ignore[assignment]
    source: str = property(itemgetter(2))  # type: ignore[assignment]
    target_label: str = property(itemgetter(3))  # type: ignore[assignment]
    target: str = property(itemgetter(4))  # type: ignore[assignment]

    @property
    def props(self) -> dict[str, Any]:
        """Every property by name, ``_key`` and ``_hash`` last (a new dict on every call)."""
        props = dict(zip(self[5], self[7:], strict=False))  # names and values were made together
        ident = self[6]
        if type(ident) is bytes:
            text = ident.hex()
            props["_key"], props["_hash"] = text[:20], text[20:]
            return props
        key, hash_ = ident
        if key is not None:
            props["_key"] = _text(key)
        if hash_ is not None:
            props["_hash"] = _text(hash_)
        return props

    def pick(self, wanted: tuple[str, ...]) -> tuple[Any, ...]:
        """The values of the properties ``wanted`` (None when absent; not ``_key`` or ``_hash``), without :attr:`props`' dict.

        >>> TieRecord("FUNDS", "Funder", "f-1", "NGO", "ngo-1", {"round": 1, "start": "2010"}).pick(("start", "end"))
        ('2010', None)
        """
        return tuple(self[i] if i >= 0 else None for i in _positions(self[5], wanted, 7))

    @property
    def key(self) -> str:
        ident = self[6]
        return ident[:10].hex() if type(ident) is bytes else _required(ident[0], "_key")

    @property
    def hash(self) -> str:
        ident = self[6]
        return ident[10:].hex() if type(ident) is bytes else _required(ident[1], "_hash")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TieRecord):
            return NotImplemented
        return self[:5] == other[:5] and self.props == other.props

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]

    def __getnewargs__(self) -> tuple[str, str, str, str, str, dict[str, Any]]:  # type: ignore[override]
        return self.type, self.source_label, self.source, self.target_label, self.target, self.props

    def __repr__(self) -> str:
        return (
            f"TieRecord(type={self.type!r}, source_label={self.source_label!r}, source={self.source!r}, "
            f"target_label={self.target_label!r}, target={self.target!r}, props={self.props!r})"
        )


@dataclass
class Records:
    """Every node and tie of one validated package."""

    package: str
    nodes: list[NodeRecord] = field(default_factory=list)
    ties: list[TieRecord] = field(default_factory=list)
