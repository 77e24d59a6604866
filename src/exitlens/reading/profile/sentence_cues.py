"""Sentence cues: what the sentences about a person say of them — places, age,
occupation, role in the group, how they left (exit mode) and where they are now
(outcome) — each cue given to the person it is about (the subject of its verb, else the
nearest mention), plus the gender votes of pronouns. Years are read by :mod:`.years`.
"""

from __future__ import annotations

import re

from ...model import Span
from ..gazetteer import Gazetteer
from .choice import P_SENTENCE, P_WEAK, Evidence
from .noun_cues import _age_int, _group_name, _nationality_from_match, _origin_context
from .patterns import (
    _ACCUSED_BEFORE,
    _AFTER_OTHER_EXIT,
    _AGE_PATTERNS,
    _AGE_SENTENCE,
    _ARREST_EXIT_CONTEXT,
    _ASSIGNED_BEFORE,
    _ATTEMPT_BEFORE,
    _BECAME_BEFORE,
    _BY_GROUP_NEAR,
    _CURRENT_STATE,
    _EXIT_ORDER,
    _EXIT_RE,
    _FOR_FIGHTERS,
    _FOR_THEM,
    _FUTURE_BEFORE,
    _GROUP_AGENT_AFTER,
    _GROUP_PRISON_BEFORE,
    _GROUP_PUNISHMENT_AFTER,
    _GROUP_RE,
    _JOIN_TRIP_AFTER,
    _NEGATION_BEFORE,
    _NOT_BEFORE,
    _OCC_NAMES,
    _OCC_RE,
    _OCCUPATION_CUE,
    _OTHER_SIDE_BEFORE,
    _OTHERS_BEFORE,
    _OUTCOME_ORDER,
    _OUTCOME_RE,
    _POSSESSIVE_BEFORE,
    _PRONOUN,
    _REHAB_PLACE,
    _RELATIVE_ROLE_BEFORE,
    _ROLE_ACTION,
    _ROLE_CUE,
    _ROLE_NAMES,
    _ROLE_RE,
    _ROLES_AS_OBJECT,
    _ROLES_NEEDING_GROUP,
    _SOMEONE_ELSES_ROLE,
    _SUICIDE_SELECTION,
    _TRAINING_BEFORE,
    _WISH_BEFORE,
)
from .subjects import NOBODY, QuoteIndex, SentenceView, _inside_name, _owner_of, _Subjects
from .years import _year_cues


def _pronoun_votes(
    text: str,
    sv: SentenceView,
    quoted: QuoteIndex,
    evidence: dict[int, Evidence],
) -> None:
    """Third-person pronouns outside quotes vote for the gender of the person the people
    stage gave them to, else of the nearest preceding mention in the sentence, else of
    the person a pronoun sentence is carried over to."""
    for m in _PRONOUN.finditer(text, sv.span.start, sv.span.end):
        if quoted.covering(m.start()) is not None:
            continue
        own = [pi for pi, sp in sv.mentions if sp.start == m.start()]
        preceding = own or [pi for pi, sp in sv.mentions if sp.end <= m.start()]
        if preceding:
            pi: int | None = preceding[-1]
        elif sv.carried and sv.owners:
            pi = sv.owners[0]
        else:
            continue
        if pi in evidence:
            g = "m" if m.group("m") else "f"
            evidence[pi].gender_votes[g].append(Span(m.start(), m.end()))


def _sentence_cues(
    text: str,
    sv: SentenceView,
    owners: list[int],
    evidence: dict[int, Evidence],
    gaz: Gazetteer,
    quoted: QuoteIndex,
    published: tuple[int | None, int | None],
    last_year: dict[int, int],
    subjects: _Subjects,
) -> None:
    """All sentence-level cues of one sentence, each given to the person it is about."""
    s, e = sv.span.start, sv.span.end
    sent = text[s:e]

    def who(span: Span) -> int | None:
        """The person a noun-phrase cue (age, demonym) is next to."""
        return _owner_of(span, sv, owners)

    def actor(span: Span) -> int | None:
        """The person an event cue (fled, was jailed, served as) is about: the
        grammatical subject of its verb when the parse says, else the nearest mention."""
        subject = subjects.person(span)
        if subject is NOBODY:
            return None
        if subject is not None:
            return subject if subject in owners else None
        return who(span)

    def actors(span: Span) -> list[int]:
        """:func:`actor` plus persons coordinated with the subject."""
        first = actor(span)
        if first is None:
            return []
        return [first, *(c for c in subjects.conjuncts(span) if c in owners and c != first)]

    # nationality / region / places
    for gm in gaz.iter_matches(text, s, e):
        pi = who(gm.span)
        if pi is not None:
            _nationality_from_match(text, gm, evidence[pi], P_SENTENCE, np_context=False)
            if gm.span in evidence[pi].origin_spans:
                continue
        pi = actor(gm.span)
        if pi is None:
            continue
        ev = evidence[pi]
        place = gm.first("place")
        if place is not None and place.place is not None:
            if place.place.kind == "transit":
                ev.route.append((gm.span.start, place.name, gm.span))
            elif place.place.kind == "zone":
                before = text[max(0, gm.span.start - 40) : gm.span.start]
                if not _origin_context(before, ""):
                    ev.places.append((gm.span.start, place.name, gm.span))

    # age in a sentence: "the 26-year-old", "who is now 30"
    for pat in _AGE_PATTERNS:
        for m in pat.finditer(sent):
            pre = sent[max(0, m.start() - 12) : m.start()]
            if _POSSESSIVE_BEFORE.search(pre) or not re.search(r"\b(?:the|a|an)\s+$", pre, re.I):
                continue
            tail = sent[m.end() : m.end() + 30]
            if re.match(r"\s+(?:son|daughter|child|boy|girl|brother|sister)\b", tail, re.I):
                continue
            span = Span(s + m.start(), s + m.end())
            pi = who(span)
            n = _age_int(m.group("n"))
            if pi is not None and 8 <= n <= 90:
                evidence[pi].add("age", n, span, P_SENTENCE)
    for m in _AGE_SENTENCE.finditer(sent):
        span = Span(s + m.start("n"), s + m.end("n"))
        pi = who(span)
        n = _age_int(m.group("n"))
        if pi is not None and 8 <= n <= 90:
            evidence[pi].add("age", n, span, P_WEAK)

    # occupation: "worked as a mechanic", "a former accountant"
    for m in _OCC_RE.finditer(sent):
        name = _group_name(m, "o", _OCC_NAMES)
        if not name:
            continue
        pre = sent[max(0, m.start() - 40) : m.start()]
        if not (m.group(0).lower().startswith("dr") or _OCCUPATION_CUE.search(pre)):
            continue
        if re.search(r"\b(?:his|her|my|their)\s+(?:\w+\s+)?$", pre, re.I):
            continue
        span = Span(s + m.start(), s + m.end())
        in_group = bool(_GROUP_RE.search(sent)) and not re.search(
            r"\bbefore\b|\bback\s+home\b|\bused\s+to\b|\bformer\b|\bat\s+home\b|\bin\s+(?:his|"
            r"her)\s+(?:home|native)", sent, re.I)
        pi = actor(span)
        if pi is None:
            continue
        if in_group:
            continue
        evidence[pi].add("occupation", name, span, P_SENTENCE)

    # role in the group
    for m in _ROLE_RE.finditer(sent):
        name = _group_name(m, "r", _ROLE_NAMES)
        if not name:
            continue
        span = Span(s + m.start(), s + m.end())
        pi = actor(span)
        if pi is None:
            continue
        pre = sent[max(0, m.start() - 60) : m.start()]
        if subjects.is_other_subject(span, owners) or _inside_name(span, sv, text):
            continue
        cue = _ROLE_CUE.search(pre)
        if _NEGATION_BEFORE.search(pre) or _ACCUSED_BEFORE.search(pre):
            continue
        if name == "suicide bomber recruit":
            if _SUICIDE_SELECTION.search(pre + " "):
                evidence[pi].add("role", name, span, P_SENTENCE)
            continue
        if name == "trainee":
            evidence[pi].add("role", name, span, P_WEAK + 1)
            continue
        if name in _ROLES_AS_OBJECT and not _ROLE_ACTION.match(m.group(0)) and \
                _SOMEONE_ELSES_ROLE.search(pre):
            continue  # "bribed a guard", "drove for the emir": another person's post
        if name in ("commander", "emir"):
            if _BECAME_BEFORE.search(pre):
                evidence[pi].add("role", name, span, P_SENTENCE)
            continue
        if name in _ROLES_NEEDING_GROUP:
            if _ASSIGNED_BEFORE.search(pre) or _ROLE_ACTION.match(m.group(0)) or (
                    cue and (_GROUP_RE.search(sent) or _FOR_THEM.search(sent)
                             or _FOR_FIGHTERS.search(sent))):
                evidence[pi].add("role", name, span, P_SENTENCE)
            continue
        if name in ("fighter", "recruit"):
            if _OTHER_SIDE_BEFORE.search(pre) or m.group(0).lower() == "militant" or \
                    _RELATIVE_ROLE_BEFORE.search(pre):
                continue
            if quoted.covering(m.start() + s) is not None and not re.search(
                r"\b(?:I|we)\b", sent
            ):
                continue
            evidence[pi].add("role", name, span, P_WEAK + 1)
            continue
        evidence[pi].add("role", name, span, P_SENTENCE if cue else P_WEAK)

    # exit mode
    first_act: set[int] = set()
    for m in _EXIT_RE.finditer(sent):
        mode = next(k for k in _EXIT_ORDER if m.group(k) is not None)
        pre = sent[max(0, m.start() - 40) : m.start()]
        if _ATTEMPT_BEFORE.search(pre) or _OTHERS_BEFORE.search(pre) or _NOT_BEFORE.search(pre):
            continue
        if mode in ("escaped",) and _JOIN_TRIP_AFTER.match(sent, m.end()):
            continue
        if mode == "escaped" and re.match(r"\s+(?:to|into)\s+(?:Syria|Iraq)\b", sent[m.end():]):
            continue
        if mode == "captured":
            word = m.group(0).lower()
            if not word.endswith("captured") and not _ARREST_EXIT_CONTEXT.search(
                    sent, m.end(), min(len(sent), m.end() + 80)):
                continue
            if _BY_GROUP_NEAR.search(sent, m.end(), min(len(sent), m.end() + 70)):
                continue  # caught and jailed *by the group*: a punishment, not an exit
            other = _AFTER_OTHER_EXIT.match(sent, m.end())
            if other:
                v = other.group("v").lower()
                mode = ("deserted" if v.startswith("desert") else "surrendered"
                        if v.startswith("surrender") else "escaped")
        span = Span(s + m.start(), s + m.end())
        carriers = actors(span)
        if mode == "smuggled" and not carriers:
            # "a man agreed to take him across", "her brother paid a smuggler": the
            # person is the one carried out
            carried = who(span)
            carriers = [carried] if carried is not None else []
        for pi in carriers:
            if mode != "escaped":
                # "deserted, crossed with smugglers and was arrested": the act that
                # took the person out comes first; what follows is its aftermath
                if pi in first_act:
                    continue
                first_act.add(pi)
            evidence[pi].add("exit_mode", mode, span, _EXIT_ORDER.index(mode))

    # outcome
    for m in _OUTCOME_RE.finditer(sent):
        outcome = next(k for k in _OUTCOME_ORDER if m.group(k) is not None)
        pre = sent[max(0, m.start() - 50) : m.start()]
        if _FUTURE_BEFORE.search(pre) or _OTHERS_BEFORE.search(pre):
            continue
        if outcome in ("prison", "camp") and (
            _GROUP_AGENT_AFTER.match(sent, m.end()) or _GROUP_PRISON_BEFORE.search(pre)
            or _GROUP_PRISON_BEFORE.search(m.group(0))
        ):
            continue
        if outcome == "camp" and _TRAINING_BEFORE.search(pre):
            continue
        if outcome == "returned_home" and _WISH_BEFORE.search(pre):
            continue
        if outcome == "prison" and _GROUP_PUNISHMENT_AFTER.match(sent, m.end()):
            continue
        if outcome == "returned_home" and m.group(0).lower().startswith("return") and \
                re.match(r"return(?:s|ed)?\s+to\s+(?:Syria|Iraq|Raqqa|Mosul|the|Turkey|"
                         r"Islamic|ISIS|Daesh)\b", m.group(0), re.I):
            continue
        if outcome == "in_hiding" and re.search(
                r"(?:Islamic\s+State|IS|ISIS|ISIL|group's)\s+$", pre):
            continue
        span = Span(s + m.start(), s + m.end())
        rank = _OUTCOME_ORDER.index(outcome)
        if outcome == "rehabilitation_centre" and _REHAB_PLACE.search(m.group(0)):
            rank = -1  # a programme is where a person ends up, usually after prison
        if _CURRENT_STATE.search(pre[-30:]) or _CURRENT_STATE.search(m.group(0)):
            rank -= len(_OUTCOME_ORDER) + 1  # "now lives in", "remains in": the latest state
        for pi in actors(span):
            evidence[pi].add("outcome", outcome, span, rank)

    _year_cues(text, sv, who, actors, evidence, published, last_year, subjects)

