r"""Plain rows straight from FalkorDB's compact replies, when every value is plain data; parameters sent fast.

FalkorDB's client turns each value of a compact reply into Python one call at a time
(and :func:`graphmodel.stores.values.plain` then copies it again): at the national size
that is most of the time an export takes to read the graph. A reply whose values are all
null, strings, integers, booleans, doubles, lists and maps is turned into rows here in one
pass, with the same values; any other value (a node, an edge, a path, a point, a date, a
vector) returns None and the client's parser reads the reply as before.

>>> plain_rows([[[1, "id"], [1, "props"]], [[[2, "n1"], [10, ["a", [3, 1], "b", [6, [[5, "2.5"], [1, None]]]]]]], []])
[('n1', {'a': 1, 'b': [2.5, None]})]
>>> plain_rows([[[1, "n"]], [[[8, [1, [0], []]]]], []]) is None
True

Parameters travel as text before the query (``CYPHER rows=[...] UNWIND $rows ...``), which the
client writes one value at a time through a chain of type checks: for a load's rows, more
CPU than the server takes to write them. :func:`params_header` writes the same text (the
client's own function writes any value of a type other than ``str``, ``dict``, ``list``,
``tuple``, ``None``, ``int``, ``float`` or ``bool``), with a fast path per exact type.

>>> params_header({"rows": [{"id": 'a"b', "n": 1, "ok": True, "xs": [1.5, None]}]})
'CYPHER `rows`=[{`id`:"a\\"b",`n`:1,`ok`:True,`xs`:[1.5,null]}] '
"""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any

from graphmodel.joiners import compile_joiner

__all__ = ["params_header", "plain_rows"]

_NULL, _STRING, _INTEGER, _BOOLEAN, _DOUBLE, _ARRAY, _MAP = 1, 2, 3, 4, 5, 6, 10
_AS_IS = (_STRING, _INTEGER)


class _NotPlain(Exception):
    """A value the client's own parser must read (nodes, edges, paths, points, temporal values)."""


def plain_rows(response: list[Any]) -> list[tuple[Any, ...]] | None:
    """The rows of a compact reply ``[header, rows, statistics]`` as tuples of plain values, or None.

    None also for replies without a result set or with an error: the client's parser raises
    or reads those as it always has.
    """
    if len(response) != 3 or isinstance(response[-1], Exception) or isinstance(response[0], Exception):
        return None
    try:
        return [tuple(map(_value, row)) for row in response[1]]
    except _NotPlain:
        return None


def _value(cell: list[Any]) -> Any:
    kind, value = cell
    if kind in _AS_IS:
        return value
    if kind == _MAP:
        return _map(value)
    if kind == _NULL:
        return None
    if kind == _ARRAY:
        return list(map(_value, value))
    if kind == _DOUBLE:
        return float(value)
    if kind == _BOOLEAN:
        return value == "true" or value == b"true"
    raise _NotPlain


def _map(entries: list[Any]) -> dict[str, Any]:
    out = {}
    pairs = iter(entries)
    for key, (kind, value) in zip(pairs, pairs, strict=True):
        out[key] = value if kind in _AS_IS else _value([kind, value])
    return out


#: Map keys as written (```name`:``), by key: a load's rows share a few names.
_KEYS: dict[str, str] = {}


def _key(key: Any) -> str:
    text = _KEYS.get(key) if type(key) is str else None
    if text is None:
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name == "":
            raise ValueError("Cypher map key cannot be empty")
        if "`" in name:
            raise ValueError(f"Cypher map key cannot contain a backtick: {name!r}")
        text = "`" + name + "`:"
        if type(key) is str and len(_KEYS) < 4096:
            _KEYS[key] = text
    return text


def _quoted(text: str) -> str:
    """A text value as the client writes it: in double quotes, ``\\`` and ``"`` escaped, nothing else.

    For a text without control characters (any printable text) that is JSON's own quoting,
    which is one C call: ``encode_basestring(text) == _quoted(text)`` when ``text.isprintable()``.

    >>> text = 'a"b' + chr(92) + "c"
    >>> _quoted(text) == encode_basestring(text) == '"a' + chr(92) + '"b' + chr(92) * 2 + 'c"'
    True
    """
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _param(value: Any) -> str:
    """One value as the client's ``stringify_param_value`` writes it."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value) if value.isprintable() else _quoted(value)
    if kind is dict:
        return _map_param(value)
    if kind is list or kind is tuple:
        return "[" + ",".join(map(_param, value)) + "]"
    if value is None:
        return "null"
    if kind is int or kind is float or kind is bool:
        return str(value)
    from falkordb.helpers import stringify_param_value  # any other type (a subclass, bytes): the client's own way

    return str(stringify_param_value(value))


#: Map writers compiled per tuple of keys (a load's rows have a few shapes; see :func:`_compile_map`).
_MAPS: dict[tuple[Any, ...], Callable[[tuple[Any, ...]], str]] = {}


def _compile_map(keys: tuple[Any, ...]) -> Callable[[tuple[Any, ...]], str]:
    """A function writing a map with ``keys`` (in that order) from the tuple of its values.

    What :func:`_map_param` wrote key by key, written once per shape (as
    ``collections.namedtuple`` writes its class): the keys' texts are constants of the
    function (never part of its source, which holds only positions), a text value is
    quoted inline and any other value goes through :func:`_param`.
    """
    if not keys:
        return lambda values: "{}"
    parts = [(("{" if index == 0 else ",") + _key(key), index) for index, key in enumerate(keys)]
    env = {"s": str, "p": _param, "e": encode_basestring, "q": _quoted}
    value = "(e({x}) if {x}.isprintable() else q({x})) if type({x}) is s else p({x})"
    return compile_joiner(parts, value, env, size=len(keys), end="}")


def _map_param(value: dict[Any, Any]) -> str:
    """A map, by the writer compiled for its keys."""
    keys = tuple(value)
    write = _MAPS.get(keys)
    if write is None:
        write = _compile_map(keys)
        if len(_MAPS) < 4096:  # a hostile load may have many shapes: past it, compiled each time
            _MAPS[keys] = write
    return write(tuple(value.values()))


def params_header(params: dict[str, Any] | None) -> str:
    """The ``CYPHER name=value ...`` text the client puts before a query (its ``_build_params_header``), faster."""
    if not params:
        return "" if params is None else "CYPHER "
    parts = ["CYPHER "]
    for name, value in params.items():
        parts.append(_key(name)[:-1] + "=" + _param(value) + " ")
    return "".join(parts)
