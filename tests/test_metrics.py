"""Metrics: brokerage against R's sna and brute force, fast access betweenness against NetworkX,
state dependence and department withdrawal against brute force, realised access against the query
library and brute-force chains, sampling error, write-back, CLI."""

from __future__ import annotations

import csv
import io
import itertools
import random
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import GraphmodelError
from graphmodel.export import to_networkx
from graphmodel.metrics import (
    access_betweenness,
    access_graph,
    brokerage,
    degree_by_type,
    department_withdrawal,
    state_dependence,
    structural_holes,
    subset_betweenness,
    write_metric,
)
from graphmodel.metrics.brokerage import ROLES, _role
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store

SNA = Path(__file__).parent / "fixtures" / "sna_brokerage"
SECTORS = ["state", "ngo", "grassroots", "funder"]


def _random_multigraph(seed: int, n: int = 18, p: float = 0.18) -> nx.MultiDiGraph:
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"v{i:02d}", sector=rng.choice(SECTORS))
    for u, v in itertools.product(list(g), repeat=2):
        if rng.random() < p:
            g.add_edge(u, v)
            if rng.random() < 0.2:  # a second tie between the same pair, and self-loops
                g.add_edge(u, v)
    return g


# --- brokerage ---------------------------------------------------------------


def test_brokerage_matches_r_sna() -> None:
    # tests/fixtures/sna_brokerage: a random digraph (24 nodes, 100 ties, 4 groups) and the output of
    # sna::brokerage 2.7-1 on it (ref.R), counts and z-scores.
    edges = pd.read_csv(SNA / "edges.csv")
    groups = pd.read_csv(SNA / "groups.csv")
    g = nx.DiGraph()
    g.add_nodes_from((r.node, {"team": r.group}) for r in groups.itertuples())
    g.add_edges_from(zip(edges.source, edges.target, strict=True))
    ours = brokerage(g, "team")
    ref = pd.read_csv(SNA / "sna_brokerage.csv").set_index("node")
    for role, sna_name in {**ROLES, "total": "t"}.items():
        assert ours[role].tolist() == ref[sna_name].tolist(), role
        np.testing.assert_allclose(ours[f"z_{role}"], ref[f"z.{sna_name}"], rtol=1e-9, err_msg=role)


@pytest.mark.parametrize("seed", range(4))
def test_brokerage_counts_equal_brute_force(seed: int) -> None:
    g = _random_multigraph(seed)
    ours = brokerage(g)
    simple = {(u, v) for u, v, _ in g.edges if u != v}
    expected = {n: dict.fromkeys(ROLES, 0) for n in g}
    for i, v, j in itertools.permutations(g, 3):  # every ordered triple of distinct nodes
        if (i, v) in simple and (v, j) in simple and (i, j) not in simple:
            expected[v][_role(g.nodes[i]["sector"], g.nodes[v]["sector"], g.nodes[j]["sector"])] += 1
    for n in g:
        assert ours.loc[n, list(ROLES)].to_dict() == expected[n]
        assert ours.loc[n, "total"] == sum(expected[n].values())


def test_brokerage_roles_by_hand() -> None:
    # ngo -> wf -> twp: wf is a gatekeeper (ngo outside, wf and twp state);
    # wf -> twp -> village: twp is a representative (wf and twp state, village grassroots);
    # v1 -> ngo2 -> v2 with both villages grassroots: itinerant; funder -> ngo -> wf: liaison.
    g = nx.DiGraph()
    for node, sector in [
        ("ngo", "ngo"),
        ("ngo2", "ngo"),
        ("wf", "state"),
        ("twp", "state"),
        ("village", "grassroots"),
        ("v1", "grassroots"),
        ("v2", "grassroots"),
        ("funder", "funder"),
        ("interview", "interview"),
    ]:
        g.add_node(node, sector=sector)
    g.add_edges_from(
        [
            ("ngo", "wf"),
            ("wf", "twp"),
            ("twp", "village"),
            ("v1", "ngo2"),
            ("ngo2", "v2"),
            ("funder", "ngo"),
            ("interview", "ngo"),
        ]
    )
    b = brokerage(g)
    assert "interview" not in b.index  # evidence is not an actor
    assert b.loc["wf", "gatekeeper"] == 1 and b.loc["wf", "total"] == 1
    assert b.loc["twp", "representative"] == 1 and b.loc["twp", "total"] == 1
    assert b.loc["ngo2", "itinerant"] == 1 and b.loc["ngo", "liaison"] == 1
    assert b.loc["village", "total"] == 0


def test_brokerage_reports_nodes_without_group() -> None:
    g = nx.DiGraph([("a", "b")])
    g.nodes["a"]["team"] = "x"
    with pytest.raises(ValueError, match="1 nodes: b"):
        brokerage(g, "team")


# --- access betweenness --------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_fast_subset_betweenness_equals_networkx(seed: int) -> None:
    g = _random_multigraph(seed, n=40, p=0.08)
    rng = random.Random(seed)
    nodes = sorted(g)
    sources, targets = rng.sample(nodes, 12), rng.sample(nodes, 15)  # they may overlap
    fast = subset_betweenness(g, sources, targets)["betweenness"]
    plain = nx.betweenness_centrality_subset(nx.DiGraph(g), sources, targets, normalized=False)
    assert fast.index.tolist() == list(g)  # the graph's order, as NetworkX's
    np.testing.assert_allclose(fast.to_numpy(), [plain[n] for n in g], rtol=1e-12, atol=1e-12)
    assert fast.sum() > 0  # the comparison is not vacuous
    via_nx = subset_betweenness(g, sources, targets, method="networkx")["betweenness"]
    np.testing.assert_allclose(fast.to_numpy(), via_nx.to_numpy(), rtol=1e-12)


def test_fast_subset_betweenness_small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    import graphmodel.metrics.access as access

    g = _random_multigraph(11, n=30, p=0.12)
    expected = subset_betweenness(g, list(g)[:10], list(g)[10:])["betweenness"]
    monkeypatch.setattr(access, "BATCH_CELLS", 60)  # two sources per batch
    got = subset_betweenness(g, list(g)[:10], list(g)[10:])["betweenness"]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


@pytest.mark.parametrize(("batch_cells", "batch_sources"), [(None, None), (40, None), (None, 3)])
def test_fast_subset_betweenness_on_many_components(
    monkeypatch: pytest.MonkeyPatch, batch_cells: int | None, batch_sources: int | None
) -> None:
    """Twenty small pieces, one larger one and isolated sources: each source's search spans its own piece."""
    import graphmodel.metrics.access as access

    if batch_cells is not None:  # batches of a few small pieces; a larger piece's sources go one by one
        monkeypatch.setattr(access, "BATCH_CELLS", batch_cells)
    if batch_sources is not None:  # batches of three sources, whatever their pieces
        monkeypatch.setattr(access, "BATCH_SOURCES", batch_sources)
    g = nx.union_all(
        [nx.relabel_nodes(_random_multigraph(seed, n=6, p=0.3), lambda v, s=seed: f"c{s:02d}{v}") for seed in range(20)]
        + [nx.relabel_nodes(_random_multigraph(99, n=40, p=0.08), lambda v: f"big{v}")]
    )
    g.add_nodes_from(["lone1", "lone2"])
    rng = random.Random(5)
    nodes = sorted(g)
    sources = [*rng.sample(nodes, 60), "lone1"]
    targets = [*rng.sample(nodes, 80), "lone2"]
    fast = subset_betweenness(g, sources, targets)["betweenness"]
    plain = nx.betweenness_centrality_subset(nx.DiGraph(g), sources, targets, normalized=False)
    np.testing.assert_allclose(fast.to_numpy(), [plain[n] for n in g], rtol=1e-12, atol=1e-12)
    assert (fast[[n for n in nodes if n.startswith("c")]] > 0).sum() > 10  # small pieces are not vacuous
    assert fast[[n for n in nodes if n.startswith("big")]].sum() > 0


def test_fast_subset_betweenness_on_numbered_nodes() -> None:
    """Nodes that are numbers (one text), added out of order: the graph's order, values as NetworkX's."""
    g = nx.relabel_nodes(_random_multigraph(3, n=40, p=0.08), {f"v{i:02d}": (i * 7) % 40 for i in range(40)})
    g = nx.relabel_nodes(g, {5: "five"})
    rng = random.Random(3)
    nodes = list(g)
    sources, targets = rng.sample(nodes, 12), rng.sample(nodes, 15)
    fast = subset_betweenness(g, sources, targets)["betweenness"]
    assert fast.index.tolist() == list(g)  # as added, "five" among them; not sorted
    plain = nx.betweenness_centrality_subset(nx.DiGraph(g), sources, targets, normalized=False)
    np.testing.assert_allclose(fast.to_numpy(), [plain[n] for n in fast.index], rtol=1e-12, atol=1e-12)
    assert fast.sum() > 0


def _copy(name: str) -> str:
    """An equal string that is another object (as the ends of ties read from a store used to be)."""
    copy = "".join(list(name))
    assert copy == name and copy is not name
    return copy


@pytest.mark.parametrize("copied", ["none", "some", "all"])
def test_fast_subset_betweenness_finds_nodes_by_identity_or_equality(copied: str) -> None:
    """Tie ends, sources and targets that are the nodes' own keys, or equal copies of them: the same numbers."""
    base = _random_multigraph(7, n=40, p=0.08)
    rng = random.Random(7)
    g = nx.MultiDiGraph()
    g.add_nodes_from(base.nodes(data=True))
    for u, v in base.edges():
        if copied == "all" or (copied == "some" and rng.random() < 0.5):
            u, v = _copy(u), _copy(v)
        g.add_edge(u, v)
    nodes = sorted(g)
    sources, targets = rng.sample(nodes, 12), rng.sample(nodes, 15)
    if copied != "none":
        sources, targets = [_copy(s) for s in sources], [_copy(t) for t in targets[:8]] + targets[8:]
    fast = subset_betweenness(g, [*sources, "not a node", sources[0]], targets)
    plain = nx.betweenness_centrality_subset(nx.DiGraph(base), sources, targets, normalized=False)
    assert fast.index.tolist() == list(g) and fast.attrs["sources"] == 12
    np.testing.assert_allclose(fast["betweenness"].to_numpy(), [plain[n] for n in g], rtol=1e-12, atol=1e-12)
    assert fast["betweenness"].sum() > 0
    sampled = subset_betweenness(g, sources, targets, k=5, seed=1)["betweenness"]
    expected = subset_betweenness(base, sorted(sources), targets, k=5, seed=1)["betweenness"]
    np.testing.assert_allclose(sampled.to_numpy(), expected.to_numpy(), rtol=1e-12)


def test_subset_betweenness_does_not_depend_on_the_graphs_order() -> None:
    """The same graph with its nodes added in another order: the same values, exact and sampled, in that order."""
    g = _random_multigraph(5, n=40, p=0.08)
    nodes = list(g.nodes(data=True))
    random.Random(2).shuffle(nodes)
    shuffled = nx.MultiDiGraph()
    shuffled.add_nodes_from(nodes)
    shuffled.add_edges_from(g.edges(keys=True, data=True))
    rng = random.Random(5)
    sources, targets = rng.sample(sorted(g), 14), rng.sample(sorted(g), 15)
    for k in (None, 6):
        one = subset_betweenness(g, sources, targets, k=k, seed=3)
        other = subset_betweenness(shuffled, sources, targets, k=k, seed=3)
        assert other.index.tolist() == list(shuffled) != list(g)
        pd.testing.assert_frame_equal(other.loc[list(g)], one, rtol=1e-12)
        assert one["betweenness"].sum() > 0


def test_csr_rows_in_number_order_with_sorted_successors() -> None:
    from graphmodel.metrics.access import _csr

    g = nx.DiGraph([("c", "a"), ("a", "c"), ("a", "b"), ("b", "a"), ("c", "b"), ("d", "a")])  # added out of order
    indptr, indices = _csr(g, {"a": 0, "b": 1, "c": 2, "d": 3, "e": 4})  # e: in the index, not in the graph
    assert indptr.tolist() == [0, 2, 3, 5, 6, 6]
    assert indices.tolist() == [1, 2, 0, 0, 1, 0]


def _layered(seed: int) -> nx.MultiDiGraph:
    """A small administrative hierarchy with NGOs, typed like an export."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    counties = [f"county{i}" for i in range(3)]
    towns = [f"town{i}" for i in range(6)]
    villages = [f"vil{i:02d}" for i in range(18)]
    ngos = [f"ngo{i}" for i in range(8)]
    g.add_nodes_from(counties + towns, label="Agency")
    g.add_nodes_from(villages, label="Village")
    g.add_nodes_from(ngos, label="NGO")
    for t in towns:
        for c in rng.sample(counties, rng.choice([1, 2])):
            g.add_edge(c, t, type="SUPERVISES")
    for v in villages:
        for t in rng.sample(towns, rng.choice([1, 1, 2])):
            g.add_edge(t, v, type=rng.choice(["SUPERVISES", "MOBILIZES"]))
    for n in ngos:
        for a in rng.sample(counties + towns, 2):
            g.add_edge(n, a, type="COOPERATES_WITH")
        for v in rng.sample(villages, rng.choice([0, 1, 2])):
            g.add_edge(n, v, type="WORKS_IN")
        g.add_edge("county0", n, type="SUPPORTS")  # not an access tie: must be ignored
    return g


def test_access_betweenness_counts_ngo_to_grassroots_paths_by_hand() -> None:
    # ngo -> county -> {townA, townB} -> village: two shortest paths, half each through the towns;
    # the county is on both; the SUPPORTS tie back to the NGO is not an access tie.
    g = nx.MultiDiGraph()
    g.add_node("ngo", label="NGO")
    g.add_node("village", label="Village")
    g.add_nodes_from(["county", "townA", "townB"], label="Agency")
    for u, v in [
        ("ngo", "county"),
        ("county", "townA"),
        ("county", "townB"),
        ("townA", "village"),
        ("townB", "village"),
    ]:
        g.add_edge(u, v, type="COOPERATES_WITH" if u == "ngo" else "MOBILIZES")
    g.add_edge("county", "ngo", type="SUPPORTS")
    result = access_betweenness(g, mode="potential")["access_betweenness"].to_dict()
    assert result == {"county": 1.0, "townA": 0.5, "townB": 0.5}
    # Realised: these MOBILIZES ties serve no NGO (no on_behalf_of), so the NGO reaches nothing.
    assert access_betweenness(g)["access_betweenness"].to_dict() == {"county": 0.0, "townA": 0.0, "townB": 0.0}


def test_sampled_betweenness_is_exact_with_all_sources_and_unbiased_otherwise() -> None:
    g = _layered(3)
    exact = access_betweenness(g, mode="potential")
    full = access_betweenness(g, k=8, mode="potential")  # all 8 NGOs: exact, no error
    np.testing.assert_allclose(full["access_betweenness"], exact["access_betweenness"])
    assert (full["stderr"] == 0).all()
    draws = [access_betweenness(g, k=4, seed=s, mode="potential") for s in range(300)]
    estimates = np.array([d["access_betweenness"].to_numpy() for d in draws])
    stderrs = np.array([d["stderr"].to_numpy() for d in draws])
    truth = exact["access_betweenness"].to_numpy()
    # Unbiased: the mean of 300 estimates is within 4 standard errors of the mean of the truth.
    spread = estimates.std(axis=0) / np.sqrt(300)
    assert (np.abs(estimates.mean(axis=0) - truth) <= 4 * spread + 1e-9).all()
    # The reported stderr is honest: 2 stderr cover the truth in most draws (nominal ~95%;
    # with 4 of 8 NGOs the normal approximation is rough).
    covered = (np.abs(estimates - truth) <= 2 * stderrs + 1e-9)[:, truth > 0].mean()
    assert covered >= 0.75


# --- state dependence and department withdrawal -------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_state_dependence_and_withdrawal_equal_brute_force(seed: int) -> None:
    g = _layered(seed)
    access = access_graph(g)
    ngos = sorted(n for n in g if g.nodes[n]["label"] == "NGO")
    villages = {n for n in g if g.nodes[n]["label"] == "Village"}
    state = sorted(n for n in g if g.nodes[n]["label"] == "Agency")

    def reach(graph: nx.DiGraph, ngo: str) -> set[str]:
        return nx.descendants(graph, ngo) & villages

    dep = state_dependence(g, mode="potential")
    for ngo in ngos:
        reached = reach(access, ngo)
        alone = reach(access.subgraph(set(access) - set(state)), ngo)
        assert dep.loc[ngo, "reached"] == len(reached)
        assert dep.loc[ngo, "reached_without_state"] == len(alone)
    withdrawal = department_withdrawal(g, mode="potential")
    for d in state:
        without = access.subgraph(set(access) - {d})
        lost = [len(reach(access, n)) - len(reach(without, n)) for n in ngos]
        assert withdrawal.loc[d, "reach_lost"] == sum(lost)
        assert withdrawal.loc[d, "ngos_affected"] == sum(x > 0 for x in lost)
    assert withdrawal["reach_lost"].sum() > 0


# --- realised access: chains on each NGO's behalf, as the query library -------

QUERY_TYPES = {"WORKS_IN", "COOPERATES_WITH", "MOBILIZES", "SUPERVISES"}


def _chains_by_brute_force(g: nx.MultiDiGraph, ngo: str, removed: frozenset[str] = frozenset()) -> set[tuple]:
    """Every chain of the queries access_paths / mediated_reach from ``ngo``, as (round, nodes).

    Written from the query text, per round with networkx: a chain is a simple path of 1..7 ties
    of QUERY_TYPES from the NGO to a village or school whose ties after the first serve the NGO
    (on_behalf_of) and come from the first tie's round, or are SUPERVISES ties (any round); a
    chain of more than one tie ends with such a MOBILIZES tie. Parallel ties count once.
    """
    targets = {n for n, d in g.nodes(data=True) if d.get("label") in ("Village", "School")}
    chains: set[tuple] = set()
    rounds = {d.get("round") for _, _, d in g.out_edges(ngo, data=True) if d.get("type") in QUERY_TYPES}
    for rnd in rounds:
        layer = nx.DiGraph()
        layer.add_node(ngo)
        serving: set[tuple[str, str]] = set()  # MOBILIZES ties on the NGO's behalf in this round
        for u, v, d in g.edges(data=True):
            if d.get("type") not in QUERY_TYPES or u == v or u in removed or v in removed:
                continue
            if u == ngo and d.get("round") == rnd:
                layer.add_edge(u, v)  # a head tie of this round
            elif rnd is not None and d.get("on_behalf_of") == ngo and d.get("round") == rnd:
                layer.add_edge(u, v)
                serving.add((u, v))
            elif d.get("type") == "SUPERVISES" and u != ngo:
                layer.add_edge(u, v)
        for path in nx.all_simple_paths(layer, ngo, targets & set(layer), cutoff=7):
            if rnd is None and len(path) > 2:
                continue  # a chain's ties must match the head's round, and null matches nothing
            if len(path) > 2 and (path[-2], path[-1]) not in serving:
                continue  # supervision alone does not reach a village: a mobilisation must
            chains.add((rnd, tuple(path)))
    return chains


def _realised_by_brute_force(g: nx.MultiDiGraph) -> tuple[dict, dict, dict]:
    """Per NGO: targets (direct, through state); per state node: pairs lost; per state node: betweenness."""
    ngos = sorted(n for n, d in g.nodes(data=True) if d.get("label") == "NGO")
    state = sorted(
        n for n, d in g.nodes(data=True) if d.get("label") == "Agency" and d.get("system") != "Village Committee"
    )
    reach, lost, between = {}, dict.fromkeys(state, 0), dict.fromkeys(state, 0.0)
    for ngo in ngos:
        chains = _chains_by_brute_force(g, ngo)
        reached = {p[-1] for _, p in chains}
        direct = {p[-1] for _, p in chains if len(p) == 2}
        reach[ngo] = (reached, direct, {p[-1] for _, p in chains if len(p) > 2})
        for d in state:
            lost[d] += len(reached - {p[-1] for _, p in _chains_by_brute_force(g, ngo, frozenset([d]))})
        for t in reached:
            to_t = [p for _, p in chains if p[-1] == t]
            shortest = [p for p in to_t if len(p) == min(map(len, to_t))]
            for d in state:
                between[d] += sum(d in p[1:-1] for p in shortest) / len(shortest)
    return reach, lost, between


def _multi_round(seed: int) -> nx.MultiDiGraph:
    """Agencies mobilising for several NGOs in two rounds, with cycles, stray and unserved ties."""
    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    agencies = [f"ag{i}" for i in range(9)]
    villages = [f"vil{i}" for i in range(7)]
    ngos = [f"ngo{i}" for i in range(3)]
    g.add_nodes_from(agencies, label="Agency")
    g.add_nodes_from(villages, label="Village")
    g.add_nodes_from(ngos, label="NGO")
    for ngo in ngos:
        for a in rng.sample(agencies, 2):
            g.add_edge(ngo, a, type="COOPERATES_WITH", round=rng.choice([1, 2]))
        for v in rng.sample(villages, rng.choice([0, 1, 2])):
            g.add_edge(ngo, v, type="WORKS_IN", round=rng.choice([1, 2, None]))
        for rnd in (1, 2):
            for a, b in itertools.permutations(agencies, 2):
                if rng.random() < 0.12:  # may close cycles
                    g.add_edge(a, b, type="MOBILIZES", on_behalf_of=ngo, round=rnd)
            for a, v in itertools.product(agencies, villages):
                if rng.random() < 0.1:
                    g.add_edge(a, v, type="MOBILIZES", on_behalf_of=ngo, round=rnd)
    for a, v in itertools.product(agencies, villages):
        if rng.random() < 0.1:
            g.add_edge(a, v, type="SUPERVISES", round=1)  # potential access only
    for a, b in itertools.permutations(agencies, 2):
        if rng.random() < 0.06:
            g.add_edge(a, b, type="SUPERVISES", round=1)  # completes chains (graphmodel.chains)
    return g


@pytest.mark.parametrize("seed", range(5))
def test_realised_metrics_equal_brute_force_chains(seed: int) -> None:
    g = _multi_round(seed)
    reach, lost, between = _realised_by_brute_force(g)
    dep = state_dependence(g)
    for ngo, (reached, direct, through) in reach.items():
        assert dep.loc[ngo, "reached"] == len(reached)
        assert dep.loc[ngo, "direct"] == len(direct)
        assert dep.loc[ngo, "through_state"] == len(through)
        assert dep.loc[ngo, "only_through_state"] == len(through - direct)
        assert dep.loc[ngo, "reached_without_state"] == len(direct)  # every longer chain passes an agency
    withdrawal = department_withdrawal(g)
    assert withdrawal["reach_lost"].to_dict() == pytest.approx(lost)
    for method in ("fast", "networkx"):
        got = access_betweenness(g, method=method)["access_betweenness"].to_dict()
        assert got == pytest.approx(between, abs=1e-12)
    assert sum(lost.values()) > 0 and sum(between.values()) > 0  # not vacuous
    # Realised reach is a part of potential reach, and here a strictly smaller one.
    potential = state_dependence(g, mode="potential")
    assert (dep["reached"] <= potential["reached"]).all()
    assert dep["reached"].sum() < potential["reached"].sum()


def test_realised_chain_follows_the_head_round_and_the_ngo_served() -> None:
    # ngo -> wf in round 1 only. wf mobilises w for ngo in round 1 (a chain), v for ngo in round 2
    # (no round-2 head: no chain), x for another NGO (not ngo's), and supervises y (not a chain).
    g = nx.MultiDiGraph()
    g.add_node("ngo", label="NGO")
    g.add_node("wf", label="Agency")
    g.add_nodes_from(["v", "w", "x", "y"], label="Village")
    g.add_edge("ngo", "wf", type="COOPERATES_WITH", round=1)
    g.add_edge("wf", "w", type="MOBILIZES", on_behalf_of="ngo", round=1)
    g.add_edge("wf", "v", type="MOBILIZES", on_behalf_of="ngo", round=2)
    g.add_edge("wf", "x", type="MOBILIZES", on_behalf_of="other", round=1)
    g.add_edge("wf", "y", type="SUPERVISES", round=1)
    assert state_dependence(g).loc["ngo", "reached"] == 1  # w
    assert department_withdrawal(g).loc["wf", "reach_lost"] == 1
    assert state_dependence(g, mode="potential").loc["ngo", "reached"] == 4  # v, w, x, y
    g.add_edge("ngo", "wf", type="COOPERATES_WITH", round=2)  # now round 2 has a head: v too
    assert state_dependence(g).loc["ngo", "reached"] == 2
    # The chain through the round-2 head alone is not shortened by the round-1 one, and vice versa:
    # wf is on one shortest chain to each of w and v.
    assert access_betweenness(g).loc["wf", "access_betweenness"] == 2.0


def _line(n_mobilizes: int) -> nx.MultiDiGraph:
    g = nx.MultiDiGraph()
    g.add_node("ngo", label="NGO")
    g.add_node("v", label="Village")
    agencies = [f"a{i}" for i in range(n_mobilizes)]
    g.add_nodes_from(agencies, label="Agency")
    g.add_edge("ngo", "a0", type="COOPERATES_WITH", round=1)
    for a, b in itertools.pairwise([*agencies, "v"]):
        g.add_edge(a, b, type="MOBILIZES", on_behalf_of="ngo", round=1)
    return g


def test_realised_chains_are_at_most_max_chain_ties_as_in_the_queries() -> None:
    from graphmodel.chains import DERIVED, chain_paths
    from graphmodel.metrics.access import MAX_CHAIN
    from graphmodel.queries import find_query

    assert f"MOBILIZES|SUPERVISES*1..{MAX_CHAIN}]" in find_query("access_paths").cypher
    # mediated_reach and gatekeepers read the derived ties: one per chain of chains.chain_paths
    for name in ("mediated_reach", "gatekeepers"):
        assert f":{DERIVED}]" in find_query(name).cypher
    assert len(chain_paths(_line(MAX_CHAIN - 1))) == 1 and not chain_paths(_line(MAX_CHAIN))
    # A line ngo -> a0 -> ... -> v of 1 + n ties: reached while 1 + n <= 7.
    assert state_dependence(_line(MAX_CHAIN - 1)).loc["ngo", "reached"] == 1
    assert access_betweenness(_line(MAX_CHAIN - 1))["access_betweenness"].sum() == MAX_CHAIN - 1
    too_long = _line(MAX_CHAIN)
    assert state_dependence(too_long).loc["ngo", ["reached", "through_state"]].tolist() == [0, 0]
    assert access_betweenness(too_long)["access_betweenness"].sum() == 0
    assert department_withdrawal(too_long)["reach_lost"].sum() == 0
    # A detour longer than a chain may be is no way round: ngo -> a0 -> x -> v (3 ties) and
    # ngo -> a0 -> ... -> a6 -> v (8 ties). Without x, v is lost.
    g = _line(MAX_CHAIN)
    g.add_node("x", label="Agency")
    g.add_edge("a0", "x", type="MOBILIZES", on_behalf_of="ngo", round=1)
    g.add_edge("x", "v", type="MOBILIZES", on_behalf_of="ngo", round=1)
    assert department_withdrawal(g).loc["x", "reach_lost"] == 1
    assert department_withdrawal(g).loc["a1", "reach_lost"] == 0
    assert department_withdrawal(g, mode="potential").loc["x", "reach_lost"] == 0  # no cap there
    # The same with every node of the long detour close to the NGO: x -> a6 makes a6 three ties
    # away, but without x the only way to v is still the 8-tie detour, so v is lost.
    g.add_edge("x", "a6", type="MOBILIZES", on_behalf_of="ngo", round=1)
    assert department_withdrawal(g).loc["x", "reach_lost"] == 1
    assert department_withdrawal(g, mode="potential").loc["x", "reach_lost"] == 0


def test_access_metrics_check_mode() -> None:
    g = _line(2)
    with pytest.raises(ValueError, match="mode must be"):
        state_dependence(g, mode="actual")
    with pytest.raises(ValueError, match="types= applies to mode='potential'"):
        access_betweenness(g, types=["MOBILIZES"])
    assert access_betweenness(g, types=["MOBILIZES"], mode="potential")["access_betweenness"].sum() == 0


# --- structural holes ---------------------------------------------------------


def test_structural_holes_by_hand() -> None:
    # ngo tied to a, b, c; a and b tied to each other. Effective size = n - 2t/n = 3 - 2*1/3 = 7/3.
    # Constraint: p = 1/3 to each; c_a = c_b = (1/3 + 1/3 * 1/2)^2 = 1/4 (a's ties: ngo and b, half each),
    # c_c = (1/3)^2 = 1/9; total 1/2 + 1/9 = 11/18.
    g = nx.DiGraph([("ngo", "a"), ("ngo", "b"), ("ngo", "c"), ("a", "b")])
    nx.set_node_attributes(g, "state", "sector")
    g.nodes["ngo"]["sector"] = "ngo"
    row = structural_holes(g).loc["ngo"]
    assert row["effective_size"] == pytest.approx(7 / 3)
    assert row["constraint"] == pytest.approx(11 / 18)


# --- on the paper sample, in both stores --------------------------------------


@pytest.fixture
def sample_graph(store: Store) -> nx.MultiDiGraph:
    load_package(store, sample_path(), name="paper")
    return to_networkx(store)


def test_sample_state_dependence_of_ngo_n05(sample_graph: nx.MultiDiGraph) -> None:
    # ties.csv: ngo-n05 WORKS_IN sch-nx-majiatan-middle and vil-nx-qianjin (its only ties to the grassroots
    # that avoid the state); it cooperates with the Baiquan county Women's Federation and Education Bureau
    # and the Liuquan township government, which mobilise both of those and reach more.
    row = state_dependence(sample_graph, mode="potential").loc["ngo-n05"]
    assert row["reached_without_state"] == 2
    assert row["reached"] > 2
    assert row["state_dependence"] == pytest.approx((row["reached"] - 2) / row["reached"])
    # Realised: the mobilisation ties on ngo-n05's behalf end in those same two places, so nothing
    # depends on the state (docs/sample.md counts both among the 20 "both" cases).
    row = state_dependence(sample_graph).loc["ngo-n05"]
    assert (row["reached"], row["direct"], row["through_state"], row["reached_without_state"]) == (2, 2, 2, 2)
    assert row["state_dependence"] == 0


def test_sample_realised_state_dependence_equals_mediated_reach(store: Store, sample_graph: nx.MultiDiGraph) -> None:
    from graphmodel.queries import run_query

    columns = ["reached", "direct", "through_state", "only_through_state"]
    for rnd in (None, 1, 2):
        graph = sample_graph if rnd is None else to_networkx(store, fieldwork_round=rnd)
        query = run_query(store, "mediated_reach", {"round": rnd}).dataframe().set_index("ngo")
        ours = state_dependence(graph)
        assert ours.index.tolist() == query.index.tolist()
        # One temporal rule: an NGO no tie of the round touches is "not observed" on both sides.
        unseen = (query["status"] == "not observed").to_numpy()
        assert ((ours["state_dependence"] == "not observed").to_numpy() == unseen).all(), rnd
        seen = query[~unseen][columns].astype(int)
        assert ours[~unseen][columns].to_dict("index") == seen.to_dict("index"), rnd
        assert unseen.any() == (rnd == 2)
    # docs/sample.md: 33 targets reached only directly, 6 only through the state, 20 both.
    totals = state_dependence(sample_graph)[columns].sum().to_dict()
    assert totals == {"reached": 59, "direct": 53, "through_state": 26, "only_through_state": 6}
    # Potential reach is wider: any mobilisation and the administrative lines.
    assert state_dependence(sample_graph, mode="potential")["reached"].sum() > 59


def test_sample_realised_withdrawal_and_betweenness_equal_brute_force(sample_graph: nx.MultiDiGraph) -> None:
    _, lost, between = _realised_by_brute_force(sample_graph)
    withdrawal = department_withdrawal(sample_graph)
    assert withdrawal["reach_lost"].to_dict() == pytest.approx(lost)
    betweenness = access_betweenness(sample_graph)
    assert betweenness["access_betweenness"].to_dict() == pytest.approx(between, abs=1e-12)
    assert sum(lost.values()) > 0 and max(between.values()) > 0
    # Sampling all NGOs is exact in realised mode too.
    full = access_betweenness(sample_graph, k=len(state_dependence(sample_graph)))
    assert (full["stderr"] == 0).all()
    np.testing.assert_allclose(full["access_betweenness"], betweenness["access_betweenness"])


def test_sample_metrics_write_back(store: Store, sample_graph: nx.MultiDiGraph) -> None:
    result = access_betweenness(sample_graph)
    assert len(result) == 68  # every state agency of agencies.csv (the 18 village committees are self-governing)
    assert result["access_betweenness"].max() > 0
    written = write_metric(store, sample_graph, result["access_betweenness"], "access_betweenness")
    assert written == 68
    top = result["access_betweenness"].idxmax()
    rows = store.run(
        "MATCH (n:Agency) WHERE n.metric_access_betweenness IS NOT NULL "
        "RETURN n.id AS id, n.metric_access_betweenness AS value ORDER BY value DESC, id LIMIT 1"
    ).rows
    assert rows == [(top, result.at[top, "access_betweenness"])]
    with pytest.raises(GraphmodelError, match="letters, digits"):
        write_metric(store, sample_graph, result["access_betweenness"], "bad name; DROP")


def test_sample_degree_by_type(sample_graph: nx.MultiDiGraph) -> None:
    degrees = degree_by_type(sample_graph)
    # docs/sample.md: 59 WORKS_IN ties and 54 COOPERATES_WITH ties in ties.csv.
    assert degrees["out_WORKS_IN"].sum() == 59
    assert degrees["in_COOPERATES_WITH"].sum() == 54


def test_cli_metrics_csv_and_write_back(tmp_path: Path) -> None:
    target = f"embedded:{tmp_path / 'graph'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "--store", target]).exit_code == 0
    result = runner.invoke(app, ["metrics", "brokerage", "--format", "csv", "--store", target])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(",")
    assert header[:9] == [
        "node", "name", "label", "coordinator", "itinerant", "gatekeeper", "representative", "liaison", "total"
    ]  # fmt: skip
    assert len(result.output.splitlines()) == 1 + 238 - 49 - 11  # all nodes but interviews and motivations
    result = runner.invoke(app, ["metrics", "state-dependence", "--write-back", "--store", target])
    assert result.exit_code == 0, result.output
    # Totals of reached per mode (docs/sample.md: 59 realised; potential reach is wider).
    reached = {}
    for mode in ("realised", "potential"):
        result = runner.invoke(
            app, ["metrics", "state-dependence", "--mode", mode, "--format", "csv", "--store", target]
        )
        assert result.exit_code == 0, result.output
        reached[mode] = sum(int(row["reached"]) for row in csv.DictReader(io.StringIO(result.output)))
    assert reached["realised"] == 59 and reached["potential"] > 59
    bad_mode = runner.invoke(app, ["metrics", "state-dependence", "--mode", "actual", "--store", target])
    assert bad_mode.exit_code == 1 and "--mode must be" in bad_mode.output
    bad = runner.invoke(app, ["metrics", "nonsense", "--store", target])
    assert bad.exit_code == 1 and "unknown metric" in bad.output
