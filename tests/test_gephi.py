"""Gephi-ready files: names as labels, the tie type kept, the timeline from dates and rounds, valid GEXF 1.3;
and the pyvis network for notebook users. On the paper sample, from both stores."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
import xmlschema

from graphmodel.api import load_package
from graphmodel.engine.validate import partial_date_bounds
from graphmodel.export import ROUND_SPANS, to_networkx, write_graph
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store
from graphmodel.views.pyvis_network import to_pyvis

#: The GEXF 1.3 schema (gexf.xsd with dynamics.xsd and viz.xsd, from the GEXF project, CC BY 4.0;
#: see its README there), kept with the tests only.
XSD_DIR = Path(__file__).parent / "fixtures" / "gexf-1.3"


@pytest.fixture
def graph(store: Store) -> nx.MultiDiGraph:
    load_package(store, sample_path(), name="paper")
    return to_networkx(store)


def test_gexf_reads_back_with_names_types_and_intervals(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_graph(graph, tmp_path / "g.gexf", "gexf")[0]
    back = nx.read_gexf(path)
    assert back.number_of_nodes() == graph.number_of_nodes()
    for node, data in graph.nodes(data=True):
        assert back.nodes[node]["label"] == (data.get("name") or node)
        assert back.nodes[node]["node_label"] == data["label"]
    # every tie's type survives (GEXF's own edge "type" only says directed or undirected)
    assert Counter(d["tie_type"] for *_, d in back.edges(data=True)) == Counter(
        d["type"] for *_, d in graph.edges(data=True)
    )
    assert {d.get("type", "directed") for *_, d in back.edges(data=True)} == {"directed"}
    text = path.read_text(encoding="utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text and 'version="1.3"' in text
    dated = undated = 0
    for *_, d in graph.edges(data=True):
        if d.get("start") or d.get("end"):
            dated += 1
        elif d.get("round") in ROUND_SPANS:
            undated += 1
    assert dated and undated  # the sample has both kinds
    spans = Counter((d.get("start"), d.get("end")) for *_, d in back.edges(data=True))
    for round_, (first, last) in ROUND_SPANS.items():
        expected = sum(
            1 for *_, d in graph.edges(data=True) if d.get("round") == round_ and not (d.get("start") or d.get("end"))
        )
        assert spans[(first, last)] >= expected
    some = next(d for *_, d in graph.edges(data=True) if d.get("start"))
    again = next(d for *_, d in back.edges(data=True) if d.get("tie_start") == str(some["start"]))
    assert again["start"] == partial_date_bounds(str(some["start"]))[0].isoformat()


def test_graphml_labels_are_names(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    back = nx.read_graphml(write_graph(graph, tmp_path / "g.graphml", "graphml")[0], force_multigraph=True)
    node, data = next((n, d) for n, d in graph.nodes(data=True) if d["label"] == "NGO")
    assert back.nodes[node]["label"] == data["name"] and back.nodes[node]["node_label"] == "NGO"
    assert {d["tie_type"] for *_, d in back.edges(data=True)} == {d["type"] for *_, d in graph.edges(data=True)}


def test_gexf_is_valid_against_the_gexf_13_schema(graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    graph.nodes[next(iter(graph.nodes))]["name"] = "<b>&amp; 绿色</b>"  # text that needs escaping
    path = write_graph(graph, tmp_path / "g.gexf", "gexf")[0]
    schema = xmlschema.XMLSchema(str(XSD_DIR / "gexf.xsd"))
    schema.validate(str(path))
    # the schema does catch what Gephi refuses: a tie type written into GEXF's reserved edge "type"
    text = path.read_text(encoding="utf-8")
    broken = tmp_path / "broken.gexf"
    broken.write_text(text.replace("<edge ", '<edge type="SUPPORTS" ', 1), encoding="utf-8")
    assert "<edge " in text and not schema.is_valid(str(broken))


def test_pyvis_network_is_built_whole_and_escaped(graph: nx.MultiDiGraph) -> None:
    hostile = next(iter(graph.nodes))
    graph.nodes[hostile]["name"] = '<img src=x onerror="alert(1)">'
    net = to_pyvis(graph)
    assert net.num_nodes() == graph.number_of_nodes() and net.num_edges() == graph.number_of_edges()
    shown = next(n for n in net.nodes if n["id"] == hostile)
    assert shown["label"].startswith("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;")
    assert "<img src=x" not in net.generate_html()
    assert {n["color"] for n in net.nodes} != {"#9e9e9e"}  # colours come from the schema's styles
