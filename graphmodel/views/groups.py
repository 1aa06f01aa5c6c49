"""Actors grouped for the overview of a large graph: by province, kind, then county.

A group is the actors of one kind (a label; departments split by administrative
level) in one place: per province (or no province), and inside each, one group per
county for the actors whose county is known. When there are many provinces, whole
provinces come first. The overview page first shows the top groups with their ties
bundled and counted; opening a group shows the groups inside it, then its members.

>>> g = nx.MultiDiGraph()
>>> for v in range(3):
...     g.add_node(f"v{v}", label="Village", province="Yunnan", county="Songping")
>>> g.add_node("f", label="Funder")
>>> groups = group_actors(g, {n: (0.0, 0.0) for n in g})
>>> [(name, size) for name, size in zip(groups.names, groups.sizes, strict=True)]
[('Village · Yunnan', 3), ('Village · Songping', 3), ('Funder', 1)]
>>> groups.parents, groups.node_group
([-1, 0, -1], [1, 1, 1, 2])
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

__all__ = ["PROVINCES_FIRST", "Groups", "group_actors", "kind_of"]


def kind_of(data: dict[str, Any]) -> str:
    """What an actor is, for grouping: its label, and a department's level.

    >>> kind_of({"label": "Agency", "level": "county"}), kind_of({"label": "NGO"})
    ('Agency (county)', 'NGO')
    """
    label = str(data.get("label") or "?")
    return f"{label} ({data['level']})" if label == "Agency" and data.get("level") else label


@dataclass
class Groups:
    """Groups as columns (group ``g`` is ``names[g]``, ``labels[g]`` …) and each node's innermost group."""

    names: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    node_group: list[int] = field(default_factory=list)


#: With more provinces than this, the overview opens on one group per province (kinds inside).
PROVINCES_FIRST = 6


def group_actors(
    graph: nx.MultiDiGraph, positions: dict[Any, tuple[float, float]], *, provinces_first: bool | None = None
) -> Groups:
    """The groups of ``graph`` (nodes in ``graph.nodes`` order), placed among their members.

    With ``provinces_first`` (default: more than :data:`PROVINCES_FIRST` provinces) the top
    groups are whole provinces, and the kinds of each province are groups inside them. A
    group of one kind sits near the centre of its place's actors, moved outwards in a
    direction of its own kind, so the groups of one place form a ring instead of a pile.
    """
    if provinces_first is None:
        provinces_first = len({d.get("province") for _, d in graph.nodes(data=True)} - {None, ""}) > PROVINCES_FIRST
    out = Groups()
    number: dict[tuple[str, ...], int] = {}
    sizes: dict[int, int] = defaultdict(int)
    sums: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0] * 5)  # place: x, y, x², y², actors

    def group(key: tuple[str, ...], parent: int, label: str) -> int:
        if key not in number:
            number[key] = len(out.names)
            if key[0] == "province":
                out.names.append(key[1] or "No province")
            else:
                out.names.append(" · ".join(part for part in (key[-1], key[-2]) if part))
            out.labels.append(label)
            out.parents.append(parent)
        return number[key]

    for node, data in graph.nodes(data=True):
        kind, province, county = kind_of(data), str(data.get("province") or ""), str(data.get("county") or "")
        x, y = positions[node]
        keys: list[tuple[str, ...]] = [("province", province)] if provinces_first else []
        keys.append(("top", province, kind))
        if county:
            keys.append(("county", province, county, kind))
        g = -1
        for key in keys:
            g = group(key, g, "" if key[0] == "province" else str(data.get("label")))
            sizes[g] += 1
            total = sums[key if key[0] == "province" else key[:-1]]
            for k, value in enumerate((x, y, x * x, y * y, 1.0)):
                total[k] += value
        out.node_group.append(g)
    out.sizes = [sizes[g] for g in range(len(out.names))]
    kinds_at: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key in number:
        if key[0] != "province":
            kinds_at[key[:-1]].append(key[-1])
    out.x, out.y = [0.0] * len(out.names), [0.0] * len(out.names)
    for key, g in number.items():
        place: tuple[str, ...] = key if key[0] == "province" else key[:-1]
        sx, sy, sxx, syy, count = sums[place]
        cx, cy = sx / count, sy / count
        kinds = sorted(kinds_at.get(place, [])) if key[0] != "province" else []
        if len(kinds) > 1:  # a ring inside the place's actors: 0.6 of their root-mean-square distance from the centre
            spread = math.sqrt(max(sxx / count + syy / count - cx * cx - cy * cy, 0.0))
            angle = 2 * math.pi * kinds.index(key[-1]) / len(kinds)
            cx, cy = cx + 0.6 * spread * math.cos(angle), cy + 0.6 * spread * math.sin(angle)
        out.x[g], out.y[g] = round(cx, 1), round(cy, 1)
    return out
