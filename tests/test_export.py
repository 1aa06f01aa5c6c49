"""Export from both stores to NetworkX (filters included) and to GraphML, GEXF and CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

from graphmodel.api import load_package
from graphmodel.cli import app
from graphmodel.errors import GraphmodelError
from graphmodel.export import filter_graph, to_networkx, write_graph
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store

SAMPLE = sample_path()


def _csv_rows(name: str) -> list[dict[str, str]]:
    with (SAMPLE / f"{name}.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def loaded(store: Store) -> Store:
    load_package(store, SAMPLE, name="paper")
    return store


def test_whole_graph_keeps_labels_properties_and_tie_keys(loaded: Store) -> None:
    g = to_networkx(loaded)
    assert isinstance(g, nx.MultiDiGraph)
    # docs/sample.md: 22 + 86 + 41 + 12 + 13 + 3 + 1 + 49 + 11 nodes; 422 ties, plus one WITH tie per interview
    # with an organisation and one MENTIONS tie per codes.csv row.
    with_ties = sum(1 for r in _csv_rows("interviews") if r["organization"])
    assert g.number_of_nodes() == 238
    assert len(_csv_rows("ties")) == 422
    assert g.number_of_edges() == 422 + with_ties + len(_csv_rows("codes"))
    ngo = g.nodes["ngo-y01"]
    assert ngo["label"] == "NGO" and ngo["name_zh"] == "山泉生态中心" and ngo["founded"] == 1988
    # ties.csv: ag-yn-lq... the Yunnan tie rows carry evidence lists; pick the first SUPPORTS row.
    row = next(r for r in _csv_rows("ties") if r["type"] == "SUPPORTS")
    edges = [
        (k, d)
        for _, v, k, d in g.out_edges(row["source"], keys=True, data=True)
        if v == row["target"] and d["type"] == "SUPPORTS" and d.get("kind") == row["kind"]
    ]
    assert len(edges) == 1
    key, data = edges[0]
    assert key == data["_key"]
    assert data["evidence"] == row["evidence"].split(";")
    assert data["round"] == int(row["round"])


def test_tie_ends_are_the_node_keys(loaded: Store) -> None:
    """A tie's ends are the objects keying its nodes (one copy of each id; metrics number nodes by identity)."""
    g = to_networkx(loaded)
    keys = {id(n) for n in g}
    ends = [end for u, v in g.edges() for end in (u, v)]
    assert len(ends) > 800 and all(id(end) in keys for end in ends)
    part = to_networkx(loaded, labels=["NGO", "Agency"])
    keys = {id(n) for n in part}
    assert part.number_of_edges() > 50 and all(id(u) in keys and id(v) in keys for u, v in part.edges())


def test_filters_by_label_type_round_and_date(loaded: Store) -> None:
    ties = _csv_rows("ties")
    part = to_networkx(loaded, labels=["NGO", "Agency"], types=["SPONSORS"])
    assert {d["label"] for _, d in part.nodes(data=True)} == {"NGO", "Agency"}
    assert part.number_of_edges() == sum(1 for r in ties if r["type"] == "SPONSORS")  # 16, all Agency -> NGO
    round2 = to_networkx(loaded, types=[r for r in {t["type"] for t in ties}], fieldwork_round=2)
    assert round2.number_of_edges() == sum(1 for r in ties if r["round"] == "2")  # docs/sample.md: 50
    as_of = to_networkx(loaded, types=["SPONSORS"], as_of="2005")
    # A SPONSORS tie is active in 2005 when it may have started by 2005-12-31 and not ended before 2005.
    expected = sum(
        1
        for r in ties
        if r["type"] == "SPONSORS"
        and (not r["start"] or r["start"][:4] <= "2005")
        and (not r["end"] or r["end"][:4] >= "2005")
    )
    assert as_of.number_of_edges() == expected
    assert 0 < expected < 16  # the filter does something on the sample
    with pytest.raises(GraphmodelError, match="unknown label"):
        to_networkx(loaded, labels=["Ngo"])
    with pytest.raises(GraphmodelError, match="as-of date"):
        to_networkx(loaded, as_of="June 2010")


def test_partial_dates_are_honoured() -> None:
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key="k", start="2010-06", end="2011")
    assert filter_graph(g, as_of="2010-06-30").number_of_edges() == 1
    assert filter_graph(g, as_of="2010-05-31").number_of_edges() == 0
    assert filter_graph(g, as_of="2011-12-31").number_of_edges() == 1
    assert filter_graph(g, as_of="2012").number_of_edges() == 0
    assert filter_graph(g, as_of="2010").number_of_edges() == 1  # the year overlaps the tie


def test_graphml_gexf_and_csv_files(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("a", label="Agency", name="County WF")
    g.add_node("n", label="NGO", name="Mountain Spring")
    g.add_edge("a", "n", key="k1", type="SUPPORTS", start="2010-03", end="2011", evidence=["Y134", "Y158"])
    write_graph(g, tmp_path / "g.graphml", "graphml")
    back = nx.read_graphml(tmp_path / "g.graphml", force_multigraph=True)
    assert back.edges["a", "n", "k1"]["evidence"] == "Y134;Y158"
    write_graph(g, tmp_path / "g.gexf", "gexf")
    text = (tmp_path / "g.gexf").read_text(encoding="utf-8")
    assert 'start="2010-03-01"' in text and 'end="2011-12-31"' in text  # first and last possible days
    files = write_graph(g, tmp_path / "csv", "csv")
    assert [f.name for f in files] == ["nodes.csv", "edges.csv"]
    assert (tmp_path / "csv" / "edges.csv").read_text(encoding="utf-8").splitlines() == [
        "source,target,type,key,end,evidence,start",
        "a,n,SUPPORTS,k1,2011,Y134;Y158,2010-03",
    ]
    with pytest.raises(GraphmodelError, match="unknown export format"):
        write_graph(g, tmp_path / "x", "dot")


def _csv_by_dicts(graph: nx.MultiDiGraph) -> tuple[list[list[str]], list[list[str]]]:
    """CSV rows written the plain way (one flattened dict per row, then each cell looked up): the reference."""
    from graphmodel.export_files import flat
    from graphmodel.output import spreadsheet_safe

    def safe(values: list[object]) -> list[str]:
        cells = [spreadsheet_safe(v) if isinstance(v, str) else v for v in values]
        return ["" if c is None else str(c) for c in cells]

    nodes = sorted(((str(n), flat(d)) for n, d in graph.nodes(data=True)), key=lambda r: r[0])
    node_cols = sorted({k for _, d in nodes for k in d} - {"label"})
    ties = sorted(((u, v, k, flat(d)) for u, v, k, d in graph.edges(keys=True, data=True)), key=lambda r: r[:3])
    edge_cols = sorted({k for *_, d in ties for k in d} - {"type", "_key"})
    return (
        [["id", "label", *node_cols]]
        + [safe([n, d.get("label", ""), *(d.get(c, "") for c in node_cols)]) for n, d in nodes],
        [["source", "target", "type", "key", *edge_cols]]
        + [safe([u, v, d.get("type", ""), k, *(d.get(c, "") for c in edge_cols)]) for u, v, k, d in ties],
    )


@pytest.mark.parametrize("chunk", [None, 1, 2, 3])
def test_csv_equals_plain_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int | None) -> None:
    """Rows of many shapes (lists, None, formulas in ids, names and lists, numbers) as the plain way writes them.

    ``chunk``: rows searched for formulas at once (so some groups hold none, others one or more).
    """
    if chunk is not None:
        import graphmodel.export_files as export_files

        monkeypatch.setattr(export_files, "_FORMULA_CHUNK", chunk)
    g = nx.MultiDiGraph()
    g.add_node("b", label="Agency", name="=HYPERLINK(1)", aliases=["x", "@y"], level=3, note=None)
    g.add_node("=a", label="NGO", name='Mountain, "Spring"', staff=-3, share=-2.5, active=True)
    g.add_node("c", label="Village", name="-x", only_none=None, tags=("t1", 2))
    g.add_node("d", name="no label", score=float("nan"))
    g.add_node("e", label="Agency", name=np.str_("=text of a str subclass"))
    g.add_edge("b", "=a", key="k2", type="SUPPORTS", evidence=["Y134", "+Y158"], round=1, end=None)
    g.add_edge("b", "=a", key="k1", type="APPROVES", start="2010-03", _key="k1", weight=-1)
    g.add_edge("c", "b", key="@k", type="MOBILIZES", on_behalf_of="=a", note="line\nbreak")
    g.add_edge("=a", "c", key="k3", evidence=[], type="WORKS_IN")
    write_graph(g, tmp_path / "csv", "csv")
    nodes, ties = _csv_by_dicts(g)
    for name, expected in (("nodes", nodes), ("edges", ties)):
        with (tmp_path / "csv" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
            assert list(csv.reader(fh)) == expected, name
    assert "'=text of a str subclass" in nodes[-1]  # node e, last by id
    assert "only_none" not in nodes[0] and "end" not in ties[0]  # a column that only ever holds None is left out
    assert nodes[1][:2] == ["'=a", "NGO"] and "'@y" not in str(nodes)  # escaped: the id; a list's later item stays


def test_cli_export(tmp_path: Path) -> None:
    target = f"embedded:{tmp_path / 'graph'}"
    runner = CliRunner()
    assert runner.invoke(app, ["load", str(SAMPLE), "--name", "paper", "--store", target]).exit_code == 0
    out = tmp_path / "sample.gexf"
    result = runner.invoke(
        app, ["export", "--format", "gexf", "--output", str(out), "--type", "SPONSORS", "--store", target]
    )
    assert result.exit_code == 0, result.output
    assert nx.read_gexf(out).number_of_edges() == 16
    bad = runner.invoke(app, ["export", "--format", "dot", "--output", str(out), "--store", target])
    assert bad.exit_code == 1
