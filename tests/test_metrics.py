"""Metrics: brokerage against R's sna and brute force, fast access betweenness against NetworkX,
state dependence and department withdrawal against brute force, sampling error, write-back, CLI."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from graphmodel.cli import app
from graphmodel.errors import GraphmodelError
from graphmodel.export import to_networkx
from graphmodel.load import load_package
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
    assert fast.index.tolist() == nodes
    np.testing.assert_allclose(fast.to_numpy(), [plain[n] for n in nodes], rtol=1e-12, atol=1e-12)
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
    result = access_betweenness(g)["access_betweenness"].to_dict()
    assert result == {"county": 1.0, "townA": 0.5, "townB": 0.5}


def test_sampled_betweenness_is_exact_with_all_sources_and_unbiased_otherwise() -> None:
    g = _layered(3)
    exact = access_betweenness(g)
    full = access_betweenness(g, k=8)  # all 8 NGOs: exact, no error
    np.testing.assert_allclose(full["access_betweenness"], exact["access_betweenness"])
    assert (full["stderr"] == 0).all()
    estimates = np.array([access_betweenness(g, k=4, seed=s)["access_betweenness"].to_numpy() for s in range(300)])
    stderrs = np.array([access_betweenness(g, k=4, seed=s)["stderr"].to_numpy() for s in range(300)])
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

    dep = state_dependence(g)
    for ngo in ngos:
        reached = reach(access, ngo)
        alone = reach(access.subgraph(set(access) - set(state)), ngo)
        assert dep.loc[ngo, "reached"] == len(reached)
        assert dep.loc[ngo, "reached_without_state"] == len(alone)
    withdrawal = department_withdrawal(g)
    for d in state:
        without = access.subgraph(set(access) - {d})
        lost = [len(reach(access, n)) - len(reach(without, n)) for n in ngos]
        assert withdrawal.loc[d, "reach_lost"] == sum(lost)
        assert withdrawal.loc[d, "ngos_affected"] == sum(x > 0 for x in lost)
    assert withdrawal["reach_lost"].sum() > 0


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
    row = state_dependence(sample_graph).loc["ngo-n05"]
    assert row["reached_without_state"] == 2
    assert row["reached"] > 2
    assert row["state_dependence"] == pytest.approx((row["reached"] - 2) / row["reached"])


def test_sample_metrics_write_back(store: Store, sample_graph: nx.MultiDiGraph) -> None:
    result = access_betweenness(sample_graph)
    assert len(result) == 86  # every agency of agencies.csv
    assert result["access_betweenness"].max() > 0
    written = write_metric(store, sample_graph, result["access_betweenness"], "access_betweenness")
    assert written == 86
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
    # docs/sample.md: 59 WORKS_IN ties and 55 COOPERATES_WITH ties in ties.csv.
    assert degrees["out_WORKS_IN"].sum() == 59
    assert degrees["in_COOPERATES_WITH"].sum() == 55


def test_cli_metrics_csv_and_write_back(tmp_path: Path) -> None:
    target = f"embedded:{tmp_path / 'graph'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "--store", target]).exit_code == 0
    result = runner.invoke(app, ["metrics", "brokerage", "--format", "csv", "--store", target])
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0].split(",")
    assert header[:7] == ["node", "coordinator", "itinerant", "gatekeeper", "representative", "liaison", "total"]
    assert len(result.output.splitlines()) == 1 + 237 - 49 - 11  # all nodes but interviews and motivations
    result = runner.invoke(app, ["metrics", "state-dependence", "--write-back", "--store", target])
    assert result.exit_code == 0, result.output
    bad = runner.invoke(app, ["metrics", "nonsense", "--store", target])
    assert bad.exit_code == 1 and "unknown metric" in bad.output
