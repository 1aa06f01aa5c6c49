"""Decode the bytes of a text file the way Chinese spreadsheets save them.

UTF-8 (with or without a byte-order mark) is tried first, then GB18030 (a superset
of GBK and GB2312, which Excel on a Chinese system writes). Anything else is refused
rather than guessed, since a wrong guess would load garbled names without a word;
charset-normalizer names the likely encoding in the error so the user can re-save.

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
                raise UndecodableText(
                    f"starts with a {encoding} byte-order mark but is not {encoding}: {exc.reason} at byte {exc.start}"
                ) from exc
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    best = from_bytes(data).best()
    guess = f" (it looks like {best.encoding})" if best is not None else ""
    raise UndecodableText(f"not UTF-8 or GB18030/GBK{guess}; save it as UTF-8 CSV")
