"""A synthetic, fieldwork-shaped graph of any size, for benchmarks and tests of large views.

Counties with Women's Federations, townships under them, villages under the
townships; NGOs working in villages, cooperating with a county federation that
mobilises one township and three of its villages on their behalf; funders funding
NGOs. Deterministic for a given size.

>>> g = synthetic_graph(2_000)
>>> g.number_of_nodes()
2000
>>> sorted({d["label"] for _, d in g.nodes(data=True)})
['Agency', 'Funder', 'NGO', 'Village']
"""

from __future__ import annotations

import networkx as nx


def synthetic_graph(nodes: int = 20_000) -> nx.MultiDiGraph:
    """A graph of exactly ``nodes`` nodes (at least 200): 1% NGOs, 0.25% funders, 5.5% departments, villages."""
    if nodes < 200:
        raise ValueError("synthetic_graph needs at least 200 nodes")
    n_ngo, n_fund, n_county = nodes // 100, nodes // 400, nodes // 200
    n_twp = nodes // 20
    n_vil = nodes - n_ngo - n_fund - n_county - n_twp
    g = nx.MultiDiGraph()
    for c in range(n_county):
        g.add_node(
            f"cty-{c}",
            label="Agency",
            name=f"County {c} Women's Federation",
            name_zh=f"第{c}县妇联",
            system="Women's Federation",
            level="county",
            county=f"County {c}",
            province=f"P{c % 5}",
        )
    for t in range(n_twp):
        c = t % n_county
        g.add_node(
            f"twp-{t}",
            label="Agency",
            name=f"Township {t} Women's Federation",
            name_zh=f"第{t}乡妇联",
            system="Women's Federation",
            level="township",
            county=f"County {c}",
            province=f"P{c % 5}",
        )
        g.add_edge(f"cty-{c}", f"twp-{t}", type="SUPERVISES", round=1)
    for v in range(n_vil):
        t = v % n_twp
        g.add_node(
            f"vil-{v}",
            label="Village",
            name=f"Village {v}",
            name_zh=f"第{v}村",
            township=f"Township {t}",
            county=f"County {t % n_county}",
        )
        g.add_edge(f"twp-{t}", f"vil-{v}", type="SUPERVISES", round=1)
    for f in range(n_fund):
        g.add_node(f"fund-{f}", label="Funder", name=f"Funder {f}", kind="domestic_foundation")
    for n in range(n_ngo):
        ngo, t = f"ngo-{n}", (n * 7) % n_twp
        c, r = t % n_county, 1 + n % 2
        g.add_node(ngo, label="NGO", name=f"NGO {n}", name_zh=f"第{n}号公益组织", registration="ngo")
        g.add_edge(ngo, f"cty-{c}", type="COOPERATES_WITH", round=r, evidence=[f"Y{n}"])
        g.add_edge(f"fund-{n % n_fund}", ngo, type="FUNDS", round=r, amount=10_000 + n)
        g.add_edge(f"cty-{c}", f"twp-{t}", type="MOBILIZES", round=r, on_behalf_of=ngo)
        for k in range(3):
            village = f"vil-{(t + k * n_twp) % n_vil}"
            g.add_edge(f"twp-{t}", village, type="MOBILIZES", round=r, on_behalf_of=ngo)
            g.add_edge(ngo, village, type="WORKS_IN", round=r)
    return g
