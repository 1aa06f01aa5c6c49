"""Time graphmodel's HTML views on synthetic graphs, and pyvis's own node/edge insertion for comparison.

Run: ``python bench/views.py [--browser] [--pyvis] [SIZES...]`` from the repository root.
Prints build time, page size and (with --browser) time until headless Chromium has
drawn the page. Numbers go to stdout only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphmodel.views import build_page, group_villages, write_page
from graphmodel.views.synthetic import synthetic_graph


def pyvis_insert(graph, limit_s: float = 60.0) -> float:
    """Seconds pyvis 0.3.2 takes to add the nodes and ties one by one (its documented API)."""
    from pyvis.network import Network

    net = Network(directed=True)
    start = time.perf_counter()
    for node, data in graph.nodes(data=True):
        net.add_node(node, label=str(data.get("name")))
        if time.perf_counter() - start > limit_s:
            return float("nan")
    for u, v, _ in graph.edges(data=True):
        net.add_edge(u, v)
    return time.perf_counter() - start


def browser_load(path: Path) -> float:
    """Seconds from navigation until the page reports it has drawn (headless Chromium)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,900",
    ]:
        opts.add_argument(arg)
    opts.add_argument(f"--user-data-dir={tempfile.mkdtemp(prefix='gm-bench-')}")
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        start = time.perf_counter()
        driver.get(path.as_uri())
        while not driver.execute_script("return !!(window.graphmodelView && window.graphmodelView.ready)"):
            if time.perf_counter() - start > 300:
                return float("nan")
            time.sleep(0.05)
        return time.perf_counter() - start
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 5_000, 20_000])
    parser.add_argument("--browser", action="store_true", help="also time loading in headless Chromium")
    parser.add_argument("--pyvis", action="store_true", help="also time pyvis add_node/add_edge (slow)")
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="gm-bench-views-"))
    print(f"{'nodes':>7} {'ties':>7} {'variant':<16} {'build s':>8} {'MB':>6} {'browser s':>9} {'pyvis s':>8}")
    for size in args.sizes:
        graph = synthetic_graph(size)
        for variant, g in (("full", graph), ("villages grouped", group_villages(graph))):
            start = time.perf_counter()
            page = build_page(g, title=f"synthetic {size}")
            built = time.perf_counter() - start
            path = write_page(page, out / f"synthetic-{size}-{variant.split()[0]}.html")
            loaded = browser_load(path) if args.browser else float("nan")
            pv = pyvis_insert(g) if args.pyvis and variant == "full" else float("nan")
            print(
                f"{g.number_of_nodes():>7} {g.number_of_edges():>7} {variant:<16} {built:>8.2f} "
                f"{len(page.encode()) / 1e6:>6.1f} {loaded:>9.2f} {pv:>8.2f}"
            )
    print(f"pages in {out}")


if __name__ == "__main__":
    main()
