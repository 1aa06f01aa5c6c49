"""Duplicate actors across packages: names in three forms, candidates, decisions, aliases, and the load."""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import pytest
import yaml

from graphmodel import load_package
from graphmodel import statements as cy
from graphmodel.engine.validate import validate_package
from graphmodel.errors import InvalidPackage
from graphmodel.queries import run_query
from graphmodel.resolve import (
    DEFAULT_THRESHOLD,
    Actor,
    Decision,
    actors_from_package,
    actors_from_store,
    apply_aliases,
    canonical_mapping,
    find_candidates,
    read_decisions,
    reference_columns,
    resolve_package,
    score_pair,
    split_name,
)
from graphmodel.resolve.labelled import build_labelled_set, evaluate
from graphmodel.resolve.review import REVIEW_COLUMNS
from graphmodel.schema import load_schema, parse_schema
from graphmodel.stores.base import Store
from graphmodel.tables import RawPackage, Row, Table
from loaders.fieldwork import read_package

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = load_schema()

# --- names -----------------------------------------------------------------------------------------

HUINING_WF = [
    "会宁县妇联",
    "会宁县妇女联合会",
    "Huining County Women's Federation",
    "huining county womens federation",
    "HUINING  COUNTY WOMEN'S FEDERATION",
    "Huining Xian Fulian",
    "Huìníng Xiàn Fùlián",
    "hui4ning2 xian4 fu4lian2",
    "Hui Ning Xian Fu Nu Lian He Hui",
    "Huiningxian Fulian",
]


@pytest.mark.parametrize("name", HUINING_WF)
def test_one_agency_in_chinese_pinyin_and_english_has_one_key(name: str) -> None:
    assert split_name(name)[:2] == ("huining", ("county", "women_federation"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("白岩乡人民政府", "白岩镇政府"),  # 乡 -> 镇, 人民政府 = 政府
        ("Baiyan Township People's Government", "Baiyan Town Government"),
        ("红柳县第一中学", "Hongliu County No. 1 Middle School"),
        ("宁夏回族自治区扶贫开发办公室", "Ningxia Poverty Alleviation Office"),
        ("大水井村村民委员会", "Dashuijing Village Committee"),
        ("绿根生态文化工作室", "LVGEN SHENGTAI WENHUA GONGZUOSHI"),  # ü written v in field notes
    ],
)
def test_abbreviations_and_translations_meet(a: str, b: str) -> None:
    ka, kb = split_name(a), split_name(b)
    assert ka.specific == kb.specific
    assert set(ka.generic) - {"province", "village"} == set(kb.generic) - {"province", "village"}


def test_different_agencies_of_one_county_keep_apart() -> None:
    assert split_name("会宁县妇联").generic != split_name("会宁县教育局").generic
    # 乡 inside 乡村 (rural) and 市 inside 市民 (citizens) are not place words
    assert split_name("小松乡村教育中心").specific == "xiaosong"
    assert split_name("蓝天市民环保中心").specific == "lantianshimin"


# --- scoring and blocking ----------------------------------------------------------------------


def agency(id_: str, name: str, name_zh: str = "", county: str = "huining", kind: str = "women_federation/county"):
    return Actor(id_, "Agency", "p", name, name_zh, province="gansu", county=county, kind=kind)


def test_the_issue_examples_score_as_the_same_actor() -> None:
    base = agency("a", "Huining County Women's Federation", "会宁县妇联")
    for other in (agency("b", "", "会宁县妇女联合会"), agency("c", "Huining Xian Fulian"), agency("d", "会宁县妇联")):
        score, reasons = score_pair(other, base)
        assert score >= DEFAULT_THRESHOLD, reasons
        assert reasons


def test_near_names_that_are_other_places_score_below_the_threshold() -> None:
    village = Actor("v1", "Village", "p", "Changlin Village", "长林村")
    assert score_pair(Actor("v2", "Village", "p", "Changxin Village"), village)[0] < DEFAULT_THRESHOLD
    assert score_pair(Actor("v3", "Village", "p", "Changlin Village", "常林村"), village)[0] < DEFAULT_THRESHOLD
    school = Actor("s1", "School", "p", "Taoshan County No. 1 Middle School", "桃山县第一中学")
    score, reasons = score_pair(Actor("s2", "School", "p", "Taoshan County No. 2 Middle School"), school)
    assert score < DEFAULT_THRESHOLD and "different numbers" in " ".join(reasons)


def test_blocks_keep_other_places_levels_and_systems_apart() -> None:
    a = agency("a", "Huining County Women's Federation")
    same_elsewhere = agency("b", "Huining County Women's Federation", county="jingning")
    other_system = agency("c", "Huining County Women's Federation", kind="education_bureau/county")
    no_county = agency("d", "Huining Xian Fulian", county="")
    found = {(c.merge.id, c.keep.id) for c in find_candidates([a, same_elsewhere, other_system, no_county])}
    # the actor without a county meets both counties' federations; nothing crosses counties or systems
    assert found == {("d", "a"), ("d", "b")}


def test_each_pair_once_and_the_earlier_actor_is_kept() -> None:
    actors = [agency(f"x{i}", name) for i, name in enumerate(HUINING_WF)]
    found = list(find_candidates(actors))
    pairs = [(c.merge.id, c.keep.id) for c in found]
    assert len(pairs) == len(set(pairs)) == len(actors) * (len(actors) - 1) // 2
    assert all(int(m[1:]) > int(k[1:]) for m, k in pairs)


# --- decisions ------------------------------------------------------------------------------------


def decisions_table(*rows: dict[str, str], source: str = "decisions.csv") -> Table:
    table = Table("decisions", source, ["id", "same_as", "decision", "reviewer", "note"])
    table.rows += [Row(n, values) for n, values in enumerate(rows, start=2)]
    return table


def test_decision_problems_are_located() -> None:
    table = decisions_table(
        {"id": "a", "same_as": "b", "decision": "Same"},
        {"id": "b", "same_as": "a", "decision": "different"},
        {"same_as": "c", "decision": "same"},
        {"id": "c", "same_as": "d", "decision": "maybe"},
        {"id": "e", "same_as": "f"},  # not reviewed yet
    )
    decisions, problems = read_decisions(table)
    assert [d.decision for d in decisions] == ["same"]
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("decisions.csv", 3, "decision"),
        ("decisions.csv", 4, "id"),
        ("decisions.csv", 5, "decision"),
    ]
    assert "row 2 decided same" in problems[0].reason
    missing = Table("decisions", "decisions.csv", ["id", "decision"])
    assert [(p.row, p.column) for p in read_decisions(missing)[1]] == [(1, "same_as")]


def test_conflicting_decisions_name_the_chain() -> None:
    rows = [("A", "B", "same"), ("B", "C", "same"), ("C", "D", "same"), ("A", "D", "different"), ("E", "F", "same")]
    decisions = [Decision(a, b, d, file="d.csv", row=n) for n, (a, b, d) in enumerate(rows, start=2)]
    mapping, problems = canonical_mapping(decisions)
    assert len(problems) == 1
    assert str(problems[0]) == (
        "d.csv:5:decision: A and D are marked different, but same-decisions join them: "
        "A = B (row 2), B = C (row 3), C = D (row 4)"
    )
    assert mapping["E"] == "F"  # the id the reviewer kept


def test_canonical_ids_do_not_depend_on_row_order() -> None:
    rows = [Decision(f"n{i}", f"n{i + 1}", "same") for i in range(8)] + [Decision("m1", "m0", "same")]
    expected, _ = canonical_mapping(rows)
    assert set(expected.values()) == {"n1", "m0"}  # the smallest id a reviewer kept
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert canonical_mapping(shuffled)[0] == expected
    preferred, _ = canonical_mapping(rows, prefer=["n5"])
    assert set(preferred.values()) == {"n5", "m0"}
    assert canonical_mapping([*rows, Decision("n0", "n8", "unsure")])[0] == expected


# --- aliases on a RawPackage --------------------------------------------------------------------------


def field_package(tmp_path: Path, decision: str | None = "same") -> Path:
    """The mini fixture plus the county Women's Federation again, as field notes name it, with its own ties."""
    target = tmp_path / "field"
    shutil.copytree(FIXTURES / "mini", target)
    with (target / "agencies.csv").open("a", encoding="utf-8") as f:
        f.write("wf-lu-notes,Lu Xian Fulian,鹿县妇女联合会,Women's Federation,county,Yunnan,Lu County\n")
    with (target / "ties.csv").open("a", encoding="utf-8") as f:
        f.write("wf-lu-notes,SUPPORTS,ngo-a,2010,,1,Y901,,technical,\n")
        f.write("wf-lu-notes,MOBILIZES,wf-town,2010,,1,Y901;Y900,,,ngo-a\n")
    with (target / "interviews.csv").open("a", encoding="utf-8") as f:
        f.write("Y901,Interview Y901,2010-05,Yunnan,government,chair,wf-lu-notes,1\n")
    if decision is not None:
        (target / "decisions.csv").write_text(
            f"id,same_as,decision,reviewer,note\nwf-lu-notes,wf-county,{decision},LW,same office\n", encoding="utf-8"
        )
    return target


def test_reference_columns_come_from_the_schema() -> None:
    columns = reference_columns(SCHEMA)
    assert columns["ties"] == {
        "source": False,
        "target": False,
        "evidence": True,
        "place": False,
        "on_behalf_of": False,
        "ngo": False,
    }
    assert columns["interviews"] == {"id": False, "organization": False}
    assert columns["villages"] == {"id": False}
    # a new reference property in the schema is rewritten without code changes
    data = yaml.safe_load((Path(__file__).parent.parent / "graphmodel" / "schema.yaml").read_text(encoding="utf-8"))
    data["labels"]["Village"]["properties"]["twin"] = {"type": "string", "reference": ["Village"], "description": "x"}
    assert reference_columns(parse_schema(data))["villages"] == {"id": False, "twin": False}


def test_apply_aliases_rewrites_every_reference_and_merges_rows(tmp_path: Path) -> None:
    raw = read_package(field_package(tmp_path, decision=None))
    mapping = {"wf-lu-notes": "wf-county", "Y901": "Y900"}
    out = apply_aliases(raw, mapping, SCHEMA)
    assert out is not raw and raw.tables["agencies"].rows[-1].values["id"] == "wf-lu-notes"  # input untouched
    agencies = {r.values["id"]: r for r in out.tables["agencies"].rows}
    assert sorted(agencies) == ["vc-1", "wf-county", "wf-town"]
    merged = agencies["wf-county"]
    assert (merged.number, merged.values["name"], merged.values["aliases"]) == (
        2,
        "Lu County Women's Federation",
        "wf-lu-notes",
    )
    assert out.tables["agencies"].columns[-1] == "aliases"
    ties = [r.values for r in out.tables["ties"].rows]
    assert {"source": "wf-county", "type": "SUPPORTS", "kind": "technical"}.items() <= ties[-2].items()
    assert ties[-1]["evidence"] == "Y900" and ties[-1]["source"] == "wf-county"  # Y901;Y900 -> one id
    interviews = {r.values["id"]: r.values for r in out.tables["interviews"].rows}
    assert interviews["Y900"]["aliases"] == "Y901" and interviews["Y900"]["organization"] == "ngo-a"
    # the codes table's interview, code and ngo columns
    codes = apply_aliases(raw, {"Y900": "Y-1", "scale": "growth", "ngo-b": "ngo-z"}, SCHEMA).tables["codes"]
    assert [(r.values["interview"], r.values["code"], r.values["ngo"]) for r in codes.rows] == [
        ("Y-1", "public_trust", "ngo-a"),
        ("Y-1", "growth", "ngo-a"),
        ("N900", "public_trust", "ngo-z"),
    ]
    assert apply_aliases(raw, {}, SCHEMA) is raw


def test_cells_only_the_merged_row_has_are_kept() -> None:
    table = Table("ngos", "ngos.csv", ["id", "name", "name_zh", "registration", "founded", "aliases"])
    table.rows += [
        Row(2, {"id": "n-new", "name": "Qingshan", "founded": "2001", "registration": "ngo", "aliases": "n-old"}),
        Row(3, {"id": "n-a", "name": "Green Hills", "name_zh": "青山环保协会", "registration": "ngo"}),
    ]
    out = apply_aliases(RawPackage("p", ".", {"ngos": table}), {"n-new": "n-a"}, SCHEMA)
    [row] = out.tables["ngos"].rows
    assert row.number == 3
    assert row.values == {
        "id": "n-a", "name": "Green Hills", "name_zh": "青山环保协会", "registration": "ngo", "founded": "2001",
        "aliases": "n-new;n-old",
    }  # fmt: skip


def test_resolve_package_validates_and_drops_the_decisions_table(tmp_path: Path) -> None:
    raw, mapping, problems = resolve_package(read_package(field_package(tmp_path)), SCHEMA)
    assert mapping == {"wf-lu-notes": "wf-county"} and problems == []
    assert "decisions" not in raw.tables
    records = validate_package(raw, SCHEMA)
    assert sum(1 for n in records.nodes if n.label == "Agency") == 3
    (tmp_path / "field" / "decisions.csv").write_text(
        "id,same_as,decision\nwf-lu-notes,wf-county,same\nwf-county,wf-lu-notes,different\n", encoding="utf-8"
    )
    _, _, problems = resolve_package(read_package(tmp_path / "field"), SCHEMA)
    assert [str(p) for p in problems] == [
        "decisions.csv:3:decision: different, but row 2 decided same for the same pair"
    ]
    (tmp_path / "field" / "decisions.csv").write_text("id,same_as,decision\nv-1,vc-1,same\n", encoding="utf-8")
    _, _, problems = resolve_package(read_package(tmp_path / "field"), SCHEMA)
    assert [str(p) for p in problems] == [
        "decisions.csv:2:same_as: v-1 (:Village) and vc-1 (:Agency) have different labels: not one actor"
    ]


# --- on both stores ---------------------------------------------------------------------------------


def count(store: Store, label: str) -> int:
    return store.run(cy.count_label(SCHEMA, label)).rows[0][0]


def load_resolved(store: Store, path: Path) -> None:
    raw, _, problems = resolve_package(read_package(path), SCHEMA)
    if problems:
        raise InvalidPackage(problems)
    load_package(store, raw)


def test_merged_actor_is_one_node_found_by_any_alias(store: Store, tmp_path: Path) -> None:
    package = field_package(tmp_path, decision=None)
    load_resolved(store, package)
    assert count(store, "Agency") == 4
    # the store's actors give the duplicate as a candidate
    found = {(c.merge.id, c.keep.id): c.score for c in find_candidates(actors_from_store(store, SCHEMA))}
    assert found[("wf-lu-notes", "wf-county")] >= DEFAULT_THRESHOLD

    field_package(tmp_path / "again", decision="same")
    shutil.copy(tmp_path / "again" / "field" / "decisions.csv", package / "decisions.csv")
    load_resolved(store, package)
    assert count(store, "Agency") == 3
    for q in ("wf-lu-notes", "wf-county", "鹿县妇联", "lu county women"):
        rows = run_query(store, "find_actor", {"q": q}).records()
        assert [r["id"] for r in rows] == ["wf-county"], q
    alias = run_query(store, "find_actor", {"q": "wf-lu-notes"}).records()[0]
    assert (alias["matched"], alias["aliases"], alias["name"]) == (
        "alias",
        ["wf-lu-notes"],
        "Lu County Women's Federation",
    )
    from graphmodel.export import to_networkx

    assert to_networkx(store).nodes["wf-county"]["aliases"] == ["wf-lu-notes"]  # exports carry the aliases
    ties = run_query(store, "evidence", {"source": "wf-county", "type": "SUPPORTS"}).records()
    assert {(t["kind"], t["interview"]) for t in ties} >= {("technical", "Y901"), ("venue", "Y900")}
    [interview] = run_query(store, "evidence", {"source": "wf-county", "type": "MOBILIZES", "round": 1}).records()[:1]
    assert interview["source"] == "wf-county"
    assert not actors_from_store(store, SCHEMA, ["Agency"]) or all(
        a.id != "wf-lu-notes" for a in actors_from_store(store, SCHEMA, ["Agency"])
    )

    # undoing the decision and reloading restores the two nodes
    (package / "decisions.csv").write_text("id,same_as,decision\nwf-lu-notes,wf-county,different\n", encoding="utf-8")
    load_resolved(store, package)
    assert count(store, "Agency") == 4
    rows = run_query(store, "find_actor", {"q": "wf-lu-notes"}).records()
    assert [(r["id"], r["matched"], r["aliases"]) for r in rows] == [("wf-lu-notes", "id", None)]


def test_decisions_across_two_packages_give_one_node(store: Store, tmp_path: Path) -> None:
    # round 1 has the county Women's Federation; the field notes name it in pinyin, with their own ties
    load_package(store, FIXTURES / "mini", name="mini")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "agencies.csv").write_text(
        "id,name,name_zh,system,level,province,county\n"
        "fn-fulian,Lu Xian Fulian,,Women's Federation,county,云南省,鹿县\n",
        encoding="utf-8",
    )
    (notes / "ties.csv").write_text(
        "source,type,target,start,round,kind\nfn-fulian,SUPPORTS,ngo-a,2011,1,technical\n", encoding="utf-8"
    )
    stored = actors_from_store(store, SCHEMA, ["Agency"])
    [candidate] = find_candidates(stored + actors_from_package(read_package(notes), SCHEMA, ["Agency"]))
    assert (candidate.merge.id, candidate.keep.id) == ("fn-fulian", "wf-county")
    assert candidate.score >= DEFAULT_THRESHOLD
    (notes / "decisions.csv").write_text("id,same_as,decision\nfn-fulian,wf-county,same\n", encoding="utf-8")
    prefer = {a.id for a in stored}
    raw, mapping, problems = resolve_package(read_package(notes), SCHEMA, prefer=prefer)
    assert (mapping, problems) == ({"fn-fulian": "wf-county"}, [])
    load_package(store, raw)
    assert count(store, "Agency") == 3
    [row] = run_query(store, "find_actor", {"q": "fn-fulian"}).records()
    assert (row["id"], row["matched"], row["aliases"]) == ("wf-county", "alias", ["fn-fulian"])
    supports = store.run(cy.count_type(SCHEMA, "SUPPORTS")).rows[0][0]
    assert supports == 2  # round 1's venue support and the field notes' technical support, both on wf-county


# --- review file and the command -------------------------------------------------------------------------


def test_resolve_command_writes_a_review_file_that_is_a_decisions_table(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "agencies.csv").write_text(
        "id,name,name_zh,system,level,province,county\n"
        "n-wf,Lu Xian Fulian,,Women's Federation,county,云南省,鹿县\n"
        "n-wf-town,Shan Zhen Fulian,,Women's Federation,township,Yunnan,Lu County\n",
        encoding="utf-8",
    )
    (notes / "villages.csv").write_text(
        "id,name,name_zh,township,county,province\nn-v1,Shàng Cūn,,Shan Town,Lu,Yunnan\n", encoding="utf-8"
    )
    for out in ("review.csv", "review.xlsx"):
        result = CliRunner().invoke(app, ["resolve", str(FIXTURES / "mini"), str(notes), "-o", str(tmp_path / out)])
        assert result.exit_code == 0, result.output
    with (tmp_path / "review.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == REVIEW_COLUMNS
    pairs = {(r["id"], r["same_as"]): r for r in rows}
    assert {("n-wf", "wf-county"), ("n-wf-town", "wf-town"), ("n-v1", "v-1")} <= set(pairs)
    assert all(r["decision"] == "" and r["reasons"] for r in rows)
    # marked and read back as a decisions table, extra columns and all
    table = read_package(tmp_path / "review.xlsx").tables["decisions"]
    table.rows = [Row(r.number, {**r.values, "decision": "same"}) for r in table.rows]
    decisions, problems = read_decisions(table)
    assert problems == [] and len(decisions) == len(rows)


def test_resolve_command_refuses_an_unknown_label(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    result = CliRunner().invoke(app, ["resolve", str(FIXTURES / "mini"), "--label", "Interview"])
    assert result.exit_code != 0 and "--label must be one of" in result.output


# --- quality --------------------------------------------------------------------------------------------


def test_precision_and_recall_on_the_labelled_set_stay_above_the_measured_floor() -> None:
    # measured at the default threshold (85), seed 0: precision 0.999, recall 0.897 (bench/resolve.py)
    from bench.resolve import labelled_packages

    labelled = build_labelled_set(labelled_packages("tiny", seed=0), seed=0)
    quality = evaluate(labelled, DEFAULT_THRESHOLD)
    assert quality.actors > 1500 and quality.true_positives > 1000
    assert quality.precision >= 0.99
    assert quality.recall >= 0.88
    # a higher threshold trades recall for precision, and the labelled set really has hard pairs
    strict = evaluate(labelled, 99.0)
    assert strict.recall < quality.recall


def test_actors_from_package_read_places_and_kinds() -> None:
    actors = {a.id: a for a in actors_from_package(read_package(FIXTURES / "mini"), SCHEMA)}
    assert set(actors) == {"wf-county", "wf-town", "vc-1", "ngo-a", "ngo-b", "v-1", "v-2"}
    assert (actors["v-1"].province, actors["v-1"].county, actors["v-1"].township) == ("yunnan", "lu", "shan")
    assert actors["wf-town"].kind == "women_federation/township"


def test_resolve_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    import json

    from bench import resolve as bench_resolve

    assert bench_resolve.main(["--size", "tiny", "--out", str(tmp_path)]) == 0
    body = json.loads((tmp_path / "resolve-tiny.json").read_text(encoding="utf-8"))
    [default] = [q for q in body["quality"] if q["default"]]
    assert default["threshold"] == DEFAULT_THRESHOLD and 0 < default["recall"] <= 1
    stages = {s["stage"]: s for s in body["timing"]["stages"]}
    assert stages["candidates"]["actors"] == stages["actors"]["actors"] > 300
    assert stages["candidates"]["seconds"] > 0 and body["machine"]["load_average_at_end"]


def test_the_actor_queries_defaults_follow_the_schema() -> None:
    from graphmodel.queries import library
    from graphmodel.resolve import actor_labels

    assert library()["resolve_actors"].params["labels"].default == actor_labels(SCHEMA)
    assert not library()["find_actor"].params["q"].required


def test_the_load_applies_the_package_decisions(store: Store, tmp_path: Path) -> None:
    """``graphmodel load`` (through :func:`graphmodel.api.load_package`) reads the decisions table itself."""
    report = load_package(store, field_package(tmp_path))
    assert report.written
    rows = store.run("MATCH (a:Agency) WHERE a.id IN ['wf-county', 'wf-lu-notes'] RETURN a.id, a.aliases").rows
    assert rows == [("wf-county", ["wf-lu-notes"])]
    assert store.run("MATCH (:Agency {id: 'wf-county'})-[r:SUPPORTS]->() RETURN count(r)").rows == [(2,)]
    # a decision that names an id of another kind is refused with its location, and nothing is written
    (tmp_path / "field" / "decisions.csv").write_text(
        "id,same_as,decision,reviewer,note\nwf-lu-notes,ngo-a,same,LW,\n", encoding="utf-8"
    )
    with pytest.raises(InvalidPackage) as info:
        load_package(store, tmp_path / "field")
    assert any(p.file == "decisions.csv" and p.row == 2 for p in info.value.problems)
