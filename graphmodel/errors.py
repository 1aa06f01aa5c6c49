"""The small family of errors graphmodel raises.

Every error a user can cause derives from :class:`GraphmodelError`, so the CLI can
print it without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class GraphmodelError(Exception):
    """Base class of all errors graphmodel reports to users."""


class InvalidSchema(GraphmodelError):
    """The schema file is inconsistent (a broken reference, an unknown type)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a fieldwork package, located as a spreadsheet shows it.

    >>> str(Problem("ngos.csv", 3, "registration", "not one of ngo, business, unregistered"))
    'ngos.csv:3:registration: not one of ngo, business, unregistered'
    """

    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.reason}"


class InvalidPackage(GraphmodelError):
    """A fieldwork package failed validation; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.row, p.column, p.reason))
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the package")

    def report(self) -> str:
        """All problems, one per line."""
        return "\n".join(str(p) for p in self.problems)


class StoreError(GraphmodelError):
    """The store could not be reached or refused an operation."""


class QueryError(GraphmodelError):
    """A library query is unknown, badly written, or got bad parameters."""


class LoadRefused(GraphmodelError):
    """A load would remove more than it may without being told to; nothing was written.

    ``lines`` says what would go, one item per line; ``option`` is the option that allows it.
    """

    def __init__(self, message: str, lines: list[str], option: str) -> None:
        self.lines = lines
        self.option = option
        super().__init__(f"{message}; nothing was written (rerun with {option} to go ahead)")

    def report(self) -> str:
        """What would be removed, one item per line."""
        return "\n".join(self.lines)
