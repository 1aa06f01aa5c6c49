"""Decisions across packages: one package's decisions apply to every package's load, in any order, and undo.

Package ``round1`` names the county Women's Federation ``ag-x``; package ``notes`` names it
``ag-y``; a decisions table (in either package, or in a decisions-only package) says they
are the same actor. Every test runs on both stores.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from graphmodel import load_package
from graphmodel import statements as cy
from graphmodel.engine.load import LoadOptions
from graphmodel.errors import InvalidPackage
from graphmodel.export import to_networkx
from graphmodel.queries import run_query
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store

SCHEMA = load_schema()
AGENCIES = "id,name,name_zh,system,level,province,county\n"
NGOS = "id,name,province,registration\n"
TIES = "source,type,target,start,round,kind\n"


def package(root: Path, name: str, agency: str, agency_row: str, ngo: str, tie: str, decisions: str = "") -> Path:
    """A package with one agency, one NGO and one tie between them (and a decisions table when given)."""
    path = root / name
    path.mkdir(parents=True, exist_ok=True)
    (path / "agencies.csv").write_text(AGENCIES + f"{agency},{agency_row}\n", encoding="utf-8")
    (path / "ngos.csv").write_text(NGOS + f"{ngo},NGO {ngo},Yunnan,ngo\n", encoding="utf-8")
    (path / "ties.csv").write_text(TIES + f"{agency},SUPPORTS,{ngo},{tie}\n", encoding="utf-8")
    set_decisions(path, decisions)
    return path


def set_decisions(path: Path, rows: str) -> None:
    target = path / "decisions.csv"
    if rows:
        target.write_text("id,same_as,decision,reviewer,note\n" + rows, encoding="utf-8")
    elif target.exists():
        target.unlink()


def round1(root: Path, decisions: str = "") -> Path:
    row = "Lu County Women's Federation,鹿县妇女联合会,Women's Federation,county,Yunnan,Lu County"
    return package(root, "round1", "ag-x", row, "ngo-r1", "2010,1,technical", decisions)


def notes(root: Path, decisions: str = "") -> Path:
    row = "Lu Xian Fulian,,Women's Federation,county,云南省,鹿县"
    return package(root, "notes", "ag-y", row, "ngo-n", "2011,1,venue", decisions)


SAME = "ag-y,ag-x,same,LW,one office\n"


def actors(store: Store) -> dict[str, dict]:
    """The agencies: id -> (aliases, packages asserting, claims' packages)."""
    rows = store.run(
        "MATCH (a:Agency) RETURN a.id AS id, a.aliases AS aliases, a._package AS package, "
        "a._packages AS packages, a._claims AS claims ORDER BY id"
    ).records()
    out = {}
    for r in rows:
        packages = r["packages"] or [r["package"]]
        claims = sorted(json.loads(r["claims"])) if r["claims"] else [r["package"]]
        out[r["id"]] = {"aliases": sorted(r["aliases"] or []), "packages": sorted(packages), "claims": claims}
    return out


def supports(store: Store) -> dict[str, list[str]]:
    """SUPPORTS ties: agency id -> the NGOs it supports."""
    rows = store.run("MATCH (a:Agency)-[:SUPPORTS]->(n:NGO) RETURN a.id, n.id ORDER BY a.id, n.id").rows
    out: dict[str, list[str]] = {}
    for a, n in rows:
        out.setdefault(a, []).append(n)
    return out


def assert_one_actor(store: Store) -> str:
    [(node_id, info)] = actors(store).items()
    assert {node_id, *info["aliases"]} == {"ag-x", "ag-y"}
    assert info["packages"] == info["claims"] == ["notes", "round1"]
    assert supports(store) == {node_id: ["ngo-n", "ngo-r1"]}
    for q in ("ag-x", "ag-y"):  # the query library finds it by either id
        assert [r["id"] for r in run_query(store, "find_actor", {"q": q}).records()] == [node_id]
    return node_id


def assert_two_actors(store: Store) -> None:
    found = actors(store)
    assert sorted(found) == ["ag-x", "ag-y"]
    assert found["ag-x"]["claims"] == ["round1"] and found["ag-y"]["claims"] == ["notes"]
    assert supports(store) == {"ag-x": ["ngo-r1"], "ag-y": ["ngo-n"]}
    assert all(not info["aliases"] for info in found.values())


@pytest.mark.parametrize("holder", ["round1", "notes"])
@pytest.mark.parametrize("order", ["round1-first", "notes-first"])
def test_decisions_of_either_package_join_the_other_in_any_order(
    store: Store, tmp_path: Path, holder: str, order: str
) -> None:
    paths = {"round1": round1(tmp_path), "notes": notes(tmp_path)}
    set_decisions(paths[holder], SAME)
    first, second = ("round1", "notes") if order == "round1-first" else ("notes", "round1")
    load_package(store, paths[first])
    report = load_package(store, paths[second])
    assert report.affected == {}
    node_id = assert_one_actor(store)
    assert store.run(cy.count_label(SCHEMA, "Agency")).rows[0][0] == 1
    # reloading the package that loaded first keeps one node (its values win again: packages.md, recency)
    again = load_package(store, paths[first])
    assert again.affected == {}
    assert assert_one_actor(store) == node_id
    # exports keep the aliases of the one node
    assert sorted({node_id, *to_networkx(store).nodes[node_id]["aliases"]}) == ["ag-x", "ag-y"]

    # undoing: remove the row and reload the package that holds it
    set_decisions(paths[holder], "")
    before = store.run("MATCH (p:Package) RETURN p.id, p.seq ORDER BY p.id").rows
    undo = load_package(store, paths[holder])
    assert undo.written
    other = "notes" if holder == "round1" else "round1"
    if undo.affected:  # the other package's rows were rewritten by the withdrawn decision: it is named, untouched
        assert list(undo.affected) == [other]
        assert "no decision joins" in undo.affected[other].reason
        assert any(other in w and "reload" in w for w in undo.warnings)
        # the other package was not reloaded behind its back: its load record is as it was
        after = dict(store.run("MATCH (p:Package) RETURN p.id, p.seq ORDER BY p.id").rows)
        assert after[other] == dict(before)[other]
        load_package(store, paths[other])
    assert_two_actors(store)


def test_a_decision_joining_two_loaded_nodes_names_the_packages_to_reload(store: Store, tmp_path: Path) -> None:
    """A decisions-only package loaded after both: it changes no other package's statements, it says which to reload."""
    load_package(store, round1(tmp_path))
    load_package(store, notes(tmp_path))
    assert_two_actors(store)
    decisions = tmp_path / "review"
    decisions.mkdir()
    set_decisions(decisions, SAME)
    report = load_package(store, decisions)
    assert report.written  # the decisions are recorded: its load record holds them
    assert sorted(report.affected) == ["notes", "round1"]
    assert all("reload" in w for w in report.warnings if "loaded under other decisions" in w)
    assert_two_actors(store)  # told, not done
    # --reload-affected: each affected package is reloaded from its recorded path, with the usual rules
    again = load_package(store, decisions)  # nothing changed: not written, but it still says so
    assert not again.written and sorted(again.affected) == ["notes", "round1"]
    report = load_package(store, decisions, options=LoadOptions(reload_affected=True))
    assert not report.written  # the review package itself did not change; the affected ones are reloaded
    assert [r.package for r in report.reloaded] == ["notes", "round1"]
    assert report.affected == {} and not any("loaded under other decisions" in w for w in report.warnings)
    node_id = assert_one_actor(store)
    assert node_id == "ag-x"  # notes, reloaded first, joined the node round1 held (another package's id stays)
    # undoing in the decisions-only package: notes' rows were rewritten, round1's node gained an alias
    (decisions / "decisions.csv").write_text("id,same_as,decision\n", encoding="utf-8")  # every row removed
    undo = load_package(store, decisions, options=LoadOptions(reload_affected=True))
    assert [r.package for r in undo.reloaded] == ["notes", "round1"]
    assert undo.affected == {}
    assert_two_actors(store)


def test_a_decision_conflicting_with_another_packages_is_refused_at_its_row(store: Store, tmp_path: Path) -> None:
    load_package(store, round1(tmp_path, decisions=SAME))
    path = notes(tmp_path, decisions="ag-x,ag-y,different,KT,two offices\n")
    with pytest.raises(InvalidPackage) as info:
        load_package(store, path)
    [problem] = info.value.problems
    assert (problem.file, problem.row, problem.column) == ("decisions.csv", 2, "decision")
    assert "ag-x = ag-y (round1/decisions.csv row 2)" in str(problem)
    assert "ag-y" not in actors(store) or len(actors(store)) == 1  # nothing written


def test_exports_carry_the_union_of_aliases(store: Store, tmp_path: Path) -> None:
    """GraphML, GEXF and CSV keep the merged node's aliases (every package's), joined with ``;``."""
    import csv

    import networkx as nx

    from graphmodel.export import write_graph

    # round1 (which outranks notes) merges a third spelling into ag-x; notes' decision merges ag-y
    load_package(store, round1(tmp_path, decisions="fn-fulian,ag-x,same,LW,\n"), options=LoadOptions(priority=1))
    load_package(store, notes(tmp_path, decisions=SAME))
    [(node_id, info)] = actors(store).items()
    assert node_id == "ag-x" and info["aliases"] == ["ag-y", "fn-fulian"]
    graph = to_networkx(store)
    write_graph(graph, tmp_path / "g.graphml", "graphml")
    write_graph(graph, tmp_path / "g.gexf", "gexf")
    write_graph(graph, tmp_path / "csv", "csv")
    assert nx.read_graphml(tmp_path / "g.graphml").nodes["ag-x"]["aliases"] == "ag-y;fn-fulian"
    assert nx.read_gexf(tmp_path / "g.gexf").nodes["ag-x"]["aliases"] == "ag-y;fn-fulian"
    with (tmp_path / "csv" / "nodes.csv").open(encoding="utf-8") as f:
        rows = {row["id"]: row for row in csv.DictReader(f)}
    assert rows["ag-x"]["aliases"] == "ag-y;fn-fulian"
    assert rows["ngo-n"]["aliases"] == ""
    # each claim keeps the aliases its load gave (round1's from before notes' decision); the visible
    # value is their union, not the best-ranked package's, and not a disagreement
    claims, conflicts = store.run("MATCH (a:Agency {id: 'ag-x'}) RETURN a._claims, a._conflicts").rows[0]
    given = {p: sorted(c["values"].get("aliases", [])) for p, c in json.loads(claims).items()}
    assert given == {"round1": ["fn-fulian"], "notes": ["ag-y", "fn-fulian"]}
    assert "aliases" not in (conflicts or [])
    assert "name" in conflicts  # the names differ, and round1's wins (priority)
