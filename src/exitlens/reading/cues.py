"""Shared word lists and token helpers for the quote, people, role and evidence stages.

The lexicons are general English for reporting on people who joined or left an
armed group; they contain no names or phrases from any particular text. They are
kept in one place so that the stages agree on what counts as a speech verb, a
person noun or a reference to the group.

Tokens come from the spaCy parse stored by the nlp stage (one ``Doc`` per
paragraph chunk); :class:`TokenIndex` maps document offsets to tokens so that
stages can look at the parse of any span in O(log n).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import yaml

from ..model import DocumentReading, Quote, Span

# Verbs that introduce speech or a recounted account (lemmas).
SPEECH_VERBS = frozenset(
    {
        "say", "tell", "recall", "explain", "add", "describe", "insist", "admit", "claim",
        "remember", "recount", "write", "ask", "state", "confess", "reveal", "acknowledge",
        "complain", "note", "argue", "continue", "repeat", "answer", "reply", "whisper",
        "shout", "testify", "confide", "lament", "concede", "boast", "warn", "allege",
        "report", "speak", "mention", "estimate", "maintain", "stress", "declare",
        "recollect", "narrate", "relate", "joke", "sigh", "laugh", "muse", "respond",
    }
)
# Speech verbs whose clausal complement is the speaker's own account.
ACCOUNT_VERBS = frozenset(
    {
        "say", "tell", "recall", "explain", "add", "describe", "insist", "admit", "claim",
        "remember", "recount", "write", "state", "confess", "reveal", "acknowledge",
        "complain", "argue", "testify", "confide", "lament", "concede", "allege", "maintain",
        "recollect", "narrate", "relate", "report", "note", "stress", "declare", "boast",
    }
)

MALE_NOUNS = frozenset(
    {
        "man", "boy", "father", "husband", "brother", "son", "uncle", "nephew", "grandfather",
        "mr", "mr.", "sir", "gentleman", "guy", "king", "prince", "sheikh", "imam", "dad",
        "stepfather", "widower", "monk",
    }
)
FEMALE_NOUNS = frozenset(
    {
        "woman", "girl", "mother", "wife", "sister", "daughter", "aunt", "niece",
        "grandmother", "mrs", "mrs.", "ms", "ms.", "miss", "lady", "widow", "mom", "mum",
        "queen", "princess", "bride", "stepmother", "housewife", "schoolgirl",
    }
)
KIN_NOUNS = frozenset(
    {
        "mother", "father", "brother", "sister", "wife", "husband", "son", "daughter",
        "cousin", "uncle", "aunt", "nephew", "niece", "grandfather", "grandmother", "parent",
        "parents", "mom", "mum", "dad", "relative", "sibling", "fiance", "fiancee", "widow",
        "stepfather", "stepmother", "in-law", "grandson", "granddaughter",
    }
)
# Nouns that, as the head of a noun phrase, denote one person.
PERSON_NOUNS = frozenset(
    {
        "man", "woman", "boy", "girl", "teenager", "teen", "youth", "child", "person",
        "defector", "deserter", "fighter", "militant", "jihadist", "jihadi", "member",
        "recruit", "returnee", "escapee", "volunteer", "national", "citizen", "native",
        "resident", "soldier", "commander", "emir", "guard", "cook", "driver", "student",
        "doctor", "nurse", "teacher", "worker", "convert", "extremist", "terrorist",
        "insurgent", "combatant", "veteran", "prisoner", "detainee", "inmate", "refugee",
        "father", "mother", "brother", "sister", "wife", "husband", "son", "daughter",
        "cousin", "uncle", "aunt", "nephew", "niece", "widow", "official", "analyst",
        "researcher", "expert", "professor", "spokesman", "spokeswoman", "spokesperson",
        "minister", "officer", "prosecutor", "judge", "lawyer", "attorney", "director",
        "journalist", "reporter", "correspondent", "author", "writer", "photographer",
        "editor", "filmmaker", "activist", "smuggler", "guy", "lady", "adolescent", "kid",
        "father-of-two", "mother-of-two", "agent", "investigator", "scholar", "cleric",
        "imam", "sheikh", "preacher", "trainer", "sniper", "bomber", "executioner",
        "policeman", "policewoman", "engineer", "mechanic", "blacksmith", "farmer",
        "shepherd", "labourer", "laborer", "shopkeeper", "trader", "merchant", "pharmacist",
        "interviewee", "source", "witness", "survivor", "defendant", "suspect", "appellant",
        "claimant", "respondent", "wife-of", "graduate", "pupil",
        "follower", "supporter", "sympathiser", "sympathizer", "loyalist", "operative",
        "bride", "housewife", "schoolgirl", "schoolboy", "adult", "individual", "friend",
        "neighbour", "neighbor", "comrade", "colleague", "acquaintance", "fixer", "translator",
        "interpreter", "guide", "host", "boyfriend", "girlfriend", "relative", "parent",
    }
)
# Heads that are person nouns but too generic to introduce a person on their own.
GENERIC_PERSON_NOUNS = frozenset({"person", "source", "individual", "adult", "child", "kid"})

GROUP_TERMS = frozenset(
    {
        "isis", "isil", "is", "daesh", "daish", "state", "caliphate", "group", "organisation",
        "organization", "ranks", "jihadists", "militants", "movement", "khilafah", "khilafa",
        "nusra", "qaeda", "shabaab", "boko", "haram", "taliban", "jihad", "cell",
    }
)
# Titles of people who speak *about* the group: officials, experts, and the press.
OFFICIAL_NOUNS = frozenset(
    {
        "analyst", "researcher", "professor", "expert", "spokesman", "spokeswoman",
        "spokesperson", "official", "minister", "officer", "prosecutor", "judge", "director",
        "president", "lawyer", "attorney", "agent", "ambassador", "senator", "governor",
        "general", "colonel", "investigator", "scholar", "psychologist", "chief", "secretary",
        "mayor", "diplomat", "envoy", "lawmaker", "adviser", "advisor", "counsel", "academic",
        "lecturer", "specialist", "policeman", "commissioner", "psychiatrist", "fellow",
        "historian", "sociologist", "criminologist", "author", "head", "chairman", "premier",
        "chancellor", "king", "coordinator", "manager", "worker", "doctor", "activist",
    }
)
JOURNALIST_NOUNS = frozenset(
    {
        "reporter", "correspondent", "journalist", "editor", "photographer", "photojournalist",
        "filmmaker", "producer", "columnist", "broadcaster", "interviewer", "writer",
        "documentarian", "presenter", "anchor",
    }
)
WRITER_NOUNS = frozenset(
    {"author", "writer", "reporter", "correspondent", "journalist", "interviewer"}
)
FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself"})
FIRST_PERSON_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves"})
MALE_PRONOUNS = frozenset({"he", "him", "his", "himself"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers", "herself"})
THIRD_PRONOUNS = MALE_PRONOUNS | FEMALE_PRONOUNS

# Words that begin capitalised PERSON entities spaCy mislabels in this domain.
NOT_PERSON_NAMES = frozenset(
    {
        "allah", "god", "isis", "isil", "daesh", "islam", "islamic", "prophet", "caliph",
        "jihad", "quran", "koran", "sharia", "the", "said", "ramadan", "eid", "inshallah",
        "mujahideen", "mujahedeen", "hisba", "kurdish", "syrian", "iraqi", "q", "a",
        "photo", "image", "getty", "reuters", "afp", "ap",
    }
)
HONORIFICS = frozenset(
    {
        "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "prof", "prof.", "sheikh",
        "president", "general", "gen.", "colonel", "col.", "captain", "capt.", "major",
        "lieutenant", "sergeant", "minister", "senator", "sen.", "rep.", "judge",
        "prime", "secretary", "ambassador", "imam", "emir", "commander", "king", "queen",
        "prince", "lord", "sir", "professor", "rev.", "father", "brother", "sister",
    }
)
# Name particles that never identify a person on their own.
NAME_PARTICLES = frozenset(
    {
        "abu", "abou", "abo", "umm", "um", "omm", "al", "el", "ad", "as", "at", "ash", "an",
        "ar", "az", "bin", "ibn", "bint", "ben", "de", "van", "von", "der", "la", "le", "di",
        "da", "du", "mr", "mrs", "ms", "dr", "s.", "d.", "-",
    }
)


def load_word_lists(name: str) -> dict[str, Any]:
    """The word lists of ``data/reading/NAME`` (a YAML mapping of list name → words), read
    by the module that compiles its patterns from them, once at import."""
    path = resources.files("exitlens").joinpath("data/reading").joinpath(name)
    words = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(words, dict):
        raise ValueError(f"{name}: expected a mapping of list names to word lists")
    return words


# Numbers written as words ("three years later", "three men who fled"), one table for every
# stage (``data/reading/profile_words.yaml``).
NUMBER_WORDS = {str(w): int(n)
                for w, n in load_word_lists("profile_words.yaml")["number_words"].items()}


# "Respondent 3", "Interviewee B", "Witness No. 2": an unnamed person's label in a research
# write-up or a court record, one name with its number (``numbered_label_nouns`` of
# ``data/reading/people_words.yaml``, capitalised, then a number or a capital letter); used
# by the people stage (a name) and the quotes stage (a quote's citation).
NUMBERED_LABEL = re.compile(
    r"\b(?:" + "|".join(str(w).capitalize() for w in sorted(
        load_word_lists("people_words.yaml")["numbered_label_nouns"]))
    + r")[ \t]+(?:No\.?[ \t]*|#)?(?:\d{1,3}|[A-Z])(?![\w'’-])"
)


def number_value(word: str) -> int:
    """"3", "three", "a" → 3, 3, 1; 0 for a word that is no number."""
    w = word.lower()
    return int(w) if w.isdigit() else NUMBER_WORDS.get(w, 0)


def own_words(quote: Quote, reading: DocumentReading) -> bool:
    """Is this quote someone's own words? A direct quote or a transcript line is, except a
    line of the programme's host or correspondent (``transcript_hosts``, found by the
    quote stage): the host's lines are the writer's narration, read like prose ("REPORTER:
    X was a sniper until last spring" tells of X)."""
    if quote.kind == "direct":
        return True
    if quote.kind != "transcript":
        return False
    label = quote.speaker_span
    hosts = reading.scratch.get("transcript_hosts", ())
    return label is None or (label.start, label.end) not in hosts


class TokenIndex:
    """All spaCy tokens of a reading in document order, searchable by offset."""

    def __init__(self, reading: DocumentReading):
        self.tokens: list[Any] = []
        self.starts: list[int] = []
        self._doc_offset: dict[int, int] = {}
        self.chunks = reading.scratch.get("spacy", [])
        for chunk in self.chunks:
            self._doc_offset[id(chunk.doc)] = chunk.offset
            for tok in chunk.doc:
                self.tokens.append(tok)
                self.starts.append(chunk.offset + tok.idx)

    @classmethod
    def of(cls, reading: DocumentReading) -> TokenIndex:
        """The reading's index, built once after the nlp stage and kept in its scratch
        (the quote, people, role and evidence stages all need it)."""
        index = reading.scratch.get("token_index")
        if not isinstance(index, cls) or index.chunks is not reading.scratch.get("spacy", []):
            index = cls(reading)
            reading.scratch["token_index"] = index
        return index

    def span_of(self, tok: Any) -> Span:
        """Document span of one token (its chunk's offset is found by the Doc's identity)."""
        start = self.start_of(tok)
        return Span(start, start + len(tok.text))

    def start_of(self, tok: Any) -> int:
        return self._doc_offset[id(tok.doc)] + int(tok.idx)

    def in_span(self, span: Span) -> Iterator[Any]:
        """Tokens starting inside ``span``."""
        i = bisect.bisect_left(self.starts, span.start)
        while i < len(self.tokens) and self.starts[i] < span.end:
            yield self.tokens[i]
            i += 1

    def at(self, position: int) -> Any | None:
        """The token covering ``position`` (or the last one starting before it)."""
        i = bisect.bisect_right(self.starts, position) - 1
        if i < 0:
            return None
        return self.tokens[i]

    def subtree_span(self, tok: Any) -> Span:
        """Document span covering a token's syntactic subtree."""
        left, right = tok.left_edge, tok.right_edge
        start = self.start_of(left)
        end = self.start_of(right) + len(right.text)
        return Span(start, end)


class SpanSet:
    """Sorted, non-nesting spans (quotes of one kind) with O(log n) overlap queries."""

    def __init__(self, spans: Iterator[Span] | list[Span]):
        self.spans = sorted(spans, key=lambda s: (s.start, s.end))
        self.starts = [s.start for s in self.spans]
        # running maximum of ends, so a query can stop scanning back early
        self.max_end: list[int] = []
        top = -1
        for sp in self.spans:
            top = max(top, sp.end)
            self.max_end.append(top)

    def overlapping(self, span: Span) -> Iterator[Span]:
        i = bisect.bisect_left(self.starts, span.end) - 1
        while i >= 0 and self.max_end[i] > span.start:
            if self.spans[i].overlaps(span):
                yield self.spans[i]
            i -= 1

    def overlaps(self, span: Span) -> bool:
        return next(self.overlapping(span), None) is not None

    def contains(self, span: Span) -> bool:
        """Does one of the spans contain ``span``?"""
        return any(s.contains(span) for s in self.overlapping(span))


def sentence_index(reading: DocumentReading) -> tuple[list[int], list[Span]]:
    """Sentence start offsets and spans, for bisecting a position to its sentence."""
    spans = [s.span for s in reading.sentences]
    return [s.start for s in spans], spans


def sentence_at(starts: list[int], spans: list[Span], position: int) -> int:
    """Index of the sentence containing ``position`` (the nearest preceding one)."""
    i = bisect.bisect_right(starts, position) - 1
    return max(i, 0) if spans else -1


def gender_of_word(word: str) -> str | None:
    """"m"/"f" when a noun or pronoun carries a gender, else None."""
    w = word.lower()
    if w in MALE_NOUNS or w in MALE_PRONOUNS:
        return "m"
    if w in FEMALE_NOUNS or w in FEMALE_PRONOUNS:
        return "f"
    return None
