"""Writing REFI-QDA 1.0: a codebook (``.qdc``) and a whole project (``.qdpx``).

Designed for what real importers need beyond the schema (``../shared/notes/refi-qda.md``):
``Project@origin`` set; text sources as ``sources/<GUID>.txt`` referenced as
``internal://<GUID>.txt`` (UTF-8, LF only, no BOM; positions are code points of exactly that
file); the coder on ``PlainTextSelection@creatingUser`` and the quoted text in its ``name``;
GUIDs spelled identically everywhere (lower case, no braces, stable uuid5 names derived from
exitlens ids so a re-import recognises them); code names unique across the codebook;
exitlens families and dimensions as non-codable categories while every exitlens code stays
codable; element order strictly per the XSD and no empty containers. Every file is
validated against the bundled XSD before it is atomically renamed into place.

The writers take an export bundle (``exitlens.sharing.bundle.ExportBundle``) and never
look at the database, so a redacted bundle gives a redacted REFI project.
"""

from __future__ import annotations

import bisect
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from lxml import etree  # type: ignore[import-untyped]

from ...coding.codebook import Codebook
from ...version import __version__
from ..bundle import ExportBundle
from .common import (
    CODEBOOK_NS,
    PROJECT_NS,
    RefiError,
    code_guid,
    codebook_schema,
    coder_user_name,
    dimension_guid,
    family_guid,
    guid,
    project_schema,
    user_guid,
    validate,
    write_atomically,
)

ORIGIN = f"exitlens {__version__}"
PALETTE = ("#1F77B4", "#FF7F0E", "#2CA02C", "#D62728", "#9467BD", "#8C564B", "#E377C2",
           "#7F7F7F", "#BCBD22", "#17BECF", "#393B79", "#AD494A", "#637939", "#843C39")
CATEGORY_COLOR = "#555555"

SOURCE_VARIABLES = ("outlet", "kind", "published", "author", "url", "language")
"""Document provenance written as variables of each TextSource (read back on import)."""
CASE_VARIABLES = ("gender", "nationality", "origin_region", "age", "joined_year", "left_year",
                  "role", "exit_mode", "outcome", "n_sources", "outlet_kind",
                  "first_published", "flags", "inferred_fields")
"""Columns of ``Project.cases()`` written as case variables (``inferred_fields``: the profile
fields only inferred from the page, e.g. a nationality no source states)."""
DESCRIPTION_TAG = "exitlens:"


# Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value: Any) -> str:
    """``value`` as a string XML can hold: forbidden control characters (a form feed from a
    PDF page break, say) become U+FFFD, one for one, so a quote keeps its length."""
    return _NOT_XML.sub("\ufffd", str(value))


# --------------------------------------------------------------------------- codebook


@dataclass
class _Node:
    guid: str
    kind: str  # "dimension" | "family" | "code"
    key: str  # the exitlens id
    label: str
    description: str
    color: str
    codable: bool
    children: list[_Node] = field(default_factory=list)
    name: str = ""


def _code_description(codebook: Codebook, code_id: str) -> str:
    code = codebook.codes[code_id]
    parts = [code.definition] if code.definition else []
    if code.include:
        parts.append(f"Include: {' '.join(code.include.split())}")
    if code.exclude:
        parts.append(f"Exclude: {' '.join(code.exclude.split())}")
    return "\n".join(parts)


def codebook_tree(codebook: Codebook, codable_groups: Iterable[str] = ()) -> list[_Node]:
    """The codebook as REFI nodes: dimension → family → code → child codes, with unique
    names. ``codable_groups``: family or dimension ids that codings use directly; they stay
    codable (a non-codable code cannot hold codings in the importing tool)."""
    groups = set(codable_groups)
    roots: list[_Node] = []
    family_index = 0
    for dim in codebook.dimensions.values():
        spec = next(d for d in codebook.spec.dimensions if d.id == dim.id)
        dnode = _Node(dimension_guid(dim.id), "dimension", dim.id, dim.label,
                      " ".join(dim.description.split()), CATEGORY_COLOR, dim.id in groups)
        roots.append(dnode)
        fam_nodes: dict[str, _Node] = {}
        for fam in spec.families:
            color = PALETTE[family_index % len(PALETTE)]
            family_index += 1
            fnode = _Node(family_guid(dim.id, fam.id), "family", fam.id, fam.label,
                          " ".join(fam.description.split()), color, fam.id in groups)
            fam_nodes[fam.id] = fnode
            dnode.children.append(fnode)
        dim_color = PALETTE[family_index % len(PALETTE)]
        if spec.codes:
            family_index += 1

        def add(code_id: str, parent: _Node, color: str) -> None:
            node = _Node(code_guid(code_id), "code", code_id, codebook.codes[code_id].label,
                         _code_description(codebook, code_id), color, True)
            parent.children.append(node)
            for child in codebook.codes[code_id].children:
                add(child, node, color)

        for code_id in dim.codes:
            family = codebook.codes[code_id].family
            parent = fam_nodes[family] if family is not None else dnode
            add(code_id, parent, parent.color if family is not None else dim_color)
    _unique_names(roots)
    return roots


def _walk(nodes: Sequence[_Node]) -> Iterable[_Node]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _unique_names(roots: Sequence[_Node]) -> None:
    """Labels may collide (two codes called "Family", a family named like a code):
    colliding ones get their exitlens id in brackets, then a number if still taken."""
    nodes = list(_walk(roots))
    counts: dict[str, int] = {}
    for node in nodes:
        key = node.label.strip().casefold()
        counts[key] = counts.get(key, 0) + 1
    taken: set[str] = set()
    for node in nodes:
        base = node.label.strip() or node.key
        if counts[base.casefold()] > 1:
            base = f"{base} ({node.key})"
        name, n = base, 2
        while name.casefold() in taken:
            name, n = f"{base} {n}", n + 1
        taken.add(name.casefold())
        node.name = name


def _code_elements(parent: etree._Element, nodes: Sequence[_Node], ns: str) -> None:
    for node in nodes:
        el = etree.SubElement(parent, f"{{{ns}}}Code", guid=node.guid,
                              name=xml_safe(node.name),
                              isCodable="true" if node.codable else "false", color=node.color)
        if node.description:
            etree.SubElement(el, f"{{{ns}}}Description").text = xml_safe(node.description)
        _code_elements(el, node.children, ns)


def codebook_element(codebook: Codebook) -> etree._Element:
    """The ``.qdc`` document (root ``CodeBook`` in the codebook namespace)."""
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS},
                         origin=ORIGIN)
    codes = etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes")
    _code_elements(codes, codebook_tree(codebook), CODEBOOK_NS)
    return root


def _xml_bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                pretty_print=True, standalone=True))


def write_qdc(codebook: Codebook, path: str | Path) -> Path:
    """Write ``codebook`` as a Codebook.xsd-valid ``.qdc`` file (atomically)."""
    target = Path(path)
    root = codebook_element(codebook)
    validate(root, codebook_schema(), str(target))
    data = _xml_bytes(root)
    def write(handle: IO[bytes]) -> None:
        handle.write(data)

    return write_atomically(target, write)


# --------------------------------------------------------------------------- project


def _value(value: Any) -> Any:
    """A plain value, or None for missing ones (None, NaN, pandas NA)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if not isinstance(value, (list, tuple, dict)) and pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, (list, tuple)):
        items = [str(v) for v in value if _value(v) is not None]
        return "; ".join(items) if items else None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return value.item()
    return value


def _iso_datetime(value: Any) -> str | None:
    value = _value(value)
    if value is None:
        return None
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat()


class LfText:
    """A document's text as written to ``sources/<GUID>.txt`` (LF only, no BOM) and the
    map from stored-text code points to positions in that file."""

    def __init__(self, text: str):
        removed: list[int] = []
        out: list[str] = []
        i = 0
        if text.startswith("\ufeff"):
            removed.append(0)
            i = 1
        while i < len(text):
            ch = text[i]
            if ch == "\r":
                if i + 1 < len(text) and text[i + 1] == "\n":
                    removed.append(i)
                else:
                    out.append("\n")
            else:
                out.append(ch)
            i += 1
        self.text = "".join(out) if removed or "\r" in text else text
        self._removed = removed

    def position(self, stored: int) -> int:
        """Position in the written file of stored-text code point ``stored``."""
        return stored - bisect.bisect_left(self._removed, stored)


@dataclass
class _Selection:
    guid: str
    coding_guid: str
    start: int
    end: int
    code_guid: str
    user: str
    created: str | None
    description: str
    name: str
    case_id: int | None


def _int_like(values: Iterable[Any]) -> bool:
    seen = False
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            return False
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            seen = True
            continue
        if isinstance(v, str) and v.strip().lstrip("-").isdigit():
            seen = True
            continue
        return False
    return seen


def _description(coding: dict[str, Any]) -> str:
    """How a coding's exitlens-only facts travel (read back by our importer; other tools
    show it as the selection's memo)."""
    parts = [f"coder={coding['coder']}", f"status={coding['status']}"]
    confidence = _value(coding.get("confidence"))
    if confidence is not None:
        parts.append(f"confidence={float(confidence):.4f}")
    user = _value(coding.get("user"))
    if user:
        parts.append(f"user={str(user).replace(';', ',').replace('=', '-')}")
    case_id = _value(coding.get("case_id"))
    if case_id is not None:
        parts.append(f"case={int(case_id)}")
    parts.append(f"code={coding['code']}")
    return f"{DESCRIPTION_TAG} " + "; ".join(parts)


def _records(frame: Any) -> list[dict[str, Any]]:
    if frame is None or len(frame) == 0:
        return []
    return list(frame.to_dict(orient="records"))


def project_element(bundle: ExportBundle, name: str = "exitlens project"
                    ) -> tuple[etree._Element, dict[str, str]]:
    """The ``project.qde`` document and the source files (``sources/<GUID>.txt`` → text)."""
    p = PROJECT_NS

    def sub(parent: etree._Element, tag: str, **attrs: Any) -> etree._Element:
        return etree.SubElement(parent, f"{{{p}}}{tag}",
                                **{k: xml_safe(v) for k, v in attrs.items() if v is not None})

    codebook = bundle.codebook
    documents = _records(bundle.documents)
    codings = _records(bundle.codings)
    cases = _records(bundle.cases)
    families = {f for d in codebook.dimensions.values() for f in d.families}
    groups = families | set(codebook.dimensions)
    unknown = sorted({str(c["code"]) for c in codings}
                     - set(codebook.codes) - groups)
    if unknown:
        raise RefiError(f"codings use codes the codebook lacks: {', '.join(unknown)}; "
                        "the export would drop them", code="codebook_mismatch")
    codable_groups = {str(c["code"]) for c in codings} & groups
    tree = codebook_tree(codebook, codable_groups)
    guid_of_code = {n.key: n.guid for n in _walk(tree) if n.kind == "code"}
    guid_of_code.update({n.key: n.guid for n in _walk(tree)
                         if n.kind != "code" and n.key in codable_groups})

    # users: every coder and every reviewer
    user_names: list[str] = []
    for c in codings:
        for candidate in (coder_user_name(str(c["coder"])), _value(c.get("user"))):
            if candidate and str(candidate) not in user_names:
                user_names.append(str(candidate))

    # sources and their selections
    texts: dict[int, LfText] = {}
    source_guid: dict[int, str] = {}
    for doc in documents:
        texts[int(doc["id"])] = LfText(str(doc["text"]))
        source_guid[int(doc["id"])] = guid("document", str(doc["text_sha256"]))
    documents_by_id = {int(doc["id"]): doc["text"] for doc in documents}
    selections: dict[int, list[_Selection]] = {}
    for c in codings:
        doc_id = int(c["document_id"])
        if doc_id not in texts:
            raise RefiError(f"coding {c['id']} points at document {doc_id}, which the export "
                            "does not hold", code="codebook_mismatch")
        lf = texts[doc_id]
        if not 0 <= int(c["start"]) <= int(c["end"]) <= len(str(documents_by_id[doc_id])):
            raise RefiError(f"coding {c['id']} spans [{c['start']}, {c['end']}) outside "
                            f"document {doc_id}", code="selection_out_of_range")
        start, end = lf.position(int(c["start"])), lf.position(int(c["end"]))
        key = f"{source_guid[doc_id]}:{c['id']}:{c['code']}:{start}:{end}:{c['coder']}"
        case_id = _value(c.get("case_id"))
        selections.setdefault(doc_id, []).append(_Selection(
            guid=guid("selection", key), coding_guid=guid("coding", key), start=start,
            end=end, code_guid=guid_of_code[str(c["code"])],
            user=user_guid(coder_user_name(str(c["coder"]))),
            created=_iso_datetime(c.get("created_at")), description=_description(c),
            name=lf.text[start:end], case_id=int(case_id) if case_id is not None else None))

    # variables: document provenance and case profile fields
    source_values = {v: [_value(d.get(v)) for d in documents] for v in SOURCE_VARIABLES}
    case_values = {v: [_value(c.get(v)) for c in cases] for v in CASE_VARIABLES}
    variables: list[tuple[str, str, str]] = []  # name, type, description
    for var, values in source_values.items():
        if any(v is not None for v in values):
            variables.append((var, "Text", "document provenance (exitlens)"))
    for var, values in case_values.items():
        if any(v is not None for v in values):
            kind = "Integer" if _int_like(values) else "Text"
            variables.append((f"case_{var}" if var in SOURCE_VARIABLES else var, kind,
                              "defector case profile (exitlens)"))
    var_guid = {name: guid("variable", name) for name, _, _ in variables}
    var_type = {name: kind for name, kind, _ in variables}

    def variable_value(parent: etree._Element, var: str, value: Any) -> None:
        if value is None or var not in var_guid:
            return
        el = sub(parent, "VariableValue")
        sub(el, "VariableRef", targetGUID=var_guid[var])
        if var_type[var] == "Integer":
            sub(el, "IntegerValue").text = str(int(float(value)))
        else:
            sub(el, "TextValue").text = xml_safe(value)

    root = etree.Element(f"{{{p}}}Project", nsmap={None: p}, name=name, origin=ORIGIN,
                         creationDateTime=datetime.now(UTC).replace(microsecond=0).isoformat())
    if user_names:
        users = sub(root, "Users")
        for user in user_names:
            sub(users, "User", guid=user_guid(user), name=user)
    codebook_el = sub(root, "CodeBook")
    _code_elements(sub(codebook_el, "Codes"), tree, p)
    if variables:
        vars_el = sub(root, "Variables")
        for var, kind, text in variables:
            v = sub(vars_el, "Variable", guid=var_guid[var], name=var, typeOfVariable=kind)
            sub(v, "Description").text = xml_safe(text)
    case_rows = [c for c in cases if _value(c.get("case_id")) is not None]
    selections_of_case: dict[int, list[_Selection]] = {}
    for doc_selections in selections.values():
        for sel in doc_selections:
            if sel.case_id is not None:
                selections_of_case.setdefault(sel.case_id, []).append(sel)
    if case_rows:
        cases_el = sub(root, "Cases")
        for case in case_rows:
            case_id = int(case["case_id"])
            el = sub(cases_el, "Case", guid=guid("case", str(case_id)),
                     name=str(_value(case.get("label")) or f"case {case_id}"))
            sub(el, "Description").text = f"exitlens defector case {case_id}"
            for var in CASE_VARIABLES:
                name_ = f"case_{var}" if var in SOURCE_VARIABLES else var
                variable_value(el, name_, _value(case.get(var)))
            doc_ids = case.get("document_ids")
            for doc_id in (doc_ids if isinstance(doc_ids, (list, tuple)) else []):
                if int(doc_id) in source_guid:
                    sub(el, "SourceRef", targetGUID=source_guid[int(doc_id)])
            for sel in selections_of_case.get(case_id, []):
                sub(el, "SelectionRef", targetGUID=sel.guid)
    files: dict[str, str] = {}
    if documents:
        sources_el = sub(root, "Sources")
        for doc in documents:
            doc_id = int(doc["id"])
            sguid = source_guid[doc_id]
            files[f"sources/{sguid}.txt"] = texts[doc_id].text
            title = _value(doc.get("title")) or f"document {doc_id}"
            src = sub(sources_el, "TextSource", guid=sguid, name=str(title),
                      plainTextPath=f"internal://{sguid}.txt")
            sub(src, "Description").text = f"exitlens document {doc_id}"
            for sel in sorted(selections.get(doc_id, []), key=lambda s: (s.start, s.end)):
                s_el = sub(src, "PlainTextSelection", guid=sel.guid, name=sel.name,
                           startPosition=sel.start, endPosition=sel.end,
                           creatingUser=sel.user, creationDateTime=sel.created)
                sub(s_el, "Description").text = xml_safe(sel.description)
                c_el = sub(s_el, "Coding", guid=sel.coding_guid, creatingUser=sel.user,
                           creationDateTime=sel.created)
                sub(c_el, "CodeRef", targetGUID=sel.code_guid)
            for var in SOURCE_VARIABLES:
                variable_value(src, var, _value(doc.get(var)))
    description = (f"Exported by {ORIGIN}: {len(documents)} documents, {len(codings)} "
                   f"codings, {len(case_rows)} defector cases"
                   + ("; names replaced by pseudonyms" if bundle.redacted else "") + ".")
    sub(root, "Description").text = xml_safe(description)
    return root, files


def write_qdpx(bundle: ExportBundle, path: str | Path, *, name: str | None = None) -> Path:
    """Write ``bundle`` as a REFI-QDA project: a ZIP holding ``project.qde`` (validated
    against Project.xsd) and ``sources/<GUID>.txt``. Atomic: a failure leaves no file."""
    target = Path(path)
    root, files = project_element(bundle, name or target.stem)
    validate(root, project_schema(), str(target))
    qde = _xml_bytes(root)

    def write(handle: IO[bytes]) -> None:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", qde)
            for member, text in files.items():
                archive.writestr(member, text.encode("utf-8"))

    return write_atomically(target, write)
