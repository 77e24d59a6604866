#!/usr/bin/env python3
"""Build the bundled exitlens sample corpus and its gold labels.

The documents are fictional composites written for exitlens (see
``scripts/sample_corpus_source.yaml``, which holds every text and label). This script renders
them, deterministically, into:

* ``src/exitlens/data/sample_corpus/``: the documents as .txt, .md, .html, .pdf and .docx,
  a provenance manifest ``manifest.csv`` (``path,url,outlet,published,kind,title,author``)
  and a ``README.md``;
* ``src/exitlens/data/sample_gold.jsonl``: one SPEC section 4 gold record per document.

It fails loudly when a label does not hold: every descriptor, name and evidence quote must
be an exact substring of the document text, every code must belong to the SPEC section 2
codebook, and together the labelled defectors must use every code at least once.

Usage::

    .venv/bin/python scripts/build_sample_corpus.py [--check-only] [--no-verify]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
import sys
import zipfile
from collections import Counter
from html import escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml

from exitlens.model import DOCUMENT_KINDS
from exitlens.model import EXIT_MODES as MODEL_EXIT_MODES
from exitlens.model import OUTCOMES as MODEL_OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path(__file__).resolve().with_name("sample_corpus_source.yaml")
OUT_DIR = ROOT / "src" / "exitlens" / "data" / "sample_corpus"
GOLD_PATH = ROOT / "src" / "exitlens" / "data" / "sample_gold.jsonl"

# SPEC section 2 (ids are fixed).
EXIT_CODES = [
    "infighting",
    "killing_muslims",
    "discrimination",
    "expendability",
    "corruption",
    "brutality",
    "hypocrisy",
    "living_conditions",
    "boredom",
    "repression",
    "personal_mistreatment",
    "military_decline",
    "psych_toll",
    "ideology_rejected",
    "family",
    "outside_contact",
]
JOIN_CODES = [
    "join_defend_muslims",
    "join_religion",
    "join_belonging",
    "join_adventure",
    "join_material",
    "join_coercion",
    "join_follow_family",
    "join_personal",
    "join_media",
    "join_social",
]
BARRIER_CODES = ["forbidden_to_leave", "fear_of_reprisal", "prosecution_at_home", "documents_taken"]
DIMENSION = (
    {c: "exit" for c in EXIT_CODES}
    | {c: "join" for c in JOIN_CODES}
    | {c: "barrier" for c in BARRIER_CODES}
)

# The vocabularies are the package's own (SPEC §1/§3); "unknown" is never a labelled kind.
KINDS = set(DOCUMENT_KINDS) - {"unknown"}
EXIT_MODES = {*MODEL_EXIT_MODES, None}
OUTCOMES = {*MODEL_OUTCOMES, None}
VOICES = {"self", "relative", "reported"}
GENDERS = {"m", "f", None}
FORMATS = {".txt": "txt", ".md": "md", ".html": "html", ".pdf": "pdf", ".docx": "docx"}
MIN_PER_FORMAT = {"txt": 5, "html": 3, "pdf": 3, "docx": 3}  # .md counts as txt
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
DISCLAIMER_MARK = "Fictional composite written for the exitlens sample corpus."
ID_RE = re.compile(r"^[a-z0-9-]+$")
WORDS_MIN, WORDS_MAX = 120, 480

DEFECTOR_KEYS = [
    "ref",
    "name",
    "descriptor",
    "gender",
    "nationality",
    "origin_region",
    "age",
    "joined_year",
    "left_year",
    "role",
    "exit_mode",
    "outcome",
    "source_voice",
]
# Profile fields beyond SPEC section 4, kept for tests of profile extraction (SPEC section 3).
EXTRA_KEYS = ["occupation", "route", "places"]


class CorpusError(Exception):
    """A label or document in the source does not hold."""


# --------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------

Block = tuple[str, str]  # ("title" | "heading" | "para", text)


def load_source(path: Path = SOURCE) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    docs: list[dict[str, Any]] = data["documents"]
    by_id = {d["id"]: d for d in docs}
    resolved = []
    for doc in docs:
        if "base" in doc:
            doc = derive(doc, by_id[doc["base"]])
        resolved.append(doc)
    return resolved


def derive(doc: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """A reprint: the base document's paragraphs and labels with small edits."""
    edits = doc.get("edits", {})
    drop = set(edits.get("drop", []))
    insert = {int(k): v for k, v in edits.get("insert", {}).items()}
    paragraphs: list[Any] = []
    base_pars = base["paragraphs"]
    for i, par in enumerate(base_pars):
        if i in insert:
            paragraphs.append(insert[i])
        if i not in drop:
            paragraphs.append(par)
    if len(base_pars) in insert:
        paragraphs.append(insert[len(base_pars)])
    out = dict(doc)
    out["headline"] = edits.get("headline", base["headline"])
    out["paragraphs"] = paragraphs
    out.setdefault("defectors", base["defectors"])
    return out


def fmt_of(doc: dict[str, Any]) -> str:
    suffix = Path(doc["file"]).suffix.lower()
    if suffix not in FORMATS:
        raise CorpusError(f"{doc['file']}: unsupported suffix {suffix}")
    return FORMATS[suffix]


def blocks_of(doc: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [("title", norm_ws(doc["headline"]))]
    for par in doc["paragraphs"]:
        if isinstance(par, dict):
            blocks.append(("heading", norm_ws(par["heading"])))
        else:
            blocks.append(("para", norm_ws(par)))
    return blocks


def norm_ws(s: str) -> str:
    return re.sub(r"\s+", " ", str(s)).strip()


def text_of(doc: dict[str, Any]) -> str:
    """The stored text: headline and paragraphs separated by a blank line."""
    md = fmt_of(doc) == "md"
    parts = []
    for kind, value in blocks_of(doc):
        if md and kind == "title":
            value = "# " + value
        elif md and kind == "heading":
            value = "## " + value
        parts.append(value)
    return "\n\n".join(parts)


def codes_of(defector: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for item in defector.get("evidence", []):
        if not isinstance(item, dict) or len(item) != 1:
            raise CorpusError(f"evidence items must be one-key mappings, got {item!r}")
        ((code, quote),) = item.items()
        pairs.append((code, norm_ws(quote)))
    return pairs


def gold_record(doc: dict[str, Any], errors: list[str]) -> dict[str, Any]:
    text = text_of(doc)
    did = doc["id"]

    def err(msg: str) -> None:
        errors.append(f"{did}: {msg}")

    if not ID_RE.match(did):
        err("id must match [a-z0-9-]+")
    if doc["kind"] not in KINDS:
        err(f"kind {doc['kind']!r} not in {sorted(KINDS)}")
    try:
        dt.date.fromisoformat(str(doc["published"]))
    except ValueError:
        err(f"published {doc['published']!r} is not YYYY-MM-DD")
    host = urlparse(doc["url"]).hostname or ""
    if not any(host == d or host.endswith("." + d) for d in RESERVED_DOMAINS):
        err(f"url host {host!r} is not under a reserved example domain")
    if DISCLAIMER_MARK not in text:
        err("the fictional-composite disclaimer is missing from the text")
    n_words = len(text.split())
    if not WORDS_MIN <= n_words <= WORDS_MAX:
        err(f"{n_words} words, outside {WORDS_MIN}-{WORDS_MAX}")
    if fmt_of(doc) == "pdf":
        try:
            text.encode("latin-1")
        except UnicodeEncodeError as exc:
            err(f"PDF text must be latin-1 (core fonts): {exc}")

    defectors = []
    refs = set()
    for d in doc.get("defectors", []):
        rec: dict[str, Any] = {}
        for key in DEFECTOR_KEYS:
            if key not in d:
                err(f"defector {d.get('ref')}: missing field {key}")
            rec[key] = d.get(key)
        ref = rec["ref"]
        if ref in refs:
            err(f"duplicate ref {ref}")
        refs.add(ref)
        if rec["descriptor"] is None or rec["descriptor"] not in text:
            err(f"{ref}: descriptor not an exact substring: {rec['descriptor']!r}")
        if rec["name"] is not None and rec["name"] not in text:
            err(f"{ref}: name not an exact substring: {rec['name']!r}")
        if rec["gender"] not in GENDERS:
            err(f"{ref}: bad gender {rec['gender']!r}")
        nat = rec["nationality"]
        if nat is not None and not re.fullmatch(r"[A-Z]{2}", nat):
            err(f"{ref}: nationality must be ISO alpha-2: {nat!r}")
        if nat is not None and rec["origin_region"] is not None:
            err(f"{ref}: origin_region only when no country is given")
        for key in ("age", "joined_year", "left_year"):
            if rec[key] is not None and not isinstance(rec[key], int):
                err(f"{ref}: {key} must be an int or null")
        if rec["exit_mode"] not in EXIT_MODES:
            err(f"{ref}: bad exit_mode {rec['exit_mode']!r}")
        if rec["outcome"] not in OUTCOMES:
            err(f"{ref}: bad outcome {rec['outcome']!r}")
        if rec["source_voice"] not in VOICES:
            err(f"{ref}: bad source_voice {rec['source_voice']!r}")

        lists: dict[str, list[str]] = {"exit": [], "join": [], "barrier": []}
        evidence = []
        for code, quote in codes_of(d):
            dim = DIMENSION.get(code)
            if dim is None:
                err(f"{ref}: unknown code {code!r}")
                continue
            if quote not in text:
                err(f"{ref}: {code} quote not an exact substring of text: {quote!r}")
            if code not in lists[dim]:
                lists[dim].append(code)
            evidence.append({"code": code, "quote": quote})
        rec["exit_reasons"] = lists["exit"]
        rec["join_motives"] = lists["join"]
        rec["barriers"] = lists["barrier"]
        rec["evidence"] = evidence
        for key in EXTRA_KEYS:
            value = d.get(key)
            rec[key] = value
            for place in value if isinstance(value, list) else []:
                if place not in text:
                    err(f"{ref}: {key} entry {place!r} not in text")
        if isinstance(rec["occupation"], str) and not rec["occupation"]:
            err(f"{ref}: empty occupation")
        defectors.append(rec)

    return {
        "id": did,
        "url": doc["url"],
        "title": norm_ws(doc["headline"]),
        "outlet": doc["outlet"],
        "published": str(doc["published"]),
        "kind": doc["kind"],
        "text": text,
        "defectors": defectors,
        "notes": norm_ws(doc.get("notes", "")),
    }


def validate_corpus(
    docs: list[dict[str, Any]], records: list[dict[str, Any]], errors: list[str]
) -> None:
    ids = Counter(d["id"] for d in docs)
    files = Counter(d["file"] for d in docs)
    errors += [f"duplicate id {k}" for k, n in ids.items() if n > 1]
    errors += [f"duplicate file {k}" for k, n in files.items() if n > 1]
    fmts = Counter("txt" if fmt_of(d) == "md" else fmt_of(d) for d in docs)
    for fmt, need in MIN_PER_FORMAT.items():
        if fmts[fmt] < need:
            errors.append(f"only {fmts[fmt]} {fmt} documents, need {need}")
    if not any(r["defectors"] == [] for r in records):
        errors.append("the corpus needs at least one negative document")


def coverage(records: list[dict[str, Any]]) -> tuple[Counter[str], Counter[str]]:
    people: Counter[str] = Counter()
    quotes: Counter[str] = Counter()
    for rec in records:
        for d in rec["defectors"]:
            people.update(d["exit_reasons"] + d["join_motives"] + d["barriers"])
            quotes.update(e["code"] for e in d["evidence"])
    return people, quotes


def print_coverage(people: Counter[str], quotes: Counter[str]) -> list[str]:
    missing = []
    print(f"{'dimension':<9} {'code':<24} {'defectors':>9} {'quotes':>6}")
    for codes, dim in ((EXIT_CODES, "exit"), (JOIN_CODES, "join"), (BARRIER_CODES, "barrier")):
        for code in codes:
            flag = "" if people[code] else "   <-- MISSING"
            print(f"{dim:<9} {code:<24} {people[code]:>9} {quotes[code]:>6}{flag}")
            if not people[code]:
                missing.append(code)
    return missing


# --------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------


def published_dt(doc: dict[str, Any]) -> dt.datetime:
    day = dt.date.fromisoformat(str(doc["published"]))
    return dt.datetime(day.year, day.month, day.day, 8, 0, 0, tzinfo=dt.UTC)


def render_text(doc: dict[str, Any]) -> bytes:
    return text_of(doc).encode("utf-8")


def render_html(doc: dict[str, Any]) -> bytes:
    h = doc.get("html", {})
    outlet = escape(doc["outlet"])
    title = escape(norm_ws(doc["headline"]))
    nav = "\n".join(
        f'        <li><a href="/{escape(item.lower().replace(" ", "-"))}/">{escape(item)}</a></li>'
        for item in h.get("nav", ["Home", "World"])
    )
    body = []
    for kind, value in blocks_of(doc):
        if kind == "title":
            body.append(f"      <h1>{escape(value, quote=False)}</h1>")
        elif kind == "heading":
            body.append(f"      <h2>{escape(value, quote=False)}</h2>")
        else:
            body.append(f"      <p>{escape(value, quote=False)}</p>")
    article = "\n".join(body)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{title} | {outlet}</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="author" content="{escape(doc["author"])}">
  <meta name="description" content="{title}">
  <meta property="og:site_name" content="{outlet}">
  <meta property="og:title" content="{title}">
  <meta property="og:type" content="article">
  <meta property="og:url" content="{escape(doc["url"])}">
  <meta property="article:published_time" content="{published_dt(doc).isoformat()}">
  <link rel="canonical" href="{escape(doc["url"])}">
  <script>
    {h.get("script", 'var trackingId = "XYZ";')}
    function trackPageView() {{ return trackingId; }}
  </script>
</head>
<body>
  <header class="site-header">
    <div class="logo">{outlet}</div>
    <nav class="main-menu">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <main>
    <article>
{article}
    </article>
    <aside class="sidebar">
      <p>{escape(norm_ws(h.get("aside", "Related stories")), quote=False)}</p>
    </aside>
  </main>
  <footer class="site-footer">
    <p>{escape(norm_ws(h.get("footer", "All rights reserved.")), quote=False)}</p>
  </footer>
</body>
</html>
"""
    return page.encode("utf-8")


def render_pdf(doc: dict[str, Any]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(norm_ws(doc["headline"]))
    pdf.set_author(doc["author"])
    pdf.set_subject(f"{doc['outlet']}, {doc['published']} (fictional composite)")
    pdf.set_creator("exitlens scripts/build_sample_corpus.py")
    pdf.set_producer("exitlens sample corpus")
    pdf.set_lang("en")
    pdf.set_creation_date(published_dt(doc))
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    for kind, value in blocks_of(doc):
        if kind == "title":
            pdf.set_font("Helvetica", "B", 16)
            pdf.multi_cell(0, 8, value, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif kind == "heading":
            pdf.set_font("Helvetica", "B", 12)
            pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 5.5, value, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    return bytes(pdf.output())


def render_docx(doc: dict[str, Any]) -> bytes:
    from docx import Document

    document = Document()
    props = document.core_properties
    when = published_dt(doc).replace(tzinfo=None)
    props.title = norm_ws(doc["headline"])
    props.author = doc["author"]
    props.last_modified_by = doc["author"]
    props.subject = f"{doc['outlet']} (fictional composite)"
    props.comments = "Fictional composite written for the exitlens sample corpus."
    props.language = "en"
    props.created = when
    props.modified = when
    props.last_printed = when
    props.revision = 1
    for kind, value in blocks_of(doc):
        if kind == "title":
            document.add_heading(value, level=1)
        elif kind == "heading":
            document.add_heading(value, level=2)
        else:
            document.add_paragraph(value)
    raw = io.BytesIO()
    document.save(raw)
    return normalise_zip(raw.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a ZIP with fixed timestamps so reruns are byte-identical."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


RENDERERS = {
    "txt": render_text,
    "md": render_text,
    "html": render_html,
    "pdf": render_pdf,
    "docx": render_docx,
}


# --------------------------------------------------------------------------------------
# Read-back checks
# --------------------------------------------------------------------------------------


class _ArticleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.blocks: list[str] = []
        self._buf: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "article":
            self.depth += 1
        elif self.depth and tag in ("h1", "h2", "p"):
            self._buf = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.depth -= 1
        elif self._buf is not None and tag in ("h1", "h2", "p"):
            self.blocks.append("".join(self._buf))
            self._buf = None

    def handle_data(self, data: str) -> None:
        if self._buf is not None:
            self._buf.append(data)


def read_back(path: Path, doc: dict[str, Any]) -> str:
    """Return an empty string when the rendered file gives back the text, else a reason."""
    text = text_of(doc)
    fmt = fmt_of(doc)
    if fmt in ("txt", "md"):
        return "" if path.read_text(encoding="utf-8") == text else "text differs"
    if fmt == "html":
        parser = _ArticleText()
        parser.feed(path.read_text(encoding="utf-8"))
        got = "\n\n".join(parser.blocks)
        if "trackingId" in got:
            return "script text leaked into the article"
        return "" if got == text else "article text differs"
    if fmt == "docx":
        from docx import Document

        d = Document(str(path))
        got = "\n\n".join(p.text for p in d.paragraphs)
        if d.core_properties.title != norm_ws(doc["headline"]):
            return "docx title property differs"
        return "" if got == text else "docx paragraphs differ"
    if fmt == "pdf":
        try:
            from pypdf import PdfReader
        except ImportError:  # pragma: no cover - pypdf is a runtime dependency
            return ""
        reader = PdfReader(str(path))
        got = norm_ws(" ".join(page.extract_text() or "" for page in reader.pages))
        title = reader.metadata.title if reader.metadata else None
        if title != norm_ws(doc["headline"]):
            return "pdf title metadata differs"
        missing = [b for _, b in blocks_of(doc) if norm_ws(b) not in got]
        return f"{len(missing)} paragraph(s) not found in extracted text" if missing else ""
    return f"unknown format {fmt}"


# --------------------------------------------------------------------------------------
# Manifest, README, gold
# --------------------------------------------------------------------------------------


def render_manifest(docs: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["path", "url", "outlet", "published", "kind", "title", "author"])
    for d in docs:
        writer.writerow(
            [
                d["file"],
                d["url"],
                d["outlet"],
                str(d["published"]),
                d["kind"],
                norm_ws(d["headline"]),
                d["author"],
            ]
        )
    return buf.getvalue().encode("utf-8")


def render_gold(records: list[dict[str, Any]]) -> bytes:
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    return ("\n".join(lines) + "\n").encode("utf-8")


def describe_defector(d: dict[str, Any]) -> str:
    bits = [d["name"] or "(unnamed)"]
    profile = [
        x
        for x in (
            d["nationality"] or d["origin_region"],
            d["gender"],
            d["role"],
            d["exit_mode"],
            d["outcome"],
        )
        if x
    ]
    if d["source_voice"] != "self":
        profile.append(f"voice: {d['source_voice']}")
    bits.append(f"({', '.join(profile)})")
    return " ".join(bits)


def render_readme(docs: list[dict[str, Any]], records: list[dict[str, Any]]) -> bytes:
    out = [
        "# exitlens sample corpus",
        "",
        "**Every document in this folder is a fictional composite written for exitlens.**",
        "Names, places and events are invented or combined; no real person is quoted and no",
        "sentence comes from a real publication. Outlets, authors and URLs (under the reserved",
        "`example.org` / `example.com` / `example.net` domains) are invented too. Each text",
        "carries a visible line saying so.",
        "",
        "The corpus is the demo (`exitlens demo`) and the test bed of the pipeline. It is",
        "generated by `scripts/build_sample_corpus.py` from `scripts/sample_corpus_source.yaml`;",
        "edit the YAML and rerun the script rather than editing these files by hand.",
        "",
        "- `manifest.csv` attaches provenance (url, outlet, date, kind, title, author) to each",
        "  file; `path` is relative to the CSV.",
        "- `../sample_gold.jsonl` holds one gold record per document in the SPEC section 4",
        "  format. It uses the full default codebook: `exit_reasons` may contain",
        "  personal_mistreatment, psych_toll, ideology_rejected and outside_contact, and the",
        "  extra list `barriers` holds forbidden_to_leave, fear_of_reprisal,",
        "  prosecution_at_home and documents_taken. Each defector also carries the extra",
        "  profile fields `occupation`, `route` (transit places in travel order) and `places`",
        "  (places served). The `text` field is the text as written: for .txt/.md it is the",
        "  file's content exactly; for HTML it is the `<article>` headline and paragraphs; for",
        "  PDF and DOCX the title, headings and paragraphs (PDF line breaks may differ).",
        "",
        "| file | format | kind | what it exercises | intended defectors |",
        "|---|---|---|---|---|",
    ]
    for doc, rec in zip(docs, records, strict=True):
        defectors = "; ".join(describe_defector(d) for d in rec["defectors"]) or "none"
        out.append(
            f"| `{doc['file']}` | {fmt_of(doc)} | {doc['kind']} | "
            f"{norm_ws(doc['exercises'])} | {defectors} |"
        )
    out.append("")
    return "\n".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check-only",
        action="store_true",
        help="validate labels and coverage without writing files",
    )
    parser.add_argument(
        "--no-verify", action="store_true", help="skip reading the rendered files back"
    )
    args = parser.parse_args(argv)

    docs = load_source()
    errors: list[str] = []
    records = [gold_record(doc, errors) for doc in docs]
    validate_corpus(docs, records, errors)
    people, quotes = coverage(records)
    missing = print_coverage(people, quotes)
    if missing:
        errors.append(f"codes with no labelled defector: {', '.join(missing)}")
    if errors:
        print("\nSAMPLE CORPUS INVALID:", file=sys.stderr)
        for e in errors:
            print("  - " + e, file=sys.stderr)
        return 1
    n_def = sum(len(r["defectors"]) for r in records)
    print(
        f"\n{len(docs)} documents, {n_def} labelled defectors, all {len(DIMENSION)} codes covered."
    )
    if args.check_only:
        return 0

    expected = {"manifest.csv", "README.md"} | {d["file"] for d in docs}
    stale = [p for p in OUT_DIR.glob("*") if p.is_file() and p.name not in expected]
    for p in stale:
        p.unlink()
        print(f"removed stale {p.relative_to(ROOT)}")
    changed = 0
    for doc in docs:
        changed += write_if_changed(OUT_DIR / doc["file"], RENDERERS[fmt_of(doc)](doc))
    changed += write_if_changed(OUT_DIR / "manifest.csv", render_manifest(docs))
    changed += write_if_changed(OUT_DIR / "README.md", render_readme(docs, records))
    changed += write_if_changed(GOLD_PATH, render_gold(records))
    print(
        f"wrote {changed} changed file(s) under {OUT_DIR.relative_to(ROOT)} and "
        f"{GOLD_PATH.relative_to(ROOT)}"
    )

    if not args.no_verify:
        problems = []
        for doc in docs:
            reason = read_back(OUT_DIR / doc["file"], doc)
            if reason:
                problems.append(f"{doc['file']}: {reason}")
        if problems:
            print("\nREAD-BACK FAILED:", file=sys.stderr)
            for problem in problems:
                print("  - " + problem, file=sys.stderr)
            return 1
        print("read-back OK: every file opens and gives back its text")
    return 0


if __name__ == "__main__":
    sys.exit(main())
