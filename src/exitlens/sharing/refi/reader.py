"""Reading REFI-QDA 1.0 files into plain structures (no database).

``read_qdpx`` opens the ZIP, finds the ``.qde``, validates it against Project.xsd and
returns a :class:`RefiProject`; ``read_qdc`` does the same for a codebook file. Written for
files from other tools, not only ours: GUIDs are compared without braces and case;
text sources may live in ``sources/`` (``internal://``), elsewhere in the archive, or
inline (``PlainTextContent``); elements exitlens does not use (notes, sets, links, graphs,
PDF/picture/audio/video sources, whole-source codings) are counted in ``skipped``, never
an error. Checks that fail the whole file: ``not_a_zip``, ``no_project_file``,
``schema_invalid``, ``selection_out_of_range``, ``unknown_code_ref``.

Source texts: a leading BOM is dropped and CRLF/CR become LF (the stored-text rule of
SPEC §1), with selection positions moved accordingly. Which positions a tool meant when
its file holds CRLF (counting the CR or not) is decided by the selections' quoted text
(``name``): the reading under which more of them match wins; without quotes, positions
count every character of the file as written (NVivo, QualCoder), except in files whose
``origin`` names ATLAS.ti, which counts a CRLF as one character.
"""

from __future__ import annotations

import bisect
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from .common import (
    CODEBOOK_NS,
    PROJECT_NS,
    RefiError,
    codebook_schema,
    normalize_guid,
    project_schema,
    validate,
)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


@dataclass
class RefiCode:
    guid: str  # normalised (lower case, no braces)
    name: str
    codable: bool
    color: str | None = None
    description: str = ""
    parent: str | None = None  # parent code's GUID
    children: list[str] = field(default_factory=list)


@dataclass
class RefiCoding:
    code: str  # code GUID
    user: str | None  # creating user's GUID (the selection's, else the coding's)


@dataclass
class RefiSelection:
    guid: str
    start: int
    end: int
    name: str | None
    user: str | None
    created: str | None
    description: str
    codings: list[RefiCoding]


@dataclass
class RefiSource:
    guid: str
    name: str | None
    description: str
    text: str
    location: str  # archive member, or "inline"
    selections: list[RefiSelection]
    variables: dict[str, Any]  # variable name → value
    positions: str = "as_written"  # or "lf_text": how CRLF positions were read


@dataclass
class RefiCase:
    guid: str
    name: str | None
    description: str
    variables: dict[str, Any]
    sources: list[str]
    selections: list[str]


@dataclass
class RefiProject:
    """A parsed ``.qdpx`` (or, with only ``codes``, a ``.qdc``)."""

    path: Path
    origin: str | None
    name: str | None
    users: dict[str, str]  # GUID → name
    codes: list[RefiCode]  # every code, parents before their children
    variables: dict[str, tuple[str, str]]  # GUID → (name, type)
    cases: list[RefiCase]
    sources: list[RefiSource]
    skipped: Counter[str] = field(default_factory=Counter)

    def code(self, code_guid: str) -> RefiCode | None:
        return next((c for c in self.codes if c.guid == code_guid), None)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _text(el: etree._Element | None) -> str:
    return (el.text or "") if el is not None else ""


def _opt_guid(value: str | None) -> str | None:
    return normalize_guid(value) if value else None


def _read_codes(parent: etree._Element, out: list[RefiCode], parent_guid: str | None) -> None:
    for el in _children(parent, "Code"):
        code = RefiCode(guid=normalize_guid(el.get("guid", "")), name=el.get("name", ""),
                        codable=el.get("isCodable", "true").strip().lower() in ("true", "1"),
                        color=el.get("color"), description=_text(_child(el, "Description")),
                        parent=parent_guid)
        out.append(code)
        _read_codes(el, out, code.guid)
        code.children = [c.guid for c in out if c.parent == code.guid]


def _parse_xml(data: bytes, where: str) -> etree._Element:
    try:
        return etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise RefiError(f"not well-formed XML: line {exc.lineno}: {exc.msg}",
                        code="schema_invalid", where=where) from None


def read_qdc(path: str | Path) -> RefiProject:
    """A REFI-QDA codebook file (``.qdc``, Codebook.xsd) as a project with codes only.
    A ``.qde`` project file also works (its CodeBook is read)."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise RefiError(f"cannot read: {exc.strerror or exc}", code="unreadable",
                        where=str(source)) from None
    root = _parse_xml(data, str(source))
    if etree.QName(root).namespace == PROJECT_NS:
        return _read_project(root, source, {})
    if etree.QName(root).namespace != CODEBOOK_NS or _local(root) != "CodeBook":
        raise RefiError("not a REFI-QDA codebook (root element must be CodeBook in "
                        f"{CODEBOOK_NS})", code="schema_invalid", where=str(source))
    validate(root, codebook_schema(), str(source))
    codes: list[RefiCode] = []
    codes_el = _child(root, "Codes")
    if codes_el is not None:
        _read_codes(codes_el, codes, None)
    project = RefiProject(source, root.get("origin"), None, {}, codes, {}, [], [])
    sets = _child(root, "Sets")
    if sets is not None:
        project.skipped["sets"] += len(_children(sets, "Set"))
    return project


def read_qdpx(path: str | Path) -> RefiProject:
    """A REFI-QDA project archive (``.qdpx``) with its source texts."""
    source = Path(path)
    where = str(source)
    if not source.is_file():
        raise RefiError("no such file", code="unreadable", where=where)
    if not zipfile.is_zipfile(source):
        raise RefiError("not a ZIP archive: a .qdpx file is a ZIP holding project.qde and "
                        "sources/", code="not_a_zip", where=where)
    try:
        with zipfile.ZipFile(source) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
            qde = [n for n in names if n.lower().endswith(".qde")]
            if not qde:
                raise RefiError("the archive holds no project file (*.qde)",
                                code="no_project_file", where=where)
            qde.sort(key=lambda n: (n.count("/"), n != "project.qde", n))
            root = _parse_xml(archive.read(qde[0]), f"{where}:{qde[0]}")
            members = {n: n for n in names}
            files = _FileLookup(archive, members)
            return _read_project(root, source, files, qde_name=qde[0])
    except zipfile.BadZipFile as exc:
        raise RefiError(f"damaged ZIP archive: {exc}", code="not_a_zip", where=where) from None


class _FileLookup:
    """Archive members by the paths ``plainTextPath`` may use."""

    def __init__(self, archive: zipfile.ZipFile, members: dict[str, str]):
        self.archive = archive
        self.members = members
        self.lower = {n.lower(): n for n in members}

    def find(self, reference: str) -> str | None:
        ref = reference.replace("\\", "/")
        for prefix in ("internal://", "relative://", "absolute://", "file://"):
            if ref.lower().startswith(prefix):
                ref = ref[len(prefix):]
                break
        ref = ref.lstrip("/")
        base = PurePosixPath(ref).name
        for candidate in (ref, f"sources/{ref}", f"Sources/{ref}", f"sources/{base}"):
            if candidate in self.members:
                return candidate
            if candidate.lower() in self.lower:
                return self.lower[candidate.lower()]
        matches = [n for n in self.members if PurePosixPath(n).name.lower() == base.lower()]
        return matches[0] if len(matches) == 1 else None

    def read(self, member: str) -> bytes:
        return self.archive.read(member)


def _variable_value(el: etree._Element, variables: dict[str, tuple[str, str]]
                    ) -> tuple[str, Any] | None:
    ref = _child(el, "VariableRef")
    if ref is None:
        return None
    var = variables.get(normalize_guid(ref.get("targetGUID", "")))
    name = var[0] if var else normalize_guid(ref.get("targetGUID", ""))
    for child in el:
        if not isinstance(child.tag, str) or _local(child) == "VariableRef":
            continue
        kind, raw = _local(child), (child.text or "").strip()
        value: Any = raw
        if kind == "IntegerValue":
            value = int(raw)
        elif kind == "FloatValue":
            value = float(raw)
        elif kind == "BooleanValue":
            value = raw.lower() in ("true", "1")
        return name, value
    return name, None


def _normalise_text(raw: str, selections: list[RefiSelection], origin: str
                    ) -> tuple[str, list[RefiSelection], str]:
    """Drop a BOM, turn CRLF/CR into LF, and move the positions to the new text. With a
    tie (no quoted text to compare), positions count every character as written, except
    for ATLAS.ti, which counts a CRLF as one character."""
    text = raw[1:] if raw.startswith("\ufeff") else raw
    if "\r" not in text:
        return text, selections, "as_written"
    removed = [i for i in range(len(text) - 1) if text[i] == "\r" and text[i + 1] == "\n"]
    clean = text.replace("\r\n", "\n").replace("\r", "\n")

    def moved(pos: int) -> int:
        return pos - bisect.bisect_left(removed, pos)

    def score(mapper: Any) -> int:
        hits = 0
        for sel in selections:
            if sel.name is None:
                continue
            a, b = mapper(sel.start), mapper(sel.end)
            if 0 <= a <= b <= len(clean) and clean[a:b] == sel.name.replace("\r\n", "\n"):
                hits += 1
        return hits

    as_written, over_lf = score(moved), score(lambda p: p)
    if over_lf > as_written or (over_lf == as_written and "atlas" in origin.lower()):
        return clean, selections, "lf_text"
    out = [RefiSelection(s.guid, moved(s.start), moved(s.end), s.name, s.user, s.created,
                         s.description, s.codings) for s in selections]
    return clean, out, "as_written"


def _read_project(root: etree._Element, source: Path, files: Any,
                  qde_name: str = "project.qde") -> RefiProject:
    where = f"{source}:{qde_name}" if files else str(source)
    if etree.QName(root).namespace != PROJECT_NS or _local(root) != "Project":
        raise RefiError(f"not a REFI-QDA project (root element must be Project in "
                        f"{PROJECT_NS})", code="schema_invalid", where=where)
    validate(root, project_schema(), where)
    users = {}
    users_el = _child(root, "Users")
    if users_el is not None:
        for u in _children(users_el, "User"):
            users[normalize_guid(u.get("guid", ""))] = u.get("name") or u.get("id") or ""
    codes: list[RefiCode] = []
    codebook_el = _child(root, "CodeBook")
    if codebook_el is not None:
        codes_el = _child(codebook_el, "Codes")
        if codes_el is not None:
            _read_codes(codes_el, codes, None)
    code_guids = {c.guid for c in codes}
    variables: dict[str, tuple[str, str]] = {}
    vars_el = _child(root, "Variables")
    if vars_el is not None:
        for v in _children(vars_el, "Variable"):
            variables[normalize_guid(v.get("guid", ""))] = (v.get("name", ""),
                                                            v.get("typeOfVariable", "Text"))
    project = RefiProject(source, root.get("origin"), root.get("name"), users, codes,
                          variables, [], [])
    skipped = project.skipped
    cases_el = _child(root, "Cases")
    if cases_el is not None:
        for c in _children(cases_el, "Case"):
            values = dict(filter(None, (_variable_value(v, variables)
                                        for v in _children(c, "VariableValue"))))
            project.cases.append(RefiCase(
                guid=normalize_guid(c.get("guid", "")), name=c.get("name"),
                description=_text(_child(c, "Description")), variables=values,
                sources=[normalize_guid(r.get("targetGUID", ""))
                         for r in _children(c, "SourceRef")],
                selections=[normalize_guid(r.get("targetGUID", ""))
                            for r in _children(c, "SelectionRef")]))
    sources_el = _child(root, "Sources")
    if sources_el is not None:
        for el in sources_el:
            if not isinstance(el.tag, str):
                continue
            kind = _local(el)
            if kind != "TextSource":
                skipped[f"{kind} (not a text source)"] += 1
                skipped["codings on non-text sources"] += len(
                    el.findall(f".//{{{PROJECT_NS}}}Coding"))
                continue
            text_source = _read_text_source(el, files, where, code_guids, variables, skipped,
                                            project.origin or "")
            if text_source is not None:
                project.sources.append(text_source)
    for container, item in (("Notes", "Note"), ("Links", "Link"), ("Sets", "Set"),
                            ("Graphs", "Graph")):
        el = _child(root, container)
        if el is not None:
            skipped[container.lower()] += len(_children(el, item))
    note_refs = len(root.findall(f".//{{{PROJECT_NS}}}NoteRef"))
    if note_refs:
        skipped["note references"] += note_refs
    return project


def _read_text_source(el: etree._Element, files: Any, where: str, code_guids: set[str],
                      variables: dict[str, tuple[str, str]], skipped: Counter[str],
                      origin: str = "") -> RefiSource | None:
    sguid = normalize_guid(el.get("guid", ""))
    label = el.get("name") or sguid
    inline = _child(el, "PlainTextContent")
    plain_path = el.get("plainTextPath")
    if plain_path and files:
        member = files.find(plain_path)
        if member is None:
            skipped["text sources whose file is missing from the archive"] += 1
            return None
        try:
            raw = files.read(member).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RefiError(f"source {label!r} ({member}) is not UTF-8 text: {exc.reason} at "
                            f"byte {exc.start}", code="schema_invalid", where=where) from None
        location = member
    elif inline is not None:
        raw, location = inline.text or "", "inline"
    else:
        skipped["text sources without plain text (rich text only or external file)"] += 1
        return None
    selections: list[RefiSelection] = []
    for s in _children(el, "PlainTextSelection"):
        user = _opt_guid(s.get("creatingUser") or s.get("modifyingUser"))
        codings = []
        for c in _children(s, "Coding"):
            ref = _child(c, "CodeRef")
            target = normalize_guid(ref.get("targetGUID", "")) if ref is not None else ""
            if target not in code_guids:
                raise RefiError(
                    f"selection {s.get('guid')} of source {label!r} is coded with "
                    f"{ref.get('targetGUID') if ref is not None else '?'}, which is not a code "
                    "of the file's codebook", code="unknown_code_ref", where=where)
            codings.append(RefiCoding(target, user or _opt_guid(c.get("creatingUser"))))
        selections.append(RefiSelection(
            guid=normalize_guid(s.get("guid", "")), start=int(s.get("startPosition", "0")),
            end=int(s.get("endPosition", "0")), name=s.get("name"), user=user,
            created=s.get("creationDateTime") or s.get("modifiedDateTime"),
            description=_text(_child(s, "Description")), codings=codings))
    text, selections, positions = _normalise_text(raw, selections, origin)
    for sel in selections:
        if not 0 <= sel.start <= sel.end <= len(text):
            raise RefiError(
                f"selection {sel.guid} of source {label!r} spans [{sel.start}, {sel.end}) but "
                f"the text has {len(text)} characters", code="selection_out_of_range",
                where=where)
    whole = _children(el, "Coding")
    if whole:
        skipped["codings of a whole source (no span)"] += len(whole)
    values = dict(filter(None, (_variable_value(v, variables)
                                for v in _children(el, "VariableValue"))))
    return RefiSource(sguid, el.get("name"), _text(_child(el, "Description")), text, location,
                      selections, values, positions)
