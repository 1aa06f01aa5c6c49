"""HTML views: page data, legend, focused views, layout, groups, time, escaping, and the page in headless Chromium.

Browser tests need Debian's ``chromium`` and ``chromium-driver`` (installed by
``.ci/run``, with ``fonts-noto-cjk`` for Chinese names); without them they are skipped
locally and FAIL under ``CI=true``. Screenshots go to ``build/screenshots`` (not in git);
docs/views.md shows copies of ``sample``, ``county`` and ``national-aggregate``.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from bench.views import graph_of
from graphmodel.api import load_package
from graphmodel.export import tie_active
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.stores.base import Store
from graphmodel.synth import scaled, write_package
from graphmodel.temporal import effective_ends, in_force
from graphmodel.views import (
    ViewError,
    access,
    admin_layout,
    broker,
    build_page,
    ego,
    group_actors,
    only_stated,
    read_graph,
    tie_length_ratio,
    tie_years,
    write_page,
)
from graphmodel.views.synthetic import synthetic_graph

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"

# Hand-derived from the sample's CSV files (graphmodel/sample/paper):
# nodes: 86 agencies + 22 NGOs + 41 villages + 12 schools + 13 funders + 3 companies + 1 public
#        + 49 interviews + 11 motivations = 238;
# ties: 422 rows of ties.csv + 47 interviews with an organization (WITH) + 51 rows of codes.csv (MENTIONS) = 520.
SAMPLE_NODES, SAMPLE_TIES = 238, 520
# Ties touching an Interview node: 47 WITH + 51 MENTIONS = 98.
INTERVIEW_TIES = 98
# Round 2: 53 rows of ties.csv with round 2 + 8 interviews of round 2 with an organization (WITH ties).
ROUND2_TIES = 61

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="alert(1)',
    "</script><script>alert(1)</script>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click</a><img src=x onerror=alert(2)>',
]


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def page_json(page: str) -> dict[str, Any]:
    """The page's drawing data, with its node columns turned back into one dict per node."""
    match = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page, re.DOTALL)
    assert match, "the page has no data block"
    data = json.loads(match.group(1))
    cols, hl = data["nodes"], set(data["nodes"]["hl"])
    nodes = []
    for i, node in enumerate(cols["ids"]):
        item: dict[str, Any] = {"id": node, "label": cols["names"][i], "rounds": cols["rounds"][i]}
        for key in ("x", "y", "values"):
            if key in cols and cols[key][i] is not None:
                item[key.removesuffix("s")] = cols[key][i]
        item.update({"hl": 1} if i in hl else {}, **({"centre": 1} if cols["centre"] == i else {}))
        nodes.append(item)
    ties = data["edges"]
    edges = [{"from": cols["ids"][u], "to": cols["ids"][v]} for u, v in zip(ties["from"], ties["to"], strict=True)]
    return {**data, "nodes": nodes, "edges": edges}


@pytest.fixture
def sample_graph(embedded: Any) -> nx.MultiDiGraph:
    load_package(embedded, sample_path(), name="paper")
    return read_graph(embedded)


def payload_graph() -> nx.MultiDiGraph:
    """Every payload as a node id, a name, a Chinese name and a property; and on ties."""
    g = nx.MultiDiGraph()
    g.add_node("ngo-safe", label="NGO", name="Safe NGO", name_zh="安全公益", registration="ngo")
    for i, text in enumerate(PAYLOADS):
        g.add_node(text, label="Agency", name=text, name_zh=text, system=text, level="county", county=text)
        g.add_edge(text, "ngo-safe", type="SUPPORTS", kind="venue", round=1, note=text, evidence=[text])
        g.add_node(f"vil-{i}", label="Village", name=f"Village {i}", township=text)
        g.add_edge("ngo-safe", f"vil-{i}", type="WORKS_IN", round=2, note=text)
    return g


# --- the page as text -------------------------------------------------------------------------


def test_page_data_matches_the_sample(sample_graph: nx.MultiDiGraph) -> None:
    assert (sample_graph.number_of_nodes(), sample_graph.number_of_edges()) == (SAMPLE_NODES, SAMPLE_TIES)
    data = page_json(build_page(sample_graph))
    assert len(data["nodes"]) == SAMPLE_NODES
    assert len(data["edges"]) == SAMPLE_TIES
    assert len({n["id"] for n in data["nodes"]}) == SAMPLE_NODES


def test_legend_lists_every_label_and_type_of_the_schema(sample_graph: nx.MultiDiGraph) -> None:
    schema = load_schema()
    found = tags(build_page(sample_graph))
    labels = [a["data-name"] for t, a in found if t == "li" and "legend-label" in (a.get("class") or "")]
    types = [a["data-name"] for t, a in found if t == "li" and "legend-type" in (a.get("class") or "")]
    assert labels == list(schema.data_labels)
    assert types == list(schema.relationships)
    assert "Package" not in labels  # a system label, never drawn


def test_page_loads_nothing_from_anywhere(sample_graph: nx.MultiDiGraph) -> None:
    page = build_page(sample_graph)
    for tag, attrs in tags(page):
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
    assert "<link" not in page
    csp = next(a["content"] for t, a in tags(page) if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert csp and "default-src 'none'" in csp and "connect-src" not in csp


def test_write_page_writes_only_the_given_file(sample_graph: nx.MultiDiGraph, tmp_path: Path, monkeypatch) -> None:
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    out.mkdir()
    monkeypatch.chdir(cwd)
    write_page(build_page(sample_graph), out / "view.html")
    assert [p.name for p in out.iterdir()] == ["view.html"]
    assert list(cwd.iterdir()) == []  # pyvis would have made lib/ here
    with pytest.raises(ViewError, match="does not exist"):
        write_page("x", tmp_path / "missing" / "view.html")


def test_access_view_of_ngo_y01(sample_graph: nx.MultiDiGraph) -> None:
    view = access(sample_graph, "ngo-y01")
    # From ties.csv: MOBILIZES on behalf of ngo-y01 pass through these five bodies...
    departments = {
        "ag-yn-wf-county-songping",
        "ag-yn-wf-twp-baiyan",
        "ag-yn-gov-twp-baiyan",
        "ag-yn-vc-dashuijing",
        "ag-yn-vc-xiaohe",
    }
    assert view.highlight_nodes == departments
    # ...and reach Dashuijing and Xiaohe; WORKS_IN adds Zhujiaying and Yangjiazhai.
    villages = {n for n, lb in view.graph.nodes(data="label") if lb == "Village"}
    assert villages == {"vil-yn-dashuijing", "vil-yn-xiaohe", "vil-yn-zhujiaying", "vil-yn-yangjiazhai"}
    # 7 MOBILIZES (one, in round 2, joins no chain: docs/sample.md) + 4 WORKS_IN + ties between
    # ngo-y01 and those bodies (2 COOPERATES_WITH Songping WF, 1 COOPERATES_WITH and 1 SUPPORTS
    # Baiyan government, 1 SUPPORTS Songping WF) = 16, and its one trust source that is not on a chain:
    # the Yunlu prefecture Party committee's affiliation displayed in its office (VOUCHES_FOR, 2018) = 17.
    assert view.graph.number_of_edges() == 17
    assert len(view.highlight_edges) == 7
    # Trust sources: that affiliation, and the two chains' last ties (to Dashuijing and Xiaohe in round 1).
    assert {(u, v, d["trust_source"]) for u, v, d in view.graph.edges(data=True) if "trust_source" in d} == {
        ("ag-yn-cpc-pref-yunlu", "ngo-y01", "displayed_affiliation"),
        ("ag-yn-vc-dashuijing", "vil-yn-dashuijing", "mobilisation"),
        ("ag-yn-vc-xiaohe", "vil-yn-xiaohe", "mobilisation"),
    }
    data = page_json(build_page(view))
    assert sum(1 for n in data["nodes"] if n.get("hl")) == 5
    assert [n["id"] for n in data["nodes"] if n.get("centre")] == ["ngo-y01"]


def test_ego_and_broker_views(sample_graph: nx.MultiDiGraph) -> None:
    assert set(ego(sample_graph, "ngo-y01").graph.nodes) == {"ngo-y01", *nx.all_neighbors(sample_graph, "ngo-y01")}
    view = broker(sample_graph, "ag-yn-wf-twp-baiyan")
    # Baiyan township WF mobilises two village committees, which mobilise their villages, for ngo-y01,
    # and is itself mobilised by Songping county WF.
    assert {"ngo-y01", "ag-yn-vc-dashuijing", "vil-yn-dashuijing", "vil-yn-xiaohe", "ag-yn-wf-county-songping"} <= set(
        view.graph.nodes
    )
    with pytest.raises(ViewError, match="labelled NGO, not Agency"):
        broker(sample_graph, "ngo-y01")
    with pytest.raises(ViewError, match="no node with id"):
        access(sample_graph, "ngo-none")


def test_size_by_needs_a_property_some_node_has(sample_graph: nx.MultiDiGraph) -> None:
    with pytest.raises(ViewError, match="no metric_"):
        build_page(sample_graph, size_by="metric_degree")
    for node, degree in sample_graph.degree():
        sample_graph.nodes[node]["metric_degree"] = degree
    data = page_json(build_page(sample_graph, size_by="metric_degree"))
    assert {n["id"]: n["value"] for n in data["nodes"]}["ngo-y01"] == sample_graph.degree("ngo-y01")


def test_payloads_never_reach_the_markup() -> None:
    page = build_page(payload_graph(), title=PAYLOADS[-1] + PAYLOADS[0])
    found = tags(page)
    assert [t for t, _ in found if t in ("img", "a")] == []
    assert sum(1 for t, _ in found if t == "script") == 4  # drawing data, tooltip data, vis-network, the view's own
    assert all(not k.startswith("on") for _, attrs in found for k in attrs)
    data = page_json(page)  # and the payloads survive intact as data
    assert set(PAYLOADS) <= {n["id"] for n in data["nodes"]}


def test_large_graph_gets_positions_and_no_physics() -> None:
    data = page_json(build_page(synthetic_graph(2_000)))
    assert data["physics"] is False and data["overview"] is False  # 2,000 is OVERVIEW_LIMIT itself
    assert all("x" in n and "y" in n for n in data["nodes"])
    assert page_json(build_page(synthetic_graph(2_001)))["overview"] is True


def package_graph(tmp_path: Path, **fanouts: int) -> nx.MultiDiGraph:
    """A synthetic fieldwork package (national preset's fan-outs, one prefecture per province) as a graph."""
    folder = tmp_path / "pkg"
    write_package(folder, scaled("national", prefectures=1, **fanouts), seed=0)
    return graph_of(folder)


@pytest.mark.parametrize("nodes", [2_000, 20_000])
def test_admin_layout_draws_ties_short(nodes: int) -> None:
    graph = synthetic_graph(nodes)
    positions = admin_layout(graph)
    assert set(positions) == set(graph.nodes)
    ratio = tie_length_ratio(graph, positions)
    assert ratio <= 0.35, ratio
    # The same positions dealt out at random: the ratio the measure gives when a layout shows nothing.
    shuffled = dict(zip(positions, random.Random(1).sample(list(positions.values()), len(positions)), strict=True))
    assert tie_length_ratio(graph, shuffled) > 0.8
    assert len(set(positions.values())) == len(positions)  # no two actors on one spot


def test_admin_layout_puts_each_township_together(tmp_path: Path) -> None:
    graph = package_graph(tmp_path, provinces=2, counties=2)
    positions = admin_layout(graph)
    by_township: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        if data["label"] == "Village":
            by_township[data["county"], data["township"]].append(positions[node])
    centres = {t: (sum(x for x, _ in p) / len(p), sum(y for _, y in p) / len(p)) for t, p in by_township.items()}
    for township, points in by_township.items():  # every village is nearer its own township's centre than any other
        for point in points:
            nearest = min(centres, key=lambda t: math.dist(centres[t], point))
            assert nearest == township


def test_groups_hold_every_actor_once(tmp_path: Path) -> None:
    graph = package_graph(tmp_path, provinces=3, counties=2)
    groups = group_actors(graph, admin_layout(graph))
    assert len(groups.node_group) == graph.number_of_nodes()
    top = [g for g, parent in enumerate(groups.parents) if parent == -1]
    assert sum(groups.sizes[g] for g in top) == graph.number_of_nodes()
    for g, size in enumerate(groups.sizes):  # a group's size: its own members and those of the groups inside it
        own = sum(1 for h in groups.node_group if h == g)
        assert size == own + sum(groups.sizes[c] for c, parent in enumerate(groups.parents) if parent == g)
    villages = [n for n, d in graph.nodes(data=True) if d["label"] == "Village"]
    first = graph.nodes[villages[0]]
    name = groups.names[groups.node_group[list(graph.nodes).index(villages[0])]]
    assert name == f"Village · {first['county']}"
    provinces = {d.get("province") for _, d in graph.nodes(data=True) if d["label"] == "Village"}
    assert len([g for g in top if groups.names[g].startswith("Village · ")]) == len(provinces) == 3


def test_tie_years_follow_the_queries_rule(sample_graph: nx.MultiDiGraph) -> None:
    years = range(1995, 2025)
    dated = 0
    for _, _, data in sample_graph.edges(data=True):
        start, end = data.get("start"), data.get("end")
        dated += bool(start or end)
        span = tie_years(start, end, years)
        for year in years:
            shown = span is not None and span[0] <= year <= span[1]
            assert shown == tie_active(start, end, str(year)), (start, end, year)
    # the page applies the rule to each tie's effective end (temporal.effective_ends), as as_of does
    ends = effective_ends(sample_graph)
    for year in (2011, 2015, 2019):
        shown = {
            (u, v, k)
            for u, v, k, d in sample_graph.edges(keys=True, data=True)
            if (span := tie_years(d.get("start"), ends[(u, v, k)], years)) and span[0] <= year <= span[1]
        }
        assert shown == in_force(sample_graph, str(year)), year
    with_dates = sum(1 for *_, d in sample_graph.edges(data=True) if d.get("type") == "WITH")
    assert dated > with_dates > 0  # every WITH tie is dated (the interview date), and many others are


def test_basis_filter_only_when_rows_have_a_basis(sample_graph: nx.MultiDiGraph) -> None:
    bare = sample_graph.copy()  # the sample says its basis on every row: strip it to see the filter go
    for _, data in bare.nodes(data=True):
        data.pop("basis", None)
    for *_, data in bare.edges(data=True):
        data.pop("basis", None)
    assert 'id="stated-only"' not in build_page(bare)
    marked = _marked(sample_graph)
    page = build_page(marked)
    assert 'id="stated-only"' in page
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', page, re.DOTALL).group(1))  # type: ignore[union-attr]
    nodes = list(marked.nodes)
    # ngo-y01 and ngo-y02 are both illustrative; a stated tie keeps ngo-y02 as its stand-in.
    assert data["nodes"]["illus"] == [nodes.index("ngo-y01")]
    hidden = [i for i, (*_, d) in enumerate(marked.edges(data=True)) if d["basis"] == "illustrative"]
    assert data["edges"]["illus"] == hidden and 0 < len(hidden) < SAMPLE_TIES
    kept = only_stated(marked)  # the same rule, applied before drawing (graphmodel view --stated-only)
    assert set(kept.nodes) == set(marked.nodes) - {"ngo-y01"}
    assert kept.number_of_edges() == SAMPLE_TIES - len(hidden)


def _marked(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The sample with every row stated but ngo-y01, ngo-y02, every tie of ngo-y01 and every tenth tie."""
    marked = graph.copy()
    nx.set_node_attributes(marked, "stated", "basis")
    marked.nodes["ngo-y01"]["basis"] = marked.nodes["ngo-y02"]["basis"] = "illustrative"
    for i, (u, v, data) in enumerate(marked.edges(data=True)):
        data["basis"] = "illustrative" if i % 10 == 0 or "ngo-y01" in (u, v) else "stated"
    assert any(d["basis"] == "stated" for *_, d in marked.edges("ngo-y02", data=True))
    return marked


# --- the page in headless Chromium ------------------------------------------------------------


class Browser:
    """A headless Chromium that records alerts, console errors and network requests."""

    def __init__(self) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.profile = tempfile.mkdtemp(prefix="gm-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = str(CHROMIUM)
        for arg in (
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,900",
            f"--user-data-dir={self.profile}",
        ):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
        # Runs before any script of every page: count dialogs instead of showing them.
        self.driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": "window.__dialogs = [];"
                "['alert', 'confirm', 'prompt'].forEach(function (f) {"
                " window[f] = function (m) { window.__dialogs.push(f + ':' + m); }; });"
            },
        )

    def open(self, path: Path, timeout: float = 120) -> None:
        self.driver.get_log("browser")
        self.driver.get_log("performance")
        self.driver.get(path.as_uri())
        start = time.monotonic()
        while not self.js("return !!(window.graphmodelView && window.graphmodelView.ready)"):
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{path.name} not drawn after {timeout}s; console: {self.console()}")
            time.sleep(0.1)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def console(self) -> list[str]:
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]

    def requests(self) -> list[str]:
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message["method"] == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def close(self) -> None:
        self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = "needs /usr/bin/chromium and /usr/bin/chromedriver (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(f"headless Chromium is required under CI=true: {reason}", pytrace=False)
        pytest.skip(reason)
    pytest.importorskip("selenium", reason="needs selenium (pip install '.[test]')")
    b = Browser()
    yield b
    b.close()


def injected(browser: Browser) -> dict[str, Any]:
    """What a successful injection would leave behind."""
    return browser.js(
        "return {dialogs: window.__dialogs,"
        " imgs: document.querySelectorAll('img').length,"
        " anchors: document.querySelectorAll('a').length,"
        " scripts: document.querySelectorAll('script').length,"
        " handlers: Array.prototype.filter.call(document.querySelectorAll('*'), function (e) {"
        "   return Array.prototype.some.call(e.attributes, function (a) { return a.name.indexOf('on') === 0; });"
        " }).length};"
    )


def test_sample_page_in_chromium(browser: Browser, sample_graph: nx.MultiDiGraph, tmp_path: Path) -> None:
    path = write_page(build_page(sample_graph, title="The paper's sample 论文样本"), tmp_path / "sample.html")
    browser.open(path)
    browser.screenshot("sample")
    assert browser.console() == []
    assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []
    counts = browser.js("var v = window.graphmodelView; return [v.nodes.length, v.edges.length, v.nodeView.length]")
    assert counts == [SAMPLE_NODES, SAMPLE_TIES, SAMPLE_NODES]
    legend = browser.js(
        "return Array.prototype.map.call(document.querySelectorAll('#legend-labels li'), function (li) {"
        " return li.offsetParent !== null ? li.getAttribute('data-name') : null; })"
    )
    assert legend == list(load_schema().data_labels)
    # Filters: hide interviews (and so their ties), then show round 2 only.
    browser.js("document.querySelector('li[data-name=Interview] input').click()")
    assert browser.js("return graphmodelView.edgeView.length") == SAMPLE_TIES - INTERVIEW_TIES
    browser.js("document.querySelector('li[data-name=Interview] input').click()")
    browser.js("var s = document.getElementById('round'); s.value = '2'; s.dispatchEvent(new Event('change'))")
    assert browser.js("return graphmodelView.edgeView.length") == ROUND2_TIES
    browser.js("var s = document.getElementById('round'); s.value = ''; s.dispatchEvent(new Event('change'))")
    assert browser.js("return graphmodelView.edgeView.length") == SAMPLE_TIES
    # Search by Chinese name: 大水井 is Dashuijing Village and Dashuijing Village Committee.
    assert sorted(browser.js("return graphmodelView.search('大水井')")) == ["ag-yn-vc-dashuijing", "vil-yn-dashuijing"]
    assert "大水井村" in browser.js("return graphmodelView.nodes.get('vil-yn-dashuijing').label")
    tip = browser.js("return graphmodelView.tooltip('ngo-y01').textContent")
    assert "Y134" in tip  # an interview behind the NGO
    # A tie's tooltip, built on demand: tie 0 is the first edge NetworkX lists.
    _, v, first = next(iter(sample_graph.edges(data=True)))
    tie_tip = browser.js("return graphmodelView.tooltip(0).textContent")
    assert f"{first['type']} → " in tie_tip and sample_graph.nodes[v].get("name", v) in tie_tip
    assert browser.js("return document.getElementById('heading').textContent") == "The paper's sample 论文样本"


def hover_every_node(browser: Browser) -> list[str]:
    """Move the mouse onto each node so vis-network shows its tooltip; return the tooltips' text."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.driver.find_element("css selector", "#network canvas")
    size = canvas.size
    texts = []
    for node in browser.js("return graphmodelView.nodes.getIds()"):
        x, y = browser.js(
            "var v = graphmodelView.network, p = v.canvasToDOM(v.getPosition(arguments[0])); return [p.x, p.y]",
            node,
        )
        ActionChains(browser.driver).move_to_element_with_offset(
            canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
        ).perform()
        time.sleep(0.4)
        texts.append(browser.js("var t = document.querySelector('div.vis-tooltip'); return t ? t.textContent : ''"))
    return texts


@pytest.mark.parametrize("csp", [True, False], ids=["with-csp", "escaping-alone"])
def test_payloads_do_not_execute_in_chromium(browser: Browser, tmp_path: Path, csp: bool) -> None:
    page = build_page(payload_graph(), title=PAYLOADS[-1] + PAYLOADS[0])
    if not csp:  # prove the escaping holds without the Content-Security-Policy's help
        page, removed = re.subn(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
        assert removed == 1
    path = write_page(page, tmp_path / "payloads.html")
    browser.open(path)
    tooltips = hover_every_node(browser)
    browser.screenshot(f"payloads-{'csp' if csp else 'nocsp'}")
    assert any("<img src=x onerror=alert(1)>" in t for t in tooltips), "tooltips did not show, or not as text"
    assert injected(browser) == {"dialogs": [], "imgs": 0, "anchors": 0, "scripts": 4, "handlers": 0}
    assert browser.js("return document.getElementById('heading').textContent") == PAYLOADS[-1] + PAYLOADS[0]
    assert browser.js("return graphmodelView.nodes.length") == len(PAYLOADS) * 2 + 1
    assert browser.console() == []


def test_the_injection_check_can_fail(browser: Browser, tmp_path: Path) -> None:
    """The same check on a page that does inject an element sees it (so a pass means something)."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><body><div id=x></div><script>"
        "document.getElementById('x').innerHTML = '<img src=x onerror=alert(1)>';"
        "window.graphmodelView = {ready: true};</script></body></html>",
        encoding="utf-8",
    )
    browser.open(bad)
    time.sleep(0.5)
    found = injected(browser)
    assert found["imgs"] == 1 and found["dialogs"] == ["alert:1"] and found["handlers"] == 1


def test_20000_node_page_opens_in_chromium(browser: Browser, tmp_path: Path) -> None:
    graph = synthetic_graph(20_000)
    path = write_page(build_page(graph, title="20,000 nodes", overview=False), tmp_path / "large.html")
    browser.open(path, timeout=240)
    browser.screenshot("synthetic-20000")
    assert browser.console() == []
    assert browser.js("return [graphmodelView.nodes.length, graphmodelView.edges.length]") == [
        20_000,
        graph.number_of_edges(),
    ]
    assert browser.js("return graphmodelView.network.physics.options.enabled") is False
    # 21,450 ties > TIE_LIMIT: the page paints them on the canvas at first paint; vis-network gets them on zoom.
    assert browser.js("return [graphmodelView.tiesPainted(), graphmodelView.network.body.edgeIndices.length]") == [
        True,
        0,
    ]
    assert "zoom in to point at a tie" in browser.js("return document.getElementById('status').textContent")
    browser.js("graphmodelView.network.moveTo({scale: 0.5}); graphmodelView.checkTies()")
    assert browser.js("return [graphmodelView.tiesDrawn(), graphmodelView.network.body.edgeIndices.length]") == [
        True,
        graph.number_of_edges(),
    ]
    assert browser.console() == []
    assert browser.js("return graphmodelView.search('第1234村')") == ["vil-1234"]


def test_county_page_in_chromium(browser: Browser, tmp_path: Path) -> None:
    graph = package_graph(tmp_path, provinces=1, counties=1)
    title = "One county, administrative frame 一个县"
    path = write_page(build_page(graph, title=title, physics=False), tmp_path / "county.html")
    browser.open(path)
    browser.screenshot("county")
    assert browser.console() == []
    drawn = browser.js("return [graphmodelView.nodeView.length, graphmodelView.network.body.edgeIndices.length]")
    assert drawn == [graph.number_of_nodes(), graph.number_of_edges()]  # every tie drawn at first paint


def top_bundles(graph: nx.MultiDiGraph) -> dict[tuple[int, int], int]:
    """Ties between top groups as the overview should first draw them: ``{(from, to): count}`` in vis ids."""
    groups = group_actors(graph, admin_layout(graph))
    top = []
    for g in groups.node_group:
        while groups.parents[g] >= 0:
            g = groups.parents[g]
        top.append(-1 - g)
    number = {node: i for i, node in enumerate(graph.nodes)}
    out: dict[tuple[int, int], int] = defaultdict(int)
    for u, v in graph.edges():
        a, b = top[number[u]], top[number[v]]
        if a != b:
            out[a, b] += 1
    return dict(out)


def click_node(browser: Browser, node: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.driver.find_element("css selector", "#network canvas")
    x, y = browser.js(
        "var v = graphmodelView.network, p = v.canvasToDOM(v.getPosition(arguments[0])); return [p.x, p.y]", node
    )
    size = canvas.size
    ActionChains(browser.driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()


def test_overview_drill_down_and_slider_in_chromium(browser: Browser, tmp_path: Path) -> None:
    graph = package_graph(tmp_path, provinces=31, counties=1)
    assert graph.number_of_nodes() > 10_000
    path = write_page(build_page(graph, title="National aggregate 全国概览"), tmp_path / "national.html")
    browser.open(path)
    browser.screenshot("national-aggregate")
    assert browser.console() == []
    assert browser.js("return graphmodelView.mode") == "overview"
    # At first paint: the top groups, with every tie between two of them in a counted bundle.
    drawn = browser.js("return graphmodelView.bundles()")
    assert {(a, b): n for a, b, n in drawn} == top_bundles(graph)
    assert browser.js("return graphmodelView.network.body.edgeIndices.length") == len(drawn) > 0
    inside = sum(browser.js("return graphmodelView.inside()"))
    assert (
        sum(n for *_, n in drawn) + inside == browser.js("return graphmodelView.shownTies()") == graph.number_of_edges()
    )
    # 31 provinces: one group each at first. Drill down: a click on a province opens its kinds; opening the
    # villages of one county (and so the groups it is in) shows them.
    first = next(n for n, d in graph.nodes(data=True) if d["label"] == "Village")
    province, county = graph.nodes[first]["province"], graph.nodes[first]["county"]
    top = browser.js("return graphmodelView.groupNamed(arguments[0])", province)
    places = {d.get("province") or "" for _, d in graph.nodes(data=True)}  # "": funders, motivation codes
    assert len(places) == 32 and len(browser.js("return graphmodelView.nodes.getIds()")) == len(places)
    click_node(browser, -1 - top)
    kind = browser.js("return graphmodelView.groupNamed(arguments[0])", f"Village · {province}")
    assert browser.js("return graphmodelView.nodes.get(arguments[0]) !== null", -1 - kind)
    assert browser.js("return graphmodelView.nodes.get(arguments[0])", -1 - top) is None
    sub = browser.js("return graphmodelView.groupNamed(arguments[0])", f"Village · {county}")
    browser.js("graphmodelView.openGroup(arguments[0])", sub)
    villages = {n for n, d in graph.nodes(data=True) if d["label"] == "Village" and d.get("county") == county}
    ids = browser.js("return graphmodelView.nodes.getIds().filter(function (i) { return i >= 0; })")
    assert {list(graph.nodes)[i] for i in ids} == villages
    browser.screenshot("national-drill-down")
    # Search opens the group of what it finds.
    village = next(n for n, d in graph.nodes(data=True) if d["label"] == "Village" and d["province"] != province)
    zh = graph.nodes[village]["name_zh"]
    hits = browser.js("return graphmodelView.search(arguments[0])", zh)
    assert village in hits
    assert browser.js("return graphmodelView.nodes.get(arguments[0]) !== null", list(graph.nodes).index(village))
    # The time slider: the ties of one year, bundled as the queries' as-of rule says.
    browser.js("document.getElementById('collapse').click()")
    browser.js("graphmodelView.setYear(2015)")
    active = len(in_force(graph, "2015"))  # the queries' rule (graphmodel.temporal)
    assert 0 < active < graph.number_of_edges()
    assert browser.js("return graphmodelView.shownTies()") == active
    assert (
        sum(n for *_, n in browser.js("return graphmodelView.bundles()"))
        + sum(browser.js("return graphmodelView.inside()"))
        == active
    )
    assert browser.console() == []


def test_time_slider_and_basis_filter_in_chromium(
    browser: Browser, sample_graph: nx.MultiDiGraph, tmp_path: Path
) -> None:
    marked = _marked(sample_graph)
    path = write_page(build_page(marked), tmp_path / "sample-time.html")
    browser.open(path)

    def shown() -> int:
        return browser.js("return graphmodelView.edgeView.length")

    def active(year: int) -> int:
        return len(in_force(marked, str(year)))  # the queries' rule (graphmodel.temporal)

    # Move the slider as a reader would: untick "all years", drag to 2010.
    browser.js("document.getElementById('all-years').click()")
    browser.js("var r = document.getElementById('year'); r.value = '2010'; r.dispatchEvent(new Event('input'))")
    assert shown() == active(2010) < SAMPLE_TIES
    assert browser.js("return document.getElementById('year-label').textContent") == "2010 (fieldwork round 1)"
    browser.js("graphmodelView.setYear(2003)")
    assert shown() == active(2003) < active(2010)
    # Play moves on by itself, a year at a time.
    browser.js("document.getElementById('play').click()")
    time.sleep(2.5)
    browser.js("document.getElementById('play').click()")  # pause
    year = int(browser.js("return document.getElementById('year').value"))
    assert 2004 < year < 2010 and shown() == active(year)
    browser.js("document.getElementById('all-years').click()")
    assert shown() == SAMPLE_TIES
    # Stated rows only: hides the illustrative ties and the illustrative NGO no stated tie needs, with its ties.
    browser.js("document.getElementById('stated-only').click()")
    keep = [d for u, v, d in marked.edges(data=True) if d["basis"] == "stated" and "ngo-y01" not in (u, v)]
    assert shown() == len(keep)
    assert browser.js("return graphmodelView.nodeView.length") == SAMPLE_NODES - 1
    assert browser.console() == []


def test_view_command_writes_the_access_view(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    runner, store = CliRunner(), f"embedded:{tmp_path / 'graph'}"
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "--store", store]).exit_code == 0
    out = tmp_path / "y01.html"
    result = runner.invoke(app, ["view", str(out), "--store", store, "--ngo", "ngo-y01", "--focus", "access"])
    assert result.exit_code == 0, result.output
    data = page_json(out.read_text(encoding="utf-8"))
    assert (len(data["nodes"]), len(data["edges"])) == (11, 17)  # as in test_access_view_of_ngo_y01
    result = runner.invoke(app, ["view", str(tmp_path / "x.html"), "--store", store, "--agency", "ngo-y01"])
    assert result.exit_code == 1 and "labelled NGO, not Agency" in result.output
    result = runner.invoke(app, ["view", str(tmp_path / "o.html"), "--store", store, "--overview"])
    assert result.exit_code == 0, result.output
    data = page_json((tmp_path / "o.html").read_text(encoding="utf-8"))
    assert data["overview"] is True and data["physics"] is False  # 238 actors, grouped because asked
    assert (
        sum(size for size, parent in zip(data["groups"]["sizes"], data["groups"]["parents"], strict=True) if parent < 0)
        == SAMPLE_NODES
    )
    result = runner.invoke(app, ["view", str(tmp_path / "y.html"), "--store", store, "--ngo", "ngo-y01", "--overview"])
    assert result.exit_code == 1 and "not to a focused view" in result.output


# --- trust in the views ------------------------------------------------------------------------


def test_access_view_shows_where_trust_came_from(store: Store) -> None:
    """ngo-y04 (Y131): the rumour episode at Hongtupo, the township's vouching, the acceptance after it."""
    load_package(store, sample_path(), name="paper")
    view = access(read_graph(store), "ngo-y04")
    ties = {(u, d["type"], v, d.get("kind"), d.get("start")): d for u, v, d in view.graph.edges(data=True)}
    vouched = ties[("ag-yn-gov-twp-liangzi", "VOUCHES_FOR", "ngo-y04", "investigated_and_vouched", "2009-03")]
    assert vouched["trust_source"] == "investigated_and_vouched"
    # a township government is local government in Table 4: 80.3% trusted it in 2011, 68.7% in 2015
    assert (vouched["survey_institution"], vouched["survey_trust"]) == ("local government", "2011: 80.3%, 2015: 68.7%")
    distrust = {(k, d.get("end")) for (u, t, _, k, _), d in ties.items() if u == "vil-yn-hongtupo" and t == "DISTRUSTS"}
    assert distrust == {("rumour", "2009-03"), ("refusal", "2009-03"), ("reporting", "2009-03")}
    assert ("vil-yn-hongtupo", "ACCEPTS", "ngo-y04", "participation", "2009-05") in ties  # after the vouching
    # the township police's approval that opened Hongtupo again (illustrative) is a source too, as police
    approval = ties[("ag-yn-psb-twp-liangzi", "APPROVES", "ngo-y04", None, "2009-03")]
    assert (approval["trust_source"], approval["survey_institution"]) == ("approval", "police")
    # Bajiao's illustrative refusal and participation are there, and go with --stated-only's rule
    assert ("vil-yn-bajiao", "ACCEPTS", "ngo-y04", "participation", "2009-05") in ties
    stated = access(only_stated(read_graph(store)), "ngo-y04")
    assert {u for u, v, t in stated.graph.edges(data="type") if t in ("ACCEPTS", "DISTRUSTS")} == {"vil-yn-hongtupo"}
    # drawn in the schema's styles: stances by kind, trust sources as wide as VOUCHES_FOR
    data = raw_data(build_page(view))
    schema = load_schema()
    edges = list(view.graph.edges(keys=True, data=True))
    for j, (u, v, k, d) in enumerate(edges):
        drawn = data["variants"][data["edges"]["variant"][j]] if data["edges"]["variant"][j] >= 0 else None
        style = schema.relationships[d["type"]].style_for(d)
        if (u, v, k) in view.trust_edges:
            assert drawn is not None and drawn["width"] == max(style.get("width", 1), 3)
        elif d["type"] in ("ACCEPTS", "DISTRUSTS"):
            assert drawn == {"color": style["color"], "dashes": bool(style.get("dashes")), "width": style["width"]}
        else:
            assert drawn is None


def test_trust_ties_have_their_own_styles_and_legend(sample_graph: nx.MultiDiGraph) -> None:
    schema = load_schema()
    accepts = schema.relationships["ACCEPTS"]
    assert accepts.style_for({"kind": "formalistic_compliance"})["dashes"] is True
    assert not any(
        schema.relationships["DISTRUSTS"].style_for({"kind": k}).get("dashes") for k in ("rumour", "refusal")
    )
    assert {r.name: r.trust for r in schema.relationships.values() if r.trust} == {
        "DISTRUSTS": "stance",
        "ACCEPTS": "stance",
        "VOUCHES_FOR": "source",
    }
    found = tags(build_page(sample_graph))
    kinds = {a["data-name"]: a.get("class") for t, a in found if t == "li" and "legend-kind" in (a.get("class") or "")}
    assert set(kinds) == {
        *(f"DISTRUSTS:{k}" for k in ("suspicion", "rumour", "refusal", "reporting")),
        *(f"ACCEPTS:{k}" for k in ("acceptance", "participation", "formalistic_compliance")),
    }
    # every kind occurs in the sample (Y132's school is its one formalistic compliance)
    assert all("empty" not in (c or "") for c in kinds.values())
    trust = {a["data-name"]: a["data-trust"] for t, a in found if t == "li" and a.get("data-trust")}
    assert trust == {"DISTRUSTS": "stance", "ACCEPTS": "stance", "VOUCHES_FOR": "source"}
    # the one formalistic compliance in the sample is drawn dashed; the pyvis network agrees
    data = raw_data(build_page(sample_graph))
    j = next(i for i, (*_, d) in enumerate(sample_graph.edges(data=True)) if d.get("kind") == "formalistic_compliance")
    assert data["variants"][data["edges"]["variant"][j]]["dashes"] is True
    from graphmodel.views.pyvis_network import to_pyvis

    net = to_pyvis(sample_graph)
    assert net.edges[j]["dashes"] is True and net.edges[j]["width"] == 2


def test_view_command_stated_only(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    runner, store = CliRunner(), f"embedded:{tmp_path / 'graph'}"
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "--store", store]).exit_code == 0
    for flags, holders in (([], {"vil-yn-hongtupo", "vil-yn-bajiao"}), (["--stated-only"], {"vil-yn-hongtupo"})):
        out = tmp_path / f"y04{len(flags)}.html"
        args = ["view", str(out), "--store", store, "--ngo", "ngo-y04", "--focus", "access", *flags]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        data = raw_data(out.read_text(encoding="utf-8"))
        ids, types = data["nodes"]["ids"], [t["name"] for t in data["types"]]
        ties = zip(data["edges"]["from"], data["edges"]["types"], strict=True)
        stances = {ids[u] for u, t in ties if types[t] in ("ACCEPTS", "DISTRUSTS")}
        assert stances == holders


def raw_data(page: str) -> dict[str, Any]:
    """The page's drawing data as the page's script reads it (columns)."""
    match = re.search(r'id="graph-data">(.*?)</script>', page, re.DOTALL)
    assert match
    return json.loads(match.group(1))  # type: ignore[no-any-return]


def test_search_finds_a_node_by_any_alias_in_chromium(browser: Browser, tmp_path: Path) -> None:
    """A node that resolution merged other ids into (its ``aliases``) is found by each of them."""
    graph = nx.MultiDiGraph()
    graph.add_node("ag-x", label="Agency", name="Lu County Women's Federation", aliases=["ag-y", "fn-fulian"])
    graph.add_node("ag-edu", label="Agency", name="Lu County Education Bureau", name_zh="鹿县教育局")
    graph.add_node("ngo-a", label="NGO", name="Green Hills")
    graph.add_edge("ag-x", "ngo-a", type="SUPPORTS", round=1)
    page = build_page(graph, title="aliases")
    data = json.loads(re.search(r'id="graph-data">(.*?)</script>', page, re.DOTALL).group(1))  # type: ignore[union-attr]
    assert data["nodes"]["aliases"] == {"0": "ag-y\nfn-fulian"}  # only the nodes that have some
    browser.open(write_page(page, tmp_path / "aliases.html"))
    assert browser.js("return graphmodelView.search('ag-y')") == ["ag-x"]
    assert browser.js("return document.getElementById('search-result').textContent").startswith("1 match")
    assert browser.js("return graphmodelView.search('FN-FULIAN')") == ["ag-x"]  # case does not matter
    assert browser.js("return graphmodelView.search('ag-')") == ["ag-x", "ag-edu"]  # ids and aliases alike
    assert browser.js("return graphmodelView.search('鹿县教育')") == ["ag-edu"]
    assert browser.js("return graphmodelView.search('ag-z')") == []
    assert browser.console() == []
