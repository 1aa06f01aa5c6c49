"""Text writers compiled once per shape: a constant before each value, each value written by one expression.

Records' hash text (:mod:`graphmodel.records`) and the embedded store's parameter maps
(:mod:`graphmodel.stores.falkordb_values`) write the same few shapes millions of times; a
function written for a shape (as ``collections.namedtuple`` writes its class) joins its
pieces in one call, with no per-value loop or dict. The constants are the function's
globals, never part of its source, which holds only positions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["compile_joiner"]


def compile_joiner(
    parts: Sequence[tuple[str, int]], value: str, env: dict[str, Any], *, size: int, end: str
) -> Callable[[tuple[Any, ...]], str]:
    """A function of a ``size``-tuple of values: each part's constant then ``value`` of that value, then ``end``.

    ``value`` is an expression of ``{x}`` (the value), over the names in ``env``; each part is
    (constant text, index of its value).

    >>> write = compile_joiner([("<b:", 1), (",a:", 0)], "r({x})", {"r": repr}, size=2, end=">")
    >>> write((1, "云"))
    "<b:'云',a:1>"
    """
    env = dict(env)
    pieces = []
    for place, (constant, index) in enumerate(parts):
        env[f"k{place}"] = constant
        pieces.append(f"k{place}, ({value.format(x=f'x{index}')})")
    env["end"] = end
    unpack = "".join(f"x{i}, " for i in range(size))
    head = f"    {unpack}= values\n" if size else ""
    source = f"def write(values):\n{head}    return ''.join(({''.join(p + ', ' for p in pieces)}end))\n"
    exec(source, env)  # positions only, never a constant: see the module docstring
    return env["write"]  # type: ignore[no-any-return]
