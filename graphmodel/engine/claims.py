"""Statements: what each package asserts about a node or tie, and the one rule that resolves them.

A node or tie may be asserted by any number of packages. Each package's *claim*
keeps its values and where they came from (file, row). An entity asserted by one
package is stored as that package's claim in plain properties (``_package``,
``_file``, ``_row``, ``_hash``): the same form graphmodel 0.1.0 wrote. An entity
asserted by several is stored in the *shared* form: ``_package`` is ``"*"``,
``_packages`` lists the packages, ``_claims`` holds every claim (JSON), and the
visible properties are resolved from the claims:

- for each property, the value of the highest-ranked package that states it wins;
- packages rank by explicit priority (higher first), then by the order of their
  latest load that wrote anything (most recent first), then by name;
- properties on which claims disagree are listed in ``_conflicts``;
- a node's ``aliases`` (its other ids, see docs/resolve.md) are the union of every
  claim's: each package names the ids its decisions merged, none of them wins over another.

>>> a = Claim("round1", "ngos.csv", 2, {"id": "x", "name": "Old"}, "h1")
>>> b = Claim("round2", "ngos.csv", 5, {"id": "x", "name": "New", "founded": 2004}, "h2")
>>> props = entity_props({"round1": a, "round2": b}, rank=["round2", "round1"])
>>> props["name"], props["founded"], props["_packages"], props["_conflicts"]
('New', 2004, ['round1', 'round2'], ['name'])
>>> sorted(claims_of(props))
['round1', 'round2']
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from graphmodel.records import digest

__all__ = [
    "SHARED",
    "Claim",
    "claim_of_record",
    "claims_of",
    "conflicts",
    "entity_props",
    "is_shared",
    "rank_packages",
]

#: ``_package`` of an entity several packages assert.
SHARED = "*"
#: Property prefixes that are never a package's value: the loader's bookkeeping, and metrics written back.
NOT_CLAIMED = ("_", "metric_")
#: List properties whose visible value is the union of the claims' (never a disagreement).
UNION = ("aliases",)


@dataclass(frozen=True)
class Claim:
    """One package's statement about one entity: its values and the row they came from."""

    package: str
    file: str
    row: int
    values: dict[str, Any]
    hash: str

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "hash": self.hash, "values": self.values}


def claim_of_record(props: Mapping[str, Any]) -> Claim:
    """The claim a validated record (or a single-form stored entity) makes."""
    values = {k: v for k, v in props.items() if not k.startswith(NOT_CLAIMED)}
    return Claim(
        str(props["_package"]), str(props.get("_file", "")), int(props.get("_row") or 0), values, str(props["_hash"])
    )


def is_shared(props: Mapping[str, Any]) -> bool:
    """Whether stored properties are in the shared form."""
    return props.get("_package") == SHARED


def claims_of(props: Mapping[str, Any]) -> dict[str, Claim]:
    """Every claim stored properties hold, by package (single or shared form)."""
    if not is_shared(props):
        return {str(props["_package"]): claim_of_record(props)} if props.get("_package") else {}
    raw = json.loads(str(props["_claims"]))
    return {
        package: Claim(package, c["file"], int(c["row"]), dict(c["values"]), c["hash"]) for package, c in raw.items()
    }


def rank_packages(packages: Mapping[str, tuple[int, int]]) -> list[str]:
    """Package names best first, from ``{name: (priority, seq)}``: priority, then latest load, then name.

    >>> rank_packages({"a": (0, 3), "b": (0, 5), "c": (1, 1)})
    ['c', 'b', 'a']
    """
    return sorted(packages, key=lambda name: (-packages[name][0], -packages[name][1], name))


def _ordered(claims: Mapping[str, Claim], rank: Iterable[str]) -> list[Claim]:
    order = {name: i for i, name in enumerate(rank)}
    return sorted(claims.values(), key=lambda c: (order.get(c.package, len(order)), c.package))


def conflicts(claims: Mapping[str, Claim]) -> dict[str, dict[str, Any]]:
    """Properties on which the claims disagree: ``{property: {package: value}}``.

    >>> conflicts({"a": Claim("a", "f", 2, {"name": "X"}, "1"), "b": Claim("b", "f", 3, {"name": "Y"}, "2")})
    {'name': {'a': 'X', 'b': 'Y'}}
    """
    out: dict[str, dict[str, Any]] = {}
    names = sorted({k for c in claims.values() for k in c.values})
    for name in names:
        if name in UNION:
            continue
        stated = {c.package: c.values[name] for c in claims.values() if name in c.values}
        if len({digest(v) for v in stated.values()}) > 1:
            out[name] = dict(sorted(stated.items()))
    return out


def entity_props(claims: Mapping[str, Claim], rank: Iterable[str], key: str | None = None) -> dict[str, Any]:
    """The properties to store for an entity asserted by ``claims`` (at least one).

    One claim gives the single form (its values and provenance); several give the
    shared form with resolved values. ``key`` is a tie's identity (``_key``).
    """
    if not claims:
        raise ValueError("an entity needs at least one claim")
    ordered = _ordered(claims, rank)
    if len(ordered) == 1:
        only = ordered[0]
        props = {**only.values, "_package": only.package, "_file": only.file, "_row": only.row, "_hash": only.hash}
    else:
        props = {}
        for claim in reversed(ordered):  # the best-ranked package's values are written last and win
            props.update(claim.values)
        for name in UNION:
            union = sorted({str(v) for c in ordered for v in c.values.get(name) or []})
            if union:
                props[name] = union
        stored = {c.package: c.as_json() for c in sorted(ordered, key=lambda c: c.package)}
        text = json.dumps(stored, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        visible = {k: v for k, v in props.items() if not k.startswith("_")}
        # changes when a claim changes or the ranking changes what is visible, not otherwise
        props.update(_package=SHARED, _packages=sorted(stored), _claims=text, _hash=digest([text, visible]))
        disagreeing = sorted(conflicts(claims))
        if disagreeing:
            props["_conflicts"] = disagreeing
    if key is not None:
        props["_key"] = key
    return props
