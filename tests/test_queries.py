"""The query library on the paper sample, on both stores, against answers worked out by hand.

Every expected value below was derived from the sample's CSV files
(``graphmodel/sample/paper/``), mostly ``ties.csv``; each test says which rows. The
``paper`` fixture runs each test on the embedded store and on Neo4j, like ``store``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import QueryError
from graphmodel.queries import find_query, library, parse_query, render_library, run_query
from graphmodel.sample import sample_path
from graphmodel.schema import Schema, load_schema
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {
    "sample_profile",
    "motivations",
    "access_paths",
    "mediated_reach",
    "gatekeepers",
    "sponsors_and_approvals",
    "funding_flows",
    "evidence",
    "round_changes",
    "as_of",
    "trust_sources",
    "trust_trajectory",
    "trust_by_group",
    "unjoined_mobilisations",
}


# -- fixtures -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def _loaded() -> set[str]:
    """Which servers this module has loaded the sample into."""
    return set()


@pytest.fixture(params=["embedded", "neo4j"])
def paper(request: pytest.FixtureRequest, _loaded: set[str]) -> Store:
    """The ``store`` fixture's servers holding the paper sample.

    Loading takes seconds on Neo4j, so the sample is loaded once per module and server
    and again only if a test in between emptied the server (the ``store`` fixture does).
    """
    from tests.conftest import _reset_neo4j

    kind = str(request.param)
    server: Store = request.getfixturevalue(f"{kind}_server")
    ngos = server.run(cy.count_label(load_schema(), "NGO")).rows[0][0]
    if kind not in _loaded or ngos != 22:
        if isinstance(server, EmbeddedStore):
            server.delete_all()
        else:
            _reset_neo4j(server)
        load_package(server, sample_path(), name="paper")
        _loaded.add(kind)
    return server


def rows(store: Store, name: str, **params: Any) -> list[dict[str, Any]]:
    return run_query(store, name, params).records()


# -- the library itself ---------------------------------------------------------------


def test_library_has_the_papers_queries_with_consistent_parameters() -> None:
    queries = library()
    assert set(queries) >= REQUIRED
    for q in queries.values():
        assert q.description and q.path.suffix == ".cypher"
        for p in q.params.values():
            assert p.description, f"{q.name}.{p.name} has no description"
    # The same parameter name means the same thing everywhere.
    types = {(p.name, p.type) for q in queries.values() for p in q.params.values()}
    for name, ptype in (("ngo", "string"), ("round", "integer"), ("date", "date"), ("limit", "integer")):
        assert {t for n, t in types if n == name} == {ptype}
    assert queries["access_paths"].params["ngo"].required
    assert queries["as_of"].params["date"].required


_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_REL = re.compile(r"-\[\s*\w*\s*:\s*([A-Za-z_][\w|]*)")
_LABEL = re.compile(r"(?:\b\w+|\():([A-Za-z_]\w*)")
_PROP = re.compile(r"[\w)]\.([A-Za-z_]\w*)")


def schema_names_used(cypher: str) -> tuple[set[str], set[str], set[str]]:
    """Labels, relationship types and properties a query body names (string literals ignored)."""
    text = _STRING.sub("''", re.sub(r"//[^\n]*", "", cypher))
    types = {t for group in _REL.findall(text) for t in group.split("|") if t}
    text = _REL.sub("-[", text)
    return set(_LABEL.findall(text)), types, set(_PROP.findall(text))


_MAP_KEY = re.compile(r"[{,]\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")


def unknown_names(cypher: str, schema: Schema) -> list[str]:
    """Names a query body uses that the schema does not define.

    Keys of maps the query builds itself and of the context parameters' maps count as known, and so
    do the derived ties and their properties (graphmodel.chains.DERIVED).
    """
    from graphmodel.chains import DERIVED, DERIVED_PROPERTIES
    from graphmodel.queries import CONTEXT

    labels, types, props = schema_names_used(cypher)
    types -= {DERIVED}  # the derived ties loads keep (graphmodel.engine.derived)
    known_props = set(schema.node_properties) | set(schema.tie_properties) | set(schema.provenance)
    known_props |= set(DERIVED_PROPERTIES)
    known_props |= set(_MAP_KEY.findall(_STRING.sub("''", re.sub(r"//[^\n]*", "", cypher))))
    known_props |= {key for _, provide in CONTEXT.values() for row in provide() for key in row}
    for label in schema.labels.values():
        known_props |= set(label.properties)
    for rel in schema.relationships.values():
        known_props |= set(rel.properties)
    return sorted(
        [f"label {x}" for x in labels - set(schema.labels)]
        + [f"type {x}" for x in types - set(schema.relationships)]
        + [f"property {x}" for x in props - known_props]
    )


def test_name_check_catches_typos() -> None:
    schema = load_schema()
    good = "MATCH (n:NGO)-[r:WORKS_IN|COOPERATES_WITH*1..3]->(t) WHERE t:Village RETURN n.id, r.start, 'x.y:Z'"
    assert schema_names_used(good) == ({"NGO", "Village"}, {"WORKS_IN", "COOPERATES_WITH"}, {"id", "start"})
    assert unknown_names(good, schema) == []
    bad = "MATCH (n:Ngo)-[:WORK_IN]->(t:Village) WHERE head(x).rnd = 1 RETURN n.provinec"
    assert unknown_names(bad, schema) == ["label Ngo", "property provinec", "property rnd", "type WORK_IN"]


@pytest.mark.parametrize("name", sorted(library()))
def test_query_uses_only_schema_names(name: str) -> None:
    schema = load_schema()
    q = library()[name]
    assert unknown_names(q.cypher, schema) == []
    labels, types, _ = schema_names_used(q.cypher)
    assert labels or types, "the name check found nothing to check"


def test_parameter_choices_come_from_the_schema() -> None:
    schema = load_schema()
    queries = library()
    assert set(queries["evidence"].params["type"].choices) == set(schema.relationships) - {"WITH", "MENTIONS"}
    assert queries["sponsors_and_approvals"].params["level"].choices == schema.vocabularies["level"].values
    kinds = set(queries["funding_flows"].params["kind"].choices)
    assert kinds == set(schema.vocabularies["funder_kind"].values) | {"agency", "company"}


def test_docs_page_is_current() -> None:
    text = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    assert text == render_library(library()), "docs/queries.md is stale: regenerate it with render_library"
    for name in REQUIRED:
        assert f"## {name}\n" in text


def test_queries_are_found_in_an_installed_package() -> None:
    # The wheel puts cypher/ inside the package (pyproject force-include), where library_dir looks first.
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"cypher" = "graphmodel/cypher"' in pyproject


# -- errors before anything runs, and read-only transactions ---------------------------


def test_parameter_errors_are_clear_and_come_first(store: Store) -> None:
    with pytest.raises(QueryError, match=r"no parameter colour \(it takes: ngo, round\)"):
        run_query(store, "access_paths", {"ngo": "ngo-y01", "colour": "red"})
    with pytest.raises(QueryError, match="needs parameter 'ngo'"):
        run_query(store, "access_paths")
    with pytest.raises(QueryError, match="needs parameter 'date'"):
        run_query(store, "as_of", {"ngo": "ngo-y01"})
    with pytest.raises(QueryError, match="'2010-6' is not a valid date"):
        run_query(store, "as_of", {"date": "2010-6"})
    with pytest.raises(QueryError, match="'two' is not a valid integer"):
        run_query(store, "round_changes", {"round": "two"})
    with pytest.raises(QueryError, match="not one of"):
        run_query(store, "evidence", {"type": "WORK_IN"})


def test_a_query_that_writes_fails_on_both_stores(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "sneaky.cypher"
    path.write_text(
        "// name: sneaky\n// description: Tries to write.\n// params:\n"
        "//   id: {type: string, default: sneaky, description: Id.}\n"
        "CREATE (v:Village {id: $id, name: 'x'}) RETURN v.id AS id\n",
        encoding="utf-8",
    )
    with pytest.raises(QueryError, match="only read queries run"):  # refused before the store sees it
        run_query(store, find_query(str(path)))
    assert store.run("MATCH (v:Village) RETURN count(v) AS n").rows == [(0,)]


# -- each query on the sample ----------------------------------------------------------


def test_access_paths_of_ngo_y01(paper: Store) -> None:
    # ties.csv, ngo-y01: WORKS_IN dashuijing and zhujiaying (round 1), dashuijing and
    # yangjiazhai (round 2). Round-1 COOPERATES_WITH gov-twp-baiyan, which MOBILIZES
    # vc-dashuijing -> dashuijing, and SUPERVISES vc-xiaohe, which MOBILIZES xiaohe for
    # ngo-y01: the supervision line completes that chain (graphmodel/chains.py). Round-1
    # COOPERATES_WITH wf-county-songping, which MOBILIZES wf-twp-baiyan -> vc-dashuijing ->
    # dashuijing and -> vc-xiaohe -> xiaohe, all on behalf of ngo-y01 (it also supervises
    # that line: the all-MOBILIZES path is the one listed). Its round-2 ties to
    # wf-county-songping head no round-2 chain; the round-2 MOBILIZES gov-twp-baiyan ->
    # vc-xiaohe joins none (unjoined_mobilisations).
    got = rows(paper, "access_paths", ngo="ngo-y01")
    assert [(r["round"], r["target"], r["route"], r["agencies"]) for r in got] == [
        (1, "vil-yn-dashuijing", "direct", []),
        (1, "vil-yn-dashuijing", "state", ["ag-yn-gov-twp-baiyan", "ag-yn-vc-dashuijing"]),
        (1, "vil-yn-dashuijing", "state", ["ag-yn-wf-county-songping", "ag-yn-wf-twp-baiyan", "ag-yn-vc-dashuijing"]),
        (1, "vil-yn-xiaohe", "state", ["ag-yn-gov-twp-baiyan", "ag-yn-vc-xiaohe"]),
        (1, "vil-yn-xiaohe", "state", ["ag-yn-wf-county-songping", "ag-yn-wf-twp-baiyan", "ag-yn-vc-xiaohe"]),
        (1, "vil-yn-zhujiaying", "direct", []),
        (2, "vil-yn-dashuijing", "direct", []),
        (2, "vil-yn-yangjiazhai", "direct", []),
    ]
    assert got[3]["types"] == ["COOPERATES_WITH", "SUPERVISES", "MOBILIZES"]
    assert got[2]["types"] == ["COOPERATES_WITH", "MOBILIZES", "MOBILIZES", "MOBILIZES"]
    xiaohe = got[4]
    assert (
        xiaohe["chain"] == "ngo-y01 > ag-yn-wf-county-songping > ag-yn-wf-twp-baiyan > ag-yn-vc-xiaohe > vil-yn-xiaohe"
    )
    assert xiaohe["levels"] == ["county", "township", "village"]
    assert xiaohe["systems"] == ["Women's Federation", "Women's Federation", "Village Committee"]
    assert xiaohe["target_label"] == "Village" and xiaohe["target_name"] == "Xiaohe Village"
    # The gov-twp-baiyan chain: COOPERATES_WITH cites Y134;Y135, both MOBILIZES ties Y134;Y140.
    assert got[1]["tie_evidence"] == ["COOPERATES_WITH: Y134;Y135", "MOBILIZES: Y134;Y140", "MOBILIZES: Y134;Y140"]
    assert got[1]["evidence"] == ["Y134", "Y135", "Y140"]
    assert got[5]["evidence"] == ["Y135", "Y301"]  # WORKS_IN zhujiaying cites Y135;Y301


def test_access_paths_sub_chains_rounds_and_unknown_ngo(paper: Store) -> None:
    # ngo-y03 COOPERATES_WITH both edu-pref-yunlu and edu-county-heixi; the prefecture bureau
    # MOBILIZES the county bureau, which MOBILIZES shuikou-middle and liangzi-primary: two
    # chains to each school (one through each head), besides three WORKS_IN schools.
    got = rows(paper, "access_paths", ngo="ngo-y03")
    assert [(r["target"], r["route"], len(r["agencies"])) for r in got] == [
        ("sch-yn-liangzi-primary", "direct", 0),
        ("sch-yn-liangzi-primary", "state", 1),
        ("sch-yn-liangzi-primary", "state", 2),
        ("sch-yn-shuikou-middle", "direct", 0),
        ("sch-yn-shuikou-middle", "state", 1),
        ("sch-yn-shuikou-middle", "state", 2),
        ("sch-yn-yunlu-no3-middle", "direct", 0),
    ]
    assert got[1]["target_label"] == "School"
    # ngo-n04 in round 2: WORKS_IN shajing and gaoya; COOPERATES_WITH cpc-twp-shajing (2018),
    # which MOBILIZES vc-shajing -> shajing (2019). The round-1 Women's Federation chain ending at
    # the same village uses the round-2 tie vc-shajing -> shajing only by mixing rounds: excluded.
    got = rows(paper, "access_paths", ngo="ngo-n04", round=2)
    assert [(r["target"], r["route"], r["agencies"]) for r in got] == [
        ("vil-nx-gaoya", "direct", []),
        ("vil-nx-shajing", "direct", []),
        ("vil-nx-shajing", "state", ["ag-nx-cpc-twp-shajing", "ag-nx-vc-shajing"]),
    ]
    assert got[2]["systems"] == ["Communist Party", "Village Committee"]
    assert rows(paper, "access_paths", ngo="ngo-zz") == []
    # Urban ngo-h03 works in no village or school.
    assert rows(paper, "access_paths", ngo="ngo-h03") == []


def test_mediated_reach(paper: Store) -> None:
    got = {r["ngo"]: r for r in rows(paper, "mediated_reach")}
    assert len(got) == 22
    # docs/sample.md, "Reach": 33 NGO-village/school pairs reached only directly, 6 only through
    # the state, 20 both (59 pairs); checked pair by pair against ties.csv's WORKS_IN rows and
    # the MOBILIZES chains under each NGO's COOPERATES_WITH ties.
    assert sum(r["reached"] for r in got.values()) == 59
    assert sum(r["direct"] - r["both"] for r in got.values()) == 33
    assert sum(r["both"] for r in got.values()) == 20
    assert sum(r["only_through_state"] for r in got.values()) == 6
    only = {(n, t) for n, r in got.items() for t in r["only_through_state_targets"]}
    assert only == {
        ("ngo-y01", "vil-yn-xiaohe"),
        ("ngo-n02", "vil-nx-xinmin"),
        ("ngo-n04", "vil-nx-majiawan"),
        ("ngo-n06", "vil-nx-gaoya"),
        ("ngo-h05", "vil-hb-qianzhuang"),
        ("ngo-h06", "vil-hb-xiaoying"),
    }
    # ngo-y01: WORKS_IN dashuijing, zhujiaying, yangjiazhai; chains to dashuijing and xiaohe.
    y01 = got["ngo-y01"]
    assert (y01["reached"], y01["direct"], y01["through_state"], y01["both"], y01["only_through_state"]) == (
        4,
        3,
        2,
        1,
        1,
    )
    assert y01["direct_targets"] == ["vil-yn-dashuijing", "vil-yn-yangjiazhai", "vil-yn-zhujiaying"]
    for urban in ("ngo-h03", "ngo-h04"):  # no WORKS_IN, no chain
        assert (got[urban]["reached"], got[urban]["direct_targets"]) == (0, [])
    # ngo-y07 WORKS_IN laojie and xinzhai-primary, and no MOBILIZES tie serves it.
    assert (got["ngo-y07"]["direct"], got["ngo-y07"]["through_state"]) == (2, 0)
    # Round 2, ngo-y04: WORKS_IN hongtupo and bajiao; chain cpc-twp-liangzi -> vc-bajiao -> bajiao.
    (y04,) = rows(paper, "mediated_reach", ngo="ngo-y04", round=2)
    assert (y04["reached"], y04["direct"], y04["through_state"], y04["both"]) == (2, 2, 1, 1)


def test_gatekeepers(paper: Store) -> None:
    # Distinct NGO-place pairs per body on the state chains (see test_access_paths_*):
    # wf-county-hongliu serves ngo-n04's shajing and majiawan and ngo-n06's gaoya and (through
    # the township it supervises, which mobilised hongqu) hongqu: 4 pairs, 2 NGOs;
    # wf-county-songping ngo-y01's dashuijing and xiaohe and ngo-y02's shangba (under
    # wf-pref-yunlu): 3. edu-county-heixi, on ngo-y03's chains through its own head and
    # through the prefecture bureau's, serves 2 pairs, not the 4 chains a count of chains gave.
    got = rows(paper, "gatekeepers", limit=2)
    assert [(r["agency"], r["pairs"], r["ngos"], r["targets"]) for r in got] == [
        ("ag-nx-wf-county-hongliu", 4, 2, 4),
        ("ag-yn-wf-county-songping", 3, 2, 3),
    ]
    assert (got[0]["system"], got[0]["level"], got[0]["sector"]) == ("Women's Federation", "county", "state")
    everyone = {r["agency"]: r for r in rows(paper, "gatekeepers", limit=1000)}
    heixi = everyone["ag-yn-edu-county-heixi"]
    assert (heixi["pairs"], heixi["chains"]) == (2, 4)  # two heads (pref and county bureau), two schools
    assert everyone["ag-yn-vc-xiaohe"]["sector"] == "self_governing"
    assert all(r["pairs"] <= r["chains"] for r in everyone.values())
    # Round 2: cpc-twp-shajing -> vc-shajing -> shajing (ngo-n04); ngo-y04's bajiao through
    # cpc-twp-liangzi (MOBILIZES) and through gov-twp-liangzi, which supervises vc-bajiao:
    # one pair for vc-bajiao by two chains. Ties broken by id.
    got = rows(paper, "gatekeepers", round=2)
    assert [(r["agency"], r["pairs"], r["chains"]) for r in got] == [
        ("ag-nx-cpc-twp-shajing", 1, 1),
        ("ag-nx-vc-shajing", 1, 1),
        ("ag-yn-cpc-twp-liangzi", 1, 1),
        ("ag-yn-gov-twp-liangzi", 1, 1),
        ("ag-yn-vc-bajiao", 1, 2),
    ]


def test_sponsors_and_approvals(paper: Store) -> None:
    got = rows(paper, "sponsors_and_approvals")
    # docs/sample.md: 16 SPONSORS and 16 APPROVES ties; the 11 NGO-registered NGOs each have a
    # sponsor, 5 of them seen again in round 2 (ngo-y01, y07, n01, n02, n04).
    assert sum(r["tie"] == "SPONSORS" for r in got) == 16
    assert sum(r["tie"] == "APPROVES" for r in got) == 16
    # Sorted by NGO (the page key), then each NGO's sponsors before its approvals.
    assert [r["ngo"] for r in got] == sorted(r["ngo"] for r in got)
    for ngo in {r["ngo"] for r in got}:
        ties = [r["tie"] for r in got if r["ngo"] == ngo]
        assert ties == sorted(ties, key=lambda tie: tie != "SPONSORS"), ngo
    sponsored = {r["ngo"] for r in got if r["tie"] == "SPONSORS"}
    assert len(sponsored) == 11 and {r["registration"] for r in got if r["tie"] == "SPONSORS"} == {"ngo"}
    assert sorted(r["ngo"] for r in got if r["tie"] == "SPONSORS" and r["round"] == 2) == [
        "ngo-n01",
        "ngo-n02",
        "ngo-n04",
        "ngo-y01",
        "ngo-y07",
    ]
    # ngo-h03: sponsored by epb-pref-yanbei (2001); approved by the same bureau (Earth Day,
    # 2010-04) and by the Public Security Bureau (exhibition, 2010-06). System order: E before P.
    got = rows(paper, "sponsors_and_approvals", ngo="ngo-h03")
    assert [(r["tie"], r["agency"], r["start"]) for r in got] == [
        ("SPONSORS", "ag-hb-epb-pref-yanbei", "2001"),
        ("APPROVES", "ag-hb-epb-pref-yanbei", "2010-04"),
        ("APPROVES", "ag-hb-psb-pref-yanbei", "2010-06"),
    ]
    assert got[2]["activity"] == "police signature for an exhibition in a shopping centre"
    assert got[2]["evidence"] == ["H165", "H167"]
    # Only one township body signs anything: the Liangzi police station, for ngo-y04.
    got = rows(paper, "sponsors_and_approvals", level="township")
    assert [(r["agency"], r["ngo"], r["system"]) for r in got] == [
        ("ag-yn-psb-twp-liangzi", "ngo-y04", "Public Security Bureau")
    ]
    # Within an NGO's sponsors and its approvals, levels are ordered from the top: ngo-y02's approvals
    # are the Yunlu police (prefecture), then the Songping education bureau (county).
    levels = ["national", "province", "prefecture", "county", "township", "village"]
    got = rows(paper, "sponsors_and_approvals")
    for key in {(r["ngo"], r["tie"]) for r in got}:
        seen = [levels.index(r["level"]) for r in got if (r["ngo"], r["tie"]) == key]
        assert seen == sorted(seen), key
    y02 = [(r["level"], r["agency"]) for r in got if r["ngo"] == "ngo-y02" and r["tie"] == "APPROVES"]
    assert y02 == [("prefecture", "ag-yn-psb-pref-yunlu"), ("county", "ag-yn-edu-county-songping")]


def test_funding_flows(paper: Store) -> None:
    got = rows(paper, "funding_flows")
    # ties.csv has 36 FUNDS rows; 2 pay an agency (fund-intl-partnership -> wf-county-heixi,
    # fund-gov-nx-coop -> pao-county-hongliu), whose onward grants become flows "via" them.
    assert len(got) == 34
    via = [r for r in got if r["via"] is not None]
    assert [(r["funder"], r["via"], r["ngo"], r["amount"], r["amount_to_via"]) for r in via] == [
        ("fund-gov-nx-coop", "ag-nx-pao-county-hongliu", "ngo-n04", 60000, 300000),
        ("fund-intl-partnership", "ag-yn-wf-county-heixi", "ngo-y04", 120000, 150000),
    ]
    assert [r["joint_application"] for r in via] == [True, True]
    assert via[1]["evidence"] == ["Y131", "Y302"]  # onward tie Y131;Y302, grant to the agency Y131
    assert rows(paper, "funding_flows", through_government=True) == via
    assert len(rows(paper, "funding_flows", through_government=False)) == 32
    # The two agencies paying from their own budget: water-county-songping -> ngo-y05 (20000)
    # and wf-county-taoshan -> ngo-h05 (8000).
    assert [(r["funder"], r["amount"]) for r in got if r["funder_kind"] == "agency"] == [
        ("ag-hb-wf-county-taoshan", 8000),
        ("ag-yn-water-county-songping", 20000),
    ]
    # Online platform: fund-online-shanxin -> n01 52000, n02 (no amount), y04 46000, y07 31000.
    online = rows(paper, "funding_flows", kind="online_platform")
    assert [(r["ngo"], r["amount"]) for r in online] == [
        ("ngo-n01", 52000),
        ("ngo-n02", None),
        ("ngo-y04", 46000),
        ("ngo-y07", 31000),
    ]
    assert {r["round"] for r in online} == {2}
    # Sorted by NGO (the page key), then by funder kind within each NGO.
    assert [r["ngo"] for r in got] == sorted(r["ngo"] for r in got)
    for ngo in {r["ngo"] for r in got}:
        kinds = [r["funder_kind"] for r in got if r["ngo"] == ngo]
        assert kinds == sorted(kinds), ngo
    assert len({r["funder_kind"] for r in got if r["ngo"] == "ngo-y04"}) > 1
    assert {r["funder_kind"] for r in got} == {
        "agency",
        "business",
        "company",
        "domestic_foundation",
        "government",
        "individual_donors",
        "international_foundation",
        "online_platform",
    }


def test_evidence(paper: Store) -> None:
    # ties.csv: ag-yn-wf-county-heixi FUNDS ngo-y04, evidence Y131;Y302. interviews.csv: Y131 is
    # round 1 (2010-05), Y302 round 2 (2018-11), both with the founder and director of ngo-y04.
    got = rows(paper, "evidence", source="ag-yn-wf-county-heixi", type="FUNDS", target="ngo-y04")
    assert [
        (r["interview"], r["date"], r["interview_round"], r["sector"], r["role"], r["organization"]) for r in got
    ] == [
        ("Y131", "2010-05", 1, "ngo", "founder and director", "ngo-y04"),
        ("Y302", "2018-11", 2, "ngo", "founder and director", "ngo-y04"),
    ]
    assert {(r["start"], r["end"], r["round"]) for r in got} == {("2009", "2012", 1)}
    # ngo-n07's ties: COOPERATES_WITH edu-county-baiquan, APPROVES and SUPPORTS from it, three
    # WORKS_IN, two DISTRUSTS and the school's ACCEPTS: 9 ties, each citing N145 only.
    got = rows(paper, "evidence", ngo="ngo-n07")
    assert len(got) == 9 and {r["interview"] for r in got} == {"N145"}
    assert sorted(r["type"] for r in got) == [
        "ACCEPTS",
        "APPROVES",
        "COOPERATES_WITH",
        "DISTRUSTS",
        "DISTRUSTS",
        "SUPPORTS",
        "WORKS_IN",
        "WORKS_IN",
        "WORKS_IN",
    ]
    # ngo-h07's ties include the MOBILIZES ties on its behalf (gov-twp-beigou -> vc-beigou -> beigou).
    mobilizes = [r for r in rows(paper, "evidence", ngo="ngo-h07") if r["type"] == "MOBILIZES"]
    assert [(r["source"], r["interview"]) for r in mobilizes] == [
        ("ag-hb-gov-twp-beigou", "H169"),
        ("ag-hb-vc-beigou", "H169"),
    ]


def test_round_changes_of_party_ties(paper: Store) -> None:
    got = rows(paper, "round_changes", system="Communist Party")
    # docs/sample.md: Party ties go from 3 (round 1) to 17 (round 2). Round 1: ngo-y01
    # COOPERATES_WITH cpc-county-songping, cpc-county-songping SUPPORTS ngo-y01, cpc-twp-shajing
    # SUPPORTS ngo-n04. The last is seen again in round 2 (same tie, same kind), so 16 round-2
    # ties appeared, with the two Party affiliations displayed in offices (VOUCHES_FOR,
    # ngo-y01 and ngo-n02): 18; the two Songping ties disappeared (ngo-y01 was revisited: Y301).
    appeared = [r for r in got if r["change"] == "appeared"]
    disappeared = [r for r in got if r["change"] == "disappeared"]
    assert len(appeared) == 18 and {r["round"] for r in appeared} == {2}
    assert [(r["type"], r["source"], r["target"]) for r in disappeared] == [  # ordered by source first
        ("SUPPORTS", "ag-yn-cpc-county-songping", "ngo-y01"),
        ("COOPERATES_WITH", "ngo-y01", "ag-yn-cpc-county-songping"),
    ]
    counts = {t: sum(r["type"] == t for r in appeared) for t in {r["type"] for r in appeared}}
    assert counts == {"COOPERATES_WITH": 6, "SUPPORTS": 5, "MOBILIZES": 2, "SUPERVISES": 3, "VOUCHES_FOR": 2}
    assert not any(r["source"] == "ag-nx-cpc-twp-shajing" and r["type"] == "SUPPORTS" for r in got)
    # ngo-y04 alone: round 2 adds the Party cooperation, support and mobilisation for it and the
    # online grant; its round-1 police approval, Heixi county ties, the grant and the two
    # rumour DISTRUSTS, WORKS_IN yaoshang and the township's hongtupo chain are not seen again.
    got = rows(paper, "round_changes", ngo="ngo-y04")
    assert sorted((r["change"], r["type"], r["source"], r["target"]) for r in got if r["change"] == "appeared") == [
        ("appeared", "COOPERATES_WITH", "ngo-y04", "ag-yn-cpc-twp-liangzi"),
        ("appeared", "FUNDS", "fund-online-shanxin", "ngo-y04"),
        ("appeared", "MOBILIZES", "ag-yn-cpc-twp-liangzi", "ag-yn-vc-bajiao"),
        ("appeared", "MOBILIZES", "ag-yn-vc-bajiao", "vil-yn-bajiao"),
        ("appeared", "SUPPORTS", "ag-yn-cpc-twp-liangzi", "ngo-y04"),
    ]
    continued = {("COOPERATES_WITH", "ngo-y04", "ag-yn-gov-twp-liangzi"), ("WORKS_IN", "ngo-y04", "vil-yn-hongtupo")}
    assert not continued & {(r["type"], r["source"], r["target"]) for r in got}
    assert ("disappeared", "WORKS_IN", "ngo-y04", "vil-yn-yaoshang") in {
        (r["change"], r["type"], r["source"], r["target"]) for r in got
    }


def _in_force(store: Store, date: str, ngo: str) -> set[tuple[str, str, str]]:
    return {(r["source"], r["type"], r["target"]) for r in rows(store, "as_of", date=date, ngo=ngo)}


def test_as_of_honours_partial_dates(paper: Store) -> None:
    # sch-nx-liuquan-primary DISTRUSTS ngo-n07 from 2008 to 2010-03: in force on the last day of
    # March 2010, in March 2010 and in 2010, gone on 2010-04-01.
    refusal = ("sch-nx-liuquan-primary", "DISTRUSTS", "ngo-n07")
    for date in ("2010-03-31", "2010-03", "2010", "2008-01-01"):
        assert refusal in _in_force(paper, date, "ngo-n07"), date
    for date in ("2010-04-01", "2010-04", "2007-12-31"):
        assert refusal not in _in_force(paper, date, "ngo-n07"), date
    # ngo-n07 COOPERATES_WITH edu-county-baiquan from 2010-03: not yet on 2010-02-28 or in
    # February, in force from 2010-03-01.
    coop = ("ngo-n07", "COOPERATES_WITH", "ag-nx-edu-county-baiquan")
    assert coop not in _in_force(paper, "2010-02-28", "ngo-n07")
    assert coop not in _in_force(paper, "2010-02", "ngo-n07")
    assert coop in _in_force(paper, "2010-03-01", "ngo-n07")
    # ngo-y04 WORKS_IN yaoshang from 2010 (a year): in force on 2010-03-01, not on 2009-12-31.
    works = ("ngo-y04", "WORKS_IN", "vil-yn-yaoshang")
    assert works in _in_force(paper, "2010-03-01", "ngo-y04")
    assert works not in _in_force(paper, "2009-12-31", "ngo-y04")
    # fund-intl-evergreen FUNDS ngo-y01 from 2004 to 2015: in force on 2015-12-31, not 2016-01-01.
    grant = ("fund-intl-evergreen", "FUNDS", "ngo-y01")
    assert grant in _in_force(paper, "2015-12-31", "ngo-y01")
    assert grant not in _in_force(paper, "2016-01-01", "ngo-y01")


def test_as_of_merges_rounds_and_keeps_undated_lines(paper: Store) -> None:
    # ngo-y04 WORKS_IN hongtupo was recorded in rounds 1 and 2 with the same start (2008): one row.
    # The round-1 chain vc-hongtupo MOBILIZES hongtupo (from 2009-04) has no end, but round 2
    # revisited vc-hongtupo (cpc-twp-liangzi SUPERVISES it) without it: it disappeared, and
    # ended with round 1 (2012; the temporal rule), so in 2019 only WORKS_IN stands.
    got = [r for r in rows(paper, "as_of", date="2019", ngo="ngo-y04") if r["target"] == "vil-yn-hongtupo"]
    assert [(r["type"], r["start"], r["end"], r["first_round"], r["last_round"]) for r in got] == [
        ("WORKS_IN", "2008", None, 1, 2),
    ]
    got = [r for r in rows(paper, "as_of", date="2011", ngo="ngo-y04") if r["target"] == "vil-yn-hongtupo"]
    assert [(r["type"], r["end"], r["end_from"]) for r in got] == [
        ("MOBILIZES", "2012", "rounds"),
        ("WORKS_IN", None, None),
    ]
    # The earliest start in ties.csv is 1996; in 1990 only the 81 undated SUPERVISES lines stand.
    got = rows(paper, "as_of", date="1990")
    assert len(got) == 81 and {r["type"] for r in got} == {"SUPERVISES"}
    # On 2012-06-30 ngo-y04 had 15 ties in force: APPROVES (police), VOUCHES_FOR and SUPPORTS
    # from gov-twp-liangzi, COOPERATES_WITH gov-twp-liangzi (rounds 1 and 2: one row) and
    # wf-county-heixi, FUNDS from heixi (ends 2012), two MOBILIZES to hongtupo, SUPPORTS from
    # the two Heixi bodies, two ACCEPTS (2009-05) and three WORKS_IN (hongtupo and bajiao
    # merged across rounds). Not the four DISTRUSTS (ended 2009) nor the ties begun 2017-2018.
    got = rows(paper, "as_of", date="2012-06-30", ngo="ngo-y04")
    assert len(got) == 15
    assert not any(r["type"] == "DISTRUSTS" for r in got)
    assert not any(r["source_label"] == "Interview" for r in rows(paper, "as_of", date="2010"))


def test_as_of_and_round_changes_agree(paper: Store) -> None:
    # One temporal rule: a tie round_changes calls disappeared (round 1 only, an end revisited
    # in round 2) and that has no end date is not in force after round 1 (2012) for as_of.
    gone = {
        (r["source"], r["type"], r["target"])
        for r in rows(paper, "round_changes")
        if r["change"] == "disappeared" and r["end"] is None
    }
    assert ("ngo-y01", "COOPERATES_WITH", "ag-yn-gov-twp-baiyan") in gone
    in_2015 = {(r["source"], r["type"], r["target"]) for r in rows(paper, "as_of", date="2015")}
    in_2011 = {(r["source"], r["type"], r["target"]) for r in rows(paper, "as_of", date="2011")}
    assert not gone & in_2015
    assert ("ngo-y01", "COOPERATES_WITH", "ag-yn-gov-twp-baiyan") in in_2011


def test_tables_1_and_3(paper: Store) -> None:
    # Table 1 (docs/sample.md): Yunnan 8, Ningxia 7, Hebei 7; Table 3: public trust 14 of 22.
    profile = {r["province"]: r for r in rows(paper, "sample_profile")}
    assert [profile[p]["ngos"] for p in ("Yunnan", "Ningxia", "Hebei", "Total")] == [8, 7, 7, 22]
    # Ages to 2010 from ngos.csv `founded`: 106 / 8 = 13.25, 43 / 7 = 6.14, 76 / 7 = 10.86, 225 / 22 = 10.23.
    assert [profile[p]["average_age"] for p in ("Yunnan", "Ningxia", "Hebei", "Total")] == [13.3, 6.1, 10.9, 10.2]
    trust = [r for r in rows(paper, "motivations") if r["motivation"] == "public_trust"]
    assert [(r["ngos"], r["of_ngos"], r["percent"]) for r in trust] == [(14, 22, 63.6)]


def test_python_api_returns_a_dataframe(paper: Store) -> None:
    frame = run_query(paper, "mediated_reach").dataframe()
    assert frame.shape[0] == 22 and int(frame["only_through_state"].sum()) == 6


# -- the command line ------------------------------------------------------------------


@pytest.fixture
def sample_store_url(tmp_path: Path) -> Iterator[str]:
    path = tmp_path / "graph"
    with EmbeddedStore(path) as db:
        load_package(db, sample_path(), name="paper")
    yield f"embedded:{path}"


def test_cli_lists_every_query() -> None:
    result = CliRunner().invoke(app, ["queries"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for name in library():
        assert name in result.output


def test_cli_runs_access_paths_as_json(sample_store_url: str) -> None:
    result = CliRunner().invoke(
        app, ["query", "access_paths", "-p", "ngo=ngo-h06", "--store", sample_store_url, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    # ngo-h06: WORKS_IN nanguan and zhangjiawa; COOPERATES_WITH wf-county-luanxi, which MOBILIZES
    # wf-twp-nanguan -> vc-nanguan -> nanguan and -> vc-xiaoying -> xiaoying (all round 1, H263).
    assert [(d["target"], d["route"]) for d in data] == [
        ("vil-hb-nanguan", "direct"),
        ("vil-hb-nanguan", "state"),
        ("vil-hb-xiaoying", "state"),
        ("vil-hb-zhangjiawa", "direct"),
    ]
    assert data[2]["levels"] == ["county", "township", "village"] and data[2]["evidence"] == ["H263"]


def test_cli_refuses_a_missing_parameter_before_opening_the_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["query", "access_paths", "--store", f"embedded:{tmp_path / 'never'}"])
    assert result.exit_code == 1
    assert "needs parameter 'ngo'" in result.stderr
    assert not (tmp_path / "never").exists()


def test_parse_query_reads_notes(tmp_path: Path) -> None:
    text = "// name: q\n// description: D.\n// notes: >-\n//   Two\n//   lines.\nRETURN 1 AS one\n"
    q = parse_query(text, tmp_path / "q.cypher")
    assert (q.description, q.notes, q.cypher) == ("D.", "Two lines.", "RETURN 1 AS one")
