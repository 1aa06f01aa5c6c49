"""Smoke test of the benchmark suite: every benchmark runs at the tiny size and writes its JSON.

No timing is asserted (these are benchmarks, not timed tests); the test checks that each
result file has its keys, positive figures, and that the contenders agree where they must
(igraph's betweenness equals graphmodel's; the bare script writes the same graph).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from bench import __main__ as bench_main
from bench import loader
from graphmodel.engine.validate import validate_package
from graphmodel.synth import write_package
from loaders.fieldwork import read_package


def test_tiny_package_validates_and_has_state_chains(tmp_path: Path) -> None:
    stats = write_package(tmp_path, "tiny", seed=3)
    records = validate_package(read_package(tmp_path), loader.load_schema())
    assert (len(records.nodes), len(records.ties)) == (stats.nodes, stats.ties)
    mobilizes = [t for t in records.ties if t.type == "MOBILIZES"]
    assert mobilizes and all(t.props["on_behalf_of"].startswith("ngo-") for t in mobilizes)
    heads = {(t.source, t.target, t.props["round"]) for t in records.ties if t.type == "COOPERATES_WITH"}
    # every chain's first MOBILIZES tie leaves a county body the NGO cooperates with, in the same round
    county_steps = [t for t in mobilizes if re.fullmatch(r"ag-p\d\df\d\dc\d\d-\w+", t.source)]
    assert county_steps
    assert all((t.props["on_behalf_of"], t.source, t.props["round"]) in heads for t in county_steps)


def test_every_benchmark_runs_at_tiny_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "SAMPLE_ROWS", 40)
    monkeypatch.delenv("NEO4J_URI", raising=False)
    code = bench_main.main(
        [
            "--size",
            "tiny",
            "--only",
            "loader,queries,metrics,views,national,derived",
            "--out",
            str(tmp_path),
            "--no-neo4j",
        ]
    )
    assert code == 0
    results = {p.stem.removesuffix("-tiny"): json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert sorted(results) == ["derived", "loader", "metrics", "national", "queries", "views"]
    for body in results.values():
        assert body["machine"]["cores"] >= 1 and body["machine"]["versions"]["graphmodel"]

    emb = results["loader"]["embedded"]
    assert emb["graphmodel"]["rows_per_s"] > 0 and emb["bare_unwind_merge"]["rows_per_s"] > 0
    assert emb["per_row"]["extrapolated_seconds"] > 0
    # graphmodel also writes its :Package and :Graph nodes; otherwise both write the same graph
    assert emb["graphmodel"]["graph"]["nodes"] == emb["bare_unwind_merge"]["graph"]["nodes"] + 2
    assert emb["graphmodel"]["graph"]["ties"] == emb["bare_unwind_merge"]["graph"]["ties"]
    assert emb["ratios"]["graphmodel_vs_bare"] > 0

    queries = results["queries"]["embedded"]
    assert "access_paths:point" in queries and "gatekeepers:global" in queries
    assert "as_of:global_all" in queries and queries["as_of:global"]["mean_rows"] <= 1000
    assert all(q["calls"] >= 1 and q["median_ms"] > 0 for q in queries.values())

    rederived = results["derived"]["embedded"]
    assert rederived["derived_ties"] > 0 and rederived["first_load"]["timings"]["derived"] >= 0
    # one line withdrawn: some NGOs rewritten, fewer than every NGO (-1) as the first version did
    assert 0 <= rederived["one_line_withdrawn"]["ngos_rewritten"] < rederived["ngos"]
    assert rederived["every_ngo"]["one_line_withdrawn"]["ngos_rewritten"] == -1

    access = results["metrics"]["access_betweenness"]
    assert access["graphmodel"]["median_s"] > 0
    if "seconds" in access["igraph"]:
        assert access["identical"] is True
    assert results["metrics"]["brokerage"]["brokers"] > 0

    (view,) = results["views"]["views"].values()
    assert view["nodes"] > 0 and view["html_mib"] > 0 and view["median_write_s"] > 0

    stages = {s["stage"]: s for s in results["national"]["stages"]}
    for name in ("generate", "read", "load", "queries", "export", "access_betweenness", "aggregated_view"):
        assert stages[name]["seconds"] >= 0 and stages[name]["process_peak_rss_mib"] > 0
    assert results["national"]["package"]["nodes"] == stages["generate"]["nodes"] > 0


@pytest.mark.slow
def test_the_neo4j_benchmarks_run_at_tiny_size(
    neo4j_server: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graphmodel.stores.base import Store

    assert isinstance(neo4j_server, Store)
    if not os.environ.get("GRAPHMODEL_NEO4J_HOME"):
        message = "the Neo4j benchmarks need the server's import folder: run a scripts/neo4j-local server"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    neo4j_server.delete_all()  # the benchmarks refuse a database holding anything (the next test restores it)
    monkeypatch.setattr(loader, "SAMPLE_ROWS", 40)
    monkeypatch.setenv("GRAPHMODEL_STAGE_ROWS", "1000")  # the tiny package (about 1,900 rows) is staged
    code = bench_main.main(["--size", "tiny", "--only", "loader,national_neo4j", "--out", str(tmp_path)])
    assert code == 0
    neo = json.loads((tmp_path / "loader-tiny.json").read_text())["neo4j"]
    assert neo["graphmodel"]["staged"] is True and neo["graphmodel_one_transaction"]["rows_per_s"] > 0
    assert neo["load_csv"]["rows_per_s"] > 0 and neo["per_row"]["extrapolated_seconds"] > 0
    split = neo["graphmodel_breakdown"]  # the engine's own phases of one staged load
    assert split["staged"] == 1.0
    assert all(split[phase] >= 0 for phase in ("state", "validate", "finish", "write", "commit"))
    national = json.loads((tmp_path / "national_neo4j-tiny.json").read_text())
    stages = {s["stage"]: s for s in national["stages"]}
    assert (
        stages["load"]["staged"] is True
        and stages["load"]["rows"] == national["package"]["nodes"] + national["package"]["ties"]
    )
    assert not stages["queries"]["errors"] and stages["queries"]["latency_ms"]
    assert neo4j_server.run("MATCH (n) RETURN count(n)").rows[0][0] == 0  # emptied again


def test_export_benchmark_runs_at_tiny_size(tmp_path: Path) -> None:
    from bench import national_export

    store, package, results = str(tmp_path / "store"), str(tmp_path / "pkg"), str(tmp_path / "results")
    args = ["--store", store, "--package", package, "--size", "tiny", "--tmp", str(tmp_path), "--out", results]
    code = national_export.main(args)
    assert code == 0
    body = json.loads((tmp_path / "results" / "export-tiny.json").read_text())
    stages = {s["stage"]: s for s in body["stages"]}
    read = stages["store_read"]
    for fmt in ("graphml", "gexf", "csv"):
        assert (
            (stages[f"export_{fmt}"]["nodes"], stages[f"export_{fmt}"]["ties"])
            == (read["nodes"], read["ties"])
            > (0, 0)
        )
    assert stages["to_networkx"]["edges"] == read["ties"] and body["export_over_store_read"]["export_graphml"] > 0
    access = body["access_betweenness"]
    assert access["graphmodel"]["median_s"] > 0 and access["graphmodel_kernel"]["median_s"] > 0
    if "seconds" in access["igraph"]:
        assert access["identical"] is True
    assert not list(tmp_path.glob("export.*"))  # the exported files are removed


def test_national_queries_harness_loads_once_and_reopens(tmp_path: Path) -> None:
    """``python -m bench.national_queries``: a bulk load into a kept store, then the queries again from it."""
    from bench import national_queries

    write_package(tmp_path / "pkg", "tiny", seed=3)
    common = ["--store", "embedded", "--dir", str(tmp_path / "store"), "--size", "tiny", "--out", str(tmp_path)]
    common += ["--runs", "1", "--point", "2"]
    assert national_queries.main([*common, "--package", str(tmp_path / "pkg"), "--load", "--tag", "a"]) == 0
    first = json.loads((tmp_path / "queries_national_embedded_a-tiny.json").read_text())
    assert first["counts"]["nodes"] > 0 and "stopped" not in first
    assert {"trust_by_group:global", "unjoined_mobilisations:point", "as_of:global"} <= set(first["embedded"])
    assert "as_of:global_all" not in first["embedded"]  # every row is not timed by this harness
    # reopened without --load: the same store answers, only the queries asked for, in their order
    assert national_queries.main([*common, "--queries", "trust_trajectory,gatekeepers", "--tag", "b"]) == 0
    again = json.loads((tmp_path / "queries_national_embedded_b-tiny.json").read_text())
    assert list(again["embedded"]) == ["trust_trajectory:point", "trust_trajectory:global", "gatekeepers:global"]
    assert again["embedded"]["trust_trajectory:global"]["mean_rows"] > 0
