"""Plain rows straight from FalkorDB's compact replies, when every value is plain data.

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
"""

from __future__ import annotations

from typing import Any

__all__ = ["plain_rows"]

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
