"""Mention candidates and names: what a mention looks like before it is grouped into a
person (:class:`_Cand`), a person being built (:class:`_PersonBuild`), the name key that
decides whether two names are one person, and the tests that keep places, organisations
and demonyms out of the names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...model import Person, Span
from ..cues import GROUP_TERMS, HONORIFICS, NAME_PARTICLES, NOT_PERSON_NAMES, PERSON_NOUNS
from ..gazetteer import load_gazetteer
from .patterns import _KUNYA_WORDS, _PHRASE_BREAK, _PLACE_WORDS


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
    describes: bool = True  # False for a bare reference ("the accused"): never the descriptor


@dataclass
class _PersonBuild:
    person: Person
    key: set[str] = field(default_factory=set)
    gender: str | None = None
    last: int = -1
    is_writer: bool = False
    subject_at: int = -1_000_000  # position of the latest mention as a grammatical subject
    has_intro: bool = False  # introduced by a name or descriptor (not only a pronoun)



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


_LOWER_TAIL = re.compile(r"(?:[ \t]+[a-z\u00df-\u00ff][a-z\u00df-\u00ff'’]*)+$")


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
    # a name never ends in a lower-case word: the recogniser runs on past an initial
    # ("Jonas M. told the court", "sentenced Jonas M. to four years")
    tail = _LOWER_TAIL.search(seg)
    if tail is not None and tail.start() > 0:
        end -= len(seg) - tail.start()
        seg = seg[: tail.start()]
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

