"""Actors grouped for the overview of a large graph: by province, then county, and kind.

A group is the actors of one kind (a label; departments split by administrative
level) in one place. Top groups are per province (or no province); inside each, one
group per county for the actors whose county is known. The overview page first shows
the top groups with their ties bundled and counted; opening a group shows its county
groups, and opening one of those its members.

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

from graphmodel.views.layout import SPACING

__all__ = ["Groups", "group_actors", "kind_of"]


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


def group_actors(graph: nx.MultiDiGraph, positions: dict[Any, tuple[float, float]]) -> Groups:
    """The groups of ``graph`` (nodes in ``graph.nodes`` order), placed around their members' centre.

    A group sits at the centre of its place's actors, moved outwards in a direction of
    its own kind, so the groups of one province (or county) form a ring instead of a pile.
    """
    out = Groups()
    number: dict[tuple[str, ...], int] = {}
    sizes: dict[int, int] = defaultdict(int)
    sums: dict[tuple[str, ...], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])  # place: x, y, actors

    def group(key: tuple[str, ...], parent: int, label: str) -> int:
        if key not in number:
            number[key] = len(out.names)
            out.names.append(" · ".join(part for part in (key[-1], key[-2]) if part))
            out.labels.append(label)
            out.parents.append(parent)
        return number[key]

    for node, data in graph.nodes(data=True):
        kind, province, county = kind_of(data), str(data.get("province") or ""), str(data.get("county") or "")
        x, y = positions[node]
        places = [("top", province)] + ([("county", province, county)] if county else [])
        g = -1
        for place in places:
            g = group((*place, kind), g, str(data.get("label")))
            sizes[g] += 1
            total = sums[place]
            total[0], total[1], total[2] = total[0] + x, total[1] + y, total[2] + 1
        out.node_group.append(g)
    out.sizes = [sizes[g] for g in range(len(out.names))]
    kinds_at: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for key in number:
        kinds_at[key[:-1]].append(key[-1])
    out.x, out.y = [0.0] * len(out.names), [0.0] * len(out.names)
    for key, g in number.items():
        place, kinds = key[:-1], sorted(kinds_at[key[:-1]])
        sx, sy, count = sums[place]
        angle = 2 * math.pi * kinds.index(key[-1]) / len(kinds)
        ring = SPACING * (0.6 * math.sqrt(count) + 2) if len(kinds) > 1 else 0.0
        out.x[g] = round(sx / count + ring * math.cos(angle), 1)
        out.y[g] = round(sy / count + ring * math.sin(angle), 1)
    return out

