"""Show URIs without the secrets they may carry.

A store URI may hold a user name and password (``bolt://user:pass@host``) or a
password in its query string (``?password=...``). Whatever the scheme or its
case, and however malformed the URI, the text shown in an error keeps only the
scheme, host, port and path.

>>> safe_uri("Bolt://neo4j:s3cret@db.example.org:7687/x?password=s3cret#frag")
'bolt://db.example.org:7687/x'
>>> scrub("cannot connect to NEO4J+S://u:p@h.io?token=t (refused)")
'cannot connect to neo4j+s://h.io (refused)'
"""

from __future__ import annotations

import re

__all__ = ["safe_uri", "scheme_of", "scrub", "secrets_of", "unsafe_reason"]

#: A scheme (RFC 3986: a letter, then letters, digits, ``+ - .``), a colon and what follows
#: up to white space or a quote: how a URI is spotted inside a message.
_URI = re.compile(r"\b([A-Za-z][A-Za-z0-9+.\-]*):(//)?([^\s'\"<>`]*)")
#: Host, port and path characters kept when ``urlsplit`` cannot parse the rest.
_KEEP = re.compile(r"[A-Za-z0-9.\-_:\[\]%/]*")


def scheme_of(uri: str) -> str:
    """The URI's scheme in lower case, or ``""`` when it has none.

    >>> scheme_of("NEO4J+S://h"), scheme_of("embedded:x"), scheme_of("no scheme")
    ('neo4j+s', 'embedded', '')
    """
    match = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.\-]*):", uri)
    return match[1].lower() if match else ""


def safe_uri(uri: str) -> str:
    """``uri`` without user info, query string and fragment; the scheme in lower case.

    Malformed URIs (a bad port, an unclosed IPv6 bracket, several ``@``, a password
    holding ``/``, ``?`` or ``#``) are cut after their last ``@`` and at the first
    ``?``, ``#`` or ``;``: the result may lose part of a host, never shows a secret.

    >>> safe_uri("bolt://a:b@[::1")
    'bolt://[::1'
    >>> safe_uri("neo4j://u:p@@h:99999/db;password=x")
    'neo4j://h:99999/db'
    >>> safe_uri("bolt://user:pa"), safe_uri("bolt://u:p/s?s#x@h:1")
    ('bolt://', 'bolt://h:1')
    >>> safe_uri("embedded:.graphmodel/graph")
    'embedded:.graphmodel/graph'
    """
    text = uri.strip()
    scheme = scheme_of(text)
    if not scheme or text[len(scheme) : len(scheme) + 3] != "://":
        # not a URL with an authority (embedded:PATH, a bare host): cut a query and any user info
        rest = re.split(r"[?#]", text, maxsplit=1)[0]
        return rest.rsplit("@", 1)[-1]
    rest = text[len(scheme) + 3 :]
    # A password may hold '/', '?', '#' or '@' itself: everything up to the last '@' goes first.
    rest = rest.rsplit("@", 1)[-1]
    rest = re.split(r"[?#;]", rest, maxsplit=1)[0]  # query, fragment, and ;params some drivers read
    authority, slash, path = rest.partition("/")
    port = authority.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in authority.rsplit("]", 1)[-1] else ""
    if port and not port.isdigit():
        authority = ""  # 'user:password' cut short (a space in the password): not a host and port
    kept = _KEEP.match(authority + slash + path)
    return f"{scheme}://{kept[0] if kept else ''}"


def scrub(text: str, uri: str | None = None) -> str:
    """``text`` with every URI in it replaced by :func:`safe_uri`'s form.

    With ``uri``, the parts of it :func:`secrets_of` names are blanked too, however they are
    quoted. Without ``//`` (``bolt:user:pw@host``), a ``scheme:`` word is rewritten only when it
    holds an ``@`` or a ``?``, so ``ngos.csv:3:name:`` stays as it is.

    >>> scrub("unknown store 'HTTP://me:pw@x/?a=1'")
    "unknown store 'http://x/'"
    >>> scrub("ngos.csv:3:name: bad; bolt:me:pw@x")
    'ngos.csv:3:name: bad; x'
    """
    text = _URI.sub(lambda m: safe_uri(m[0]) if m[2] or "@" in m[3] or "?" in m[3] else m[0], text)
    for secret in secrets_of(uri) if uri else ():
        text = text.replace(secret, "***")
    return text


#: Query parameters that carry a secret (compared in lower case, without ``-`` and ``_``).
SECRET_PARAMS = ("password", "passwd", "pass", "pwd", "secret", "token", "auth", "credentials", "key", "apikey")


def secrets_of(uri: str) -> list[str]:
    """The parts of ``uri`` that :func:`safe_uri` leaves out (user info, query, fragment), longest first.

    A library's error may quote a URI in its own way (``neo4j:secret`` as a host
    name); :func:`scrub` with ``uri=`` blanks these parts wherever they appear.

    >>> secrets_of("bolt://me:pw123@h:1/db?a=token1#f")
    ['a=token1', 'me:pw123', 'token1', 'pw123']
    """
    text = uri.strip()
    scheme = scheme_of(text)
    rest = text[len(scheme) + 1 :].lstrip("/") if scheme else text
    found: list[str] = []
    if "@" in rest:
        user, _, rest = rest.rpartition("@")
        found += [user, *user.split(":")]
    for separator in "?#;":
        if separator in rest:
            rest, _, tail = rest.partition(separator)
            for part in re.split(r"[?#;&]", tail):
                found += [part, part.partition("=")[2]]
    authority = rest.partition("/")[0]
    if ":" in authority and not authority.rsplit(":", 1)[1].isdigit() and "]" not in authority:
        found += [authority, authority.rsplit(":", 1)[1]]
    return sorted({f for f in found if len(f) >= 3}, key=lambda f: (-len(f), f))


def unsafe_reason(uri: str) -> str | None:
    """Why ``uri`` must not be handed to a database driver (it would carry or echo a secret), or None.

    >>> unsafe_reason("neo4j://h:7687?policy=eu"), unsafe_reason("bolt://h:7687?password=x")
    (None, 'a secret in the query string (password): put it in NEO4J_PASSWORD')
    """
    text = uri.strip()
    if "@" in text:
        return "put credentials in NEO4J_USERNAME and NEO4J_PASSWORD, not in the URI"
    if "#" in text or ";" in text:
        return "a URI of a store may not have a fragment (#) or parameters (;)"
    scheme = scheme_of(text)
    rest = text[len(scheme) + 3 :] if text[len(scheme) : len(scheme) + 3] == "://" else text
    authority, _, query = rest.partition("?")
    authority = authority.partition("/")[0]
    port = authority.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in authority.rsplit("]", 1)[-1] else ""
    if port and not port.isdigit():
        return "the port is not a number"
    for pair in filter(None, query.split("&")):
        name = pair.partition("=")[0].lower().replace("-", "").replace("_", "")
        if any(word in name for word in SECRET_PARAMS):
            return f"a secret in the query string ({name}): put it in NEO4J_PASSWORD"
    return None
