"""The Python API for loading: read files with the readers in ``loaders/``, load them with the engine.

The engine (:mod:`graphmodel.engine`) takes neutral tables only; this module, like
the CLI, wires a reader to it.

>>> import tempfile
>>> from graphmodel.sample import sample_path
>>> from graphmodel.stores import open_store
>>> with open_store("embedded:" + tempfile.mkdtemp()) as store:
...     load_package(store, sample_path()).written
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from graphmodel.engine.load import LoadOptions, LoadReport, load
from graphmodel.errors import InvalidPackage, LoadRefused
from graphmodel.schema import Schema
from graphmodel.stores.base import Store
from graphmodel.tables import RawPackage
from loaders.fieldwork import read_package

__all__ = ["LoadOptions", "LoadReport", "load_package"]


def load_package(
    store: Store,
    source: str | Path | RawPackage,
    *,
    name: str | None = None,
    schema: Schema | None = None,
    options: LoadOptions | None = None,
    progress: Callable[[int, int], None] | None = None,
    dry_run: bool = False,
) -> LoadReport:
    """Read a fieldwork package (a CSV folder or a workbook, or tables already read) and load it.

    See :func:`graphmodel.engine.load.load` for what a load does and raises. After a load
    that wrote, the report's ``warnings`` list the mobilisations on an NGO's behalf that
    join no access chain (:func:`graphmodel.chains.unjoined_warnings`).
    """
    raw = source if isinstance(source, RawPackage) else read_package(source, name=name)
    report = load(store, raw, schema=schema, options=options, progress=progress, dry_run=dry_run)
    if report.written:
        report.warnings.extend(_unjoined(store, report))
    if report.affected and options is not None and options.reload_affected and not dry_run:
        _reload_affected(store, report, schema, options)
    return report


def _reload_affected(store: Store, report: LoadReport, schema: Schema | None, options: LoadOptions) -> None:
    """Reload, each with its own load and the usual rules, the packages the decisions in force no longer match.

    Each reload reads the package from the path its last load recorded; its report goes to
    ``report.reloaded`` and the warnings that named it are dropped once it follows the decisions.
    """
    again = replace(options, priority=None, reload_affected=False)
    for affected in list(report.affected.values()):
        if affected.package == report.package or not affected.path:
            continue
        try:
            done = load(store, read_package(affected.path, name=affected.package), schema=schema, options=again)
        except (InvalidPackage, LoadRefused) as exc:  # this load stands; the other package stays as it was
            report.warnings.append(f"reloading package {affected.package!r} from {affected.path}: {exc}")
            continue
        report.reloaded.append(done)
    final = report.reloaded[-1].affected if report.reloaded else report.affected
    stale = {a.warning for a in report.affected.values()} - {a.warning for a in final.values()}
    report.warnings = [w for w in report.warnings if w not in stale]
    report.affected = dict(final)


#: The load checks the chains of at most this many NGOs (one anchored query each); beyond, it says how to.
CHECK_NGOS = 50


def _unjoined(store: Store, report: LoadReport) -> list[str]:
    """Mobilisations on behalf of the package's NGOs that join no access chain: reported, never dropped."""
    from graphmodel.chains import unjoined_warnings

    wanted = ("on_behalf_of",)
    ngos = sorted({str(ngo) for t in report.plan.records.ties for ngo in t.pick(wanted) if ngo})
    if len(ngos) > CHECK_NGOS:
        return [
            f"mobilisations on behalf of {len(ngos)} NGOs were not checked against the access chains at load "
            "(a large package): run `graphmodel query unjoined_mobilisations` to list those that join no chain"
        ]
    return [warning for ngo in ngos for warning in unjoined_warnings(store, ngo)]
