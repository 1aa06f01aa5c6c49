"""Reading fieldwork files: encodings Chinese spreadsheets use, workbooks, odd rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook

from graphmodel.engine.validate import validate_package
from graphmodel.schema import load_schema
from loaders.fieldwork import read_package

FIXTURES = Path(__file__).parent / "fixtures"
NGOS = "id,name,name_zh,registration\nngo-a,Green Hills,青山环保协会,ngo\nngo-b,Bright Desks,明桌教育,unregistered\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_chinese_encodings(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "ngos.csv").write_bytes(NGOS.encode(encoding))
    table = read_package(tmp_path).tables["ngos"]
    assert table.columns == ["id", "name", "name_zh", "registration"]
    assert [r.values["name_zh"] for r in table.rows] == ["青山环保协会", "明桌教育"]


def test_mixed_encodings_in_one_package(tmp_path: Path) -> None:
    (tmp_path / "ngos.csv").write_bytes(NGOS.encode("gbk"))
    (tmp_path / "villages.csv").write_bytes("id,name,name_zh\nv-1,Upper,上村\n".encode("utf-8-sig"))
    package = read_package(tmp_path)
    assert package.tables["villages"].rows[0].values["name_zh"] == "上村"
    assert package.tables["ngos"].rows[1].values["name_zh"] == "明桌教育"


def test_blank_rows_are_skipped_but_row_numbers_kept(tmp_path: Path) -> None:
    (tmp_path / "ngos.csv").write_text(
        'id,name,registration\n\nngo-a,A,ngo\n,,\nngo-b,"B,\nline two",ngo\nngo-c,C,ngo\n', encoding="utf-8"
    )
    rows = read_package(tmp_path).tables["ngos"].rows
    assert [(r.number, r.values["id"]) for r in rows] == [(3, "ngo-a"), (5, "ngo-b"), (6, "ngo-c")]
    assert rows[1].values["name"] == "B,\nline two"


def test_undecodable_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "ngos.csv").write_bytes(
        "id,name\nngo-a,Société générale, café crème\n".encode("latin-1") + b"\xff\xfe\x80"
    )
    package = read_package(tmp_path)
    assert "ngos" not in package.tables
    [problem] = package.problems
    assert (problem.file, problem.row) == ("ngos.csv", 1)
    assert "not UTF-8 or GB18030/GBK" in problem.reason


def _workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_workbook_gives_the_same_records_as_csv(tmp_path: Path) -> None:
    import csv

    sheets = {}
    for file in sorted((FIXTURES / "mini").glob("*.csv")):
        with file.open(encoding="utf-8") as f:
            rows: list[list[object]] = [list(r) for r in csv.reader(f)]
        for row in rows[1:]:  # numbers as Excel stores them
            for i, value in enumerate(row):
                if isinstance(value, str) and value.isdigit() and rows[0][i] in ("founded", "core_staff", "round"):
                    row[i] = float(value)
        sheets[file.stem] = rows
    _workbook(tmp_path / "mini.xlsx", sheets)
    schema = load_schema()
    from_csv = validate_package(read_package(FIXTURES / "mini"), schema)
    from_xlsx = validate_package(read_package(tmp_path / "mini.xlsx"), schema)

    def strip(props: dict) -> dict:
        return {k: v for k, v in props.items() if k not in ("_file", "_hash")}

    assert (
        sorted(strip(n.props) == strip(m.props) for n, m in zip(from_csv.nodes, from_xlsx.nodes, strict=True))
        == [True] * 11
    )
    assert [t.key for t in from_csv.ties] == [t.key for t in from_xlsx.ties]
    assert from_xlsx.nodes[0].props["_file"] == "mini.xlsx[ngos]"


def test_workbook_formulas_are_reported(tmp_path: Path) -> None:
    _workbook(
        tmp_path / "p.xlsx", {"ngos": [["id", "name", "registration", "core_staff"], ["ngo-a", "A", "ngo", "=2+2"]]}
    )
    package = read_package(tmp_path / "p.xlsx")
    assert [str(p) for p in package.problems] == [
        "p.xlsx[ngos]:2:core_staff: a formula, not a value: paste values instead (ngos!D2)"
    ]


def test_duplicate_headers_are_reported(tmp_path: Path) -> None:
    (tmp_path / "ngos.csv").write_text("id,name,name,registration\nngo-a,A,B,ngo\n", encoding="utf-8")
    package = read_package(tmp_path)
    assert [str(p) for p in package.problems] == ["ngos.csv:1:name: duplicate header (also column 2)"]


def test_copy_of_mini_reads(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "mini", tmp_path / "m")
    assert read_package(tmp_path / "m").name == "m"


def _rewrite_sheet(path: Path, sheet: str, change: Callable[[str], str]) -> None:
    """Rewrite one worksheet's XML inside a saved workbook."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    name = f"xl/worksheets/{sheet}.xml"
    parts[name] = change(parts[name].decode("utf-8")).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part, data in parts.items():
            out.writestr(part, data)


@pytest.mark.parametrize("far_cell", [False, True])
def test_a_huge_declared_sheet_is_read_in_bounded_memory(tmp_path: Path, far_cell: bool) -> None:
    """A few-KB workbook declaring A1:XFD1048576 (and, in one case, holding a cell in column XFD)."""
    import re
    import tracemalloc

    path = tmp_path / "huge.xlsx"
    _workbook(path, {"villages": [["id", "name"], ["v-1", "Upper"]]})

    def declare(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', xml)
        if far_cell:
            far = '<row r="100000"><c r="XFD100000" t="inlineStr"><is><t>far</t></is></c></row>'
            xml = xml.replace("</sheetData>", far + "</sheetData>")
        return xml

    _rewrite_sheet(path, "sheet1", declare)
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        package = read_package(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, f"{peak:,} bytes"
    assert [r.values for r in package.tables["villages"].rows if r.values] == [{"id": "v-1", "name": "Upper"}]
    problems = [str(p) for p in package.problems]
    if far_cell:
        assert problems == ["huge.xlsx[villages]:1:column 16384: a column with data has no header"]
    else:
        assert problems == []


def test_utf16_with_a_bom_and_gbk_read_like_utf8(tmp_path: Path) -> None:
    text = "id,name,name_zh\nv-1,Upper,上村\nv-2,Lower,下村\n"
    for encoding in ("utf-8", "utf-8-sig", "utf-16", "gbk", "gb18030"):
        folder = tmp_path / encoding
        folder.mkdir()
        (folder / "villages.csv").write_bytes(text.encode(encoding))
        package = read_package(folder)
        assert package.problems == [], encoding
        assert [r.values["name_zh"] for r in package.tables["villages"].rows] == ["上村", "下村"], encoding


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "gb18030"])
def test_block_sizes_do_not_change_what_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str) -> None:
    """CSV files are decoded a block at a time: blocks of 5 bytes split characters, lines and quoted
    cells, and give the same rows and problems as blocks of 1 MiB (GB18030 is read whole either way)."""
    import loaders.fieldwork as fieldwork

    lines = ["id,name,name_zh,province", 'ngo-1,"Green\nRiver",青山环保协会,云南', "", "ngo-2,Hope,希望,宁夏,extra"]
    lines += [f"ngo-{n},NGO {n},乡村小学{n},河北" for n in range(3, 40)]
    (tmp_path / "ngos.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))

    def read() -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
        package = read_package(tmp_path)
        return [(r.number, r.values) for r in package.tables["ngos"].rows], [str(p) for p in package.problems]

    whole = read()
    monkeypatch.setattr(fieldwork, "BLOCK", 5)
    assert read() == whole
    rows, problems = whole
    assert rows[0] == (2, {"id": "ngo-1", "name": "Green\nRiver", "name_zh": "青山环保协会", "province": "云南"})
    assert rows[1][0] == 4 and len(rows) == 39  # rows are records: the quoted line break is in row 2
    assert problems == ["ngos.csv:4:column 5: more cells than headers"]
