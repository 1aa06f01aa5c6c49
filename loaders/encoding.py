"""Decode the bytes of a text file the way Chinese spreadsheets save them.

UTF-8 (with or without a byte-order mark) is tried first, then GB18030 (a superset
of GBK and GB2312, which Excel on a Chinese system writes); anything else is left to
charset-normalizer's detection.

>>> decode("云南".encode("gb18030"))
('云南', 'gb18030')
>>> decode("\\ufeffid".encode("utf-8"))
('id', 'utf-8-sig')
"""

from __future__ import annotations

from charset_normalizer import from_bytes

_BOMS = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}


class UndecodableText(ValueError):
    """The bytes are in no encoding graphmodel can recognise."""


def decode(data: bytes) -> tuple[str, str]:
    """Return the text and the name of the encoding it was in."""
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableText(f"starts with a {encoding} byte-order mark but is not {encoding}: {exc.reason} at byte {exc.start}") from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    if best is None:
        raise UndecodableText("not UTF-8, GB18030/GBK or any encoding that can be detected")
    return str(best), best.encoding
