"""Gould-Fernandez brokerage roles, with the null model of R's ``sna::brokerage``.

A node ``v`` brokers when it sits on a two-path ``i -> v -> j`` (``i != j``) and
``i -> j`` is absent. By the groups of ``i``, ``v`` and ``j`` the brokerage is:

============== ============= ============ =========================
role           sna name      pattern      in words
============== ============= ============ =========================
coordinator    ``w_I``       A -> A -> A  all in one group
itinerant      ``w_O``       A -> B -> A  an outsider between two of a group
representative ``b_IO``      A -> A -> B  speaks for its group to another
gatekeeper     ``b_OI``      A -> B -> B  lets outsiders into its group
liaison        ``b_O``       A -> B -> C  three different groups
============== ============= ============ =========================

Ties are taken as a binary directed graph (multi-edges merged, self-loops dropped). By
default only the relations along which access flows count (``flow: true`` in
``schema.yaml``: an NGO's request to a department, orders and mobilisation down the
administrative line, programmes in villages and schools); ``relations="all"`` takes
every tie. Ties run both ways between NGOs and agencies (an NGO ``COOPERATES_WITH`` a
department that ``SUPPORTS`` or ``FUNDS`` it), so with all relations every NGO is a
broker between the departments it works with; along the flow, the county Women's
Federations between NGOs and the township bodies come out as the gatekeepers.
Expected counts and variances under the null model (every ordered pair tied
independently with the graph's density ``d = m / (N (N - 1))``, group sizes fixed)
follow ``sna::brokerage``; ``z = (count - expected) / sd``, NaN where the variance is 0.

Reference: Gould, R. V. and Fernandez, R. M. (1989). Structures of mediation: a formal
approach to brokerage in transaction networks. *Sociological Methodology* 19, 89-126.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from math import comb, sqrt
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from graphmodel.metrics._common import EVIDENCE_SECTORS, Group, group_of, simple_digraph
from graphmodel.schema import load_schema

__all__ = ["RELATIONS", "ROLES", "brokerage", "brokerage_null_model"]

#: Roles in output order, with their ``sna::brokerage`` names.
ROLES = {
    "coordinator": "w_I",
    "itinerant": "w_O",
    "gatekeeper": "b_OI",
    "representative": "b_IO",
    "liaison": "b_O",
}
_COLUMNS = [*ROLES, "total"]


def _role(gi: Any, gv: Any, gj: Any) -> str:
    if gi == gv:
        return "coordinator" if gv == gj else "representative"
    if gv == gj:
        return "gatekeeper"
    return "itinerant" if gi == gj else "liaison"


def brokerage_null_model(sizes: dict[Any, int], n_nodes: int, n_edges: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected counts and standard deviations of each role for a broker of each group.

    ``sizes`` maps each group to its number of nodes. Returns two DataFrames indexed
    by group with the columns of :data:`ROLES` plus ``total`` (as ``sna::brokerage``'s
    ``exp.grp`` and ``sd.grp``).

    >>> exp, sd = brokerage_null_model({"a": 2, "b": 2}, 4, 6)
    >>> float(exp.loc["a", "total"])  # d = 1/2: (1/2)^2 (1/2) * 3 * 2
    0.75
    """
    n_total = float(n_nodes)
    d = n_edges / (n_total * (n_total - 1)) if n_nodes > 1 else 0.0
    p = d * d * (1 - d)
    q = d**3 * (1 - d) ** 3
    expected: dict[Any, dict[str, float]] = {}
    variance: dict[Any, dict[str, float]] = {}
    for g, n_i in sizes.items():
        n = float(n_i)
        others = [float(v) for k, v in sizes.items() if k != g]
        e: dict[str, float] = {}
        v: dict[str, float] = {}
        e["coordinator"] = p * (n - 1) * (n - 2)
        v["coordinator"] = e["coordinator"] * (1 - p) + 2 * (n - 1) * (n - 2) * (n - 3) * q
        e["itinerant"] = p * sum(o * (o - 1) for o in others)
        v["itinerant"] = e["itinerant"] * (1 - p) + 2 * sum(o * (o - 1) * (o - 2) for o in others) * q
        e["representative"] = p * (n_total - n) * (n - 1)
        v["representative"] = (
            e["representative"] * (1 - p) + 2 * ((n - 1) * comb2(n_total - n) + (n_total - n) * comb2(n - 1)) * q
        )
        e["gatekeeper"], v["gatekeeper"] = e["representative"], v["representative"]
        e["liaison"] = p * (sum(others) ** 2 - sum(o * o for o in others))
        v["liaison"] = e["liaison"] * (1 - p) + 4 * sum(o * comb2(n_total - o - n) * q for o in others)
        e["total"] = p * (n_total - 1) * (n_total - 2)
        v["total"] = e["total"] * (1 - p) + 2 * (n_total - 1) * (n_total - 2) * (n_total - 3) * q
        expected[g], variance[g] = e, v
    exp = pd.DataFrame.from_dict(expected, orient="index", columns=_COLUMNS)
    sd = pd.DataFrame.from_dict(variance, orient="index", columns=_COLUMNS).map(lambda x: sqrt(max(x, 0.0)))
    return exp, sd


def comb2(x: float) -> float:
    """``choose(x, 2)`` for real ``x`` as R computes it for whole numbers (0 below 2).

    >>> comb2(4), comb2(1)
    (6.0, 0.0)
    """
    return float(comb(int(x), 2)) if x >= 2 else 0.0


#: The choices of ``relations``.
RELATIONS = ("flow", "all")


def brokerage(
    graph: nx.Graph,
    group: Group = "sector",
    *,
    exclude_sectors: Iterable[str] = EVIDENCE_SECTORS,
    relations: str = "flow",
) -> pd.DataFrame:
    """Gould-Fernandez brokerage counts and z-scores for every node.

    ``group`` is ``"sector"`` (the schema's sector of each node's label: state, ngo,
    grassroots, funder, ...; or the node's own ``sector`` attribute), any other node
    attribute name, a mapping node -> group, or a function ``(node, attrs) -> group``.
    Nodes of ``exclude_sectors`` (interviews and motivation codes by default) are
    left out before counting, so they change neither counts nor density. ``relations``
    is ``"flow"`` (the default: only ties of the schema's flow types; ties without a
    ``type`` are kept) or ``"all"``.

    Returns a DataFrame indexed by node (sorted) with the columns ``coordinator``,
    ``itinerant``, ``gatekeeper``, ``representative``, ``liaison``, ``total`` and the
    same names prefixed ``z_``. ``.attrs["expected"]`` and ``.attrs["sd"]`` hold the
    null model per group.

    A village leader between the county Women's Federation and two villages is a
    gatekeeper for the grassroots (state -> grassroots -> grassroots) twice:

    >>> g = nx.DiGraph()
    >>> g.add_nodes_from(["wf", "twp"], sector="state")
    >>> g.add_nodes_from(["leader", "v1", "v2"], sector="grassroots")
    >>> g.add_edges_from([("wf", "twp"), ("twp", "leader"), ("leader", "v1"), ("leader", "v2")])
    >>> b = brokerage(g)
    >>> b.loc["leader", ["gatekeeper", "total"]].tolist()
    [2, 2]
    >>> b.loc["twp", ["representative", "total"]].tolist()  # wf -> twp -> leader
    [1, 1]
    """
    if relations not in RELATIONS:
        raise ValueError(f"relations must be one of {', '.join(RELATIONS)}, not {relations!r}")
    types = load_schema().flow_types if relations == "flow" else None
    simple = simple_digraph(graph, types=types, exclude_sectors=exclude_sectors if group == "sector" else ())
    groups = group_of(simple, group)
    counts = {n: dict.fromkeys(_COLUMNS, 0) for n in simple}
    succ, pred = simple.succ, simple.pred
    for v in simple:
        gv = groups[v]
        outs = list(succ[v])
        for i in pred[v]:
            gi = groups[i]
            si = succ[i]
            for j in outs:
                if j == i or j in si:
                    continue
                counts[v][_role(gi, gv, groups[j])] += 1
    for c in counts.values():
        c["total"] = sum(c[r] for r in ROLES)
    order = sorted(simple, key=str)
    raw = pd.DataFrame([counts[n] for n in order], index=pd.Index(order, name="node"), columns=_COLUMNS)
    sizes: dict[Any, int] = {}
    for n in simple:
        sizes[groups[n]] = sizes.get(groups[n], 0) + 1
    exp, sd = brokerage_null_model(sizes, simple.number_of_nodes(), simple.number_of_edges())
    node_groups: list[Hashable] = [groups[n] for n in order]
    e = exp.loc[node_groups].to_numpy()
    s = sd.loc[node_groups].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (raw.to_numpy(dtype=float) - e) / s
    z[s == 0] = np.nan
    out = pd.concat([raw, pd.DataFrame(z, index=raw.index, columns=[f"z_{c}" for c in _COLUMNS])], axis=1)
    out.attrs["expected"] = exp
    out.attrs["sd"] = sd
    return out
