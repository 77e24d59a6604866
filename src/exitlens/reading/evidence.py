"""Evidence: the spans that carry a person's *own* account.

The coding stage codes exactly these spans, so they must contain the defector's
reasons (their quotes, and the sentences in which the writer reports what they
said, felt or did and why) and nothing else: not the writer's speculation ("Or
was the tide turning?", "perhaps…"), not general analysis ("Many fighters…",
"Experts say…"), not other people's words.

A sentence outside quotes is the person's account when the person is the
grammatical subject of one of its clauses (by name, description or a pronoun
resolved to them) *and* it reports an account, an attitude or a reason (speech,
perception, feeling, decision, joining/leaving, a causal connective). The same
test is used by the role stage to decide whether a person's account is reported
at all (SPEC: a defector is someone "whose own account is reported").

A person who speaks in the text (quotes attributed to them) is coded from their
words and those account sentences only. The writer's other sentences about them
(what they did or what was done to them, the defectors' collective account, the
sentences running on after theirs) are read only for people who do not speak: on
real pages the pipeline had not seen, codes resting on such sentences of speaking
defectors were right 3 times in 25 for exit reasons and 2 in 23 for join motives
(``benchmarks/EXPERIMENTS.md``, "Evidence of defectors who speak").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

from ..model import DocumentReading, Person, Quote, Span
from ..pipeline import PipelineContext
from .cues import (
    ACCOUNT_VERBS,
    FEMALE_PRONOUNS,
    MALE_PRONOUNS,
    PERSON_NOUNS,
    SPEECH_VERBS,
    THIRD_PRONOUNS,
    SpanSet,
    TokenIndex,
    own_words,
)
from .people import main_clause, person_at

# Lemmas that make a clause about a person an account of their experience or reasons.
ACCOUNT_LEMMAS = frozenset(
    {
        "because", "since", "due", "reason", "why", "cause", "result", "disillusion",
        "disillusioned", "disgust", "disgusted", "horrify", "horrified", "appal", "appall",
        "appalled", "shock", "shocked", "frustrate", "frustrated", "tire", "tired", "fed",
        "afraid", "fear", "scare", "scared", "terrify", "terrified", "regret", "realize",
        "realise", "discover", "decide", "want", "wish", "hope", "miss", "long", "believe",
        "think", "feel", "see", "witness", "watch", "grow", "lose", "hate", "disagree",
        "refuse", "convince", "lure", "attract", "seduce", "promise", "recruit", "persuade",
        "join", "leave", "flee", "escape", "defect", "desert", "surrender", "quit", "betray",
        "disappoint", "disappointed", "angry", "anger", "sicken", "sickened", "upset",
        "dismay", "dismayed", "torture", "jail", "imprison", "beat", "punish", "force",
        "order", "ask", "tell", "say", "describe", "recall", "explain", "admit", "claim",
        "complain", "remember", "recount", "insist", "find", "learn", "understand",
        "expect", "dream", "motivate", "inspire", "draw", "enthral", "enthrall", "captivate",
        "bore", "bored", "curious", "curiosity", "disgusting", "cruel", "mistake",
        "thrilled", "excited", "proud", "ashamed", "bitter", "lonely", "desperate", "eager",
        "impressed", "sad", "unhappy", "miserable", "worried", "nervous", "guilty", "naive",
        "attracted", "enthralled", "shame", "guilt", "suffer", "agree", "oppose",
        "disillusionment", "regretful", "homesick", "nightmare", "trauma", "hard", "difficult",
        "task", "assign", "volunteer", "travel",
    }
) | ACCOUNT_VERBS
# Lemmas that are events rather than an account: "he left the group" alone reports no reason.
EVENT_LEMMAS = frozenset(
    {"join", "leave", "flee", "escape", "defect", "desert", "surrender", "quit", "travel",
     "volunteer", "task", "assign", "recruit"}
)
REASON_LEMMAS = (ACCOUNT_LEMMAS - EVENT_LEMMAS) - ACCOUNT_VERBS - {"ask", "tell", "say"}
_SPECULATION = re.compile(
    r"\b(?:perhaps|maybe|possibly|presumably|probably|conceivably|arguably|seemingly|"
    r"may have|might have|could have|must have|would have|it is possible|it seems|"
    r"one wonders|who knows|likely)\b",
    re.IGNORECASE,
)
# Verbs whose object is a person something was done to, as part of their story.
_DONE_TO_LEMMAS = frozenset(
    {"convince", "persuade", "lure", "recruit", "groom", "radicalise", "radicalize", "force",
     "order", "torture", "beat", "jail", "imprison", "punish", "arrest", "detain", "threaten",
     "whip", "flog", "accuse", "interrogate", "humiliate", "abuse", "promise", "pay", "send",
     "assign", "train", "marry", "betray", "pressure", "coerce", "brainwash", "urge", "help",
     "smuggle", "capture", "release", "pardon", "sentence", "convict"}
)
_LEAVER_PLURALS = frozenset({"defector", "deserter", "escapee"})
_MEMBER_PLURALS = frozenset({"fighter", "member", "recruit", "jihadist", "militant"})
_GROUP_WORDS = frozenset({"isis", "isil", "is", "daesh", "state", "group", "caliphate",
                          "organisation", "organization", "ranks", "unit", "militants"})
_COLLECTIVE_VERBS = frozenset({"join", "leave", "defect", "desert", "flee", "escape", "quit",
                               "surrender", "abandon"})
# Words of the writer's generalising analysis: a sentence with them does not continue
# one person's account ("This is typical of returnees", "Many recruits felt the same").
_ANALYSIS = re.compile(
    r"\b(?:many|most|often|typical(?:ly)?|common(?:ly)?|generally|usually|analysts?|"
    r"experts?|researchers?|studies|study|pattern|trend|phenomenon)\b",
    re.IGNORECASE,
)
# "His country has long faced…", "parts of his account were inconsistent": subjects that
# belong to the person but carry the writer's framing or assessment, not their story.
_NOT_OWN_SUBJECTS = frozenset(
    {"country", "nation", "government", "city", "town", "village", "region", "province",
     "homeland", "people", "community", "account", "story", "testimony", "claim", "version",
     "statement", "part", "case", "trial", "lawyer", "attorney", "sentence", "name"}
)
# The opposing party of a trial: what it says of the defendant's motives is its case, not
# the defendant's account ("The prosecution submits that he left only because …").
_OPPOSING_PARTY = frozenset({"prosecution", "prosecutor", "crown", "indictment"})
_CLAIM_VERBS = SPEECH_VERBS | {"submit", "contend", "assert", "suggest", "believe"}
_GENERIC_SUBJECT_DETS = frozenset({"many", "most", "some", "all", "few", "several", "other"})


def is_speculation(sentence: str) -> bool:
    """The writer wondering or guessing rather than reporting: never anyone's account."""
    stripped = sentence.rstrip(" \"”’'»)")
    return bool(_SPECULATION.search(sentence)) or stripped.endswith("?")


class AccountFinder:
    """Finds, per person, the quotes and sentences that report their own account."""

    def __init__(self, reading: DocumentReading):
        self.reading = reading
        self.text = reading.document.text
        self.index = TokenIndex.of(reading)
        self.quote_spans = sorted(
            (q.span for q in reading.quotes if own_words(q, reading)),
            key=lambda s: s.start,
        )
        self.quote_starts = [s.start for s in self.quote_spans]
        self._quote_set = SpanSet(self.quote_spans)
        self._sentences_by_person: dict[int, list[Span]] | None = None
        self._reasoned: set[int] = set()
        self._about: dict[int, list[Span]] = {}
        self._collective: list[Span] | None = None
        self._sent_starts: list[int] | None = None
        self._spoken: dict[int, list[Span]] = {}
        for q in reading.quotes:
            if q.speaker is not None:
                self._spoken.setdefault(q.speaker, []).append(q.span)

    def in_quote(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quote_starts, pos) - 1
        return i >= 0 and self.quote_spans[i].start <= pos < self.quote_spans[i].end

    def _quotes_in(self, span: Span) -> list[Span]:
        """Quote spans overlapping ``span``."""
        return list(self._quote_set.overlapping(span))

    def subject_sentences(self) -> dict[int, list[Span]]:
        """Sentences outside quotes whose clause subject is the person and which report an account.

        Computed once for all persons in one pass over the sentences.
        """
        if self._sentences_by_person is not None:
            return self._sentences_by_person
        starts = self.quote_starts
        out: dict[int, list[Span]] = {}
        about: dict[int, list[Span]] = {}
        self._about = about
        for sent in self.reading.sentences:
            span = sent.span
            sent_text = span.text_of(self.text)
            i = bisect.bisect_right(starts, span.start) - 1
            if i >= 0 and self.quote_spans[i].contains(span):
                continue  # wholly inside a quote: the quote itself is the evidence
            if is_speculation(_outside_quotes(sent_text, span, self._quotes_in(span))):
                continue
            toks = list(self.index.in_span(span))
            if self._party_case(toks):
                continue
            lemmas = {t.lemma_.lower() for t in toks if not self.in_quote(self.index.start_of(t))}
            accounted = bool(lemmas & ACCOUNT_LEMMAS)
            for tok in toks:
                dep = tok.dep_
                if dep not in ("nsubj", "nsubjpass", "poss", "dobj"):
                    continue
                if self.in_quote(self.index.start_of(tok)):
                    continue
                if dep == "poss":
                    # "his father contacted a lawyer", "her savings ran out": the subject
                    # belongs to the person
                    if tok.head.dep_ not in ("nsubj", "nsubjpass") or _generic(tok.head) or \
                            tok.head.lemma_.lower() in _NOT_OWN_SUBJECTS or \
                            tok.head.ent_type_ in ("GPE", "LOC", "ORG"):
                        continue
                elif dep == "dobj":
                    # "recruiters convinced her to come", "they beat him": done to the person
                    if tok.head.lemma_.lower() not in _DONE_TO_LEMMAS:
                        continue
                elif _generic(tok):
                    continue
                who = person_at(self.reading, self.index.span_of(tok))
                if who is None:
                    continue
                if dep == "nsubj" or dep == "nsubjpass":
                    if accounted and lemmas & REASON_LEMMAS:
                        self._reasoned.add(who)
                    target = out if accounted else about
                else:
                    target = about
                lst = target.setdefault(who, [])
                if not lst or lst[-1] != span:
                    lst.append(span)
        self._sentences_by_person = out
        return out

    def collective_sentences(self) -> list[Span]:
        """Sentences whose subject is the document's leavers as a group: "the defectors
        said that…", "Defectors of the unit said…", "Women who joined the unit to survive
        grew to hate it". They report the account of each of them. A generic plural ("many
        defectors", "most recruits") is the writer's analysis and is left out."""
        if self._collective is not None:
            return self._collective
        out: list[Span] = []
        for sent in self.reading.sentences:
            span = sent.span
            for tok in self.index.in_span(span):
                if tok.dep_ not in ("nsubj", "nsubjpass") or tok.tag_ not in ("NNS", "NNPS"):
                    continue
                if self.in_quote(self.index.start_of(tok)):
                    continue
                if any(c.lower_ in _GENERIC_SUBJECT_DETS - {"all"} for c in tok.children
                       if c.dep_ in ("det", "amod", "nummod", "predet")):
                    continue
                lemma = tok.lemma_.lower()
                kids = list(tok.children)
                if any(c.dep_ == "nummod" and not c.is_alpha for c in kids):
                    continue  # "58 defectors from Europe": a count, not these people
                former = any(c.lower_ in ("former", "ex") for c in kids if c.dep_ == "amod")
                leavers = (lemma in _LEAVER_PLURALS or (former and lemma in _MEMBER_PLURALS)) \
                    and any(c.dep_ in ("det", "prep", "nummod") for c in kids)
                joined = lemma in PERSON_NOUNS and any(
                    c.dep_ == "relcl" and c.lemma_.lower() in _COLLECTIVE_VERBS and (
                        c.lemma_.lower() == "join" or any(
                            g.lower_ in _GROUP_WORDS for g in c.subtree))
                    for c in kids)
                if not (leavers or joined):
                    continue
                if is_speculation(_outside_quotes(span.text_of(self.text), span,
                                                  self._quotes_in(span))):
                    continue
                out.append(span)
                break
        self._collective = out
        return out

    def about_sentences(self, idx: int) -> list[Span]:
        """Sentences that tell what the person did or what was done to them, without an
        account word ("He crossed the border at night", "his father contacted a lawyer",
        "a recruiter convinced her to come"): part of their story for the coder, never
        enough on their own to count as an account."""
        self.subject_sentences()
        return list(self._about.get(idx, []))

    def has_account(self, idx: int) -> bool:
        """Is anything of the person's own account reported: their words (direct or
        indirect), or a sentence about them giving a reason, feeling or perception? A bare
        "X left the group in 2016" is not an account."""
        if self.speaks(idx):
            return True
        self.subject_sentences()
        return idx in self._reasoned

    def account_spans(self, idx: int, collective: bool = False) -> list[Span]:
        """Quotes spoken by person ``idx`` plus sentences reporting their account or what
        they did, and the sentences continuing them."""
        spans = list(self._spoken.get(idx, []))
        spans.extend(self.subject_sentences().get(idx, []))
        spans.extend(self.about_sentences(idx))
        if collective:
            spans.extend(self.collective_sentences())
        spans.extend(self.continuations(spans, idx))
        return dedupe(spans)

    def speaks(self, idx: int) -> bool:
        """Are quotes (direct, transcript or indirect) attributed to person ``idx``?"""
        return idx in self._spoken

    def evidence_spans(self, idx: int) -> list[Span]:
        """What the coder reads for person ``idx``: for a person who speaks, their quotes
        and the sentences reporting their account; for anyone else, everything
        :meth:`account_spans` finds (with the defectors' collective account)."""
        if not self.speaks(idx):
            return self.account_spans(idx, collective=True)
        return dedupe([*self._spoken[idx], *self.subject_sentences().get(idx, [])])

    def continuations(self, spans: Sequence[Span], idx: int) -> list[Span]:
        """The sentence right after one of the person's evidence spans, in the same
        paragraph, that names nobody else and is not the writer wondering: reported
        reasons often run on ("He said he began searching online. The searches brought
        up videos of…")."""
        sents = self.reading.sentences
        if not sents or not spans:
            return []
        if self._sent_starts is None:
            self._sent_starts = [s.span.start for s in sents]
        starts = self._sent_starts
        out: list[Span] = []
        for sp in spans:
            j = bisect.bisect_right(starts, max(sp.end - 1, sp.start)) - 1
            if j < 0 or j + 1 >= len(sents) or sents[j + 1].paragraph != sents[j].paragraph:
                continue
            nxt = sents[j + 1].span
            if self._quote_set.overlaps(nxt) or self._other_person_in(nxt, idx):
                continue
            nxt_text = nxt.text_of(self.text)
            if is_speculation(nxt_text) or _ANALYSIS.search(nxt_text) or \
                    self._party_case(list(self.index.in_span(nxt))):
                continue
            out.append(nxt)
        return out

    @staticmethod
    def _party_case(toks: Sequence[Any]) -> bool:
        """Is the sentence the opposing party's case about the person ("The prosecution
        submits that he left only because …"), not their account?"""
        return any(t.dep_ == "nsubj" and t.lemma_.lower() in _OPPOSING_PARTY
                   and t.head.lemma_.lower() in _CLAIM_VERBS for t in toks)

    def _other_person_in(self, span: Span, idx: int) -> bool:
        """Does the sentence have a subject that is a person other than ``idx``, a generic
        or plural human subject ("many fighters", "experts", "they"), or an opinion word of
        the writer's analysis?"""
        for tok in self.index.in_span(span):
            if tok.dep_ not in ("nsubj", "nsubjpass"):
                continue
            who = person_at(self.reading, self.index.span_of(tok))
            if who is not None and who != idx:
                return True
            if who is None and not main_clause(tok.head):
                continue  # "…videos suggesting that Muslims were getting help": embedded
            if who is None and (tok.pos_ in ("PRON", "PROPN") and tok.lower_ not in (
                    "it", "this", "that", "there", "which", "what")):
                return True
            if who is None and _generic(tok) and tok.pos_ != "PRON" and (
                    tok.lemma_.lower() in PERSON_NOUNS or tok.ent_type_ in ("NORP", "PERSON")):
                return True
        return False


def _outside_quotes(sent_text: str, span: Span, quotes: Sequence[Span]) -> str:
    """The sentence with its quoted parts blanked (the writer's own words only)."""
    chars = list(sent_text)
    for q in quotes:
        if q.end <= span.start or q.start >= span.end:
            continue
        for p in range(max(q.start, span.start), min(q.end, span.end)):
            chars[p - span.start] = " "
    return "".join(chars)


def _generic(tok: Any) -> bool:
    """A generic or plural subject ("many fighters", "experts") is analysis, not a person."""
    if tok.tag_ in ("NNS", "NNPS") or tok.lower_ in ("they", "them", "people", "we"):
        return True
    return any(c.lower_ in _GENERIC_SUBJECT_DETS for c in tok.children if c.dep_ in ("det", "amod"))


def _speaks_of(finder: AccountFinder, span: Span, person: Person,
               reading: DocumentReading) -> bool:
    """Does a quote refer to ``person`` (a third-person pronoun of their gender, or a word
    of their name)?"""
    gender = person.profile.value("gender")
    pronouns = {"m": MALE_PRONOUNS, "f": FEMALE_PRONOUNS}.get(gender or "", THIRD_PRONOUNS)
    names = {w.lower() for w in (person.name or "").split() if len(w) > 2}
    return any(t.lower_ in pronouns or t.lower_ in names for t in finder.index.in_span(span))


def dedupe(spans: Sequence[Span]) -> list[Span]:
    """Sorted spans with duplicates and spans contained in another one removed."""
    ordered = sorted(set(spans), key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for s in ordered:
        if out and out[-1].contains(s):
            continue
        out.append(s)
    return out


class EvidenceStage:
    """Fills ``person.evidence`` for every defector."""

    name = "evidence"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        for reading in readings:
            finder: AccountFinder = reading.scratch.get("account_finder") or AccountFinder(reading)
            kin: dict[int, tuple[int | None, str]] = reading.scratch.get("kin", {})
            voiced_by: dict[int, set[int]] = reading.scratch.get("voiced_by", {})
            kin_of: dict[int, set[int]] = {}  # person -> their relatives
            for rel, (target, _noun) in kin.items():
                if target is not None:
                    kin_of.setdefault(target, set()).add(rel)
            by_speaker: dict[int, list[Quote]] = {}
            for q in reading.quotes:
                if q.speaker is not None:
                    by_speaker.setdefault(q.speaker, []).append(q)
            for idx, person in enumerate(reading.persons):
                if not person.is_defector:
                    person.evidence = []
                    continue
                spans = finder.evidence_spans(idx)
                relatives = set(kin_of.get(idx, set()))
                teller = kin[idx][0] if idx in kin else None
                if teller is not None:
                    relatives.add(teller)  # "her son X": the mother tells of him
                relatives.discard(idx)
                if person.source_voice == "relative":
                    tellers = (relatives | voiced_by.get(idx, set())) - {idx}
                    spans.extend(q.span for t in tellers for q in by_speaker.get(t, []))
                else:
                    # a relative telling what the person went through, alongside their own
                    # words: the relative's quotes that speak of them ("he", "him", the name)
                    spans.extend(q.span for t in relatives for q in by_speaker.get(t, [])
                                 if q.kind != "indirect"
                                 and _speaks_of(finder, q.span, person, reading))
                person.evidence = dedupe(spans)
