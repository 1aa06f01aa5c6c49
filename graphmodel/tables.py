"""The neutral form every reader produces: named tables of string cells.

A reader (``loaders.fieldwork`` for CSV folders and workbooks) turns files into a
:class:`RawPackage`; validation turns that into graph records.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

#: Column-name tuples shared by rows with the same filled-in columns (a table has few shapes).
_SHAPES: dict[tuple[str, ...], tuple[str, ...]] = {}
#: Shapes remembered at most; past it the cache starts again (a hostile table may have many).
_MAX_SHAPES = 4096


class Row(tuple):  # type: ignore[type-arg]
    """One data row: its number as a spreadsheet shows it (header = 1) and its cells.

    Empty cells are left out of ``values``; every value is a stripped string. A large
    package has a million rows, so a row is one tuple: its number, a column-name tuple
    shared with the rows of the same shape, then its cells (about a third of a dict's
    memory, and half of an object holding a tuple); ``values`` builds the dict when asked:
    read it once per row where speed matters.

    >>> row = Row(2, {"id": "ngo-1", "name": "云南妇联"})
    >>> row.number, row.values["name"], row
    (2, '云南妇联', Row(number=2, values={'id': 'ngo-1', 'name': '云南妇联'}))
    """

    __slots__ = ()

    def __new__(cls, number: int, values: dict[str, str]) -> Row:
        columns = tuple(values)
        shared = _SHAPES.get(columns)
        if shared is None:
            if len(_SHAPES) >= _MAX_SHAPES:
                _SHAPES.clear()
            shared = _SHAPES[columns] = columns
        return super().__new__(cls, (number, shared, *values.values()))

    @classmethod
    def of(cls, number: int, columns: tuple[str, ...], cells: list[str]) -> Row:
        """The row ``Row(number, dict(zip(columns, cells)))`` from its filled-in columns (distinct) and their cells.

        >>> Row.of(3, ("id", "name"), ["ngo-1", "甲"]) == Row(3, {"id": "ngo-1", "name": "甲"})
        True
        """
        shared = _SHAPES.get(columns)
        if shared is None:
            if len(_SHAPES) >= _MAX_SHAPES:
                _SHAPES.clear()
            shared = _SHAPES[columns] = columns
        return tuple.__new__(cls, (number, shared, *cells))

    @property
    def number(self) -> int:
        """The row's number as a spreadsheet shows it (the header is row 1)."""
        return self[0]  # type: ignore[no-any-return]

    @property
    def _columns(self) -> tuple[str, ...]:
        return self[1]  # type: ignore[no-any-return]

    @property
    def values(self) -> dict[str, str]:
        """The row's filled-in cells by column name (a new dict on every call)."""
        return dict(zip(self[1], self[2:], strict=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Row):
            return NotImplemented
        return self.number == other.number and self.values == other.values

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    __hash__ = None  # type: ignore[assignment]  # like the dict it holds

    def __getnewargs__(self) -> tuple[int, dict[str, str]]:  # type: ignore[override]  # for pickle and copy
        return self.number, self.values

    def __repr__(self) -> str:
        return f"Row(number={self.number!r}, values={self.values!r})"


@dataclass
class Table:
    """A table read from one file or sheet."""

    name: str
    source: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class RawPackage:
    """The tables of one fieldwork package, before validation.

    ``problems`` holds what the reader itself found wrong (undecodable files,
    duplicate headers); validation adds to them.
    """

    name: str
    path: str
    tables: dict[str, Table]
    problems: list = field(default_factory=list)
    fingerprint: str = ""


def tuple_getter(positions: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """``itemgetter`` over ``positions`` that always returns a tuple (a slice when they are consecutive).

    >>> row = ("a", "b", "c", "d")
    >>> tuple_getter([1, 2])(row), tuple_getter([3])(row), tuple_getter([2, 0])(row), tuple_getter([])(row)
    (('b', 'c'), ('d',), ('c', 'a'), ())
    """
    positions = list(positions)
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        only = positions[0]
        return lambda row: (row[only],)
    if positions == list(range(positions[0], positions[-1] + 1)):
        return itemgetter(slice(positions[0], positions[-1] + 1))
    return itemgetter(*positions)
