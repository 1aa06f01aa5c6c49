"""Read coded interviews from qualitative analysis software (NVivo, ATLAS.ti, MAXQDA).

Three inputs:

- a REFI-QDA project (``.qdpx``: a zip holding ``project.qde`` XML and the sources'
  plain text), the exchange standard all three programs export;
- a REFI-QDA codebook (``.qdc``): codes only, loaded as motivations;
- a coded-segment export to Excel (``.xlsx``; MAXQDA "Export coded segments",
  NVivo's coding exports), one row per coded segment.

Each text source is an interview (id: the source name without its extension,
``Y134.txt`` -> ``Y134``), each code a motivation (id: the code name in lower case
with runs of other characters turned into ``_``, ``Public trust`` -> ``public_trust``),
and each (interview, code) pair a ``MENTIONS`` tie whose ``position`` lists the
coded segments as ``start-end`` ranges joined by ``;`` and whose evidence is the
interview. :func:`qda_package` turns what was read into a
:class:`~graphmodel.tables.RawPackage`, which goes through the same validation and
loader as a fieldwork package.

>>> slug("Public trust"), slug("Access to villages / schools"), slug("公信力")
('public_trust', 'access_to_villages_schools', '公信力')
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import Element

from graphmodel.errors import GraphmodelError, Problem
from graphmodel.tables import RawPackage, Row, Table
from loaders.encoding import UndecodableText, decode
from loaders.fieldwork import cell_text

if TYPE_CHECKING:
    from graphmodel.engine.load import LoadOptions, LoadReport
    from graphmodel.stores.base import Store

__all__ = [
    "INTERVIEW_VARIABLES",
    "SEGMENT_COLUMNS",
    "Code",
    "Coding",
    "Segment",
    "Source",
    "load_qda",
    "qda_package",
    "read_coded_segments",
    "read_coding",
    "read_ngo_map",
    "read_qdc",
    "read_qdpx",
    "slug",
]

PROJECT_NS = "urn:QDA-XML:project:1.0"
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
#: Largest ``project.qde`` or source text read from a project, in bytes (a guard against zip bombs).
MAX_MEMBER_BYTES = 256 * 1024 * 1024
#: Case or source variables (matched without regard to case) that fill the interview's columns.
INTERVIEW_VARIABLES = ("name", "name_zh", "date", "province", "sector", "role", "organization", "round")
#: Accepted headers of a coded-segment workbook, per meaning (matched without regard to case).
SEGMENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "document": ("document name", "document", "file name", "file", "files", "source", "source name", "interview"),
    "code": ("code", "code name", "codes", "node", "nodes", "code system"),
    "begin": ("begin", "start", "beginning", "start position", "begin position", "from"),
    "end": ("end", "end position", "to"),
    "segment": ("segment", "coded segment", "coded text", "text", "content", "quotation"),
}
_SLUG = re.compile(r"[^\w]+")


def slug(name: str) -> str:
    """The motivation id for a code name: lower case, other characters collapsed to ``_``."""
    return _SLUG.sub("_", name.strip().lower()).strip("_")


@dataclass(frozen=True)
class Code:
    """A code of the codebook; ``path`` lists its parents' names, outermost first."""

    guid: str
    name: str
    description: str = ""
    path: tuple[str, ...] = ()


@dataclass
class Source:
    """A coded text (one interview), with its variables and, when the project holds it, its text."""

    guid: str
    name: str
    variables: dict[str, str] = field(default_factory=dict)
    text: str | None = None

    @property
    def interview(self) -> str:
        """The interview id: the source name without a file extension."""
        return PurePosixPath(self.name).stem if "." in self.name else self.name


@dataclass(frozen=True)
class Segment:
    """One coded segment: a code applied to a stretch of a source.

    ``start`` and ``end`` are what the file gives: character offsets in a REFI-QDA
    project (``text[start:end]`` is the passage), paragraphs in a MAXQDA export.
    ``where`` locates the segment in the file for messages.
    """

    source: str
    code: str
    start: int | None
    end: int | None
    text: str | None
    where: tuple[str, int]


@dataclass
class Coding:
    """Everything read from one QDA file."""

    path: Path
    codes: dict[str, Code] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _parse_xml(data: bytes, where: str) -> Element:
    try:
        from defusedxml import ElementTree as SafeTree

        return SafeTree.fromstring(data)  # type: ignore[no-any-return]
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        from xml.etree import ElementTree as PlainTree

        return PlainTree.fromstring(data)
    except Exception as exc:  # ParseError, or defusedxml refusing entities
        raise GraphmodelError(f"{where}: not valid REFI-QDA XML: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, name: str) -> list[Element]:
    return [child for child in element if _local(child.tag) == name]


def _child(element: Element, name: str) -> Element | None:
    found = _children(element, name)
    return found[0] if found else None


def _codes(codes: Element, parents: tuple[str, ...] = ()) -> Iterable[Code]:
    for element in _children(codes, "Code"):
        description = _child(element, "Description")
        name = element.get("name", "").strip()
        yield Code(
            guid=element.get("guid", ""),
            name=name,
            description=" ".join((description.text or "").split()) if description is not None else "",
            path=parents,
        )
        yield from _codes(element, (*parents, name))


def _codebook(root: Element) -> list[Code]:
    book = root if _local(root.tag) == "CodeBook" else _child(root, "CodeBook")
    codes = _child(book, "Codes") if book is not None else None
    return list(_codes(codes)) if codes is not None else []


def _variable_values(element: Element, names: Mapping[str, str]) -> dict[str, str]:
    values = {}
    for value in _children(element, "VariableValue"):
        ref = _child(value, "VariableRef")
        name = names.get(ref.get("targetGUID", "")) if ref is not None else None
        data = next((c.text for c in value if _local(c.tag).endswith("Value") and c.text), None)
        if name and data is not None:
            values[name.strip().lower()] = data.strip()
    return values


def _read_member(archive: zipfile.ZipFile, name: str, where: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise GraphmodelError(f"{where}: {name} is {info.file_size} bytes, more than the {MAX_MEMBER_BYTES} accepted")
    return archive.read(info)


def read_qdpx(path: str | Path) -> Coding:
    """Read a REFI-QDA project: codes, text sources with their variables and texts, coded selections."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise GraphmodelError(f"{path}: not a REFI-QDA project (.qdpx is a zip file): {exc}") from None
    with archive:
        members = {name.lower(): name for name in archive.namelist()}
        if "project.qde" not in members:
            raise GraphmodelError(f"{path}: no project.qde inside; is this a REFI-QDA project?")
        root = _parse_xml(_read_member(archive, members["project.qde"], path.name), f"{path.name}[project.qde]")
        coding = Coding(path)
        coding.codes = {c.guid: c for c in _codebook(root)}
        variables = _child(root, "Variables")
        names = {}
        if variables is not None:
            names = {v.get("guid", ""): v.get("name", "") for v in _children(variables, "Variable")}
        case_values: dict[str, dict[str, str]] = {}
        cases = _child(root, "Cases")
        for case in _children(cases, "Case") if cases is not None else []:
            values = _variable_values(case, names)
            for ref in _children(case, "SourceRef"):
                case_values.setdefault(ref.get("targetGUID", ""), {}).update(values)
        sources = _child(root, "Sources")
        number = 1
        for element in _children(sources, "TextSource") if sources is not None else []:
            guid = element.get("guid", "")
            source = Source(guid, element.get("name", guid).strip())
            source.variables = {**case_values.get(guid, {}), **_variable_values(element, names)}
            source.text = _source_text(archive, members, element, path, coding.problems)
            coding.sources[guid] = source
            for selection in _children(element, "PlainTextSelection"):
                number += 1
                where = (f"{path.name}[{source.name}]", number)
                start, end = selection.get("startPosition"), selection.get("endPosition")
                try:
                    span = (int(start or ""), int(end or ""))
                except ValueError:
                    coding.problems.append(
                        Problem(where[0], number, "position", f"startPosition {start!r}, endPosition {end!r}")
                    )
                    continue
                text = source.text[span[0] : span[1]] if source.text is not None else None
                if source.text is not None and not 0 <= span[0] <= span[1] <= len(source.text):
                    coding.problems.append(
                        Problem(
                            where[0],
                            number,
                            "position",
                            f"{span[0]}-{span[1]} is outside the text ({len(source.text)})",
                        )
                    )
                for item in _children(selection, "Coding"):
                    code_ref = _child(item, "CodeRef")
                    target = code_ref.get("targetGUID", "") if code_ref is not None else ""
                    if target not in coding.codes:
                        coding.problems.append(Problem(where[0], number, "code", f"no code with guid {target!r}"))
                        continue
                    coding.segments.append(Segment(guid, target, span[0], span[1], text, where))
    return coding


def _source_text(
    archive: zipfile.ZipFile, members: dict[str, str], element: Element, path: Path, problems: list[Problem]
) -> str | None:
    text_path = element.get("plainTextPath", "")
    if text_path.startswith("internal://"):
        member = members.get(f"sources/{text_path.removeprefix('internal://')}".lower())
        if member is None:
            problems.append(Problem(path.name, 1, "plainTextPath", f"{text_path} is not in the project"))
            return None
        try:
            return _read_member(archive, member, path.name).decode("utf-8-sig")
        except UnicodeDecodeError:
            problems.append(Problem(path.name, 1, "plainTextPath", f"{text_path} is not UTF-8 text"))
    content = _child(element, "PlainTextContent")
    return content.text if content is not None else None


def read_qdc(path: str | Path) -> Coding:
    """Read a REFI-QDA codebook (``.qdc``): codes only, no sources or segments."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GraphmodelError(f"{path}: cannot read: {exc}") from None
    root = _parse_xml(data, path.name)
    coding = Coding(path)
    coding.codes = {c.guid: c for c in _codebook(root)}
    if not coding.codes:
        raise GraphmodelError(f"{path}: no <CodeBook><Codes><Code> elements found")
    return coding


def _header_map(header: list[str]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found = {}
    for meaning, variants in SEGMENT_COLUMNS.items():
        for variant in variants:
            if variant in lowered:
                found[meaning] = lowered.index(variant)
                break
    return found


def read_coded_segments(path: str | Path) -> Coding:
    """Read an Excel export of coded segments: one row per segment, first sheet with a document and code column.

    Codes may be paths (``Motivations\\Public trust``, as MAXQDA and NVivo write
    them); the last part names the code, the others its parents.
    """
    from openpyxl import load_workbook

    path = Path(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken file
        raise GraphmodelError(f"{path}: cannot open the workbook: {exc}") from None
    coding = Coding(path)
    try:
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            if not rows:
                continue
            columns = _header_map([cell_text(h) for h in rows[0]])
            if "document" in columns and "code" in columns:
                _segments_from_rows(coding, f"{path.name}[{sheet.title}]", columns, rows[1:])
                break
        else:
            expected = "; ".join(
                f"{k}: {', '.join(v)}" for k, v in SEGMENT_COLUMNS.items() if k in ("document", "code")
            )
            raise GraphmodelError(f"{path}: no sheet has a document and a code column ({expected})")
    finally:
        book.close()
    return coding


def _segments_from_rows(coding: Coding, where: str, columns: dict[str, int], rows: list[tuple[Any, ...]]) -> None:
    def cell(cells: tuple[Any, ...], meaning: str) -> str:
        index = columns.get(meaning)
        return cell_text(cells[index]) if index is not None and index < len(cells) else ""

    for number, cells in enumerate(rows, start=2):
        document, code_path = cell(cells, "document"), cell(cells, "code")
        if not document and not code_path:
            continue
        if not document or not code_path:
            missing = "document" if not document else "code"
            coding.problems.append(Problem(where, number, missing, "a value is required"))
            continue
        parts = [p.strip() for p in re.split(r"[\\>]", code_path) if p.strip()]
        code = Code(guid=code_path, name=parts[-1], path=tuple(parts[:-1]))
        coding.codes.setdefault(code.guid, code)
        coding.sources.setdefault(document, Source(document, document))
        span: list[int | None] = []
        for meaning in ("begin", "end"):
            raw = cell(cells, meaning)
            try:
                span.append(int(float(raw)) if raw else None)
            except ValueError:
                coding.problems.append(Problem(where, number, meaning, f"{raw!r} is not a whole number"))
                span.append(None)
        text = cell(cells, "segment") or None
        coding.segments.append(Segment(document, code.guid, span[0], span[1], text, (where, number)))


def read_coding(path: str | Path) -> Coding:
    """Read a ``.qdpx`` project, a ``.qdc`` codebook or an ``.xlsx`` coded-segment export."""
    path = Path(path)
    if not path.is_file():
        raise GraphmodelError(f"{path}: no such file")
    readers: dict[str, Callable[[Path], Coding]] = {
        ".qdpx": read_qdpx,
        ".qdc": read_qdc,
        ".xlsx": read_coded_segments,
        ".xlsm": read_coded_segments,
    }
    reader = readers.get(path.suffix.lower())
    if reader is None:
        raise GraphmodelError(f"{path}: expected a .qdpx project, a .qdc codebook or an .xlsx coded-segment export")
    return reader(path)


def read_ngo_map(path: str | Path) -> dict[str, str]:
    """Read a CSV mapping interviews (column ``interview`` or ``source``) to NGO ids (column ``ngo``)."""
    path = Path(path)
    try:
        text, _ = decode(path.read_bytes())
    except (OSError, UndecodableText) as exc:
        raise GraphmodelError(f"{path}: cannot read: {exc}") from None
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    key = "interview" if "interview" in fields else "source" if "source" in fields else None
    if key is None or "ngo" not in fields:
        raise GraphmodelError(f"{path}: the NGO map needs columns 'interview' (or 'source') and 'ngo'")
    mapping = {}
    for row in reader:
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if row.get(key) and row.get("ngo"):
            mapping[row[key]] = row["ngo"]
    return mapping


def _under(code: Code, only: str | None) -> bool:
    return only is None or any(p.strip().lower() == only.strip().lower() for p in code.path)


def qda_package(
    coding: Coding,
    *,
    name: str | None = None,
    ngo_map: Mapping[str, str] | None = None,
    known_interviews: Mapping[str, Mapping[str, Any]] | None = None,
    known_motivations: Mapping[str, Mapping[str, Any]] | Iterable[str] = (),
    only_under: str | None = None,
    quote: bool = False,
) -> RawPackage:
    """Turn what a QDA file holds into a fieldwork package (tables interviews, motivations, codes).

    ``ngo_map`` gives each interview's NGO (keyed by interview id or source name);
    otherwise a case or source variable ``ngo``, then ``organization``, then the
    organisation of an interview already in the graph (``known_interviews``: id ->
    properties, from another package) names it. Interviews and motivations listed
    as known are referred to, not defined again; a code whose name is that of a known
    motivation (``name`` or ``name_zh``, ignoring case and spacing) is that motivation,
    whatever its id (see :func:`match_codes`). ``only_under`` keeps only codes
    under a parent code of that name (e.g. ``Motivations``). With ``quote`` the
    coded passages go into the tie's ``note``; by default only their positions do,
    so transcripts stay out of the graph.
    """
    ngo_map = dict(ngo_map or {})
    known_interviews = dict(known_interviews or {})
    known_mots = (
        {k: dict(v) for k, v in known_motivations.items()}
        if isinstance(known_motivations, Mapping)
        else {k: {} for k in known_motivations}
    )
    problems = list(coding.problems)
    file = coding.path.name
    codes = {guid: code for guid, code in coding.codes.items() if code.name and _under(code, only_under)}
    matched = match_codes([c.name for c in codes.values()], known_mots)

    motivations = Table("motivations", f"{file}[codes]", ["id", "name", "description"])
    seen_motivations: set[str] = set()
    for number, code in enumerate(codes.values(), start=2):
        code_id, how = matched[code.name]
        if code_id in seen_motivations or how != "new":
            continue
        seen_motivations.add(code_id)
        values = {"id": code_id, "name": code.name}
        if code.description:
            values["description"] = code.description
        motivations.rows.append(Row(number, values))

    interviews = Table("interviews", f"{file}[sources]", ["id", *INTERVIEW_VARIABLES])
    coded_sources = {s.source for s in coding.segments if s.code in codes}
    ngo_of: dict[str, str] = {}
    for number, source in enumerate(coding.sources.values(), start=2):
        if source.guid not in coded_sources:
            continue
        interview = source.interview
        known = known_interviews.get(interview)
        variables = source.variables
        ngo = (
            ngo_map.get(interview)
            or ngo_map.get(source.name)
            or variables.get("ngo")
            or variables.get("organization")
            or (str(known.get("organization")) if known and known.get("organization") else "")
        )
        if ngo:
            ngo_of[source.guid] = ngo
        else:
            problems.append(
                Problem(
                    f"{file}[{source.name}]",
                    1,
                    "ngo",
                    f"no NGO for interview {interview!r}: give an --ngo-map row or a case variable 'ngo'",
                )
            )
        if known is not None:
            continue
        values = {"id": interview, "name": variables.get("name", f"Interview {interview}")}
        values.update({k: variables[k] for k in INTERVIEW_VARIABLES if k in variables and k != "name"})
        missing = [k for k in ("date", "sector") if k not in values]
        if missing:
            problems.append(
                Problem(
                    f"{file}[{source.name}]",
                    1,
                    missing[0],
                    f"interview {interview!r} is not in the graph: give its {' and '.join(missing)} as case "
                    "variables, or load the fieldwork package that describes it first",
                )
            )
            continue
        interviews.rows.append(Row(number, values))

    grouped: dict[tuple[str, str], list[Segment]] = {}
    for segment in coding.segments:
        if segment.code in codes and segment.source in ngo_of:
            grouped.setdefault((segment.source, matched[codes[segment.code].name][0]), []).append(segment)
    table = Table("codes", f"{file}[segments]", ["interview", "code", "ngo", "position", "note"])
    for (source_guid, code_id), segments in grouped.items():
        segments.sort(key=lambda s: (s.start is None, s.start or 0, s.end or 0))
        values = {"interview": coding.sources[source_guid].interview, "code": code_id, "ngo": ngo_of[source_guid]}
        spans = [f"{s.start}-{s.end}" for s in segments if s.start is not None and s.end is not None]
        if spans:
            values["position"] = ";".join(spans)
        if quote:
            passages = [" ".join(s.text.split()) for s in segments if s.text]
            if passages:
                values["note"] = " … ".join(passages)
        table.rows.append(Row(segments[0].where[1], values))

    digest = hashlib.sha256(coding.path.read_bytes())
    digest.update(repr((sorted(ngo_map.items()), only_under, quote)).encode())
    tables = {t.name: t for t in (interviews, motivations, table) if t.rows}
    return RawPackage(
        name=name or coding.path.stem,
        path=str(coding.path),
        tables=tables,
        problems=problems,
        fingerprint=digest.hexdigest()[:16],
    )


def _same(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def match_codes(names: Iterable[str], known: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[str, str]]:
    """Each code name's motivation id, and how it was found: ``id``, ``name`` or ``new``.

    A code is a known motivation when its id (:func:`slug` of the name) is known, or else
    when a known motivation has the same ``name`` or ``name_zh`` (case and spacing aside);
    otherwise it becomes a new motivation with the slug as id.

    >>> known = {"trust": {"name": "Public trust", "name_zh": "公信力"}, "scale": {"name": "Scale"}}
    >>> match_codes(["Scale", "public  TRUST", "公信力", "Funding"], known)
    {'Scale': ('scale', 'id'), 'public  TRUST': ('trust', 'name'), '公信力': ('trust', 'name'), 'Funding': ('funding', 'new')}
    """
    by_name: dict[str, str] = {}
    for motivation, props in sorted(known.items()):
        for key in ("name", "name_zh"):
            if props.get(key):
                by_name.setdefault(_same(props[key]), motivation)
    out = {}
    for name in names:
        code_id = slug(name)
        if code_id in known:
            out[name] = (code_id, "id")
        elif _same(name) in by_name:
            out[name] = (by_name[_same(name)], "name")
        else:
            out[name] = (code_id, "new")
    return out


def code_report(store: Store, path: str | Path, *, only_under: str | None = None, name: str | None = None) -> list[str]:
    """What ``load_qda`` will do with each code: which existing motivation it joins by name, or
    which new motivation it creates and why (one line each; codes matched by id are not listed)."""
    from graphmodel import statements as cy
    from graphmodel.schema import load_schema

    coding = read_coding(path)
    package = name or coding.path.stem
    rows = store.run(cy.export_nodes(load_schema(), "Motivation")).rows
    known = {node_id: props for node_id, props in rows if props.get("_package") != package}
    names = sorted({c.name for c in coding.codes.values() if c.name and _under(c, only_under)})
    lines = []
    for code, (motivation, how) in match_codes(names, known).items():
        if how == "name":
            lines.append(f"code {code!r}: the existing motivation {motivation!r} (same name)")
        elif how == "new":
            lines.append(
                f"code {code!r}: a new motivation {motivation!r} (no motivation in the graph has this id or name)"
            )
    return lines


def load_qda(
    store: Store,
    path: str | Path,
    *,
    name: str | None = None,
    ngo_map: Mapping[str, str] | str | Path | None = None,
    only_under: str | None = None,
    quote: bool = False,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    options: LoadOptions | None = None,
) -> LoadReport:
    """Read a QDA file and load it into ``store`` as package ``name`` (default: the file's stem).

    Interviews and motivations another package already loaded (the fieldwork
    package, say) are referred to rather than defined again, so coded segments
    attach to the interviews and motivations already in the graph.
    """
    from graphmodel import statements as cy
    from graphmodel.engine.load import load
    from graphmodel.schema import load_schema

    schema = load_schema()
    coding = read_coding(path)
    package = name or coding.path.stem
    if ngo_map is not None and not isinstance(ngo_map, Mapping):
        ngo_map = read_ngo_map(ngo_map)

    def others(label: str) -> dict[str, dict[str, Any]]:
        rows = store.run(cy.export_nodes(schema, label)).rows
        return {node_id: props for node_id, props in rows if props.get("_package") != package}

    raw = qda_package(
        coding,
        name=package,
        ngo_map=ngo_map,
        known_interviews=others("Interview"),
        known_motivations=others("Motivation"),
        only_under=only_under,
        quote=quote,
    )
    return load(store, raw, schema=schema, options=options, progress=progress, dry_run=dry_run)
