"""Render query results as rich tables, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from rich.table import Table

from graphmodel.stores.base import Result

FORMATS = ("table", "csv", "json")


def cell(value: Any) -> str:
    """A value as text for a table or CSV cell; lists are joined with ``;``.

    >>> cell(["Y134", "N142"]), cell(None), cell(2.5)
    ('Y134;N142', '', '2.5')
    """
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def rich_table(result: Result, title: str | None = None) -> Table:
    """A rich table of a result; all text is shown literally (no markup)."""
    table = Table(title=None if title is None else _literal(title), show_lines=False)
    for column in result.columns:
        table.add_column(column, overflow="fold")
    for row in result.rows:
        table.add_row(*(_literal(cell(v)) for v in row))
    return table


def _literal(text: str) -> Any:
    from rich.text import Text

    return Text(text)


#: What a spreadsheet reads as the start of a formula (or, for tab and CR, may after trimming).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """``text`` with a leading ``'`` when a spreadsheet would read it as a formula.

    Excel, LibreOffice and Google Sheets treat a cell that starts with ``= + - @``
    (or a tab or carriage return before one) as a formula (OWASP "CSV injection").
    The apostrophe makes it text; numbers such as ``-3`` or ``-2.5`` are left alone.

    >>> spreadsheet_safe("=1+1"), spreadsheet_safe("-3"), spreadsheet_safe("@SUM(A1)"), spreadsheet_safe("-x")
    ("'=1+1", '-3', "'@SUM(A1)", "'-x")
    """
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip() == text and text.lower().lstrip("+-") not in ("inf", "infinity", "nan")


def to_csv(result: Result) -> str:
    """A result as CSV text with a header row; cells a spreadsheet would run as formulas are escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_safe(c) for c in result.columns])
    for row in result.rows:
        writer.writerow([spreadsheet_safe(cell(v)) for v in row])
    return buffer.getvalue()


def to_json(result: Result) -> str:
    """A result as a JSON list of objects (Chinese kept as is)."""
    return json.dumps(result.records(), ensure_ascii=False, indent=2)
