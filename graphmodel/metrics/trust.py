"""Borrowed trust: how much of the acceptance an NGO met came after a visible state tie.

For each NGO, the places (villages, schools, officials, companies, the urban public) that accepted it
(``ACCEPTS`` ties, formalistic compliance included) and, of those, the ones where a
trust source (:func:`graphmodel.trust.trust_sources`: a department vouching for it,
an approval, an instruction, officials organising the people) at that place, or
seen by all, may have started by the acceptance (:func:`graphmodel.temporal.starts_by`).
The *borrowed share* is borrowed / accepted places; with the survey trust (Table 4)
of the institutions those sources belong to, because borrowed trust moves with
trust in local government (the paper: r = 0.293 in 2015), and falls when it falls.

An NGO that met no acceptance gets ``"not applicable"``, never NaN.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable
from typing import Any

import networkx as nx
import pandas as pd

from graphmodel.metrics._common import nodes_in_sectors
from graphmodel.schema import load_schema
from graphmodel.temporal import starts_by
from graphmodel.trust import ACCEPTANCE, institution_trust, stances, trust_sources

__all__ = ["BORROWED_TRUST_COLUMNS", "borrowed_trust"]

NOT_APPLICABLE = "not applicable"
BORROWED_TRUST_COLUMNS = (
    "accepted",
    "borrowed",
    "formalistic",
    "borrowed_share",
    "institutions",
    "trust_2011",
    "trust_2015",
)


def _mean(values: list[float]) -> float | str:
    return round(sum(values) / len(values), 2) if values else NOT_APPLICABLE


def borrowed_trust(graph: nx.MultiDiGraph, *, by: str | None = None, basis: str | None = None) -> pd.DataFrame:
    """Per NGO (or per group of NGOs ``by`` a node attribute): accepted places, those a state tie preceded, and the share.

    Columns: ``accepted`` (places with an ``ACCEPTS`` tie), ``borrowed`` (those a trust
    source preceded), ``formalistic`` (places that complied only formally),
    ``borrowed_share`` (borrowed / accepted, or ``"not applicable"``), ``institutions``
    (the survey institutions of the departments behind the preceding sources, ``;``-joined)
    and ``trust_2011`` / ``trust_2015`` (their mean Table 4 trust, %). ``basis="stated"``
    keeps to sources and stances the paper states. By group, counts are summed and the
    share is the group's borrowed / accepted places.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("ngo", label="NGO", province="Yunnan"); g.add_nodes_from(["v", "w"], label="Village")
    >>> g.add_node("wf", label="Agency", system="Women's Federation", level="county")
    >>> _ = g.add_edge("wf", "ngo", type="VOUCHES_FOR", kind="co_branding", place="v", start="2008")
    >>> _ = g.add_edge("v", "ngo", type="ACCEPTS", kind="participation", start="2009")
    >>> _ = g.add_edge("w", "ngo", type="ACCEPTS", kind="acceptance", start="2009")
    >>> borrowed_trust(g)[["accepted", "borrowed", "borrowed_share", "institutions", "trust_2015"]].to_dict("records")
    [{'accepted': 2, 'borrowed': 1, 'borrowed_share': 0.5, 'institutions': 'local government', 'trust_2015': 68.7}]
    """
    schema = load_schema()
    ngos = nodes_in_sectors(graph, ("ngo",))
    sources = defaultdict(list)
    for source in trust_sources(graph):
        if basis is None or source.basis == basis:
            sources[source.ngo].append(source)
    accepted: dict[Hashable, dict[Hashable, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for stance in stances(graph):
        if stance.tie == ACCEPTANCE and (basis is None or stance.basis == basis):
            accepted[stance.ngo][stance.holder].append(stance)
    rows = []
    for ngo in ngos:
        borrowed, formalistic, institutions = 0, 0, set()
        for place, found in accepted[ngo].items():
            before = [
                s
                for s in sources[ngo]
                if (s.place is None or s.place == place) and any(starts_by(s.start, a.start) for a in found)
            ]
            borrowed += bool(before)
            formalistic += any(a.kind == "formalistic_compliance" for a in found)
            for s in before:
                data = graph.nodes[s.agency]
                institution = schema.survey_institution(data.get("system"), data.get("level"))
                if institution is not None:
                    institutions.add(institution)
        rows.append((ngo, len(accepted[ngo]), borrowed, formalistic, sorted(institutions)))
    frame = pd.DataFrame(rows, columns=["node", "accepted", "borrowed", "formalistic", "institutions"]).set_index(
        "node"
    )
    if by is not None:
        frame["group"] = [graph.nodes[n].get(by) for n in frame.index]
        grouped = frame.groupby("group", dropna=False)
        frame = grouped[["accepted", "borrowed", "formalistic"]].sum()
        frame["institutions"] = grouped["institutions"].agg(lambda lists: sorted({i for x in lists for i in x}))
        frame["ngos"] = grouped.size()
    frame["borrowed_share"] = [
        b / a if a else NOT_APPLICABLE for a, b in zip(frame["accepted"], frame["borrowed"], strict=True)
    ]
    for year in (2011, 2015):
        frame[f"trust_{year}"] = [
            _mean([t for i in insts if (t := institution_trust(i, year)) is not None])
            for insts in frame["institutions"]
        ]
    frame["institutions"] = [";".join(i) for i in frame["institutions"]]
    columns = list(BORROWED_TRUST_COLUMNS) + (["ngos"] if by is not None else [])
    out = frame[columns]
    out.attrs["basis"] = basis
    return out
