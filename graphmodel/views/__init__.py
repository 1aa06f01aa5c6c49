"""HTML views of the graph: self-contained, offline pages drawn with vis-network (shipped by pyvis).

Large graphs are placed by :func:`admin_layout` (the administrative line as a frame) and
open as an overview of groups (:func:`group_actors`) with their ties bundled and counted.

Build a page from a NetworkX graph (:func:`read_graph` reads one from a store), or
from a focused view (:func:`ego`, :func:`access`, :func:`broker`), then write it
only to the path you name with :func:`write_page`.
"""

from graphmodel.views.focus import Focus, access, broker, ego
from graphmodel.views.graph import ViewError, illustrative, only_round, only_stated, read_graph
from graphmodel.views.groups import group_actors
from graphmodel.views.layout import admin_layout, group_villages, tie_length_ratio
from graphmodel.views.page import OVERVIEW_LIMIT, PHYSICS_LIMIT, build_page, interview_index, write_page
from graphmodel.views.timeline import tie_years

__all__ = [
    "OVERVIEW_LIMIT",
    "PHYSICS_LIMIT",
    "Focus",
    "ViewError",
    "access",
    "admin_layout",
    "broker",
    "build_page",
    "ego",
    "group_actors",
    "group_villages",
    "illustrative",
    "interview_index",
    "only_round",
    "only_stated",
    "read_graph",
    "tie_length_ratio",
    "tie_years",
    "write_page",
]
