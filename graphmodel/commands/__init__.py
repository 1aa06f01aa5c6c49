"""CLI command groups beyond the core ones in :mod:`graphmodel.cli`.

Each module here defines ``register(app)`` adding its commands to the Typer app;
list it in ``MODULES`` to switch it on.
"""

from __future__ import annotations

from importlib import import_module

import typer

#: Modules (under graphmodel.commands) whose commands the CLI offers.
MODULES: list[str] = ["view", "synth", "qda", "metrics", "resolve", "server"]


def register_all(app: typer.Typer) -> None:
    """Add every command group's commands to ``app``."""
    for name in MODULES:
        import_module(f"graphmodel.commands.{name}").register(app)
