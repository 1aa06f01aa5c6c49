"""HTML views: page data, legend, focused views, escaping, and the page in headless Chromium.

Browser tests need Debian's ``chromium`` and ``chromium-driver`` (installed by
``.ci/run``); without them they are skipped locally and FAIL under ``CI=true``.
Screenshots go to ``build/screenshots`` (not in git).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

from graphmodel.api import load_package
from graphmodel.sample import sample_path
from graphmodel.schema import load_schema
from graphmodel.views import ViewError, access, broker, build_page, ego, read_graph, write_page
from graphmodel.views.synthetic import synthetic_graph

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "build" / "screenshots"

# Hand-derived from the sample's CSV files (graphmodel/sample/paper):
# nodes: 86 agencies + 22 NGOs + 41 villages + 12 schools + 13 funders + 3 companies
#        + 49 interviews + 11 motivations = 237;
# ties: 421 rows of ties.csv + 47 interviews with an organization (WITH) + 51 rows of codes.csv (MENTIONS) = 519.
SAMPLE_NODES, SAMPLE_TIES = 237, 519
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
    # Baiyan government, 1 SUPPORTS Songping WF) = 16.
    assert view.graph.number_of_edges() == 16
    assert len(view.highlight_edges) == 7
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
    assert data["physics"] is False
    assert all("x" in n and "y" in n for n in data["nodes"])


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
    path = write_page(build_page(graph, title="20,000 nodes"), tmp_path / "large.html")
    browser.open(path, timeout=240)
    browser.screenshot("synthetic-20000")
    assert browser.console() == []
    assert browser.js("return [graphmodelView.nodes.length, graphmodelView.edges.length]") == [
        20_000,
        graph.number_of_edges(),
    ]
    assert browser.js("return graphmodelView.network.physics.options.enabled") is False
    # 21,450 ties > TIE_LIMIT: the overview draws the actors only; zooming in brings every tie.
    assert browser.js("return [graphmodelView.tiesDrawn(), graphmodelView.network.body.edgeIndices.length]") == [
        False,
        0,
    ]
    assert "ties drawn when zoomed in" in browser.js("return document.getElementById('status').textContent")
    browser.js("graphmodelView.network.moveTo({scale: 0.5}); graphmodelView.checkTies()")
    assert browser.js("return [graphmodelView.tiesDrawn(), graphmodelView.network.body.edgeIndices.length]") == [
        True,
        graph.number_of_edges(),
    ]
    assert browser.console() == []
    assert browser.js("return graphmodelView.search('第1234村')") == ["vil-1234"]


def test_view_command_writes_the_access_view(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    runner, store = CliRunner(), f"embedded:{tmp_path / 'graph'}"
    assert runner.invoke(app, ["load", str(sample_path()), "--name", "paper", "--store", store]).exit_code == 0
    out = tmp_path / "y01.html"
    result = runner.invoke(app, ["view", str(out), "--store", store, "--ngo", "ngo-y01", "--focus", "access"])
    assert result.exit_code == 0, result.output
    data = page_json(out.read_text(encoding="utf-8"))
    assert (len(data["nodes"]), len(data["edges"])) == (10, 16)  # as in test_access_view_of_ngo_y01
    result = runner.invoke(app, ["view", str(tmp_path / "x.html"), "--store", store, "--agency", "ngo-y01"])
    assert result.exit_code == 1 and "labelled NGO, not Agency" in result.output
