"""Render query results as rich tables, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
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


def write_xlsx(result: Result, path: str | Path, sheet: str = "result") -> Path:
    """Write a result as an Excel workbook: a header row, then one row per result row.

    Numbers stay numbers; every text is stored as text, never as a formula (a name such
    as ``=1+1`` shows as typed). Lists are joined with ``;`` as in CSV.

    >>> import tempfile, openpyxl
    >>> path = write_xlsx(Result(["name", "n"], [("=1+1", 2), ("绿色", None)]), tempfile.mkdtemp() + "/r.xlsx")
    >>> [[c.value for c in row] for row in openpyxl.load_workbook(path).active.iter_rows()]
    [['name', 'n'], ['=1+1', 2], ['绿色', None]]
    """
    from openpyxl import Workbook

    book = Workbook(write_only=False)
    ws = book.active
    ws.title = _sheet_title(sheet)
    ws.append(list(result.columns))
    for r, row in enumerate(result.rows, start=2):
        for c, value in enumerate(row, start=1):
            native = value if isinstance(value, int | float) and not isinstance(value, bool) else None
            target = ws.cell(row=r, column=c, value=native if native is not None else (cell(value) or None))
            if isinstance(target.value, str):
                target.data_type = "s"  # never a formula
    for c in range(1, len(result.columns) + 1):
        ws.cell(row=1, column=c).data_type = "s"
    path = Path(path)
    book.save(path)
    return path


def _sheet_title(title: str) -> str:
    """A valid worksheet name: at most 31 characters, none of ``[]:*?/\\``.

    >>> _sheet_title("a/b: c")
    'a_b_ c'
    """
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "result"
