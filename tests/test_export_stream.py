"""Streamed export (store → file, no NetworkX graph) against NetworkX's own writers, on both stores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import networkx as nx
import pytest
import xmlschema

from graphmodel.api import load_package
from graphmodel.export import export_store, to_networkx, write_graph
from graphmodel.export_files import flat, node_for_files, tie_for_files
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store

XSD = Path(__file__).parent / "fixtures" / "gexf-1.3" / "gexf.xsd"
FILTERS: list[dict[str, Any]] = [
    {},
    {"fieldwork_round": 2},
    {"labels": ["NGO", "Agency"], "types": ["SPONSORS", "SUPPORTS", "COOPERATES_WITH"]},
]


@pytest.fixture
def loaded(store: Store) -> Store:
    load_package(store, sample_path(), name="paper")
    return store


def _networkx_file(graph: nx.MultiDiGraph, path: Path, fmt: str) -> Path:
    """The file NetworkX's own writer makes of the graph the export shows (the path before streaming)."""
    shown = nx.MultiDiGraph()
    shown.add_nodes_from((n, flat(node_for_files(n, d))) for n, d in graph.nodes(data=True))
    for u, v, k, d in graph.edges(keys=True, data=True):
        shown.add_edge(u, v, key=k, **flat(tie_for_files(d, gexf=fmt == "gexf")))
    if fmt == "graphml":
        nx.write_graphml(shown, path)
    else:
        nx.write_gexf(shown, path, version="1.3")
    return path


def _read(path: Path, fmt: str) -> tuple[list[Any], list[Any]]:
    if fmt == "graphml":
        g = nx.read_graphml(path, force_multigraph=True)
        edges = sorted((u, v, k, sorted(d.items())) for u, v, k, d in g.edges(keys=True, data=True))
    else:
        g = nx.MultiDiGraph(nx.read_gexf(path))  # keyed by networkx_key when there are parallel ties
        edges = sorted((u, v, k, sorted((a, b) for a, b in d.items() if a != "id")) for u, v, k, d in g.edges(keys=True, data=True))  # fmt: skip
    nodes = sorted((n, sorted(d.items())) for n, d in g.nodes(data=True))
    return nodes, edges


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
@pytest.mark.parametrize("filters", FILTERS, ids=["all", "round2", "labels-types"])
def test_streamed_xml_equals_networkx_writers(loaded: Store, tmp_path: Path, fmt: str, filters: dict[str, Any]) -> None:
    streamed, n_nodes, n_ties = export_store(loaded, tmp_path / f"s.{fmt}", fmt, **filters)
    graph = to_networkx(loaded, **filters)
    assert (n_nodes, n_ties) == (graph.number_of_nodes(), graph.number_of_edges()) and n_ties > 0
    nodes, edges = _read(streamed[0], fmt)
    assert (nodes, edges) == _read(_networkx_file(graph, tmp_path / f"nx.{fmt}", fmt), fmt)
    assert len(edges) == n_ties and len({e[:3] for e in edges}) == n_ties
    if fmt == "gexf":
        xmlschema.XMLSchema(str(XSD)).validate(str(streamed[0]))


def test_streamed_csv_equals_graph_path(loaded: Store, tmp_path: Path) -> None:
    for filters in FILTERS:
        streamed, _, n_ties = export_store(loaded, tmp_path / "s", "csv", **filters)
        via_graph = write_graph(to_networkx(loaded, **filters), tmp_path / "g", "csv")
        assert [f.read_bytes() for f in streamed] == [f.read_bytes() for f in via_graph]
        assert len(streamed[1].read_text(encoding="utf-8").splitlines()) == n_ties + 1 > 1


def test_as_of_goes_through_the_graph(loaded: Store, tmp_path: Path) -> None:
    files, _, n_ties = export_store(loaded, tmp_path / "a.graphml", "graphml", as_of="2010-06")
    expected = to_networkx(loaded, as_of="2010-06").number_of_edges()
    back = nx.read_graphml(files[0], force_multigraph=True)
    assert back.number_of_edges() == n_ties == expected < to_networkx(loaded).number_of_edges()


def test_escaping_and_odd_values_survive(tmp_path: Path) -> None:
    nodes = [
        ("a&1", {"label": "Agency", "name": 'County "WF" <县妇联>', "weight": 1.5, "open": True, "gone": None}),
        ("n'2", {"label": "NGO", "name": "line\nbreak\tand tab", "size": float("nan"), "aliases": ["x", "绿"]}),
    ]
    ties = [("a&1", "n'2", "k<1>", {"type": "SUPPORTS", "start": "2010", "evidence": ["Y1", "Y2"], "ok": False})]
    for fmt in ("graphml", "gexf"):
        graph = nx.MultiDiGraph()
        graph.add_nodes_from(nodes)
        graph.add_edges_from(ties)
        ours = _read(write_graph(graph, tmp_path / f"o.{fmt}", fmt)[0], fmt)
        theirs = _read(_networkx_file(graph, tmp_path / f"t.{fmt}", fmt), fmt)
        assert repr(ours) == repr(theirs)  # repr: NaN is not equal to itself
    xmlschema.XMLSchema(str(XSD)).validate(str(tmp_path / "o.gexf"))
