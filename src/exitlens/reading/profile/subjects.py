"""Who each sentence is about: mentions, direct-speech regions and their speakers, the
sentences with their owners, and the grammatical subject of a cue's verb.

A sentence belongs to the people it mentions and to the speakers of the quotes in it; a
sentence with only a pronoun is carried over to the last person mentioned for up to
:data:`CARRY_SENTENCES` sentences. :class:`_Subjects` reads the spaCy parse of the nlp
stage to tell whose act a verb is ("X went with a cousin in 2015 to join" is X's joining).
All look-ups are pointers or binary searches over sorted lists: linear in the document.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ...model import DocumentReading, Span
from ..cues import SpanSet, own_words
from .patterns import (
    _NAME_PARTICLE,
    _NON_REFERRING,
    _PERSON_NOUN_RE,
    _QUOTE_PAIR,
    _SELF,
    _THIRD,
    _THIRD_OR_FIRST,
    _WORD,
)

CARRY_SENTENCES = 4  # a pronoun sentence keeps its owner this many sentences after a mention


@dataclass
class SentenceView:
    """A sentence with the people it is about."""

    span: Span
    mentions: list[tuple[int, Span]]  # (person index, mention span) inside the sentence
    owners: list[int]  # persons the sentence is about (mentioned, speaking or carried)
    carried: bool = False


def _all_mentions(reading: DocumentReading, text: str) -> list[tuple[int, Span, str]]:
    """Every person's mention spans (plus their descriptor located in the text), sorted."""
    out: list[tuple[int, Span, str]] = []
    for pi, person in enumerate(reading.persons):
        surfaces: set[str] = set()
        for m in person.mentions:
            out.append((pi, m.span, m.kind))
            surfaces.add(m.span.text_of(text))
        # The descriptor is usually one of the mentions; search the text only when it
        # is not, and only for defectors (the only people profiled).
        if person.descriptor and person.is_defector and person.descriptor not in surfaces:
            pos = text.find(person.descriptor)
            if pos >= 0:
                out.append((pi, Span(pos, pos + len(person.descriptor)), "descriptor"))
    out.sort(key=lambda x: (x[1].start, x[1].end))
    return out



class QuoteIndex:
    """Direct-speech regions sorted by start, with their speakers, for position look-ups."""

    def __init__(self, regions: list[tuple[Span, int | None]]) -> None:
        self.regions = regions
        self.starts = [span.start for span, _ in regions]

    def covering(self, pos: int) -> tuple[Span, int | None] | None:
        """The region containing ``pos`` (regions from the quote stage and from quotation
        marks may nest, so a few predecessors are checked)."""
        i = bisect_right(self.starts, pos) - 1
        for k in range(i, max(-1, i - 3), -1):
            span, speaker = self.regions[k]
            if span.start <= pos < span.end:
                return span, speaker
        return None


def _quoted_regions(reading: DocumentReading, text: str) -> QuoteIndex:
    """Direct-speech regions with their speaker, from the quote stage and quotation marks."""
    regions: dict[Span, int | None] = {}
    for q in reading.quotes:
        if own_words(q, reading):
            regions[q.span] = q.speaker
    # mark pairs never overlap one another (one regex pass), so each is compared only with
    # the quote stage's regions it overlaps, found by bisection: linear overall
    staged = SpanSet(list(regions))
    for m in _QUOTE_PAIR.finditer(text):
        span = Span(m.start(), m.end())
        near = list(staged.overlapping(span))
        if not any(r.contains(span) or span.contains(r) for r in near):
            regions[span] = None
        elif span not in regions:
            # keep the quote stage's speaker but cover the marks too
            for r in sorted(near):
                spk = regions.get(r)
                if span.contains(r) and spk is not None:
                    regions[span] = spk
    return QuoteIndex(sorted(regions.items(), key=lambda x: (x[0].start, x[0].end)))


def _sentence_views(
    reading: DocumentReading,
    text: str,
    mentions: list[tuple[int, Span, str]],
    quoted: QuoteIndex,
) -> list[SentenceView]:
    """Sentences with their mentions and owners, in one pass with pointers."""
    sents = [s.span for s in reading.sentences] or [Span(0, len(text))]
    views: list[SentenceView] = []
    mi = 0
    qi = 0
    last_owner: int | None = None
    since = CARRY_SENTENCES + 1
    for span in sents:
        while mi < len(mentions) and mentions[mi][1].end <= span.start:
            mi += 1
        inside: list[tuple[int, Span]] = []
        j = mi
        while j < len(mentions) and mentions[j][1].start < span.end:
            if mentions[j][1].end > span.start:  # skip short ones behind a long mention
                inside.append((mentions[j][0], mentions[j][1]))
            j += 1
        regions = quoted.regions
        while qi < len(regions) and regions[qi][0].end <= span.start:
            qi += 1
        speakers: list[int] = []
        k = qi
        while k < len(regions) and regions[k][0].start < span.end:
            spk = regions[k][1]
            if spk is not None and spk not in speakers:
                speakers.append(spk)
            k += 1
        owners: list[int] = []
        for pi, _ in inside:
            if pi not in owners:
                owners.append(pi)
        for spk in speakers:
            if spk not in owners:
                owners.append(spk)
        carried = False
        if (
            not owners
            and last_owner is not None
            and since < CARRY_SENTENCES
            and _THIRD_OR_FIRST.search(text, span.start, span.end)
        ):
            owners = [last_owner]
            carried = True
        if owners and not carried:
            last_owner = inside[0][0] if inside else owners[0]
            since = 0
        else:
            since += 1
        views.append(SentenceView(span, inside, owners, carried))
    return views


NOBODY = -1  # the subject is found and is not a person ("the city was captured")


class _Subjects:
    """Who does what, from the dependency parse: the subject of a cue's verb, mapped to
    the person whose mention it is. Lookups are binary searches over sorted chunks and
    mentions, so the whole pass stays linear."""

    def __init__(
        self,
        reading: DocumentReading,
        mentions: list[tuple[int, Span, str]],
        quoted: QuoteIndex,
    ) -> None:
        self.chunks: list[Any] = list(reading.scratch.get("spacy") or [])
        self.starts = [c.offset for c in self.chunks]
        self.mentions = [(sp, pi) for pi, sp, _ in mentions]
        self.mstarts = [sp.start for sp, _ in self.mentions]
        self.quoted = quoted

    def person(self, cue: Span) -> int | None:
        """Person index, :data:`NOBODY` for a non-person subject, None when unknown."""
        found = [self._resolve(subj, cue) for subj in self._subject_tokens(cue)]
        if not found:
            return None
        people = [f for f in found if f is not None and f != NOBODY]
        if people:
            return people[-1]  # the subject nearest the verb
        return NOBODY if all(f == NOBODY for f in found) else None

    def conjuncts(self, cue: Span) -> list[int]:
        """Persons coordinated with the subject ("X and Y both joined in 2013": Y)."""
        out: list[int] = []
        for subj in self._subject_tokens(cue):
            for conj in subj.conjuncts:
                pi = self._resolve(conj, cue)
                if pi is not None and pi != NOBODY and pi not in out:
                    out.append(pi)
        return out

    def _subject_tokens(self, cue: Span) -> list[Any]:
        """Subject tokens of the verb governing ``cue``; subjects are inherited through
        xcomp/advcl/conj, and "who" in a relative clause stands for its noun."""
        token = self._token(cue.start)
        if token is None:
            return []
        if token.dep_ in ("aux", "auxpass", "neg") and token.head is not token:
            token = token.head  # "was captured": the verb is "captured"
        verb = token
        for _ in range(4):
            if verb.pos_ in ("VERB", "AUX") or verb.head is verb:
                break
            verb = verb.head
        if verb.pos_ not in ("VERB", "AUX"):
            return []
        for _ in range(5):
            subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects:
                return [
                    verb.head if subj.tag_ in ("WP", "WDT") and verb.dep_ == "relcl" else subj
                    for subj in subjects
                ]
            if verb.dep_ in ("xcomp", "advcl", "conj", "relcl", "acl") and verb.head is not verb:
                if verb.dep_ in ("relcl", "acl") and verb.head.pos_ in ("NOUN", "PROPN"):
                    return [verb.head]
                verb = verb.head
                continue
            break
        return []

    def is_other_subject(self, cue: Span, allowed: Iterable[int]) -> bool:
        """True when the word at ``cue`` is the subject of a clause, or inside its subject's
        phrase, and not a mention of one of ``allowed`` ("the emir made him a guard", "the
        women of the hisba beat me": someone else)."""
        token = self._token(cue.start)
        if token is None:
            return False
        for _ in range(3):  # "the women of [the hisba]": up to the phrase's head
            if token.dep_ not in ("pobj", "prep", "compound") or token.head is token:
                break
            token = token.head
        if token.dep_ not in ("nsubj", "nsubjpass"):
            return False
        offset = self.chunks[bisect_right(self.starts, cue.start) - 1].offset
        head = Span(offset + token.idx, offset + token.idx + len(token.text))
        return self._mention_at(cue) not in set(allowed) and \
            self._mention_at(head) not in set(allowed)

    def governing_verb(self, pos: int) -> int | None:
        """Document offset of the verb a date at ``pos`` modifies ("handed himself over …
        last month" → handed), or None without a parse."""
        token = self._governing_token(pos)
        if token is None:
            return None
        chunk = self.chunks[bisect_right(self.starts, pos) - 1]
        return int(chunk.offset + token.idx)

    def in_relative_clause(self, pos: int) -> bool:
        """Does the date at ``pos`` modify the verb of a relative clause ("a woman who
        married in 2015, said she left …")? Such a clause tells its own event."""
        token = self._governing_token(pos)
        return token is not None and token.dep_ in ("relcl", "acl")

    def _governing_token(self, pos: int) -> Any:
        token = self._token(pos)
        if token is None:
            return None
        for _ in range(4):
            if token.pos_ in ("VERB", "AUX"):
                return token
            if token.head is token:
                return None
            token = token.head
        return None

    def _token(self, pos: int) -> Any:
        """The spaCy token at document offset ``pos``, if a parse covers it."""
        i = bisect_right(self.starts, pos) - 1
        if i < 0:
            return None
        chunk = self.chunks[i]
        local = pos - chunk.offset
        doc = chunk.doc
        if not len(doc) or local >= doc[-1].idx + len(doc[-1].text):  # not doc.text: O(n)
            return None
        span = doc.char_span(local, local + 1, alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    def _resolve(self, subj: Any, cue: Span) -> int | None:
        """Subject token → person: via a mention, the quote's speaker for "I", NOBODY for
        a non-person noun, None when the parse cannot tell (pronouns, unknown names)."""
        word = subj.lower_
        chunk_offset = self.chunks[bisect_right(self.starts, cue.start) - 1].offset
        start = chunk_offset + subj.idx
        end = start + len(subj.text)
        hit = self._mention_at(Span(start, end))
        if hit is not None:
            return hit
        if word in _SELF:
            region = self.quoted.covering(cue.start)
            return region[1] if region is not None else None
        if word in _THIRD or word in _NON_REFERRING or subj.pos_ == "PROPN":
            return None
        if subj.pos_ in ("NOUN", "PRON") and not _PERSON_NOUN_RE.fullmatch(subj.text):
            # A non-person noun is nobody, judged on the noun and its pre-modifiers only
            # ("a city that was taken by the militants" is a city).
            left = chunk_offset + subj.left_edge.idx
            if self._mention_at(Span(left, end)) is None and not _PERSON_NOUN_RE.search(
                subj.doc.text, subj.left_edge.idx, subj.idx + len(subj.text)
            ):
                return NOBODY
        return None

    def _mention_at(self, span: Span) -> int | None:
        """The person of a mention overlapping ``span`` (mentions sorted by start)."""
        i = bisect_right(self.mstarts, span.end - 1) - 1
        for j in range(i, max(-1, i - 8), -1):
            mspan, pi = self.mentions[j]
            if mspan.start <= span.start < mspan.end or span.start <= mspan.start < span.end:
                return pi
        return None


def _inside_name(span: Span, sv: SentenceView, text: str) -> bool:
    """Is ``span`` part of someone's proper name ("Emir Hadzic" is not a commander)?"""
    return any(
        m.contains(span) and _is_proper_name(m.text_of(text)) for _, m in sv.mentions
    )


def _owner_of(pos: Span, sv: SentenceView, candidates: Iterable[int]) -> int | None:
    """The person a cue at ``pos`` is about: the nearest mention in the sentence, the
    sole owner otherwise."""
    allowed = set(candidates)
    if not sv.mentions:
        owners = [o for o in sv.owners if o in allowed]
        return owners[0] if owners else None
    best: int | None = None
    owner: int | None = None
    for pi, span in sv.mentions:
        if span.end <= pos.start:
            dist = pos.start - span.end
        elif pos.end <= span.start:
            dist = span.start - pos.end + 1  # mentions before the cue win ties
        else:
            dist = 0
        if best is None or dist < best:
            best, owner = dist, pi
    return owner if owner is not None and owner in allowed else None



def _is_proper_name(chunk: str) -> bool:
    """Every word capitalised (particles aside): a name, not a description."""
    words = _WORD.findall(chunk.replace("-", " "))
    return bool(words) and all(
        w[0].isupper() or w.lower() in _NAME_PARTICLE or w[0].isdigit() for w in words
    )
