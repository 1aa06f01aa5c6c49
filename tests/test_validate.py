"""Validation reports every problem of a package in one pass, located as file:row:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmodel.engine.validate import partial_date_bounds, validate_package
from graphmodel.errors import InvalidPackage
from graphmodel.schema import load_schema
from loaders.fieldwork import read_package

FIXTURES = Path(__file__).parent / "fixtures"

# Each line of tests/fixtures/broken, and what is wrong with it (row = spreadsheet row, header = 1).
EXPECTED = [
    ("ngos.csv", 3, "id", "duplicate id 'ngo-a'"),
    ("ngos.csv", 4, "issue_area", "Input should be"),
    ("ngos.csv", 4, "registration", "Input should be 'ngo', 'business' or 'unregistered'"),
    ("ngos.csv", 4, "founded", "valid integer"),
    ("ngos.csv", 4, "founder_origin", "Input should be"),
    ("ngos.csv", 4, "core_staff", "greater than or equal to 0"),
    ("ngos.csv", 4, "scope", "Input should be"),
    ("ngos.csv", 5, "id", "a value is required"),
    ("ngos.csv", 6, "name", "a value is required"),
    ("agencies.csv", 3, "level", "Input should be"),
    ("interviews.csv", 2, "date", "not a real date"),
    ("interviews.csv", 3, "organization", "target 'v-1' is Village; WITH needs NGO or Agency"),
    ("ties.csv", 3, "-", "the same tie as ties.csv row 2"),
    ("ties.csv", 4, "type", "unknown tie type 'FRIENDS_WITH'"),
    ("ties.csv", 5, "source", "source 'ngo-a' is NGO; SPONSORS needs Agency"),
    ("ties.csv", 5, "target", "target 'wf-county' is Agency; SPONSORS needs NGO"),
    ("ties.csv", 6, "target", "target 'ngo-zz' does not exist"),
    ("ties.csv", 7, "start", "not a real date"),
    ("ties.csv", 7, "kind", "a value is required"),
    ("ties.csv", 8, "evidence", "evidence interview 'Y999' does not exist"),
    ("ties.csv", 8, "end", "ends (2011) before it starts (2012)"),
    ("ties.csv", 9, "on_behalf_of", "a value is required"),
    ("ties.csv", 10, "kind", "does not apply to SPONSORS ties"),
    ("ties.csv", 11, "type", "WITH ties are derived from interviews.organization"),
    ("codes.csv", 2, "code", "target 'public_trust' does not exist"),
    ("stray.csv", 1, "-", "unknown table 'stray'"),
]


def test_every_problem_is_reported_with_its_place() -> None:
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(FIXTURES / "broken"), load_schema())
    problems = info.value.problems
    for file, row, column, reason in EXPECTED:
        matches = [p for p in problems if (p.file, p.row, p.column) == (file, row, column) and reason in p.reason]
        assert matches, f"missing {file}:{row}:{column}: {reason}\nreported:\n{info.value.report()}"
    # the round "x" on row 10 is reported too, and nothing unexpected beyond the list
    assert any(p.row == 10 and p.column == "round" for p in problems)
    assert len(problems) == len(EXPECTED) + 1, info.value.report()


def test_report_lines_read_file_row_column_reason() -> None:
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(FIXTURES / "broken"), load_schema())
    first = info.value.report().splitlines()[0]
    file, row, column, reason = first.split(":", 3)
    assert file.endswith(".csv") and int(row) >= 1 and column and reason.strip()


def test_missing_required_column_is_reported_once_on_the_header(tmp_path: Path) -> None:
    (tmp_path / "ngos.csv").write_text("id,name\nngo-a,A\nngo-b,B\n", encoding="utf-8")
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(tmp_path), load_schema())
    assert [str(p) for p in info.value.problems] == ["ngos.csv:1:registration: required column is missing"]


def test_valid_package_gives_records() -> None:
    records = validate_package(read_package(FIXTURES / "mini"), load_schema())
    assert len(records.nodes) == 11
    assert sorted({t.type for t in records.ties}) == [
        "COOPERATES_WITH",
        "MENTIONS",
        "MOBILIZES",
        "SPONSORS",
        "SUPPORTS",
        "WITH",
        "WORKS_IN",
    ]
    mention = next(t for t in records.ties if t.type == "MENTIONS" and t.target == "scale")
    assert mention.props["ngo"] == "ngo-a" and mention.props["evidence"] == ["Y900"] and mention.props["round"] == 1


@pytest.mark.parametrize(
    ("text", "bounds"),
    [
        ("2010", ("2010-01-01", "2010-12-31")),
        ("2012-02", ("2012-02-01", "2012-02-29")),
        ("2010-06-15", ("2010-06-15", "2010-06-15")),
    ],
)
def test_partial_dates(text: str, bounds: tuple[str, str]) -> None:
    low, high = partial_date_bounds(text)
    assert (low.isoformat(), high.isoformat()) == bounds


@pytest.mark.parametrize("text", ["2010-6", "10", "2010-00", "2010-02-30", "2010/06"])
def test_bad_partial_dates(text: str) -> None:
    with pytest.raises(ValueError):
        partial_date_bounds(text)


def test_problems_across_validation_chunks_keep_row_order(tmp_path: Path) -> None:
    """Rows are validated in chunks; bad rows in several chunks are reported in row order, once each."""
    from graphmodel.engine.validate import PARSE_CHUNK

    count = 2 * PARSE_CHUNK + 10
    bad = {3, PARSE_CHUNK + 1, PARSE_CHUNK + 2, count + 1}  # spreadsheet rows (header = 1)
    lines = ["id,name,registration,founded"]
    for number in range(2, count + 2):
        lines.append(f"ngo-x{number},NGO {number},ngo,{'nineteen' if number in bad else 1990 + number % 30}")
    (tmp_path / "ngos.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(tmp_path), load_schema())
    founded = [(p.row, p.column) for p in info.value.problems if p.file == "ngos.csv"]
    assert founded == [(row, "founded") for row in sorted(bad)], info.value.report()


def test_rows_of_one_shape_share_their_column_names() -> None:
    from graphmodel.tables import Row

    first, second = Row(2, {"id": "a", "name": "甲"}), Row(3, {"id": "b", "name": "乙"})
    assert first._columns is second._columns
    assert second.values == {"id": "b", "name": "乙"}
    second.values["name"] = "changed"  # values is a new dict: the row is unchanged
    assert second.values["name"] == "乙" and second != Row(3, {"id": "b", "name": "changed"})


def _validated(folder: Path) -> tuple[list[tuple[object, ...]], list[tuple[str, int, str, str]]]:
    """Every record (label or type, ends, properties) and every problem of ``folder``."""
    try:
        records = validate_package(read_package(folder), load_schema())
    except InvalidPackage as exc:
        return [], [(p.file, p.row, p.column, p.reason) for p in exc.problems]
    nodes = [(n.label, n.id, n.props) for n in records.nodes]
    ties = [(t.type, t.source_label, t.source, t.target_label, t.target, t.props) for t in records.ties]
    return nodes + ties, []


def test_chunk_sizes_change_neither_records_nor_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are parsed and checked in chunks and records handed on in steps: chunks of 3 rows and
    steps of 7 ties give the same records, and the same problems at the same rows, as the defaults."""
    import graphmodel.engine.validate as validate
    from graphmodel.synth import SIZES, write_package

    valid, broken = tmp_path / "valid", tmp_path / "broken"
    write_package(valid, SIZES["tiny"], seed=1)
    write_package(broken, SIZES["tiny"], seed=1)
    ties = (broken / "ties.csv").read_text(encoding="utf-8").splitlines()
    header = ties[0].split(",")
    row = ties[5].split(",")
    row[header.index("round")] = "first"  # row 6: not a number
    ties[5] = ",".join(row)
    ties.append(ties[2])  # the same tie as row 3, in a later chunk
    row = ties[9].split(",")
    row[header.index("target")] = "nobody"  # row 10: no such node
    ties[9] = ",".join(row)
    (broken / "ties.csv").write_text("\n".join(ties) + "\n", encoding="utf-8")

    default = {folder: _validated(folder) for folder in (valid, broken, FIXTURES / "broken")}
    monkeypatch.setattr(validate, "PARSE_CHUNK", 3)
    monkeypatch.setattr(validate, "STEP_TIES", 7)
    for folder, (records, problems) in default.items():
        assert _validated(folder) == (records, problems), folder.name
    assert len(default[valid][0]) > 7 * 3 and not default[valid][1]
    located = {(p[0], p[1], p[2]) for p in default[broken][1]}
    assert {("ties.csv", 6, "round"), ("ties.csv", 10, "target"), ("ties.csv", len(ties), "-")} <= located
    assert any("the same tie as ties.csv row 3" in p[3] for p in default[broken][1])


def test_a_refused_package_hands_on_no_record(tmp_path: Path) -> None:
    """A bad tie at the end of the ties: validation raises before it yields the nodes, so a load
    writes nothing ahead for a package that is refused."""
    import shutil

    from graphmodel.engine.validate import validate_in_steps
    from graphmodel.sample import sample_path

    bad = tmp_path / "bad"
    shutil.copytree(sample_path(), bad)
    with (bad / "ties.csv").open("a", encoding="utf-8") as fh:
        fh.write("ngo-y01,WORKS_IN,vil-nowhere,2008,,1,Y134,,,,,,,\n")
    steps = validate_in_steps(read_package(bad), load_schema())
    with pytest.raises(InvalidPackage) as invalid:
        next(steps)
    assert "vil-nowhere" in invalid.value.report()
