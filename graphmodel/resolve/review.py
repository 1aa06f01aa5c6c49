"""Candidates written for review: a CSV (UTF-8 with a byte-order mark, so Excel shows Chinese) or a workbook.

The file has the ``decisions`` table's columns (``id``, ``same_as``, ``decision``,
``reviewer``, ``note``) first, with ``decision`` left blank for the analyst to mark
``same``, ``different`` or ``unsure``, then what helps deciding: the score, a suggestion
at the threshold, both actors' names, packages and places, and the reasons. Once
reviewed, the file (or its ``decisions`` sheet) is the package's ``decisions`` table as it is.

>>> from graphmodel.resolve.actors import Actor
>>> from graphmodel.resolve.candidates import find_candidates
>>> a = Actor("a", "Village", "p1", "Baiyan Village", "白岩村")
>>> rows = review_rows(find_candidates([a, Actor("b", "Village", "p2", "Bai Yan Cun")]))
>>> {k: rows[0][k] for k in ("id", "same_as", "decision", "score", "suggestion")}
{'id': 'b', 'same_as': 'a', 'decision': '', 'score': 100.0, 'suggestion': 'same'}
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from graphmodel.errors import GraphmodelError
from graphmodel.resolve.candidates import DEFAULT_THRESHOLD, Candidate
from graphmodel.resolve.decisions import COLUMNS, DECISIONS, VALUES

__all__ = ["REVIEW_COLUMNS", "review_rows", "write_review"]

REVIEW_COLUMNS = [
    *COLUMNS,
    "score", "suggestion", "label",
    "name", "name_zh", "package",
    "same_as_name", "same_as_name_zh", "same_as_package",
    "place", "kind", "reasons",
]  # fmt: skip


def review_rows(candidates: Iterable[Candidate], threshold: float = DEFAULT_THRESHOLD) -> list[dict[str, Any]]:
    """One row per candidate, best score first (then by ids, so the file is stable)."""
    rows: list[dict[str, Any]] = []
    for c in candidates:
        place = "/".join(p for p in (c.keep.province, c.keep.county, c.keep.township) if p)
        rows.append(
            {
                "id": c.merge.id, "same_as": c.keep.id, "decision": "", "reviewer": "", "note": "",
                "score": c.score, "suggestion": "same" if c.score >= threshold else "unsure", "label": c.keep.label,
                "name": c.merge.name, "name_zh": c.merge.name_zh, "package": c.merge.package,
                "same_as_name": c.keep.name, "same_as_name_zh": c.keep.name_zh, "same_as_package": c.keep.package,
                "place": place, "kind": c.keep.kind, "reasons": " | ".join(c.reasons),
            }
        )  # fmt: skip
    rows.sort(key=lambda r: (-r["score"], r["label"], r["same_as"], r["id"]))
    return rows


def write_review(rows: list[dict[str, Any]], path: str | Path) -> Path:
    """Write review rows to ``path``: ``.csv``, or ``.xlsx`` (sheet ``decisions``, a drop-down for ``decision``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.DictWriter(handle, REVIEW_COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    elif suffix == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.worksheet.datavalidation import DataValidation

        book = Workbook()
        sheet = book.active
        sheet.title = DECISIONS
        sheet.append(REVIEW_COLUMNS)
        for row in rows:
            sheet.append([row[c] for c in REVIEW_COLUMNS])
        choice = DataValidation(type="list", formula1='"' + ",".join(VALUES) + '"', allow_blank=True)
        column = chr(ord("A") + REVIEW_COLUMNS.index("decision"))
        choice.add(f"{column}2:{column}{max(len(rows), 1) + 1}")
        sheet.add_data_validation(choice)
        sheet.freeze_panes = "A2"
        book.save(path)
    else:
        raise GraphmodelError(f"{path}: write the review to a .csv or .xlsx file")
    return path
