"""Who said what: each quote's speaker mention mapped to its person, transcript labels
("HOST:", "GUEST:", "A:") and introduced guests, and the relations other stages read from
``reading.scratch`` (writer, kin, genders, the person behind each mention span).
"""

from __future__ import annotations

import bisect
import re

from ...model import Span
from ..cues import FEMALE_PRONOUNS, FIRST_PERSON, KIN_NOUNS, MALE_PRONOUNS, gender_of_word
from ..quotes import is_interviewee_label, is_interviewer_label
from .grouping import _Grouping
from .mentions import _Cand, clip_phrase, name_key
from .patterns import _GENERIC_LABELS, _GUEST_INTRO, _HOST_LABELS, _UNNAMED_LABEL_WORDS


def _unnamed_label(label: str) -> bool:
    """"UNIDENTIFIED MAN", "SECOND FIGHTER", "UNIDENTIFIED FEMALE": a described guest with
    no name, not a name."""
    words = label.split()
    return len(words) > 1 and words[-1] in _GENERIC_LABELS | {"male", "female"} and all(
        w in _UNNAMED_LABEL_WORDS for w in words[:-1])


class _Grouper(_Grouping):
    """Mentions grouped into persons, quotes linked to speakers: the people of one reading."""

    def link_quotes(self) -> None:
        owners = sorted(self.span_owner.items())
        starts = [s for (s, _), _ in owners]
        labels: dict[tuple[int, int], str] = self.reading.scratch.get("transcript_labels", {})
        hosts: set[tuple[int, int]] = self.reading.scratch.get("transcript_hosts", set())
        interviewee: int | None = None
        by_label: dict[str, int] = {}
        kin_labels: dict[int, str] = {}
        answers = set(self.reading.scratch.get("interview_answers", []))
        for q in self.reading.quotes:
            if q.speaker_span is None:
                if q.span in answers:  # an unlabelled interview's answer
                    interviewee = self._interviewee(interviewee, q.span.start)
                    q.speaker = interviewee
                continue
            key = (q.speaker_span.start, q.speaker_span.end)
            if key in labels:
                label = labels[key]
                role_word = label.strip().lower()
                if is_interviewer_label(label) or role_word in _HOST_LABELS or key in hosts:
                    idx = self.writer_index()
                elif role_word in by_label:
                    idx = by_label[role_word]  # "SISTER:" again: the same person
                elif role_word in KIN_NOUNS or role_word in _GENERIC_LABELS or \
                        _unnamed_label(role_word):
                    idx = self.new_person(None)
                    self.builds[idx].person.descriptor = role_word
                    self.builds[idx].has_intro = True
                    self.builds[idx].gender = gender_of_word(role_word.split()[-1])
                    by_label[role_word] = idx
                    if role_word in KIN_NOUNS:
                        kin_labels[idx] = role_word
                elif is_interviewee_label(label):
                    interviewee = self._interviewee(interviewee, q.speaker_span.start)
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
                    idx2 = self.writer_index()
                elif word in MALE_PRONOUNS | FEMALE_PRONOUNS:
                    idx2 = self.recent(q.speaker_span.start, gender_of_word(word))
            q.speaker = idx2
        self.reading.scratch["interviewee"] = interviewee
        self._introduced_guests()
        self._cited_speakers()
        for idx, noun in kin_labels.items():
            target = self._talked_about(idx)
            if target is None:
                target = self._unnamed_kin(idx)
            self.kin[idx] = (target, noun)

    def _interviewee(self, found: int | None, pos: int) -> int:
        """The person an interview's answers belong to: ``found`` once known, else the one
        its introduction presents, else a new person called "the interviewee"."""
        if found is None:
            found = self._introduced_before(pos)
        if found is None:
            found = self.new_person(None)
            self.builds[found].person.descriptor = "the interviewee"
        return found

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
        merges: dict[int, int] = {}
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
            # a host's turn read as narration already made the phrase someone: the guest
            told = next((o for (a, _), o in self.span_owner.items() if a == span.start), None)
            if told is not None and told not in (guest, self.writer) and \
                    not self.builds[told].key:
                merges[told] = guest
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
        if merges:
            self._apply_merges(merges)

    def _cited_speakers(self) -> None:
        """"One respondent explained: “…” (Interviewee 9, …)": the person the sentence
        names and the one the citation names are one person (``scratch["cited_speakers"]``,
        from the quotes stage)."""
        pairs: list[tuple[Span, Span]] = self.reading.scratch.get("cited_speakers", [])
        if not pairs:
            return
        owners = sorted(self.span_owner.items())
        starts = [s for (s, _), _ in owners]
        merges: dict[int, int] = {}
        for cited, framed in pairs:
            dst = self._owner_of(cited, owners, starts)
            src = self._owner_of(framed, owners, starts)
            if dst is None or src is None or src == dst or self.writer in (src, dst) or \
                    src in merges or dst in merges:
                continue
            if self.builds[src].key:
                # the description was taken for someone named before it: the description
                # and the pronouns after it, up to the citation, are the cited person's
                self._move_mentions(src, dst, Span(framed.start, cited.start))
                continue
            merges[src] = dst
        if merges:
            self._apply_merges(merges)

    def _move_mentions(self, src: int, dst: int, region: Span) -> None:
        """Give person ``dst`` the description and pronoun mentions of ``src`` inside
        ``region`` (never its names)."""
        moved = [m for m in self.builds[src].person.mentions
                 if region.start <= m.span.start < region.end
                 and m.kind in ("descriptor", "nominal", "pronoun")]
        if not moved:
            return
        self.builds[src].person.mentions = [m for m in self.builds[src].person.mentions
                                            if m not in moved]
        self.builds[dst].person.mentions.extend(moved)
        for m in moved:
            self.span_owner[(m.span.start, m.span.end)] = dst
        for q in self.reading.quotes:  # what the description said is the cited person's
            if q.speaker == src and q.speaker_span is not None and \
                    region.start <= q.speaker_span.start < region.end:
                q.speaker = dst
        src_person = self.builds[src].person
        if src_person.descriptor is not None and any(
                src_person.descriptor.startswith(m.span.text_of(self.text)) for m in moved):
            if self.builds[dst].person.descriptor is None:
                self.builds[dst].person.descriptor = src_person.descriptor
            src_person.descriptor = next(
                (m.span.text_of(self.text) for m in src_person.mentions
                 if m.kind in ("descriptor", "nominal")), None)

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

