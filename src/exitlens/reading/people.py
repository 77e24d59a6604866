"""People: who is mentioned, under which names and descriptions, and who said what.

Mentions come from four sources:

- names: spaCy PERSON entities, plus patterns for what the small English model
  misses in this domain — kunyas and aliases ("Abu X", "Umm X", "Abu X al-Y"),
  writer-announced pseudonyms ("whom I will call X", "who asked to be identified
  only as X", "known as X", "(not his real name)");
- descriptors: singular noun phrases headed by a person noun ("a 26-year-old
  Syrian from …", "an Australian defector", "the former fighter", "a Tunisian");
- pronouns outside quotes (he/she, and I/me/my for the writer);
- transcript speaker labels ("NAME:", "Q:", "A:").

Mentions are grouped into persons in document order with simple, explainable
coreference: a name joins the person whose name shares its distinctive tokens
(surname, first name, alias); a descriptor in apposition to a name, or naming it
("a fighter known as X", "X, a former member"), joins that name's person; an
indefinite descriptor introduces a new person; a definite one ("the defector",
"the young man") and a pronoun refer to the most recent person of compatible
gender. The writer of the document is a person too, as soon as the narration
speaks in the first person or mentions "the author"/"this reporter", so that
their voice can be told apart from everyone else's.

Finally each quote's speaker mention is mapped to its person (``Quote.speaker``).
Relations other stages need (kinship, the writer, the interviewee of a Q/A
transcript, the person behind each mention span) are left in ``reading.scratch``.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import DocumentReading, Mention, Person, Span
from ..pipeline import PipelineContext
from .cues import (
    FEMALE_PRONOUNS,
    FIRST_PERSON,
    GENERIC_PERSON_NOUNS,
    GROUP_TERMS,
    HONORIFICS,
    JOURNALIST_NOUNS,
    KIN_NOUNS,
    MALE_PRONOUNS,
    NAME_PARTICLES,
    NOT_PERSON_NAMES,
    OFFICIAL_NOUNS,
    PERSON_NOUNS,
    SPEECH_VERBS,
    WRITER_NOUNS,
    TokenIndex,
    gender_of_word,
)
from .gazetteer import load_gazetteer
from .quotes import is_interviewee_label, is_interviewer_label, speaker_mention_span

_NAME = r"[A-Z][\w'’-]*\.?(?:[ \t]+(?:al-|el-|al[ \t]+|bin[ \t]+|ibn[ \t]+)?[A-Z][\w'’-]*\.?){0,3}"
_KUNYA = re.compile(
    r"\b(?:Abu|Abou|Abo|Umm|Um|Omm|Abū)[ \t]+[A-Z][\w'’]+"
    r"(?:(?:[ \t]+|-)(?:al|el|Al|El|ad|as|ash|at|an|ar|az|bin|ibn)(?:-|[ \t]+)[A-Z]?[\w'’]+)*"
)
_PSEUDONYM = re.compile(
    r"(?:(?:whom|who|that)[ \t]+(?:I|we)(?:'ll|’ll|[ \t]+will|[ \t]+shall|[ \t]+would|"
    r"[ \t]+will[ \t]+here)?[ \t]+call|"
    r"(?:I|we)(?:'ll|’ll|[ \t]+will|[ \t]+shall)[ \t]+call[ \t]+(?:him|her)|"
    r"(?P<naming>identified|known|named|called|dubbed|nicknamed|referred[ \t]+to)"
    r"(?:[ \t]+(?:here|below|hereafter|in[ \t]+this[ \t]+(?:article|report|note)))?(?:[ \t]+only)?"
    r"(?:[ \t]+(?:as|by[ \t]+(?:the|his|her)[ \t]+(?:name|nom[ \t]+de[ \t]+guerre|kunya|alias|"
    r"pseudonym)))?|"
    r"g(?:ave|ives?)[ \t]+(?:his|her)[ \t]+(?:first[ \t]+)?name[ \t]+(?:only[ \t]+)?as|"
    r"calls?[ \t]+(?:himself|herself)|"
    r"(?:goes|went)[ \t]+by(?:[ \t]+the[ \t]+name)?|"
    r"(?:pseudonym|alias|nom[ \t]+de[ \t]+guerre|kunya)(?:[ \t]+of)?)"
    r"[ \t]+(?P<name>" + _NAME + ")"
)
# Initials standing for a withheld name ("the defendant, M.K.,"), not abbreviations.
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.[ \t]?){1,2}[A-Z]\.(?![\w])")
_NOT_INITIALS = frozenset({"U.S.", "U.K.", "U.N.", "E.U.", "D.C.", "A.M.", "P.M.", "U.S.A.",
                           "N.Y.", "L.A.", "B.C.", "A.D.", "I.S.", "Q.C.", "K.C.", "R.I.P.",
                           "P.S.", "E.g.", "I.e."})
# Transcript labels naming the programme's host, and labels for a guest with no name.
_HOST_LABELS = frozenset({"host", "presenter", "interviewer", "anchor", "moderator", "reporter",
                          "journalist", "correspondent", "narrator"})
_GENERIC_LABELS = frozenset({"guest", "caller", "speaker", "interviewee", "witness", "man",
                             "woman", "defector", "fighter", "respondent"})
_NOT_REAL_NAME = re.compile(r"\((?:not (?:his|her|their) real name|a pseudonym|name changed)\)")
_WRITER_PHRASE = re.compile(
    r"\b(?:the|this)[ \t]+(?:author|writer|reporter|correspondent|interviewer)\b|"
    r"\btold[ \t]+(?:me|us)\b",
    re.IGNORECASE,
)
_SPEAKER_INDEF = frozenset({"a", "an", "one", "another"})
_SPEAKER_DEF = frozenset({"the", "this", "that"})
_NAMING_LEMMAS = frozenset(
    {"know", "call", "name", "dub", "nickname", "identify", "go", "refer", "introduce"}
)
_PLACE_WORDS = frozenset(
    {
        "square", "street", "road", "mosque", "hospital", "prison", "camp", "brigade",
        "university", "institute", "center", "centre", "airport", "bridge", "park", "district",
        "province", "city", "mountains", "valley", "river", "school", "college", "army",
    }
)
_BYLINE_AFTER = re.compile(r"[ \t]+(?:writes|reports)[ \t]*:")
_BYLINE_BEFORE = re.compile(
    r"(?:^|\n)[ \t|]*(?:[Bb]y|(?:[A-Z][a-z]+[ \t]+)?(?:[Tt]hread|[Pp]ost|[Ee]ssay|[Bb]log|"
    r"[Mm]emoir|[Dd]iary)[ \t]+by)[ \t]+$")
# "I'm Yusuf", "My name is Yusuf", "I was Abu Hamza" in the narration: the writer's name
_WRITER_SELF_NAME = re.compile(r"\b(?:I'm|I’m|I am|I was|[Mm]y name is|[Mm]y name was|"
                               r"[Tt]hey called me|[Pp]eople call me)[ \t]+$")
_APPOS_GAP = re.compile(r"[ \t]*,[ \t]*(?:\d{1,3}[ \t]*,[ \t]*)?(?=\S)")
_FOLLOW_GAP = re.compile(r"[ \t]*,?[ \t]*(?=\S)")
# Verbs whose subject is almost always a person (used to accept unlabelled names).
_HUMAN_VERBS = SPEECH_VERBS | {
    "join", "leave", "flee", "escape", "defect", "desert", "surrender", "travel", "marry",
    "meet", "live", "spend", "return", "grow", "want", "decide", "die", "work", "study",
    "arrive", "pledge", "regret", "believe", "feel", "smile", "laugh", "cry", "weep",
}
_ORG_WORDS = frozenset(
    {
        "group", "state", "news", "agency", "party", "council", "ministry", "front", "forces",
        "times", "post", "network", "media", "press", "company", "bank", "service", "office",
        "committee", "court", "police", "government", "brigades", "foundation", "department",
        "tv", "radio", "channel", "daily", "journal", "review", "magazine", "corps", "union",
    }
)
# Left dependents that belong to a noun phrase (not a clause subject like "making *him* a…").
_NP_LEFT_DEPS = frozenset(
    {"det", "amod", "compound", "nummod", "poss", "npadvmod", "advmod", "predet", "nmod",
     "punct", "quantmod", "case"}
)
_CONVERSE: dict[str, tuple[str, ...]] = {
    "uncle": ("nephew", "niece"), "aunt": ("nephew", "niece"),
    "nephew": ("uncle", "aunt"), "niece": ("uncle", "aunt"),
    "mother": ("son", "daughter", "child"), "father": ("son", "daughter", "child"),
    "parent": ("son", "daughter", "child"), "mom": ("son", "daughter"), "mum": ("son", "daughter"),
    "dad": ("son", "daughter"), "son": ("mother", "father", "parent"),
    "daughter": ("mother", "father", "parent"), "husband": ("wife",), "wife": ("husband",),
    "brother": ("brother", "sister"), "sister": ("brother", "sister"),
    "grandfather": ("grandson", "granddaughter"), "grandmother": ("grandson", "granddaughter"),
    "cousin": ("cousin",),
}
# "the second man", "the other woman": a definite description of someone new
# Titles of the other parties in a trial, an interview or an arrest.
_PARTY_NOUNS = frozenset({"judge", "prosecutor", "magistrate", "lawyer", "attorney", "counsel",
                          "interpreter", "translator", "investigator", "officer",
                          "jury", "court", "psychologist", "psychiatrist"})
_NEW_REFERENT = frozenset({"second", "third", "fourth", "fifth", "other", "next", "last"})
_PLACE_PREPS = frozenset({"in", "near", "outside", "across", "towards", "via"})
_COMPASS = frozenset({"north", "south", "east", "west", "northern", "southern", "eastern",
                      "western", "central", "upper", "lower", "greater"})
_SUBJECT_WINDOW = 300  # characters: about the current and the previous sentence
_GENERIC_DETS = frozenset(
    {"every", "each", "any", "no", "some", "many", "most", "few", "such", "which", "what"}
)


@dataclass
class _Cand:
    """A candidate mention before grouping."""

    span: Span
    kind: str  # name | alias | descriptor | pronoun | nominal | speaker_label | writer
    head: Any = None  # spaCy head token when known
    definite: bool = False
    gender: str | None = None
    key: frozenset[str] = frozenset()
    inside_quote: bool = False
    possessor: Any = None  # for kin descriptors ("his mother"): the possessor token


@dataclass
class _PersonBuild:
    person: Person
    key: set[str] = field(default_factory=set)
    gender: str | None = None
    last: int = -1
    is_writer: bool = False
    subject_at: int = -1_000_000  # position of the latest mention as a grammatical subject
    has_intro: bool = False  # introduced by a name or descriptor (not only a pronoun)


def main_clause(verb: Any) -> bool:
    """Is ``verb`` the main verb of its sentence (the root, or conjoined with it)? Subjects
    of main clauses are the likeliest antecedents of the next pronoun; the subject of an
    embedded clause ("where *a woman* arranged the crossing") is not."""
    node = verb
    for _ in range(6):
        if node.dep_ == "ROOT" or node.head.i == node.i:
            return True
        if node.dep_ == "ccomp" and node.i < node.head.i and \
                node.head.lemma_.lower() in SPEECH_VERBS:
            node = node.head  # "X followed a friend…, he told reporters": reported main clause
            continue
        if node.dep_ != "conj":
            return False
        node = node.head
    return False


_QUANTIFIERS = frozenset({"each", "every", "everyone", "everybody", "anyone", "anybody",
                          "nobody", "someone", "somebody", "whoever", "none"})


def _bound_by_quantifier(pron: Any) -> bool:
    """Is a pronoun bound by a quantified subject of a clause above it ("*each* says the
    group *he* joined", "*every* recruit who left says *he*…")? It then names nobody."""
    node = pron
    for _ in range(8):
        for c in node.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i != pron.i and (
                    c.lower_ in _QUANTIFIERS or any(
                        d.dep_ == "det" and d.lower_ in ("each", "every", "any", "no")
                        for d in c.children)):
                return True
        if node.head.i == node.i:
            return False
        node = node.head
    return False


_GENERIC_MODS = frozenset({"typical", "average", "hypothetical", "ordinary", "archetypal",
                           "prototypical", "generic", "imaginary", "would-be", "potential",
                           "prospective", "future", "any", "every", "each"})
_GENERIC_MODALS = frozenset({"might", "may", "could", "should", "can", "must"})
_GENERIC_PREDICATES = frozenset({"need", "require", "tend", "deserve", "face", "risk",
                                 "typically", "usually", "often"})


def _generic_singular(tok: Any, det: str) -> bool:
    """A singular noun phrase of the writer's analysis that refers to no one in particular:
    "the typical recruit", "a returnee who left because … needs a different approach",
    "one former fighter might say …". Specific people are described in the past or with a
    speech verb ("a former fighter says"); generic ones with modals and tendencies."""
    if any(c.dep_ == "amod" and c.lower_ in _GENERIC_MODS for c in tok.children):
        return True
    if det not in ("a", "an", "one") and not (tok.i > 0 and tok.doc[tok.i - 1].lower_ == "one"):
        return False
    if tok.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = tok.head
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    kids = list(verb.children)
    if any(c.dep_ == "aux" and c.lower_ in _GENERIC_MODALS for c in kids):
        return True
    return verb.tag_ in ("VBZ", "VBP") and (verb.lemma_.lower() in _GENERIC_PREDICATES or any(
        c.lower_ in _GENERIC_PREDICATES for c in kids if c.dep_ == "advmod"))


def _enclosing_referents(pron: Any, by_head: dict[tuple[int, int], int]) -> frozenset[int]:
    """Persons a pronoun cannot refer to because it sits inside their own noun phrase:
    "an old imam from *his* village" (not the imam), "a woman *she* had met" (a relative
    clause whose subject is not the relative pronoun: not the woman). "A man who said *he*
    had left" may be the man, so such clauses exclude nobody."""
    out: set[int] = set()
    doc_id = id(pron.doc)
    node = pron
    for _ in range(8):
        if node.head.i == node.i:
            break
        parent = node.head
        if node.dep_ == "relcl":
            subj_rel = any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("who", "that",
                                                                              "which", "whom")
                           for c in node.children)
            owner = by_head.get((doc_id, parent.i))
            if not subj_rel and owner is not None:
                out.add(owner)
            break
        if parent.pos_ in ("VERB", "AUX"):
            if parent.dep_ != "relcl":
                break
        elif parent.pos_ in ("NOUN", "PROPN") and node.dep_ in ("pobj", "prep", "poss"):
            owner = by_head.get((doc_id, parent.i))
            if owner is not None and node.dep_ != "poss":
                out.add(owner)
        node = parent
    return frozenset(out)


def name_key(name: str) -> frozenset[str]:
    """Distinctive lowercase tokens of a name: particles, honorifics and initials dropped."""
    words = re.split(r"[\s\-]+", name.replace("’s", "").replace("'s", ""))
    out = set()
    kunya: str | None = None
    for w in words:
        w2 = w.strip(".,;:'’\"“”()").lower()
        if w2 in _KUNYA_WORDS:
            kunya = _KUNYA_WORDS[w2]
            continue
        if not w2 or w2 in NAME_PARTICLES or w2 in HONORIFICS or len(w2) == 1:
            kunya = None
            continue
        if kunya is not None:
            # "Umm Yazan" is Yazan's mother and "Abu Hamza" Hamza's father: the kunya is
            # one name, never matched by the child's name alone
            out.add(f"{kunya} {w2}")
            kunya = None
            continue
        out.add(w2)
    return frozenset(out)


_KUNYA_WORDS = {"abu": "abu", "abou": "abu", "abo": "abu", "umm": "umm", "um": "umm",
                "omm": "umm", "oum": "umm"}


class _Covered:
    """Character positions covered by name mentions: O(length) overlap tests."""

    def __init__(self, size: int):
        self.mask = bytearray(size)
        self.spans: list[Span] = []

    def append(self, span: Span) -> None:
        self.spans.append(span)
        self.mask[span.start : span.end] = b"\x01" * len(span)

    def overlaps(self, span: Span) -> bool:
        return any(self.mask[span.start : span.end])

    def inside(self, span: Span) -> bool:
        """Are the covered positions within ``span`` whole names (none crosses its edges)?"""
        start, end = span.start, span.end
        left = start > 0 and self.mask[start - 1] and self.mask[start]
        right = end < len(self.mask) and self.mask[end - 1] and self.mask[end]
        return not (left or right)


_SELF_INTRO = re.compile(r"\b(?:I'm|I’m|I am|my name is|this is|it's|it’s)\s+$",
                         re.IGNORECASE)
_GUEST_INTRO = re.compile(
    r"\b(?:my|our)\s+(?:first\s+|next\s+|special\s+)?guest\s+(?:today\s+|tonight\s+|"
    r"this\s+week\s+|now\s+)?(?:is|was)\s+(?P<np>(?:a|an|the)\s+[^.;!?]{3,200}?)"
    r"(?=[.;!?]|$)", re.IGNORECASE)
_PHRASE_BREAK = re.compile(r"[\n.!?\"“”«»¨]")


def clip_phrase(text: str, span: Span) -> Span:
    """Cut a noun phrase the parser let run back over a line break, a sentence end or a
    quotation mark: only what follows the last such break belongs to the phrase."""
    start = span.start
    for m in _PHRASE_BREAK.finditer(text, span.start, span.end):
        if m.group() == "." and m.start() + 1 < span.end and not text[m.start() + 1].isspace():
            continue  # "U.S.", "St.Louis"
        start = m.end()
    while start < span.end and text[start].isspace():
        start += 1
    return Span(start, span.end) if start < span.end else span


def _person_noun_like(tok: Any) -> bool:
    """A person noun, or an agent noun ("cleaner", "translator", "activist") with a/an."""
    lemma = tok.lemma_.lower()
    if lemma in PERSON_NOUNS:
        return True
    return tok.pos_ == "NOUN" and lemma.endswith(("er", "or", "ist", "ian")) and any(
        c.dep_ == "det" and c.lower_ in ("a", "an") for c in tok.children)


def plausible_name(name: str) -> bool:
    """False for capitalised phrases that are not names: "ISIL Defectors", "Former Fighter"."""
    return not any(
        w.lower().strip(".,'’") in GROUP_TERMS or w.lower().rstrip("s") in PERSON_NOUNS
        for w in name.split()
    )


def _clean_entity(text: str, span: Span) -> Span | None:
    """Trim possessives, line breaks and leading honorific-free junk from a PERSON entity."""
    start, end = span.start, span.end
    seg = text[start:end]
    nl = seg.find("\n")
    if nl >= 0:
        end = start + nl
        seg = seg[:nl]
    for suffix in ("'s", "’s", "'", "’"):
        if seg.endswith(suffix):
            end -= len(suffix)
            seg = seg[: -len(suffix)]
            break
    seg_stripped = seg.rstrip(" ,;:")
    end -= len(seg) - len(seg_stripped)
    seg = seg_stripped
    if not seg or not seg[0].isupper():
        return None
    first = seg.split()[0].lower().strip(".")
    if first in NOT_PERSON_NAMES or seg.lower() in NOT_PERSON_NAMES:
        return None
    if seg.isupper() and len(seg) <= 6:
        return None
    if len(seg.split()) > 5 or "/" in seg or text[end : end + 1] == "/":
        return None  # photo credits: "Name/Agency"
    if seg.split()[-1].lower() in _PLACE_WORDS:
        return None
    if not plausible_name(seg):
        return None
    if all(_is_demonym(w) for w in seg.split()):
        return None  # "another Tajik", "the Uzbek": a nationality, not a name
    return Span(start, end)


def _is_demonym(word: str) -> bool:
    """Is ``word`` a nationality, ethnicity or region adjective ("Tajik", "Uzbeks")?"""
    gaz = load_gazetteer()
    for form in (word, word[:-1] if word.endswith("s") else word):
        if any(e.kind in ("demonym", "ethnic", "region") for e in gaz.lookup(form)):
            return True
    return False


class _Grouper:
    def __init__(self, reading: DocumentReading):
        self.reading = reading
        self.text = reading.document.text
        self.index = TokenIndex.of(reading)
        direct = [q.span for q in reading.quotes if q.kind in ("direct", "transcript")]
        self.quote_spans = sorted(direct, key=lambda s: s.start)
        self.quote_starts = [s.start for s in self.quote_spans]
        self.builds: list[_PersonBuild] = []
        self.writer: int | None = None
        self.kin: dict[int, tuple[int | None, str]] = {}
        self.span_owner: dict[tuple[int, int], int] = {}
        # persons in order of their latest mention so far (most recent last)
        self.recency: OrderedDict[int, None] = OrderedDict()
        self._places: set[str] | None = None

    # -- helpers -----------------------------------------------------------------
    def inside_quote(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quote_starts, pos) - 1
        # direct and transcript spans do not nest, so the last one starting before
        # ``pos`` (or the one before it, for a transcript line holding a quote) decides
        spans = self.quote_spans
        return any(0 <= j < len(spans) and spans[j].start <= pos < spans[j].end for j in (i, i - 1))

    def new_person(self, cand: _Cand | None, writer: bool = False) -> int:
        build = _PersonBuild(Person(), is_writer=writer)
        self.builds.append(build)
        idx = len(self.builds) - 1
        if writer:
            build.person.descriptor = "the writer"
            build.person.role = "journalist"
            self.writer = idx
        if cand is not None:
            self.add(idx, cand)
        return idx

    def add(self, idx: int, cand: _Cand) -> None:
        build = self.builds[idx]
        kind = cand.kind if cand.kind != "writer" else "nominal"
        build.person.mentions.append(Mention(span=cand.span, kind=kind))  # type: ignore[arg-type]
        self.span_owner[(cand.span.start, cand.span.end)] = idx
        if cand.kind in ("name", "alias"):
            build.key |= cand.key
            build.has_intro = True
            cur = build.person.name
            name = cand.span.text_of(self.text)
            if cur is None or (len(name) > len(cur) and cand.kind == "name") or (
                    cur.isupper() and not name.isupper() and len(name) >= len(cur)):
                build.person.name = name  # the fuller name; "Tomas" over a label's "TOMAS"
            if cand.kind == "alias" and cur is not None and cand.key and not (cand.key & name_key(
                    cur)):
                build.person.name = name
        elif cand.kind in ("descriptor", "nominal"):
            build.has_intro = True
            if build.person.descriptor is None and not build.is_writer:
                build.person.descriptor = self.descriptor_text(cand)
        if cand.gender and build.gender is None:
            build.gender = cand.gender

    def descriptor_text(self, cand: _Cand) -> str:
        """The introducing phrase: the noun phrase plus a following 'from …'/relative clause."""
        head = cand.head
        if head is None:
            return cand.span.text_of(self.text)
        start = cand.span.start
        end = cand.span.end
        for child in head.rights:
            if child.dep_ in ("prep", "relcl", "acl") and (child.dep_ != "prep" or child.lower_ in (
                    "from", "of", "in", "with", "who")):
                sub = self.index.subtree_span(child)
                if sub.end - start <= 160:
                    end = max(end, sub.end)
        return self.text[start:end]

    def touch(self, idx: int, pos: int, span: Span | None = None) -> None:
        """Record that person ``idx`` was just mentioned at ``pos`` (reading in order), and
        whether as a grammatical subject (subjects are the likelier antecedents)."""
        self.builds[idx].last = pos
        if span is not None and any(
                (t.dep_ in ("nsubj", "nsubjpass") and main_clause(t.head)) or (
                    # "The second, a young Syrian, said …": the subject's apposition
                    t.dep_ == "appos" and t.head.dep_ in ("nsubj", "nsubjpass")
                    and main_clause(t.head.head))
                for t in self.index.in_span(span)):
            self.builds[idx].subject_at = pos
        self.recency[idx] = None
        self.recency.move_to_end(idx)

    def compatible(self, build: _PersonBuild, gender: str | None) -> bool:
        return gender is None or build.gender is None or build.gender == gender

    def recent(self, pos: int, gender: str | None, exclude_writer: bool = True,
               exclude: frozenset[int] = frozenset(), obj: bool = False) -> int | None:
        """The antecedent of a pronoun or definite description at ``pos``: among the three
        most recently mentioned compatible persons, the first seen as a main-clause subject
        just before, else the first whose gender
        is known to match, else the most recent. ``exclude`` are persons the pronoun cannot
        be (the noun its relative clause describes: "a woman she had met"). An object
        pronoun ("a smuggler took *her* out") prefers the person a relative candidate is
        the relative of ("*her mother* paid a smuggler who took *her* out")."""
        candidates: list[int] = []
        for i in reversed(self.recency):
            b = self.builds[i]
            if (exclude_writer and b.is_writer) or b.last >= pos or i in exclude:
                continue
            if self.compatible(b, gender):
                candidates.append(i)
                if len(candidates) == 3:
                    break
        if not candidates:
            return None
        chosen: int | None = None
        recent_subjects = [i for i in candidates
                           if pos - self.builds[i].subject_at < _SUBJECT_WINDOW]
        if recent_subjects:
            chosen = recent_subjects[0]
        if chosen is None:
            chosen = next((i for i in candidates
                           if gender is not None and self.builds[i].gender == gender),
                          candidates[0])
        if obj and chosen in self.kin:
            target = self.kin[chosen][0]
            if target is not None and target in candidates:
                return target
        return chosen

    def match_name(self, key: frozenset[str]) -> int | None:
        if not key:
            return None
        best: int | None = None
        for i, b in enumerate(self.builds):
            if b.is_writer or not b.key:
                continue
            if key <= b.key or b.key <= key:
                best = i
        return best

    # -- candidates ------------------------------------------------------------------
    def candidates(self) -> list[_Cand]:
        text = self.text
        cands: list[_Cand] = []
        name_spans = _Covered(len(text))
        for m in _KUNYA.finditer(text):
            span = Span(m.start(), m.end())
            name_spans.append(span)
            cands.append(_Cand(span, "name", key=name_key(m.group()),
                               gender="f" if m.group().lower().startswith(("umm", "um ", "omm"))
                               else "m"))
        for m in _INITIALS.finditer(text):
            if m.group().replace(" ", "") in _NOT_INITIALS:
                continue
            span = Span(m.start(), m.end())
            if not self._person_word_near(span):
                continue
            name_spans.append(span)
            cands.append(_Cand(span, "name", key=frozenset({m.group().replace(" ", "").lower()}),
                               head=self.index.at(m.start())))
        for m in _PSEUDONYM.finditer(text):
            raw = re.split(r"(?<=[a-z\u00e0-\u024f]{2})\.[ \t]", m.group("name"))[0]  # "X. He"
            name = raw.rstrip(".") if not re.search(r"\b[A-Z]\.$", raw) else raw
            words = name.split()
            while words and words[-1].lower() in NOT_PERSON_NAMES | {"the", "a"}:
                words.pop()
            if not words or words[0].lower() in NOT_PERSON_NAMES | {"i", "we", "he", "she"}:
                continue
            name = " ".join(words)
            if m.group("naming") and not self._person_word_before(m.start()):
                continue  # "a town called X" names a place
            span = Span(m.start("name"), m.start("name") + len(name))
            overlapping = [c for c in cands if c.span.overlaps(span)]
            if overlapping:
                for c in overlapping:
                    c.kind = "alias"
                continue
            name_spans.append(span)
            cands.append(_Cand(span, "alias", key=name_key(name)))
        for ent_span, label in self.reading.scratch.get("entities", []):
            if label != "PERSON":
                continue
            cleaned = _clean_entity(text, ent_span)
            if cleaned is None or name_spans.overlaps(cleaned):
                continue
            span = cleaned
            key = name_key(span.text_of(text))
            if not key:
                continue
            tok = self.index.at(span.start)
            if self._place_like(span, tok):
                continue
            ent_toks = list(self.index.in_span(span))
            if ent_toks and not any(t.pos_ == "PROPN" for t in ent_toks):
                continue  # "Ending Hunger": capitalised ordinary words, not a name
            last = self.index.at(span.end - 1)
            if last is not None and last.i + 1 < len(last.doc):
                nxt = last.doc[last.i + 1]
                if nxt.pos_ == "NOUN" and nxt.lemma_.lower() in PERSON_NOUNS:
                    continue  # "Uzbek man": an adjective of nationality, not a name
            if last is not None and last.dep_ == "compound" and last.head.pos_ == "NOUN" and \
                    last.head.lemma_.lower() not in PERSON_NOUNS:
                continue  # "the Smith administration", "the Lenin museum": a modifier
            gender = None
            if tok is not None and tok.i > 0:
                gender = gender_of_word(tok.doc[tok.i - 1].text.rstrip("."))
            first = text[span.start:span.end].split()[0].lower()
            gender = gender or gender_of_word(first.rstrip("."))
            name_spans.append(span)
            cands.append(_Cand(span, "name", head=tok, key=key, gender=gender))
        # proper-noun subjects of speech verbs that the entity recogniser missed
        for tok in self.index.tokens:
            if tok.pos_ == "PROPN" and tok.dep_ == "nsubj" and tok.ent_type_ not in (
                    "DATE", "TIME", "NORP") and tok.head.lemma_.lower() in SPEECH_VERBS and \
                    tok.lower_ not in NOT_PERSON_NAMES and tok.text[:1].isupper() and \
                    not tok.text.isupper():
                if tok.ent_type_ not in ("", "PERSON") and not self._person_context(tok):
                    continue  # "Reuters said", "Turkey said": not a person
                span = speaker_mention_span(self.index, tok)
                if name_spans.overlaps(span):
                    continue
                key = name_key(span.text_of(text))
                if key and plausible_name(span.text_of(text)):
                    name_spans.append(span)
                    cands.append(_Cand(span, "name", head=tok, key=key))
        # multi-word proper-noun subjects the recogniser left unlabelled ("Omid Sharifi left")
        for tok in self.index.tokens:
            if tok.pos_ not in ("PROPN", "NOUN") or tok.dep_ not in ("nsubj", "nsubjpass") or \
                    tok.ent_type_ not in ("", "ORG", "GPE"):
                continue
            described = any(c.dep_ == "appos" and _person_noun_like(c)
                            for c in tok.children)  # "Leyla, a hospital cleaner, says …"
            if tok.head.lemma_ == "be" and any(  # "Leyla is 35, a former teacher …"
                    c.dep_ == "attr" and (c.lemma_.lower() in PERSON_NOUNS or any(
                        a.dep_ == "appos" and a.lemma_.lower() in PERSON_NOUNS
                        for a in c.children)) for c in tok.head.children):
                described = True
            single = False
            if tok.pos_ == "PROPN" and tok.text[:1].isupper() and tok.text[1:2].islower() and \
                    not any(e.kind in ("country", "city", "place", "region", "nationality")
                            for e in load_gazetteer().lookup(tok.text)):
                # "Tamer is forty", "Rami is Syrian": a capitalised subject given an age
                # or a nationality is a person (places come from the gazetteer)
                if tok.head.lemma_ == "be" and any(
                        c.dep_ in ("attr", "acomp") and (c.like_num or c.ent_type_ in (
                            "CARDINAL", "NORP") or load_gazetteer().nationality(c.text))
                        for c in tok.head.children):
                    described = single = True
                elif tok.head.lemma_.lower() in _HUMAN_VERBS and tok.ent_type_ in ("", "PERSON")\
                        and tok.dep_ == "nsubj" and not any(
                            c.dep_ in ("compound", "det", "poss") for c in tok.children):
                    single = True  # "Tamer says", "Tamer remembers"
            if tok.pos_ == "NOUN" and not (described and tok.text[:1].isupper()
                                           and tok.text[1:2].islower()
                                           and tok.lower_ not in PERSON_NOUNS):
                continue
            if not described and (tok.head.lemma_.lower() not in _HUMAN_VERBS
                                  or tok.ent_type_ == "GPE"):
                continue
            span = speaker_mention_span(self.index, tok)
            if tok.ent_type_ == "ORG" and not any(
                    s == span for s, lab in self.reading.scratch.get("entities", [])
                    if lab == "ORG" and s.start == span.start):
                continue  # part of a longer organisation name
            words = span.text_of(text).split()
            min_words = 1 if described or single else 2
            if not min_words <= len(words) <= 4 or not all(
                    (w[:1].isupper() and w[1:2].islower()) or w.lower() in NAME_PARTICLES
                    for w in words):
                continue
            if name_spans.overlaps(span) or words[0].lower() in NOT_PERSON_NAMES:
                continue
            if words[-1].lower() in _PLACE_WORDS | _ORG_WORDS or any(
                    w.lower() in PERSON_NOUNS | OFFICIAL_NOUNS | GROUP_TERMS for w in words):
                continue
            key = name_key(span.text_of(text))
            if key and plausible_name(span.text_of(text)):
                name_spans.append(span)
                cands.append(_Cand(span, "name", head=tok, key=key))
        cands.extend(self.descriptors(name_spans))
        cands.extend(self.pronouns())
        for m in _WRITER_PHRASE.finditer(text):
            if not self.inside_quote(m.start()):
                cands.append(_Cand(Span(m.start(), m.end()), "writer"))
        labels: dict[tuple[int, int], str] = self.reading.scratch.get("transcript_labels", {})
        if labels:
            # "HOST:", "SISTER:": speaker labels are linked with their quotes, not as mentions
            label_spans = _Covered(len(text))
            for a, b in labels:
                label_spans.append(Span(a, b))
            cands = [c for c in cands if not label_spans.overlaps(c.span)]
        for c in cands:
            c.inside_quote = self.inside_quote(c.span.start)
        cands.sort(key=lambda c: (c.span.start, c.span.end))  # pronoun before its phrase
        return cands

    def _place_like(self, span: Span, tok: Any) -> bool:
        """A PERSON entity that is a place: after "in"/"from"/"near" ("his trial in X",
        "a teacher from East X") and not a possessive, or the last word of a place entity
        found elsewhere in the document."""
        text = self.text
        if text[span.end : span.end + 2] in ("'s", "’s"):
            return False
        if tok is not None and tok.i > 0 and tok.doc[tok.i - 1].lower_ in _PLACE_PREPS:
            return True
        name = span.text_of(text)
        if name in self._place_words():
            return True
        # "a teacher from X": a person after "from" only if X is no known place
        return bool(tok is not None and tok.i > 0 and tok.doc[tok.i - 1].lower_ == "from"
                    and any(e.kind in ("country", "city", "place", "region")
                            for e in load_gazetteer().lookup(name)))

    def _place_words(self) -> set[str]:
        if self._places is None:
            self._places = set()
            for ent_span, label in self.reading.scratch.get("entities", []):
                if label in ("GPE", "LOC", "FAC"):
                    words = ent_span.text_of(self.text).split()
                    self._places.add(" ".join(words))
                    if len(words) > 1 and words[0].lower() in _COMPASS:
                        self._places.add(" ".join(words[1:]))
        return self._places

    def _person_context(self, tok: Any) -> bool:
        """Is a proper noun the entity recogniser took for a place or organisation used as a
        person: "X, a young man, …", or he/she in the same sentence?"""
        if any(t.lower_ in ("he", "she", "his", "her", "him") for t in tok.sent):
            return True
        return any(c.dep_ == "appos" and c.lemma_.lower() in PERSON_NOUNS for c in tok.children)

    def _person_word_near(self, span: Span) -> bool:
        """Initials used as a name: next to a person noun ("the defendant, M.K.", "M.K., a
        driver"), after a title, or as the subject of a verb people do."""
        before = re.findall(r"[A-Za-z.-]+", self.text[max(0, span.start - 30) : span.start])[-2:]
        after = re.findall(r"[A-Za-z-]+", self.text[span.end : span.end + 30])[:3]
        words = {w.lower().rstrip(".") for w in before + after}
        if words & (PERSON_NOUNS | {"mr", "mrs", "ms", "dr", "v", "vs", "defendant", "accused",
                                    "appellant", "claimant", "applicant", "named"}):
            return True
        tok = self.index.at(span.start)
        return tok is not None and tok.dep_ in ("nsubj", "nsubjpass") and \
            tok.head.lemma_.lower() in _HUMAN_VERBS

    def _person_word_before(self, pos: int) -> bool:
        """Is there a person noun among the six words before ``pos``?"""
        words = re.findall(r"[A-Za-z-]+", self.text[max(0, pos - 80) : pos])[-6:]
        return any(w.lower().rstrip("s") in PERSON_NOUNS or w.lower() in PERSON_NOUNS
                   for w in words)

    def descriptors(self, name_spans: _Covered) -> list[_Cand]:
        out: list[_Cand] = []
        for tok in self.index.tokens:
            lemma = tok.lemma_.lower()
            is_noun = (tok.pos_ == "NOUN" and lemma in PERSON_NOUNS and tok.tag_ == "NN") or (
                tok.pos_ == "PROPN" and tok.lower_ in PERSON_NOUNS and tok.tag_ == "NNP")
            norp_dets = _SPEAKER_INDEF | {"the"} if tok.tag_ in ("NNP", "NN") else _SPEAKER_INDEF
            is_norp = (tok.ent_type_ == "NORP" or (tok.text[:1].isupper() and _is_demonym(
                tok.text))) and tok.pos_ in ("PROPN", "NOUN", "ADJ") and \
                (tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "appos", "attr", "ROOT")
                 or (tok.tag_ in ("NNP", "NN") and tok.dep_ not in ("amod", "compound"))) and \
                tok.tag_ in ("NNP", "NN", "JJ") and any(
                    c.dep_ == "det" and c.lower_ in norp_dets for c in tok.children)
            # any singular noun with "who" is a person: "another local fight(er) who joined…"
            is_who = tok.pos_ == "NOUN" and tok.tag_ == "NN" and any(
                c.dep_ == "relcl" and any(g.lower_ == "who" and g.dep_ in ("nsubj", "nsubjpass")
                                          for g in c.children) for c in tok.children) and any(
                c.dep_ == "det" and c.lower_ in _SPEAKER_INDEF | _SPEAKER_DEF
                for c in tok.children)
            # "X, a national of Y and a baker by trade": an agent noun conjoined with or in
            # apposition to a person description
            is_agent = tok.pos_ == "NOUN" and tok.tag_ == "NN" and _person_noun_like(tok) and (
                (tok.dep_ == "conj" and tok.head.lemma_.lower() in PERSON_NOUNS)
                or (tok.dep_ == "appos" and tok.head.pos_ == "PROPN"))
            if not (is_noun or is_norp or is_who or is_agent):
                continue
            if lemma in GENERIC_PERSON_NOUNS and not any(
                    c.dep_ in ("amod", "compound", "nummod") for c in tok.children):
                continue
            if tok.dep_ == "compound" or tok.dep_ == "poss":
                continue  # "defector camp", "the fighter's wife" (the wife is the head)
            tok_start = self.index.start_of(tok)
            if name_spans.overlaps(Span(tok_start, tok_start + len(tok.text))):
                continue  # the noun is part of a name
            # the nearest determiner (a misparse can hang a far "the" on the noun)
            dets = [c for c in tok.children if c.dep_ in ("det", "poss", "predet")
                    and c.i < tok.i][-1:]
            det = dets[0].lower_ if dets else ""
            if det in _GENERIC_DETS or any(c.lower_ in _GENERIC_DETS for c in tok.children
                                           if c.dep_ == "amod"):
                continue
            if _generic_singular(tok, det):
                continue  # "a returnee who left … needs …", "the typical recruit": nobody
            possessor = None
            if dets and dets[0].dep_ == "poss":
                possessor = dets[0]
            mods = [c for c in tok.lefts if c.dep_ in _NP_LEFT_DEPS]
            start = self.index.start_of(mods[0].left_edge if mods else tok)
            end = self.index.start_of(tok) + len(tok.text)
            if start >= end or end - start > 200:
                start = self.index.start_of(tok)
            span = clip_phrase(self.text, Span(start, end))
            if name_spans.overlaps(span) and not name_spans.inside(span):
                span = Span(self.index.start_of(tok), end)
            definite = det in _SPEAKER_DEF or possessor is not None
            gender = gender_of_word(lemma)
            if gender is None:
                for c in tok.children:
                    if c.dep_ in ("amod", "compound"):
                        gender = gender or gender_of_word(c.lower_)
            if lemma in WRITER_NOUNS and det in ("this",):
                out.append(_Cand(span, "writer", head=tok))
                continue
            kind = "descriptor" if not definite or det in ("the",) else "nominal"
            if not dets and tok.dep_ not in ("appos", "attr"):
                # bare noun: "deserter Abu Yahya" is handled as a name modifier
                kind = "nominal"
            out.append(_Cand(span, kind, head=tok, definite=definite or not dets,
                             gender=gender, possessor=possessor))
        return out

    def pronouns(self) -> list[_Cand]:
        out: list[_Cand] = []
        for tok in self.index.tokens:
            low = tok.lower_
            if tok.pos_ != "PRON":
                continue
            if low in MALE_PRONOUNS:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="m"))
            elif low in FEMALE_PRONOUNS:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="f"))
            elif low in FIRST_PERSON:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="i"))
        return out

    # -- grouping --------------------------------------------------------------------
    def attached_name(self, cand: _Cand, by_head: dict[tuple[int, int], int]) -> int | None:
        """Person of a name syntactically tied to a descriptor (apposition, naming, copula)."""
        tok = cand.head
        if tok is None:
            return None
        doc_id = id(tok.doc)

        def owner(t: Any) -> int | None:
            return by_head.get((doc_id, t.i))

        # descriptor in apposition to a name, or a name in apposition/compound to it
        if tok.dep_ in ("appos", "npadvmod") and owner(tok.head) is not None:
            return owner(tok.head)
        # "X, a 34-year-old national from Y and a driver by trade": a second description
        # conjoined with an appositive one (the parser may hang it on the last noun)
        if tok.dep_ == "conj":
            node = tok.head
            for _ in range(3):
                if node.dep_ in ("appos", "attr") and owner(node) is not None:
                    return owner(node)
                if node.dep_ in ("appos",) and owner(node.head) is not None:
                    return owner(node.head)
                if node.head.i == node.i:
                    break
                node = node.head
        for child in tok.children:
            if child.dep_ in ("appos", "compound", "npadvmod", "nmod", "flat") and \
                    owner(child) is not None:
                return owner(child)
        # role: "he had left the group as a defector"
        if tok.dep_ == "pobj" and tok.head.lower_ == "as":
            for c in tok.head.head.children:
                if c.dep_ in ("nsubj", "nsubjpass") and owner(c) is not None:
                    return owner(c)
        # predicate: "leaving him a wanted man", "found her a widow"
        if tok.dep_ in ("oprd", "ccomp", "xcomp", "attr"):
            for c in tok.children:
                if c.dep_ in ("nsubj", "nsubjpass") and owner(c) is not None:
                    return owner(c)
        # copula: "X is a former fighter" / "he was a defector"
        if tok.dep_ == "attr" and tok.head.lemma_ == "be":
            for c in tok.head.children:
                if c.dep_ == "nsubj" and owner(c) is not None:
                    return owner(c)
        # naming: "a fighter known as X", "a man who gave his name as X"
        for desc in tok.subtree:
            if owner(desc) is None or desc.i == tok.i:
                continue
            node = desc.head
            steps = 0
            while node.i != tok.i and steps < 5:
                if node.lemma_.lower() in _NAMING_LEMMAS or node.lower_ == "name":
                    return owner(desc)
                node = node.head
                steps += 1
        return None

    def group(self) -> None:
        cands = self.candidates()
        by_head: dict[tuple[int, int], int] = {}  # (doc id, token i) of mention heads -> person
        # 1. names first, so descriptors can attach to a name that follows them
        for cand in cands:
            if cand.kind != "name":
                continue
            idx = self.match_name(cand.key)
            if idx is None:
                idx = self.new_person(cand)
            else:
                self.add(idx, cand)
            for tok in self.index.in_span(cand.span):
                by_head[((id(tok.doc), tok.i))] = idx
            if _BYLINE_AFTER.match(self.text, cand.span.end) or _BYLINE_BEFORE.search(
                    self.text, max(0, cand.span.start - 24), cand.span.start) or (
                    not cand.inside_quote and _WRITER_SELF_NAME.search(
                        self.text, max(0, cand.span.start - 40), cand.span.start)
                    and self.text[cand.span.end:cand.span.end + 2] not in ("'s", "’s")):
                build = self.builds[idx]
                if not build.is_writer and (self.writer is None):
                    build.is_writer = True
                    build.person.role = "journalist"
                    self.writer = idx
        extra = self.more_name_mentions(cands)
        for cand in extra:
            for tok in self.index.in_span(cand.span):
                by_head[(id(tok.doc), tok.i)] = self.span_owner[(cand.span.start, cand.span.end)]
        cands.extend(extra)
        cands.sort(key=lambda c: (c.span.start, c.span.end))  # pronoun before its phrase
        self.name_ends = {c.span.end: self.span_owner[(c.span.start, c.span.end)]
                          for c in cands if c.kind == "name"}
        self.name_starts = {c.span.start: self.span_owner[(c.span.start, c.span.end)]
                            for c in cands if c.kind == "name"}
        seen_indef: dict[str, int] = {}
        # 2. everything else in document order
        for cand in cands:
            pos = cand.span.start
            if cand.kind == "name":
                self.touch(self.span_owner[(cand.span.start, cand.span.end)], pos, cand.span)
                continue
            if cand.kind == "alias":
                # "a man we will call X", "code-named X": the person just mentioned
                idx = self.match_name(cand.key)
                if idx is None:
                    idx = next((i for i in reversed(self.recency)
                                if not self.builds[i].is_writer), None)
                    if idx is None or pos - self.builds[idx].last > 200:
                        idx = self.new_person(None)
                self.add(idx, cand)
                self.touch(idx, pos, cand.span)
                for tok in self.index.in_span(cand.span):
                    by_head[(id(tok.doc), tok.i)] = idx
                continue
            if cand.kind == "writer":
                idx = self.writer if self.writer is not None else self.new_person(None, True)
                self.add(idx, cand)
                self.touch(idx, pos, cand.span)
                continue
            if cand.kind == "pronoun":
                if cand.inside_quote:
                    continue
                if cand.gender == "i":
                    idx = self.writer if self.writer is not None else self.new_person(None, True)
                    self.add(idx, cand)
                    self.touch(idx, pos, cand.span)
                    continue
                head = cand.head
                if head is not None and _bound_by_quantifier(head):
                    continue  # "each says the group he joined…": nobody in particular
                exclude = _enclosing_referents(head, by_head) if head is not None else frozenset()
                is_obj = head is not None and head.dep_ in ("dobj", "pobj", "dative")
                target = self.recent(pos, cand.gender, exclude=exclude, obj=is_obj)
                if target is None:
                    # a pronoun before anyone was named (a lede quote, "he said"): someone
                    # unnamed, whom later pronouns can refer to
                    target = self.new_person(None)
                b = self.builds[target]
                if b.gender is None:
                    b.gender = cand.gender
                self.add(target, cand)
                self.touch(target, pos, cand.span)
                by_head[((id(cand.head.doc), cand.head.i))] = target
                continue
            if cand.inside_quote:
                continue
            attached = self.attached_name(cand, by_head)
            if attached is None:
                attached = self.adjacent_name(cand)
            if attached is None and not cand.definite:
                attached = seen_indef.get(cand.span.text_of(self.text).lower())
            lemma = cand.head.lemma_.lower() if cand.head is not None else ""
            if attached is not None:
                self.add(attached, cand)
                self.touch(attached, pos, cand.span)
                by_head[((id(cand.head.doc), cand.head.i))] = attached
                if cand.possessor is not None and lemma in KIN_NOUNS:
                    # "Omar's uncle, Ali Saadi": Ali is a relative of Omar
                    poss = cand.possessor
                    owner = by_head.get((id(poss.doc), poss.i))
                    if owner is not None and owner != attached:
                        self.kin.setdefault(attached, (owner, lemma))
                continue
            if cand.possessor is not None and lemma in KIN_NOUNS:
                # "his mother", "Ali's wife": a relative, a new person tied to the possessor
                poss = cand.possessor
                target = by_head.get((id(poss.doc), poss.i))
                if target is None and poss.lower_ in MALE_PRONOUNS | FEMALE_PRONOUNS:
                    target = self.recent(pos, gender_of_word(poss.lower_))
                elif target is None and poss.lower_ in FIRST_PERSON:
                    target = self.writer
                back = self._reciprocal(target, lemma)
                if back is not None:
                    # "X's uncle" … "his nephew": the nephew is X
                    self.add(back, cand)
                    self.touch(back, pos, cand.span)
                    by_head[(id(cand.head.doc), cand.head.i)] = back
                    continue
                idx = self.new_person(cand)
                self.touch(idx, pos, cand.span)
                self.kin[idx] = (target, lemma)
                by_head[((id(cand.head.doc), cand.head.i))] = idx
                continue
            if cand.possessor is not None:
                # "Omar's lawyer", "his commander": someone else than the possessor
                idx = self.new_person(cand)
                self.touch(idx, pos, cand.span)
                by_head[(id(cand.head.doc), cand.head.i)] = idx
                continue
            ordinal = cand.head is not None and any(
                c.lower_ in _NEW_REFERENT for c in cand.head.children if c.dep_ == "amod")
            if cand.definite and not ordinal:
                target = self.recent(pos, cand.gender)
                if target is not None and self._near(target, pos) and \
                        not self._other_party(target, lemma):
                    self.add(target, cand)
                    self.touch(target, pos, cand.span)
                    by_head[((id(cand.head.doc), cand.head.i))] = target
                    continue
            if cand.kind == "nominal" and not cand.definite and not ordinal:
                continue
            idx = self.new_person(cand)
            self.touch(idx, pos, cand.span)
            by_head[((id(cand.head.doc), cand.head.i))] = idx
            if not cand.definite:
                seen_indef[cand.span.text_of(self.text).lower()] = idx
        # names given only as an alias ("referred to here as X") are known only now: their
        # later bare occurrences ("X left in 2017") are that person too
        cands.extend(self.more_name_mentions(cands))
        self.resolve_in_quotes(cands)

    def _other_party(self, idx: int, lemma: str) -> bool:
        """"the judge", "the prosecutor": a definite title naming a separate party in the
        story, not the person last spoken of, unless that person was already given it."""
        if lemma not in _PARTY_NOUNS:
            return False
        # the mentions themselves and a title just before a name ("Judge X")
        said = " ".join(self.text[max(0, m.span.start - 16):m.span.end].lower()
                        for m in self.builds[idx].person.mentions
                        if m.kind in ("descriptor", "nominal", "name"))
        return re.search(rf"\b{re.escape(lemma)}", said) is None

    def more_name_mentions(self, cands: list[_Cand]) -> list[_Cand]:
        """Other occurrences of a known person's distinctive name word ("Saadi" after
        "Omar Saadi") that the entity recogniser missed, in one regex pass."""
        owners: dict[str, set[int]] = {}
        for i, b in enumerate(self.builds):
            for w in b.key:
                if len(w) >= 3:
                    owners.setdefault(w, set()).add(i)
        words = [w for w, o in owners.items() if len(o) == 1]
        if not words:
            return []
        covered = sorted((c.span.start, c.span.end) for c in cands)
        starts = [a for a, _ in covered]
        pattern = re.compile(
            r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
        out: list[_Cand] = []
        for m in pattern.finditer(self.text):
            if not m.group()[0].isupper():
                continue
            nxt = re.match(r"[ \t]+([A-Z][\w'’-]*)", self.text[m.end() : m.end() + 40])
            if nxt is not None and nxt.group(1).lower() not in owners:
                continue  # part of another proper noun ("Saadi Street")
            i = bisect.bisect_right(starts, m.start()) - 1
            if i >= 0 and covered[i][1] > m.start():
                continue
            idx = next(iter(owners[m.group().lower()]))
            cand = _Cand(Span(m.start(), m.end()), "name", head=self.index.at(m.start()),
                         key=frozenset({m.group().lower()}))
            self.add(idx, cand)
            out.append(cand)
        return out

    def resolve_in_quotes(self, cands: list[_Cand]) -> None:
        """Inside a quote, "he"/"she" refers to someone the speaker named in that quote
        ("I met my neighbour; his name was X. He told me…"), never to the narration's
        people; pronouns with no such antecedent stay unresolved."""
        last_named: tuple[int, int, int] | None = None  # (quote start, quote end, person)
        for cand in cands:
            pos = cand.span.start
            if not cand.inside_quote:
                continue
            i = bisect.bisect_right(self.quote_starts, pos) - 1
            if i < 0:
                continue
            q = self.quote_spans[i]
            if cand.kind in ("name", "alias"):
                owner = self.span_owner.get((cand.span.start, cand.span.end))
                if owner is not None and not _SELF_INTRO.search(
                        self.text, max(q.start, pos - 16), pos):
                    # "I'm Dana Lindqvist" names the speaker, whom her own "he" never means
                    last_named = (q.start, q.end, owner)
                continue
            if cand.kind != "pronoun" or cand.gender not in ("m", "f"):
                continue
            if last_named is None or last_named[0] != q.start:
                continue
            owner = last_named[2]
            if not self.compatible(self.builds[owner], cand.gender):
                continue
            self.add(owner, cand)

    def adjacent_name(self, cand: _Cand) -> int | None:
        """A name right before ("Name, a …", "Name, 26, a …") or right after
        ("former fighter Name") a descriptor names the same person."""
        text = self.text
        for end in range(cand.span.start - 1, max(cand.span.start - 9, -1), -1):
            if end in self.name_ends and _APPOS_GAP.match(text, end, cand.span.start):
                return self.name_ends[end]
        for start in range(cand.span.end, min(cand.span.end + 3, len(text)) + 1):
            if start in self.name_starts and _FOLLOW_GAP.match(text, cand.span.end, start):
                return self.name_starts[start]
        return None

    def merge_lede(self) -> None:
        """News ledes describe before they name ("An American fighter who surrendered …",
        then "Name, 26, from …"): descriptor-only persons introduced before the first name
        merge into the first person named after them, unless titles say otherwise."""
        first_pos = {i: min((m.span.start for m in b.person.mentions), default=-1)
                     for i, b in enumerate(self.builds)}
        named = sorted(
            (first_pos[i], i) for i, b in enumerate(self.builds)
            if b.key and not b.is_writer and not self._titled(b) and any(
                # a name heard only inside someone's quote ("my friend X") is a third party
                m.kind in ("name", "alias") and not self.inside_quote(m.span.start)
                for m in b.person.mentions)
        )
        paras: list[Span] = self.reading.scratch.get("paragraphs", [])
        body = [p for p in paras if len(p) > 120]  # skip headline and caption-sized lines
        lede_end = body[1].end if len(body) > 1 else (body[0].end if body else 0)
        headline = paras[0] if paras and len(paras[0]) <= 160 else None
        first_named = named[0][0] if named else len(self.text)
        merges: dict[int, int] = {}
        phrase_owner: dict[str, int] = {}
        for i, b in enumerate(self.builds):
            if b.key and not b.is_writer:
                for m in b.person.mentions:
                    if m.kind == "descriptor":
                        phrase_owner.setdefault(m.span.text_of(self.text).lower(), i)
        for i, b in enumerate(self.builds):
            if b.key or b.is_writer or i in self.kin or b.person.descriptor is None:
                continue
            same = phrase_owner.get(b.person.mentions[0].span.text_of(self.text).lower())
            if same is not None and b.person.mentions[0].kind == "descriptor":
                merges[i] = same  # the same introducing phrase, used again with the name
                continue
            desc_first = first_pos[i]
            if desc_first < 0 or (desc_first > first_named and desc_first > lede_end):
                continue  # only descriptions in the lede
            head = b.person.descriptor.split()[-1].lower() if b.person.descriptor else ""
            if head in OFFICIAL_NOUNS or head in JOURNALIST_NOUNS or head in KIN_NOUNS:
                continue
            target = next((j for pos, j in named if pos > desc_first), None)
            if headline is not None and headline.start <= desc_first < headline.end:
                # a headline's "Islamic State defector" is the body's "a defector from …"
                same_head = next(
                    (j for j, o in enumerate(self.builds) if j != i and not o.is_writer
                     and first_pos[j] >= headline.end and o.person.descriptor
                     and o.person.mentions[0].kind == "descriptor"
                     and o.person.mentions[0].span.text_of(self.text).split()[-1].lower()
                     == head), None)
                if same_head is not None and (target is None or
                                              first_pos[same_head] < first_pos[target]):
                    target = same_head
            if target is None or first_pos[target] - desc_first > 1500:
                continue
            if not self.compatible(self.builds[target], b.gender):
                continue
            merges[i] = target
        for src in list(merges):  # resolve chains: a -> b -> c becomes a -> c
            dst, seen = merges[src], {src}
            while dst in merges and dst not in seen:
                seen.add(dst)
                dst = merges[dst]
            merges[src] = dst
        merges = {a: b for a, b in merges.items() if a != b}
        if merges:
            self._apply_merges(merges)

    def _titled(self, build: _PersonBuild) -> bool:
        """Is this name introduced with an official's or journalist's title?"""
        for m in build.person.mentions:
            if m.kind not in ("name", "alias"):
                continue
            before = self.text[max(0, m.span.start - 40) : m.span.start].lower().split()
            if before and before[-1].strip(",.'’s|") in OFFICIAL_NOUNS | JOURNALIST_NOUNS | {
                    "by", "photo", "credit", "photograph", "reporting", "editing"}:
                return True
            if before and (before[-1].endswith(("'s", "’s", "s'", "s’")) or before[-1] in (
                    "told",)) and self.text[m.span.start - 2 : m.span.start] != ". ":
                return True  # "the network's X", "he told X": the interviewer
            after = self.text[m.span.end : m.span.end + 12].lower().split()
            if after and after[0].strip(":,") in ("writes", "reports", "wrote", "reported"):
                return True  # a byline
            first = m.span.text_of(self.text).split()[0].lower().rstrip(".")
            if first in OFFICIAL_NOUNS or first in ("president", "prime", "gen", "col"):
                return True
        return False

    def _apply_merges(self, merges: dict[int, int]) -> None:
        for src, dst in merges.items():
            s, d = self.builds[src], self.builds[dst]
            first_s = min(m.span.start for m in s.person.mentions)
            first_d = min(m.span.start for m in d.person.mentions)
            d.person.mentions.extend(s.person.mentions)
            if s.person.descriptor and (d.person.descriptor is None or first_s < first_d):
                d.person.descriptor = s.person.descriptor
            d.gender = d.gender or s.gender
        keep = [i for i in range(len(self.builds)) if i not in merges]
        new_index = {old: new for new, old in enumerate(keep)}
        for src, dst in merges.items():
            new_index[src] = new_index[dst]
        self.builds = [self.builds[i] for i in keep]
        self.span_owner = {k: new_index[v] for k, v in self.span_owner.items()}
        self.kin = {new_index[k]: (new_index[t] if t is not None else None, n)
                    for k, (t, n) in self.kin.items()}
        if self.writer is not None:
            self.writer = new_index[self.writer]
        recency: OrderedDict[int, None] = OrderedDict()
        for old in self.recency:
            recency[new_index[old]] = None
            recency.move_to_end(new_index[old])
        self.recency = recency

    def _reciprocal(self, relative: int | None, noun: str) -> int | None:
        """If ``relative`` was introduced as someone's kin and ``noun`` is the converse
        relation ("uncle" then "nephew"), the person the relation points back to."""
        if relative is None or relative not in self.kin:
            return None
        target, their_noun = self.kin[relative]
        if target is None or noun not in _CONVERSE.get(their_noun, ()):
            return None
        return target

    def _near(self, idx: int, pos: int) -> bool:
        """Was the person mentioned recently enough for a definite description to refer back?"""
        return pos - self.builds[idx].last < 3000

    # -- quotes ----------------------------------------------------------------------
    def link_quotes(self) -> None:
        owners = sorted(self.span_owner.items())
        starts = [s for (s, _), _ in owners]
        labels: dict[tuple[int, int], str] = self.reading.scratch.get("transcript_labels", {})
        interviewee: int | None = None
        by_label: dict[str, int] = {}
        kin_labels: dict[int, str] = {}
        for q in self.reading.quotes:
            if q.speaker_span is None:
                continue
            key = (q.speaker_span.start, q.speaker_span.end)
            if key in labels:
                label = labels[key]
                role_word = label.strip().lower()
                if is_interviewer_label(label) or role_word in _HOST_LABELS:
                    idx = self.writer if self.writer is not None else self.new_person(None, True)
                elif role_word in by_label:
                    idx = by_label[role_word]  # "SISTER:" again: the same person
                elif role_word in KIN_NOUNS or role_word in _GENERIC_LABELS:
                    idx = self.new_person(None)
                    self.builds[idx].person.descriptor = role_word
                    self.builds[idx].has_intro = True
                    self.builds[idx].gender = gender_of_word(role_word)
                    by_label[role_word] = idx
                    if role_word in KIN_NOUNS:
                        kin_labels[idx] = role_word
                elif is_interviewee_label(label):
                    if interviewee is None:
                        interviewee = self._introduced_before(q.speaker_span.start)
                    if interviewee is None:
                        interviewee = self.new_person(None)
                        self.builds[interviewee].person.descriptor = "the interviewee"
                    idx = interviewee
                else:
                    lk = name_key(label)
                    found = self.match_name(lk)
                    idx = found if found is not None else self.new_person(
                        _Cand(q.speaker_span, "name", key=lk))
                    if found is None:
                        self._label_name_mentions(idx, label, labels)
                self.add(idx, _Cand(q.speaker_span, "speaker_label"))
                q.speaker = idx
                continue
            idx2 = self._owner_of(q.speaker_span, owners, starts)
            if idx2 is None:
                word = q.speaker_span.text_of(self.text).strip().lower()
                if word in FIRST_PERSON:
                    idx2 = self.writer if self.writer is not None else self.new_person(None, True)
                elif word in MALE_PRONOUNS | FEMALE_PRONOUNS:
                    idx2 = self.recent(q.speaker_span.start, gender_of_word(word))
            q.speaker = idx2
        self.reading.scratch["interviewee"] = interviewee
        self._introduced_guests()
        for idx, noun in kin_labels.items():
            target = self._talked_about(idx)
            if target is None:
                target = self._unnamed_kin(idx)
            self.kin[idx] = (target, noun)

    def _label_name_mentions(self, idx: int, label: str,
                             labels: dict[tuple[int, int], str]) -> None:
        """"TOMAS:" as a speaker label: "Tomas" elsewhere in the text (the host's "Tomas,
        thanks for coming") is a mention of the same person."""
        word = label.strip().rstrip(":").strip()
        if not word or not word.replace(" ", "").isalpha():
            return
        pattern = re.compile(rf"\b{re.escape(word)}\b", re.IGNORECASE)
        for m in pattern.finditer(self.text):
            key = (m.start(), m.end())
            if key in labels or key in self.span_owner or not m.group()[0].isupper() or \
                    m.group().isupper():
                continue  # label lines are linked with their quotes
            self.add(idx, _Cand(Span(m.start(), m.end()), "name", key=name_key(word)))

    def _introduced_guests(self) -> None:
        """"My guest today is a former fighter from Homs …" in a host's turn: the phrase
        describes whoever speaks next under another label."""
        turns = [q for q in self.reading.quotes if q.kind == "transcript" and q.speaker is not None]
        for i, q in enumerate(turns):
            m = _GUEST_INTRO.search(self.text, q.span.start, q.span.end)
            if m is None:
                continue
            guest = next((t.speaker for t in turns[i + 1:] if t.speaker != q.speaker), None)
            if guest is None or (guest == self.writer and q.speaker != self.writer):
                continue
            span = clip_phrase(self.text, Span(m.start("np"), m.end("np")))
            cut = re.search(r"\s+of\s|,", span.text_of(self.text))
            if cut is not None:  # "the mother of a young man who …": the man is someone else
                span = Span(span.start, span.start + cut.start())
            if (span.start, span.end) in self.span_owner:
                continue
            self.add(guest, _Cand(span, "descriptor"))
            person = self.builds[guest].person
            if person.descriptor is None:
                person.descriptor = span.text_of(self.text)
            # the host's "he"/"she" after the introduction, in the same turn, is the guest
            for tok in self.index.in_span(Span(m.end(), q.span.end)):
                g = gender_of_word(tok.lower_)
                if tok.lower_ in MALE_PRONOUNS | FEMALE_PRONOUNS and g is not None and (
                        self.index.start_of(tok), self.index.start_of(tok) + len(tok.text)
                        ) not in self.span_owner:
                    self.add(guest, _Cand(self.index.span_of(tok), "pronoun", head=tok,
                                          gender=g))
                    if self.builds[guest].gender is None:
                        self.builds[guest].gender = g

    def _unnamed_kin(self, idx: int) -> int | None:
        """"BROTHER: He joined in 2015 …": a relative's answers about someone never named.
        That someone is one person, mentioned by the answers' third-person pronouns."""
        pronouns: list[_Cand] = []
        gender: str | None = None
        for q in self.reading.quotes:
            if q.speaker != idx:
                continue
            for tok in self.index.in_span(q.span):
                word = tok.lower_
                if word not in MALE_PRONOUNS | FEMALE_PRONOUNS:
                    continue
                g = gender_of_word(word)
                if gender is None:
                    gender = g
                if g == gender:
                    pronouns.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender=g))
        if not pronouns:
            return None
        target = self.new_person(None)
        build = self.builds[target]
        build.gender = gender
        build.person.descriptor = f"the person the {self.builds[idx].person.descriptor} speaks of"
        for cand in pronouns:
            if (cand.span.start, cand.span.end) not in self.span_owner:
                self.add(target, cand)
        return target

    def _talked_about(self, idx: int) -> int | None:
        """The person a relative's transcript answers are about: the one most mentioned
        inside them (else most mentioned overall), neither the writer nor a label speaker."""
        spans = [q.span for q in self.reading.quotes if q.speaker == idx]
        counts: dict[int, tuple[int, int]] = {}
        for i, b in enumerate(self.builds):
            if i == idx or b.is_writer or i in self.kin or not b.person.mentions:
                continue
            if all(m.kind == "speaker_label" for m in b.person.mentions):
                continue
            inside = sum(1 for m in b.person.mentions for sp in spans if sp.overlaps(m.span))
            counts[i] = (inside, len(b.person.mentions))
        if not counts:
            return None
        best = max(counts, key=lambda i: counts[i])
        return best if counts[best][0] > 0 or len(counts) == 1 else None

    def _introduced_before(self, pos: int) -> int | None:
        """The person an interview's introduction presents (the most mentioned ordinary
        person before the first answer), who is then the "A:" of the transcript."""
        best: tuple[int, int] | None = None
        for i, b in enumerate(self.builds):
            if b.is_writer or i in self.kin or self._titled(b):
                continue
            before = [m for m in b.person.mentions if m.span.start < pos]
            if not before or (b.person.descriptor is None and not b.key):
                continue
            if best is None or len(before) > best[0]:
                best = (len(before), i)
        return best[1] if best else None

    def _owner_of(self, span: Span, owners: list[tuple[tuple[int, int], int]],
                  starts: list[int]) -> int | None:
        i = bisect.bisect_right(starts, span.end) - 1
        best: int | None = None
        while i >= 0 and owners[i][0][0] >= span.start - 200:
            (s, e), idx = owners[i]
            if s < span.end and span.start < e:
                best = idx
                if s >= span.start:
                    return idx
            i -= 1
        return best

    def finish(self) -> None:
        persons = [b.person for b in self.builds]
        for b in self.builds:
            b.person.mentions.sort(key=lambda m: (m.span.start, m.span.end))
        self.reading.persons = persons
        self.reading.scratch["writer"] = self.writer
        self.reading.scratch["kin"] = self.kin
        self.reading.scratch["gender"] = [b.gender for b in self.builds]
        mention_index = sorted(
            ((m.span, i) for i, p in enumerate(persons) for m in p.mentions),
            key=lambda x: (x[0].start, x[0].end),
        )
        self.reading.scratch["mention_index"] = mention_index
        self.reading.scratch["mention_starts"] = [s.start for s, _ in mention_index]


def person_at(reading: DocumentReading, span: Span) -> int | None:
    """Index of the person whose mention overlaps ``span`` (the narrowest one), if any."""
    index: list[tuple[Span, int]] = reading.scratch.get("mention_index", [])
    starts: list[int] = reading.scratch.get("mention_starts", [])
    i = bisect.bisect_right(starts, span.end - 1) - 1
    best: tuple[int, int] | None = None
    steps = 0
    while i >= 0 and steps < 40:
        s, idx = index[i]
        if s.overlaps(span):
            size = len(s)
            if best is None or size < best[0]:
                best = (size, idx)
        i -= 1
        steps += 1
    return best[1] if best else None


class PeopleStage:
    """Fills ``reading.persons`` and sets ``Quote.speaker``."""

    name = "people"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            read_people(reading)


def read_people(reading: DocumentReading) -> None:
    grouper = _Grouper(reading)
    grouper.group()
    grouper.merge_lede()
    grouper.link_quotes()
    grouper.finish()
    _mark_pseudonyms(reading)


def _mark_pseudonyms(reading: DocumentReading) -> None:
    """A name followed by '(not his real name)' is an alias: record the mention kind."""
    text = reading.document.text
    for m in _NOT_REAL_NAME.finditer(text):
        for person in reading.persons:
            for mention in person.mentions:
                if mention.kind == "name" and 0 <= m.start() - mention.span.end <= 3:
                    mention.kind = "alias"
