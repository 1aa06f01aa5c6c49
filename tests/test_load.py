"""Loading a package into each real store: idempotence, refresh, provenance, atomic failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmodel.api import load_package
from graphmodel.chains import chain_paths
from graphmodel.errors import InvalidPackage
from graphmodel.export import to_networkx
from graphmodel.fingerprint import fingerprint
from graphmodel.stores.base import Store


def _count(store: Store, cypher: str, **params: object) -> int:
    return int(store.run(cypher, params).rows[0][0])  # type: ignore[arg-type]


def test_first_load_creates_every_row(store: Store, mini: Path) -> None:
    report = load_package(store, mini)
    assert report.written
    summary = {row[0]: row[1:] for row in report.plan.summary()}
    # mini has 2 NGOs, 3 agencies, 2 villages, 2 interviews, 2 motivations;
    # 7 ties in ties.csv, 2 WITH ties (interviews.organization), 3 MENTIONS (codes.csv)
    assert summary["NGO"] == (2, 0, 0, 0)
    assert summary["Agency"] == (3, 0, 0, 0)
    assert summary["MOBILIZES"] == (3, 0, 0, 0)
    assert summary["WITH"] == (2, 0, 0, 0)
    assert summary["MENTIONS"] == (3, 0, 0, 0)
    assert _count(store, "MATCH (n:NGO) RETURN count(n)") == 2
    assert _count(store, "MATCH ()-[r]->() WHERE type(r) <> 'REACHES' RETURN count(r)") == 12
    # and one derived tie per access chain (graphmodel.engine.derived)
    chains = chain_paths(to_networkx(store), distinct=False)
    assert chains and _count(store, "MATCH ()-[r:REACHES]->() RETURN count(r)") == len(chains)


def test_second_load_changes_nothing(store: Store, mini: Path) -> None:
    load_package(store, mini)
    before = fingerprint(store)
    report = load_package(store, mini)
    assert not report.written
    assert report.plan.changes == 0
    assert report.plan.unchanged == 11 + 12
    assert fingerprint(store) == before


def test_three_loads_give_identical_fingerprints(store: Store, mini: Path) -> None:
    prints = []
    for _ in range(3):
        load_package(store, mini)
        prints.append(fingerprint(store))
    assert prints[0] == prints[1] == prints[2]


def test_provenance_on_nodes_and_ties(store: Store, mini: Path) -> None:
    load_package(store, mini)
    rows = store.run("MATCH (n:NGO {id: 'ngo-b'}) RETURN n._package, n._file, n._row, n.website").rows
    assert rows == [("mini", "ngos.csv", 3, None)]
    rows = store.run(
        "MATCH (:Agency {id: 'wf-county'})-[r:SUPPORTS]->(:NGO) RETURN r._file, r._row, r.evidence, r.kind"
    ).rows
    assert rows == [("ties.csv", 8, ["Y900", "N900"], "venue")]
    # extra columns the schema does not name are kept as properties
    assert store.run("MATCH (n:NGO {id: 'ngo-a'}) RETURN n.website").rows == [("http://example.org/a",)]


def test_removed_tie_is_removed_on_reload(store: Store, mini: Path) -> None:
    load_package(store, mini)
    ties = (mini / "ties.csv").read_text(encoding="utf-8").splitlines()
    kept = [line for line in ties if ",WORKS_IN," not in line]
    assert len(kept) == len(ties) - 1
    (mini / "ties.csv").write_text("\n".join(kept) + "\n", encoding="utf-8")
    report = load_package(store, mini)
    assert {row[0]: row[3] for row in report.plan.summary()}["WORKS_IN"] == 1
    assert _count(store, "MATCH ()-[r:WORKS_IN]->() RETURN count(r)") == 0
    assert _count(store, "MATCH ()-[r:MOBILIZES]->() RETURN count(r)") == 3


def test_changed_value_is_an_update(store: Store, mini: Path) -> None:
    load_package(store, mini)
    path = mini / "ngos.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",4,rural,", ",5,rural,"), encoding="utf-8")
    report = load_package(store, mini)
    summary = {row[0]: row[1:4] for row in report.plan.summary()}
    assert summary["NGO"] == (0, 1, 0)
    assert store.run("MATCH (n:NGO {id: 'ngo-a'}) RETURN n.core_staff").rows == [(5,)]


def test_removed_node_goes_with_its_ties(store: Store, mini: Path) -> None:
    load_package(store, mini)
    (mini / "villages.csv").write_text(
        "id,name,name_zh,township,county,province\nv-1,Upper Village,上村,Shan,Lu,Yunnan\n", encoding="utf-8"
    )
    ties = (mini / "ties.csv").read_text(encoding="utf-8").splitlines()
    (mini / "ties.csv").write_text("\n".join(t for t in ties if "v-2" not in t) + "\n", encoding="utf-8")
    load_package(store, mini)
    assert store.run("MATCH (v:Village) RETURN v.id ORDER BY v.id").rows == [("v-1",)]


def test_other_packages_are_untouched(store: Store, mini: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "villages.csv").write_text("id,name\nv-other,Other Village\n", encoding="utf-8")
    load_package(store, other)
    load_package(store, mini)
    (mini / "villages.csv").write_text("id,name\nv-1,Upper Village\nv-2,Lower Village\n", encoding="utf-8")
    load_package(store, mini)
    assert store.run("MATCH (v:Village {id: 'v-other'}) RETURN v._package").rows == [("other",)]


def test_ties_may_point_at_nodes_of_another_package(store: Store, mini: Path, tmp_path: Path) -> None:
    load_package(store, mini)
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "villages.csv").write_text("id,name\nv-9,Far Village\n", encoding="utf-8")
    (extra / "ties.csv").write_text("source,type,target,round\nngo-a,WORKS_IN,v-9,2\n", encoding="utf-8")
    load_package(store, extra)
    rows = store.run("MATCH (:NGO {id: 'ngo-a'})-[r:WORKS_IN]->(v:Village {id: 'v-9'}) RETURN r._package").rows
    assert rows == [("extra",)]


def test_invalid_package_leaves_the_graph_unchanged(store: Store, mini: Path) -> None:
    load_package(store, mini)
    before = fingerprint(store)
    path = mini / "ngos.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",unregistered,", ",secret,"), encoding="utf-8")
    (mini / "villages.csv").write_text("id,name\nv-1,Renamed\n", encoding="utf-8")  # would remove v-2
    with pytest.raises(InvalidPackage) as info:
        load_package(store, mini)
    assert any(p.file == "ngos.csv" and p.row == 3 and p.column == "registration" for p in info.value.problems)
    assert fingerprint(store) == before
