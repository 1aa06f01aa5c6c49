"""The engine: validate a package, plan what it asserts against the graph, write one ordered stream.

Readers (``loaders/``) turn files into :class:`~graphmodel.tables.RawPackage`; the
engine never imports them. Stores execute the engine's write stream through a
load session (:class:`~graphmodel.stores.base.LoadSession`).
"""
