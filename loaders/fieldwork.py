"""Read a fieldwork package: a folder of CSV files or one ``.xlsx`` workbook.

Each file (or sheet) is one table, named by its stem (or sheet name): ``ngos``,
``agencies``, ``ties``, ``codes`` and so on; :mod:`graphmodel.engine.validate` knows which
tables exist. Cells are returned as stripped strings, empty cells are left out,
and rows keep the number a spreadsheet shows (header = row 1).

>>> from graphmodel.sample import sample_path
>>> package = read_package(sample_path())
>>> package.name, "ngos" in package.tables
('paper', True)
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

from graphmodel.errors import GraphmodelError, Problem
from graphmodel.gcpause import gc_paused
from graphmodel.tables import RawPackage, Row, Table
from loaders.encoding import UndecodableText, decode

__all__ = ["cell_text", "read_package"]


def cell_text(value: Any) -> str:
    """Turn a spreadsheet cell into the string a CSV file would hold.

    >>> cell_text(2005.0), cell_text(dt.datetime(2010, 6, 1)), cell_text(" x ")
    ('2005', '2010-06-01', 'x')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _bad_column_name(name: str) -> str | None:
    """Why a header cannot name a property on both engines, or None.

    >>> _bad_column_name("备注"), _bad_column_name("a`b")
    (None, 'a column name may not contain a backtick (`)')
    """
    if "`" in name:
        return "a column name may not contain a backtick (`)"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "a column name may not contain control characters (line breaks, tabs, NUL)"
    return None


def _table(
    name: str,
    source: str,
    header: list[Any],
    body: list[tuple[int, list[Any]]],
    problems: list[Problem],
    *,
    text_cells: bool = False,
) -> Table:
    columns = [cell_text(h) for h in header]
    seen: dict[str, int] = {}
    for index, column in enumerate(columns, start=1):
        bad = _bad_column_name(column)
        if bad:
            # the name itself is not printed: it could break the one-problem-per-line report
            problems.append(Problem(source, 1, f"column {index}", bad))
            columns[index - 1] = ""
            continue
        if not column:
            if any(index <= len(cells) and cell_text(cells[index - 1]) for _, cells in body):
                problems.append(Problem(source, 1, f"column {index}", "a column with data has no header"))
            continue
        if column in seen:
            problems.append(Problem(source, 1, column, f"duplicate header (also column {seen[column]})"))
        seen.setdefault(column, index)
    table = Table(name=name, source=source, columns=[c for c in columns if c])
    for number, cells in body:
        # CSV cells are already strings: only strip them (cell_text per cell dominates large reads)
        texts = [c.strip() for c in cells] if text_cells else [cell_text(c) for c in cells]
        if not any(texts):
            continue  # a blank row carries no data
        if len(texts) > len(columns):
            extra = [i for i, t in enumerate(texts[len(columns) :], start=len(columns) + 1) if t]
            if extra:
                problems.append(Problem(source, number, f"column {extra[0]}", "more cells than headers"))
        values: dict[str, str] = {}
        for index, (column, text) in enumerate(zip(columns, texts, strict=False), start=1):
            if "\x00" in text:  # FalkorDB cannot take it as a parameter; refuse it on both stores
                problems.append(
                    Problem(source, number, column or f"column {index}", "contains a NUL character (U+0000)")
                )
            if column and text and column not in values:  # a duplicate header is reported; first wins
                values[column] = text
        table.rows.append(Row(number, values))
    return table


def _read_csv(path: Path, problems: list[Problem]) -> Table | None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, 1, "-", f"cannot read the table: {exc.strerror or exc}"))
        return None
    try:
        text, _ = decode(data)
    except UndecodableText as exc:
        problems.append(Problem(path.name, exc.line, "-", f"cannot read the file: {exc}"))
        return None
    text = text.lstrip("\ufeff")
    # A quoted cell may span lines yet is one spreadsheet row: rows are counted as records.
    reader = csv.reader(io.StringIO(text, newline=""))
    body: list[tuple[int, list[Any]]] = []
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(path.name, 1, "-", "the file is empty (a header row is required)"))
            return None
        for number, cells in enumerate(reader, start=2):
            body.append((number, cells))
    except csv.Error as exc:
        problems.append(Problem(path.name, reader.line_num, "-", f"not a valid CSV file: {exc}"))
        return None
    return _table(path.stem, path.name, header, body, problems, text_cells=True)


def _read_workbook(path: Path, problems: list[Problem]) -> list[Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise GraphmodelError(f"{path}: cannot open the workbook: {exc}") from exc
    tables = []
    try:
        for sheet in book.worksheets:
            source = f"{path.name}[{sheet.title}]"
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                continue
            body = []
            for offset, cells in enumerate(rows[1:], start=2):
                for index, value in enumerate(cells, start=1):
                    if isinstance(value, str) and value.startswith("="):
                        header = cell_text(rows[0][index - 1]) if index <= len(rows[0]) else f"column {index}"
                        problems.append(
                            Problem(
                                source,
                                offset,
                                header or f"column {index}",
                                "a formula, not a value: paste values instead",
                            )
                        )
                body.append((offset, list(cells)))
            tables.append(_table(sheet.title, source, list(rows[0]), body, problems))
    finally:
        book.close()
    return tables


def _unreadable(path: Path) -> str | None:
    """Why a table file cannot be read (a folder, a broken link, a pipe, no permission), or None.

    >>> import tempfile
    >>> _unreadable(Path(tempfile.mkdtemp()))
    'it is a folder, not a file'
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "it is a broken link" if path.is_symlink() else "it does not exist"
    except OSError as exc:
        return f"{exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if not stat.S_ISREG(mode):
        return "it is not a regular file (a pipe, socket or device)"
    if not os.access(path, os.R_OK):
        return "permission denied"
    return None


def _fingerprint(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for p in sorted(paths):
        digest.update(p.name.encode())
        digest.update(p.read_bytes())
    return digest.hexdigest()[:16]


def read_package(path: str | Path, name: str | None = None) -> RawPackage:
    """Read every table of a package; problems found while reading are collected, not raised.

    Raises :class:`~graphmodel.errors.GraphmodelError` only when the path itself is unusable.
    """
    with gc_paused():
        return _read_package(Path(path), name)


def _read_package(path: Path, name: str | None) -> RawPackage:
    problems: list[Problem] = []
    tables: dict[str, Table] = {}
    if path.is_dir():
        entries = sorted(p for p in path.iterdir() if p.suffix.lower() == ".csv")
        files = []
        for entry in entries:
            why = _unreadable(entry)
            if why:  # never taken as absent: its rows would be removed from the graph
                problems.append(Problem(entry.name, 1, "-", f"cannot read the table: {why}"))
            else:
                files.append(entry)
        if not entries:
            raise GraphmodelError(f"{path}: no .csv files in this folder")
        for file in files:
            table = _read_csv(file, problems)
            if table is None:
                continue
            if table.name in tables:
                problems.append(Problem(file.name, 1, "-", f"a second file for table {table.name!r}"))
                continue
            tables[table.name] = table
        package_name = name or path.resolve().name
    elif path.is_file() and path.suffix.lower() in {".xlsx", ".xlsm"}:
        files = [path]
        for table in _read_workbook(path, problems):
            if table.name in tables:
                problems.append(Problem(table.source, 1, "-", f"a second sheet for table {table.name!r}"))
                continue
            tables[table.name] = table
        package_name = name or path.stem
    elif path.exists():
        raise GraphmodelError(f"{path}: a package is a folder of .csv files or one .xlsx workbook")
    else:
        raise GraphmodelError(f"{path}: no such file or folder")
    return RawPackage(
        name=package_name, path=str(path), tables=tables, problems=problems, fingerprint=_fingerprint(files)
    )
