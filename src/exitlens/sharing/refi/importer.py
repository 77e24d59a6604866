"""Importing a REFI-QDA project or codebook into an exitlens database (one transaction).

* **Codes** merge into the project codebook: a code is matched by GUID (the uuid5 names our
  exports give codes, families and dimensions, and the GUIDs earlier imports recorded in
  their ``refi.import`` event), else by name (label or id, case-insensitive). A new code
  goes under its parent (as a child of a code, or into a matched family or dimension), or
  else into the family ``imported`` of the dimension ``imported``; the merged codebook is
  stored as a new version (``codebook_versions``) when anything was added.
* **Text sources** become documents (text as in the archive after the SPEC §1 stored-text
  rule: no BOM, LF only; kind, outlet, date, author and URL from the source's variables
  when present); a text already stored (same SHA-256) reuses that document.
* **Selections** become codings of text, ``person_id`` null (not yet attributed to a
  defector, so case tables do not count them): ``coder`` is the creating user — an
  exitlens program name (``rules``…) stays as it is with status ``suggested``; anyone else
  is a person, ``human:<name>`` with status ``accepted`` (a person coding a span in a QDA
  tool is a human decision) and confidence 1.0. Selections we exported carry their
  original coder, status and confidence in their description and get them back.
  A coding already stored before the import (same document, code, span and coder, no
  person) is not added again, so importing a file twice changes nothing; within one file
  every selection's coding is kept (two people coded on one span stay two codings).
* **Cases and variables** are not mapped onto defector cases (those come from the
  analysis); they are reported and kept in the import event's payload.

Any error rolls the whole import back: nothing is half-imported.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...coding.codebook import (
    Codebook,
    CodebookSpec,
    CodeSpec,
    DimensionSpec,
    FamilySpec,
    codebook_to_yaml,
    parse_codebook,
)
from ...config import IngestSettings
from ...ingest.dedup import NearDuplicateIndex
from ...language import detect_language
from ...model import DOCUMENT_KINDS, sha256_text
from ...store.codebooks import store_codebook
from ...store.schema import CodingRow, DocumentLinkRow, DocumentRow, EventRow, SourceRow
from .common import (
    HUMAN_PREFIX,
    RefiError,
    code_guid,
    dimension_guid,
    family_guid,
    is_automatic,
    normalize_guid,
)
from .reader import RefiCode, RefiProject, RefiSelection, read_qdc, read_qdpx
from .writer import DESCRIPTION_TAG

IMPORTED = "imported"
STATUSES = ("suggested", "accepted", "rejected")


@dataclass
class ImportReport:
    """What ``exitlens import`` did (counts, ids) and what it left out."""

    path: str
    kind: str  # "project" | "codebook"
    origin: str | None = None
    documents_added: list[int] = field(default_factory=list)
    documents_reused: list[int] = field(default_factory=list)
    codes_matched: int = 0
    codes_added: list[str] = field(default_factory=list)
    codebook_version: int | None = None
    codings_added: int = 0
    codings_present: int = 0
    coders: dict[str, int] = field(default_factory=dict)  # coder → codings added
    kept: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- codebook merge


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"code_{slug}".rstrip("_")
    return slug[:60]


_SUFFIX_ID = re.compile(r"^(?P<label>.*) \((?P<id>[a-z][a-z0-9_]*)\)(?: \d+)?$")


@dataclass
class CodebookMerge:
    """The result of merging a REFI codebook into an exitlens one."""

    codebook: Codebook
    code_of: dict[str, str]  # REFI code GUID → exitlens code id (codable targets)
    matched: int
    added: list[str]
    new_guids: dict[str, str]  # GUID → exitlens code id, for codes added here

    @property
    def changed(self) -> bool:
        return bool(self.added)


def merge_codebook(codebook: Codebook, codes: list[RefiCode], coded: set[str],
                   known: dict[str, str] | None = None) -> CodebookMerge:
    """Merge REFI ``codes`` (parents first) into ``codebook``. ``coded``: GUIDs that hold
    codings (they must end up as exitlens codes, not as families); ``known``: GUID → code
    id remembered from earlier imports."""
    spec: CodebookSpec = codebook.spec.model_copy(deep=True)
    by_guid: dict[str, tuple[str, ...]] = {}
    for cid in codebook.codes:
        by_guid[code_guid(cid)] = ("code", cid)
    for dim in spec.dimensions:
        by_guid[dimension_guid(dim.id)] = ("dimension", dim.id)
        for fam in dim.families:
            by_guid[family_guid(dim.id, fam.id)] = ("family", dim.id, fam.id)
    for g, cid in (known or {}).items():
        if cid in codebook.codes:
            by_guid.setdefault(normalize_guid(g), ("code", cid))
    by_name: dict[str, tuple[str, ...]] = {}
    for dim in spec.dimensions:
        by_name.setdefault(dim.label.casefold(), ("dimension", dim.id))
        for fam in dim.families:
            by_name.setdefault(fam.label.casefold(), ("family", dim.id, fam.id))
    for cid, known_code in codebook.codes.items():  # codes win over groups of one name
        by_name[known_code.label.casefold()] = ("code", cid)
    for cid in codebook.codes:
        by_name[cid.casefold()] = ("code", cid)
    taken = set(codebook.codes) | {d.id for d in spec.dimensions} | {
        f.id for d in spec.dimensions for f in d.families}
    specs: dict[str, CodeSpec] = {}

    def index(items: list[CodeSpec]) -> None:
        for item in items:
            specs[item.id] = item
            index(item.children)

    for dim in spec.dimensions:
        for fam in dim.families:
            index(fam.codes)
        index(dim.codes)

    target: dict[str, tuple[str, ...]] = {}
    code_of: dict[str, str] = {}
    added: list[str] = []
    new_guids: dict[str, str] = {}
    matched = 0

    def lookup(code: RefiCode) -> tuple[str, ...] | None:
        if code.guid in by_guid:
            return by_guid[code.guid]
        name = code.name.strip()
        found = by_name.get(name.casefold())
        if found is None:
            m = _SUFFIX_ID.match(name)  # "Family (family)": our disambiguated names
            if m and m.group("id") in codebook.codes:
                found = ("code", m.group("id"))
        return found

    def imported_family() -> FamilySpec:
        dim = next((d for d in spec.dimensions if d.id == IMPORTED), None)
        if dim is None:
            dim = DimensionSpec(id=IMPORTED, label="Imported codes",
                                description="Codes brought in from REFI-QDA files.")
            spec.dimensions.append(dim)
            taken.add(IMPORTED)
        fam = next((f for f in dim.families if f.id == IMPORTED), None)
        if fam is None:
            fam = FamilySpec(id=IMPORTED, label="Imported", codes=[])
            dim.families.append(fam)
        return fam

    for code in codes:
        found = lookup(code)
        if found is not None and (found[0] == "code" or code.guid not in coded):
            matched += 1
            target[code.guid] = found
            if found[0] == "code":
                code_of[code.guid] = found[1]
            continue
        ident, n = _slug(code.name or "code"), 2
        base = ident
        while ident in taken:
            ident, n = f"{base}_{n}", n + 1
        taken.add(ident)
        new = CodeSpec(id=ident, label=code.name.strip() or ident,
                       definition=" ".join(code.description.split()))
        parent = target.get(code.parent) if code.parent else None
        if found is not None:  # a matched family/dimension that holds codings: a code in it
            parent = found
        if parent is not None and parent[0] == "code":
            specs[parent[1]].children.append(new)
        elif parent is not None and parent[0] == "family":
            dim = next(d for d in spec.dimensions if d.id == parent[1])
            next(f for f in dim.families if f.id == parent[2]).codes.append(new)
        elif parent is not None and parent[0] == "dimension":
            next(d for d in spec.dimensions if d.id == parent[1]).codes.append(new)
        else:
            imported_family().codes.append(new)
        specs[ident] = new
        target[code.guid] = ("code", ident)
        code_of[code.guid] = ident
        added.append(ident)
        new_guids[code.guid] = ident
    merged = codebook
    if added:
        text = codebook_to_yaml(Codebook(spec, source=codebook.source))
        merged = parse_codebook(text, source=f"{codebook.source} + imported codes")
    return CodebookMerge(merged, code_of, matched, added, new_guids)


def _known_guids(session: Session) -> dict[str, str]:
    """GUID → code id recorded by earlier imports."""
    known: dict[str, str] = {}
    for payload in session.scalars(select(EventRow.payload).where(
            EventRow.action == "refi.import").order_by(EventRow.id)):
        known.update((payload or {}).get("code_guids", {}))
    return known


# --------------------------------------------------------------------------- codings


def _coding_facts(selection: RefiSelection, user_name: str, code_id: str) -> dict[str, Any]:
    """coder, status, confidence and user of one imported coding (see module docstring)."""
    meta: dict[str, str] = {}
    description = selection.description.strip()
    if description.startswith(DESCRIPTION_TAG):
        for part in description[len(DESCRIPTION_TAG):].split(";"):
            key, _, value = part.strip().partition("=")
            if key:
                meta[key] = value.strip()
    if meta.get("code") == code_id and meta.get("coder") and meta.get("status") in STATUSES:
        try:
            confidence = min(1.0, max(0.0, float(meta.get("confidence", "1"))))
        except ValueError:
            confidence = 1.0
        return {"coder": meta["coder"][:64], "status": meta["status"],
                "confidence": confidence, "user": meta.get("user") or None}
    name = user_name.strip() or "unknown"
    if is_automatic(name):
        return {"coder": name.lower()[:64], "status": "suggested", "confidence": 0.5,
                "user": None}
    return {"coder": f"{HUMAN_PREFIX}{name}"[:64], "status": "accepted", "confidence": 1.0,
            "user": name[:128]}


def _when(value: str | None) -> datetime:
    if value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def _document_fields(source: Any) -> dict[str, Any]:
    """Provenance from the source's variables (names case-insensitive), else its
    description's ``key: value`` lines."""
    found: dict[str, Any] = {}
    values = {str(k).strip().casefold(): v for k, v in source.variables.items()}
    for line in source.description.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().casefold() in ("kind", "outlet", "published", "author", "url"):
            values.setdefault(key.strip().casefold(), value.strip())
    for key in ("kind", "outlet", "published", "author", "url", "language"):
        value = values.get(key)
        if value not in (None, ""):
            found[key] = str(value)
    kind = found.get("kind", "").strip().lower()
    found["kind"] = kind if kind in DOCUMENT_KINDS else "unknown"
    if "published" in found:
        found["published"] = found["published"][:32]
    if "language" in found:
        found["language"] = found["language"][:16]
    return found


# --------------------------------------------------------------------------- import


def read_refi(path: Path) -> RefiProject:
    """A ``.qdpx`` (ZIP) or ``.qdc`` (XML): by extension, else by content."""
    suffix = path.suffix.lower()
    if suffix == ".qdc" or suffix == ".qde":
        return read_qdc(path)
    if suffix == ".qdpx":
        return read_qdpx(path)
    try:
        head = path.read_bytes()[:4]
    except OSError as exc:
        raise RefiError(f"cannot read: {exc.strerror or exc}", code="unreadable",
                        where=str(path)) from None
    return read_qdpx(path) if head.startswith(b"PK") else read_qdc(path)


def import_refi(session: Session, path: Path, codebook: Codebook, *, actor: str,
                ingest: IngestSettings | None = None) -> ImportReport:
    """Import ``path`` into the database behind ``session`` (the caller commits; an
    exception leaves the transaction to be rolled back). ``codebook``: the project's
    codebook in use."""
    project = read_refi(path)
    is_project = path.suffix.lower() != ".qdc" and bool(
        project.sources or project.users or project.cases or path.suffix.lower() == ".qdpx")
    report = ImportReport(path=str(path), kind="project" if is_project else "codebook",
                          origin=project.origin)
    coded = {c.code for s in project.sources for sel in s.selections for c in sel.codings}
    merge = merge_codebook(codebook, project.codes, coded, _known_guids(session))
    report.codes_matched, report.codes_added = merge.matched, merge.added
    if merge.changed:
        stored = store_codebook(session, merge.codebook, actor=actor,
                                source=f"import:{path.name}")
        report.codebook_version = stored.id

    skipped: Counter[str] = Counter(project.skipped)
    index = _near_duplicate_index(session, ingest or IngestSettings())
    coder_counts: Counter[str] = Counter()
    for source in project.sources:
        doc_id = _document_for(session, source, path, report, index, actor)
        existing = {
            (c.code, c.start, c.end, c.coder)
            for c in session.scalars(select(CodingRow).where(
                CodingRow.document_id == doc_id, CodingRow.person_id.is_(None)))
        }
        for selection in source.selections:
            if not selection.codings:
                skipped["selections without a code"] += 1
                continue
            for coding in selection.codings:
                code_id = merge.code_of.get(coding.code)
                if code_id is None:  # a category (not codable) that still holds a coding
                    raise RefiError(f"selection {selection.guid} is coded with a code that "
                                    "could not be placed in the codebook",
                                    code="unknown_code_ref", where=str(path))
                user = project.users.get(coding.user or "", coding.user or "unknown")
                facts = _coding_facts(selection, user, code_id)
                key = (code_id, selection.start, selection.end, facts["coder"])
                if key in existing:  # stored before this import (a file imported twice)
                    report.codings_present += 1
                    continue
                created = _when(selection.created)
                session.add(CodingRow(
                    document_id=doc_id, person_id=None, analysis_id=None, code=code_id,
                    start=selection.start, end=selection.end, coder=facts["coder"],
                    confidence=facts["confidence"], status=facts["status"],
                    user=facts["user"], created_at=created, updated_at=created))
                report.codings_added += 1
                coder_counts[facts["coder"]] += 1
    report.coders = dict(coder_counts)
    kept: Counter[str] = Counter()
    if project.cases:
        kept["cases (in the import event, not mapped to defector cases)"] = len(project.cases)
    if project.variables:
        kept["variables (in the import event)"] = len(project.variables)
    report.kept = dict(kept)
    if report.codings_added:
        report.notes.append(
            f"{report.codings_added} imported codings are codings of text, not yet of a "
            "defector: prevalence tables and reports count cases, so they do not count them "
            "(run `exitlens analyze` to find the defectors in the imported documents)")
    if merge.changed:
        report.notes.append(
            f"the project codebook gained {len(merge.added)} codes (version "
            f"{report.codebook_version}); documents are due for `exitlens analyze` with it")
    report.skipped = dict(skipped)
    session.add(EventRow(
        actor=actor, action="refi.import", entity="corpus", entity_id=None,
        payload={
            "path": str(path), "kind": report.kind, "origin": project.origin,
            "documents_added": report.documents_added,
            "documents_reused": report.documents_reused,
            "codes_matched": report.codes_matched, "codes_added": report.codes_added,
            "codebook_version": report.codebook_version,
            "codings_added": report.codings_added, "codings_present": report.codings_present,
            "code_guids": merge.new_guids, "skipped": report.skipped, "kept": report.kept,
            "users": sorted(set(project.users.values())),
            "variables": sorted({name for name, _ in project.variables.values()}),
            "cases": [{"guid": c.guid, "name": c.name, "variables": c.variables,
                       "sources": c.sources, "selections": len(c.selections)}
                      for c in project.cases],
        }))
    session.flush()
    return report


def _near_duplicate_index(session: Session, settings: IngestSettings) -> NearDuplicateIndex:
    index = NearDuplicateIndex(settings.near_duplicate_threshold,
                               settings.minhash_permutations, settings.shingle_words)
    for doc_id, blob in session.execute(
            select(DocumentRow.id, DocumentRow.minhash).where(DocumentRow.minhash.is_not(None))):
        signature = index.from_bytes(blob) if blob else None
        if signature is not None:
            index.add(doc_id, signature)
    return index


def _document_for(session: Session, source: Any, path: Path, report: ImportReport,
                  index: NearDuplicateIndex, actor: str) -> int:
    """The id of the document holding ``source``'s text: an existing one with the same
    text, else a new one (with its source row, near-duplicate links and event)."""
    text_sha = sha256_text(source.text)
    locator = f"{path.resolve()}#{source.guid}"
    existing = session.scalar(select(DocumentRow.id).where(DocumentRow.text_sha256 == text_sha))
    has_source = existing is not None and session.scalar(select(SourceRow.id).where(
        SourceRow.locator == locator, SourceRow.content_sha256 == text_sha)) is not None
    if existing is not None:
        if existing not in report.documents_reused and existing not in report.documents_added:
            report.documents_reused.append(existing)
        if not has_source:
            session.add(SourceRow(document_id=existing, locator=locator,
                                  content_sha256=text_sha,
                                  size_bytes=len(source.text.encode("utf-8")), fmt="refi",
                                  notes=[]))
            session.flush()
        return int(existing)
    if not source.text.strip():
        raise RefiError(f"source {source.name or source.guid!r} has no text",
                        code="empty_source", where=str(path))
    fields = _document_fields(source)
    language = fields.get("language")
    if language is None:
        guess = detect_language(source.text)
        language = guess.code if guess is not None else None
    signature = index.signature(source.text)
    doc = DocumentRow(
        text_sha256=text_sha, text=source.text, n_chars=len(source.text),
        title=source.name, author=fields.get("author"), outlet=fields.get("outlet"),
        url=fields.get("url"), source_path=locator, published=fields.get("published"),
        kind=fields["kind"], fmt="refi", language=language,
        meta={"refi_guid": source.guid, "refi_file": path.name,
              "refi_positions": source.positions},
        minhash=index.to_bytes(signature))
    session.add(doc)
    session.flush()
    session.add(SourceRow(document_id=doc.id, locator=locator, content_sha256=text_sha,
                          size_bytes=len(source.text.encode("utf-8")), fmt="refi", notes=[]))
    near = index.query(signature)
    for other_id, score in near:
        session.add(DocumentLinkRow(document_id=doc.id, other_id=other_id,
                                    relation="near_duplicate", score=score))
    index.add(doc.id, signature)
    session.add(EventRow(actor=actor, action="ingest.add", entity="document", entity_id=doc.id,
                         payload={"locator": locator, "fmt": "refi",
                                  "near_duplicates": [d for d, _ in near]}))
    session.flush()
    report.documents_added.append(doc.id)
    return int(doc.id)
