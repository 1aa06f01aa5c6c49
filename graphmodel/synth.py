"""A seeded synthetic fieldwork package at any scale, shaped like the real thing.

An administrative hierarchy province → prefecture → county → township → village, with
departments of several systems at each level (the line of each system runs down by
``SUPERVISES`` ties; township governments supervise their villages, county education
bureaus their schools); NGOs in each county with sponsors, registration, approvals,
funding, support and mobilisation chains down to villages and schools (the NGO
``COOPERATES_WITH`` the head of the chain and every ``MOBILIZES`` tie carries
``on_behalf_of``, in the same round, so the access queries find them); interviews
with departments and NGOs, and motivation codes. The output is a folder that passes
:func:`graphmodel.engine.validate.validate_package`.

>>> import tempfile
>>> stats = write_package(tempfile.mkdtemp(), "tiny", seed=1)
>>> stats.nodes > 300 and stats.ties > stats.nodes
True
>>> stats == write_package(tempfile.mkdtemp(), "tiny", seed=1)  # same seed, same package
True
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from graphmodel.errors import GraphmodelError

__all__ = ["SIZES", "SynthSize", "SynthStats", "write_package"]


@dataclass(frozen=True)
class SynthSize:
    """How big a synthetic package is: fan-outs down the hierarchy and per-county counts."""

    provinces: int
    prefectures: int  # per province
    counties: int  # per prefecture
    townships: int  # per county
    villages: int  # per township
    schools: int  # per township
    ngos: int  # per county
    interviews: int  # per county
    companies: int  # per county
    chains: int = 2  # mobilisation chains per NGO
    reach: int = 3  # villages (or schools) at the end of each chain


#: Presets: ``tiny`` (~500 nodes, smoke tests), ``county`` (~10^4 nodes), ``medium``
#: (~75k nodes, ~200k ties) and ``national`` (~10^6 nodes, several million ties).
SIZES: dict[str, SynthSize] = {
    "tiny": SynthSize(1, 1, 2, 5, 30, 1, 20, 10, 2),
    "county": SynthSize(2, 3, 5, 14, 13, 2, 60, 20, 4),
    "medium": SynthSize(4, 5, 6, 14, 32, 2, 78, 20, 4),
    "national": SynthSize(31, 11, 8, 14, 13, 2, 70, 15, 4),
}

# (code, English, Chinese) for the systems at province, prefecture and county level.
SYSTEMS = [
    ("wf", "Women's Federation", "妇联"),
    ("edu", "Education Bureau", "教育局"),
    ("ca", "Civil Affairs Bureau", "民政局"),
    ("water", "Water Resources Bureau", "水利局"),
    ("ah", "Animal Husbandry Bureau", "畜牧局"),
    ("pao", "Poverty Alleviation Office", "扶贫办"),
    ("epb", "Environmental Protection Bureau", "环保局"),
    ("psb", "Public Security Bureau", "公安局"),
    ("cpc", "Communist Party", "党委"),
]
# Systems present at township level; "gov" (the township government) supervises villages.
TOWNSHIP_SYSTEMS = [("gov", "Township Government", "乡政府"), ("wf", "Women's Federation", "妇联"), SYSTEMS[-1]]
MOTIVATIONS = [
    ("impact", "Impact", "社会影响"),
    ("scale", "Scale", "扩大规模"),
    ("sustainability", "Sustainability", "可持续发展"),
    ("information", "Information", "信息"),
    ("funding", "Funding", "资金"),
    ("technical_support", "Technical support", "技术支持"),
    ("problem_solving", "Problem solving", "解决问题"),
    ("registration", "Registration", "注册"),
    ("policy_influence", "Policy influence", "政策影响"),
    ("legitimacy", "Legitimacy", "合法性"),
    ("public_trust", "Public trust", "公众信任"),
]
SYLLABLES = [
    ("an", "安"), ("bai", "白"), ("chang", "长"), ("da", "大"), ("feng", "丰"), ("gao", "高"), ("he", "河"),
    ("hong", "红"), ("jin", "金"), ("lan", "兰"), ("lin", "林"), ("long", "龙"), ("ma", "马"), ("ning", "宁"),
    ("ping", "平"), ("qing", "青"), ("shan", "山"), ("shui", "水"), ("song", "松"), ("tian", "田"), ("xi", "西"),
    ("xin", "新"), ("yang", "阳"), ("yun", "云"), ("ze", "泽"), ("zhu", "竹"),
]  # fmt: skip
NODE_COLUMNS = {
    "ngos": ["id", "name", "name_zh", "province", "issue_area", "registration", "founded", "founder_origin",
             "core_staff", "scope"],
    "agencies": ["id", "name", "name_zh", "system", "level", "province", "county"],
    "villages": ["id", "name", "name_zh", "township", "county", "province"],
    "schools": ["id", "name", "name_zh", "township", "county", "province"],
    "funders": ["id", "name", "name_zh", "kind"],
    "companies": ["id", "name", "name_zh", "industry", "province"],
    "interviews": ["id", "name", "date", "province", "sector", "role", "organization", "round"],
    "motivations": ["id", "name", "name_zh", "description"],
}  # fmt: skip
TIE_COLUMNS = ["source", "type", "target", "start", "end", "round", "evidence", "note", "amount", "currency",
               "kind", "on_behalf_of", "activity", "joint_application"]  # fmt: skip
CODE_COLUMNS = ["interview", "code", "ngo", "note"]


@dataclass
class SynthStats:
    """Rows written per table, and nodes and ties per label and type (``WITH`` and ``MENTIONS`` derived)."""

    rows: Counter[str] = field(default_factory=Counter)
    labels: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)

    @property
    def nodes(self) -> int:
        return sum(self.labels.values())

    @property
    def ties(self) -> int:
        return sum(self.types.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for reports."""
        return {
            "nodes": self.nodes,
            "ties": self.ties,
            "labels": dict(sorted(self.labels.items())),
            "types": dict(sorted(self.types.items())),
        }


@dataclass
class _County:
    code: str
    name: str
    province: str
    agencies: dict[str, str]  # system code -> agency id
    townships: list[tuple[str, dict[str, str], list[str], list[str]]]  # name, agencies, villages, schools
    interviews: list[str] = field(default_factory=list)
    ngos: list[str] = field(default_factory=list)


class _Writer:
    """Open CSV writers for every table; counts what it writes."""

    def __init__(self, folder: Path) -> None:
        self.files = {}
        self.out = {}
        self.stats = SynthStats()
        tables = {**NODE_COLUMNS, "ties": TIE_COLUMNS, "codes": CODE_COLUMNS}
        for table, columns in tables.items():
            handle = (folder / f"{table}.csv").open("w", encoding="utf-8", newline="")
            self.files[table] = handle
            self.out[table] = csv.writer(handle)
            self.out[table].writerow(columns)
        self.label = {"ngos": "NGO", "agencies": "Agency", "villages": "Village", "schools": "School",
                      "funders": "Funder", "companies": "Company", "interviews": "Interview",
                      "motivations": "Motivation"}  # fmt: skip
        self.seen: set[tuple[Any, ...]] = set()

    def node(self, table: str, *values: Any) -> None:
        self.out[table].writerow(values)
        self.stats.rows[table] += 1
        self.stats.labels[self.label[table]] += 1

    def tie(self, source: str, rel: str, target: str, start: int | str, rnd: int, evidence: str, **own: Any) -> bool:
        identity = (source, rel, target, start, rnd, own.get("kind"), own.get("on_behalf_of"))
        if identity in self.seen:
            return False
        self.seen.add(identity)
        row = [source, rel, target, start, "", rnd, evidence, ""]
        row += [own.get(c, "") for c in TIE_COLUMNS[8:]]
        self.out["ties"].writerow(row)
        self.stats.rows["ties"] += 1
        self.stats.types[rel] += 1
        return True

    def code(self, interview: str, code: str, ngo: str) -> bool:
        if (interview, code, ngo) in self.seen:
            return False
        self.seen.add((interview, code, ngo))
        self.out["codes"].writerow([interview, code, ngo, ""])
        self.stats.rows["codes"] += 1
        self.stats.types["MENTIONS"] += 1
        return True

    def close(self) -> None:
        for handle in self.files.values():
            handle.close()


def _name(rng: random.Random) -> tuple[str, str]:
    a, b = rng.sample(SYLLABLES, 2)
    return (a[0] + b[0]).capitalize(), a[1] + b[1]


def _round_of(year: int) -> int:
    return 1 if year <= 2012 else 2


def write_package(folder: str | Path, size: str | SynthSize = "tiny", *, seed: int = 0) -> SynthStats:
    """Write a synthetic fieldwork package of ``size`` (a preset name or a :class:`SynthSize`) into ``folder``.

    The same ``size`` and ``seed`` always give the same files.
    """
    if isinstance(size, str):
        if size not in SIZES:
            raise GraphmodelError(f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        size = SIZES[size]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    out = _Writer(folder)
    try:
        _generate(out, size, rng)
    finally:
        out.close()
    return out.stats


def _agency(out: _Writer, agency_id: str, place: str, place_zh: str, system: tuple[str, str, str], level: str,
            province: str, county: str = "") -> str:  # fmt: skip
    out.node("agencies", agency_id, f"{place} {system[1]}", place_zh + system[2], system[1], level, province, county)
    return agency_id


def _generate(out: _Writer, size: SynthSize, rng: random.Random) -> None:
    for code, name, zh in MOTIVATIONS:
        out.node("motivations", code, name, zh, f"Synthetic motivation code {name.lower()}.")
    counties = _hierarchy(out, size, rng)
    n_ngos = size.ngos * len(counties)
    funders = []
    kinds = ["international_foundation", "domestic_foundation", "government", "individual_donors", "online_platform"]
    for i in range(max(5, n_ngos // 50)):
        fid = f"fund-{i:06d}"
        name, zh = _name(rng)
        out.node("funders", fid, f"{name} Foundation", zh + "基金会", kinds[i % len(kinds)])
        funders.append(fid)
    for county in counties:
        _county_actors(out, size, rng, county, funders)


def _hierarchy(out: _Writer, size: SynthSize, rng: random.Random) -> list[_County]:
    counties: list[_County] = []
    for p in range(size.provinces):
        pname, pzh = _name(rng)
        province = f"{pname} Province"
        pcode = f"p{p:02d}"
        prov = {
            s[0]: _agency(out, f"ag-{pcode}-{s[0]}", province, pzh + "省", s, "province", province) for s in SYSTEMS
        }
        for f in range(size.prefectures):
            fname, fzh = _name(rng)
            fcode = f"{pcode}f{f:02d}"
            pref = {}
            for s in SYSTEMS:
                pref[s[0]] = _agency(out, f"ag-{fcode}-{s[0]}", f"{fname} Prefecture", fzh + "市", s, "prefecture",
                                     province)  # fmt: skip
                out.tie(prov[s[0]], "SUPERVISES", pref[s[0]], 2000, 1, "")
            for c in range(size.counties):
                cname, czh = _name(rng)
                ccode = f"{fcode}c{c:02d}"
                county_name = f"{cname} County"
                agencies = {}
                for s in SYSTEMS:
                    agencies[s[0]] = _agency(out, f"ag-{ccode}-{s[0]}", county_name, czh + "县", s, "county",
                                             province, county_name)  # fmt: skip
                    out.tie(pref[s[0]], "SUPERVISES", agencies[s[0]], 2000, 1, "")
                county = _County(ccode, county_name, province, agencies, [])
                for t in range(size.townships):
                    tname, tzh = _name(rng)
                    tcode = f"{ccode}t{t:02d}"
                    township = f"{tname} Township"
                    tag = {}
                    for s in TOWNSHIP_SYSTEMS:
                        tag[s[0]] = _agency(out, f"ag-{tcode}-{s[0]}", township, tzh + "乡", s, "township",
                                            province, county_name)  # fmt: skip
                        # the township government answers to the county Party committee
                        out.tie(agencies.get(s[0], agencies["cpc"]), "SUPERVISES", tag[s[0]], 2000, 1, "")
                    villages = []
                    for v in range(size.villages):
                        vname, vzh = _name(rng)
                        vid = f"vil-{tcode}v{v:02d}"
                        out.node("villages", vid, f"{vname} Village", vzh + "村", township, county_name, province)
                        out.tie(tag["gov"], "SUPERVISES", vid, 2000, 1, "")
                        villages.append(vid)
                    schools = []
                    for s_ in range(size.schools):
                        sid = f"sch-{tcode}s{s_:02d}"
                        kind = "Central Primary School" if s_ == 0 else "Middle School"
                        out.node("schools", sid, f"{tname} {kind}", tzh + ("中心小学" if s_ == 0 else "中学"),
                                 township, county_name, province)  # fmt: skip
                        out.tie(agencies["edu"], "SUPERVISES", sid, 2000, 1, "")
                        schools.append(sid)
                    county.townships.append((township, tag, villages, schools))
                counties.append(county)
        out.seen.clear()  # hierarchy ties never repeat; keep the duplicate check's memory small
    return counties


def _county_actors(out: _Writer, size: SynthSize, rng: random.Random, county: _County, funders: list[str]) -> None:
    ag = county.agencies
    out.seen.clear()
    for i in range(size.ngos):
        nid = f"ngo-{county.code}n{i:03d}"
        name, zh = _name(rng)
        area = rng.choice(["environment", "education", "environment", "education", "poverty", "health"])
        registration = rng.choices(["ngo", "business", "unregistered"], [50, 9, 41])[0]
        founded = rng.randint(1988, 2017)
        out.node("ngos", nid, f"{name} {area.capitalize()} Centre", f"{zh}公益中心", county.province, area,
                 registration, founded, rng.choice(["same_locality", "same_province"]), rng.randint(1, 15),
                 rng.choice(["urban", "rural", "both"]))  # fmt: skip
        county.ngos.append(nid)
    for i in range(size.interviews):
        iid = f"I{county.code}i{i:03d}"
        year = rng.choice([2009, 2010, 2011, 2012, 2018, 2019])
        if county.ngos and rng.random() < 0.7:
            org, sector, role = rng.choice(county.ngos), "ngo", "founder and director"
        else:
            org, sector, role = rng.choice(list(ag.values())), "government", "staff"
        out.node("interviews", iid, f"Interview {iid}", f"{year}-{rng.randint(1, 12):02d}", county.province, sector,
                 role, org, _round_of(year))  # fmt: skip
        out.stats.types["WITH"] += 1
        county.interviews.append(iid)
        if sector == "ngo":
            for code in rng.sample(MOTIVATIONS, rng.randint(1, 3)):
                out.code(iid, code[0], org)
    for i in range(size.companies):
        cid = f"co-{county.code}m{i:02d}"
        name, zh = _name(rng)
        industry = rng.choice(["retail", "construction", "agriculture"])
        out.node(
            "companies", cid, f"{name} {industry.capitalize()} Co., Ltd.", zh + "有限公司", industry, county.province
        )
        out.tie(ag["pao"], "INSTRUCTS", cid, rng.randint(2008, 2019), 1, "")
    for nid in county.ngos:
        _ngo_ties(out, size, rng, county, nid, funders)


def _ngo_ties(out: _Writer, size: SynthSize, rng: random.Random, county: _County, nid: str, funders: list[str]) -> None:
    ag = county.agencies
    out.seen.clear()  # an NGO's ties can only repeat its own

    def ev() -> str:
        if not county.interviews:
            return ""
        return ";".join(sorted(set(rng.choices(county.interviews, k=rng.randint(1, 2)))))

    def when() -> tuple[int, int]:
        year = rng.choice([2009, 2010, 2011, 2012, 2018, 2019])
        return year, _round_of(year)

    if rng.random() < 0.5:
        year, rnd = when()
        out.tie(rng.choice([ag["wf"], ag["edu"], ag["epb"]]), "SPONSORS", nid, year, rnd, ev())
        out.tie(nid, "REGISTERED_WITH", ag["ca"], year, rnd, ev())
    year, rnd = when()
    out.tie(rng.choice([ag["psb"], ag["edu"]]), "APPROVES", nid, year, rnd, ev(), activity="event")
    year, rnd = when()
    out.tie(rng.choice(funders), "FUNDS", nid, year, rnd, ev(), amount=rng.randint(1, 500) * 1000, currency="CNY",
            joint_application="true" if rng.random() < 0.2 else "false")  # fmt: skip
    year, rnd = when()
    kind = rng.choice(["information", "technical", "venue", "equipment", "personnel", "coordination"])
    out.tie(rng.choice(list(ag.values())), "SUPPORTS", nid, year, rnd, ev(), kind=kind)
    if rng.random() < 0.2:
        year, rnd = when()
        out.tie(nid, "INFLUENCES", rng.choice(list(ag.values())), year, rnd, ev())
    for _ in range(size.chains):
        _chain(out, size, rng, county, nid, ev(), *when())
    for _ in range(2):
        township = rng.choice(county.townships)
        year, rnd = when()
        out.tie(nid, "WORKS_IN", rng.choice(township[2] or township[3]), year, rnd, ev())
    if rng.random() < 0.3:
        township = rng.choice(county.townships)
        year, rnd = when()
        if township[2]:
            out.tie(rng.choice(township[2]), "DISTRUSTS", nid, year, rnd, ev(), kind="rumour")


def _chain(out: _Writer, size: SynthSize, rng: random.Random, county: _County, nid: str, evidence: str, year: int,
           rnd: int) -> None:  # fmt: skip
    """A mobilisation chain on the NGO's behalf: county body -> township body -> villages (or schools)."""
    _, tag, villages, schools = rng.choice(county.townships)
    ag = county.agencies
    if schools and rng.random() < 0.3:  # the education bureau takes the NGO into schools
        head, path, ends = ag["edu"], [], schools
    elif rng.random() < 0.5:  # county WF -> township WF -> village leaders
        head, path, ends = ag["wf"], [tag["wf"]], villages
    else:  # poverty alleviation office -> township government -> villages
        head, path, ends = ag["pao"], [tag["gov"]], villages
    if not ends:
        return
    out.tie(nid, "COOPERATES_WITH", head, year, rnd, evidence)
    prev = head
    for step in path:
        out.tie(prev, "MOBILIZES", step, year, rnd, evidence, on_behalf_of=nid)
        prev = step
    for end in rng.sample(ends, min(size.reach, len(ends))):
        out.tie(prev, "MOBILIZES", end, year, rnd, evidence, on_behalf_of=nid)


def scaled(size: str | SynthSize, **changes: int) -> SynthSize:
    """A preset with some fields changed, e.g. ``scaled("county", ngos=10)``."""
    base = SIZES[size] if isinstance(size, str) else size
    return replace(base, **changes)
