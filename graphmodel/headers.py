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

__all__ = ["MAX_ALIASES", "MAX_HEADER_CHARS", "SAFE_LOADER", "load_header"]

#: Aliases a header may use.
MAX_ALIASES = 20
#: Longest header, in characters.
MAX_HEADER_CHARS = 65_536


#: libyaml's parser when PyYAML has it (its wheels do): schema.yaml in 4 ms instead of 60 ms.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_header(text: str) -> Any:
    """The YAML document in ``text``; raises :class:`yaml.YAMLError` if it is invalid or too big.

    The aliases are counted on the parser's events (linear in the text) before anything is
    composed, so a header with too many is refused before it can expand.
    """
    if len(text) > MAX_HEADER_CHARS:
        raise yaml.YAMLError(f"the header is longer than {MAX_HEADER_CHARS} characters")
    aliases = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_ALIASES:
                raise yaml.composer.ComposerError(None, None, f"more than {MAX_ALIASES} aliases (*name) in the header")
    return yaml.load(text, Loader=SAFE_LOADER)  # the safe loader: libyaml's when PyYAML has it
