"""Trust and the shared rules: the chain, the temporal rule and the trust queries and measures.

Two packages, each on the embedded store and on Neo4j:

- the **designed package** ``tests/fixtures/trust`` (a made-up Gansu county): ngo-g01 works
  with the county Women's Federation, which *supervises* (does not mobilise) the two
  township federations that mobilised three villages on its behalf, and with one of those
  township federations directly; a township government mobilised a fourth village for it
  with no line to any body it works with. ngo-g02 works in a village that refused it until
  it simply accepted it, and in a school the county Education Bureau's approval opened.
  ngo-g03 is urban. Every expected value is worked out from its ``ties.csv`` below.
- the **paper sample**, where the expected values come from ``graphmodel/sample/paper``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.chains import chain_paths, state_opened, unjoined_mobilisations
from graphmodel.export import to_networkx
from graphmodel.metrics import access_betweenness, borrowed_trust, brokerage, department_withdrawal, state_dependence
from graphmodel.queries import run_query
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.stores.embedded import EmbeddedStore
from graphmodel.temporal import in_force
from graphmodel.trust import stances, trust_sources

FIXTURE = Path(__file__).parent / "fixtures" / "trust"
PAPER = sample_path()


def _load(server: Store, path: Path, name: str) -> Store:
    from tests.conftest import _reset_neo4j

    if isinstance(server, EmbeddedStore):
        server.delete_all()
    else:
        _reset_neo4j(server)
    load_package(server, path, name=name)
    return server


@pytest.fixture(scope="module")
def _loaded() -> dict[str, str]:
    return {}


def _store(request: pytest.FixtureRequest, loaded: dict[str, str], path: Path, name: str) -> Store:
    kind = str(request.param)
    server: Store = request.getfixturevalue(f"{kind}_server")
    ngos = server.run(cy.count_label(load_schema(), "NGO")).rows[0][0]
    expected = 22 if name == "paper" else 3
    if loaded.get(kind) != name or ngos != expected:
        _load(server, path, name)
        loaded[kind] = name
    return server


@pytest.fixture(params=["embedded", "neo4j"])
def gansu(request: pytest.FixtureRequest, _loaded: dict[str, str]) -> Store:
    """The designed package on each store."""
    return _store(request, _loaded, FIXTURE, "gansu")


@pytest.fixture(params=["embedded", "neo4j"])
def paper(request: pytest.FixtureRequest, _loaded: dict[str, str]) -> Store:
    """The paper sample on each store."""
    return _store(request, _loaded, PAPER, "paper")


def rows(store: Store, name: str, **params: Any) -> list[dict[str, Any]]:
    return run_query(store, name, params).records()


# -- the designed package ---------------------------------------------------------------


def test_supervision_completes_chains_and_the_rest_is_reported(gansu: Store) -> None:
    # ngo-g01 COOPERATES_WITH wf-county and wf-twp-a (round 1). wf-county SUPERVISES wf-twp-a and
    # wf-twp-b; wf-twp-a MOBILIZES vil-g1 and vil-g2, wf-twp-b MOBILIZES vil-g3, on its behalf.
    # Chains: through wf-twp-a as head (g1, g2) and through wf-county completed by supervision
    # (g1, g2, g3). gov-twp-c MOBILIZES vil-g4 for it, but nothing it works with leads there.
    got = rows(gansu, "access_paths", ngo="ngo-g01")
    assert [(r["target"], r["agencies"], r["types"]) for r in got] == [
        ("vil-g1", ["ag-g-wf-twp-a"], ["COOPERATES_WITH", "MOBILIZES"]),
        ("vil-g1", ["ag-g-wf-county", "ag-g-wf-twp-a"], ["COOPERATES_WITH", "SUPERVISES", "MOBILIZES"]),
        ("vil-g2", ["ag-g-wf-twp-a"], ["COOPERATES_WITH", "MOBILIZES"]),
        ("vil-g2", ["ag-g-wf-county", "ag-g-wf-twp-a"], ["COOPERATES_WITH", "SUPERVISES", "MOBILIZES"]),
        ("vil-g3", ["ag-g-wf-county", "ag-g-wf-twp-b"], ["COOPERATES_WITH", "SUPERVISES", "MOBILIZES"]),
    ]
    reach = {r["ngo"]: r for r in rows(gansu, "mediated_reach")}
    assert (reach["ngo-g01"]["reached"], reach["ngo-g01"]["only_through_state"]) == (3, 3)
    assert reach["ngo-g01"]["status"] == "reaches"
    assert (reach["ngo-g03"]["status"], reach["ngo-g03"]["reached"]) == ("not applicable", 0)
    unjoined = rows(gansu, "unjoined_mobilisations")
    assert [(r["ngo"], r["source"], r["target"], r["reason"]) for r in unjoined] == [
        ("ngo-g01", "ag-g-gov-twp-c", "vil-g4", "no_head")
    ]
    # The Python side says the same, as warnings the load summary can print.
    graph = to_networkx(gansu)
    warnings = unjoined_mobilisations(graph)
    assert [(w.source, w.target, w.ngo) for w in warnings] == [("ag-g-gov-twp-c", "vil-g4", "ngo-g01")]
    assert "is in no access chain" in warnings[0].warning()
    from graphmodel.chains import unjoined_warnings

    assert unjoined_warnings(gansu) == [w.warning() for w in warnings]


def test_three_views_of_gatekeeping_by_hand(gansu: Store) -> None:
    # docs/metrics.md works this graph by hand. Pairs: wf-county stands on chains to g1, g2, g3
    # (3 pairs, 3 chains); wf-twp-a on chains to g1 and g2 (2 pairs, 4 chains: via each head);
    # wf-twp-b to g3 (1). Shortest chains: g1 and g2 go ngo -> wf-twp-a -> village (2 ties)
    # rather than through wf-county (3 ties), so wf-county's betweenness is 1 (g3 only), and
    # only g3 is lost if it withdrew. wf-twp-a: on every chain to g1 and g2 (2, 2); wf-twp-b: 1, 1.
    gate = {r["agency"]: (r["pairs"], r["chains"]) for r in rows(gansu, "gatekeepers")}
    assert gate == {"ag-g-wf-county": (3, 3), "ag-g-wf-twp-a": (2, 4), "ag-g-wf-twp-b": (1, 1)}
    graph = to_networkx(gansu)
    between = access_betweenness(graph)["access_betweenness"].to_dict()
    lost = department_withdrawal(graph)["reach_lost"].to_dict()
    hand = {"ag-g-wf-county": (1, 1), "ag-g-wf-twp-a": (2, 2), "ag-g-wf-twp-b": (1, 1)}
    assert {a: (between[a], lost[a]) for a in hand} == hand
    assert between["ag-g-gov-twp-c"] == lost["ag-g-gov-twp-c"] == 0  # its mobilisation joins no chain


def _three_views(store: Store) -> tuple[int, int]:
    """Check lost <= betweenness <= pairs for every state body; count bodies where all three / two agree (> 0)."""
    graph = to_networkx(store)
    gate = {r["agency"]: r for r in rows(store, "gatekeepers", limit=100_000)}
    between = access_betweenness(graph)["access_betweenness"].to_dict()
    lost = department_withdrawal(graph)["reach_lost"].to_dict()
    for body, value in between.items():  # the state bodies
        pairs = gate[body]["pairs"] if body in gate else 0
        # Every pair lost without the body has all its chains through it (so betweenness 1);
        # betweenness gives each pair at most 1; a pair counts for gatekeepers if a chain passes.
        assert lost[body] <= value + 1e-9 <= pairs + 2e-9, body
    three = sum(lost[b] == between[b] == gate[b]["pairs"] > 0 for b in between if b in gate)
    return three, sum(lost[b] == between[b] > 0 for b in between)


def test_three_views_agree_where_they_must(gansu: Store) -> None:
    # Where every pair a body serves is reached by its chains alone, one shortest chain each,
    # the three views give the same number: wf-twp-a and wf-twp-b here.
    assert _three_views(gansu) == (2, 3)


def test_three_views_agree_where_they_must_on_the_sample(paper: Store) -> None:
    # In the sample every body's pairs include one the NGO also reaches directly (a WORKS_IN
    # tie is the shortest way there), so gatekeepers always counts more; withdrawal and
    # betweenness agree for the bodies on the six pairs reached only through the state.
    three, two = _three_views(paper)
    assert three == 0 and two > 0


def test_state_dependence_counts_access_the_state_opened(gansu: Store) -> None:
    # ngo-g02 WORKS_IN vil-g5 and sch-g1. vil-g5 refused it 2009-2010 and accepted it in 2010
    # with no state tie at all: its own access. sch-g1 needed ag-g-edu-county's approval
    # (APPROVES, place sch-g1): access through the state. So 1 of 2 depends on the state.
    graph = to_networkx(gansu)
    assert state_opened(graph, "ngo-g02") == {"sch-g1"}
    dep = state_dependence(graph)
    g02 = dep.loc["ngo-g02"]
    assert (g02["reached"], g02["direct"], g02["state_opened"], g02["reached_without_state"]) == (2, 2, 1, 1)
    assert g02["state_dependence"] == 0.5
    assert dep.loc["ngo-g01", "state_dependence"] == 1.0
    assert dep.loc["ngo-g03", "state_dependence"] == "not applicable"  # urban: no place to reach


def test_trust_queries_on_the_designed_package(gansu: Store) -> None:
    # Sources of ngo-g01: wf-county VOUCHES_FOR it at vil-g1 (2010-06) and chains through the
    # state to g1 (last tie 2010-07), g2 (2009) and g3 (2011), one per head department; ngo-g02:
    # the Education Bureau's approval at sch-g1 (2010). All local government (Table 4: 80.3 ->
    # 68.7, -11.6 from the values).
    got = rows(gansu, "trust_sources")
    assert [(r["ngo"], r["tie"], r["agency"], r["place"], r["start"]) for r in got] == [
        ("ngo-g01", "MOBILIZES", "ag-g-wf-county", "vil-g2", "2009"),
        ("ngo-g01", "MOBILIZES", "ag-g-wf-twp-a", "vil-g2", "2009"),
        ("ngo-g01", "VOUCHES_FOR", "ag-g-wf-county", "vil-g1", "2010-06"),
        ("ngo-g01", "MOBILIZES", "ag-g-wf-county", "vil-g1", "2010-07"),
        ("ngo-g01", "MOBILIZES", "ag-g-wf-twp-a", "vil-g1", "2010-07"),
        ("ngo-g01", "MOBILIZES", "ag-g-wf-county", "vil-g3", "2011"),
        ("ngo-g02", "APPROVES", "ag-g-edu-county", "sch-g1", "2010"),
    ]
    assert {(r["institution"], r["trust_2011"], r["trust_2015"], r["trust_change"]) for r in got} == {
        ("local government", 80.3, 68.7, -11.6)
    }
    assert got[2]["kind"] == "investigated_and_vouched"
    # The Python twin finds the same sources.
    graph = to_networkx(gansu)
    assert {(s.ngo, s.tie, s.agency, s.place, s.start) for s in trust_sources(graph)} == {
        (r["ngo"], r["tie"], r["agency"], r["place"], r["start"]) for r in got
    }
    # Trajectory at vil-g1: the rumour (2010-03 to 2010-06) ended when wf-county had vouched
    # (2010-06, by the end); participation followed (2010-08), after the mobilisation too.
    trajectory = rows(gansu, "trust_trajectory", ngo="ngo-g01")
    assert [(r["place"], r["stance"], r["kind"], r["ended"]) for r in trajectory] == [
        ("vil-g1", "distrust", "rumour", True),
        ("vil-g1", "acceptance", "participation", None),
        ("vil-g2", "acceptance", "formalistic_compliance", None),
        ("vil-g3", "distrust", "suspicion", False),
    ]
    assert trajectory[0]["state_before"] == ["2010-06 VOUCHES_FOR investigated_and_vouched by ag-g-wf-county"]
    assert trajectory[0]["followed"] == ["2010-08 participation"]
    assert len(trajectory[1]["state_before"]) == 3
    # By registration: the registered pair (g01, g03) met two episodes, one ended after a state
    # tie and one open, and one formalistic compliance; the unregistered g02 one episode that
    # ended without the state.
    by = {r["group"]: r for r in rows(gansu, "trust_by_group", by="registration")}
    assert [by["ngo"][k] for k in ("ngos", "with_state_sources", "met_distrust", "distrust_episodes")] == [2, 1, 1, 2]
    assert [by["ngo"][k] for k in ("ended_after_state", "ended_without_state", "unresolved")] == [1, 0, 1]
    assert by["ngo"]["formalistic_compliance"] == 1
    assert [by["unregistered"][k] for k in ("ended_after_state", "ended_without_state", "unresolved")] == [0, 1, 0]


def test_borrowed_trust_on_the_designed_package(gansu: Store) -> None:
    # ngo-g01 was accepted at g1 (after the vouching and a mobilisation) and g2 (formally, after
    # a 2009 mobilisation): 2 of 2 borrowed. ngo-g02 at vil-g5 with no state tie: 0 of 1.
    got = borrowed_trust(to_networkx(gansu))
    assert got.loc["ngo-g01", ["accepted", "borrowed", "formalistic"]].tolist() == [2, 2, 1]
    assert got.loc["ngo-g01", "borrowed_share"] == 1.0
    assert got.loc["ngo-g01", "institutions"] == "local government"
    assert got.loc["ngo-g02", "borrowed_share"] == 0.0
    assert got.loc["ngo-g03", "borrowed_share"] == "not applicable"
    grouped = borrowed_trust(to_networkx(gansu), by="registration")
    assert grouped.loc["ngo", ["accepted", "borrowed", "ngos"]].tolist() == [2, 2, 2]


# -- the narrowed source reads (trust_sources_at, trust_source_ngos) are trust_sources' ----


def _narrowed_reads_agree(store: Store) -> None:
    """trust_trajectory's sources before each stance, and trust_by_group's NGOs with sources, read
    through the narrowed fragments, are those the full list of trust_sources gives."""
    from graphmodel.temporal import starts_by

    sources = run_query(store, "trust_sources", {}, page_size=None).records()
    stances = run_query(store, "trust_trajectory", {}, page_size=None).records()
    assert stances and any(r["state_before"] for r in stances)
    for r in stances:
        by = r["end"] if r["stance"] == "distrust" else r["start"]
        expected = {
            f"{s['start'] or '?'} {s['tie']} {s['kind']} by {s['agency']}"
            for s in sources
            if s["ngo"] == r["ngo"] and s["place"] in (None, r["place"]) and starts_by(s["start"], by)
        }
        assert r["state_before"] == sorted(expected), (r["ngo"], r["place"], r["kind"])
    for basis in (None, "stated", "illustrative"):
        (everyone,) = rows(store, "trust_by_group", basis=basis)
        with_sources = {s["ngo"] for s in sources if basis is None or s["basis"] == basis}
        assert everyone["with_state_sources"] == len(with_sources), basis
        assert with_sources or basis is not None


def test_narrowed_source_reads_agree_with_trust_sources(gansu: Store) -> None:
    _narrowed_reads_agree(gansu)


def test_narrowed_source_reads_agree_with_trust_sources_on_the_sample(paper: Store) -> None:
    _narrowed_reads_agree(paper)


# -- one chain definition, one temporal rule: Cypher and Python agree ------------------


def _same_chains(store: Store) -> None:
    graph = to_networkx(store)
    ngos = sorted(n for n, d in graph.nodes(data=True) if d["label"] == "NGO")
    ours = {(c.ngo, c.round, c.nodes, c.types) for c in chain_paths(graph)}
    theirs = {
        (ngo, r["round"], tuple(r["chain"].split(" > ")), tuple(r["types"]))
        for ngo in ngos
        for r in rows(store, "access_paths", ngo=ngo)
    }
    assert ours == theirs and ours
    assert {(w.source, w.target, w.ngo) for w in unjoined_mobilisations(graph)} == {
        (r["source"], r["target"], r["ngo"]) for r in rows(store, "unjoined_mobilisations")
    }


def test_chain_fragment_and_python_twin_list_the_same_chains(gansu: Store) -> None:
    _same_chains(gansu)


def test_chain_fragment_and_python_twin_list_the_same_chains_on_the_sample(paper: Store) -> None:
    _same_chains(paper)


@pytest.mark.parametrize("date", ["2008", "2010-03", "2011", "2015", "2019-06"])
def test_as_of_query_and_python_rule_agree(paper: Store, date: str) -> None:
    graph = to_networkx(paper)
    kept = in_force(graph, date)
    ours = {
        (u, graph.edges[u, v, k]["type"], v)
        for u, v, k in kept
        if graph.edges[u, v, k]["type"] not in ("WITH", "MENTIONS")
    }
    theirs = {(r["source"], r["type"], r["target"]) for r in rows(paper, "as_of", date=date)}
    assert ours == theirs
    # export's as_of filter applies the same rule
    exported = to_networkx(paper, as_of=date)
    assert {(u, d["type"], v) for u, v, d in exported.edges(data=True) if d["type"] not in ("WITH", "MENTIONS")} == ours


# -- the paper sample --------------------------------------------------------------------


def test_sample_state_dependence_counts_gated_and_blocked_access(paper: Store) -> None:
    # ngo-n07: the Liuquan primary school refused it (2008 to 2010-03) until the Baiquan county
    # Education Bureau approved its reading corners there (APPROVES, place, 2010-03): 1 of its 3
    # places depends on the state. ngo-y04: Hongtupo's rumour, refusal and report ended 2009-03
    # when the township looked into the programme and vouched for it (VOUCHES_FOR 2009-03);
    # Bajiao's refusal ended 2009-04 with no state tie there: 1 of 3.
    graph = to_networkx(paper)
    assert state_opened(graph, "ngo-n07") == {"sch-nx-liuquan-primary"}
    assert state_opened(graph, "ngo-y04") == {"vil-yn-hongtupo"}
    dep = state_dependence(graph)
    for ngo in ("ngo-n07", "ngo-y04"):
        assert dep.loc[ngo, ["reached", "reached_without_state"]].tolist() == [3, 2]
        assert dep.loc[ngo, "state_dependence"] == pytest.approx(1 / 3)
    for urban in ("ngo-h03", "ngo-h04"):
        assert dep.loc[urban, "state_dependence"] == "not applicable"
    assert not dep["state_dependence"].isna().any()


def test_sample_mediated_reach_by_round_says_not_observed(paper: Store) -> None:
    # Round 2 revisited ngo-y01, y04, y07, n01, n02, n04 (interviews.csv round-2 interviews);
    # the other 16 NGOs have no round-2 tie: their counts are unknown, not 0.
    got = {r["ngo"]: r for r in rows(paper, "mediated_reach", round=2)}
    observed = {n for n, r in got.items() if r["status"] != "not observed"}
    assert observed == {"ngo-y01", "ngo-y04", "ngo-y07", "ngo-n01", "ngo-n02", "ngo-n04"}
    assert all(r["reached"] is None for n, r in got.items() if n not in observed)
    graph = to_networkx(paper, fieldwork_round=2)
    dep = state_dependence(graph)
    assert {n for n in dep.index if dep.loc[n, "state_dependence"] == "not observed"} == set(got) - observed


def test_sample_brokerage_along_flows_finds_the_womens_federations(paper: Store) -> None:
    # With every relation, NGOs top the ranking (ties run both ways between them and the
    # departments); along the flow of access the top gatekeeper is a county Women's Federation.
    graph = to_networkx(paper)
    everything = brokerage(graph, relations="all")
    assert str(everything["total"].idxmax()).startswith("ngo-")
    flow = brokerage(graph)
    top = flow["gatekeeper"].idxmax()
    assert graph.nodes[top]["system"] == "Women's Federation" and graph.nodes[top]["level"] == "county"
    assert flow.loc[[n for n in flow.index if str(n).startswith("ngo-")], "total"].sum() == 0
    with pytest.raises(ValueError, match="relations must be"):
        brokerage(graph, relations="some")


def test_sample_trust_sources_and_trajectory_of_ngo_y04(paper: Store) -> None:
    # ties.csv, ngo-y04 (Y131): the township government vouched for it at Hongtupo after looking
    # into it (2009-03), the township police approved resuming the trainings there (2009-03), the
    # township's chain reached Hongtupo (2009-04) and, in round 2, the Party and government
    # township bodies' chains reached Bajiao (2018).
    got = rows(paper, "trust_sources", ngo="ngo-y04")
    assert [(r["tie"], r["agency"], r["place"], r["start"], r["institution"]) for r in got] == [
        ("APPROVES", "ag-yn-psb-twp-liangzi", "vil-yn-hongtupo", "2009-03", "police"),
        ("VOUCHES_FOR", "ag-yn-gov-twp-liangzi", "vil-yn-hongtupo", "2009-03", "local government"),
        ("MOBILIZES", "ag-yn-gov-twp-liangzi", "vil-yn-hongtupo", "2009-04", "local government"),
        ("MOBILIZES", "ag-yn-cpc-twp-liangzi", "vil-yn-bajiao", "2018", "local government"),
        ("MOBILIZES", "ag-yn-gov-twp-liangzi", "vil-yn-bajiao", "2018", "local government"),
    ]
    assert got[0]["trust_2011"] == 84.6 and got[0]["trust_2015"] == 82.4
    stated = rows(paper, "trust_sources", ngo="ngo-y04", basis="stated")
    assert [(r["tie"], r["evidence"]) for r in stated] == [("VOUCHES_FOR", ["Y131"]), ("MOBILIZES", ["Y131"])]
    # At Hongtupo: rumour (2008-10), refusal (2008-12), report (2009-02), all over by 2009-03,
    # after the vouching and the approval; participation followed (2009-05).
    trajectory = [r for r in rows(paper, "trust_trajectory", ngo="ngo-y04") if r["place"] == "vil-yn-hongtupo"]
    assert [(r["kind"], r["start"], r["end"]) for r in trajectory] == [
        ("rumour", "2008-10", "2009-03"),
        ("refusal", "2008-12", "2009-03"),
        ("reporting", "2009-02", "2009-03"),
        ("participation", "2009-05", None),
    ]
    assert trajectory[0]["state_before"] == [
        "2009-03 APPROVES approval by ag-yn-psb-twp-liangzi",
        "2009-03 VOUCHES_FOR investigated_and_vouched by ag-yn-gov-twp-liangzi",
    ]
    assert trajectory[0]["followed"] == ["2009-05 participation"]
    assert {r["basis"] for r in trajectory} == {"stated"}


def test_sample_trust_by_group_and_borrowed_trust(paper: Store) -> None:
    # DISTRUSTS in ties.csv: ngo-y04 four (three at Hongtupo ended after the state stepped in,
    # Bajiao's refusal ended without), ngo-y06 Nanpo (open), ngo-y08 Laojie (ended 2006 with no
    # state tie), ngo-n06 Zhaojiazhuang (ended "2009", a year, and the township introduced it in
    # 2009-10, a day that year may still mean: after the state), ngo-n07 the school (ended
    # 2010-03 with the approval) and Ximiao (open), ngo-h07 Lijiabao (open): 10 episodes, 6
    # NGOs, 5 after the state, 2 without, 3 open. Formalistic compliance: ngo-y03's Liangzi school.
    (everyone,) = rows(paper, "trust_by_group")
    assert [everyone[k] for k in ("ngos", "met_distrust", "distrust_episodes")] == [22, 6, 10]
    assert [everyone[k] for k in ("ended_after_state", "ended_without_state", "unresolved")] == [5, 2, 3]
    assert everyone["formalistic_compliance"] == 1
    # Borrowed trust: ngo-y08's Laojie accepted it without a state tie (0 of 1); ngo-y04 was
    # accepted at Hongtupo after the vouching and at Bajiao with no state tie (1 of 2).
    got = borrowed_trust(to_networkx(paper))
    assert got.loc["ngo-y08", ["accepted", "borrowed"]].tolist() == [1, 0]
    assert got.loc["ngo-y04", ["accepted", "borrowed", "borrowed_share"]].tolist() == [2, 1, 0.5]
    assert set(got.loc["ngo-y04", "institutions"].split(";")) == {"local government", "police"}
    assert got.loc["ngo-h03", "borrowed_share"] == "not applicable"


# -- the sample says what it rests on --------------------------------------------------------

CITED = set(
    [
        "Y131",
        "Y132",
        "Y134",
        "Y155",
        "Y158",
        "Y229",
        "Y250",
        "N142",
        "N143",
        "N236",
        "N237",
        "N238",
        "N273",
        "H164",
        "H165",
        "H168",
        "H259",
        "H260",
        "H263",
        "BJ07",
    ]
)


def _csv(name: str) -> Iterator[dict[str, str]]:
    with (PAPER / name).open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


@pytest.mark.parametrize("name", sorted(p.name for p in PAPER.glob("*.csv")))
def test_every_sample_row_says_its_basis(name: str) -> None:
    for number, row in enumerate(_csv(name), start=2):
        assert row["basis"] in ("stated", "illustrative"), (name, number)
        cited = {x for x in row["stated_by"].split(";") if x}
        if row["basis"] == "stated":
            assert cited and cited <= CITED | {"paper"}, (name, number)
        else:
            assert not cited, (name, number)
        if name == "codes.csv" and row["basis"] == "stated":
            assert cited == {row["interview"]}, (name, number)
        if name == "ties.csv":  # the interviews that state a tie are among its evidence
            assert cited - {"paper"} <= set(row["evidence"].split(";")), (name, number)


def test_sample_misreadings_are_fixed() -> None:
    codes = list(_csv("codes.csv"))
    # The paper's problem-solving section: the police signature (Y158) and the shopping centre (H165).
    assert {(r["interview"], r["ngo"]) for r in codes if r["code"] == "problem_solving"} == {
        ("Y158", "ngo-y02"),
        ("H165", "ngo-h03"),
    }
    ties = list(_csv("ties.csv"))
    # Approval only (Y158): no cooperation with the Songping county Education Bureau heads a chain.
    assert not any(
        (t["source"], t["type"], t["target"]) == ("ngo-y02", "COOPERATES_WITH", "ag-yn-edu-county-songping")
        for t in ties
    )
    assert all("水务局" not in r["name_zh"] for r in _csv("agencies.csv"))
    graph = nx.MultiDiGraph()
    graph.add_node("vc", label="Agency", system="Village Committee")
    from graphmodel.metrics._common import node_sector

    assert node_sector(graph, "vc") == "self_governing"
    assert "supervising" not in load_schema().relationships["SPONSORS"].description.split(".")[0]


def test_stated_public_trust_codes_do_not_split_by_registration(paper: Store) -> None:
    # The 78% against 55% split came from illustrative codes. On stated codes: unregistered
    # ngo-y04, y06, n06, h05 (4 of 9) and registered ngo-y01, y02, y03, y07, n02, h04 (6 of 13).
    stated = rows(paper, "motivations", by="registration", basis="stated")
    trust = {r["group"]: (r["ngos"], r["of_ngos"]) for r in stated if r["motivation"] == "public_trust"}
    assert trust == {"business": (1, 2), "ngo": (5, 11), "unregistered": (4, 9)}
    # With the illustrative codes, Table 3's 14 of 22 (and the old split, 7 of 9 against 7 of 13).
    every = rows(paper, "motivations", by="registration")
    trust = {r["group"]: r["ngos"] for r in every if r["motivation"] == "public_trust"}
    assert sum(trust.values()) == 14 and trust["unregistered"] == 7


def test_the_load_summary_warns_of_an_unjoined_mobilisation(store: Store) -> None:
    """Loading the designed package reports its one mobilisation that joins no chain, never silently."""
    from graphmodel.api import load_package

    report = load_package(store, FIXTURE, name="gansu")
    assert report.written
    assert len(report.warnings) == 1 and "vil-g4" in report.warnings[0] and "ngo-g01" in report.warnings[0]


def test_the_urban_public_holds_a_stance(paper: Store) -> None:
    """N142: Sand Willow's volunteers (a Public node) take part once officials join in (stated)."""
    graph = to_networkx(paper)
    public = "pub-nx-shuoyuan-sandwillow-volunteers"
    assert graph.nodes[public]["label"] == "Public" and graph.nodes[public]["kind"] == "volunteers"
    assert load_schema().labels["Public"].sector == "public"  # not a place NGOs reach
    [(holder, kind, start)] = [
        (s.holder, s.kind, s.start) for s in stances(graph, "ngo-n01") if s.tie == "ACCEPTS" and s.basis == "stated"
    ]
    assert (holder, kind, start) == (public, "participation", "2009-04")
    # the Youth League's officials at its events (2009-04, seen by all) came by then: 1 of 1 borrowed
    got = borrowed_trust(graph, basis="stated")
    assert got.loc["ngo-n01", ["accepted", "borrowed"]].tolist() == [1, 1]
    assert got.loc["ngo-n01", "institutions"] == "local government"
