"""View benchmarks: the layout's tie-length ratio, time to build the page, its size, and time to first paint.

For each target size a synthetic package of that many nodes (about) is generated with
the national preset's fan-outs and turned into a NetworkX graph straight from its
validated records (as :func:`graphmodel.export.to_networkx` would read it from a store).

- **Layout**: :func:`graphmodel.views.admin_layout`'s time and
  :func:`graphmodel.views.tie_length_ratio` (mean drawn tie length over the mean distance
  between 20,000 random pairs of actors; random placement gives about 1).
- **Pages**: the default page (above ``OVERVIEW_LIMIT`` actors, the overview of groups) and,
  above that limit, the page of every actor (``overview=False``). "Usable" is the moment
  the page sets ``body[data-ready=true]`` after its first drawing, which shows ties (the
  overview's bundles, or every tie painted on the canvas), measured from navigation start
  in headless Chromium (Playwright driving ``CHROMIUM`` or ``/usr/bin/chromium``); what the
  first drawing showed is recorded with it. "First zoom-in" times zooming the every-actor
  page to scale 0.5 once (its ties handed to vis-network, created and drawn).

Every figure is recorded with the load average (the benchmark machine may be shared).
"""

from __future__ import annotations

import math
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import load_average, log, median, peak_memory

PER_COUNTY = 352  # nodes per county with the national preset's fan-outs


def graph_of(package: Path) -> Any:
    """A MultiDiGraph of a package's records, shaped like ``export.to_networkx``'s."""
    import networkx as nx

    from bench.loader import records_of

    records = records_of(package)
    graph = nx.MultiDiGraph()
    for n in records.nodes:
        graph.add_node(n.id, label=n.label, **n.props)
    for t in records.ties:
        graph.add_edge(t.source, t.target, key=t.key, type=t.type, **t.props)
    return graph


def synthetic_graph(nodes: int, folder: Path, seed: int = 0) -> Any:
    from graphmodel.synth import scaled, write_package

    counties = max(1, math.ceil(nodes / PER_COUNTY))
    size = scaled("national", provinces=1, prefectures=1, counties=counties)
    write_package(folder, size, seed=seed)
    return graph_of(folder)


#: Milliseconds to zoom in to scale 0.5 and draw (the ties reach vis-network on the first zoom-in).
FIRST_ZOOM_IN = """(function () {
  var v = window.graphmodelView, t = performance.now();
  v.network.moveTo({scale: 0.5});
  if (v.checkTies) v.checkTies();
  v.network.redraw();
  return performance.now() - t;
})()"""


#: What the first drawing showed: the overview's bundles, or whether every tie was painted.
FIRST_PAINT = """(function () {
  var v = window.graphmodelView;
  if (v.mode === "overview") return {mode: v.mode, bundles: v.bundles().length, ties_in_view: v.shownTies()};
  return {mode: v.mode, ties_painted: v.tiesPainted ? v.tiesPainted() : false,
          vis_ties_drawn: v.network.body.edgeIndices.length};
})()"""


def time_to_usable(path: Path, runs: int, timeout_s: float = 120.0, *, zoom: bool = True) -> dict[str, Any]:
    """Milliseconds from navigation start until ``data-ready``, in headless Chromium."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"error": "playwright is not installed (pip install 'graphmodel[bench]')"}
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    usable: list[float] = []
    in_page: list[float] = []
    zoomed: list[float] = []
    first: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable if Path(executable).exists() else None,
                                     args=["--no-sandbox"])  # fmt: skip
        try:
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                start = time.perf_counter()
                try:
                    page.goto(path.as_uri(), wait_until="commit", timeout=timeout_s * 1000)
                    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout_s * 1000)
                except Exception as exc:  # a page that never becomes usable is a result, not a crash
                    return {
                        "error": f"not usable within {timeout_s:.0f} s: {type(exc).__name__}",
                        "browser": executable,
                    }
                finally:
                    elapsed = (time.perf_counter() - start) * 1000
                usable.append(elapsed)
                in_page.append(page.evaluate("window.graphmodelView.timings.ready"))
                first = page.evaluate(FIRST_PAINT)
                if zoom and not zoomed and first.get("mode") != "overview":
                    zoomed.append(page.evaluate(FIRST_ZOOM_IN))
                page.close()
        finally:
            browser.close()
    return {
        "usable_ms": [round(x) for x in usable],
        "median_usable_ms": round(median(usable)),
        "median_ready_performance_now_ms": round(median(in_page)),
        "first_paint": first,
        **({"first_zoom_in_ms": round(zoomed[0])} if zoomed else {}),
        "browser": executable,
    }


def _page(graph: Any, path: Path, runs: int, **options: Any) -> dict[str, Any]:
    from graphmodel.views import build_page, write_page

    times, peak = [], 0.0
    for _ in range(runs):
        with peak_memory() as m:
            write_page(build_page(graph, **options), path)
        times.append(m["seconds"])
        peak = max(peak, m["peak_mib"])
    entry: dict[str, Any] = {
        "write_s": [round(x, 3) for x in times],
        "median_write_s": round(median(times), 3),
        "write_peak_mib": peak,
        "html_mib": round(path.stat().st_size / 2**20, 2),
        "load_average_before_browser": load_average(),
    }
    entry.update(time_to_usable(path, runs if graph.number_of_nodes() <= 20_000 else 1, timeout_s=180))
    entry["load_average_after_browser"] = load_average()
    return entry


def run(sizes: list[int], runs: int) -> dict[str, Any]:
    from graphmodel.views import OVERVIEW_LIMIT, admin_layout, tie_length_ratio

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for nodes in sizes:
            log(f"views: ~{nodes:,} nodes")
            graph = synthetic_graph(nodes, Path(tmp, f"pkg-{nodes}"))
            started = time.perf_counter()
            positions = admin_layout(graph)
            layout_s = time.perf_counter() - started
            entry: dict[str, Any] = {
                "nodes": graph.number_of_nodes(),
                "edges": graph.number_of_edges(),
                "layout": {
                    "function": "graphmodel.views.admin_layout",
                    "seconds": round(layout_s, 3),
                    "tie_length_ratio": round(tie_length_ratio(graph, positions), 4),
                    "load_average": load_average(),
                },
            }
            log(f"views: layout {layout_s:.2f} s, tie length ratio {entry['layout']['tie_length_ratio']}")
            # The default page (the overview above OVERVIEW_LIMIT): its figures stay at the top level.
            entry.update(_page(graph, Path(tmp, f"view-{nodes}.html"), runs))
            entry["page"] = "overview" if graph.number_of_nodes() > OVERVIEW_LIMIT else "actors"
            if graph.number_of_nodes() > OVERVIEW_LIMIT:
                entry["all_actors"] = _page(graph, Path(tmp, f"actors-{nodes}.html"), runs, overview=False)
            out[str(nodes)] = entry
    return {"views": out}
