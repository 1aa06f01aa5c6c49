"""Progress for long commands: rich's bar on a terminal, plain log lines otherwise.

When stderr is not a terminal (a log file, CI, a pipe) rich draws nothing, so a long
load looked stuck. :class:`Progress` then writes one line per step of 10 % (and at
most one every few seconds), which tools can read::

    writing rows: 30,000/75,000 (40%) after 4.2 s
"""

from __future__ import annotations

import time
from typing import Any

from rich import progress as rich_progress


class Progress(rich_progress.Progress):
    """:class:`rich.progress.Progress` that logs plain lines when its console is not a terminal.

    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> with Progress(console=Console(file=out), log_every=0, transient=True) as p:
    ...     task = p.add_task("writing rows", total=None)
    ...     p.update(task, completed=50, total=100)
    ...     p.update(task, completed=100, total=100)
    >>> [line.split(" after ")[0] for line in out.getvalue().splitlines()]
    ['writing rows: 50/100 (50%)', 'writing rows: 100/100 (100%)']
    """

    def __init__(self, *columns: Any, log_every: float = 5.0, **kwargs: Any) -> None:
        from rich import get_console

        self._plain = not (kwargs.get("console") or get_console()).is_terminal
        if self._plain:
            kwargs["disable"] = True  # no bar: rich would print its last frame as text
        super().__init__(*columns, **kwargs)
        self._log_every = log_every
        self._started = time.monotonic()
        self._logged: dict[Any, tuple[float, int]] = {}  # task -> (when, tenth of the total)

    def update(self, task_id: Any, **kwargs: Any) -> None:
        super().update(task_id, **kwargs)
        if self._plain:
            self._log(task_id)

    def _log(self, task_id: Any) -> None:
        task = self._tasks[task_id]
        if not task.total:
            return
        now = time.monotonic()
        tenth = int(10 * task.completed / task.total)
        when, last = self._logged.get(task_id, (self._started, -1))
        if tenth == last or (now - when < self._log_every and task.completed < task.total):
            return
        self._logged[task_id] = (now, tenth)
        self.console.print(
            f"{task.description}: {task.completed:,.0f}/{task.total:,.0f} ({100 * task.completed / task.total:.0f}%) "
            f"after {now - self._started:.1f} s",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
