"""Grouping candidate mentions into persons in document order: a name joins the person
whose name shares its distinctive tokens, a descriptor tied to a name joins that name's
person, an indefinite descriptor is someone new, a definite one or a pronoun refers to the
most recent person of compatible gender; then the lede's description is merged with the
name that follows it.
"""

from __future__ import annotations

import bisect
import re
from collections import OrderedDict
from typing import Any

from ...model import Span
from ..cues import (
    FEMALE_PRONOUNS,
    FIRST_PERSON,
    JOURNALIST_NOUNS,
    KIN_NOUNS,
    MALE_PRONOUNS,
    OFFICIAL_NOUNS,
    gender_of_word,
)
from .candidates import _Candidates
from .mentions import _Cand, _PersonBuild, name_key
from .parse import _bound_by_quantifier, _enclosing_referents
from .patterns import (
    _APPOS_GAP,
    _BYLINE_AFTER,
    _BYLINE_BEFORE,
    _CONVERSE,
    _FOLLOW_GAP,
    _NAMED_AFTER,
    _NAMING_LEMMAS,
    _NEW_REFERENT,
    _PARTY_NOUNS,
    _SELF_INTRO,
    _WRITER_SELF_NAME,
)


class _Grouping(_Candidates):
    """:class:`_Candidates` grouped into persons."""

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
        if tok.dep_ == "conj" and ";" not in self.text[
                self.index.start_of(tok.head):cand.span.start]:
            # (items of a list split by semicolons are different people: "…: A, 24;
            # B, 31, an Afghan; and a teenager")
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
        # head noun → persons introduced by an indefinite description with it ("a teenager"),
        # so that "the teenager" later is that person when only one was so introduced
        introduced_as: dict[str, set[int]] = {}
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
                idx = self.writer_index()
                self.add(idx, cand)
                self.touch(idx, pos, cand.span)
                continue
            if cand.kind == "pronoun":
                if cand.inside_quote:
                    continue
                if cand.gender == "i":
                    idx = self.writer_index()
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
                if not cand.definite and cand.kind == "descriptor" and lemma:
                    introduced_as.setdefault(lemma, set()).add(attached)
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
                if back is None and target is not None:
                    # "his mother" again: the relative already met, not a second mother
                    back = next((k for k, (owner, noun) in self.kin.items()
                                 if owner == target and noun == lemma), None)
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
            named = _NAMED_AFTER.match(self.text, cand.span.end)
            if named is not None and cand.definite:
                # "Others, like the Tunisian commander known as Abu Anas": the name says who
                # the description is, not the person last spoken of
                known = self.match_name(name_key(named.group("name")))
                idx = known if known is not None else self.new_person(cand)
                if known is not None:
                    self.add(idx, cand)
                self.touch(idx, pos, cand.span)
                by_head[((id(cand.head.doc), cand.head.i))] = idx
                continue
            if cand.definite and not ordinal:
                named_so = introduced_as.get(lemma, set())
                target = next(iter(named_so)) if len(named_so) == 1 else None
                if target is None or not self._near(target, pos):
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
                if cand.kind == "descriptor" and lemma:
                    introduced_as.setdefault(lemma, set()).add(idx)
        # names given only as an alias ("referred to here as X") are known only now: their
        # later bare occurrences ("X left in 2017") are that person too
        cands.extend(self.more_name_mentions(cands))
        self.resolve_in_quotes(cands)

    def _other_party(self, idx: int, lemma: str) -> bool:
        """"the judge", "the prosecutor", "the reporter": a definite title naming a separate
        party in the story, not the person last spoken of, unless that person was already
        given it."""
        if lemma not in _PARTY_NOUNS and lemma not in JOURNALIST_NOUNS:
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
                if self._phrase_then_subject(cand, start):
                    return None
                return self.name_starts[start]
        return None

    def _phrase_then_subject(self, cand: _Cand, name_start: int) -> bool:
        """"According to his mother, Yassin escaped": the description closes an opening
        phrase and the name is the clause's subject — two people, not an apposition."""
        head, name = cand.head, self.index.at(name_start)
        if head is None or name is None or head.dep_ != "pobj":
            return False
        while name.dep_ in ("compound", "flat") and name.head.i != name.i:
            name = name.head
        return name.dep_ in ("nsubj", "nsubjpass")

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
        another_at = self._another_positions()
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
            if any(desc_first < p <= first_pos[target] for p in another_at):
                continue  # "… Another respondent, whom we call X": not anyone described before
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

    def _another_positions(self) -> list[int]:
        """Where someone is described as besides those before ("another respondent",
        "a second man")."""
        out = []
        for b in self.builds:
            for m in b.person.mentions:
                if m.kind == "descriptor" and any(
                        w in _NEW_REFERENT for w in m.span.text_of(self.text).lower().split()[:-1]):
                    out.append(m.span.start)
        return out

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
        """Fold each ``src`` person into ``dst``, and renumber everything that points at a
        person (mentions' owners, kin, the writer, quote speakers, the interviewee)."""
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
        for q in self.reading.quotes:  # speakers are set once quotes are linked
            if q.speaker is not None:
                q.speaker = new_index[q.speaker]
        interviewee = self.reading.scratch.get("interviewee")
        if interviewee is not None:
            self.reading.scratch["interviewee"] = new_index[interviewee]
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

