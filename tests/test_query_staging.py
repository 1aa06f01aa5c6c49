"""No library query sees what a staged load has written but not switched live.

A staged Neo4j load writes nodes that carry only the staging label (no data label) and
ties between them with real relationship types and properties, and switches them live
later. Here the paper sample is loaded, then a staged copy of part of it is written with
the loader's own staging statements: the same ids as live nodes (what reloading the
package stages), and ties of every kind the queries read (SPONSORS, APPROVES, FUNDS,
MOBILIZES on behalf of a live NGO, COOPERATES_WITH, WORKS_IN, WITH, MENTIONS) with
``_package``, ``evidence``, ``round`` and dates. Every library query, with every parameter
set of the differential test, must give exactly the rows it gave before. Runs on both stores.
"""

from __future__ import annotations

from typing import Any

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.queries import library, run_query
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from tests.test_differential import CASES

PACKAGE = "paper"

#: Staged nodes: ids of live nodes of the sample (NGOs, agencies, a village, an interview,
#: a motivation), so that a query matching on ids alone would pick them up.
STAGED_NODES: list[dict[str, Any]] = [
    {"id": "ngo-y04", "name": "Staged NGO", "province": "Yunnan", "registration": "ngo", "_package": PACKAGE},
    {"id": "ngo-n04", "name": "Staged NGO 2", "province": "Ningxia", "_package": PACKAGE},
    {"id": "ag-yn-wf-county-heixi", "name": "Staged agency", "level": "county", "system": "Communist Party",
     "_package": PACKAGE},
    {"id": "ag-yn-wf-twp-baiyan", "name": "Staged township", "level": "township", "system": "Communist Party",
     "_package": PACKAGE},
    {"id": "vil-yn-xiaohe", "name": "Staged village", "_package": PACKAGE},
    {"id": "Y134", "name": "Staged interview", "round": 2, "date": "2010-05", "_package": PACKAGE},
    {"id": "impact", "name": "Staged motivation", "_package": PACKAGE},
]  # fmt: skip

_TIE = {"_package": PACKAGE, "evidence": ["Y134", "Y140"], "start": "2008", "round": 2}

#: (type, source, target, extra properties) of the staged ties.
STAGED_TIES: list[tuple[str, str, str, dict[str, Any]]] = [
    ("SPONSORS", "ag-yn-wf-county-heixi", "ngo-y04", {}),
    ("APPROVES", "ag-yn-wf-county-heixi", "ngo-n04", {"activity": "school visits", "round": 1}),
    ("FUNDS", "ag-yn-wf-county-heixi", "ngo-y04", {"amount": 1000.0, "currency": "CNY"}),
    ("COOPERATES_WITH", "ngo-n04", "ag-yn-wf-county-heixi", {}),
    ("COOPERATES_WITH", "ngo-y04", "ag-yn-wf-county-heixi", {"round": 1}),
    ("MOBILIZES", "ag-yn-wf-county-heixi", "ag-yn-wf-twp-baiyan", {"on_behalf_of": "ngo-n04"}),
    ("MOBILIZES", "ag-yn-wf-twp-baiyan", "vil-yn-xiaohe", {"on_behalf_of": "ngo-n04"}),
    ("MOBILIZES", "ag-yn-wf-county-heixi", "vil-yn-xiaohe", {"on_behalf_of": "ngo-y01", "round": 1}),
    ("WORKS_IN", "ngo-y04", "vil-yn-xiaohe", {"round": 1, "start": "2010"}),
    ("WITH", "Y134", "ngo-y04", {}),
    ("MENTIONS", "Y134", "impact", {"ngo": "ngo-y04", "round": 1}),
    ("MENTIONS", "Y134", "impact", {"ngo": "ngo-n04", "round": 2}),
]


def every_answer(store: Store) -> dict[str, Any]:
    """Columns and rows of every library query for every parameter set of the differential test."""
    return {
        f"{name} {params}": (result.columns, result.rows)
        for name, cases in CASES.items()
        for params in cases
        for result in [run_query(store, name, params)]
    }


def stage(store: Store) -> None:
    """Write the staged nodes and ties with the staged loader's own statements."""
    schema = load_schema()
    store.run(cy.stage_nodes(schema), {"rows": STAGED_NODES, "package": PACKAGE}, write=True)
    for rel, source, target, extra in STAGED_TIES:
        row = {"source": source, "target": target, "props": {**_TIE, **extra}}
        store.run(cy.stage_ties(schema, rel), {"rows": [row], "package": PACKAGE}, write=True)


def test_the_cases_cover_the_library() -> None:
    assert set(CASES) == set(library())


def test_staged_nodes_and_ties_change_no_query_answer(store: Store) -> None:
    schema = load_schema()
    load_package(store, sample_path(), name=PACKAGE)
    before = every_answer(store)
    stage(store)
    # The staged copy is really there: every node with only the staging label, every tie between two of them.
    staged = schema.staging_label
    counted = store.run(
        f"MATCH (a:`{staged}`)-[r]->(b:`{staged}`) WHERE size(labels(a)) = 1 AND size(labels(b)) = 1 "
        "RETURN count(r) AS ties"
    ).rows
    assert counted == [(len(STAGED_TIES),)]
    assert store.run(f"MATCH (n:`{staged}`) RETURN count(n) AS n").rows == [(len(STAGED_NODES),)]
    after = every_answer(store)
    changed = sorted(key for key in before if before[key] != after[key])
    assert changed == []
    assert any(rows for _, rows in before.values()), "the answers compared are not all empty"
