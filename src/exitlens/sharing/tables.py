"""Table exports for R, SPSS, Stata and pandas: ``exitlens export --format csv|parquet|json``.

A bundle becomes one table per entity (``documents``, ``sources``, ``persons``,
``mentions``, ``cases``, ``codings``, ``quotes``, ``events``) plus ``case_code_matrix``:
one row per case, one column per code of the codebook (file order) holding

* ``1``  — coded: the case has an accepted or suggested (never a rejected) coding of the
  code or of one of its child codes (a child counts for its parent, SPEC §2);
* ``0``  — not mentioned: the case's account was read and coded and gives no such reason;
* ``-88`` — not applicable (the START PIRUS convention): **every** code of a case whose
  source documents are all in a language the reading does not cover (they are read but
  not coded), and the **exit and barrier** codes of a case with no exit account (no
  exit or barrier coding, no exit mode and no year left in its profile: the texts tell
  of the person but not of their leaving);
* ``-99`` — unknown: every code of a case whose people have no evidence spans at all
  (the reading found the defector but none of their own account, so nothing could be
  coded either way).

``codebook.md`` written beside the tables documents every column and value. csv and
parquet write a folder (one file per table); json writes one file, an object of tables.
Writes are atomic: everything goes to a temporary name that is renamed when complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import write_atomically
from ..errors import ExitlensError
from .bundle import (
    CODING_COLUMNS,
    DOCUMENT_COLUMNS,
    EVENT_COLUMNS,
    MENTION_COLUMNS,
    PERSON_COLUMNS,
    QUOTE_COLUMNS,
    SOURCE_COLUMNS,
    TABLES,
    ExportBundle,
)

CODED, NOT_MENTIONED, NOT_APPLICABLE, UNKNOWN = 1, 0, -88, -99
EXIT_ACCOUNT_DIMENSIONS = ("exit", "barrier")
TABLE_FORMATS = ("csv", "parquet", "json")
MATRIX = "case_code_matrix"
MARKER = "codebook.md"  # a folder holding it is an exitlens export (may be replaced)
MATRIX_STATUS = {
    "coded": "the account was read and coded: codes are 1 or 0",
    "no_exit_account": "exit and barrier codes are -88 (no exit account); other codes 1 or 0",
    "language_not_covered": "every code is -88: its documents are in languages the "
                            "reading does not cover",
    "no_account": "every code is -99: no evidence span of the person's own account",
}


class ExportPathError(ExitlensError):
    """The export cannot be written where asked (missing folder, no access, not a folder)."""

    code = "bad_output_path"


# ------------------------------------------------------------------ the wide matrix


def case_status(bundle: ExportBundle) -> dict[int, str]:
    """Each case's applicability (a key of :data:`MATRIX_STATUS`)."""
    languages = dict(zip(bundle.documents["id"].tolist(), bundle.documents["language"].tolist(),
                         strict=True))
    covered = set(bundle.covered_languages)
    evidence = bundle.persons.groupby("id")["n_evidence"].sum().to_dict() \
        if not bundle.persons.empty else {}
    codebook = bundle.codebook
    exit_coded: set[int] = set()
    for row in _counted(bundle).itertuples(index=False):
        if row.code in codebook and codebook.dimension_of(row.code) in EXIT_ACCOUNT_DIMENSIONS:
            exit_coded.add(int(row.case_id))
    out: dict[int, str] = {}
    for case in bundle.cases.itertuples(index=False):
        case_id = int(case.case_id)
        langs = [languages.get(d) for d in case.document_ids]
        if langs and all(lang is not None and lang not in covered for lang in langs):
            out[case_id] = "language_not_covered"
        elif sum(int(evidence.get(p, 0)) for p in case.person_ids) == 0:
            out[case_id] = "no_account"
        elif case_id not in exit_coded and _missing(case.exit_mode) \
                and _missing(case.left_year):
            out[case_id] = "no_exit_account"
        else:
            out[case_id] = "coded"
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and pd.isna(value)) or value == ""


def _counted(bundle: ExportBundle) -> pd.DataFrame:
    codings = bundle.codings
    return codings[(codings["status"] != "rejected") & codings["case_id"].notna()]


def case_code_matrix(bundle: ExportBundle) -> pd.DataFrame:
    """One row per case: ``case_id``, ``status`` (see :data:`MATRIX_STATUS`) and one int
    column per code (1 / 0 / -88 / -99, see the module docstring)."""
    codebook = bundle.codebook
    codes = list(codebook.codes)
    status = case_status(bundle)
    coded: dict[int, set[str]] = {}
    for row in _counted(bundle).itertuples(index=False):
        coded.setdefault(int(row.case_id), set()).update(codebook.rollup([row.code]))
    records = []
    for case_id in bundle.cases["case_id"].tolist():
        state = status[int(case_id)]
        record: dict[str, Any] = {"case_id": int(case_id), "status": state}
        for code in codes:
            if state == "language_not_covered":
                value = NOT_APPLICABLE
            elif state == "no_account":
                value = UNKNOWN
            elif state == "no_exit_account" and \
                    codebook.dimension_of(code) in EXIT_ACCOUNT_DIMENSIONS:
                value = NOT_APPLICABLE
            else:
                value = CODED if code in coded.get(int(case_id), set()) else NOT_MENTIONED
            record[code] = value
        records.append(record)
    frame = pd.DataFrame(records, columns=["case_id", "status", *codes])
    return frame.astype({"case_id": "int64", **{c: "int64" for c in codes}})


# ------------------------------------------------------------------ the codebook file

_COLUMN_DOCS: dict[str, dict[str, str]] = {
    "documents": {
        "id": "document id", "title": "title", "author": "author (byline)",
        "outlet": "outlet (publication)", "url": "URL (empty in a redacted export)",
        "published": "publication date (ISO, as known)",
        "kind": "news, transcript, report, research_note, court, blog, interview, unknown",
        "language": "ISO 639-1 language of the text", "text_sha256": "SHA-256 of `text`",
        "n_chars": "length of `text` in Unicode code points",
        "text": "the stored text; every span below is [start, end) in code points of it",
    },
    "sources": {
        "id": "source id", "document_id": "the document read from it",
        "locator": "file path (or path#record); `redacted:source-N` in a redacted export",
        "content_sha256": "SHA-256 of the raw bytes (empty in a redacted export)",
        "fmt": "file format", "ingested_at": "when it was read (ISO 8601, UTC)",
    },
    "persons": {
        "id": "person id", "document_id": "document", "case_id": "case (defectors only)",
        "ordinal": "index among the document's people", "name": "name (pseudonym if redacted)",
        "descriptor": "how the text describes them", "role": "defector, current_member, "
        "journalist, analyst_official, relative, other, unknown",
        "role_confidence": "0–1", "source_voice": "whose voice carries their account",
        "n_evidence": "number of evidence spans of their own account",
        **{f"profile_{f}": f"profile field `{f}` (lists joined by `; `)"
           for f in ("gender", "age", "nationality", "origin_region", "occupation",
                     "joined_year", "left_year", "role", "route", "places", "exit_mode",
                     "outcome")},
        "profile_inferred": "profile fields whose value is only inferred from the page, not "
        "stated for the person (the page's most-named country as nationality; right about "
        "half the time on unseen pages, stated values far more often)",
    },
    "mentions": {
        "id": "mention id", "person_id": "person", "document_id": "document",
        "start": "span start (code points)", "end": "span end (exclusive)",
        "kind": "name, alias, descriptor, pronoun, nominal, speaker_label",
        "text": "the spanned text (= documents.text[start:end])",
    },
    "codings": {
        "id": "coding id", "document_id": "document", "person_id": "person coded",
        "case_id": "the person's case", "code": "code id (see the codebook below)",
        "start": "evidence span start (code points)", "end": "evidence span end (exclusive)",
        "text": "the evidence text (= documents.text[start:end])",
        "coder": "rules, embedding, classifier, llm, ensemble or human:<user>",
        "confidence": "0–1", "status": "suggested, accepted or rejected",
        "user": "who reviewed it", "created_at": "ISO 8601", "updated_at": "ISO 8601",
    },
    "quotes": {
        "id": "quote id", "document_id": "document", "speaker_person_id": "speaker, if known",
        "case_id": "the speaker's case", "start": "span start (code points)",
        "end": "span end (exclusive)", "kind": "direct, indirect, transcript",
        "text": "the quoted text (= documents.text[start:end])",
    },
    "events": {
        "id": "event id", "at": "when (ISO 8601, UTC)", "actor": "who",
        "action": "what (ingest.run, analysis, case.merge …)", "entity": "on what",
        "entity_id": "its id", "payload": "details (a JSON object as text)",
    },
}
_COLUMN_ORDER = {"documents": DOCUMENT_COLUMNS, "sources": SOURCE_COLUMNS,
                 "persons": PERSON_COLUMNS, "mentions": MENTION_COLUMNS,
                 "codings": CODING_COLUMNS, "quotes": QUOTE_COLUMNS, "events": EVENT_COLUMNS}


def codebook_markdown(bundle: ExportBundle, fmt: str) -> str:
    """``codebook.md``: every table, column, code column and missing-value code."""
    codebook = bundle.codebook
    lines = [
        "# exitlens export: codebook", "",
        f"Exported {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} as {fmt}; codebook "
        f"`{codebook.name}` version {codebook.version}, {len(codebook.codes)} codes. "
        + ("**Redacted**: names, kunyas and aliases are pseudonyms such as `Person-K7QZ`, "
           "towns and other small places are like `Place-M2XA`, exact ages are decade bands "
           "(`20-29`); URLs and file locators are removed; spans point at the redacted text."
           if bundle.redacted else "Not redacted: the texts name real people."),
        "",
        "Spans are `[start, end)` in Unicode code points of `documents.text`; each `text` "
        "column of a span table equals `documents.text[start:end]`. Lists in csv cells are "
        "JSON arrays.", "",
        f"## {MATRIX}", "",
        "One row per defector case, one column per code (codebook order). Codings counted: "
        "accepted and suggested ones, never rejected ones; a child code counts for its "
        "parent.", "",
        "| value | meaning |", "|---|---|",
        "| 1 | coded: the case's account gives this reason |",
        "| 0 | not mentioned: the account was read and coded and does not give it |",
        "| -88 | not applicable (START PIRUS convention): all codes of a case whose documents "
        f"are all in languages the reading does not cover ({', '.join(bundle.covered_languages)}"
        " covered); exit and barrier codes of a case with no exit account (no exit or barrier "
        "coding, no exit mode, no year left) |",
        "| -99 | unknown: all codes of a case with no evidence span of their own account |",
        "",
        "| column | meaning |", "|---|---|",
        "| case_id | case id (as in `cases`) |",
        "| status | " + "; ".join(f"`{k}`: {v}" for k, v in MATRIX_STATUS.items()) + " |",
    ]
    for code in codebook.codes.values():
        parent = f", child of `{code.parent}`" if code.parent else ""
        definition = code.definition.replace("|", "/")
        lines.append(f"| {code.id} | {code.label} — dimension `{code.dimension}`, family "
                     f"`{code.family or '-'}`{parent}. {definition} |")
    for name in TABLES:
        lines += ["", f"## {name}", "", "| column | meaning |", "|---|---|"]
        if name == "cases":
            lines += [f"| {c} | see `exitlens cases` (lists as JSON arrays) |"
                      for c in bundle.cases.columns]
            continue
        docs = _COLUMN_DOCS[name]
        lines += [f"| {c} | {docs.get(c, '')} |" for c in _COLUMN_ORDER[name]]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ writing


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and value != value


def _flat(frame: pd.DataFrame, *, native_lists: bool) -> pd.DataFrame:
    """Nested cells as JSON text (csv), or lists of scalars kept as lists (parquet)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype != object:
            continue
        values = out[column].tolist()
        nested = [v for v in values if isinstance(v, (list, tuple, dict))]
        if not nested:
            kinds = {type(v) for v in values if v is not None and not _is_nan(v)}
            if native_lists and len(kinds) > 1:  # e.g. ages 23 and "30s": one type for Arrow
                out[column] = [None if v is None or _is_nan(v) else str(v) for v in values]
            continue
        keep = native_lists and all(
            isinstance(v, (list, tuple)) and all(isinstance(x, (int, str)) for x in v)
            for v in nested) and len({type(x) for v in nested for x in v}) <= 1
        out[column] = [list(v) if keep and isinstance(v, (list, tuple)) else _plain(v)
                       for v in values]
    return out


def export_tables(bundle: ExportBundle) -> dict[str, pd.DataFrame]:
    """The entity tables plus the case × code matrix, in writing order."""
    return {**bundle.tables(), MATRIX: case_code_matrix(bundle)}


def write_tables(bundle: ExportBundle, path: str | Path, fmt: str) -> Path:
    """Write ``bundle`` as csv or parquet (a folder) or json (one file), atomically."""
    if fmt not in TABLE_FORMATS:
        raise ExitlensError(f"unknown table format {fmt!r} (one of {', '.join(TABLE_FORMATS)})",
                            code="unsupported_format")
    target = Path(path)
    _check_target(target, folder=fmt != "json")
    tables = export_tables(bundle)
    if fmt == "json":
        return _atomic_file(target, lambda fh: json.dump(_json_document(bundle, tables), fh,
                                                         ensure_ascii=False, indent=1,
                                                         default=str))
    return _atomic_folder(target, lambda folder: _write_folder(bundle, tables, folder, fmt))


def _json_document(bundle: ExportBundle, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "exitlens_export": 1, "redacted": bundle.redacted,
        "covered_languages": list(bundle.covered_languages),
        "codebook": bundle.codebook.as_rows(),
    }
    for name, frame in tables.items():
        clean = frame.astype(object).where(frame.notna(), None)
        out[name] = clean.to_dict(orient="records")
    return out


def _write_folder(bundle: ExportBundle, tables: dict[str, pd.DataFrame], folder: Path,
                  fmt: str) -> None:
    for name, frame in tables.items():
        if fmt == "csv":
            _flat(frame, native_lists=False).to_csv(folder / f"{name}.csv", index=False)
        else:
            _flat(frame, native_lists=True).to_parquet(folder / f"{name}.parquet",
                                                       index=False, engine="pyarrow")
    (folder / MARKER).write_text(codebook_markdown(bundle, fmt), encoding="utf-8")


def _check_target(target: Path, *, folder: bool) -> None:
    parent = target.parent
    if not parent.is_dir():
        raise ExportPathError(f"the folder {str(parent)!r} does not exist; create it first",
                              where=str(target))
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportPathError(f"no permission to write in {str(parent)!r}", where=str(target))
    if folder:
        if target.exists() and not target.is_dir():
            raise ExportPathError("csv and parquet exports write a folder, and this path is a "
                                  "file; give a folder name", where=str(target))
        if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
            raise ExportPathError("the folder exists and does not hold an exitlens export; "
                                  "give a new or empty folder", where=str(target))
    elif target.is_dir():
        raise ExportPathError("a json export is one file and this path is a folder; give a "
                              "file name such as export.json", where=str(target))


def _atomic_file(target: Path, write: Callable[[Any], None]) -> Path:
    return write_atomically(target, write, error=lambda reason: ExportPathError(
        f"cannot write the export: {reason}", where=str(target)))


def _atomic_folder(target: Path, write: Callable[[Path], None]) -> Path:
    """Fill a temporary folder beside ``target``, then swap it in (an earlier export in
    ``target`` is replaced only once the new one is complete)."""
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    old: Path | None = None
    try:
        write(tmp)
        os.chmod(tmp, 0o755)
        if target.is_dir():
            old = target.with_name(f".{target.name}.{os.getpid()}.old")
            os.replace(target, old)
        os.replace(tmp, target)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old, target)
        raise ExportPathError(f"cannot write the export: {exc.strerror or exc}",
                              where=str(target)) from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target
