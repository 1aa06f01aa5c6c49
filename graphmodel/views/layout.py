"""Positions computed in Python for graphs too large for the browser's physics.

vis-network's force simulation stalls above one or two thousand nodes, so large
views get a deterministic layered layout instead, in O(n log n): one band per kind
of actor, from funders at the top through NGOs and the administrative levels down
to villages and schools, with each band sorted by province, county and township so
that the villages of one township sit together. Wide bands wrap onto several rows.

>>> g = nx.MultiDiGraph()
>>> g.add_node("f", label="Funder")
>>> g.add_node("n", label="NGO")
>>> g.add_node("c", label="Agency", level="county")
>>> g.add_node("v", label="Village", township="Baiyan")
>>> pos = layered_layout(g)
>>> [name for name, _ in sorted(pos.items(), key=lambda item: item[1][1])]
['f', 'n', 'c', 'v']

:func:`group_villages` is the other way to shrink a view: one node per township
standing for its villages.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx

#: Band of each label (Agencies are placed by their level instead).
BANDS = {"Interview": 0, "Motivation": 0, "Funder": 1, "Company": 1, "NGO": 2, "Village": 10, "School": 10}
LEVEL_BANDS = {"national": 3, "province": 4, "prefecture": 5, "county": 6, "township": 7, "village": 8}
SPACING = 60.0
ROW_GAP = 90.0
BAND_GAP = 300.0


def _band(data: dict[str, Any]) -> int:
    if data.get("label") == "Agency":
        return LEVEL_BANDS.get(str(data.get("level")), 6)
    return BANDS.get(str(data.get("label")), 9)


def _order(item: tuple[Any, dict[str, Any]]) -> tuple[str, ...]:
    node, data = item
    return (*tuple(str(data.get(k) or "") for k in ("province", "county", "township", "name")), str(node))


def layered_layout(graph: nx.MultiDiGraph) -> dict[Any, tuple[float, float]]:
    """``{node: (x, y)}`` in vis-network pixels, bands top to bottom, wrapped to a wide rectangle."""
    bands: dict[int, list[tuple[Any, dict[str, Any]]]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        bands[_band(data)].append((node, data))
    width = max(20, math.ceil(math.sqrt(graph.number_of_nodes() * 3)))  # columns: about 3:1 wide
    positions: dict[Any, tuple[float, float]] = {}
    y = 0.0
    for band in sorted(bands):
        members = sorted(bands[band], key=_order)
        columns = min(width, len(members))
        for i, (node, _) in enumerate(members):
            row, col = divmod(i, columns)
            positions[node] = ((col - (columns - 1) / 2) * SPACING, y + row * ROW_GAP)
        y += math.ceil(len(members) / columns) * ROW_GAP + BAND_GAP
    return positions


def group_villages(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` where each township's villages become one node.

    The new node keeps the ``Village`` label, is named after the township with the
    number of villages, and takes over their ties (parallel ties of one type and round from
    one source merge into one tie with a ``villages`` count and the union of their evidence).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("t", label="Agency", name="Baiyan WF")
    >>> for v in ("v1", "v2"):
    ...     g.add_node(v, label="Village", name=v, township="Baiyan Township", county="Songping")
    ...     _ = g.add_edge("t", v, type="MOBILIZES", round=1)
    >>> grouped = group_villages(g)
    >>> sorted(grouped.nodes(data="name"))
    [('t', 'Baiyan WF'), ('township:Songping/Baiyan Township', 'Baiyan Township (2 villages)')]
    >>> [d["villages"] for _, _, d in grouped.edges(data=True)]
    [2]
    """
    group: dict[Any, str] = {}
    members: dict[str, list[Any]] = defaultdict(list)
    for node, data in graph.nodes(data=True):
        if data.get("label") == "Village":
            key = f"township:{data.get('county') or '?'}/{data.get('township') or '?'}"
            group[node] = key
            members[key].append(node)
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, d) for n, d in graph.nodes(data=True) if n not in group)
    for key, villages in members.items():
        first = graph.nodes[villages[0]]
        township = first.get("township") or "unknown township"
        out.add_node(
            key,
            label="Village",
            name=f"{township} ({len(villages)} village{'s' if len(villages) != 1 else ''})",
            township=township,
            county=first.get("county"),
            province=first.get("province"),
            villages=len(villages),
        )
    merged: dict[tuple[Any, Any, Any, Any], dict[str, Any]] = {}
    for u, v, k, data in graph.edges(keys=True, data=True):
        gu, gv = group.get(u, u), group.get(v, v)
        if u == gu and v == gv:
            out.add_edge(u, v, key=k, **data)
            continue
        slot = (gu, gv, data.get("type"), data.get("round"))
        if slot in merged:
            merged[slot]["villages"] += 1
            evidence = set(merged[slot].get("evidence") or []) | set(data.get("evidence") or [])
            merged[slot]["evidence"] = sorted(evidence)
        else:
            merged[slot] = {**data, "villages": 1}
    for (gu, gv, _, _), data in merged.items():
        out.add_edge(gu, gv, **data)
    return out
