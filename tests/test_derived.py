"""Derived REACHES ties (graphmodel.engine.derived) stay equal to the chains of the one definition, on both stores."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import networkx as nx
import pytest

import graphmodel.engine.derived
from graphmodel.api import load_package
from graphmodel.chains import DERIVED, DERIVED_PROPERTIES, Chain, ChainTies, chain_paths
from graphmodel.engine.derived import _props
from graphmodel.engine.load import LoadOptions
from graphmodel.engine.plan import RemovalRules
from graphmodel.export import to_networkx
from graphmodel.fingerprint import fingerprint
from graphmodel.queries import expand_fragments
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store
from graphmodel.synth import write_package

#: Every chain path of every NGO, by the Cypher fragments of the one definition (no Python search).
CHAIN_QUERY = (
    "MATCH (n:NGO) MATCH {{chain_path}} WHERE {{chain_where}} RETURN n.id, t.id, [r IN relationships(p) | r._key]"
)


def derived(store: Store) -> list[tuple[str, str, tuple[str, ...]]]:
    rows = store.run(f"MATCH (n)-[d:{DERIVED}]->(t) RETURN n.id, t.id, d.ties").rows
    return sorted((a, b, tuple(ties)) for a, b, ties in rows)


def chains(store: Store) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every chain path of chains.chain_paths on the exported graph, as (NGO, place, tie keys)."""
    out = []
    for c in chain_paths(to_networkx(store), distinct=False):
        keys = tuple(str(k[2] if isinstance(k, tuple) else k) for k in c.keys)
        out.append((str(c.ngo), str(c.target), keys))
    return sorted(out)


def _edit_ties(folder: Path, keep: object) -> int:
    """Keep the rows of ties.csv for which ``keep(row)`` is true; returns how many were dropped."""
    path = folder / "ties.csv"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    kept = [r for r in rows if keep(r)]
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields or [])
        writer.writeheader()
        writer.writerows(kept)
    return len(rows) - len(kept)


@pytest.mark.parametrize("stage_rows", [0, 1], ids=["one-transaction", "staged"])
def test_derived_ties_follow_the_chains_through_reloads(store: Store, tmp_path: Path, stage_rows: int) -> None:
    options = LoadOptions(stage_rows=stage_rows)
    package = tmp_path / "paper"
    shutil.copytree(sample_path(), package)
    load_package(store, package, name="paper", options=options)
    first = derived(store)
    assert first and first == chains(store)
    # the derived ties are no package's data: the fingerprint does not see them
    before = fingerprint(store)
    # drop one tie of a chain through the state, and one line of supervision: the NGOs' chains change
    mobilisation = next(k for _, _, k in first if len(k) > 2)
    dropped = {"MOBILIZES": 0, "SUPERVISES": 0}

    def keep(row: dict[str, str]) -> bool:
        if row["type"] in dropped and not dropped[row["type"]]:
            dropped[row["type"]] = 1
            return False
        return True

    assert _edit_ties(package, keep) == 2
    load_package(store, package, name="paper", options=options)
    after = derived(store)
    assert after == chains(store)
    assert after != first or mobilisation in {k for _, _, k in after}
    # back as it was: the same derived ties as the first load, and the same fingerprint
    shutil.copy(sample_path() / "ties.csv", package / "ties.csv")
    load_package(store, package, name="paper", options=options)
    assert derived(store) == first
    assert fingerprint(store) == before


def test_a_second_package_changes_the_first_packages_chains(store: Store, tmp_path: Path) -> None:
    """A package that withdraws a mobilisation another package's chain used: that NGO's derived ties follow."""
    paper = tmp_path / "paper"
    shutil.copytree(sample_path(), paper)
    load_package(store, paper, name="paper")
    full = derived(store)
    # the second package asserts the same mobilisations, so the first can drop them without removing them
    extra = tmp_path / "extra"
    shutil.copytree(sample_path(), extra)
    load_package(store, extra, name="extra")
    assert derived(store) == full
    assert _edit_ties(paper, lambda r: r["type"] != "MOBILIZES") > 0
    load_package(store, paper, name="paper", options=LoadOptions(rules=_allow_removals()))
    assert derived(store) == full == chains(store)  # extra still asserts them
    assert _edit_ties(extra, lambda r: r["type"] != "MOBILIZES") > 0
    load_package(store, extra, name="extra", options=LoadOptions(rules=_allow_removals()))
    now = derived(store)
    assert now == chains(store)
    assert len(now) < len(full)  # the chains through the withdrawn mobilisations are gone


def _allow_removals() -> RemovalRules:
    return RemovalRules(allow_removals=True)


def _rows(folder: Path) -> list[dict[str, str]]:
    with (folder / "ties.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _new_line(folder: Path) -> tuple[str, str, str]:
    """A SUPERVISES line from a department an NGO cooperates with to a body mobilising for it (same round), not there yet.

    Returns (NGO, department, body); the line opens a new chain of that NGO.
    """
    rows = _rows(folder)
    lines = {(r["source"], r["target"]) for r in rows if r["type"] == "SUPERVISES"}
    heads = {(r["source"], r["round"]): r["target"] for r in rows if r["type"] == "COOPERATES_WITH"}
    for r in rows:
        head = heads.get((r["on_behalf_of"], r["round"])) if r["type"] == "MOBILIZES" else None
        if (
            head
            and head != r["source"]
            and (head, r["source"]) not in lines
            and r["target"].startswith(("vil-", "sch-"))
        ):
            return r["on_behalf_of"], head, r["source"]
    raise AssertionError("the sample has no NGO for which a new line opens a chain")


def _below(store: Store, body: str) -> set[str]:
    """NGOs on whose behalf ``body`` or a body it supervises (at any depth) mobilises: the only ones a line into it can reach."""
    graph = to_networkx(store)
    bodies = {body} | {v for v in nx.descendants(graph, body) if graph.nodes[v].get("label") == "Agency"}
    return {str(d["on_behalf_of"]) for u, _, d in graph.edges(data=True) if d["type"] == "MOBILIZES" and u in bodies}


def test_a_new_supervision_line_rederives_only_the_ngos_it_can_reach(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "paper"
    shutil.copytree(sample_path(), package)
    load_package(store, package, name="paper")
    first = derived(store)
    ngos = {r[0] for r in store.run("MATCH (n:NGO) RETURN n.id").rows}
    ngo, department, body = _new_line(package)
    line = next(r for r in _rows(package) if r["type"] == "SUPERVISES")
    with (package / "ties.csv").open("a", encoding="utf-8", newline="") as f:
        csv.DictWriter(f, fieldnames=list(line)).writerow({**line, "source": department, "target": body})
    rederived: list[set[str] | None] = []
    rewrite = graphmodel.engine.derived.rewrite

    def recording(session: object, schema: object, which: set[str] | None) -> int:
        rederived.append(None if which is None else set(which))
        return rewrite(session, schema, which)  # type: ignore[arg-type]

    monkeypatch.setattr(graphmodel.engine.derived, "rewrite", recording)
    load_package(store, package, name="paper")
    after = derived(store)
    (which,) = rederived
    changed = {a for a, _, _ in set(first) ^ set(after)}
    assert which is not None and ngo in changed <= which <= _below(store, body) and which < ngos
    # the same derived ties as the chain definition, and as deriving everything from scratch
    assert after == chains(store)
    store.run("MATCH (n) WHERE n.id <> '__graphmodel_test_suite__' DETACH DELETE n", write=True)
    monkeypatch.setattr(graphmodel.engine.derived, "rewrite", rewrite)
    load_package(store, package, name="scratch")
    assert derived(store) == after
    # and the line withdrawn: the NGOs whose derived ties used it, back to the first load's ties
    shutil.copytree(sample_path(), tmp_path / "again")
    load_package(store, tmp_path / "again", name="scratch", options=LoadOptions(rules=_allow_removals()))
    assert derived(store) == first


@pytest.mark.parametrize("package", ["sample", "synth"])
def test_derived_ties_are_the_chain_querys_paths_for_every_ngo(store: Store, tmp_path: Path, package: str) -> None:
    """A first load's derived ties (one index of every NGO's chain ties) are the paths the Cypher chain pattern finds."""
    folder = sample_path() if package == "sample" else tmp_path / "synth"
    if package == "synth":
        write_package(folder, "tiny", seed=0)
    load_package(store, folder, name=package)
    expected = sorted((a, b, tuple(keys)) for a, b, keys in store.run(expand_fragments(CHAIN_QUERY)).rows)
    assert len({ngo for ngo, _, _ in expected}) > 1 and any(len(keys) > 2 for _, _, keys in expected)
    assert derived(store) == expected
    # and the Python search on the exported graph, through its own index of the graph, agrees
    assert chains(store) == expected


def test_chain_ties_index_keeps_parallel_ties_apart() -> None:
    """Two mobilisations between the same bodies are two chain paths; a tie is never used twice."""
    ties = ChainTies({"ngo": "NGO", "county": "Agency", "twp": "Agency", "v": "Village"})
    ties.add("ngo", "county", "h", "COOPERATES_WITH", 1)
    ties.add("county", "twp", "m1", "MOBILIZES", 1, "ngo")
    ties.add("county", "twp", "m2", "MOBILIZES", 1, "ngo")
    ties.add("twp", "county", "back", "SUPERVISES", 1)  # a loop: no path goes round it twice
    ties.add("twp", "v", "m3", "MOBILIZES", 1, "ngo")
    ties.add("twp", "v", "other", "MOBILIZES", 1, "someone-else")
    ties.add("twp", "v", "late", "MOBILIZES", 2, "ngo")
    paths = [[k[2] for k in c.keys] for c in chain_paths(ties, "ngo", distinct=False)]
    assert sorted(paths) == sorted(
        [["h", "m1", "m3"], ["h", "m2", "m3"], ["h", "m1", "back", "m2", "m3"], ["h", "m2", "back", "m1", "m3"]]
    )
    # one chain per round and nodes: of the two parallel mobilisations, the one the search meets first (as before the index)
    distinct = [[k[2] for k in c.keys] for c in chain_paths(ties, "ngo")]
    assert distinct == [["h", "m2", "back", "m1", "m3"], ["h", "m2", "m3"]]


def test_derived_tie_properties_are_declared() -> None:
    chain = Chain("n", 1, ("n", "a", "t"), ("COOPERATES_WITH", "MOBILIZES"), (("n", "a", "k1"), ("a", "t", "k2")))
    props = _props({"k2": {"start": "2010", "evidence": ["Y1"], "basis": "reported"}}, chain)
    assert set(props) == set(DERIVED_PROPERTIES)
    assert props["ties"] == ["k1", "k2"] and props["chain"] == "1:n>a>t" and props["bodies"] == ["a"]
