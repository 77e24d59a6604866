"""The cues the role stage decides from, read from the parse per person.

- how they are described: the head noun and modifiers of their descriptors and of the
  appositions and compounds around their name ("a former fighter", "ISIS defector", "a
  researcher at the … Institute", "his mother");
- what they do as grammatical subject outside quotes ("he fled", "she surrendered", "he is
  still fighting"), each person of a coordinated subject ("A and B deserted") and of a
  counted group whose members are listed;
- what they say of themselves in their own quotes ("I left", "we escaped", "I joined").

:mod:`exitlens.reading.roles` turns them into roles; the word sets here are general English
for reporting on people who joined or left an armed group.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from ..model import DocumentReading, Quote, Span
from .cues import (
    FIRST_PERSON,
    FIRST_PERSON_PLURAL,
    JOURNALIST_NOUNS,
    KIN_NOUNS,
    OFFICIAL_NOUNS,
    PERSON_NOUNS,
    TokenIndex,
    number_value,
    own_words,
)
from .evidence import AccountFinder
from .gazetteer import load_gazetteer
from .people import person_at

LEAVE_VERBS = frozenset(
    {
        "leave", "defect", "escape", "flee", "desert", "surrender", "quit", "abandon",
        "renounce", "smuggle", "sneak", "slip", "run", "break", "walk", "get",
    }
)
# Verbs that count only with a particle or object ("ran away", "broke away", "got out").
_PARTICLE_LEAVE = {"run": {"away", "off"}, "break": {"away", "with"}, "walk": {"away", "out"},
                   "get": {"out", "away"}, "slip": {"away", "out"}, "sneak": {"out", "away"},
                   "smuggle": {"out", "away"}}
_WITHHELD_DETAILS = frozenset({"where", "which", "name", "surname", "whereabouts", "town",
                               "village", "city", "country", "address", "age", "identity",
                               "when", "who"})
_CARE_WORK = frozenset({"aid", "humanitarian", "social", "case", "youth", "outreach", "health",
                        "relief", "ngo", "charity", "support", "community"})
_SILENCE_VERBS = frozenset({"say", "explain", "talk", "speak", "comment", "reveal", "tell",
                            "decline", "refuse", "disclose", "discuss"})
# Being prosecuted for terrorism implies (alleged) membership.
_PROSECUTION = frozenset({"charge", "convict", "guilty", "sentence", "trial", "prosecute",
                          "plead", "indict", "testify"})
# Word forms of leaving verbs, for when the tagger calls a participle an adjective.
LEAVE_FORMS = {
    f: lemma for lemma, forms in {
        "desert": ("deserted", "deserting"), "defect": ("defected", "defecting"),
        "flee": ("fled", "fleeing"), "escape": ("escaped", "escaping"),
        "surrender": ("surrendered", "surrendering"), "quit": ("quitting",),
    }.items() for f in forms
}
JOIN_VERBS = frozenset(
    {"join", "pledge", "enlist", "recruit", "serve", "fight", "volunteer", "work", "assign"}
)
LEAVER_NOUNS = frozenset({"defector", "deserter", "returnee", "escapee", "renegade"})
MEMBER_NOUNS = frozenset(
    {
        "fighter", "militant", "jihadist", "jihadi", "member", "recruit", "emir", "mujahid",
        "operative", "bride", "extremist", "terrorist", "insurgent", "sniper", "executioner",
        "combatant", "loyalist", "supporter", "follower",
    }
)
INSTITUTION_WORDS = frozenset(
    {
        "institute", "university", "center", "centre", "college", "council", "foundation",
        "school", "think", "tank", "ministry", "department", "agency", "police", "court",
        "government", "programme", "program", "commission", "office",
    }
)
# Modifiers showing a member noun belongs to a force opposed to the group.
OTHER_FORCES = frozenset(
    {
        "kurdish", "peshmerga", "fsa", "rebel", "army", "sdf", "ypg", "government",
        "regime", "iraqi", "coalition", "american", "us", "u.s.", "police", "security",
        "resistance", "opposition", "free", "moderate", "militia", "shia", "shiite",
    }
)
_PEOPLE_NOUNS = frozenset({"man", "woman", "people", "person", "fighter", "member", "recruit",
                           "youth", "teenager", "foreigner", "jihadist", "militant", "wife",
                           "mother", "father", "brother", "sister"})
_TOLD_VERBS = LEAVE_VERBS | JOIN_VERBS | {"hand", "turn", "return", "come"}
STILL_WORDS = frozenset({"still", "remain", "remains", "continue", "rejoin"})
_NOT_LEAVE_OBJECTS = frozenset({"home", "country", "family", "school", "job", "house", "town",
                                "city", "village", "university", "wife", "husband", "children"})
GROUP_OBJECTS = frozenset(
    {
        "isis", "isil", "is", "daesh", "state", "group", "organisation", "organization",
        "caliphate", "ranks", "territory", "militants", "jihadists", "khilafah", "cell",
        "movement", "militia", "brigade", "unit", "network", "organisation's",
    }
)


# "on leave", "a permit", "an errand": an authorised absence from the group's territory
_LEAVE_PERMIT = frozenset({"leave", "permit", "permission", "errand", "pass", "furlough"})
_BORDER_WORDS = frozenset({"border", "frontier", "line", "lines", "river"})
_CUSTODY = frozenset({"camp", "prison", "jail", "centre", "center", "detention", "cell",
                      "custody", "facility", "shelter"})
_OFFICE_WORDS = frozenset({"office", "department", "bureau", "ministry", "court", "police",
                           "hisba", "diwan", "media", "prison", "checkpoint"})


# The document is about the group, under any of its names.
_GROUP_CONTEXT = re.compile(
    r"\b(?:islamic\s+state|isis|isil|daesh|da'?ish|the\s+caliphate|khilafah|dawla|"
    r"the\s+organi[sz]ation)\b", re.IGNORECASE)


# Words that place a text in the group's war even when it never names the group ("the
# group", "his emir", "in Raqqa"): two different ones make a conflict context.
_CONFLICT_TERMS = re.compile(
    r"\b(?:the\s+group|emirs?|raqqa|mosul|baghouz|deir\s+ez-?zor|tal\s+afar|manbij|"
    r"fallujah|hisba|sharia|jihad\w*|mujahid\w*|caliph\w*|bay'?ah|allegiance|"
    r"foreign\s+fighters?|syria|iraq|the\s+brothers|apostates?|checkpoints?)\b",
    re.IGNORECASE)


@dataclass
class _Cues:
    leave: list[tuple[Span, float]] = field(default_factory=list)
    member: list[tuple[Span, float]] = field(default_factory=list)
    official: list[Span] = field(default_factory=list)
    journalist: list[Span] = field(default_factory=list)
    relative: list[Span] = field(default_factory=list)
    still: list[Span] = field(default_factory=list)


def _modifier_words(tok: Any) -> set[str]:
    return {c.lower_ for c in tok.subtree if c.i != tok.i}


def _has_group_word(words: set[str]) -> bool:
    return bool(words & {"isis", "isil", "is", "daesh", "state", "caliphate", "jihadist",
                         "jihadi", "islamic"})


def _across_border(verb: Any) -> bool:
    """"... across the border", "over the frontier": a crossing out of the territory."""
    return any(t.dep_ == "prep" and t.lower_ in ("across", "over", "through", "to") and any(
        g.lemma_.lower() in _BORDER_WORDS for g in t.subtree) for t in verb.children)


def _purpose_words(verb: Any) -> set[str]:
    """Lemmas under ``verb`` outside the clauses giving its cause: "left home to fight"
    holds "fight", "left because they forced him to fight" does not."""
    causes = [c for c in verb.children if c.dep_ == "advcl" and any(
        g.dep_ == "mark" and g.lower_ in ("because", "since", "as") for g in c.children)]
    causes += [c for c in verb.children if c.dep_ == "prep" and c.lower_ == "because"]
    skip = {t.i for c in causes for t in c.subtree} | {verb.i}
    return {t.lemma_.lower() for t in verb.subtree if t.i not in skip}


def _near_words(verb: Any) -> set[str]:
    """Lemmas of the verb's sentence and the one before it."""
    sent = verb.sent
    words = {t.lemma_.lower() for t in sent}
    if sent.start > 0:
        words |= {t.lemma_.lower() for t in verb.doc[sent.start - 1].sent}
    return words


def _for_the_group(verb: Any) -> bool:
    """Does ``verb`` (or its object) have a "for <the group by name>" phrase ("worked for
    Daesh", "carried a rifle for the Islamic State")?"""
    heads = [verb] + [o for o in verb.children if o.dep_ == "dobj"]
    for prep in (c for h in heads for c in h.children):
        if prep.dep_ != "prep" or prep.lower_ != "for":
            continue
        words = {g.lower_ for g in prep.subtree}
        if words & {"isis", "isil", "daesh", "caliphate"} or words >= {"islamic", "state"}:
            return True
    return False


class _CueReader:
    """The cues of one reading, per person: how each is described, what they do and what
    they say of themselves (:class:`_Cues`); :mod:`exitlens.reading.roles` decides from them."""

    def __init__(self, reading: DocumentReading):
        self.reading = reading
        self.text = reading.document.text
        self.index = TokenIndex.of(reading)
        self.cues: dict[int, _Cues] = {i: _Cues() for i in range(len(reading.persons))}
        self.finder = AccountFinder(reading)
        reading.scratch["account_finder"] = self.finder
        self.voiced_by: dict[int, set[int]] = {}  # person -> speakers who tell about them
        self.silent: set[int] = set()  # people the text says have not given their account
        self._sentences: tuple[list[int], list[Span]] | None = None
        spoken = sorted((q.span.start, q.span.end, q.speaker) for q in reading.quotes
                        if own_words(q, reading))
        self._spoken = spoken
        self._spoken_starts = [a for a, _, _ in spoken]
        self._by_speaker: dict[int, list[Quote]] = {}
        for q in reading.quotes:
            if q.speaker is not None:
                self._by_speaker.setdefault(q.speaker, []).append(q)
        # how much each person speaks, for the role model's features
        self._quote_chars = {k: sum(len(q.span) for q in v) for k, v in self._by_speaker.items()}
        self._all_quote_chars = sum(len(q.span) for q in reading.quotes) or 1

    def speaker_at(self, pos: int) -> int | None:
        i = bisect.bisect_right(self._spoken_starts, pos) - 1
        if i >= 0 and self._spoken[i][0] <= pos < self._spoken[i][1]:
            return self._spoken[i][2]
        return None

    def speaks_of_kin(self, idx: int) -> bool:
        """Does person ``idx`` speak of "my husband/son/brother…" in their own quotes?"""
        for q in self._by_speaker.get(idx, []):
            for tok in self.index.in_span(q.span):
                if tok.lemma_.lower() in KIN_NOUNS and any(
                        c.dep_ == "poss" and c.lower_ in ("my", "our") for c in tok.children):
                    return True
        return False

    def span(self, tok: Any) -> Span:
        return self.index.span_of(tok)

    # -- descriptions --------------------------------------------------------------
    def noun_cues(self, idx: int, tok: Any) -> None:
        """Cues from a person noun describing person ``idx`` (descriptor head or title)."""
        c = self.cues[idx]
        lemma = tok.lemma_.lower()
        mods = {x.lower_ for x in tok.children if x.dep_ in ("amod", "compound", "nmod", "poss",
                                                              "nummod", "advmod")}
        words = _modifier_words(tok) if tok.dep_ != "ROOT" else mods
        former = bool(mods & {"former", "ex", "one-time", "onetime", "erstwhile", "disillusioned"}
                      ) or self.text[max(0, self.index.start_of(tok) - 3):self.index.start_of(tok)
                                     ].lower().endswith("ex-")
        other_force = bool(mods & OTHER_FORCES) and not _has_group_word(mods)
        if lemma in LEAVER_NOUNS and not (words & {"army", "regime", "military"}):
            c.leave.append((self.span(tok), 1.0))
            c.member.append((self.span(tok), 0.8))
        elif lemma in MEMBER_NOUNS and not other_force:
            if former:
                # "a former member of Islamic State": as explicit as "defector"
                c.leave.append((self.span(tok), 0.95 if _has_group_word(words) else 0.8))
            c.member.append((self.span(tok), 0.9 if _has_group_word(words) else 0.6))
            if not former and "still" in words and words & (GROUP_OBJECTS | {"inside", "with"}):
                c.still.append(self.span(tok))  # "a fighter still inside the group"
        elif lemma in JOURNALIST_NOUNS:
            c.journalist.append(self.span(tok))
        elif lemma in OFFICIAL_NOUNS and (other_force or not _has_group_word(mods)) and not (
                lemma == "worker" and not mods & _CARE_WORK):
            # "an aid worker" speaks for an organisation; "a former cement-plant worker"
            # has an occupation
            c.official.append(self.span(tok))
        elif lemma in KIN_NOUNS and former and _has_group_word(words):
            c.leave.append((self.span(tok), 0.8))  # "a former ISIS wife"
            c.member.append((self.span(tok), 0.6))
        elif lemma in KIN_NOUNS and any(x.dep_ in ("poss", "relcl") for x in tok.children):
            c.relative.append(self.span(tok))
        if former and lemma in OFFICIAL_NOUNS and _has_group_word(words):
            c.leave.append((self.span(tok), 0.8))
            c.member.append((self.span(tok), 0.8))

    def description_cues(self) -> None:
        for idx, person in enumerate(self.reading.persons):
            for m in person.mentions:
                if m.kind in ("descriptor", "nominal"):
                    head = self._head_in(m.span)
                    if head is not None:
                        self.noun_cues(idx, head)
                elif m.kind in ("name", "alias"):
                    self.name_context(idx, m.span)

    def _head_in(self, span: Span) -> Any | None:
        """The syntactic head of a mention: its token whose head lies outside the span."""
        for tok in self.index.in_span(span):
            head_pos = self.index.start_of(tok.head)
            if tok.head.i == tok.i or not (span.start <= head_pos < span.end):
                return tok
        return None

    def name_context(self, idx: int, span: Span) -> None:
        """Titles and appositions around a name: "analyst X", "X, a former fighter",
        "the agency's X"."""
        toks = list(self.index.in_span(span))
        if not toks:
            return
        head = self._head_in(span) or toks[-1]
        first = toks[0]
        if first.i > 0:
            before = first.doc[first.i - 1]
            if before.lower_.rstrip(".") in OFFICIAL_NOUNS | {"gen", "col", "dr", "prof", "sen"}:
                self.cues[idx].official.append(self.span(before))
            elif before.lower_ in JOURNALIST_NOUNS:
                self.cues[idx].journalist.append(self.span(before))
        for t in toks:
            low = t.lower_.rstrip(".")
            if low in OFFICIAL_NOUNS or low in ("prime", "minister", "gen", "col", "dr", "prof"):
                self.cues[idx].official.append(self.span(t))
        for child in head.children:
            outside = not (span.start <= self.index.start_of(child) < span.end)
            if child.dep_ in ("compound", "amod", "appos", "nmod") and outside and (
                    child.pos_ == "NOUN" or child.lemma_.lower() in LEAVER_NOUNS | MEMBER_NOUNS):
                self.noun_cues(idx, child)
            if child.dep_ == "poss" and child.ent_type_ == "ORG":
                self.cues[idx].journalist.append(self.span(child))
        if head.dep_ == "appos" and head.head.pos_ == "NOUN":
            self.noun_cues(idx, head.head)
        if head.dep_ == "compound" and head.head.pos_ == "NOUN" and head.head.lemma_.lower() in (
                OFFICIAL_NOUNS | JOURNALIST_NOUNS):
            self.noun_cues(idx, head.head)

    # -- actions -----------------------------------------------------------------------
    def verb_cues(self, idx: int, verb: Any, subj: Any, weight: float) -> None:
        c = self.cues[idx]
        lemma = LEAVE_FORMS.get(verb.lower_, verb.lemma_.lower())
        sub = {t.lemma_.lower() for t in verb.subtree if t.i != verb.i}
        kids = {t.lower_ for t in verb.children}
        if any(t.lower_ == "still" or t.lemma_.lower() in ("rejoin",) for t in verb.children):
            c.still.append(self.span(verb))
        if (lemma in ("return", "come") or (lemma == "go" and "back" in kids)) and any(
                t.lower_ == "never" for t in verb.children) and _LEAVE_PERMIT & _near_words(verb):
            # "went on leave to see his mother and never returned": a way out
            c.leave.append((self.span(verb), 0.7 * weight))
            return
        if any(t.dep_ == "neg" for t in verb.children):
            return
        # conditional / wished-for leaving is not leaving ("wanted to leave" counts: acted on)
        if lemma in LEAVE_VERBS:
            if lemma in _PARTICLE_LEAVE and not (kids & _PARTICLE_LEAVE[lemma]) and not any(
                    t.dep_ == "prep" and t.lower_ in ("across", "over", "through") and any(
                        g.lemma_.lower() in _BORDER_WORDS for g in t.subtree)
                    for t in verb.children):
                return  # "slipped across the border" counts, "ran to the shop" does not
            objs = [t for t in verb.children if t.dep_ in ("dobj", "pobj")] + [
                g for t in verb.children if t.dep_ == "prep" for g in t.children
                if g.dep_ == "pobj"]
            obj_words = {o.lower_ for o in objs}
            if _purpose_words(verb) & {"join", "fight"} and lemma in ("leave", "flee") and not (
                    obj_words & GROUP_OBJECTS):
                c.member.append((self.span(verb), 0.6))
                return  # left home to join
            if lemma == "leave" and not (obj_words & GROUP_OBJECTS) and any(
                    t.dep_ == "prep" and t.lower_ == "for" and (t.head.i == verb.i or any(
                        g.ent_type_ == "GPE" for g in t.children)) for t in verb.subtree):
                # "left for Syria", "left his flat in Hamburg for Syria" (however the parse
                # hangs the place): going to the group, weak evidence of membership
                c.member.append((self.span(verb), 0.4))
                return
            if obj_words & _NOT_LEAVE_OBJECTS and not obj_words & GROUP_OBJECTS and \
                    lemma not in ("escape", "flee", "desert", "defect", "smuggle", "sneak"):
                return  # "left home" is not leaving the group; "escaped from the city" is
            strength = 0.9 if obj_words & GROUP_OBJECTS or lemma in (
                "defect", "desert", "surrender") else 0.6
            c.leave.append((self.span(verb), strength * weight))
            if obj_words & {"isis", "isil", "is", "daesh", "group", "organisation",
                            "organization", "ranks", "state", "caliphate"}:
                c.member.append((self.span(verb), 0.7))
        elif lemma in ("be", "live") and self._custody_after_group(verb):
            # "now in a camp after three years with IS": out of the group, once in it
            c.leave.append((self.span(verb), 0.6 * weight))
            c.member.append((self.span(verb), 0.6 * weight))
        elif (lemma == "turn" and kids & {"in", "himself", "herself"}) or (
                lemma == "hand" and kids & {"himself", "herself", "myself", "themselves"}):
            c.leave.append((self.span(verb), 0.8 * weight))  # turned himself in, handed over
        elif lemma in ("spend", "stay", "live", "work") and any(
                g.lower_ in GROUP_OBJECTS or _has_group_word({g.lower_})
                for t in verb.children if t.dep_ == "prep" and t.lower_ in ("with", "for")
                for g in t.subtree):
            c.member.append((self.span(verb), 0.6))  # "spent a year with the Islamic State"
        elif lemma in ("travel", "go", "head") and any(
                g.ent_type_ == "GPE" for t in verb.children if t.dep_ == "prep"
                and t.lower_ in ("to", "into") for g in t.children) and not (
                sub & {"home", "return", "back"}):
            c.member.append((self.span(verb), 0.4))  # "travelled to Syria": weak
        elif lemma == "marry" and any(
                o.dep_ == "dobj" and o.lemma_.lower() in MEMBER_NOUNS and not (
                    {x.lower_ for x in o.children} & OTHER_FORCES) for o in verb.children):
            c.member.append((self.span(verb), 0.6 * weight))  # "married a fighter": affiliate
        elif lemma in JOIN_VERBS:
            if lemma == "assign" and not (sub & GROUP_OBJECTS) and any(
                    t.lower_ in GROUP_OBJECTS and t.dep_ == "poss"
                    for t in verb.sent if t.i > verb.i):
                sub = sub | {"group"}  # "assigned to the X, the group's police" (misparsed)
            if lemma in ("work", "serve") and not (sub & GROUP_OBJECTS) and \
                    self._group_office(verb):
                c.member.append((self.span(verb), 0.6 * weight))
                return  # "worked in the finance office in Raqqa": serving under the group
            if lemma in ("fight", "serve", "work", "assign") and not (sub & GROUP_OBJECTS):
                return
            if lemma == "recruit" and verb.dep_ != "ROOT" and subj.dep_ != "nsubjpass":
                return
            if sub & OTHER_FORCES and not (_has_group_word(sub) or sub & {
                    "group", "organisation", "organization", "caliphate"}):
                return  # "joined the police", "fought for the Kurdish forces"
            c.member.append((self.span(verb), 0.8 * weight))
        elif lemma == "capture" and sub & {"flee", "escape", "leave", "fleeing", "escaping",
                                           "leaving", "try"}:
            c.leave.append((self.span(verb), 0.7 * weight))

    @staticmethod
    def _custody_after_group(verb: Any) -> bool:
        """"is now in a prison/camp/rehabilitation centre after (N) years with IS"."""
        held = any(g.lemma_.lower() in _CUSTODY for t in verb.children
                   if t.dep_ == "prep" and t.lower_ in ("in", "at", "inside")
                   for g in t.children if g.dep_ == "pobj")
        if not held:
            return False
        for t in verb.subtree:
            if t.lower_ == "after" and t.dep_ == "prep":
                words = {g.lower_ for g in t.subtree if g.text != "is"}  # the verb, not IS
                if _has_group_word(words):
                    return True
        return False

    def _group_office(self, verb: Any) -> bool:
        """Does ``verb`` place its subject in one of the group's offices or services in a
        city it held ("worked in a finance office in Raqqa", "served in the hisba")?"""
        words = {t.lemma_.lower() for t in verb.subtree}
        if words & {"hisba", "diwan", "amniyat", "zakat"}:
            return True
        if not words & _OFFICE_WORDS:
            return False
        gaz = load_gazetteer()
        for t in verb.subtree:
            if t.ent_type_ in ("GPE", "LOC") or t.pos_ == "PROPN":
                for entry in gaz.lookup(t.text):
                    if getattr(entry, "country", None) in ("SY", "IQ"):
                        return True
        return False

    def agent(self, verb: Any) -> Any | None:
        """Who does ``verb``: its subject, the antecedent of a relative "who", or, for
        "decided to flee" / "managed to escape" / "his desire to leave", the subject or
        possessor higher up the tree."""
        node = verb
        for _ in range(4):
            for child in node.children:
                if child.dep_ in ("nsubj", "nsubjpass", "agent") and child.dep_ != "agent":
                    if child.lower_ in ("who", "that") and node.dep_ == "relcl":
                        return node.head
                    return child
            if node.dep_ == "acl" or (node.pos_ == "NOUN" and node is not verb):
                for child in node.children:
                    if child.dep_ == "poss":
                        return child
                if node.dep_ == "acl" and node.head.pos_ in ("NOUN", "PROPN"):
                    head = node.head
                    for child in head.children:
                        if child.dep_ == "poss":
                            return child
                    if head.lemma_.lower() in ("desire", "decision", "attempt", "plan", "bid"):
                        node = head
                        continue
                    return head
            if node.dep_ in ("xcomp", "conj", "advcl", "pcomp", "pobj", "prep", "acl") and \
                    node.head.i != node.i:
                node = node.head
                continue
            return None
        return None

    def agent_person(self, verb: Any) -> tuple[int | None, Any]:
        """The person doing ``verb``: from the parse, else (the small model often misparses
        participles) the nearest person-subject before it in the same sentence."""
        agent = self.agent(verb)
        if agent is not None:
            # "my son Faris left": the name may hang off the subject noun
            for cand in [agent, *(c for c in agent.children if c.dep_ in ("appos", "compound"))]:
                who = person_at(self.reading, self.span(cand))
                if who is not None:
                    return who, cand
            if verb.dep_ == "relcl":
                # "X, a Bosnian in his forties, who surrendered …": the relative clause hangs
                # off a noun inside the apposition; climb to the person it describes
                node = agent
                for _ in range(4):
                    if node.dep_ not in ("pobj", "prep", "appos", "npadvmod") or \
                            node.head.i == node.i or node.lemma_.lower() in PERSON_NOUNS:
                        break  # "the mother of a young man who went": he went, not she
                    node = node.head
                    if node.dep_ == "prep" and node.lower_ not in ("in", "of", "from", "with"):
                        break
                    who = person_at(self.reading, self.span(node))
                    if who is not None and node.pos_ in ("NOUN", "PROPN", "ADJ"):
                        return who, node
        for tok in reversed(verb.doc[verb.sent.start : verb.i]):
            if tok.dep_ not in ("nsubj", "nsubjpass"):
                continue
            target = tok
            if tok.lower_ in ("who", "that"):
                target = tok.head.head  # the noun the relative clause describes
            who = person_at(self.reading, self.span(target))
            if who is not None:
                return who, target
            break
        return None, None

    def _listed_members(self, verb: Any) -> list[int]:
        """People listed as members of a counted group that does ``verb``: "Three men who
        fled the group spoke to us: A, 24; B, an Afghan; and a teenager", "two deserters,
        A and B, said …". The list follows the plural noun after a colon or in apposition,
        in the same sentence, and names as many people as the group counts (so "defectors
        who fled described the leaders: X and Y" gives the leaders nothing)."""
        group = self.agent(verb)
        if group is None or group.tag_ not in ("NNS", "NNPS") or \
                group.lemma_.lower() not in PERSON_NOUNS:
            return []
        count = next((number_value(c.text) for c in group.children if c.dep_ == "nummod"), 0)
        if count < 2:
            return []
        sent_end = self.index.start_of(group.sent[-1]) + len(group.sent[-1].text)
        after = self.index.start_of(group) + len(group.text)
        colon = self.text.find(":", after, sent_end)
        if colon >= 0:
            region = Span(colon + 1, sent_end)
        else:
            appos = [c for c in group.children if c.dep_ == "appos"]
            if not appos:
                return []
            sub = list(appos[0].subtree)
            region = Span(self.index.start_of(sub[0]),
                          self.index.start_of(sub[-1]) + len(sub[-1].text))
        members = []
        for i, person in enumerate(self.reading.persons):
            if any(m.kind in ("name", "alias", "descriptor") and region.start <= m.span.start
                   < region.end and not self.finder.in_quote(m.span.start)
                   for m in person.mentions):
                members.append(i)
        return members if len(members) == count else []

    def _conjoined(self, agent: Any, who: int) -> list[tuple[int, Any]]:
        """The other people of a coordinated subject ("A and B fled", "she and her husband
        escaped"): each did what the verb says, not only the first named."""
        if agent is None:
            return []
        out: list[tuple[int, Any]] = []
        for conj in agent.conjuncts:
            for cand in [conj, *(c for c in conj.children if c.dep_ in ("appos", "compound"))]:
                other = person_at(self.reading, self.span(cand))
                if other is not None:
                    if other != who and all(other != o for o, _ in out):
                        out.append((other, conj))
                    break
        return out

    def _pair_before(self, verb: Any) -> list[tuple[int, Any]]:
        """"A and B travelled to Syria together. Both left in 2016": a subject "both",
        "they both", "the two (men)" or "both brothers" takes up the two people the
        sentence before names together; nobody when it names no such pair."""
        subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subj is None:
            return []
        words = {c.lower_ for c in subj.children} | {subj.lower_}
        plural = subj.tag_ in ("NNS", "NNPS") and subj.lemma_.lower() in PERSON_NOUNS
        if not (subj.lower_ in ("both", "two") or (subj.lower_ == "they" and "both" in words)
                or (plural and words & {"both", "two"})):
            return []
        if verb.sent.start == 0:
            return []
        for tok in verb.doc[verb.sent.start - 1].sent:  # the sentence before
            first = person_at(self.reading, self.span(tok))
            if first is None or tok.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj"):
                continue
            pair = [(first, tok), *self._conjoined(tok, first)]
            if len(pair) == 2:
                return pair
        return []

    def action_cues(self) -> None:
        finder = self.finder
        interesting = LEAVE_VERBS | JOIN_VERBS | {"turn", "hand", "capture", "travel", "go",
                                                  "head", "spend", "stay", "live", "marry",
                                                  "return", "come", "be"}
        for tok in self.index.tokens:
            pos = self.index.start_of(tok)
            if (tok.pos_ in ("VERB", "AUX") and tok.lemma_.lower() in interesting) or \
                    tok.lower_ in LEAVE_FORMS:
                members = [] if finder.in_quote(pos) else self._listed_members(tok)
                if members:  # a group that did it, its members listed by name
                    for member in members:
                        self.verb_cues(member, tok, None, 0.8)
                    continue
                who, agent = self.agent_person(tok)
                if who is None:
                    pair = self._pair_before(tok)
                    if len(pair) != 2:
                        continue
                    (who, agent), doers = pair[0], pair
                else:
                    doers = [(who, agent), *self._conjoined(agent, who)]
                if finder.in_quote(pos):
                    # a speaker telling about someone else ("he left the organisation")
                    speaker = self.speaker_at(pos)
                    for doer, subj in doers:
                        if speaker is not None and speaker != doer:
                            self.verb_cues(doer, tok, subj, 0.8)
                            self.voiced_by.setdefault(doer, set()).add(speaker)
                    continue
                for doer, subj in doers:
                    self.verb_cues(doer, tok, subj, 1.0)
            elif tok.lower_ == "still" and tok.dep_ == "advmod" and not finder.in_quote(pos) \
                    and tok.head.lemma_.lower() in ("be", "fight", "serve", "remain", "work"):
                # "he is still with the group", "still fighting": a current member
                who, _agent = self.agent_person(tok.head)
                if who is not None:
                    self.cues[who].still.append(self.span(tok))
            elif tok.lemma_.lower() in ("smuggle", "take", "get", "help", "sneak", "bring",
                                        "drive") and not finder.in_quote(pos) and (
                    {c.lower_ for c in tok.children} & {"out"} or _across_border(tok)):
                # "a smuggler took her out", "was smuggled out", "paid a man to take him
                # across the border": the one taken out left
                for obj in tok.children:
                    if obj.dep_ in ("dobj", "nsubjpass"):
                        who = person_at(self.reading, self.span(obj))
                        if who is not None:
                            self.cues[who].leave.append((self.span(tok), 0.7))
            elif tok.lemma_.lower() in _SILENCE_VERBS and not finder.in_quote(pos) and (
                    any(c.dep_ == "neg" for c in tok.children) or tok.lemma_.lower() in (
                        "decline", "refuse")):
                # "he has never said why", "she declined to talk": their account is missing
                # (but "would not say where he sleeps" or "which country" withholds a detail)
                words = {t.lower_ for t in tok.subtree}
                if words & _WITHHELD_DETAILS and not words & {"why", "reason", "reasons"}:
                    continue
                who, _agent = self.agent_person(tok)
                if who is not None and not any(q.kind in ("direct", "transcript")
                                               for q in self._by_speaker.get(who, [])):
                    self.silent.add(who)  # someone quoted in their own words has spoken
            elif tok.dep_ in ("nsubj", "nsubjpass") and not finder.in_quote(pos) and \
                    tok.head.lemma_.lower() in _PROSECUTION | {"find"}:
                who = person_at(self.reading, self.span(tok))
                sent_words = {t.lower_ for t in tok.sent}
                if who is not None and sent_words & {"terrorism", "terrorist", "terror"}:
                    self.cues[who].member.append((self.span(tok.head), 0.6))
            if tok.pos_ == "VERB" and tok.lemma_.lower() not in interesting and \
                    _for_the_group(tok) and not finder.in_quote(pos):
                # "carried a rifle for the Islamic State", "cooked for Daesh": served it
                who, _agent = self.agent_person(tok)
                if who is not None:
                    self.cues[who].member.append((self.span(tok), 0.6))
            if tok.lemma_.lower() == "emir" and not finder.in_quote(pos):
                # "his emir", "Karim's emir": someone with an emir above him served the group
                for poss in tok.children:
                    if poss.dep_ == "poss" and poss.lower_ not in ("its", "their", "our"):
                        who = person_at(self.reading, self.span(poss))
                        if who is not None:
                            self.cues[who].member.append((self.span(tok), 0.6))
            if tok.dep_ == "nsubj" and tok.head.lemma_ in ("be", "become") and \
                    not finder.in_quote(pos):
                who = person_at(self.reading, self.span(tok))
                if who is None:
                    continue
                for attr in tok.head.children:
                    if attr.dep_ == "attr" and attr.pos_ == "NOUN":
                        self.noun_cues(who, attr)

    def quote_cues(self) -> None:
        """What people say about themselves: 'I left', 'we escaped', 'I joined'."""
        for q in self.reading.quotes:
            if q.speaker is None:
                continue
            for tok in self.index.in_span(q.span):
                if tok.pos_ != "VERB" or tok.lemma_.lower() not in _TOLD_VERBS:
                    continue
                agent = self.agent(tok)
                if agent is None:
                    continue
                # indirect speech is outside quotation marks: its "he" is a resolved
                # mention already counted by action_cues
                if q.kind != "indirect" and agent.lower_ in FIRST_PERSON | FIRST_PERSON_PLURAL:
                    self.verb_cues(q.speaker, tok, agent, 0.9)

    # -- decision ----------------------------------------------------------------------
    def topic_cue(self) -> Span | None:
        """A "defectors"/"deserters"/"former fighters" word in the headline or lede, which
        says the people this document quotes are mostly people who left."""
        paras: list[Span] = self.reading.scratch.get("paragraphs", [])
        lede = [p for p in paras if len(p) > 0][:3]
        if not lede:
            return None
        window = Span(lede[0].start, min(lede[-1].end, lede[0].start + 1200))
        for tok in self.index.in_span(window):
            lemma = tok.lemma_.lower()
            if lemma in LEAVER_NOUNS or tok.lower_.rstrip("s") in LEAVER_NOUNS:
                return self.span(tok)
            if lemma in MEMBER_NOUNS | {"guard", "commander", "soldier"} and any(
                    c.lower_ in ("former", "ex") for c in tok.children):
                return self.span(tok)
            if tok.tag_ == "NNS" and lemma in _PEOPLE_NOUNS and any(
                    c.dep_ == "relcl" and (c.lemma_.lower() in ("leave", "quit", "escape",
                                                                "flee", "desert", "abandon")
                                           or c.lower_ in LEAVE_FORMS)
                    and _has_group_word({g.lower_ for g in c.subtree})
                    for c in tok.children):
                return self.span(tok)  # "men who left the Islamic State describe …"
        return None

    def group_leaving_cue(self) -> Span | None:
        """A sentence of the narration saying that members of the group, as a group, left:
        "the fighters who surrendered…", "more fighters continue to flee", "others turned
        themselves in". A member quoted in such a document, in his own words, is one of
        them unless the text says he is still with the group."""
        people = MEMBER_NOUNS | LEAVER_NOUNS | {"other", "those"}
        for tok in self.index.tokens:
            if tok.dep_ not in ("nsubj", "nsubjpass") or self.finder.in_quote(
                    self.index.start_of(tok)):
                continue
            # "hundreds of fighters have surrendered": the noun after "of"
            heads = [tok] + [g for c in tok.children if c.dep_ == "prep" and c.lower_ == "of"
                             for g in c.children if g.dep_ == "pobj"]
            members = any((h.tag_ in ("NNS", "NNPS") or h.lower_ in ("others", "those"))
                          and h.lemma_.lower() in people for h in heads)
            # "three men who say they deserted from Daesh": plain people nouns count
            # with an explicit desertion or the group named
            plain = not members and any(h.tag_ == "NNS" and h.lemma_.lower() in _PEOPLE_NOUNS
                                        for h in heads)
            if not (members or plain):
                continue
            relcls = [c for c in tok.children if c.dep_ == "relcl"]
            verbs = [tok.head, *relcls] + [g for r in relcls for g in r.children
                                          if g.dep_ == "ccomp"]
            for verb in verbs:
                lemma = LEAVE_FORMS.get(verb.lower_, verb.lemma_.lower())
                kids = {c.lower_ for c in verb.children}
                if any(c.dep_ == "neg" for c in verb.children):
                    continue
                if plain and not (lemma in ("desert", "defect") or (
                        lemma in ("flee", "escape", "surrender", "leave")
                        and _has_group_word({g.lower_ for g in verb.subtree}))):
                    continue
                if lemma in ("surrender", "flee", "defect", "desert", "escape") or (
                        lemma == "turn" and kids & {"in", "themselves"}) or (
                        lemma == "continue" and any(
                            c.lemma_.lower() in ("flee", "surrender", "defect")
                            for c in verb.children)):
                    return self.span(verb)
        return None
