"""Roles: defector, current member, journalist, analyst/official, relative or other.

A researcher counting why people left must count only defectors, so every role
decision keeps the words that made it (``Person.role_cues``) and a confidence.
The cues are read from the parse, per person, by :mod:`exitlens.reading.role_cues`: how
they are described, what they do as grammatical subject outside quotes, and what they say
of themselves in their own quotes.

A **defector** needs three things (SPEC §1): a leaving cue, membership (stated, or
implied by "defector"/"former fighter"/leaving the group) and their *own account*
reported — their quotes, indirect speech, sentences reporting what they felt,
saw or decided, or a relative speaking for them. Someone merely mentioned as
having left is "other". The writer's own voice is never a defector.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..cases import match_person_key, reading_person_key
from ..model import DocumentReading, Span
from ..pipeline import PipelineContext
from .cues import sentence_at, sentence_index
from .role_cues import _CONFLICT_TERMS, _GROUP_CONTEXT, _CueReader
from .role_model import (
    RoleModel,
    add_document_features,
    family_rates,
    load_role_model,
    log_count,
    may_promote,
)


class _RoleReader(_CueReader):
    """The role decision over the cues of :class:`_CueReader`."""

    def decide(self) -> None:
        writer = self.reading.scratch.get("writer")
        kin: dict[int, tuple[int | None, str]] = self.reading.scratch.get("kin", {})
        speakers = {q.speaker for q in self.reading.quotes if q.speaker is not None}
        interviewee = self.reading.scratch.get("interviewee")
        voiced_by_relative: set[int] = set()
        for rel, (target, _noun) in kin.items():
            if target is not None and rel in speakers:
                voiced_by_relative.add(target)
        topic = self.topic_cue()
        group_context = _GROUP_CONTEXT.search(self.text) is not None
        group_leaving = self.group_leaving_cue()
        kin_speakers: set[int] = set()
        for target, tellers in self.voiced_by.items():
            for teller in tellers:
                if teller in kin or self.cues[teller].relative or self.speaks_of_kin(teller):
                    voiced_by_relative.add(target)
                    kin_speakers.add(teller)
        conflict_terms = len({m.group().lower() for m in _CONFLICT_TERMS.finditer(self.text)})
        self.doc_flags = {"topic": float(topic is not None), "group_context": float(group_context),
                          "group_leaving": float(group_leaving is not None),
                          "conflict_context": float(group_context or conflict_terms >= 2)}
        self.voiced_by_relative = voiced_by_relative
        self.kin_speakers = kin_speakers
        for idx, person in enumerate(self.reading.persons):
            c = self.cues[idx]
            w_leave = max((w for _, w in c.leave), default=0.0)
            w_member = max((w for _, w in c.member), default=0.0)
            if idx == writer and group_context and not c.still and (
                    w_leave >= 0.7 or (w_leave >= 0.6 and w_member >= 0.6)):
                # a first-person account ("I went in 2014 … I never went back") by someone
                # who tells of leaving, in a text about the group: the writer is the defector
                person.role, person.role_confidence, person.source_voice = "defector", 0.6, "self"
                person.role_cues = [s for s, _ in c.leave[:3]] + [s for s, _ in c.member[:2]]
                continue
            if idx == writer:
                person.role, person.role_confidence = "journalist", 0.9
                person.role_cues = [m.span for m in person.mentions[:3]]
                continue
            leave = max((w for _, w in c.leave), default=0.0)
            member = max((w for _, w in c.member), default=0.0)
            own_voice = idx in speakers
            account = self.finder.has_account(idx)
            # a wife, cousin or son who was a member and whose account is reported (by
            # themselves or a relative) is judged on that, not as a relative
            related = idx in kin or c.relative or (idx in kin_speakers and leave < 0.9)
            if related and (member == 0 or not (
                    account or own_voice or idx in voiced_by_relative)):
                person.role, person.role_confidence = "relative", 0.75
                person.role_cues = c.relative or [m.span for m in person.mentions[:1]]
                continue
            if c.journalist and leave < 0.9:
                person.role, person.role_confidence = "journalist", 0.8
                person.role_cues = c.journalist[:3]
                continue
            if c.official and leave < 0.9:
                person.role, person.role_confidence = "analyst_official", 0.75
                person.role_cues = c.official[:3]
                continue
            # in a document about people who left the group, someone telling of their own
            # leaving was one of its members
            implied_member = member > 0 or any(w >= 0.9 for _, w in c.leave) or (
                topic is not None and own_voice and leave >= 0.6 and not related)
            if leave >= 0.6 and implied_member and not c.still:
                if (account and idx not in self.silent) or idx in voiced_by_relative:
                    person.role = "defector"
                    conf = 0.45 + 0.25 * min(leave, 1.0) + 0.1 * min(member, 1.0)
                    conf += 0.15 if own_voice else 0.05
                    person.role_confidence = round(min(conf, 0.95), 3)
                    person.role_cues = [s for s, _ in c.leave[:3]] + [s for s, _ in c.member[:2]]
                    if own_voice:
                        person.source_voice = "self"
                    elif idx in voiced_by_relative:
                        person.source_voice = "relative"
                    else:
                        person.source_voice = "reported"
                    continue
                person.role, person.role_confidence = "other", 0.5
                person.role_cues = [s for s, _ in c.leave[:3]]
                continue
            if group_context and own_voice and account and leave >= 0.5 and not related \
                    and not c.still and idx not in self.silent:
                # a document about the group ("Daesh", "the caliphate") quoting someone who
                # tells, in their own words, of leaving: leaving implies having been inside
                person.role, person.role_confidence, person.source_voice = "defector", 0.55, "self"
                person.role_cues = [s for s, _ in c.leave[:3]]
                continue
            if idx == interviewee and leave > 0 and account:
                person.role, person.role_confidence, person.source_voice = "defector", 0.6, "self"
                person.role_cues = [s for s, _ in c.leave[:3]]
                continue
            if topic is not None and account and not c.still and idx not in self.silent and (
                    member > 0 or (own_voice and person.name is None)):
                # the document is about defectors ("Defectors tell of…") and this ordinary
                # person's own account is reported: one of them, with lower confidence
                person.role, person.role_confidence = "defector", 0.5
                person.source_voice = "self" if own_voice else "reported"
                person.role_cues = [topic] + [s for s, _ in c.member[:2]]
                continue
            if group_leaving is not None and own_voice and member >= 0.6 and not c.still \
                    and not related and idx not in self.silent and leave == 0:
                # "the fighters who surrendered regret joining … '…,' said X, who joined":
                # leaving implied by the context the writer gives him
                person.role, person.role_confidence, person.source_voice = "defector", 0.5, "self"
                person.role_cues = [group_leaving] + [s for s, _ in c.member[:2]]
                continue
            if member >= 0.6 or c.still:
                person.role = "current_member"
                person.role_confidence = 0.7 if c.still else 0.55
                person.role_cues = c.still[:2] + [s for s, _ in c.member[:3]]
                continue
            person.role, person.role_confidence = "other", 0.5
            person.role_cues = []


    # -- learned second opinion --------------------------------------------------------
    def features(self, idx: int) -> dict[str, float]:
        """The person's feature values for :class:`~exitlens.reading.role_model.RoleModel`:
        the rule cues, how much they speak, and word families around them."""
        reading = self.reading
        person = reading.persons[idx]
        c = self.cues[idx]
        quotes = self._by_speaker.get(idx, [])
        quote_chars = self._quote_chars.get(idx, 0)
        kin = reading.scratch.get("kin", {})
        related = idx in kin or bool(c.relative) or idx in self.kin_speakers
        if self._sentences is None:
            self._sentences = sentence_index(reading)
        starts, spans = self._sentences
        ctx_spans: set[Span] = set()
        for m in person.mentions:
            i = sentence_at(starts, spans, m.span.start)
            if i >= 0:
                ctx_spans.add(spans[i])
        ctx_spans.update(self.finder.account_spans(idx))
        q_spans = {q.span for q in quotes}
        ctx_tokens = [t for s in sorted(ctx_spans - q_spans) for t in self.index.in_span(s)
                      if not self.finder.in_quote(self.index.start_of(t))]
        q_tokens = [t for s in sorted(q_spans) for t in self.index.in_span(s)]
        ctx_rates, _, _, _ = family_rates(ctx_tokens)
        q_rates, q_first, q_past, q_words = family_rates(q_tokens)
        text_len = max(len(self.text), 1)
        first = min((m.span.start for m in person.mentions), default=text_len)
        values: dict[str, float] = {
            "leave_max": max((w for _, w in c.leave), default=0.0),
            "member_max": max((w for _, w in c.member), default=0.0),
            "leave_n": min(len(c.leave), 5) / 5.0,
            "member_n": min(len(c.member), 5) / 5.0,
            "still": float(bool(c.still)),
            "journalist_cue": float(bool(c.journalist)),
            "official_cue": float(bool(c.official)),
            "relative_cue": float(bool(c.relative)),
            "related": float(related),
            "silent": float(idx in self.silent),
            "own_voice": float(bool(quotes)),
            "quotes_log": log_count(len(quotes)),
            "quote_share": quote_chars / self._all_quote_chars,
            "account": float(self.finder.has_account(idx)),
            "voiced_by_relative": float(idx in self.voiced_by_relative),
            "interviewee": float(idx == reading.scratch.get("interviewee")),
            "is_writer": float(idx == reading.scratch.get("writer")),
            "has_name": float(person.name is not None),
            "mentions_log": log_count(len(person.mentions)),
            "first_mention": first / text_len,
            "most_quoted": float(0 < quote_chars == max(self._quote_chars.values(), default=0)),
            "persons_log": log_count(len(reading.persons)),
            "quote_first_person": q_first if q_words else 0.0,
            "quote_past": q_past if q_words else 0.0,
            **self.doc_flags,
        }
        for name, rate in ctx_rates.items():
            values[f"ctx_{name}"] = rate
        for name, rate in q_rates.items():
            values[f"quote_{name}"] = rate
        return values

    def second_opinion(self, model: RoleModel | None) -> None:
        """On a page where the rules found no defector, promote to defector the people
        they left as "other" or "current member" (and a narrator whose own words tie them
        to the group) whom the model is confident about; see
        :func:`~exitlens.reading.role_model.may_promote`. Every person's features (and
        score, with a model) are kept in ``scratch`` for training and inspection."""
        writer = self.reading.scratch.get("writer")
        features = {idx: self.features(idx) for idx in range(len(self.reading.persons))}
        add_document_features(features, [p.role for p in self.reading.persons], writer)
        self.reading.scratch["role_features"] = features
        if model is None:
            return
        scores: dict[int, float] = {}
        for idx, person in enumerate(self.reading.persons):
            p = model.probability(features[idx])
            scores[idx] = p
            person.defector_score = round(p, 4)
            if p < model.threshold or not may_promote(features[idx], person.role,
                                                      idx == writer):
                continue
            c = self.cues[idx]
            person.role = "defector"
            person.role_confidence = round(min(0.45 + 0.4 * p, 0.9), 3)
            person.role_cues = [s for s, _ in c.leave[:3]] + [s for s, _ in c.member[:2]] or [
                m.span for m in person.mentions[:1]]
            person.source_voice = self.voice(idx)
        self.reading.scratch["role_scores"] = scores

    def voice(self, idx: int) -> str:
        """Whose words carry a defector's account: their own, a relative's, or reported."""
        if idx in self._by_speaker or idx == self.reading.scratch.get("writer"):
            return "self"
        return "relative" if idx in self.voiced_by_relative else "reported"

    def reviewed(self) -> None:
        """The reviewers' verdicts on this document (``scratch["verdicts"]``: person key +
        role, from the review log via ``analyze``) win over the rules and the model, so the
        later stages read a person a reviewer called a defector as one (profile, evidence,
        suggested codes) and one they called no defector as none."""
        verdicts = self.reading.scratch.get("verdicts") or []
        if not verdicts:
            return
        persons = self.reading.persons
        keys = [reading_person_key(p) for p in persons]
        mentions = [[(m.span.start, m.span.end) for m in p.mentions] for p in persons]
        for verdict in verdicts:
            idx = match_person_key(verdict, keys, mentions)
            if idx is None or persons[idx].role == verdict["role"]:
                continue
            person = persons[idx]
            person.role, person.role_confidence = verdict["role"], 1.0
            person.source_voice = self.voice(idx) if person.role == "defector" else None


class RoleStage:
    """Sets ``role``, ``role_confidence``, ``role_cues`` and ``source_voice`` of every person.

    The rules decide first; the learned model (``reading.role_model``; the built-in
    one by default, ``"none"`` to switch it off) may then promote people the rules
    left undecided; reviewers' verdicts (``scratch["verdicts"]``) win over both.
    """

    name = "roles"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        setting = context.settings.reading.role_model
        model = None if setting == "none" else context.resource(
            "role_model", setting or "", lambda: load_role_model(setting))
        for reading in readings:
            reader = _RoleReader(reading)
            reader.description_cues()
            reader.action_cues()
            reader.quote_cues()
            reader.decide()
            reader.second_opinion(model)
            reader.reviewed()
            reading.scratch["voiced_by"] = reader.voiced_by
            for person in reading.persons:
                person.role_cues = sorted(set(person.role_cues))
