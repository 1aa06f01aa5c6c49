"""Names in Chinese, pinyin and English reduced to one comparable form.

A name is split into its *generic terms* (县 / County / Xian, 妇联 / 妇女联合会 /
Women's Federation / Fulian, 乡 / 镇 / Township / Town ...) and its *specific part*
(the place or proper name), which is written in toneless pinyin: Chinese through
``pypinyin``, pinyin with or without tone marks or tone numbers as it is, English words
as they are. The abbreviations and terms are data, in ``terms.yaml`` next to this module.

>>> a, b = split_name("会宁县妇女联合会"), split_name("Huìníng Xiàn Fùlián")
>>> a.specific, a.generic, a.zh
('huining', ('county', 'women_federation'), '会宁')
>>> (b.specific, b.generic) == (a.specific, a.generic) == split_name("Huining County Women's Federation")[:2]
True
>>> split_name("马家滩镇中学").generic == split_name("Majiatan Town Middle School").generic
True
>>> place_key("Yunnan Province"), place_key("云南省"), place_key("松坪县"), place_key("Songping")
('yunnan', 'yunnan', 'songping', 'songping')
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

import yaml
from pypinyin import Style, lazy_pinyin, pinyin

__all__ = ["NameKey", "Terms", "load_terms", "place_key", "split_name", "syllables", "system_key"]

#: Terms that name a place level, left out of an agency's system key.
PLACE_TERMS = frozenset({"province", "prefecture", "county", "township", "village"})
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_ZH_ORDINAL = re.compile(r"第([零〇一二三四五六七八九十百\d]+)")
_EN_ORDINAL = re.compile(r"\b(?:no|number|nr)\s*\.?\s*(\d+)\b")
_TONE_DIGIT = re.compile(r"(?<=[a-z])[1-5](?=[a-z]|\b)")
_PINYIN_DIGITS = ("yi", "er", "san", "si", "wu", "liu", "qi", "ba", "jiu", "shi")
_PINYIN_ORDINAL = re.compile(r"\bdi\s*(" + "|".join(_PINYIN_DIGITS) + r")\b")  # di yi = 第一
_NON_WORD = re.compile(r"[^a-z0-9#]+")
_STOPWORDS = frozenset({"the", "of", "for", "and", "in"})
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


class NameKey(NamedTuple):
    """A name as compared: toneless pinyin of the specific part, sorted generic terms, specific Chinese.

    ``readings`` holds other pinyin of the specific part where a character has several
    readings (长 chang or zhang), so a romanisation using either matches.
    """

    specific: str
    generic: tuple[str, ...]
    zh: str
    readings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Terms:
    """The abbreviation table and term spellings of ``terms.yaml``, indexed for lookup."""

    abbreviations: tuple[tuple[str, str], ...]  # longest first
    zh: dict[str, str]  # Chinese form -> term
    latin: dict[str, str]  # English or pinyin words, written together -> term
    suffix: frozenset[str]
    soft: frozenset[str]
    longest_zh: int
    longest_latin: int


def parse_terms(data: dict[str, Any]) -> Terms:
    """Index the parsed YAML of ``terms.yaml``."""
    abbreviations = sorted(data["abbreviations"].items(), key=lambda kv: -len(kv[0]))
    zh: dict[str, str] = {}
    latin: dict[str, str] = {}
    longest = 1
    for term, spec in data["terms"].items():
        for form in spec.get("zh", []):
            zh[form] = term
        for form in spec.get("en", []) + spec.get("pinyin", []):
            words = _latin_words(str(form))
            latin["".join(words)] = term
            longest = max(longest, len(words))
    # field notes write a term's own pinyin, syllables together or apart (min zheng ju, fu nu lian he hui)
    spelled = [(form, term) for form, term in zh.items()]
    spelled += [(long, zh[short]) for long, short in abbreviations if short in zh]
    for form, term in spelled:
        syllables = [s.replace("v", "u") for s in lazy_pinyin(form)]
        latin.setdefault("".join(syllables), term)
        longest = max(longest, len(syllables))
    suffix = frozenset(t for t, spec in data["terms"].items() if spec.get("suffix"))
    soft = frozenset(t for t, spec in data["terms"].items() if spec.get("soft"))
    return Terms(
        abbreviations=tuple(abbreviations),
        zh=zh,
        latin=latin,
        suffix=suffix,
        soft=soft,
        longest_zh=max(map(len, zh)),
        longest_latin=longest,
    )


@cache
def load_terms() -> Terms:
    """The terms shipped with graphmodel (``graphmodel/resolve/terms.yaml``), parsed once."""
    text = resources.files("graphmodel.resolve").joinpath("terms.yaml").read_text(encoding="utf-8")
    return parse_terms(yaml.safe_load(text))


def _fold(text: str) -> str:
    """Lower case, full-width to half-width, tone marks and ü dropped.

    >>> _fold("Lǜ Shuǐ （Xian）")
    'lu shui (xian)'
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _latin_words(text: str) -> list[str]:
    """Words of Latin-script text: ordinals as ``#N``, tone digits, apostrophes and punctuation dropped.

    >>> _latin_words("Hui4ning2 County No. 1 Women's  Federation")
    ['huining', 'county', '#1', 'womens', 'federation']
    """
    text = _fold(text).replace("&", " and ").replace("'", "").replace("’", "").replace("u:", "u")
    text = _EN_ORDINAL.sub(lambda m: f" #{int(m[1])} ", text)
    text = _TONE_DIGIT.sub("", text)
    text = _PINYIN_ORDINAL.sub(lambda m: f" #{_PINYIN_DIGITS.index(m[1]) + 1} ", text)
    return _NON_WORD.sub(" ", text).split()


def _zh_number(text: str) -> int:
    """A Chinese (or Arabic) ordinal as a number.

    >>> _zh_number("三"), _zh_number("十二"), _zh_number("二十"), _zh_number("7")
    (3, 12, 20, 7)
    """
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (_ZH_DIGITS.get(ones, 0) if ones else 0)
    return _ZH_DIGITS.get(text, 0)


Token = tuple[str, str, str]  # kind ("term", "zh" or "word"), value (term name or text), surface text


def _tokens(text: str, terms: Terms) -> list[Token]:
    """Tokens of a name: generic terms (longest spelling first), Chinese characters, Latin words."""
    for long, short in terms.abbreviations:
        text = text.replace(long, short)
    text = _ZH_ORDINAL.sub(lambda m: f" #{_zh_number(m[1])} ", text)
    out: list[Token] = []
    i, latin_start = 0, 0
    while i < len(text):
        if not _CJK.match(text[i]):
            i += 1
            continue
        out += _latin_tokens(text[latin_start:i], terms)
        for size in range(min(terms.longest_zh, len(text) - i), 0, -1):
            term = terms.zh.get(text[i : i + size])
            if term:
                out.append(("term", term, text[i : i + size]))
                i += size
                break
        else:
            out.append(("zh", text[i], text[i]))
            i += 1
        latin_start = i
    out += _latin_tokens(text[latin_start:], terms)
    return out


def _latin_tokens(text: str, terms: Terms) -> list[Token]:
    """Latin words, where one or more words that, written together, spell a term are that term."""
    words = _latin_words(text)
    out: list[Token] = []
    i = 0
    while i < len(words):
        if words[i].startswith("#"):
            out.append(("term", words[i], words[i]))
            i += 1
            continue
        for size in range(min(terms.longest_latin, len(words) - i), 0, -1):
            surface = "".join(words[i : i + size])
            term = terms.latin.get(surface)
            if term:
                out.append(("term", term, surface))
                i += size
                break
        else:
            if words[i] not in _STOPWORDS:
                out.append(("word", words[i], words[i]))
            i += 1
    return out


@lru_cache(maxsize=1 << 18)
def split_name(text: str, terms: Terms | None = None) -> NameKey:
    """Split a name (Chinese, pinyin or English) into its specific part and generic terms.

    A one-character place word (县, 乡, 市 ...) counts as generic only at the end of the
    name or before another generic term.

    >>> split_name("小松乡村教育中心")[:3]
    ('xiaosong', ('centre', 'education', 'rural'), '小松')
    >>> split_name("红柳县第一中学").generic == split_name("Hongliu County No. 1 Middle School").generic
    True
    >>> split_name("Song Ping Xian Jiaoyuju")
    NameKey(specific='songping', generic=('county', 'education_bureau'), zh='', readings=())
    """
    terms = terms or load_terms()
    tokens = _split_place_words(_tokens(text, terms), terms)
    specific: list[str] = []
    zh: list[str] = []
    generic: list[str] = []
    for index, (kind, value, surface) in enumerate(tokens):
        if kind == "term" and value in terms.suffix:
            following = tokens[index + 1][0] if index + 1 < len(tokens) else "term"
            if following != "term":  # a place word inside a name (乡 in 乡村 is a term of its own)
                kind, value = ("zh" if _CJK.match(surface) else "word"), surface
        if kind == "term":
            generic.append(value)
        elif kind == "zh":
            zh.append(value)
            specific.append(value)
        else:
            specific.append(value)
    key = _pinyin(specific)
    readings = _readings("".join(zh)) if zh and len(zh) == len(specific) else ()
    return NameKey(key, tuple(sorted(generic)), "".join(zh), tuple(r for r in readings if r != key))


def _split_place_words(tokens: list[Token], terms: Terms) -> list[Token]:
    """Cut a place word off pinyin written together with it before an agency's term (Huiningxian Fulian).

    Only before a term that is not itself a place word (a village called Daxiang Cun keeps
    its name), or at the end of the name when two syllables or more stay (Songhecun).

    >>> [t[1] for t in _split_place_words(_tokens("Taoshanxian Jiaoyuju", load_terms()), load_terms())]
    ['taoshan', 'county', 'education_bureau']
    """
    out: list[Token] = []
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        parts = syllables(token[1]) if token[0] == "word" else None
        if following is None:
            keep = 2  # at the end, only when two syllables stay: Songhecun, but not Daxiang
        elif following[0] == "term" and following[1] not in PLACE_TERMS:
            keep = 1
        else:
            parts = None
        cut: list[Token] = []
        while parts and len(parts) > keep and terms.latin.get(parts[-1]) in PLACE_TERMS & terms.suffix:
            cut.insert(0, ("term", terms.latin[parts[-1]], parts[-1]))
            parts = parts[:-1]
        if cut and parts:
            out += [("word", "".join(parts), "".join(parts)), *cut]
        else:
            out.append(token)
    return out


def _pinyin(parts: list[str]) -> str:
    """Latin words as they are (lv written lu when that makes pinyin), Chinese in toneless pinyin (ü as u)."""
    out, run = [], []
    for part in [*parts, ""]:
        if part and _CJK.match(part):
            run.append(part)
            continue
        if run:
            out += [syllable.replace("v", "u") for syllable in lazy_pinyin("".join(run))]
            run = []
        if "v" in part and syllables(part) is None and syllables(part.replace("v", "u")) is not None:
            part = part.replace("v", "u")  # field notes write ü as v: lvgen
        out.append(part)
    return "".join(out)


#: At most this many readings of a name are kept (a name of several many-reading characters).
MAX_READINGS = 8


def _readings(zh: str) -> tuple[str, ...]:
    """Every toneless pinyin of a Chinese text, when its characters have several readings (at most ``MAX_READINGS``).

    >>> _readings("长阳")
    ('changyang', 'zhangyang')
    """
    combos = [""]
    for options in pinyin(zh, style=Style.NORMAL, heteronym=True):
        combos = [c + o.replace("v", "u") for c in combos for o in dict.fromkeys(options)][:MAX_READINGS]
    return tuple(sorted(combos)) if len(combos) > 1 else ()


def place_key(text: str | None) -> str:
    """A place (province, county, township) as compared: its specific part in toneless pinyin.

    >>> place_key("宁夏回族自治区") == place_key("Ningxia") == "ningxia"
    True
    >>> place_key(None), place_key("")
    ('', '')
    """
    if not text:
        return ""
    key = split_name(text)
    return key.specific or "|".join(key.generic)


def system_key(text: str | None) -> str:
    """An agency's system as compared: its generic terms other than place words.

    >>> system_key("Women's Federation"), system_key("妇女联合会"), system_key("Township Government")
    ('women_federation', 'women_federation', 'government')
    """
    if not text:
        return ""
    key = split_name(text)
    kinds = [g for g in key.generic if g not in PLACE_TERMS]
    return "|".join(kinds) or key.specific


@cache
def _syllable_set() -> frozenset[str]:
    """Every toneless pinyin syllable (with a vowel) that pypinyin knows, ü written u."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            syllable = _fold(reading).replace("v", "u")
            if syllable.isalpha() and any(v in syllable for v in "aeiou"):
                out.add(syllable)
    return frozenset(out)


@lru_cache(maxsize=1 << 18)
def syllables(text: str) -> tuple[str, ...] | None:
    """``text`` cut into the fewest pinyin syllables, or None when it is not all pinyin.

    >>> syllables("changlin"), syllables("xian"), syllables("mountainspring")
    (('chang', 'lin'), ('xian',), None)
    """
    if not text or not text.isalpha() or not text.isascii():
        return None
    known = _syllable_set()
    best: list[tuple[str, ...] | None] = [()] + [None] * len(text)
    for end in range(1, len(text) + 1):
        for start in range(max(0, end - 6), end):
            head = best[start]
            fewer = best[end] is None or (head is not None and len(head) + 1 < len(best[end] or ()))
            if head is not None and text[start:end] in known and fewer:
                best[end] = (*head, text[start:end])
    return best[-1]
