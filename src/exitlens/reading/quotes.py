"""Reported speech: direct quotes, indirect speech and transcript lines, with their speakers.

Whose words are whose is the question everything downstream depends on: a code is
only given to a defector for *their* words or for the writer reporting *their*
account. This stage finds

- **direct quotes** in every common typographic style (straight and curly double
  and single marks, doubled single marks, guillemets, low-high German marks),
  including multi-sentence quotes, quotes split by an attribution
  (``"…," he said, "…"``) and the classic multi-paragraph convention (an
  unclosed paragraph followed by one that opens with a quotation mark);
- **indirect speech** from the dependency parse: a speech verb with a clausal
  complement (``he told reporters that…``, ``she said she had…``, ``he described
  how…``), ``spoke about …`` and ``according to X, …``;
- **transcript lines** (``NAME: …``, ``Q: …`` / ``A: …``).

For each quote it records the *mention* that names the speaker
(``Quote.speaker_span``: a name, a descriptor such as "the defector", a pronoun,
or a transcript label) and the cue. Turning that mention into a person
(``Quote.speaker``) is the people stage's job, because only it knows who "he" is.

The quotation-mark scanner is a single left-to-right pass per paragraph and a
quote can never run past its paragraph unless the next paragraph re-opens it, so
an unbalanced mark costs one paragraph, not the rest of the document (and leaves
a note). Everything here is linear in the length of the document.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..model import DocumentReading, Quote, Span
from ..pipeline import PipelineContext
from .cues import (
    ACCOUNT_VERBS,
    FIRST_PERSON,
    NUMBERED_LABEL,
    PERSON_NOUNS,
    SPEECH_VERBS,
    THIRD_PRONOUNS,
    SpanSet,
    TokenIndex,
    load_word_lists,
    sentence_at,
    sentence_index,
)
from .segment import paragraphs as split_paragraphs

_MARKS = re.compile(r"‘‘|’’|``|''|[\"“”„‟«»‹›‘’'‚¨]")
_DOUBLE_OPEN = {"“", "„", "‟", "«", "‘‘", "``"}
_DOUBLE_CLOSE = {"”", "»", "’’"}
_DOUBLE_AMBIG = {'"', "''", "¨"}  # a diaeresis stands in for quotes in some mis-encoded text
_SINGLE_OPEN = {"‘", "‹", "‚"}
_SINGLE_CLOSE = {"’", "›"}
_OPEN_CONTEXT = set(" \t\n([{—–-/:;,") | {"\u00a0"}
_CLOSE_FOLLOW = set(" \t\n)]}.,;:!?—–-…") | {"\u00a0"}

# "NAME: text" / "Q: text" lines. The label is at most four capitalised words, perhaps
# with a broadcast title and note after it ("MARY LEE, HOST:", "ABU ALI (through
# interpreter):", "JOHN DOE, CORRESPONDENT (voice-over):").
_TRANSCRIPT_LINE = re.compile(
    r"^[ \t]*(?P<label>Q|A|Question|Answer|Interviewer|"
    r"[A-Z][\w.'’-]*(?:[ \t]+(?:al-|el-|bin[ \t]+|ibn[ \t]+)?[A-Z][\w.'’-]*){0,3})"
    r"(?:,[ \t]*(?P<title>[A-Z][A-Z0-9.&'’ -]{1,60}?))?"
    r"(?:[ \t]*\([^()\n]{1,40}\))?"
    r"[ \t]*:[ \t]+(?P<body>\S[^\n]*)$",
    re.MULTILINE,
)
# a label, or its title, naming the programme's side: the writer's narration
_HOST_WORDS = frozenset(str(w) for w in load_word_lists("people_words.yaml")["host_labels"]) | {
    "byline", "interviewer", "q", "question"}
_NOT_LABELS = frozenset(
    {
        "note", "photo", "photos", "image", "images", "update", "updated", "source",
        "sources", "editor", "related", "read", "watch", "caption", "credit", "credits",
        "video", "topics", "tags", "published", "warning", "correction", "also", "see",
        "file", "listen", "share", "advertisement", "getty", "reuters", "disclaimer",
        "copyright", "contact", "email", "tel", "phone", "date", "time", "location",
        "title", "subject", "summary", "abstract", "keywords", "more", "editor's note",
        "translation", "transcript", "background", "context", "breaking",
        "exclusive", "analysis", "opinion", "comment", "comments", "by", "from", "to",
    }
)
_INTERVIEWER_LABELS = frozenset({"q", "question", "interviewer"})
_INTERVIEWEE_LABELS = frozenset({"a", "answer"})

# Inverted attribution right after a closing mark: ', said Abu Omar.' / 'says the defector'.
_INVERTED = re.compile(
    r"^[\s,.:;—–-]*(?:he |she )?(?P<verb>said|says|added|adds|explained|explains|recalled|"
    r"recalls|insisted|insists|admitted|admits|claimed|claims|remembered|remembers|"
    r"recounted|recounts|told|wrote|writes|asked|asks|continued|continues|says,|"
    r"went on|stated|states|confessed|confesses)\b"
)
# "Islamic State defector: " before an opening mark (at most eight words, on one line)
_LABEL = re.compile(r"[ \t]*(?P<label>[A-Z][^\n:]{0,80}?)[ \t]*:[ \t]*$")
# A research write-up's citation right after a quote: "“…” (Interviewee 12, Syrian, 31)",
# "“…” [Abu Omar, Gaziantep, 2019]", or a line "— Respondent 22, Iraqi" under a block
# quote: its first item is the speaker.
_CITATION = re.compile(
    r"[ \t]*[(\[][ \t]*(?P<label>[A-Z][^()\[\],;\n]{1,60}?)[ \t]*[,;)\]]"
    r"|[ \t]*\n?[ \t]*(?:[—–]|--)[ \t]*(?P<dashed>[A-Z][^()\[\],;\n]{1,60}?)[ \t]*(?:[,;]|$)",
    re.MULTILINE,
)
_SPEAKER_PREP = frozenset({"about", "of", "on"})
_MIN_UNATTRIBUTED_WORDS = 4


@dataclass
class _Raw:
    """A direct quote as found by the mark scanner (content span, no marks)."""

    span: Span
    open_at: int  # position of the opening mark
    close_end: int  # position just after the closing mark (or the cap)
    closed: bool


def _role(text: str, i: int, mark: str) -> str:
    """Classify one mark as 'open', 'close', 'either' or 'apos' from its neighbours."""
    prev = text[i - 1] if i > 0 else " "
    nxt = text[i + len(mark)] if i + len(mark) < len(text) else " "
    if mark in _DOUBLE_OPEN:
        return "open"
    if mark in _DOUBLE_CLOSE:
        return "close"
    if mark in _DOUBLE_AMBIG:
        opens = prev in _OPEN_CONTEXT or prev in "“‘"
        closes = nxt in _CLOSE_FOLLOW or nxt in "”’\"'"
        if opens and not closes:
            return "open"
        if closes and not opens:
            return "close"
        return "either"
    # single marks: apostrophes are far more common than quotes
    if mark in _SINGLE_OPEN or mark == "'":
        if (prev in _OPEN_CONTEXT or prev in "“\"") and not nxt.isspace() and not nxt.isdigit():
            return "sopen" if nxt.isalpha() or nxt in "“\"…" else "apos"
        if mark == "'" and prev.isalnum() and (nxt in _CLOSE_FOLLOW or nxt in "”\""):
            return "sclose"
        return "apos"
    if mark in _SINGLE_CLOSE:
        if not prev.isspace() and not (prev.isalnum() and nxt.isalnum()) and (
            nxt in _CLOSE_FOLLOW or nxt in "”\""
        ):
            return "sclose"
        return "apos"
    return "apos"


def scan_direct_quotes(text: str, paras: Sequence[Span]) -> tuple[list[_Raw], int]:
    """Direct quotes of ``text`` (content spans) and the number of unbalanced marks.

    One pass over the marks of each paragraph. A quote left open at the end of a
    paragraph continues only when the next paragraph starts with an opening mark
    of the same kind (the multi-paragraph convention); otherwise it is capped at
    the paragraph end and counted as unbalanced.
    """
    quotes: list[_Raw] = []
    unbalanced = 0
    open_kind: str | None = None  # "d" or "s"
    open_at = -1
    content_start = -1
    for pi, para in enumerate(paras):
        seg = text[para.start : para.end]
        continuing = open_kind is not None
        first_mark = True
        for m in _MARKS.finditer(seg):
            mark = m.group()
            pos = para.start + m.start()
            role = _role(text, pos, mark)
            if continuing and first_mark and m.start() == 0 and role in ("open", "either", "sopen"):
                first_mark = False
                continuing = False
                continue  # the re-opening mark of a continued paragraph
            first_mark = False
            continuing = False
            if open_kind is None:
                if role in ("open", "either"):
                    open_kind, open_at, content_start = "d", pos, pos + len(mark)
                elif role == "sopen":
                    open_kind, open_at, content_start = "s", pos, pos + len(mark)
                elif role == "close":
                    unbalanced += 1
            elif open_kind == "d":
                if role in ("close", "either") or (role == "open" and mark == "“" and
                                                     text[open_at] == "„"):
                    quotes.append(_Raw(Span(content_start, pos), open_at, pos + len(mark), True))
                    open_kind = None
            elif open_kind == "s" and role == "sclose":
                quotes.append(_Raw(Span(content_start, pos), open_at, pos + len(mark), True))
                open_kind = None
        if open_kind is not None:
            nxt = paras[pi + 1] if pi + 1 < len(paras) else None
            reopen = False
            if nxt is not None:
                m2 = _MARKS.match(text, nxt.start)
                if m2 is not None:
                    role2 = _role(text, nxt.start, m2.group())
                    reopen = (open_kind == "d" and role2 in ("open", "either")) or (
                        open_kind == "s" and role2 == "sopen"
                    )
            if reopen:
                continue
            if open_kind == "d":
                unbalanced += 1
                quotes.append(_Raw(Span(content_start, para.end), open_at, para.end, False))
            # an unclosed single mark was an apostrophe after all: no quote
            open_kind = None
    out: list[_Raw] = []
    for q in quotes:
        span = q.span.stripped(text)
        if span is not None and any(c.isalnum() for c in text[span.start : span.end]):
            out.append(_Raw(span, q.open_at, q.close_end, q.closed))
    return out, unbalanced


def find_transcript_lines(text: str) -> list[tuple[Span, Span, str]]:
    """(label span, body span, label) for ``NAME: …`` lines, when the text is a transcript.

    A text counts as a transcript only if labels recur (a label used twice, or both
    a Q and an A label): one "Note: …" line is not an interview.
    """
    found: list[tuple[Span, Span, str]] = []
    for m in _TRANSCRIPT_LINE.finditer(text):
        label = m.group("label")
        if label.lower() in _NOT_LABELS or label.lower().rstrip(".") in _NOT_LABELS:
            continue
        found.append((Span(m.start("label"), m.end("label")), Span(m.start("body"),
                                                                    m.end("body")), label))
    labels = [lab.lower() for _, _, lab in found]
    has_qa = any(x in _INTERVIEWER_LABELS for x in labels) and any(
        x in _INTERVIEWEE_LABELS for x in labels
    )
    # a speaker recurs under their full name or, after it, their surname ("MARY LEE", "LEE")
    keys = [x.split()[-1] for x in labels]
    counts = Counter(keys)
    repeated = {k for k in keys if counts[k] >= 2} if len(keys) < 500 else set(keys)
    if not has_qa and not repeated:
        return []
    # In a broadcast transcript whose recurring labels are capitals, a guest heard once
    # ("UNIDENTIFIED MAN: …") is a speaker too.
    capitals = any(lab.isupper() and len(lab) > 1 for _, _, lab in found
                   if lab.lower().split()[-1] in repeated)
    keep = repeated | (_INTERVIEWER_LABELS | _INTERVIEWEE_LABELS if has_qa else set())
    return [f for f in found if f[2].lower().split()[-1] in keep
            or (capitals and f[2].isupper() and len(f[2]) > 1)]


def transcript_hosts(text: str, lines: Sequence[tuple[Span, Span, str]]) -> set[tuple[int, int]]:
    """Label spans of the programme's host or correspondents: a label that is a host word
    ("PRESENTER", "Q"), one titled so ("MARY LEE, HOST:"), one the text introduces with
    such a word ("our correspondent Lisa Brandt", "Mary Lee, presenter"), and later short
    forms of those names ("LEE:")."""
    if not lines:
        return set()
    hosts: set[str] = set()
    for label_span, _, label in lines:  # the label line again, for its title
        m = _TRANSCRIPT_LINE.match(text, text.rfind("\n", 0, label_span.start) + 1)
        title = (m.group("title") or "").lower() if m is not None else ""
        if label.lower() in _HOST_WORDS or set(re.findall(r"[a-z]+", title)) & _HOST_WORDS:
            hosts.add(label.lower())
    names = sorted({label.lower() for _, _, label in lines if len(label) > 1}, key=len,
                   reverse=True)
    if names:  # one pass over the text, whatever the number of labels
        spelled = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in names)
        words = "|".join(sorted(_HOST_WORDS))
        introduced = re.compile(  # "our correspondent X", "X, presenter;"
            rf"\b(?:{words})\s+({spelled})\b|\b({spelled}),\s+(?:the\s+|our\s+)?(?:{words})\b",
            re.IGNORECASE)
        hosts.update(" ".join((m.group(1) or m.group(2)).lower().split())
                     for m in introduced.finditer(text))
    surnames = {h.split()[-1] for h in hosts if len(h.split()) > 1}
    return {(ls.start, ls.end) for ls, _, label in lines
            if label.lower() in hosts or label.lower() in surnames}


def is_interviewer_label(label: str) -> bool:
    return label.strip().lower() in _INTERVIEWER_LABELS


def is_interviewee_label(label: str) -> bool:
    return label.strip().lower() in _INTERVIEWEE_LABELS


def _is_person_like(tok: Any) -> bool:
    """Could this token head a reference to a person (name, pronoun, person noun)?"""
    low = tok.lower_
    if low in THIRD_PRONOUNS or low in FIRST_PERSON:
        return True
    if tok.ent_type_ == "PERSON":
        return True
    if tok.pos_ == "PROPN" and tok.ent_type_ not in ("DATE", "TIME", "CARDINAL", "MONEY"):
        return True  # the people stage decides whether this names a person
    if tok.pos_ == "NOUN" and tok.lemma_.lower() in PERSON_NOUNS and tok.tag_ != "NNS":
        return True
    return tok.ent_type_ == "NORP" and tok.dep_ in ("nsubj", "nsubjpass") and tok.tag_ != "NNPS"


def speaker_mention_span(index: TokenIndex, tok: Any) -> Span:
    """The mention a speaker token belongs to: the whole name, or the noun phrase head."""
    if tok.pos_ == "PRON":
        return index.span_of(tok)
    if tok.pos_ == "PROPN" or tok.ent_type_ == "PERSON":
        doc = tok.doc
        lo = hi = tok.i
        same = {"PERSON", "", tok.ent_type_}
        while lo > 0 and (doc[lo - 1].pos_ == "PROPN" or doc[lo - 1].text in ("-", "al")) and (
            doc[lo - 1].ent_type_ in same or doc[lo - 1].text in ("-", "al")
        ):
            lo -= 1
        while hi + 1 < len(doc) and (doc[hi + 1].pos_ == "PROPN" or doc[hi + 1].text == "-") and (
            doc[hi + 1].ent_type_ in same or doc[hi + 1].text == "-"
        ):
            hi += 1
        start = index.start_of(doc[lo])
        end = index.start_of(doc[hi]) + len(doc[hi].text)
        return Span(start, end)
    # noun phrase: determiner and modifiers up to the head noun, never across a sentence
    # end or a quotation mark
    doc_text = tok.doc.text
    offset = index.start_of(tok) - tok.idx
    local = tok.left_edge.idx
    cut = max(doc_text.rfind(ch, local, tok.idx) for ch in '\n.!?"“”«»¨')
    if cut >= local:
        local = cut + 1
        while local < tok.idx and doc_text[local].isspace():
            local += 1
    return Span(offset + local, offset + tok.idx + len(tok.text))


_SPEECH_FORMS = frozenset(
    f for v in SPEECH_VERBS for f in (v, v + "s", v + "ed", v + "d", v + "es")
) | {"said", "told", "wrote", "says", "tells", "writes", "added", "recalled"}


def _is_speech_verb(tok: Any) -> bool:
    """A speech verb, also when the tagger mistook it for a noun ("responds")."""
    if tok.pos_ in ("VERB", "AUX"):
        return bool(tok.lemma_.lower() in SPEECH_VERBS)
    return tok.pos_ in ("NOUN", "PROPN") and tok.lower_ in _SPEECH_FORMS and tok.lower_ not in (
        "report", "reports", "note", "notes", "claim", "claims", "answer", "answers")


def _subject_of(verb: Any) -> Any | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass"):
            return child
    # "…, he said and added" / conjoined verbs share the subject of the first verb
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        for child in verb.head.children:
            if child.dep_ == "nsubj":
                return child
    return None


class _Attributor:
    """Finds speaker mentions for quotes from the parse around them."""

    def __init__(self, reading: DocumentReading, index: TokenIndex, inside: list[Span]):
        self.reading = reading
        self.text = reading.document.text
        self.index = index
        self.inside = SpanSet(inside)  # direct-quote spans
        self.sent_starts, self.sent_spans = sentence_index(reading)

    def _outside(self, tok: Any, quote_spans: Sequence[Span]) -> bool:
        pos = self.index.start_of(tok)
        return not any(q.start - 1 <= pos < q.end + 1 for q in quote_spans)

    def frame_cue(self, raw: _Raw, neighbours: Sequence[Span]) -> tuple[Span | None, Span | None]:
        """Speaker and cue from the sentence(s) around a direct quote. A citation in
        brackets right after it ('"…" (Interviewee 12, …)') names the speaker; the person
        the sentence introducing the quote names as well ("One respondent explained: "…"
        (Interviewee 9)") is kept in ``scratch["cited_speakers"]`` as the same person."""
        cited = self._citation_after(raw.close_end)
        speaker, cue = self._frame(raw, neighbours)
        if cited is None:
            return speaker, cue
        if speaker is not None and not speaker.overlaps(cited):
            self.reading.scratch.setdefault("cited_speakers", []).append((cited, speaker))
        return cited, cue

    def _frame(self, raw: _Raw, neighbours: Sequence[Span]) -> tuple[Span | None, Span | None]:
        text = self.text
        # 1. inverted attribution right after the closing mark: ", said Abu Omar"
        after = text[raw.close_end : raw.close_end + 80]
        m = _INVERTED.match(after)
        if m is not None:
            verb_start = raw.close_end + m.start("verb")
            verb_end = raw.close_end + m.end("verb")
            tok = self.index.at(verb_start)
            if tok is not None:
                subj = _subject_of(tok) if tok.pos_ in ("VERB", "AUX") else None
                if subj is not None and _is_person_like(subj):
                    return speaker_mention_span(self.index, subj), Span(verb_start, verb_end)
                # speaker after the verb: the next person-like token
                for nxt in tok.doc[tok.i + 1 : tok.i + 8]:
                    if nxt.is_punct and nxt.text not in ("-",):
                        break
                    if _is_person_like(nxt):
                        head = nxt
                        while (head.head.i != head.i and head.dep_ in ("compound", "amod", "det")
                               and head.head.i < tok.i + 10):
                            head = head.head
                        return speaker_mention_span(self.index, head), Span(verb_start, verb_end)
        # 2. a headline-style label: 'Former fighter: "We were lied to"'
        label = self._label_before(raw.open_at)
        if label is not None:
            return label, None
        # 3. a speech verb outside the quotes in the quote's sentence(s)
        if not self.sent_spans:
            return None, None
        si = sentence_at(self.sent_starts, self.sent_spans, max(raw.open_at, 0))
        sj = sentence_at(self.sent_starts, self.sent_spans, max(raw.close_end - 1, 0))
        frame = Span(self.sent_spans[si].start, self.sent_spans[sj].end)
        best: tuple[int, Any] | None = None
        for tok in self.index.in_span(frame):
            if not _is_speech_verb(tok):
                continue
            if not self._outside(tok, neighbours):
                continue
            pos = self.index.start_of(tok)
            dist = pos - raw.close_end if pos >= raw.close_end else (raw.open_at - pos) + 40
            if best is None or dist < best[0]:
                best = (dist, tok)
        if best is not None:
            verb = best[1]
            subj = _subject_of(verb)
            cue = self.index.span_of(verb)
            if subj is None or not _is_person_like(subj):
                subj = self._person_before(verb, neighbours)
            if subj is not None and _is_person_like(subj):
                return speaker_mention_span(self.index, subj), cue
            acc = self._according_to(frame)
            return acc, cue
        acc = self._according_to(frame)
        if acc is not None:
            return acc, None
        # 4. the previous sentence of the paragraph (or a paragraph ending in ':') names the
        #    speaker as its subject: "Abu Omar shook his head. “…”"
        # A paragraph that is nothing but a quote continues from the narration just before
        # it ("He could name only one teacher. / “I saw people tortured every day.”").
        opens_paragraph = si > 0 and self.sent_spans[si].start >= raw.open_at and (
            raw.open_at == 0 or self.text[raw.open_at - 1] == "\n")
        same_paragraph = si > 0 and (
            self.reading.sentences[si - 1].paragraph == self.reading.sentences[si].paragraph
            or self.text[: self.sent_spans[si - 1].end].rstrip().endswith(":")
            or (opens_paragraph and self.sent_spans[sj].end <= raw.close_end + 1))
        if same_paragraph:
            prev = self.sent_spans[si - 1]
            if not self.inside.contains(prev):
                subj = self._person_subject(prev)
                if subj is not None and opens_paragraph and (
                        self.reading.sentences[si - 1].paragraph
                        != self.reading.sentences[si].paragraph) and not (
                        subj.lower_ in THIRD_PRONOUNS or subj.pos_ == "PROPN"
                        or _is_speech_verb(subj.head)):
                    # across paragraphs only a known person ("he", a name) or one whose
                    # speech the paragraph before reports ("a former fighter … said he had
                    # come …" / "“At first …”": the account goes on in their own words)
                    subj = None
                if subj is not None:
                    return speaker_mention_span(self.index, subj), None
        return None, None

    def _person_before(self, verb: Any, quotes: Sequence[Span]) -> Any | None:
        """When the parse gives a speech verb no subject ("Another boy, asked the same,
        responds"), the nearest person-like noun or name before it in its sentence."""
        for tok in reversed(verb.doc[verb.sent.start : verb.i]):
            if not self._outside(tok, quotes):
                break
            if _is_person_like(tok) and tok.dep_ not in ("poss", "compound", "pobj", "dobj"):
                return tok
        return None

    def _citation_after(self, pos: int) -> Span | None:
        """The speaker a citation in brackets after a quote names: a name or a numbered
        label ("Interviewee 12", "Abu Omar"), or a person noun ("a former fighter"); not an
        acronym or a source ("(ISIS)", "(Reuters)", "(2019)")."""
        m = _CITATION.match(self.text, pos)
        if m is None:
            return None
        group = "label" if m.group("label") is not None else "dashed"
        span = Span(m.start(group), m.end(group))
        toks = [t for t in self.index.in_span(span) if not t.is_punct]
        if not toks or toks[0].text.isupper() or all(t.like_num for t in toks):
            return None
        if NUMBERED_LABEL.fullmatch(span.text_of(self.text)):
            return span
        heads = [t for t in toks if _is_person_like(t) and t.lower_ not in FIRST_PERSON]
        return speaker_mention_span(self.index, heads[-1]) if heads else None

    def _label_before(self, pos: int) -> Span | None:
        """'Descriptor or Name: “…”' on one line: the person the label names."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        m = _LABEL.match(self.text, line_start, pos)
        if m is None:
            return None
        span = Span(m.start("label"), m.end("label"))
        toks = list(self.index.in_span(span))
        heads = [t for t in toks if _is_person_like(t) and t.lower_ not in FIRST_PERSON]
        if not heads:
            return None
        return speaker_mention_span(self.index, heads[-1])

    def _according_to(self, frame: Span) -> Span | None:
        for tok in self.index.in_span(frame):
            if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and \
                    tok.doc[tok.i + 1].lower_ == "to":
                for obj in tok.doc[tok.i + 1].children:
                    if obj.dep_ == "pobj" and _is_person_like(obj):
                        return speaker_mention_span(self.index, obj)
        return None

    def _person_subject(self, sent: Span) -> Any | None:
        """The person-like subject of a sentence's main verb, if any."""
        for tok in self.index.in_span(sent):
            if tok.dep_ == "ROOT":
                subj = _subject_of(tok)
                if subj is not None and _is_person_like(subj) and subj.lower_ not in FIRST_PERSON:
                    return subj
                return None
        return None


def _indirect_quotes(
    reading: DocumentReading, index: TokenIndex, direct: list[Span]
) -> list[Quote]:
    """Indirect speech from the parse: speech verb + clausal complement, 'according to X'."""
    out: list[Quote] = []
    direct_set = SpanSet(direct)

    def in_direct(pos: int) -> bool:
        return direct_set.overlaps(Span(pos, pos + 1))

    for tok in index.tokens:
        low = tok.lemma_.lower()
        if tok.pos_ == "VERB" and low in ACCOUNT_VERBS | {"speak", "talk"}:
            if in_direct(index.start_of(tok)):
                continue
            subj = _subject_of(tok)
            if subj is None or not _is_person_like(subj) or subj.lower_ in ("it",):
                continue
            if any(c.dep_ == "neg" for c in tok.children):
                continue  # "he has never said what…": no account
            comp = None
            for child in tok.children:
                if child.dep_ == "ccomp" or (child.dep_ == "xcomp" and child.tag_ == "VBG"):
                    comp = child
                    break
                if child.dep_ == "prep" and child.lower_ in _SPEAKER_PREP and low in (
                    "speak", "talk", "tell", "write", "testify", "complain"
                ):
                    pobj = [c for c in child.children if c.dep_ in ("pobj", "pcomp")]
                    if pobj:
                        comp = child
                        break
            if comp is None:
                continue
            span = index.subtree_span(comp)
            if span.start < index.start_of(tok):
                continue  # "…," he said — the complement precedes: a direct quote's frame
            if direct_set.overlaps(span):
                continue
            if len(span) < 8:
                continue
            out.append(Quote(span=span, kind="indirect",
                             speaker_span=speaker_mention_span(index, subj),
                             cue_span=index.span_of(tok)))
        elif tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and \
                tok.doc[tok.i + 1].lower_ == "to":
            if in_direct(index.start_of(tok)):
                continue
            objs = [c for c in tok.doc[tok.i + 1].children if c.dep_ == "pobj"]
            if not objs or not _is_person_like(objs[0]):
                continue
            sent = tok.sent
            head = tok.head
            if head.i == tok.i:
                continue
            # the clause the phrase modifies, minus the phrase itself
            pp_span = index.subtree_span(tok)
            clause = Span(index.start_of(sent[0]), index.start_of(sent[-1]) + len(sent[-1].text))
            if pp_span.start <= clause.start + 1:
                span = Span(pp_span.end, clause.end)
            else:
                span = Span(clause.start, pp_span.start)
            stripped = span.stripped(reading.document.text)
            if stripped is None or len(stripped) < 8:
                continue
            span = _trim_punct(reading.document.text, stripped)
            if direct_set.overlaps(span):
                continue
            out.append(Quote(span=span, kind="indirect",
                             speaker_span=speaker_mention_span(index, objs[0]),
                             cue_span=Span(index.start_of(tok), index.start_of(objs[0]))))
    return out


def _trim_punct(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start] in " ,;:—–-":
        start += 1
    while end > start and text[end - 1] in " ,;:—–-":
        end -= 1
    return Span(start, end)


class QuoteStage:
    """Fills ``reading.quotes`` (speaker indices are set later by the people stage)."""

    name = "quotes"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            self.read(reading)

    def read(self, reading: DocumentReading) -> None:
        text = reading.document.text
        paras: list[Span] = reading.scratch.get("paragraphs") or split_paragraphs(text)
        index = TokenIndex.of(reading)
        transcript = find_transcript_lines(text)
        raws, unbalanced = scan_direct_quotes(text, paras)
        if transcript:
            bodies = [b for _, b, _ in transcript]
            body_set = SpanSet(bodies)
            raws = [r for r in raws if not body_set.contains(r.span)]
        if unbalanced:
            reading.notes.append(
                f"{unbalanced} unbalanced quotation mark(s): quotes were cut at paragraph ends"
            )
        direct_spans = [r.span for r in raws]
        attributor = _Attributor(reading, index, direct_spans)
        quotes: list[Quote] = []
        last_speaker: Span | None = None
        last_end = -1
        for i, raw in enumerate(raws):
            neighbours = direct_spans[max(0, i - 3) : i + 4]
            speaker, cue = attributor.frame_cue(raw, neighbours)
            if speaker is None and last_speaker is not None:
                # a quote continuing the previous speaker's words (split quote or the
                # next paragraph of the same testimony) with no other person between
                between = text[last_end:raw.open_at]
                if len(between) < 400 and not _names_someone(
                        index, Span(last_end, raw.open_at), last_speaker.text_of(text)):
                    speaker = last_speaker
            words = len(text[raw.span.start : raw.span.end].split())
            if speaker is None and cue is None and words < _MIN_UNATTRIBUTED_WORDS:
                continue  # a scare-quoted word or a title, not reported speech
            quotes.append(Quote(span=raw.span, kind="direct", speaker_span=speaker, cue_span=cue))
            if speaker is not None:
                last_speaker, last_end = speaker, raw.close_end
            else:
                last_speaker, last_end = None, raw.close_end
        for label_span, body, _label in transcript:
            quotes.append(Quote(span=body, kind="transcript", speaker_span=label_span,
                                cue_span=label_span))
        answers = [] if transcript else interview_answers(text, paras, direct_spans)
        for question, answer in answers:
            # an interview printed as questions and answers without labels: each answer is
            # the interviewee's words (the people stage gives them to the person the
            # introduction presents)
            quotes.append(Quote(span=answer, kind="transcript", speaker_span=None,
                                cue_span=question))
        if not transcript:
            quotes.extend(_headline_quotes(text, paras, index, direct_spans))
        quotes.extend(_indirect_quotes(reading, index, direct_spans + [
            b for _, b, _ in transcript]))
        quotes.sort(key=lambda q: (q.span.start, q.span.end))
        reading.quotes = quotes
        reading.scratch["transcript_labels"] = {
            (ls.start, ls.end): label for ls, _, label in transcript
        }
        reading.scratch["transcript_hosts"] = transcript_hosts(text, transcript)
        reading.scratch["interview_answers"] = [answer for _, answer in answers]


_QUESTION_END = re.compile(r"\?[\"'”’»)]*$")
_FIRST_PERSON_WORD = re.compile(r"\b(?:I|my|me|we|our|us)\b")


def interview_answers(text: str, paras: Sequence[Span], direct: Sequence[Span]
                      ) -> list[tuple[Span, Span]]:
    """(question, answer) paragraph pairs of an interview printed without labels: a short
    paragraph that is one question, then up to three paragraphs of first-person prose with
    no quotation of their own, at least twice in the document."""
    quoted = SpanSet(list(direct))
    pairs: list[tuple[Span, Span]] = []
    i = 0
    while i < len(paras) - 1:
        q = paras[i]
        q_text = q.text_of(text)
        if len(q_text) > 250 or not _QUESTION_END.search(q_text) or quoted.overlaps(q) or \
                q_text.count("?") > 2:
            i += 1
            continue
        j = i + 1
        while j < len(paras) and j - i <= 3:
            a = paras[j]
            a_text = a.text_of(text)
            if _QUESTION_END.search(a_text) or quoted.overlaps(a) or (
                    j == i + 1 and not _FIRST_PERSON_WORD.search(a_text)):
                break
            pairs.append((q, a))
            j += 1
        i = j if j > i + 1 else i + 1
    return pairs if len({q for q, _ in pairs}) >= 2 else []


def _headline_quotes(
    text: str, paras: Sequence[Span], index: TokenIndex, direct: Sequence[Span]
) -> list[Quote]:
    """Headlines of the form 'Islamic State defector: We were forced to stay' — a short,
    one-line paragraph whose label before the colon is a person description or a name and
    whose rest is their words (no quotation marks)."""
    out: list[Quote] = []
    for para in paras[:6]:
        line = text[para.start : para.end]
        if "\n" in line or len(line) > 200 or ":" not in line:
            continue
        colon = para.start + line.index(":")
        label = Span(para.start, colon).stripped(text)
        body = Span(colon + 1, para.end).stripped(text)
        if label is None or body is None or len(label.text_of(text).split()) > 6:
            continue
        if any(body.overlaps(d) for d in direct) or len(body.text_of(text).split()) < 3:
            continue
        toks = [t for t in index.in_span(label) if t.lower_ in PERSON_NOUNS
                or t.lemma_.lower() in PERSON_NOUNS or t.ent_type_ == "PERSON"]
        first_person = any(t.lower_ in FIRST_PERSON | {"we", "us", "our"}
                           for t in index.in_span(body))
        if not toks or not first_person:
            continue
        out.append(Quote(span=body, kind="direct",
                         speaker_span=speaker_mention_span(index, toks[-1]), cue_span=None))
    return out


def _names_someone(index: TokenIndex, span: Span, speaker: str = "") -> bool:
    """Does the text between two quotes name or introduce a person (a new speaker)? The
    previous speaker named again ("…,” Omar said when he testified. “…”) is nobody new."""
    if len(span) <= 0:
        return False
    same = {w.strip(".,'’").lower() for w in speaker.split()}
    for tok in index.in_span(span):
        if tok.lower_ in same and tok.pos_ in ("PROPN", "NOUN"):
            continue
        if tok.dep_ == "appos" and tok.head.lower_ in same:
            continue  # "…,” said X, a national who joined the group. “…”
        if tok.ent_type_ == "PERSON" or (
                tok.pos_ == "NOUN" and tok.lemma_.lower() in PERSON_NOUNS and tok.tag_ == "NN"
                and any(c.dep_ == "det" and c.lower_ in ("a", "an", "another", "one")
                        for c in tok.children)) or (
                tok.pos_ == "NOUN" and tok.lemma_.lower() in PERSON_NOUNS
                and tok.dep_ in ("nsubj", "nsubjpass")):
            return True
        if tok.lower_ in THIRD_PRONOUNS and tok.dep_ == "nsubj":
            return False
    return False
