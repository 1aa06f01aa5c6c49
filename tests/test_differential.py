"""Differential tests: the whole query library and the demo give identical results on both stores.

The sample is loaded into the embedded FalkorDB and into Neo4j once for this module; every
library query then runs on both with its defaults and with representative parameters, and
the columns and rows (values, types and order) must be identical. Under ``CI=true`` a
missing Neo4j fails these tests (see ``conftest.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

from graphmodel.queries import library, run_query
from graphmodel.stores.base import Store

NGOS = [f"ngo-y0{i}" for i in range(1, 9)] + [f"ngo-n0{i}" for i in range(1, 8)] + [f"ngo-h0{i}" for i in range(1, 8)]

#: Parameters to run each library query with; {} means its defaults.
CASES: dict[str, list[dict[str, Any]]] = {
    "sample_profile": [{}, {"year": 2019}, {"package": "paper"}, {"package": "none-such"}],
    "motivations": [
        {},
        {"by": "province"},
        {"by": "registration"},
        {"by": "issue_area"},
        {"round": 2},
        {"round": 3},
        {"by": "registration", "basis": "stated"},
    ],
    "access_paths": [{"ngo": ngo} for ngo in NGOS] + [{"ngo": "ngo-n04", "round": 2}, {"ngo": "ngo-zz"}],
    "mediated_reach": [{}, {"round": 1}, {"round": 2}, {"ngo": "ngo-y01"}],
    "gatekeepers": [{}, {"limit": 1000}, {"round": 2}, {"limit": 1}],
    "sponsors_and_approvals": [{}, {"round": 2}, {"ngo": "ngo-h03"}, {"level": "prefecture"}],
    "funding_flows": [
        {},
        {"through_government": True},
        {"through_government": False},
        {"kind": "online_platform"},
        {"ngo": "ngo-n04"},
        {"round": 2},
    ],
    "evidence": [
        {},
        {"ngo": "ngo-y04"},
        {"ngo": "ngo-n04", "type": "MOBILIZES"},
        {"source": "ag-yn-wf-county-heixi", "type": "FUNDS", "target": "ngo-y04"},
        {"type": "MOBILIZES", "round": 2},
    ],
    "round_changes": [{}, {"system": "Communist Party"}, {"ngo": "ngo-n04"}, {"round": 1}],
    "find_actor": [{}, {"q": "ngo-y01"}, {"q": "women's federation"}, {"q": "妇联"}, {"q": "no such actor"}],
    "resolve_actors": [{}, {"labels": ["Agency"]}, {"labels": ["Village", "School"]}, {"labels": []}],
    "as_of": [
        {"date": "1990"},
        {"date": "2010"},
        {"date": "2010-03"},
        {"date": "2010-03-31"},
        {"date": "2015-12-31", "ngo": "ngo-y01"},
        {"date": "2011", "ngo": "ngo-n04"},
        {"date": "2019-06-15"},
        {"date": "2015"},
    ],
    "trust_sources": [{}, {"ngo": "ngo-y04"}, {"basis": "stated"}, {"ngo": "ngo-zz"}],
    "trust_trajectory": [{}, {"ngo": "ngo-y04"}, {"basis": "stated"}],
    "trust_by_group": [{}, {"by": "registration"}, {"by": "province", "basis": "stated"}, {"by": "issue_area"}],
    "unjoined_mobilisations": [{}, {"ngo": "ngo-y01"}],
}


def test_every_library_query_has_cases() -> None:
    assert set(CASES) == set(library()), "add the new query to CASES"


@pytest.mark.parametrize(
    ("name", "params"),
    [(name, params) for name, cases in CASES.items() for params in cases],
    ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()) or "defaults",
)
def test_query_gives_identical_results_on_both_stores(
    both: tuple[Store, Store], name: str, params: dict[str, Any]
) -> None:
    embedded, neo4j = both
    ours, theirs = run_query(embedded, name, params), run_query(neo4j, name, params)
    assert ours.columns == theirs.columns
    assert ours.rows == theirs.rows
    # Same values and the same Python types (an int on one side and a float on the other is a difference).
    assert [[type(v) for v in row] for row in ours.rows] == [[type(v) for v in row] for row in theirs.rows]


def test_the_cases_are_not_all_empty(both: tuple[Store, Store]) -> None:
    embedded, _ = both
    empty = {name for name, cases in CASES.items() if not any(run_query(embedded, name, p).rows for p in cases)}
    assert empty == set()


def test_demo_tables_are_identical(both: tuple[Store, Store]) -> None:
    from graphmodel.cli import console, print_motivations, print_profile

    printed = []
    for db in both:
        with console.capture() as capture:
            print_profile(db)
            print_motivations(db)
        printed.append(capture.get())
    assert printed[0] == printed[1]
    assert "Public trust" in printed[0] and "64% of 22" in printed[0]
