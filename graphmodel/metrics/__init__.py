"""Network metrics on graphs exported with :func:`graphmodel.export.to_networkx`.

Each works on any NetworkX directed graph; nodes exported from a store know their
sector through their ``label`` (see ``schema.yaml``), other graphs through a
``sector`` attribute. See docs/metrics.md for definitions and references.
"""

from __future__ import annotations

from graphmodel.metrics.brokerage import ROLES, brokerage, brokerage_null_model

__all__ = ["ROLES", "brokerage", "brokerage_null_model"]
