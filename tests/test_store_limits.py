"""One validation contract for both stores: values at each limit load and read back unchanged on both,
values past it are refused by validation (see tests/test_bad_input.py for the refusals through the CLI).

The limits (graphmodel/engine/validate.py) and where they come from are in docs/fieldwork-format.md.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from graphmodel.api import load_package
from graphmodel.engine import validate
from graphmodel.engine.validate import validate_package
from graphmodel.errors import InvalidPackage
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from loaders.fieldwork import read_package

FIXTURES = Path(__file__).parent / "fixtures"
#: A column name of exactly 512 UTF-8 bytes: 170 three-byte characters and two ASCII ones.
LONG_NAME = "备" * 170 + "_x"
BOOKKEEPING = len(load_schema().provenance)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(path.read_text(encoding="utf-8").splitlines()))


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _package(tmp_path: Path, *, core_staff: str, amount: str, columns: list[str] = ()) -> Path:
    """mini with ngo-a's core_staff, a FUNDS tie's amount, and extra village columns (filled on v-1)."""
    package = tmp_path / "limits"
    shutil.copytree(FIXTURES / "mini", package)
    ngos = _rows(package / "ngos.csv")
    ngos[1][ngos[0].index("core_staff")] = core_staff
    _write(package / "ngos.csv", ngos)
    villages = _rows(package / "villages.csv")
    villages[0] += columns
    villages[1] += [f"value {i}" for i in range(len(columns))]
    _write(package / "villages.csv", villages)
    ties = _rows(package / "ties.csv")
    ties[0].append("amount")
    ties.append(["wf-county", "FUNDS", "ngo-a", "2010", "", "1", "Y900", "", "", "", amount])
    _write(package / "ties.csv", ties)
    return package


def _extra(count: int) -> list[str]:
    return [LONG_NAME] + [f"extra{i}" for i in range(count - 1)]


@pytest.mark.parametrize("amount", ["1e308", "9.99999999999999e307", "5e-324", "0.333333333333333", "123456789012345"])
def test_values_at_every_limit_round_trip_on_both_stores(store: Store, tmp_path: Path, amount: str) -> None:
    """The largest integer, 15-digit numbers, a 512-byte name and a full table of columns."""
    village_columns = len(_rows(FIXTURES / "mini" / "villages.csv")[0])
    columns = _extra(validate.MAX_PROPERTIES - BOOKKEEPING - village_columns)
    package = _package(tmp_path, core_staff=str(validate.INT64_MAX), amount=amount, columns=columns)
    assert len(LONG_NAME.encode("utf-8")) == validate.MAX_NAME_BYTES
    load_package(store, package)
    assert store.run("MATCH (n:NGO {id: 'ngo-a'}) RETURN n.core_staff AS s").rows == [(validate.INT64_MAX,)]
    assert store.run("MATCH ()-[r:FUNDS]->() RETURN r.amount AS a").rows == [(float(amount),)]
    props = store.run("MATCH (v:Village {id: 'v-1'}) RETURN properties(v) AS p").rows[0][0]
    bookkeeping = [k for k in props if k.startswith("_")]
    assert len(props) == village_columns + len(columns) + len(bookkeeping) <= validate.MAX_PROPERTIES
    assert {k: props[k] for k in columns} == {c: f"value {i}" for i, c in enumerate(columns)}


@pytest.mark.parametrize(
    ("core_staff", "amount", "column", "reason"),
    [
        (str(validate.INT64_MAX + 1), "1", "core_staff", "less than or equal to 9223372036854775807"),
        ("1", "1.234567890123456", "amount", "more than 15 significant digits"),
        ("1", "1e309", "amount", "not a finite number"),
        ("1", "-inf", "amount", "not a finite number"),
        ("1", "NaN", "amount", "not a finite number"),
    ],
)
def test_values_past_a_limit_are_refused(
    tmp_path: Path, core_staff: str, amount: str, column: str, reason: str
) -> None:
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(_package(tmp_path, core_staff=core_staff, amount=amount)), load_schema())
    assert [(p.column, reason in p.reason) for p in info.value.problems] == [(column, True)]


def test_names_and_columns_past_a_limit_are_refused(tmp_path: Path) -> None:
    village_columns = len(_rows(FIXTURES / "mini" / "villages.csv")[0])
    too_many = _extra(validate.MAX_PROPERTIES - BOOKKEEPING - village_columns + 1)
    too_many[0] = LONG_NAME + "y"
    with pytest.raises(InvalidPackage) as info:
        validate_package(read_package(_package(tmp_path, core_staff="1", amount="1", columns=too_many)), load_schema())
    got = [(p.column, p.reason) for p in info.value.problems]
    assert [column for column, _ in got] == [
        f"column {village_columns + 1}",
        f"column {validate.MAX_PROPERTIES - BOOKKEEPING + 1}",
    ]
    assert got[0][1].startswith("a column name longer than 512 bytes in UTF-8 (513)")
    assert got[1][1].startswith(f"more than {validate.MAX_PROPERTIES - BOOKKEEPING} columns ({len(too_many) + 6})")
