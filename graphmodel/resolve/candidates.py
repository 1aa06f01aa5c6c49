"""Candidate duplicates: actors blocked by label, kind and place, scored from their names.

Two actors are compared only when they have the same label and kind (an agency's system
and level, a funder's kind) and their places agree as far as both are known: province,
then county, then township. An actor whose county is not known is compared with every
actor of its province; one without a province with every actor of its label and kind.
Within a block, ``rapidfuzz`` compares the specific parts of all names at once and only
pairs that come close are scored in full by :func:`score_pair`.

>>> from graphmodel.resolve.actors import Actor
>>> a = Actor("wf-a", "Agency", "round1", "Huining County Women's Federation", "会宁县妇联", county="huining")
>>> b = Actor("wf-b", "Agency", "notes", "Huining Xian Fulian", county="huining")
>>> c = Actor("wf-c", "Agency", "coder", "", "会宁县妇女联合会", county="huining")
>>> [(x.merge.id, x.keep.id, x.score) for x in find_candidates([a, b, c])]
[('wf-b', 'wf-a', 100.0), ('wf-c', 'wf-a', 100.0), ('wf-c', 'wf-b', 100.0)]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process

from graphmodel.resolve.actors import Actor
from graphmodel.resolve.names import PLACE_TERMS, NameKey, load_terms, split_name, syllables

__all__ = [
    "DEFAULT_MIN_SCORE",
    "DEFAULT_THRESHOLD",
    "Candidate",
    "MatchStats",
    "find_candidates",
    "name_forms",
    "score_pair",
]

#: Score (0-100) from which a pair is taken to be the same actor (precision and recall are measured here).
DEFAULT_THRESHOLD = 85.0
#: Lowest score of a candidate written out for review (the "unsure" band lies between the two).
DEFAULT_MIN_SCORE = 70.0
#: A homophone (same pinyin, different Chinese characters) scores at most this.
HOMOPHONE_CAP = 75.0
#: Points a pair of pinyin names loses, at least, when their syllables differ (see ``_similarity``).
SYLLABLE_COST = 15
#: Query rows compared per rapidfuzz call (bounds the score matrix to CHUNK x block size bytes).
CHUNK = 2048


@dataclass(frozen=True, slots=True)
class Candidate:
    """A likely duplicate: ``merge`` would be merged into ``keep``; the score (0-100) and why."""

    merge: Actor
    keep: Actor
    score: float
    reasons: tuple[str, ...]


@dataclass
class MatchStats:
    """What candidate generation did: blocks, name comparisons, pairs scored in full, candidates."""

    actors: int = 0
    blocks: int = 0
    comparisons: int = 0
    scored: int = 0
    candidates: int = 0


def name_forms(actor: Actor) -> tuple[tuple[str, NameKey], ...]:
    """The actor's names as :class:`NameKey`, each with the column it came from (equal keys once).

    >>> [c for c, _ in name_forms(Actor("x", "Village", "p", "Dashuijing Village", "大水井村"))]
    ['name']
    """
    return _forms(actor.name, actor.name_zh)


@lru_cache(maxsize=1 << 18)
def _forms(name: str, name_zh: str) -> tuple[tuple[str, NameKey], ...]:
    out: list[tuple[str, NameKey]] = []
    for column, text in (("name", name), ("name_zh", name_zh)):
        if text:
            key = split_name(text)
            if all(key[:2] != k[:2] for _, k in out):
                out.append((column, key))
            elif key.zh:  # same pinyin as an earlier form: keep the characters for the homophone check
                out = [(c, k._replace(zh=k.zh or key.zh)) for c, k in out]
    return tuple(out)


def _generic_factor(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, str]:
    """How far the generic terms of two names agree (1 = fully), and why not.

    >>> _generic_factor(("county", "women_federation"), ("county", "women_federation"))
    (1.0, '')
    >>> _generic_factor(("#1", "middle_school"), ("#2", "middle_school"))
    (0.4, 'different numbers: 1 vs 2')
    """
    if a == b:
        return 1.0, ""
    factor, notes = 1.0, []
    ords = [{g[1:] for g in x if g.startswith("#")} for x in (a, b)]
    if ords[0] and ords[1] and ords[0] != ords[1]:
        factor *= 0.4
        notes.append(f"different numbers: {','.join(sorted(ords[0]))} vs {','.join(sorted(ords[1]))}")
    places = [set(x) & PLACE_TERMS for x in (a, b)]
    if places[0] and places[1] and not places[0] & places[1]:
        factor *= 0.8
        notes.append(f"different place words: {','.join(sorted(places[0]))} vs {','.join(sorted(places[1]))}")
    kinds = [{g for g in x if not g.startswith("#")} - PLACE_TERMS for x in (a, b)]
    if kinds[0] != kinds[1]:
        if not kinds[0] or not kinds[1] or kinds[0] <= kinds[1] or kinds[1] <= kinds[0]:
            factor *= 0.92
            notes.append(f"terms in one name only: {','.join(sorted(kinds[0] ^ kinds[1]))}")
        elif not (kinds[0] ^ kinds[1]) - load_terms().soft:
            factor *= 0.8
            notes.append(f"different descriptive terms: {','.join(sorted(kinds[0]))} vs {','.join(sorted(kinds[1]))}")
        else:
            overlap = len(kinds[0] & kinds[1]) / len(kinds[0] | kinds[1])
            factor *= 0.5 + 0.3 * overlap
            notes.append(f"different terms: {','.join(sorted(kinds[0]))} vs {','.join(sorted(kinds[1]))}")
    return round(factor, 4), "; ".join(notes)


def _similarity(a: str, b: str) -> float:
    """Similarity (0-100) of two specific parts: by letters, and by syllables when both are pinyin.

    One other syllable is another character, so it weighs more than a letter: 长林
    (changlin) and 长新 (changxin) are 88 alike by letters, 50 by syllables, and score
    ``SYLLABLE_COST`` below the letters at least (a typo can make a valid syllable too).

    >>> _similarity("changlin", "changxin"), _similarity("huining", "huining"), _similarity("mountain", "mountian")
    (72.5, 100.0, 87.5)
    """
    if a == b:
        return 100.0
    letters = fuzz.ratio(a, b)
    sa, sb = syllables(a), syllables(b)
    if sa is not None and sb is not None and sa != sb:
        return round(min(letters, max(fuzz.ratio(sa, sb), letters - SYLLABLE_COST)), 1)
    return letters


def _compare(a: NameKey, b: NameKey, explain: bool = True) -> tuple[float, str]:
    if a.specific == b.specific:
        similarity = 100.0
    elif a.readings or b.readings:
        similarity = max(_similarity(x, y) for x in (a.specific, *a.readings) for y in (b.specific, *b.readings))
    else:
        similarity = _similarity(a.specific, b.specific)
    factor, why = _generic_factor(a.generic, b.generic)
    score = round(similarity * factor, 1)
    if not explain:
        return score, ""
    return score, f"{a.specific or '-'}~{b.specific or '-'} {similarity:.0f}" + (f" ({why})" if why else "")


def score_pair(a: Actor, b: Actor) -> tuple[float, tuple[str, ...]]:
    """Score (0-100) how likely two actors are one, with the evidence behind it.

    When both have Chinese names, the Chinese names decide (compared after the
    abbreviation table, so 妇联 = 妇女联合会 and 乡 = 镇); the other names are listed as
    evidence. Other characters halve the weight of the pinyin (白岩 and 白崖
    are two places as often as one), and a homophone scores at most ``HOMOPHONE_CAP``.
    Otherwise the best agreement between any two names counts (Chinese via pinyin,
    English and pinyin spellings with fuzzy matching).

    >>> a = Actor("a", "Village", "p1", "Baiyan Village", "白岩村")
    >>> score_pair(a, Actor("b", "Village", "p2", "Bai Yan Cun", ""))
    (100.0, ('name~name: baiyan~baiyan 100',))
    >>> score_pair(a, Actor("c", "Village", "p2", "Baiya Village", "白崖村"))[0]
    63.0
    """
    return _score_names(a.name, a.name_zh, b.name, b.name_zh, True)


@lru_cache(maxsize=1 << 20)
def _score_names(
    name_a: str, zh_a_text: str, name_b: str, zh_b_text: str, explain: bool = False
) -> tuple[float, tuple[str, ...]]:
    """:func:`score_pair` on the names alone, cached (many actors share names: 新村 in every county).

    Without ``explain`` only the comparisons that decide the score run and no reasons are given.
    """
    forms_a, forms_b = _forms(name_a, zh_a_text), _forms(name_b, zh_b_text)
    zh_a = [k for _, k in forms_a if k.zh]
    zh_b = [k for _, k in forms_b if k.zh]
    reasons: list[str] = []
    best = 0.0
    if explain or not (zh_a and zh_b):
        for col_a, key_a in forms_a:
            for col_b, key_b in forms_b:
                score, why = _compare(key_a, key_b, explain)
                reasons.append(f"{col_a}~{col_b}: {why}")
                best = max(best, score)
    if not (zh_a and zh_b):
        return best, tuple(reasons) if explain else ()
    ka, kb = zh_a[0], zh_b[0]
    if ka.zh == kb.zh and ka.generic == kb.generic:
        same = "same Chinese name" + ("" if zh_a_text == zh_b_text else " once abbreviations are expanded")
        return 100.0, (f"{same}: {ka.zh}", *reasons) if explain else ()
    score, why = _compare(ka, kb, explain)
    if ka.zh != kb.zh:  # other characters: as likely a different name as a variant spelling
        characters = fuzz.ratio(ka.zh, kb.zh)
        score = round(min((score + characters) / 2, HOMOPHONE_CAP if ka.specific == kb.specific else 100.0), 1)
        if explain:
            why += f"; characters {ka.zh}~{kb.zh} {characters:.0f}"
            why += " (same sound, different characters)" if ka.specific == kb.specific else ""
    return score, (f"Chinese names decide: {why}", *reasons) if explain else ()


def _blocks(actors: Sequence[Actor]) -> Iterator[tuple[list[int], list[int]]]:
    """``(queries, members)``: compare every query actor with every member actor (same label and kind).

    A block of actors known down to the township compares them among themselves; an actor
    known only to a coarser place (``queries``) is compared with all actors under that place.
    """
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, actor in enumerate(actors):
        groups[(actor.label, actor.kind)].append(index)
    for members in groups.values():
        under: dict[tuple[str, ...], list[int]] = defaultdict(list)
        stops: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for index in members:
            actor = actors[index]
            key: tuple[str, ...] = ()
            for place in (actor.province, actor.county, actor.township):
                if not place:
                    break
                key += (place,)
            for size in range(len(key) + 1):
                under[key[:size]].append(index)
            stops[key].append(index)
        for key, queries in stops.items():
            yield queries, (queries if len(key) == 3 else under[key])


def _prefilter_keys(key: NameKey) -> tuple[str, ...]:
    return (key.specific, *key.readings) if key.specific else ("|".join(key.generic),)


def find_candidates(
    actors: Sequence[Actor],
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    prefilter: float | None = None,
    workers: int = 1,
    stats: MatchStats | None = None,
) -> Iterator[Candidate]:
    """Pairs of actors that may be the same, scoring at least ``min_score``; each pair once.

    ``actors`` come in order of preference: of a pair, the earlier one is ``keep`` (the
    id kept), so list a store's actors before a new package's. Pairs with the same id are
    skipped (they already are one node). ``workers`` is passed to ``rapidfuzz``.

    Only pairs whose specific parts (in some form or reading) are at least ``prefilter``
    alike by letters are scored in full; by default ``min_score``, since generic terms and
    syllables only lower a score (Chinese characters more alike than their pinyin, the one
    exception, are very rare).
    """
    stats = stats if stats is not None else MatchStats()
    cutoff = min_score if prefilter is None else prefilter
    stats.actors += len(actors)
    forms: dict[int, list[str]] = {}

    def keys_of(indices: list[int]) -> tuple[list[str], list[list[int]]]:
        """The distinct name keys of these actors, and for each key the actors that have it."""
        owners: dict[str, list[int]] = {}
        for index in indices:
            if index not in forms:
                forms[index] = sorted({x for _, k in name_forms(actors[index]) for x in _prefilter_keys(k)})
            for key in forms[index]:
                owners.setdefault(key, []).append(index)
        return list(owners), list(owners.values())

    for queries, members in _blocks(actors):
        if len(members) < 2:
            continue
        stats.blocks += 1
        # a pair of two query actors is taken from the smaller index only; all are queries in a full block
        only_queries = len(queries) == len(members)
        query_set = set(queries)
        member_keys, member_owners = keys_of(members)
        query_keys, query_owners = keys_of(queries)
        pairs: set[tuple[int, int]] = set()
        # each distinct key once (many actors of a province share a name), then back to the actors
        for start in range(0, len(query_keys), CHUNK):
            chunk = query_keys[start : start + CHUNK]
            matrix = process.cdist(
                chunk, member_keys, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.uint8, workers=workers
            )
            stats.comparisons += matrix.size
            rows, cols = np.nonzero(matrix)
            for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
                for i in query_owners[start + row]:
                    for j in member_owners[col]:
                        if i == j or (j < i and (only_queries or j in query_set)):
                            continue
                        pairs.add((i, j) if i < j else (j, i))
        for i, j in sorted(pairs):
            keep_actor, merge = actors[i], actors[j]
            if keep_actor.id == merge.id:
                continue
            stats.scored += 1
            score, _ = _score_names(merge.name, merge.name_zh, keep_actor.name, keep_actor.name_zh)
            if score >= min_score:
                stats.candidates += 1
                yield Candidate(merge, keep_actor, score, score_pair(merge, keep_actor)[1])
        forms.clear()  # split_name caches the names themselves; keep this map to one block
