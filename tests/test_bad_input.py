"""A corpus of malformed fieldwork packages, as CSV folders and XLSX workbooks.

Each case is the small fixture package ``mini`` with one thing broken, and the
problems that must be reported, located as ``file:row:column`` (row 1 = the header,
as a spreadsheet shows it). Every case goes through ``graphmodel load`` on both
stores, over a graph that already holds ``mini``: the command exits non-zero, prints
each problem on its own ``file:row:column: reason`` line, and the graph's fingerprint
does not change (a partial write of the refresh would change it).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.engine.validate import validate_package
from graphmodel.errors import InvalidPackage
from graphmodel.fingerprint import fingerprint
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore
from loaders.fieldwork import read_package

FIXTURES = Path(__file__).parent / "fixtures"
Tables = dict[str, list[list[object]]]
#: One problem line: file, row, column, reason (the file of a workbook is ``book.xlsx[sheet]``).
LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<row>\d+):(?P<column>[^:\n]+): (?P<reason>\S.*)$")


def mini_tables() -> Tables:
    tables: Tables = {}
    for path in sorted((FIXTURES / "mini").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            tables[path.stem] = [list(r) for r in csv.reader(fh)]
    return tables


def cell(tables: Tables, table: str, row: int, column: str, value: object) -> None:
    """Set one cell; ``row`` is the spreadsheet row (header = 1)."""
    header = tables[table][0]
    line = tables[table][row - 1]
    index = header.index(column)
    line.extend([""] * (index + 1 - len(line)))
    line[index] = value


def header(tables: Tables, table: str, column: str, new: str | None) -> None:
    """Rename a column, or drop it (with its cells) when ``new`` is None."""
    index = tables[table][0].index(column)
    if new is None:
        for line in tables[table]:
            del line[index]
    else:
        tables[table][0][index] = new


def add_column(tables: Tables, table: str, column: str, values: dict[int, object] | None = None) -> None:
    """Add a column at the end; ``values`` maps spreadsheet rows to cells."""
    tables[table][0].append(column)
    for row, line in enumerate(tables[table][1:], start=2):
        line.extend([""] * (len(tables[table][0]) - 1 - len(line)))
        line.append((values or {}).get(row, ""))


def funds(tables: Tables, amount: object) -> None:
    """A FUNDS tie (county federation to ngo-a) with ``amount``, on row 9 of ties."""
    add_column(tables, "ties", "amount")
    append(tables, "ties", source="wf-county", type="FUNDS", target="ngo-a", start="2010", round="1", amount=amount)


def append(tables: Tables, table: str, **values: object) -> None:
    columns = tables[table][0]
    tables[table].append([values.get(c, "") for c in columns])


@dataclass
class Case:
    """A broken package and the problems it must be refused with: (table, row, column, reason)."""

    kind: str
    name: str
    expected: list[tuple[str, int, str, str]]
    change: Callable[[Tables], None] | None = None
    #: Raw bytes for some files (encoding cases): table -> bytes.
    raw: Callable[[], dict[str, bytes]] | None = None
    formats: tuple[str, ...] = ("csv", "xlsx")
    #: Another package to load first (for ids it owns).
    other: dict[str, str] = field(default_factory=dict)
    #: Changes to the workbook itself (formulas, merged cells, hidden sheets), before it is saved.
    book: Callable[[Workbook], None] | None = None


def _c(
    kind: str, name: str, change: Callable[[Tables], None], *expected: tuple[str, int, str, str], **kw: object
) -> Case:
    return Case(kind, name, list(expected), change, **kw)  # type: ignore[arg-type]


GBK_NGOS = (
    "id,name,name_zh,registration\nngo-a,Green Hills,青山环保协会,ngo\nngo-b,Bright Desks,明桌教育,unregistered\n"
)
GBK_FUNDERS = "id,name,name_zh,kind\nf-1,Love Fund,爱心基金会,foundation\nf-2,County Fund,县扶贫办,government\n"

CASES: list[Case] = [
    # headers
    _c(
        "missing header",
        "required node column",
        lambda t: header(t, "ngos", "registration", None),
        ("ngos", 1, "registration", "required column is missing"),
    ),
    _c(
        "missing header",
        "required tie column",
        lambda t: header(t, "ties", "target", None),
        ("ties", 1, "target", "required column is missing"),
    ),
    _c(
        "missing header",
        "required code column",
        lambda t: header(t, "codes", "code", None),
        ("codes", 1, "code", "required column is missing"),
    ),
    _c(
        "duplicate header",
        "name twice",
        lambda t: header(t, "ngos", "name_zh", "name"),
        ("ngos", 1, "name", "duplicate header (also column 2)"),
    ),
    _c(
        "duplicate header",
        "id twice",
        lambda t: header(t, "villages", "name_zh", "id"),
        ("villages", 1, "id", "duplicate header (also column 1)"),
    ),
    _c(
        "headerless column",
        "data under an empty header",
        lambda t: header(t, "ngos", "website", ""),
        ("ngos", 1, "column 11", "a column with data has no header"),
    ),
    _c(
        "reserved header",
        "underscore column",
        lambda t: header(t, "ngos", "website", "_package"),
        ("ngos", 1, "_package", "reserved for graphmodel"),
    ),
    _c(
        "unsafe header",
        "backtick in a header",
        lambda t: header(t, "ngos", "website", "web`site"),
        ("ngos", 1, "column 11", "may not contain a backtick"),
    ),
    _c(
        "unsafe header",
        "line break in a header",
        lambda t: header(t, "ngos", "website", "web\nsite"),
        ("ngos", 1, "column 11", "may not contain control characters"),
    ),
    # types and vocabularies
    _c(
        "bad type",
        "integer as words",
        lambda t: cell(t, "ngos", 2, "founded", "nineteen"),
        ("ngos", 2, "founded", "valid integer"),
    ),
    _c(
        "bad type",
        "integer out of range",
        lambda t: cell(t, "ngos", 2, "core_staff", "-3"),
        ("ngos", 2, "core_staff", "greater than or equal to 0"),
    ),
    _c(
        "bad type",
        "round not a number",
        lambda t: cell(t, "ties", 3, "round", "first"),
        ("ties", 3, "round", "valid integer"),
    ),
    _c(
        "bad vocabulary",
        "registration",
        lambda t: cell(t, "ngos", 3, "registration", "secret"),
        ("ngos", 3, "registration", "Input should be 'ngo', 'business' or 'unregistered'"),
    ),
    _c(
        "bad vocabulary",
        "agency level",
        lambda t: cell(t, "agencies", 2, "level", "galactic"),
        ("agencies", 2, "level", "Input should be"),
    ),
    _c(
        "bad vocabulary",
        "interview sector",
        lambda t: cell(t, "interviews", 2, "sector", "NGO!"),
        ("interviews", 2, "sector", "Input should be"),
    ),
    # ids
    _c(
        "duplicate id",
        "same NGO twice",
        lambda t: append(t, "ngos", id="ngo-a", name="Again", registration="ngo"),
        ("ngos", 4, "id", "duplicate id 'ngo-a' (first in"),
    ),
    _c(
        "duplicate id",
        "same id in two tables",
        lambda t: append(t, "villages", id="wf-town", name="Clash"),
        ("villages", 4, "id", "duplicate id 'wf-town'"),
    ),
    _c(
        "empty id",
        "no id",
        lambda t: append(t, "villages", name="Nameless"),
        ("villages", 4, "id", "a value is required"),
    ),
    _c(
        "empty id",
        "blank id",
        lambda t: append(t, "villages", id="   ", name="Blank"),
        ("villages", 4, "id", "a value is required"),
    ),
    _c(
        "owned id",
        "id another package loaded as another kind",
        lambda t: append(t, "villages", id="v-9", name="Taken"),
        ("villages", 4, "id", "is in the graph as Agency (package 'other'), not Village"),
        other={"agencies": "id,name,system,level\nv-9,Far,Police,county\n"},
    ),
    # ties
    _c(
        "missing node",
        "tie target",
        lambda t: cell(t, "ties", 8, "target", "ngo-zz"),
        ("ties", 8, "target", "target 'ngo-zz' does not exist"),
    ),
    _c(
        "missing node",
        "tie source",
        lambda t: cell(t, "ties", 4, "source", "wf-nowhere"),
        ("ties", 4, "source", "source 'wf-nowhere' does not exist"),
    ),
    _c(
        "missing node",
        "evidence interview",
        lambda t: cell(t, "ties", 2, "evidence", "Y999"),
        ("ties", 2, "evidence", "evidence interview 'Y999' does not exist"),
    ),
    _c(
        "missing node",
        "on behalf of",
        lambda t: cell(t, "ties", 4, "on_behalf_of", "ngo-zz"),
        ("ties", 4, "on_behalf_of", "on_behalf_of 'ngo-zz' does not exist"),
    ),
    _c(
        "missing node",
        "coded motivation",
        lambda t: cell(t, "codes", 2, "code", "trust"),
        ("codes", 2, "code", "target 'trust' does not exist"),
    ),
    _c(
        "missing node",
        "tie to a node the package drops",
        lambda t: t["villages"].pop(),
        ("ties", 7, "target", "target 'v-2' does not exist"),
    ),
    _c(
        "wrong label",
        "sponsor is an NGO",
        lambda t: cell(t, "ties", 2, "source", "ngo-b"),
        ("ties", 2, "source", "source 'ngo-b' is NGO; SPONSORS needs Agency"),
    ),
    _c(
        "wrong label",
        "interview with a village",
        lambda t: cell(t, "interviews", 2, "organization", "v-1"),
        ("interviews", 2, "organization", "target 'v-1' is Village; WITH needs NGO or Agency"),
    ),
    _c(
        "wrong label",
        "evidence is not an interview",
        lambda t: cell(t, "ties", 2, "evidence", "ngo-a"),
        ("ties", 2, "evidence", "evidence interview 'ngo-a' is NGO"),
    ),
    _c(
        "unknown type",
        "made-up type",
        lambda t: cell(t, "ties", 3, "type", "FRIENDS_WITH"),
        ("ties", 3, "type", "unknown tie type 'FRIENDS_WITH'"),
    ),
    _c(
        "unknown type",
        "lower case",
        lambda t: cell(t, "ties", 3, "type", "sponsors"),
        ("ties", 3, "type", "unknown tie type 'sponsors'"),
    ),
    _c(
        "unknown type",
        "empty type",
        lambda t: cell(t, "ties", 3, "type", ""),
        ("ties", 3, "type", "a value is required"),
    ),
    _c(
        "unknown type",
        "derived type written by hand",
        lambda t: cell(t, "ties", 3, "type", "WITH"),
        ("ties", 3, "type", "WITH ties are derived from interviews.organization"),
    ),
    _c(
        "unknown type",
        "Cypher in the type",
        lambda t: cell(t, "ties", 3, "type", "SPONSORS]->() DETACH DELETE n //"),
        ("ties", 3, "type", "unknown tie type"),
    ),
    _c(
        "tie columns",
        "column of another type",
        lambda t: cell(t, "ties", 2, "kind", "venue"),
        ("ties", 2, "kind", "does not apply to SPONSORS ties"),
    ),
    _c(
        "tie columns",
        "required tie property",
        lambda t: cell(t, "ties", 8, "kind", ""),
        ("ties", 8, "kind", "a value is required"),
    ),
    _c(
        "duplicate tie",
        "same tie twice",
        lambda t: t["ties"].append(list(t["ties"][1])),
        ("ties", 9, "-", "the same tie as"),
    ),
    # basis: stated_by, required for a stated row, names only the row's evidence (or paper)
    _c(
        "basis rule",
        "stated tie without stated_by",
        lambda t: (add_column(t, "ties", "basis", {2: "stated"}), add_column(t, "ties", "stated_by")),
        ("ties", 2, "stated_by", "required when basis is stated"),
    ),
    _c(
        "basis rule",
        "stated_by outside the evidence",
        lambda t: (
            add_column(t, "ties", "basis", {3: "stated"}),
            add_column(t, "ties", "stated_by", {3: "N900;paper"}),
        ),
        ("ties", 3, "stated_by", "N900 is not among the row's evidence (Y900)"),
    ),
    _c(
        "basis rule",
        "stated_by on an illustrative node",
        lambda t: (
            add_column(t, "ngos", "basis", {3: "illustrative"}),
            add_column(t, "ngos", "stated_by", {3: "N900"}),
        ),
        ("ngos", 3, "stated_by", "given only when basis is stated (here illustrative)"),
    ),
    _c(
        "basis rule",
        "a code stated by another interview",
        lambda t: (add_column(t, "codes", "basis", {2: "stated"}), add_column(t, "codes", "stated_by", {2: "N900"})),
        ("codes", 2, "stated_by", "N900 is not among the row's evidence (Y900)"),
    ),
    # dates
    _c(
        "bad partial date",
        "month 13",
        lambda t: cell(t, "ties", 2, "start", "2010-13"),
        ("ties", 2, "start", "not a real date (month must be in 1..12)"),
    ),
    _c(
        "bad partial date",
        "30 February",
        lambda t: cell(t, "ties", 2, "start", "2010-02-30"),
        ("ties", 2, "start", "not a real date"),
    ),
    _c(
        "bad partial date",
        "words",
        lambda t: cell(t, "interviews", 2, "date", "May 2010"),
        ("interviews", 2, "date", "not a date like 2010, 2010-06 or 2010-06-15"),
    ),
    _c(
        "bad partial date",
        "slashes",
        lambda t: cell(t, "interviews", 3, "date", "2010/06"),
        ("interviews", 3, "date", "not a date like"),
    ),
    _c(
        "bad partial date",
        "ends before it starts",
        lambda t: cell(t, "ties", 2, "end", "2001"),
        ("ties", 2, "end", "ends (2001) before it starts (2003)"),
    ),
    _c(
        "bad partial date",
        "spreadsheet date with a time",
        lambda t: cell(t, "interviews", 2, "date", dt.datetime(2010, 5, 1, 10, 30)),
        ("interviews", 2, "date", "not a date like"),
        formats=("xlsx",),
    ),
    # rows and cells
    _c(
        "blank rows",
        "row numbers survive blank rows",
        lambda t: (t["ngos"].insert(1, [""] * 11), t["ngos"].insert(1, []), cell(t, "ngos", 5, "scope", "galaxy")),
        ("ngos", 5, "scope", "Input should be"),
    ),
    _c(
        "extra cells",
        "more cells than headers",
        lambda t: t["ngos"][1].extend(["", "surplus"]),
        ("ngos", 2, "column 13", "more cells than headers"),
        formats=("csv",),
    ),  # a workbook: headerless column
    _c(
        "unknown table",
        "stray sheet",
        lambda t: t.update(stray=[["id"], ["x"]]),
        ("stray", 1, "-", "unknown table 'stray'"),
    ),
    _c(
        "huge cell",
        "over the cell limit",
        lambda t: cell(t, "ngos", 2, "name", "长" * 40_000),
        ("ngos", 2, "name", "cell longer than 32768 characters (40000)"),
        formats=("csv",),
    ),  # openpyxl cuts at 32767
    Case(
        "huge cell",
        "over the CSV field limit",
        [("funders", 3, "-", "not a valid CSV file")],
        formats=("csv",),
        raw=lambda: {"funders": b"id,name,kind\nf-1,Fund,foundation\nf-2," + b"x" * 200_000 + b",foundation\n"},
    ),
    _c(
        "control character",
        "NUL in a cell",
        lambda t: cell(t, "villages", 3, "name", "Lower\x00Village"),
        ("villages", 3, "name", "contains a NUL character"),
        formats=("csv",),
    ),
    _c(
        "formula",
        "formula for a name",
        lambda t: cell(t, "ngos", 2, "name", '=HYPERLINK("http://x","a")'),
        ("ngos", 2, "name", "a formula, not a value"),
        formats=("xlsx",),
    ),
    _c(
        "formula",
        "formula for a role",
        lambda t: cell(t, "interviews", 3, "role", '=CONCAT("dir","ector")'),
        ("interviews", 3, "role", "a formula, not a value"),
        formats=("xlsx",),
    ),
    # encodings (CSV files only: a workbook carries its own encoding)
    Case(
        "broken encoding",
        "stray bytes",
        [("funders", 1, "-", "not UTF-8 or GB18030/GBK")],
        formats=("csv",),
        raw=lambda: {"funders": "id,name,kind\nf-1,Société,foundation\n".encode("latin-1") + b"\xff\xfe\x80\n"},
    ),
    Case(
        "broken BOM",
        "UTF-8 BOM over GBK",
        [("funders", 1, "-", "starts with a utf-8-sig byte-order mark")],
        formats=("csv",),
        raw=lambda: {"funders": b"\xef\xbb\xbf" + GBK_FUNDERS.encode("gbk")},
    ),
    Case(
        "broken BOM",
        "UTF-16 BOM, truncated",
        [("funders", 1, "-", "starts with a utf-16 byte-order mark")],
        formats=("csv",),
        raw=lambda: {"funders": b"\xff\xfe" + "id,name\n".encode("utf-16-le") + b"\x00"},
    ),
    Case(
        "mixed encodings",
        "UTF-8 and GBK lines in one file",
        [("funders", 3, "-", "mixes encodings: line 2")],
        formats=("csv",),
        raw=lambda: {
            "funders": "\n".join(GBK_FUNDERS.splitlines()[:2]).encode("utf-8")
            + b"\n"
            + GBK_FUNDERS.splitlines()[2].encode("gbk")
            + b"\n"
        },
    ),
    Case(
        "mixed encodings",
        "GBK, UTF-8 and a BOM across files, one bad date",
        [("interviews", 2, "date", "not a date like")],
        formats=("csv",),
        change=lambda t: cell(t, "interviews", 2, "date", "2010年5月"),
        raw=lambda: {
            "ngos": GBK_NGOS.replace("ngo-b", "ngo-b").encode("gbk"),
            "villages": "id,name,name_zh\nv-1,Upper,上村\nv-2,Lower,下村\n".encode("utf-8-sig"),
        },
    ),
    Case(
        "empty file",
        "no header row",
        [("funders", 1, "-", "the file is empty")],
        formats=("csv",),
        raw=lambda: {"funders": b""},
    ),
]


# funders: a table no tie of mini refers to, so an unreadable file is the only problem
TRADITIONAL_FUNDERS = "id,name,name_zh,kind\nf-1,Love Fund,愛心基金會環境保護協會,domestic_foundation\n"
JAPANESE_FUNDERS = (
    "id,name,name_zh,kind\nf-1,Love Fund,ひかり教育センター,domestic_foundation\n"
    "f-2,Green Fund,みどり環境保護協会,domestic_foundation\n"
)


def _array_formula(book: Workbook) -> None:
    from openpyxl.worksheet.formula import ArrayFormula

    book["ngos"]["B2"] = ArrayFormula("B2", '=CONCAT("Green ","Hills")')


def _error_value(book: Workbook) -> None:
    book["villages"]["B3"] = "#N/A"
    book["villages"]["B3"].data_type = "e"


CASES += [
    # the one validation contract of both stores
    _c(
        "store limit",
        "integer past 64 bits",
        lambda t: cell(t, "ngos", 2, "core_staff", "9223372036854775808"),
        ("ngos", 2, "core_staff", "less than or equal to 9223372036854775807"),
    ),
    _c(
        "store limit",
        "number not finite",
        lambda t: funds(t, "inf"),
        ("ties", 9, "amount", "not a finite number"),
        formats=("csv",),  # a workbook cannot hold infinity
    ),
    _c(
        "store limit",
        "number overflowing to infinity",
        lambda t: funds(t, "1e400"),
        ("ties", 9, "amount", "not a finite number"),
        formats=("csv",),
    ),
    _c(
        "store limit",
        "number not a number",
        lambda t: funds(t, "nan"),
        ("ties", 9, "amount", "not a finite number"),
        formats=("csv",),
    ),
    _c(
        "store limit",
        "number with 17 significant digits",
        lambda t: funds(t, 1 / 3),
        ("ties", 9, "amount", "more than 15 significant digits"),
    ),
    _c(
        "store limit",
        "column name over 512 bytes",
        lambda t: header(t, "ngos", "website", "网" * 171),
        ("ngos", 1, "column 11", "a column name longer than 512 bytes"),
    ),
    _c(
        "store limit",
        "more properties than a node holds",
        lambda t: [add_column(t, "villages", f"extra{i}") for i in range(995)],
        ("villages", 1, "column 993", "more than 992 columns (1001)"),
    ),
    # digits, Unicode forms, self-loops
    _c(
        "non-ASCII digits",
        "full-width date",
        lambda t: cell(t, "interviews", 2, "date", "２０１０-05"),
        ("interviews", 2, "date", "digits must be ASCII 0-9: '２' is FULLWIDTH DIGIT TWO"),
    ),
    _c(
        "non-ASCII digits",
        "Devanagari tie start",
        lambda t: cell(t, "ties", 2, "start", "२००३"),
        ("ties", 2, "start", "digits must be ASCII 0-9: '२' is DEVANAGARI DIGIT TWO"),
    ),
    _c(
        "non-ASCII digits",
        "Arabic-Indic integer",
        lambda t: cell(t, "ngos", 2, "founded", "٢٠٠١"),
        ("ngos", 2, "founded", "digits must be ASCII 0-9: '٢' is ARABIC-INDIC DIGIT TWO"),
    ),
    _c(
        "non-ASCII digits",
        "full-width round",
        lambda t: cell(t, "ties", 3, "round", "２"),
        ("ties", 3, "round", "digits must be ASCII 0-9"),
    ),
    _c(
        "Unicode form",
        "decomposed id",
        lambda t: append(t, "villages", id="v-cafe\u0301", name="Decomposed"),
        ("villages", 4, "id", "not in Unicode NFC form"),
    ),
    _c(
        "Unicode form",
        "decomposed evidence id",
        lambda t: cell(t, "ties", 2, "evidence", "Y900;Y\u0308900"),
        ("ties", 2, "evidence", "not in Unicode NFC form"),
    ),
    _c(
        "self-loop",
        "an agency mobilising itself",
        lambda t: cell(t, "ties", 4, "target", "wf-county"),
        ("ties", 4, "target", "a MOBILIZES tie from a node to itself"),
    ),
    # encodings that GB18030 would read as other characters, and wide Unicode without a BOM
    Case(
        "other CJK encoding",
        "Big5",
        [("funders", 1, "-", "looks like Big5")],
        formats=("csv",),
        raw=lambda: {"funders": TRADITIONAL_FUNDERS.encode("big5")},
    ),
    Case(
        "other CJK encoding",
        "Shift-JIS",
        [("funders", 1, "-", "looks like Shift-JIS")],
        formats=("csv",),
        raw=lambda: {"funders": JAPANESE_FUNDERS.encode("shift_jis")},
    ),
    Case(
        "other CJK encoding",
        "EUC-JP",
        [("funders", 1, "-", "looks like EUC-JP")],
        formats=("csv",),
        raw=lambda: {"funders": JAPANESE_FUNDERS.encode("euc_jp")},
    ),
    Case(
        "wide Unicode",
        "UTF-16 without a BOM",
        [("funders", 1, "-", "is UTF-16 (little-endian) without a byte-order mark")],
        formats=("csv",),
        raw=lambda: {"funders": TRADITIONAL_FUNDERS.encode("utf-16-le")},
    ),
    Case(
        "wide Unicode",
        "UTF-16 big-endian without a BOM",
        [("funders", 1, "-", "is UTF-16 (big-endian) without a byte-order mark")],
        formats=("csv",),
        raw=lambda: {"funders": TRADITIONAL_FUNDERS.encode("utf-16-be")},
    ),
    Case(
        "wide Unicode",
        "UTF-32 without a BOM",
        [("funders", 1, "-", "is UTF-32 (little-endian) without a byte-order mark")],
        formats=("csv",),
        raw=lambda: {"funders": TRADITIONAL_FUNDERS.encode("utf-32-le")},
    ),
    Case(
        "wide Unicode",
        "UTF-32 with a BOM",
        [("funders", 1, "-", "is UTF-32 (little-endian); save it as UTF-8")],
        formats=("csv",),
        raw=lambda: {"funders": TRADITIONAL_FUNDERS.encode("utf-32")},
    ),
    # workbooks: only plain values
    Case(
        "workbook cell",
        "array formula",
        [("ngos", 2, "name", "a formula, not a value: paste values instead (ngos!B2)")],
        formats=("xlsx",),
        book=_array_formula,
    ),
    Case(
        "workbook cell",
        "error value",
        [("villages", 3, "name", "an error value (#N/A), not a value: fix or clear the cell (villages!B3)")],
        formats=("xlsx",),
        book=_error_value,
    ),
    Case(
        "workbook cell",
        "merged cells",
        [("ngos", 2, "name", "merged cells (ngos!B2:C2)")],
        formats=("xlsx",),
        book=lambda b: b["ngos"].merge_cells("B2:C2"),
    ),
    Case(
        "workbook sheet",
        "hidden sheet",
        [("motivations", 1, "-", "the sheet is hidden: unhide it or delete it")],
        formats=("xlsx",),
        book=lambda b: setattr(b["motivations"], "sheet_state", "hidden"),
    ),
    Case(
        "workbook sheet",
        "very hidden sheet",
        [("villages", 1, "-", "the sheet is veryHidden: unhide it or delete it")],
        formats=("xlsx",),
        book=lambda b: setattr(b["villages"], "sheet_state", "veryHidden"),
    ),
]


def build(case: Case, fmt: str, root: Path) -> tuple[Path, dict[str, str]]:
    """Write the case's package; return its path and table -> file name as problems name it."""
    tables = mini_tables()
    if case.change:
        case.change(tables)
    raw = case.raw() if case.raw else {}
    if fmt == "csv":
        folder = root / "mini"
        folder.mkdir()
        for name, rows in tables.items():
            if name not in raw:
                buffer = io.StringIO(newline="")
                csv.writer(buffer, lineterminator="\n").writerows(rows)
                (folder / f"{name}.csv").write_bytes(buffer.getvalue().encode("utf-8"))
        for name, data in raw.items():
            (folder / f"{name}.csv").write_bytes(data)
        return folder, {name: f"{name}.csv" for name in [*tables, *raw]}
    book = Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append([v if v != "" else None for v in row] or [None])
    if case.book:
        case.book(book)
    path = root / "mini.xlsx"
    book.save(path)
    return path, {name: f"mini.xlsx[{name}]" for name in tables}


PARAMS = [pytest.param(c, f, id=f"{c.kind}-{c.name}-{f}".replace(" ", "_")) for c in CASES for f in c.formats]


def test_the_corpus_is_big_enough() -> None:
    assert len(PARAMS) >= 40
    assert len({c.kind for c in CASES}) >= 20
    assert {f for c in CASES for f in c.formats} == {"csv", "xlsx"}


@pytest.mark.parametrize(("case", "fmt"), PARAMS)
def test_every_problem_is_located(case: Case, fmt: str, tmp_path: Path) -> None:
    """Validation alone (no store): exactly the expected problems, at the expected places."""
    path, files = build(case, fmt, tmp_path)
    lookup = None
    if case.other:
        lookup = lambda ids: {i: ("Agency", "other") for i in ids if i == "v-9"}  # noqa: E731
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(path), load_schema(), lookup)
    got = [(p.file, p.row, p.column) for p in info.value.problems]
    want = [(files[t], row, column) for t, row, column, _ in case.expected]
    assert got == want, info.value.report()
    for problem, (_, _, _, reason) in zip(info.value.problems, case.expected, strict=True):
        assert reason in problem.reason, str(problem)


def _url(store: Store) -> str:
    return f"embedded:{store.path}" if isinstance(store, EmbeddedStore) else os.environ["NEO4J_URI"]


def _cli_cases(store: Store) -> list[Any]:
    """Every case on the embedded store; on Neo4j one case of each kind and format, and every cross-package case.

    Where the problems are found does not depend on the store (``test_every_problem_is_located``
    checks every case without one); what does is the refusal leaving the graph alone and the
    lookups of ids other packages own, so Neo4j gets a case of each kind (about a third of the
    corpus: each refused load costs Neo4j round trips, and the full corpus took a minute of CI).
    """
    if isinstance(store, EmbeddedStore):
        return PARAMS
    seen: set[tuple[str, str]] = set()
    chosen = []
    for param in PARAMS:
        case, fmt = param.values
        if case.other or (case.kind, fmt) not in seen:  # type: ignore[union-attr]
            seen.add((case.kind, fmt))  # type: ignore[union-attr]
            chosen.append(param)
    return chosen


def test_cli_refuses_every_case_and_leaves_the_graph_alone(store: Store, tmp_path: Path) -> None:
    """The corpus through ``graphmodel load`` on one store (one test, so the store is set up once)."""
    other = tmp_path / "other"
    other.mkdir()
    (other / "agencies.csv").write_text("id,name,system,level\nv-9,Far,Police,county\n", encoding="utf-8")
    load_package(store, other)
    load_package(store, FIXTURES / "mini")
    before = fingerprint(store)
    runner = CliRunner()
    failures = []
    cases = _cli_cases(store)
    assert len(cases) >= len({(c.kind, f) for c in CASES for f in c.formats})
    for number, param in enumerate(cases):
        case, fmt = param.values
        root = tmp_path / f"case{number}"
        root.mkdir()
        path, files = build(case, fmt, root)  # type: ignore[arg-type]
        result = runner.invoke(app, ["load", str(path), "--store", _url(store)])
        lines = result.stderr.splitlines()
        problems = [line for line in lines if line.strip() and not line.startswith("error:")]
        located = [LINE.match(line) for line in problems]
        expected = [f"{files[t]}:{row}:{column}: " for t, row, column, _ in case.expected]  # type: ignore[attr-defined]
        if (
            result.exit_code == 0
            or not problems
            or not all(located)
            or not all(any(p.startswith(e) for p in problems) for e in expected)
            or "nothing was written" not in result.stderr
            or fingerprint(store) != before
        ):
            failures.append(f"{param.id}: exit {result.exit_code}\n{result.stderr}")
    assert not failures, "\n".join(failures)
