"""Coded interviews from QDA software: REFI-QDA projects and codebooks, Excel segment exports.

Every file here is made by the test itself, following the REFI-QDA 1.5 layout
(a zip with project.qde and sources/<guid>.txt) and MAXQDA / NVivo export headers.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from openpyxl import Workbook

from graphmodel.api import load_package
from graphmodel.errors import GraphmodelError, InvalidPackage
from graphmodel.sample import sample_path
from graphmodel.stores.base import Store
from loaders.qda import load_qda, qda_package, read_coded_segments, read_coding, read_qdc, read_qdpx

# Two interviews. Y134 is in the paper sample (NGO ngo-y01); Y900 is new, described by
# case variables. Characters are counted in code points, so the Chinese text checks offsets.
Y134 = "Q: Why work with the county?\nA: Villagers trust the government, so they come when it calls."
Y900 = "访谈。Without the Women's Federation we could not enter the villages. 他们信任政府。"
TRUST_134 = "Villagers trust the government"
ACCESS_900 = "Without the Women's Federation we could not enter the villages"
TRUST_900 = "他们信任政府"


def span(text: str, passage: str) -> tuple[int, int]:
    start = text.index(passage)
    return start, start + len(passage)


def selection(guid: str, text: str, passage: str, *code_guids: str) -> str:
    start, end = span(text, passage)
    codings = "".join(f'<Coding guid="c-{guid}-{c}"><CodeRef targetGUID="{c}"/></Coding>' for c in code_guids)
    return (
        f'<PlainTextSelection guid="{guid}" startPosition="{start}" endPosition="{end}">{codings}</PlainTextSelection>'
    )


CODEBOOK = """<Codes>
  <Code guid="g-mot" name="Motivations" isCodable="false">
    <Code guid="g-trust" name="Public trust" isCodable="true"><Description>Villagers trust the state.</Description></Code>
    <Code guid="g-access" name="Access to villages" isCodable="true"/>
  </Code>
  <Code guid="g-wf" name="Women's Federation" isCodable="true"/>
</Codes>"""


def project_xml(extra_selection: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="fieldwork coding" origin="graphmodel tests">
  <CodeBook>{CODEBOOK}</CodeBook>
  <Variables>
    <Variable guid="v-date" name="date" typeOfVariable="Text"/>
    <Variable guid="v-sector" name="Sector" typeOfVariable="Text"/>
    <Variable guid="v-ngo" name="ngo" typeOfVariable="Text"/>
    <Variable guid="v-round" name="round" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="case-900" name="Respondent Y900">
      <VariableValue><VariableRef targetGUID="v-date"/><TextValue>2019-05</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="v-sector"/><TextValue>ngo</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="v-ngo"/><TextValue>ngo-y02</TextValue></VariableValue>
      <VariableValue><VariableRef targetGUID="v-round"/><IntegerValue>2</IntegerValue></VariableValue>
      <SourceRef targetGUID="s-900"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="s-134" name="Y134.txt" plainTextPath="internal://s-134.txt">
      {selection("sel-1", Y134, TRUST_134, "g-trust", "g-wf")}
    </TextSource>
    <TextSource guid="s-900" name={quoteattr("Y900.docx")} plainTextPath="internal://s-900.txt">
      {selection("sel-2", Y900, ACCESS_900, "g-access")}
      {selection("sel-3", Y900, TRUST_900, "g-trust")}
      {extra_selection}
    </TextSource>
  </Sources>
</Project>"""


def make_qdpx(path: Path, xml: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", xml or project_xml())
        archive.writestr("sources/s-134.txt", Y134)
        archive.writestr("sources/s-900.txt", Y900)
    return path


def mentions(store: Store, package: str) -> dict[tuple[str, str], tuple[str, str, list[str]]]:
    rows = store.run(
        "MATCH (i:Interview)-[m:MENTIONS]->(mo:Motivation) WHERE m._package = $package "
        "RETURN i.id, mo.id, m.ngo, m.position, m.evidence ORDER BY i.id, mo.id",
        {"package": package},
    ).rows
    return {(i, mo): (ngo, position, evidence) for i, mo, ngo, position, evidence in rows}


def test_read_qdpx(tmp_path: Path) -> None:
    coding = read_qdpx(make_qdpx(tmp_path / "coding.qdpx"))
    assert [c.name for c in coding.codes.values()] == [
        "Motivations",
        "Public trust",
        "Access to villages",
        "Women's Federation",
    ]
    assert coding.codes["g-trust"].path == ("Motivations",)
    assert coding.codes["g-trust"].description == "Villagers trust the state."
    assert coding.sources["s-900"].interview == "Y900"
    assert coding.sources["s-900"].variables == {"date": "2019-05", "sector": "ngo", "ngo": "ngo-y02", "round": "2"}
    texts = {(s.source, coding.codes[s.code].name): s.text for s in coding.segments}
    assert texts[("s-900", "Access to villages")] == ACCESS_900
    assert texts[("s-900", "Public trust")] == TRUST_900
    assert not coding.problems


def test_load_and_trace_a_tie_to_its_passage(store: Store, tmp_path: Path) -> None:
    load_package(store, sample_path(), name="paper")
    path = make_qdpx(tmp_path / "coding.qdpx")
    report = load_qda(store, path, only_under="Motivations")
    assert report.written
    ties = mentions(store, "coding")
    # Y134 was loaded by the paper package, with organization ngo-y01: the tie attaches there.
    # "Women's Federation" is not under "Motivations", so it is not loaded.
    assert set(ties) == {("Y134", "public_trust"), ("Y900", "access_to_villages"), ("Y900", "public_trust")}
    assert ties[("Y134", "public_trust")][0] == "ngo-y01"
    assert ties[("Y900", "public_trust")][0] == "ngo-y02"  # from the case variable
    # Trace each tie back to the passage that supports it.
    sources = {"Y134": Y134, "Y900": Y900}
    expected = {("Y134", "public_trust"): TRUST_134, ("Y900", "access_to_villages"): ACCESS_900}
    expected[("Y900", "public_trust")] = TRUST_900
    for (interview, code), (_, position, evidence) in ties.items():
        start, end = (int(x) for x in position.split("-"))
        assert sources[interview][start:end] == expected[(interview, code)]
        assert evidence == [interview]
    # Y900 and the new code are this package's nodes; public_trust stays the paper's.
    owners = dict(
        store.run(
            "MATCH (n) WHERE n.id IN $ids RETURN n.id, n._package ORDER BY n.id",
            {"ids": ["Y900", "access_to_villages", "public_trust", "Y134"]},
        ).rows
    )
    assert owners == {"Y900": "coding", "access_to_villages": "coding", "public_trust": "paper", "Y134": "paper"}
    # The paper's Table 3 count for public trust grows by one NGO (ngo-y02 was not among its 14).
    trust = {
        r["motivation"]: r
        for r in store.run(
            "MATCH (:Interview)-[m:MENTIONS]->(mo:Motivation {id: 'public_trust'}) "
            "RETURN mo.id AS motivation, count(DISTINCT m.ngo) AS ngos"
        ).records()
    }
    assert trust["public_trust"]["ngos"] == 14 + ("ngo-y02" not in _paper_trust_ngos())
    # Loading again changes nothing.
    assert load_qda(store, path, only_under="Motivations").plan.changes == 0


def _paper_trust_ngos() -> set[str]:
    import csv

    with (sample_path() / "codes.csv").open(encoding="utf-8") as handle:
        return {r["ngo"] for r in csv.DictReader(handle) if r["code"] == "public_trust"}


def test_segments_of_one_code_in_one_interview_make_one_tie(tmp_path: Path) -> None:
    second = "访谈"  # also coded "Access to villages", before the first passage
    start = 0
    extra = (
        f'<PlainTextSelection guid="sel-4" startPosition="{start}" endPosition="{start + len(second)}">'
        '<Coding guid="c4"><CodeRef targetGUID="g-access"/></Coding></PlainTextSelection>'
    )
    coding = read_qdpx(make_qdpx(tmp_path / "c.qdpx", project_xml(extra)))
    package = qda_package(coding, known_interviews={"Y134": {"organization": "ngo-y01"}}, quote=True)
    rows = {(r.values["interview"], r.values["code"]): r.values for r in package.tables["codes"].rows}
    first = span(Y900, ACCESS_900)
    # Segments are listed in text order: the second one coded comes first.
    assert rows[("Y900", "access_to_villages")]["position"] == f"0-2;{first[0]}-{first[1]}"
    assert rows[("Y900", "access_to_villages")]["note"] == f"访谈 … {ACCESS_900}"
    # Without only_under every code is a motivation, including the parent and "Women's Federation".
    assert {r.values["id"] for r in package.tables["motivations"].rows} == {
        "motivations",
        "public_trust",
        "access_to_villages",
        "women_s_federation",
    }


def test_problems_are_reported_not_loaded(store: Store, tmp_path: Path) -> None:
    bad = (
        '<PlainTextSelection guid="sel-9" startPosition="5" endPosition="9999">'
        '<Coding guid="c9"><CodeRef targetGUID="g-missing"/></Coding></PlainTextSelection>'
    )
    path = make_qdpx(tmp_path / "bad.qdpx", project_xml(bad))
    # Y134 is not in this (empty) graph and has no date, sector or NGO of its own.
    with pytest.raises(InvalidPackage) as caught:
        load_qda(store, path)
    messages = [str(p) for p in caught.value.problems]
    assert any("position: 5-9999 is outside the text" in m for m in messages), messages
    assert any("no code with guid 'g-missing'" in m for m in messages), messages
    assert any("no NGO for interview 'Y134'" in m for m in messages), messages
    assert any("interview 'Y134' is not in the graph: give its date and sector" in m for m in messages), messages
    assert store.run("MATCH (n:Interview) RETURN count(n)").rows == [(0,)]


def test_ngo_map_wins(tmp_path: Path) -> None:
    ngo_map = tmp_path / "ngos.csv"
    ngo_map.write_text("interview,ngo\nY900,ngo-y03\n", encoding="utf-8")
    from loaders.qda import read_ngo_map

    package = qda_package(
        read_qdpx(make_qdpx(tmp_path / "c.qdpx")),
        ngo_map=read_ngo_map(ngo_map),
        known_interviews={"Y134": {"organization": "ngo-y01"}},
    )
    ngos = {r.values["interview"]: r.values["ngo"] for r in package.tables["codes"].rows}
    assert ngos == {"Y134": "ngo-y01", "Y900": "ngo-y03"}


def test_codebook(tmp_path: Path) -> None:
    path = tmp_path / "motivations.qdc"
    path.write_text(
        f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="t">{CODEBOOK}</CodeBook>',
        encoding="utf-8",
    )
    coding = read_qdc(path)
    assert [c.name for c in coding.codes.values() if c.path == ("Motivations",)] == [
        "Public trust",
        "Access to villages",
    ]
    package = qda_package(coding, only_under="Motivations", known_motivations={"public_trust"})
    assert [r.values for r in package.tables["motivations"].rows] == [
        {"id": "access_to_villages", "name": "Access to villages"}
    ]
    assert set(package.tables) == {"motivations"}


def test_hostile_xml_is_refused(tmp_path: Path) -> None:
    bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><CodeBook>&b;</CodeBook>'
    path = tmp_path / "bomb.qdc"
    path.write_text(bomb, encoding="utf-8")
    with pytest.raises(GraphmodelError, match="not valid REFI-QDA XML"):
        read_qdc(path)
    (tmp_path / "x.qdpx").write_bytes(b"not a zip")
    with pytest.raises(GraphmodelError, match="not a REFI-QDA project"):
        read_coding(tmp_path / "x.qdpx")


@pytest.mark.parametrize(
    "header",
    [
        # MAXQDA "Export coded segments" (Begin/End are paragraphs there).
        ["Color", "Document group", "Document name", "Code", "Begin", "End", "Weight score", "Segment"],
        # An NVivo-style sheet: files, codes (nodes), start and end.
        ["File", "Node", "Start", "End", "Coded text"],
    ],
)
def test_excel_coded_segments(store: Store, tmp_path: Path, header: list[str]) -> None:
    load_package(store, sample_path(), name="paper")
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    rows = [
        ("Y134", "Motivations\\Public trust", 3, 4, "Villagers trust the government."),
        ("Y158", "Motivations\\Legitimacy", 7, 7, "They see us as official."),
        ("Y158", "Motivations\\Legitimacy", 12, 13, "A second passage."),
    ]
    for document, code, begin, end, text in rows:
        values = {"document": document, "code": code, "begin": begin, "end": end, "segment": text}
        by_header = {
            "Document name": "document", "File": "document", "Code": "code", "Node": "code", "Begin": "begin",
            "Start": "begin", "End": "end", "Segment": "segment", "Coded text": "segment",
        }  # fmt: skip
        sheet.append([values.get(by_header.get(h, "")) for h in header])
    path = tmp_path / "segments.xlsx"
    book.save(path)
    coding = read_coded_segments(path)
    assert len(coding.segments) == 3 and not coding.problems
    load_qda(store, path, only_under="Motivations")
    ties = mentions(store, "segments")
    # Both interviews and both motivations are the paper's; NGOs from their organizations.
    assert ties == {
        ("Y134", "public_trust"): ("ngo-y01", "3-4", ["Y134"]),
        ("Y158", "legitimacy"): ("ngo-y02", "7-7;12-13", ["Y158"]),
    }


def test_cli_load_qda(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graphmodel.cli import app

    runner = CliRunner()
    store = f"embedded:{tmp_path / 'graph'}"
    assert runner.invoke(app, ["load", str(sample_path()), "--store", store]).exit_code == 0
    path = make_qdpx(tmp_path / "coding.qdpx")
    ngo_map = tmp_path / "map.csv"
    ngo_map.write_text("source,ngo\nY900.docx,ngo-y03\n", encoding="utf-8")
    args = ["load-qda", str(path), "--store", store, "--ngo-map", str(ngo_map), "--only-under", "Motivations"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "MENTIONS" in result.output and "package 'coding'" in result.output
    # A file that is not a project fails with one clear line and exit code 1.
    (tmp_path / "x.qdpx").write_bytes(b"no zip")
    result = runner.invoke(app, ["load-qda", str(tmp_path / "x.qdpx"), "--store", store])
    assert result.exit_code == 1
    assert "not a REFI-QDA project" in " ".join(result.output.split())  # rich wraps long lines
