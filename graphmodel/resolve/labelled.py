"""A labelled set of name variants, and the precision and recall of resolution on it.

How the set is made (seeded, so the same seed gives the same set):

1. *Originals*: the actors of the packages given; ``bench.resolve.labelled_packages``
   gives the paper's sample (``graphmodel/sample/paper``) and a synthetic package
   (:func:`graphmodel.synth.write_package`, ``tiny`` by default). Synthetic
   names come from a small syllable table, so two synthetic actors of one block sometimes
   share a name; of those only the first is kept, since no name evidence can tell them apart.
2. *Variants*: each original gets ``variants`` noisy copies, as another package would
   write it, each drawn from these kinds:

   - ``abbreviation``: the Chinese name with standard forms swapped (妇联 → 妇女联合会,
     政府 → 人民政府, or the long form shortened), 乡 → 镇 and Township → Town;
   - ``pinyin``: field notes: the Chinese name in pinyin, with tone marks, tone numbers
     or none, syllables joined or apart, in any case; no Chinese name;
   - ``english``: only the English name, with its case and spacing changed;
   - ``chinese``: only the Chinese name, in the ``name`` column, abbreviations swapped;
   - ``typo``: only the English name, with one letter of its first long word dropped,
     doubled or swapped with the next (Songping → Sogping, Sonpging).

   Place columns change too, half of the time: a suffix dropped or added
   (``Songping County`` → ``Songping``, ``Yunnan`` → ``Yunnan Province``), Township → Town.
3. *Truth*: an original and its variants are one actor; every other pair is two.

:func:`evaluate` runs candidate generation on the whole set and counts, at a threshold,
the pairs predicted the same that are (precision) and the true pairs found (recall).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from pypinyin import Style, lazy_pinyin

from graphmodel.resolve.actors import Actor, actor_from_values, actor_labels
from graphmodel.resolve.candidates import DEFAULT_THRESHOLD, MatchStats, find_candidates
from graphmodel.resolve.names import load_terms, split_name
from graphmodel.schema import Schema, load_schema
from graphmodel.tables import RawPackage

__all__ = ["LabelledSet", "Quality", "build_labelled_set", "evaluate"]

Values = dict[str, str]


@dataclass
class LabelledSet:
    """Actors (originals and variants) and which original each stands for."""

    actors: list[Actor] = field(default_factory=list)
    truth: dict[str, str] = field(default_factory=dict)  # actor id -> original id
    kinds: dict[str, str] = field(default_factory=dict)  # variant id -> noise kind

    def true_pairs(self) -> set[frozenset[str]]:
        """Every pair of ids that stand for one actor."""
        clusters: dict[str, list[str]] = {}
        for actor_id, original in self.truth.items():
            clusters.setdefault(original, []).append(actor_id)
        return {frozenset(p) for ids in clusters.values() for p in combinations(ids, 2)}


@dataclass(frozen=True)
class Quality:
    """Precision and recall at one threshold, with the counts behind them."""

    threshold: float
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    false_negatives: int
    actors: int
    missed_by_kind: dict[str, int]


def _long_forms() -> dict[str, str]:
    return {short: long for long, short in load_terms().abbreviations}


def _swap_abbreviations(text: str, rng: random.Random) -> str:
    """Lengthen short forms (妇联 → 妇女联合会), or shorten long ones, and 乡 → 镇 at the end of a place."""
    longs = _long_forms()
    for long, short in load_terms().abbreviations:
        if long in text:
            text = text.replace(long, short)
        elif short in text and rng.random() < 0.8 and longs.get(short) == long:
            text = text.replace(short, long)
    return re.sub("乡(?!村)", "镇", text)


def _segments(zh: str) -> list[str]:
    """A Chinese name cut into generic terms and the runs of characters between them, as field notes space them."""
    terms = load_terms()
    out: list[str] = []
    run = ""
    i = 0
    while i < len(zh):
        for size in range(min(terms.longest_zh, len(zh) - i), 1, -1):
            if zh[i : i + size] in terms.zh or zh[i : i + size] in _long_forms().values():
                out += [run] if run else []
                out.append(zh[i : i + size])
                run = ""
                i += size
                break
        else:
            run += zh[i]
            i += 1
    return out + ([run] if run else [])


def _pinyin(zh: str, rng: random.Random) -> str:
    style = rng.choice([Style.NORMAL, Style.TONE, Style.TONE3])
    apart = rng.random() < 0.3
    words = []
    for part in _segments(zh):
        syllables = lazy_pinyin(part, style=style)
        words.append(" ".join(s.capitalize() for s in syllables) if apart else "".join(syllables).capitalize())
    text = " ".join(words)
    return rng.choice([text, text.lower(), text.upper()]) if rng.random() < 0.3 else text


def _case_and_spacing(text: str, rng: random.Random) -> str:
    text = rng.choice([text, text.lower(), text.upper(), text.replace("'", ""), text.title()])
    return re.sub(" ", lambda _: rng.choice([" ", "  "]), text)


def _typo(text: str, rng: random.Random) -> str:
    """One letter dropped, doubled or swapped with the next, in the first word of five letters or more."""
    words = text.split(" ")
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return text
    i = long[0]
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    edit = rng.choice(["drop", "double", "swap"])
    if edit == "drop":
        word = word[:at] + word[at + 1 :]
    elif edit == "double":
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    words[i] = word
    return " ".join(words)


def _town(text: str) -> str:
    return re.sub(r"\bTownship\b", "Town", text)


def _variant(values: Values, rng: random.Random) -> tuple[str, Values]:
    out = dict(values)
    zh = values.get("name_zh", "")
    kinds = ["english", "abbreviation", "pinyin", "chinese", "typo"] if zh else ["english", "typo"]
    kind = rng.choice(kinds)
    if kind == "typo":
        out["name"], out["name_zh"] = _typo(values["name"], rng), ""
    elif kind == "abbreviation":
        out["name_zh"] = _swap_abbreviations(zh, rng)
        out["name"] = _town(values["name"])
    elif kind == "pinyin":
        out["name"], out["name_zh"] = _pinyin(zh, rng), ""
    elif kind == "english":
        out["name"], out["name_zh"] = _case_and_spacing(values["name"], rng), ""
    else:
        out["name"], out["name_zh"] = _swap_abbreviations(zh, rng), ""
    if rng.random() < 0.5:
        for column, suffixes in (("province", (" Province",)), ("county", (" County",)), ("township", (" Township",))):
            place = out.get(column)
            if place:
                bare = place
                for suffix in suffixes:
                    bare = bare.removesuffix(suffix)
                out[column] = _town(rng.choice([bare, bare + suffixes[0], place]))
    return kind, out


def _rows(raw: RawPackage, schema: Schema) -> list[tuple[str, Values]]:
    rows = []
    for label in actor_labels(schema):
        table = raw.tables.get(schema.labels[label].table or "")
        if table is not None:
            rows += [(label, dict(r.values)) for r in table.rows if r.values.get("id")]
    return rows


def build_labelled_set(
    packages: Iterable[RawPackage], *, seed: int = 0, variants: int = 2, schema: Schema | None = None
) -> LabelledSet:
    """Originals from the packages' actors (ids prefixed by the package name), each with noisy variants.

    The packages are read by the caller (``bench.resolve.labelled_packages`` reads the
    sample and writes a synthetic package); graphmodel never imports the readers.
    """
    schema = schema or load_schema()
    rng = random.Random(seed)
    out = LabelledSet()
    seen: set[tuple[str, ...]] = set()
    for raw in packages:
        for label, values in _rows(raw, schema):
            values = {**values, "id": f"{raw.name}:{values['id']}"}
            original = actor_from_values(label, "original", values)
            key = split_name(original.name_zh or original.name)
            identity = (label, original.kind, original.province, original.county, original.township, key.specific)
            if (*identity, *key.generic) in seen:
                continue
            seen.add((*identity, *key.generic))
            out.actors.append(original)
            out.truth[original.id] = original.id
            for n in range(variants):
                kind, noisy = _variant(values, rng)
                noisy["id"] = f"{values['id']}~{n}"
                out.actors.append(actor_from_values(label, f"variant-{kind}", noisy))
                out.truth[noisy["id"]] = original.id
                out.kinds[noisy["id"]] = kind
    return out


def evaluate(
    labelled: LabelledSet,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    stats: MatchStats | None = None,
) -> Quality:
    """Precision and recall of the pairs scoring at least ``threshold``."""
    predicted = {
        frozenset((c.merge.id, c.keep.id)) for c in find_candidates(labelled.actors, min_score=threshold, stats=stats)
    }
    truth = labelled.true_pairs()
    tp = len(predicted & truth)
    missed: dict[str, int] = {}
    for pair in truth - predicted:
        for actor_id in pair:
            kind = labelled.kinds.get(actor_id)
            if kind:
                missed[kind] = missed.get(kind, 0) + 1
    return Quality(
        threshold=threshold,
        precision=round(tp / len(predicted), 4) if predicted else 1.0,
        recall=round(tp / len(truth), 4) if truth else 1.0,
        true_positives=tp,
        false_positives=len(predicted - truth),
        false_negatives=len(truth - predicted),
        actors=len(labelled.actors),
        missed_by_kind=dict(sorted(missed.items())),
    )
