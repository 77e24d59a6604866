"""CSV manifests: attach url/outlet/date/kind (and title/author) to files.

Header: ``path`` (required, relative to the CSV's folder or absolute) plus any of
``url, outlet, published`` (or ``date``), ``kind, title, author, language`` (ISO
639-1). Values given here override what the file itself says (an HTML page's own metadata is often
the aggregator's, not the original outlet's).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from ..language import normalize_language
from ..model import DOCUMENT_KINDS
from .readers import decode_text

OVERRIDE_COLUMNS = ("url", "outlet", "published", "kind", "title", "author", "language")


@dataclass
class ManifestEntry:
    path: Path
    overrides: dict[str, str] = field(default_factory=dict)
    where: str = ""  # manifest.csv:LINE, for messages
    notes: list[str] = field(default_factory=list)


def read_manifest(path: Path) -> tuple[list[ManifestEntry], list[IngestError]]:
    """Entries and per-row problems; raises IngestError when the file itself is unusable."""
    where = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read manifest ({exc.strerror})", code="unreadable",
                          where=where) from None
    text, decode_notes = decode_text(data, where)
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    columns = [c.strip().lower() for c in (reader.fieldnames or [])]
    if "path" not in columns:
        raise IngestError("CSV manifest needs a 'path' column", code="bad_manifest", where=where)
    reader.fieldnames = columns
    entries: list[ManifestEntry] = []
    problems: list[IngestError] = []
    base = path.parent
    for row in reader:
        loc = f"{where}:{reader.line_num}"
        rel = (row.get("path") or "").strip()
        if not rel:
            problems.append(IngestError("row has an empty path", code="bad_manifest", where=loc))
            continue
        overrides = {}
        for col in OVERRIDE_COLUMNS:
            value = (row.get(col) or "").strip()
            if col == "published" and not value:
                value = (row.get("date") or "").strip()
            if value:
                overrides[col] = value
        # A guessed encoding of the manifest itself is reported with every file it lists.
        notes = [f"{where}: {note}" for note in decode_notes]
        kind = overrides.get("kind")
        if kind and kind not in DOCUMENT_KINDS:
            notes.append(f"{loc}: unknown kind {kind!r} ignored "
                         f"(known: {', '.join(DOCUMENT_KINDS)})")
            overrides.pop("kind")
        if "language" in overrides:
            language = normalize_language(overrides["language"])
            if language is None:
                notes.append(f"{loc}: language {overrides['language'][:20]!r} is not an "
                             "ISO 639-1 code; detected instead")
                overrides.pop("language")
            else:
                overrides["language"] = language
        target = Path(rel)
        entries.append(ManifestEntry(target if target.is_absolute() else base / target,
                                     overrides, loc, notes))
    return entries, problems
