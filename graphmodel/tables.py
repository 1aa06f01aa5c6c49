"""The neutral form every reader produces: named tables of string cells.

A reader (``loaders.fieldwork`` for CSV folders and workbooks) turns files into a
:class:`RawPackage`; validation turns that into graph records.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its number as a spreadsheet shows it (header = 1) and its cells.

    Empty cells are left out of ``values``; every value is a stripped string. Slots, not a
    ``__dict__``: a large package has a million rows.
    """

    number: int
    values: dict[str, str]


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
