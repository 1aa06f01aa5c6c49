"""Read a query file's YAML header without letting aliases multiply it.

YAML aliases (``*a``) repeat a node; nested, a few lines expand into billions of
values ("billion laughs"). A header is read with PyYAML's safe loader and at most
:data:`MAX_ALIASES` aliases, which bounds the expansion to about a thousand times
the header's size; more is refused as invalid YAML.

>>> load_header("name: q\\nx: &a [1, 2]\\ny: *a")
{'name': 'q', 'x': [1, 2], 'y': [1, 2]}
>>> load_header("a: &a [x, x]\\n" + "".join(f"b{i}: &b{i} [*{'a' if i == 0 else f'b{i-1}'}]\\n" for i in range(30)))
Traceback (most recent call last):
...
yaml.composer.ComposerError: more than 20 aliases (*name) in the header
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["MAX_ALIASES", "MAX_HEADER_CHARS", "load_header"]

#: Aliases a header may use.
MAX_ALIASES = 20
#: Longest header, in characters.
MAX_HEADER_CHARS = 65_536


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, counting aliases as it composes the document."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases (*name) in the header")
        return super().compose_node(parent, index)


def load_header(text: str) -> Any:
    """The YAML document in ``text``; raises :class:`yaml.YAMLError` if it is invalid or too big."""
    if len(text) > MAX_HEADER_CHARS:
        raise yaml.YAMLError(f"the header is longer than {MAX_HEADER_CHARS} characters")
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
