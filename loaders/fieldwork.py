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

import codecs
import csv
import datetime as dt
import hashlib
import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from itertools import compress
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter

from graphmodel.errors import GraphmodelError, Problem
from graphmodel.gcpause import gc_paused
from graphmodel.tables import RawPackage, Row, Table
from loaders.encoding import _BOMS, _UTF32_BOMS, UndecodableText, _wide_unicode, decode

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
    body: Iterable[tuple[int, list[Any]]],
    problems: list[Problem],
    *,
    text_cells: bool = False,
) -> Table:
    """A table from its header and its rows, read one at a time (``body`` may be a generator)."""
    columns = [cell_text(h) for h in header]
    seen: dict[str, int] = {}
    unnamed: set[int] = set()  # columns without a header: reported if a row has data in them
    for index, column in enumerate(columns, start=1):
        bad = _bad_column_name(column)
        if bad:
            # the name itself is not printed: it could break the one-problem-per-line report
            problems.append(Problem(source, 1, f"column {index}", bad))
            columns[index - 1] = ""
            continue
        if not column:
            unnamed.add(index)
            continue
        if column in seen:
            problems.append(Problem(source, 1, column, f"duplicate header (also column {seen[column]})"))
        seen.setdefault(column, index)
    table = Table(name=name, source=source, columns=[c for c in columns if c])
    # Cells repeat (tie types, years, rounds, ids on many ties): one string object per distinct text
    # keeps a large package in about half the memory, for one dictionary lookup per cell.
    distinct: dict[str, str] = {}
    shared = distinct.setdefault
    # A CSV table whose every column has a name of its own: a row with as many cells as the
    # header (or fewer) and no NUL is built from its filled-in cells directly (the same Row
    # as the loop below builds, without a dict or a Python step per cell).
    plain = text_cells and len(seen) == len(columns)
    header_names = tuple(columns)
    width = len(columns)
    for number, cells in body:
        # CSV cells are already strings: only strip them (cell_text per cell dominates large reads)
        texts = (
            [shared(t, t) for t in map(str.strip, cells)]
            if text_cells
            else [shared(t, t) for t in map(cell_text, cells)]
        )
        if not any(texts):
            continue  # a blank row carries no data
        if plain and len(texts) <= width and "\x00" not in "".join(texts):
            if all(texts) and len(texts) == width:
                table.rows.append(Row.of(number, header_names, texts))
            else:
                table.rows.append(Row.of(number, tuple(compress(header_names, texts)), list(filter(None, texts))))
            continue
        if len(texts) > len(columns) and not text_cells:
            # a sheet's header row ends at its last filled cell: cells past it are under no header
            unnamed.update(range(len(columns) + 1, len(texts) + 1))
            columns += [""] * (len(texts) - len(columns))
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
            elif not column and text and index in unnamed:
                problems.append(Problem(source, 1, f"column {index}", "a column with data has no header"))
                unnamed.discard(index)
        table.rows.append(Row(number, values))
    return table


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their line ends, one at a time (no second copy of the text).

    >>> list(_lines("a\\nb\\r\\nc"))
    ['a\\n', 'b\\r\\n', 'c']
    """
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


#: Bytes read and decoded at a time from a CSV file.
BLOCK = 1 << 20


class _NotStreamable(Exception):
    """The file is not plain UTF-8 or UTF-16 with a byte-order mark: it is read whole (see :func:`_read_csv`)."""


def _streamed_lines(fh: BinaryIO) -> Iterator[str]:
    """The lines of a UTF-8 (with or without a byte-order mark) or UTF-16 (with one) file, with
    their line ends, decoded :data:`BLOCK` bytes at a time; the byte-order mark is dropped.

    Raises :class:`_NotStreamable` for any other encoding (the whole-file path names it).

    >>> import io
    >>> list(_streamed_lines(io.BytesIO("\\ufeffid,名\\r\\nx,云".encode("utf-8"))))
    ['id,名\\r\\n', 'x,云']
    >>> list(_streamed_lines(io.BytesIO("id\\n甲\\n".encode("utf-16"))))
    ['id\\n', '甲\\n']
    """
    head = fh.read(4096)
    if any(head.startswith(bom) for bom in _UTF32_BOMS):  # before UTF-16's: FF FE starts both
        raise _NotStreamable
    encoding = next((e for bom, e in _BOMS.items() if head.startswith(bom)), None)
    if encoding is None:
        if _wide_unicode(head):
            raise _NotStreamable
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    rest = ""
    block = head
    first = True
    while True:
        final = not block
        try:
            text = rest + decoder.decode(block, final=final)
        except UnicodeDecodeError:
            raise _NotStreamable from None
        if first and text:
            text, first = text.removeprefix("\ufeff"), False
        start = 0
        while (end := text.find("\n", start)) >= 0:
            yield text[start : end + 1]
            start = end + 1
        rest = text[start:]
        if final:
            if rest:
                yield rest
            return
        block = fh.read(BLOCK)


def _read_csv(path: Path, problems: list[Problem]) -> Table | None:
    """A CSV file's table, read and decoded a block at a time when it is UTF-8 or UTF-16 with a
    byte-order mark; a file in another encoding is read whole (see :mod:`loaders.encoding`)."""
    mark = len(problems)
    try:
        with path.open("rb") as fh:
            return _csv_table(path, _streamed_lines(fh), problems)
    except OSError as exc:
        del problems[mark:]
        problems.append(Problem(path.name, 1, "-", f"cannot read the table: {exc.strerror or exc}"))
        return None
    except _NotStreamable:
        del problems[mark:]  # what the partial read found is found again, or the encoding is refused
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(path.name, 1, "-", f"cannot read the table: {exc.strerror or exc}"))
        return None
    try:
        text, _ = decode(data)
        del data  # the bytes are freed as soon as they are decoded
    except UndecodableText as exc:
        problems.append(Problem(path.name, exc.line, "-", f"cannot read the file: {exc}"))
        return None
    return _csv_table(path, _lines(text.removeprefix("\ufeff")), problems)


def _csv_table(path: Path, lines: Iterator[str], problems: list[Problem]) -> Table | None:
    # A quoted cell may span lines yet is one spreadsheet row: rows are counted as records.
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            problems.append(Problem(path.name, 1, "-", "the file is empty (a header row is required)"))
            return None
        return _table(path.stem, path.name, header, enumerate(reader, start=2), problems, text_cells=True)
    except csv.Error as exc:
        problems.append(Problem(path.name, reader.line_num, "-", f"not a valid CSV file: {exc}"))
        return None


#: Most rows a sheet may have (Excel's own limit); a sheet claiming more is refused, not read.
MAX_SHEET_ROWS = 1_048_576
#: Cell values that are plain data; anything else (a formula object, say) is reported.
_PLAIN = (str, int, float, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


def _cell_problem(cell: Any) -> str | None:
    """Why a workbook cell is not a plain value, or None."""
    kind = getattr(cell, "data_type", None)
    value = getattr(cell, "value", None)
    if kind == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        return "a formula, not a value: paste values instead"
    if kind == "e":
        return f"an error value ({value}), not a value: fix or clear the cell"
    if value is not None and not isinstance(value, _PLAIN):
        return f"not a plain value ({type(value).__name__})"
    return None


def _sheet_rows(sheet: Any, source: str, problems: list[Problem]) -> Iterator[tuple[int, list[Any]]]:
    """A read-only sheet's rows as ``(number, values)``, one at a time, with cell problems reported.

    The sheet's declared size is ignored (it may claim a million rows of 16,384 cells):
    each row is as long as its last cell, and reading stops after :data:`MAX_SHEET_ROWS`.
    """
    sheet.reset_dimensions()
    header: list[str] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if number > MAX_SHEET_ROWS:
            problems.append(Problem(source, number, "-", f"more than {MAX_SHEET_ROWS:,} rows: not read further"))
            return
        values = []
        for index, cell in enumerate(cells, start=1):
            reason = _cell_problem(cell)
            if reason:
                column = header[index - 1] if number > 1 and index <= len(header) and header[index - 1] else ""
                where = f"{sheet.title}!{get_column_letter(index)}{number}"
                problems.append(Problem(source, number, column or f"column {index}", f"{reason} ({where})"))
            value = getattr(cell, "value", None)
            # a formula object stands as its text, so the row is not reported again as empty
            values.append(value if value is None or isinstance(value, _PLAIN) else str(getattr(value, "text", "=")))
        if number == 1:
            header = [cell_text(v) for v in values]
        yield number, values


def _merged_ranges(book: Any, sheet: Any) -> list[str]:
    """The merged ranges of a read-only sheet (openpyxl gives none in read-only mode), e.g. ``['B2:C3']``."""
    from xml.etree.ElementTree import iterparse

    ranges = []
    with book._archive.open(sheet._worksheet_path) as src:
        for _, element in iterparse(src):
            if element.tag.endswith("}mergeCell"):
                ranges.append(element.get("ref", ""))
            element.clear()  # keep memory flat over a large sheet
    return ranges


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
            if sheet.sheet_state != "visible":  # reported, and read as usual so nothing else is reported for it
                problems.append(Problem(source, 1, "-", f"the sheet is {sheet.sheet_state}: unhide it or delete it"))
            rows = _sheet_rows(sheet, source, problems)
            first_row = next(rows, None)
            if first_row is None:
                continue
            header = [cell_text(v) for v in first_row[1]]
            for ref in _merged_ranges(book, sheet):
                try:
                    letters, row = coordinate_from_string(ref.split(":")[0])
                    index = column_index_from_string(letters)
                except ValueError:
                    letters, row, index = "", 1, 0
                named = header[index - 1] if row > 1 and index <= len(header) and header[index - 1] else ""
                problems.append(
                    Problem(
                        source,
                        row,
                        named or (f"column {index}" if index else "-"),
                        f"merged cells ({sheet.title}!{ref}): unmerge them and fill every cell",
                    )
                )
            tables.append(_table(sheet.title, source, first_row[1], rows, problems))
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
        with p.open("rb") as fh:  # a block at a time: never a whole file in memory
            while block := fh.read(BLOCK):
                digest.update(block)
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
