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
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

from ..model import DocumentReading, Span
from ..pipeline import PipelineContext
from .cues import ACCOUNT_VERBS, SpanSet, TokenIndex
from .people import person_at

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
        self.index = TokenIndex(reading)
        self.quote_spans = sorted(
            (q.span for q in reading.quotes if q.kind in ("direct", "transcript")),
            key=lambda s: s.start,
        )
        self.quote_starts = [s.start for s in self.quote_spans]
        self._quote_set = SpanSet(self.quote_spans)
        self._sentences_by_person: dict[int, list[Span]] | None = None
        self._reasoned: set[int] = set()
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
        for sent in self.reading.sentences:
            span = sent.span
            sent_text = span.text_of(self.text)
            i = bisect.bisect_right(starts, span.start) - 1
            if i >= 0 and self.quote_spans[i].contains(span):
                continue  # wholly inside a quote: the quote itself is the evidence
            if is_speculation(_outside_quotes(sent_text, span, self._quotes_in(span))):
                continue
            toks = list(self.index.in_span(span))
            lemmas = {t.lemma_.lower() for t in toks if not self.in_quote(self.index.start_of(t))}
            if not lemmas & ACCOUNT_LEMMAS:
                continue
            for tok in toks:
                if tok.dep_ not in ("nsubj", "nsubjpass"):
                    continue
                if self.in_quote(self.index.start_of(tok)) or _generic(tok):
                    continue
                who = person_at(self.reading, self.index.span_of(tok))
                if who is None:
                    continue
                if lemmas & REASON_LEMMAS:
                    self._reasoned.add(who)
                lst = out.setdefault(who, [])
                if not lst or lst[-1] != span:
                    lst.append(span)
        self._sentences_by_person = out
        return out

    def has_account(self, idx: int) -> bool:
        """Is anything of the person's own account reported: their words (direct or
        indirect), or a sentence about them giving a reason, feeling or perception? A bare
        "X left the group in 2016" is not an account."""
        if idx in self._spoken:
            return True
        self.subject_sentences()
        return idx in self._reasoned

    def account_spans(self, idx: int) -> list[Span]:
        """Quotes spoken by person ``idx`` plus sentences reporting their account."""
        spans = list(self._spoken.get(idx, []))
        spans.extend(self.subject_sentences().get(idx, []))
        return dedupe(spans)


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
            for idx, person in enumerate(reading.persons):
                if not person.is_defector:
                    person.evidence = []
                    continue
                spans = finder.account_spans(idx)
                if person.source_voice == "relative":
                    tellers = {rel for rel, (target, _noun) in kin.items() if target == idx}
                    tellers |= voiced_by.get(idx, set())
                    spans.extend(q.span for q in reading.quotes
                                 if q.speaker in tellers and q.speaker != idx)
                person.evidence = dedupe(spans)
