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
    """The bytes are in no encoding graphmodel can recognise; ``line`` is where, when known."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def _mixed_lines(data: bytes) -> tuple[int, int] | None:
    """The first UTF-8 line and the first other non-ASCII line, if a file mixes the two.

    GB18030 decodes almost any bytes, so UTF-8 lines in a GBK file would load as
    garbled text without a word; a line that is valid UTF-8 beside lines that are not
    gives the mix away (GBK text is almost never valid UTF-8).

    >>> _mixed_lines("云南\\n".encode() + "宁夏\\n".encode("gbk"))
    (1, 2)
    """
    utf8 = other = 0
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8 = utf8 or number
        except UnicodeDecodeError:
            other = other or number
        if utf8 and other:
            return utf8, other
    return None


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
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    mixed = _mixed_lines(data)
    if mixed:
        utf8, other = mixed
        raise UndecodableText(
            f"mixes encodings: line {utf8} is UTF-8 but line {other} is not; save the whole file as UTF-8 CSV",
            line=max(utf8, other),
        )
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    guess = f" (it looks like {best.encoding})" if best is not None else ""
    raise UndecodableText(f"not UTF-8 or GB18030/GBK{guess}; save it as UTF-8 CSV")
