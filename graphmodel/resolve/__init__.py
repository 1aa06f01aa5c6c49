"""Find and merge duplicate actors across packages, in Chinese, pinyin and English.

The steps, each a small module:

- :mod:`~graphmodel.resolve.names`: a name reduced to toneless pinyin of its specific part
  and its generic terms (abbreviation table and terms in ``terms.yaml``);
- :mod:`~graphmodel.resolve.actors`: the actors to compare, from a package or a store;
- :mod:`~graphmodel.resolve.candidates`: blocking by label, kind and place, and scoring;
- :mod:`~graphmodel.resolve.review`: candidates written to CSV or XLSX for review;
- :mod:`~graphmodel.resolve.decisions`: the reviewed ``decisions`` table, checked, as a mapping;
- :mod:`~graphmodel.resolve.aliases`: the mapping applied to a package before it is validated;
- :mod:`~graphmodel.resolve.inforce`: the decisions in force, every package's, read from the graph;
- :mod:`~graphmodel.resolve.labelled`: a labelled set of name variants, precision and recall.

See docs/resolve.md for a worked example.
"""

from __future__ import annotations

from graphmodel.resolve.actors import Actor, actor_labels, actors_from_package, actors_from_store
from graphmodel.resolve.aliases import ALIASES, apply_aliases, reference_columns, resolve_package, split_decisions
from graphmodel.resolve.candidates import (
    DEFAULT_MIN_SCORE,
    DEFAULT_THRESHOLD,
    Candidate,
    MatchStats,
    find_candidates,
    score_pair,
)
from graphmodel.resolve.decisions import DECISIONS, Decision, canonical_mapping, read_decisions
from graphmodel.resolve.names import place_key, split_name

__all__ = [
    "ALIASES",
    "DECISIONS",
    "DEFAULT_MIN_SCORE",
    "DEFAULT_THRESHOLD",
    "Actor",
    "Candidate",
    "Decision",
    "MatchStats",
    "actor_labels",
    "actors_from_package",
    "actors_from_store",
    "apply_aliases",
    "canonical_mapping",
    "find_candidates",
    "place_key",
    "read_decisions",
    "reference_columns",
    "resolve_package",
    "score_pair",
    "split_decisions",
    "split_name",
]
