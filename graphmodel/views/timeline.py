"""When each tie is drawn on the page's time slider, by year.

:func:`tie_years` is the one place the views apply the temporal rule; today it asks
:func:`graphmodel.export.tie_active` (a tie is active in a year when the span its
partial start and end dates allow overlaps that year; no start: always was, no end:
still is), so the slider shows the same ties as ``graphmodel query --as-of YEAR``.

>>> years = range(2008, 2016)
>>> tie_years("2010-05", "2012", years), tie_years(None, None, years), tie_years("2014", "2013", years)
((2010, 2012), (2008, 2015), None)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from graphmodel.engine.validate import partial_date_bounds
from graphmodel.export import tie_active

__all__ = ["round_years", "tie_years", "year_range"]


@lru_cache(maxsize=65_536)
def tie_years(start: str | None, end: str | None, years: range) -> tuple[int, int] | None:
    """The first and last of ``years`` in which a tie with these dates is active (``None``: in none of them).

    ``end`` is the tie's effective end under :func:`graphmodel.temporal.effective_ends` (rules 3-4),
    so the slider shows what ``as_of`` and the metrics count.
    """
    active = [year for year in years if tie_active(start or None, end or None, str(year))]
    return (active[0], active[-1]) if active else None


def _years(value: Any) -> tuple[int, int] | None:
    if value in (None, ""):
        return None
    return _year_bounds(str(value))


@lru_cache(maxsize=65_536)
def _year_bounds(value: str) -> tuple[int, int]:
    first, last = partial_date_bounds(value)
    return first.year, last.year


def year_range(ties: Iterable[Mapping[str, Any]], also: Iterable[int] = ()) -> range | None:
    """Every year from the earliest to the latest date of ``ties`` (``start``/``end``) and ``also``.

    >>> year_range([{"start": "2010-05"}, {"end": "2013"}, {}], also=[2018])
    range(2010, 2019)
    >>> year_range([{}]) is None
    True
    """
    seen = list(also)
    for data in ties:
        for key in ("start", "end"):
            span = _years(data.get(key))
            if span:
                seen += span
    return range(min(seen), max(seen) + 1) if seen else None


def round_years(nodes: Iterable[Mapping[str, Any]]) -> dict[int, tuple[int, int]]:
    """``{round: (first year, last year)}`` of the fieldwork rounds, from the interviews' dates.

    >>> round_years([{"label": "Interview", "round": 1, "date": "2010-05"}, {"label": "Interview", "round": 1, "date": "2012"}])
    {1: (2010, 2012)}
    >>> round_years([{"label": "Interview", "round": 1, "date": "d-4f2a"}])
    {}
    """
    out: dict[int, tuple[int, int]] = {}
    for data in nodes:
        try:
            span = _years(data.get("date")) if data.get("label") == "Interview" else None
        except ValueError:  # a redacted view's pseudonymous date: the round just gets no span from it
            span = None
        round_ = data.get("round")
        if span and isinstance(round_, int):
            first, last = out.get(round_, span)
            out[round_] = (min(first, span[0]), max(last, span[1]))
    return dict(sorted(out.items()))
