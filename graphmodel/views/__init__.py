"""HTML views of the graph: self-contained, offline pages drawn with vis-network (shipped by pyvis).

Build a page from a NetworkX graph (:func:`read_graph` reads one from a store), or
from a focused view (:func:`ego`, :func:`access`, :func:`broker`), then write it
only to the path you name with :func:`write_page`.
"""

from graphmodel.views.focus import Focus, access, broker, ego
from graphmodel.views.graph import ViewError, only_round, read_graph
from graphmodel.views.layout import admin_layout, group_villages, tie_length_ratio
from graphmodel.views.page import PHYSICS_LIMIT, build_page, interview_index, write_page

__all__ = [
    "PHYSICS_LIMIT",
    "Focus",
    "ViewError",
    "access",
    "broker",
    "build_page",
    "ego",
    "group_villages",
    "interview_index",
    "admin_layout",
    "only_round",
    "read_graph",
    "tie_length_ratio",
    "write_page",
]
