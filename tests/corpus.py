"""Small invented test documents in every input format exitlens reads.

Every text here is fictional and written for these tests: the people (Tomas Verrin,
Ilse Marrow, Oren Tal…), the "Grey Lantern" movement and the places around "Lake
Orvanne" do not exist. Builders return bytes so tests can also corrupt them.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

# ---------------------------------------------------------------- texts

TXT_UTF8 = (
    "Leaving the Grey Lantern\n"
    "\n"
    "Tomas Verrin says he walked out of the Grey Lantern camp near Lake Orvanne on a "
    "cold morning in the spring of 2019.\n"
    "\n"
    "\u201cI stopped believing the sermons long before I found the courage to go,\u201d he "
    "told the Orvanne Courier. Naïve recruits, he added, are promised a family.\n"
)

# Latin-1/cp1252 text with accents and curly quotes (cp1252 0x93/0x94).
TXT_CP1252 = (
    "Ilse Marrow remembers the café in Vessaline where the recruiters first approached her. "
    "\u201cThey were polite, almost gentle,\u201d she said. Later, at the camp, the politeness "
    "vanished; she left after eleven months and reached her aunt\u2019s house in Brèvemont.\n"
)

TXT_UTF16 = (
    "Oren Tal spent two winters guarding a depot for the Grey Lantern before he deserted. "
    "He says he crossed the Kessel ridge at night with a shepherd he had paid in advance.\n"
)

MD_TEXT = (
    "# A mother's account\n"
    "\n"
    "Hanne Sorel describes how her son **Pieter** telephoned from a border town and asked "
    "her to wire money for the bus home. She says he sounded *frightened* and thin.\n"
    "\n"
    "- he had left the movement in March\n"
    "- he handed himself to the police at Dornick\n"
)

HTML_PARAGRAPHS = [
    "Marta Quell was nineteen when a cousin introduced her to the Grey Lantern, a movement that "
    "promised young people in the river towns purpose, money and a sense of belonging.",
    "She spent almost two years in a compound on the eastern shore of Lake Orvanne, cooking for "
    "the fighters and copying pamphlets late into the night by the light of a paraffin lamp.",
    "The turning point, she says, came when a friend was punished in front of everyone for "
    "asking a question during evening prayers. After that she began hiding small sums of money.",
    "In the autumn of 2021 she slipped out during a supply run, walked for two days through the "
    "reed beds and reached a ferry landing, where she asked a fisherman to call her brother.",
    "Today she lives in a small flat in Vessaline and volunteers at a youth centre. She says she "
    "talks to teenagers about the promises she once believed, and about what they really cost.",
]
HTML_SCRIPT_MARKER = "trackVisitorBeaconZeta"
HTML_STYLE_MARKER = "lanternStyleSentinel"
HTML_NAV_MARKER = "Subscribe to the Orvanne Courier newsletter"
HTML_FOOTER_MARKER = "Copyright Orvanne Courier Media Group"


def html_page() -> bytes:
    body = "\n".join(f"    <p>{p}</p>" for p in HTML_PARAGRAPHS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>How Marta Quell left the Grey Lantern | Orvanne Courier</title>
  <meta name="author" content="Lena Fairweather">
  <meta property="og:site_name" content="Orvanne Courier">
  <meta property="og:title" content="How Marta Quell left the Grey Lantern">
  <meta property="article:published_time" content="2022-03-14T08:00:00Z">
  <style>.{HTML_STYLE_MARKER} {{ color: red; }}</style>
  <script>var {HTML_SCRIPT_MARKER} = function() {{ return "beacon"; }};</script>
</head>
<body>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
  <li><a href="/subscribe">{HTML_NAV_MARKER}</a></li></ul></nav>
  <article>
    <h1>How Marta Quell left the Grey Lantern</h1>
{body}
  </article>
  <script>window.{HTML_SCRIPT_MARKER}();</script>
  <footer><p>{HTML_FOOTER_MARKER}. All rights reserved.</p></footer>
</body>
</html>
""".encode()


PDF_PARAGRAPHS = [
    "Field note seven. Yusuf Arden, a former logistics volunteer for the Grey Lantern, describes "
    "the weeks before his departure as a slow accumulation of doubts about the leadership and "
    "about the money that never reached the families it was promised to.",
    "He left in June 2020 by hiding in the back of a grain lorry that was bound for the market "
    "at Dornick, and he surrendered to a police post the following morning.",
]
PDF_TITLE = "Field note seven: the grain lorry"
PDF_AUTHOR = "Research Desk Orvanne"


def pdf_bytes(paragraphs: list[str] | None = None, *, title: str = PDF_TITLE,
              author: str = PDF_AUTHOR, pages: int = 1, user_password: str | None = None) -> bytes:
    """A small PDF built with fpdf2: wrapped paragraphs (multi_cell) and document metadata."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creation_date(datetime(2023, 5, 17, 10, 0, 0))
    if user_password is not None:
        pdf.set_encryption(owner_password="owner-secret", user_password=user_password)
    pdf.set_font("Helvetica", size=11)
    for _ in range(pages):
        pdf.add_page()
        for para in paragraphs or PDF_PARAGRAPHS:
            pdf.multi_cell(0, 6, para)
            pdf.ln(6)
    return bytes(pdf.output())


DOCX_PARAGRAPHS = [
    "Interview with Sami Ostrander, recorded in Brevemont in 2022.",
    "Sami says he joined the Grey Lantern at seventeen because his older friends had joined, "
    "and that he left two years later after being ordered to threaten a shopkeeper.",
    "He escaped on foot across the Kessel ridge and now works as an apprentice carpenter.",
]
DOCX_TITLE = "Sami Ostrander interview"
DOCX_AUTHOR = "Petra Lindqvist"


def docx_bytes(paragraphs: list[str] | None = None) -> bytes:
    """A small DOCX built with python-docx: paragraphs plus core properties."""
    import docx

    document = docx.Document()
    for para in paragraphs or DOCX_PARAGRAPHS:
        document.add_paragraph(para)
    props = document.core_properties
    props.title = DOCX_TITLE
    props.author = DOCX_AUTHOR
    props.created = datetime(2022, 9, 1, 12, 0, 0)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


JSONL_RECORDS = [
    {
        "id": "gold-001",
        "url": "https://example.org/lantern/001",
        "title": "The ferryman's nephew",
        "outlet": "Example Gazette",
        "published": "2021-06-02",
        "kind": "news",
        "text": "Arno Weld, 24, says he left the Grey Lantern after a year and reached the "
                "ferry at Dornick.\r\nHe now lives with his uncle.",
        "defectors": [{"name": "Arno Weld", "codes": ["disillusionment"], "exit_mode": "escaped"}],
        "notes": "invented record for tests",
    },
    {
        "id": "gold-002",
        "title": "A commander's view",
        "outlet": "Example Gazette",
        "kind": "interview",
        "text": "A commander of the Grey Lantern, who gave his name only as Brother Kade, said "
                "nobody ever leaves the movement of their own free will.",
        "defectors": [],
    },
    {
        "id": "gold-003",
        "kind": "report",
        "text": "Two sisters, Lotte and Vera Brann, walked out of the movement's compound in "
                "2018 and surrendered together at a checkpoint.",
        "defectors": [{"name": "Lotte Brann"}, {"name": "Vera Brann"}],
    },
]


def jsonl_bytes(records: list[dict[str, object]] | None = None) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n"
                   for r in (records or JSONL_RECORDS)).encode()


MANIFEST_TEXT = (
    "Hakon Rell says he was recruited at a football club in Dornick and left the movement "
    "after his first winter, when he was told to stop writing to his sister.\n"
)


# ---------------------------------------------------------------- corpus on disk


@dataclass
class Corpus:
    """Files written to ``root`` and, per name, the text each should be stored as."""

    root: Path
    files: dict[str, Path] = field(default_factory=dict)
    expected_text: dict[str, str] = field(default_factory=dict)

    def path(self, name: str) -> Path:
        return self.files[name]


def write_corpus(root: Path) -> Corpus:
    """Write one file of every supported format (plus encodings) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root)

    def put(name: str, data: bytes, expected: str | None = None) -> None:
        path = root / name
        path.write_bytes(data)
        corpus.files[name] = path
        if expected is not None:
            corpus.expected_text[name] = expected

    put("utf8.txt", TXT_UTF8.encode("utf-8"), TXT_UTF8)
    bom_crlf = TXT_UTF8.replace("\n", "\r\n")
    put("bom_crlf.txt", b"\xef\xbb\xbf" + bom_crlf.encode("utf-8"), TXT_UTF8)
    put("cp1252.txt", TXT_CP1252.encode("cp1252"), TXT_CP1252)
    put("utf16.txt", TXT_UTF16.encode("utf-16"), TXT_UTF16)  # "utf-16" writes a BOM
    put("account.md", MD_TEXT.encode("utf-8"), MD_TEXT)
    put("article.html", html_page())
    put("fieldnote.pdf", pdf_bytes())
    put("interview.docx", docx_bytes())
    put("gold.jsonl", jsonl_bytes())
    return corpus


def write_manifest_corpus(root: Path) -> Corpus:
    """A folder with a CSV manifest (path,url,outlet,published,kind,title,author) and its file."""
    root.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(root)
    story = root / "hakon.txt"
    story.write_text(MANIFEST_TEXT, encoding="utf-8")
    manifest = root / "manifest.csv"
    manifest.write_text(
        "path,url,outlet,published,kind,title,author\n"
        "hakon.txt,https://example.net/hakon,Dornick Evening Post,2020-11-03,news,"
        "The football club recruit,Jonas Ebbe\n",
        encoding="utf-8",
    )
    corpus.files.update({"hakon.txt": story, "manifest.csv": manifest})
    corpus.expected_text["hakon.txt"] = MANIFEST_TEXT
    return corpus
