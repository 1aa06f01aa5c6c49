"""Many packages, one graph: statements per package, conflicts, retractions, dependent ties, guards.

Every test runs on both real stores (the ``store`` fixture).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from graphmodel import statements as cy
from graphmodel.api import load_package
from graphmodel.engine.claims import SHARED
from graphmodel.engine.load import LoadOptions
from graphmodel.engine.plan import RemovalRules
from graphmodel.errors import InvalidPackage, LoadRefused
from graphmodel.fingerprint import fingerprint
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store

CODEBOOK = "id,name,name_zh\npublic_trust,Public trust,公信力\nscale,Scale,规模\n"


def write(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def one(store: Store, cypher: str, **params: object) -> tuple[object, ...]:
    rows = store.run(cypher, params).rows  # type: ignore[arg-type]
    assert len(rows) == 1, rows
    return rows[0]


def round2(tmp_path: Path) -> Path:
    """A second round that shares the mini package's codebook and county federation, and codes its own interview."""
    return write(
        tmp_path / "round2",
        motivations=CODEBOOK,
        agencies="id,name,name_zh,system,level,province,county\n"
        "wf-county,Lu County Women's Federation,鹿县妇联,Women's Federation,county,Yunnan,Lu\n",
        interviews="id,name,date,province,sector,role,organization,round\n"
        "Y901,Interview Y901,2018-07,Yunnan,ngo,director,ngo-a,2\n",
        codes="interview,code,ngo,note\nY901,public_trust,ngo-a,\n",
        ties="source,type,target,start,round,evidence,kind\nwf-county,SUPPORTS,ngo-a,2018,2,Y901,venue\n",
    )


def test_a_shared_codebook_loads_once_with_both_packages_claims(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    report = load_package(store, round2(tmp_path))
    assert report.written and not report.plan.conflicts
    assert ("Motivation", "public_trust", ("mini",)) in report.plan.shared
    package, packages, claims = one(
        store, "MATCH (m:Motivation {id: 'public_trust'}) RETURN m._package, m._packages, m._claims"
    )
    assert package == SHARED and packages == ["mini", "round2"]
    assert {name: c["file"] for name, c in json.loads(str(claims)).items()} == {
        "mini": "motivations.csv",
        "round2": "motivations.csv",
    }
    assert one(store, "MATCH (m:Motivation) RETURN count(m)") == (2,)
    # each package counts what it asserts, shared nodes included
    schema = load_schema()
    params = {"package": "round2"}
    assert one(store, cy.count_package_nodes(schema, "Motivation"), **params) == (2,)
    assert one(store, cy.count_package_nodes(schema, "Agency"), **params) == (1,)
    # reloading either package changes nothing
    assert load_package(store, mini).plan.changes == 0
    assert load_package(store, tmp_path / "round2").plan.changes == 0


def test_conflicts_follow_the_rule_and_are_reported(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    other = write(tmp_path / "coder", motivations="id,name,name_zh\npublic_trust,Trust of the public,公信力\n")
    report = load_package(store, other)
    [conflict] = report.plan.conflicts
    assert (conflict.ident, conflict.prop) == ("public_trust", "name")
    assert conflict.values == {"coder": "Trust of the public", "mini": "Public trust"}
    # the most recently loaded package wins, and the conflict is queryable afterwards
    assert one(store, "MATCH (m:Motivation {id: 'public_trust'}) RETURN m.name, m._conflicts") == (
        "Trust of the public",
        ["name"],
    )
    rows = store.run(cy.conflicting_nodes(load_schema())).rows
    assert [(kind, node_id, props) for kind, node_id, props, _ in rows] == [("Motivation", "public_trust", ["name"])]
    # an explicit priority beats recency
    load_package(store, mini, options=LoadOptions(priority=5))
    load_package(store, other)  # reloaded later, but without the priority
    assert one(store, "MATCH (m:Motivation {id: 'public_trust'}) RETURN m.name") == ("Public trust",)


def test_retracting_the_winner_restores_the_other_value_and_the_single_form(
    store: Store, mini: Path, tmp_path: Path
) -> None:
    load_package(store, mini)
    before = fingerprint(store, ignore=("loaded_at", "seq"))
    other = write(tmp_path / "coder", motivations="id,name\npublic_trust,Trust of the public\n")
    load_package(store, other)
    write(other, motivations="id,name\nimpact,Impact\n")  # the coder no longer speaks of public trust
    report = load_package(store, other)
    assert [(r.label, r.id) for r in report.plan.retract] == [("Motivation", "public_trust")]  # type: ignore[union-attr]
    assert one(store, "MATCH (m:Motivation {id: 'public_trust'}) RETURN m.name, m._package, m._packages") == (
        "Public trust",
        "mini",
        None,
    )
    # with the coder's package emptied of it, the graph holds what mini alone said
    store.run("MATCH (m:Motivation {id: 'impact'}) DETACH DELETE m", write=True)
    store.run(cy.delete_package(load_schema()), {"id": "coder"}, write=True)
    assert fingerprint(store, ignore=("loaded_at", "seq")) == before


def test_reloading_without_a_node_never_removes_another_packages_ties(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    extra = write(tmp_path / "extra", ties="source,type,target,round,evidence\nngo-a,WORKS_IN,v-1,2,\n")
    load_package(store, extra)
    kept = fingerprint(store)
    ties = (mini / "ties.csv").read_text(encoding="utf-8").splitlines()
    (mini / "ties.csv").write_text("\n".join(t for t in ties if "v-1" not in t) + "\n", encoding="utf-8")
    write(mini, villages="id,name\nv-2,Lower Village\n")
    dry = load_package(store, mini, dry_run=True)
    assert [(d.type, d.source, d.target) for d in dry.plan.dependents] == [("WORKS_IN", "ngo-a", "v-1")]
    assert [r.option for r in dry.plan.refusals] == ["--remove-dependents"]
    with pytest.raises(LoadRefused) as info:
        load_package(store, mini)
    assert "package 'extra' ties.csv:2" in info.value.report()
    assert fingerprint(store) == kept
    # told to, the load removes the dependent tie, says so, and the other package's count follows
    report = load_package(store, mini, options=LoadOptions(rules=RemovalRules(remove_dependents=True)))
    assert [d.key for d in report.plan.dependents] and report.written
    assert one(store, "MATCH ()-[r:WORKS_IN]->(:Village {id: 'v-1'}) RETURN count(r)") == (0,)
    assert one(store, "MATCH (p:Package {id: 'extra'}) RETURN p.ties") == (0,)


def test_a_shared_node_stays_when_one_package_drops_it(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    other = round2(tmp_path)
    load_package(store, other)
    write(other, agencies="id,name,system,level\nwf-prov,Yunnan Women's Federation,Women's Federation,province\n")
    (other / "ties.csv").unlink()
    report = load_package(store, other, options=LoadOptions(rules=RemovalRules(allow_removals=True)))
    assert ("Agency", "wf-county") in {(r.label, r.id) for r in report.plan.retract}  # type: ignore[union-attr]
    assert one(store, "MATCH (a:Agency {id: 'wf-county'}) RETURN a._package, a.name") == (
        "mini",
        "Lu County Women's Federation",
    )
    assert one(store, "MATCH (:Agency {id: 'wf-county'})-[r:SPONSORS]->() RETURN count(r)") == (1,)


def test_a_missing_table_needs_confirmation(store: Store, mini: Path) -> None:
    load_package(store, mini)
    before = fingerprint(store)
    (mini / "codes.csv").unlink()
    with pytest.raises(LoadRefused) as info:
        load_package(store, mini)
    assert "table 'codes': all 3 rows would go" in info.value.report()
    assert info.value.option == "--allow-removals"
    assert fingerprint(store) == before
    report = load_package(store, mini, options=LoadOptions(rules=RemovalRules(allow_removals=True)))
    assert {row[0]: row[3] for row in report.plan.summary()}["MENTIONS"] == 3


def test_a_table_file_that_cannot_be_read_is_an_error(store: Store, mini: Path) -> None:
    load_package(store, mini)
    before = fingerprint(store)
    shutil.move(mini / "villages.csv", mini / "elsewhere.txt")
    (mini / "villages.csv").mkdir()
    with pytest.raises(InvalidPackage) as info:
        load_package(store, mini)
    assert "villages.csv:1:-: cannot read the table: it is a folder, not a file" in info.value.report()
    (mini / "villages.csv").rmdir()
    (mini / "villages.csv").symlink_to(mini / "gone.csv")
    with pytest.raises(InvalidPackage) as info:
        load_package(store, mini)
    assert "villages.csv:1:-: cannot read the table: it is a broken link" in info.value.report()
    assert fingerprint(store) == before


def test_an_id_of_another_kind_is_refused_with_its_location(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    clash = write(tmp_path / "clash", agencies="id,name,system,level\nv-1,Not a village,Police,county\n")
    with pytest.raises(InvalidPackage) as info:
        load_package(store, clash)
    assert "agencies.csv:2:id: id 'v-1' is in the graph as Village (package 'mini'), not Agency" in (
        info.value.report()
    )


def test_dry_run_diff_lists_rows_with_old_and_new_values(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    before = fingerprint(store)
    path = mini / "ngos.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",4,rural,", ",5,rural,"), encoding="utf-8")
    report = load_package(store, mini, dry_run=True, options=LoadOptions(diff=True))
    assert "~ NGO ngo-a (core_staff: 4 → 5)" in report.plan.diff()
    other = write(tmp_path / "coder", motivations="id,name\npublic_trust,Trust of the public\n")
    lines = load_package(store, other, dry_run=True, options=LoadOptions(diff=True)).plan.diff()
    assert "~ Motivation public_trust (name: 'Public trust' → 'Trust of the public'; asserted by coder, mini)" in lines
    assert fingerprint(store) == before


def test_a_store_written_by_0_1_is_upgraded_by_the_next_load(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    # what 0.1.0 wrote: no :Graph node, no load order on the packages
    store.run("MATCH (g:Graph) DELETE g", write=True)
    store.run("MATCH (p:Package) REMOVE p.seq, p.priority, p.tables", write=True)
    assert load_package(store, mini).written is True  # the upgrade is a change
    assert one(store, "MATCH (g:Graph) RETURN g.format") == (2,)
    seqs = dict(store.run("MATCH (p:Package) RETURN p.id, p.seq").rows)
    assert None not in seqs.values() and seqs["mini"] == max(seqs.values())  # every package numbered; mini last
    assert load_package(store, mini).written is False
    assert load_package(store, round2(tmp_path)).written is True


def test_a_store_of_a_newer_format_is_refused(store: Store, mini: Path) -> None:
    load_package(store, mini)
    store.run("MATCH (g:Graph) SET g.format = 99", write=True)
    with pytest.raises(Exception, match="written by a newer graphmodel"):
        load_package(store, mini)
