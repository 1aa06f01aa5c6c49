"""Decode the bytes of a text file the way Chinese spreadsheets save them.

Accepted: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark,
and GB18030 (a superset of GBK and GB2312, which Excel on a Chinese system writes).
Everything else is refused with the encoding named, never guessed: UTF-32, UTF-16 or
UTF-32 without a byte-order mark, and the other CJK encodings (Big5, Shift-JIS, EUC-KR,
...) that GB18030 would otherwise decode, without an error, into different characters.

Telling GBK from Big5 or Shift-JIS: nearly every character of simplified Chinese text
is in GB2312, the common core of GBK; the same bytes written in Big5 or Shift-JIS
decode as GBK mostly into characters outside it. A file whose non-ASCII characters
are mostly outside GB2312 is refused (when there are at least
:data:`MIN_EVIDENCE` of them: a file with one rare character is not judged).
EUC-KR and EUC-JP share GB2312's byte ranges; charset-normalizer's measure of how
garbled a reading looks decides, and a tie goes to GBK.

>>> decode("云南".encode("gb18030"))
('云南', 'gb18030')
>>> decode("\\ufeffid".encode("utf-8"))
('id', 'utf-8-sig')
>>> decode("id,name\\n".encode("utf-16-le"))
Traceback (most recent call last):
...
loaders.encoding.UndecodableText: is UTF-16 (little-endian) without a byte-order mark; save it as UTF-8 CSV
"""

from __future__ import annotations

from charset_normalizer import from_bytes

_UTF32_BOMS = {b"\xff\xfe\x00\x00": "UTF-32 (little-endian)", b"\x00\x00\xfe\xff": "UTF-32 (big-endian)"}
_BOMS = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
#: Other encodings a CJK spreadsheet may be saved in, named when a file looks like one of them.
OTHER_CJK = ("big5", "shift_jis", "euc_kr", "euc_jp", "cp932", "cp950", "cp949", "big5hkscs")
#: Non-ASCII characters outside GB2312 needed before a GB18030 reading is judged.
MIN_EVIDENCE = 3
#: The share of non-ASCII characters that must be in GB2312 for a file to read as GBK.
MIN_GB2312_SHARE = 0.5


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


def _wide_unicode(data: bytes) -> str | None:
    """The name of UTF-16 or UTF-32 without a byte-order mark, if the bytes look like one.

    ASCII text in these encodings has NUL bytes in fixed places (every other byte, or
    three of every four); UTF-8 and GBK text never has NUL bytes at all.

    >>> _wide_unicode("id,名".encode("utf-32-be")), _wide_unicode(b"id,name")
    ('UTF-32 (big-endian)', None)
    """
    head = data[:4096]
    if b"\x00" not in head:
        return None
    quads = [head[i : i + 4] for i in range(0, len(head) - 3, 4)]
    if quads and sum(q[1:] == b"\x00\x00\x00" for q in quads) > len(quads) / 2:
        return "UTF-32 (little-endian)"
    if quads and sum(q[:3] == b"\x00\x00\x00" for q in quads) > len(quads) / 2:
        return "UTF-32 (big-endian)"
    pairs = len(head) // 2
    if pairs and head[1::2].count(0) > pairs / 2:
        return "UTF-16 (little-endian)"
    if pairs and head[0::2].count(0) > pairs / 2:
        return "UTF-16 (big-endian)"
    return None


def _other_cjk(data: bytes, text: str) -> str | None:
    """The encoding a file decoded as GB18030 is really in, when it is not GBK (see the module docs).

    >>> _other_cjk("青山環保協會".encode("big5"), "青山環保協會".encode("big5").decode("gb18030"))
    'Big5'
    """
    wide = [c for c in text if 0x7F < ord(c) <= 0xFFFF]
    outside = 0
    for char in wide:
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            # four-byte GB18030 characters (Korean, emoji) are real GB18030, never a misreading
            outside += len(char.encode("gb18030")) == 2
    if outside >= MIN_EVIDENCE and (len(wide) - outside) / len(wide) < MIN_GB2312_SHARE:
        fits = []
        for encoding in OTHER_CJK:
            try:
                data.decode(encoding)
            except UnicodeDecodeError:
                continue
            fits.append(encoding)
        if not fits:
            return "an encoding other than GBK"
        best = from_bytes(data, cp_isolation=fits).best()
        return _NAMES.get(best.encoding if best is not None else fits[0], fits[0])
    # EUC-KR and EUC-JP use GB2312's own byte ranges: only the text's statistics tell them apart
    chaos = {m.encoding: m.chaos for m in from_bytes(data, cp_isolation=["gb18030", "euc_kr", "euc_jp"])}
    if chaos:
        best_name = min(chaos, key=lambda name: (chaos[name], name != "gb18030"))
        if best_name != "gb18030" and chaos.get("gb18030", 1.0) > chaos[best_name]:
            return _NAMES.get(best_name, best_name)
    return None


_NAMES = {
    "big5": "Big5",
    "cp950": "Big5",
    "big5hkscs": "Big5-HKSCS",
    "shift_jis": "Shift-JIS",
    "cp932": "Shift-JIS",
    "euc_kr": "EUC-KR",
    "cp949": "EUC-KR",
    "euc_jp": "EUC-JP",
}


def decode(data: bytes) -> tuple[str, str]:
    """Return the text and the name of the encoding it was in."""
    for bom, name in _UTF32_BOMS.items():
        if data.startswith(bom):
            raise UndecodableText(f"is {name}; save it as UTF-8 CSV")
    for bom, encoding in _BOMS.items():
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise UndecodableText(
                    f"starts with a {encoding} byte-order mark but is not {encoding}: {exc.reason} at byte {exc.start}"
                ) from exc
    wide = _wide_unicode(data)
    if wide:
        raise UndecodableText(f"is {wide} without a byte-order mark; save it as UTF-8 CSV")
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
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        misread = _other_cjk(data, text)
        if misread is None:
            return text, "gb18030"
        raise UndecodableText(
            f"looks like {misread}, not UTF-8 or GB18030/GBK (read as GBK it gives other characters); "
            "save it as UTF-8 CSV"
        )
    best = from_bytes(data).best()
    guess = f" (it looks like {best.encoding})" if best is not None else ""
    raise UndecodableText(f"not UTF-8 or GB18030/GBK{guess}; save it as UTF-8 CSV")
