"""Finding the candidate mentions of one document: names (spaCy PERSON entities, kunyas,
pseudonyms, initials, unlabelled capitalised names in a person's place), descriptors
(singular noun phrases headed by a person noun) and pronouns.
"""

from __future__ import annotations

import re
from typing import Any

from ...model import Span
from ..cues import (
    FEMALE_PRONOUNS,
    FIRST_PERSON,
    GENERIC_PERSON_NOUNS,
    GROUP_TERMS,
    MALE_PRONOUNS,
    NAME_PARTICLES,
    NOT_PERSON_NAMES,
    NUMBERED_LABEL,
    OFFICIAL_NOUNS,
    PERSON_NOUNS,
    SPEECH_VERBS,
    WRITER_NOUNS,
    gender_of_word,
)
from ..gazetteer import load_gazetteer
from ..quotes import speaker_mention_span
from .mentions import (
    _Cand,
    _clean_entity,
    _Covered,
    _is_demonym,
    _person_noun_like,
    clip_phrase,
    name_key,
    plausible_name,
)
from .parse import _generic_singular
from .patterns import (
    _COMPASS,
    _GENERIC_DETS,
    _HUMAN_VERBS,
    _INITIALS,
    _KUNYA,
    _NOT_INITIALS,
    _NP_LEFT_DEPS,
    _ORG_WORDS,
    _PLACE_PREPS,
    _PLACE_WORDS,
    _PSEUDONYM,
    _SPEAKER_DEF,
    _SPEAKER_INDEF,
    _WRITER_PHRASE,
)
from .persons import _Persons


class _Candidates(_Persons):
    """:class:`_Persons` plus the candidate mentions of the document."""

    def candidates(self) -> list[_Cand]:
        text = self.text
        cands: list[_Cand] = []
        name_spans = _Covered(len(text))
        for m in _KUNYA.finditer(text):
            span = Span(m.start(), m.end())
            name_spans.append(span)
            cands.append(_Cand(span, "name", key=name_key(m.group()),
                               gender="f" if m.group().lower().startswith(("umm", "um ", "omm"))
                               else "m"))
        for m in _INITIALS.finditer(text):
            if m.group().replace(" ", "") in _NOT_INITIALS:
                continue
            span = Span(m.start(), m.end())
            if not self._person_word_near(span):
                continue
            name_spans.append(span)
            cands.append(_Cand(span, "name", key=frozenset({m.group().replace(" ", "").lower()}),
                               head=self.index.at(m.start())))
        for m in NUMBERED_LABEL.finditer(text):
            span = Span(m.start(), m.end())
            if name_spans.overlaps(span):
                continue
            name_spans.append(span)  # one name: "Respondent 3" is never "Respondent 7"
            label = " ".join(m.group().lower().replace("no.", "").replace("#", "").split())
            cands.append(_Cand(span, "name", key=frozenset({label}),
                               head=self.index.at(m.start())))
        for m in _PSEUDONYM.finditer(text):
            raw = re.split(r"(?<=[a-z\u00e0-\u024f]{2})\.[ \t]", m.group("name"))[0]  # "X. He"
            name = raw.rstrip(".") if not re.search(r"\b[A-Z]\.$", raw) else raw
            words = name.split()
            while words and words[-1].lower() in NOT_PERSON_NAMES | {"the", "a"}:
                words.pop()
            if not words or words[0].lower() in NOT_PERSON_NAMES | {"i", "we", "he", "she"}:
                continue
            name = " ".join(words)
            if m.group("naming") and not self._person_word_before(m.start()):
                continue  # "a town called X" names a place
            span = Span(m.start("name"), m.start("name") + len(name))
            overlapping = [c for c in cands if c.span.overlaps(span)]
            if overlapping:
                for c in overlapping:
                    c.kind = "alias"
                continue
            name_spans.append(span)
            cands.append(_Cand(span, "alias", key=name_key(name)))
        for ent_span, label in self.reading.scratch.get("entities", []):
            if label != "PERSON":
                continue
            cleaned = _clean_entity(text, ent_span)
            if cleaned is None or name_spans.overlaps(cleaned):
                continue
            span = cleaned
            key = name_key(span.text_of(text))
            if not key:
                continue
            tok = self.index.at(span.start)
            if self._place_like(span, tok):
                continue
            ent_toks = list(self.index.in_span(span))
            if ent_toks and not any(t.pos_ == "PROPN" for t in ent_toks):
                continue  # "Ending Hunger": capitalised ordinary words, not a name
            last = self.index.at(span.end - 1)
            if last is not None and last.i + 1 < len(last.doc):
                nxt = last.doc[last.i + 1]
                if nxt.pos_ == "NOUN" and nxt.lemma_.lower() in PERSON_NOUNS:
                    continue  # "Uzbek man": an adjective of nationality, not a name
            if last is not None and last.dep_ == "compound" and last.head.pos_ == "NOUN" and \
                    last.head.lemma_.lower() not in PERSON_NOUNS:
                continue  # "the Smith administration", "the Lenin museum": a modifier
            gender = None
            if tok is not None and tok.i > 0:
                gender = gender_of_word(tok.doc[tok.i - 1].text.rstrip("."))
            first = text[span.start:span.end].split()[0].lower()
            gender = gender or gender_of_word(first.rstrip("."))
            name_spans.append(span)
            cands.append(_Cand(span, "name", head=tok, key=key, gender=gender))
        # proper-noun subjects of speech verbs that the entity recogniser missed
        for tok in self.index.tokens:
            if tok.pos_ == "PROPN" and tok.dep_ == "nsubj" and tok.ent_type_ not in (
                    "DATE", "TIME", "NORP") and tok.head.lemma_.lower() in SPEECH_VERBS and \
                    tok.lower_ not in NOT_PERSON_NAMES and tok.text[:1].isupper() and \
                    not tok.text.isupper():
                if tok.ent_type_ not in ("", "PERSON") and not self._person_context(tok):
                    continue  # "Reuters said", "Turkey said": not a person
                span = speaker_mention_span(self.index, tok)
                if name_spans.overlaps(span):
                    continue
                key = name_key(span.text_of(text))
                if key and plausible_name(span.text_of(text)):
                    name_spans.append(span)
                    cands.append(_Cand(span, "name", head=tok, key=key))
        # multi-word proper-noun subjects the recogniser left unlabelled ("Omid Sharifi left")
        for tok in self.index.tokens:
            if tok.pos_ not in ("PROPN", "NOUN") or tok.dep_ not in ("nsubj", "nsubjpass") or \
                    tok.ent_type_ not in ("", "ORG", "GPE"):
                continue
            described = any(c.dep_ == "appos" and _person_noun_like(c)
                            for c in tok.children)  # "Leyla, a hospital cleaner, says …"
            if tok.head.lemma_ == "be" and any(  # "Leyla is 35, a former teacher …"
                    c.dep_ == "attr" and (c.lemma_.lower() in PERSON_NOUNS or any(
                        a.dep_ == "appos" and a.lemma_.lower() in PERSON_NOUNS
                        for a in c.children)) for c in tok.head.children):
                described = True
            single = False
            if tok.pos_ == "PROPN" and tok.text[:1].isupper() and tok.text[1:2].islower() and \
                    not any(e.kind in ("country", "city", "place", "region", "nationality")
                            for e in load_gazetteer().lookup(tok.text)):
                # "Tamer is forty", "Rami is Syrian": a capitalised subject given an age
                # or a nationality is a person (places come from the gazetteer)
                if tok.head.lemma_ == "be" and any(
                        c.dep_ in ("attr", "acomp") and (c.like_num or c.ent_type_ in (
                            "CARDINAL", "NORP") or load_gazetteer().nationality(c.text))
                        for c in tok.head.children):
                    described = single = True
                elif tok.head.lemma_.lower() in _HUMAN_VERBS and tok.ent_type_ in ("", "PERSON")\
                        and tok.dep_ == "nsubj" and not any(
                            c.dep_ in ("compound", "det", "poss") for c in tok.children):
                    single = True  # "Tamer says", "Tamer remembers"
            if tok.pos_ == "NOUN" and not (described and tok.text[:1].isupper()
                                           and tok.text[1:2].islower()
                                           and tok.lower_ not in PERSON_NOUNS):
                continue
            if not described and tok.head.lemma_.lower() not in _HUMAN_VERBS:
                continue
            span = speaker_mention_span(self.index, tok)
            if tok.ent_type_ == "GPE" and not described and (any(
                    load_gazetteer().lookup(w) for w in [span.text_of(text),
                                                         *span.text_of(text).split()])
                    or not self._pronoun_near(tok)):
                continue  # "Turkey left", "New Delhi decided": a place, unless he or she follows
            if tok.ent_type_ == "ORG" and not any(
                    s == span for s, lab in self.reading.scratch.get("entities", [])
                    if lab == "ORG" and s.start == span.start):
                continue  # part of a longer organisation name
            words = span.text_of(text).split()
            min_words = 1 if described or single else 2
            if not min_words <= len(words) <= 4 or not all(
                    (w[:1].isupper() and w[1:2].islower()) or w.lower() in NAME_PARTICLES
                    for w in words):
                continue
            if name_spans.overlaps(span) or words[0].lower() in NOT_PERSON_NAMES:
                continue
            if words[-1].lower() in _PLACE_WORDS | _ORG_WORDS or any(
                    w.lower() in PERSON_NOUNS | OFFICIAL_NOUNS | GROUP_TERMS for w in words):
                continue
            key = name_key(span.text_of(text))
            if key and plausible_name(span.text_of(text)):
                name_spans.append(span)
                cands.append(_Cand(span, "name", head=tok, key=key))
        cands.extend(self.descriptors(name_spans))
        cands.extend(self.pronouns())
        for m in _WRITER_PHRASE.finditer(text):
            if not self.inside_quote(m.start()):
                cands.append(_Cand(Span(m.start(), m.end()), "writer"))
        labels: dict[tuple[int, int], str] = self.reading.scratch.get("transcript_labels", {})
        if labels:
            # "HOST:", "SISTER:": speaker labels are linked with their quotes, not as mentions
            label_spans = _Covered(len(text))
            for a, b in labels:
                # the label with its title and note ("X, HOST (through interpreter):")
                colon = text.find(":", b)
                label_spans.append(Span(a, colon if colon >= b else b))
            cands = [c for c in cands if not label_spans.overlaps(c.span)]
        for c in cands:
            c.inside_quote = self.inside_quote(c.span.start)
        cands.sort(key=lambda c: (c.span.start, c.span.end))  # pronoun before its phrase
        return cands

    def _place_like(self, span: Span, tok: Any) -> bool:
        """A PERSON entity that is a place: after "in"/"from"/"near" ("his trial in X",
        "a teacher from East X") and not a possessive, or the last word of a place entity
        found elsewhere in the document."""
        text = self.text
        if text[span.end : span.end + 2] in ("'s", "’s"):
            return False
        if tok is not None and tok.i > 0 and tok.doc[tok.i - 1].lower_ in _PLACE_PREPS:
            return True
        name = span.text_of(text)
        if name in self._place_words():
            return True
        # "a teacher from X": a person after "from" only if X is no known place
        return bool(tok is not None and tok.i > 0 and tok.doc[tok.i - 1].lower_ == "from"
                    and any(e.kind in ("country", "city", "place", "region")
                            for e in load_gazetteer().lookup(name)))

    def _place_words(self) -> set[str]:
        if self._places is None:
            self._places = set()
            for ent_span, label in self.reading.scratch.get("entities", []):
                if label in ("GPE", "LOC", "FAC"):
                    words = ent_span.text_of(self.text).split()
                    self._places.add(" ".join(words))
                    if len(words) > 1 and words[0].lower() in _COMPASS:
                        self._places.add(" ".join(words[1:]))
        return self._places

    def _person_context(self, tok: Any) -> bool:
        """Is a proper noun the entity recogniser took for a place or organisation used as a
        person: "X, a young man, …", or he/she in the same sentence?"""
        if any(t.lower_ in ("he", "she", "his", "her", "him") for t in tok.sent):
            return True
        return any(c.dep_ == "appos" and c.lemma_.lower() in PERSON_NOUNS for c in tok.children)

    @staticmethod
    def _pronoun_near(tok: Any) -> bool:
        """Is there "he", "she", "his" or "her" in the token's sentence or the next one?"""
        sent = tok.sent
        end = sent.end
        if end < len(tok.doc):
            end = tok.doc[end].sent.end
        return any(t.lower_ in MALE_PRONOUNS | FEMALE_PRONOUNS
                   for t in tok.doc[sent.start : end])

    def _person_word_near(self, span: Span) -> bool:
        """Initials used as a name: next to a person noun ("the defendant, M.K.", "M.K., a
        driver"), after a title, or as the subject of a verb people do."""
        before = re.findall(r"[A-Za-z.-]+", self.text[max(0, span.start - 30) : span.start])[-2:]
        after = re.findall(r"[A-Za-z-]+", self.text[span.end : span.end + 30])[:3]
        words = {w.lower().rstrip(".") for w in before + after}
        if words & (PERSON_NOUNS | {"mr", "mrs", "ms", "dr", "v", "vs", "defendant", "accused",
                                    "appellant", "claimant", "applicant", "named"}):
            return True
        tok = self.index.at(span.start)
        return tok is not None and tok.dep_ in ("nsubj", "nsubjpass") and \
            tok.head.lemma_.lower() in _HUMAN_VERBS

    def _person_word_before(self, pos: int) -> bool:
        """Is there a person noun among the six words before ``pos``?"""
        words = re.findall(r"[A-Za-z-]+", self.text[max(0, pos - 80) : pos])[-6:]
        return any(w.lower().rstrip("s") in PERSON_NOUNS or w.lower() in PERSON_NOUNS
                   for w in words)

    def descriptors(self, name_spans: _Covered) -> list[_Cand]:
        out: list[_Cand] = []
        for tok in self.index.tokens:
            lemma = tok.lemma_.lower()
            is_noun = (tok.pos_ == "NOUN" and lemma in PERSON_NOUNS and tok.tag_ == "NN") or (
                tok.pos_ == "PROPN" and tok.lower_ in PERSON_NOUNS and tok.tag_ == "NNP")
            norp_dets = _SPEAKER_INDEF | {"the"} if tok.tag_ in ("NNP", "NN") else _SPEAKER_INDEF
            is_norp = (tok.ent_type_ == "NORP" or (tok.text[:1].isupper() and _is_demonym(
                tok.text))) and tok.pos_ in ("PROPN", "NOUN", "ADJ") and \
                (tok.dep_ in ("nsubj", "nsubjpass", "dobj", "pobj", "appos", "attr", "ROOT")
                 or (tok.tag_ in ("NNP", "NN") and tok.dep_ not in ("amod", "compound"))) and \
                tok.tag_ in ("NNP", "NN", "JJ") and any(
                    c.dep_ == "det" and c.lower_ in norp_dets for c in tok.children)
            # any singular noun with "who" is a person: "another local fight(er) who joined…"
            is_who = tok.pos_ == "NOUN" and tok.tag_ == "NN" and any(
                c.dep_ == "relcl" and any(g.lower_ == "who" and g.dep_ in ("nsubj", "nsubjpass")
                                          for g in c.children) for c in tok.children) and any(
                c.dep_ == "det" and c.lower_ in _SPEAKER_INDEF | _SPEAKER_DEF
                for c in tok.children)
            # "X, a national of Y and a baker by trade": an agent noun conjoined with or in
            # apposition to a person description
            is_agent = tok.pos_ == "NOUN" and tok.tag_ == "NN" and _person_noun_like(tok) and (
                (tok.dep_ == "conj" and tok.head.lemma_.lower() in PERSON_NOUNS)
                or (tok.dep_ == "appos" and tok.head.pos_ == "PROPN"))
            # "the accused": a court record's participle used as a noun (tagged a verb)
            is_accused = tok.lower_ == "accused" and tok.dep_ in (
                "nsubj", "nsubjpass", "dobj", "pobj", "appos") and any(
                c.dep_ == "det" and c.lower_ == "the" for c in tok.children)
            if not (is_noun or is_norp or is_who or is_agent or is_accused):
                continue
            if lemma in GENERIC_PERSON_NOUNS and not any(
                    c.dep_ in ("amod", "compound", "nummod") for c in tok.children):
                continue
            if tok.dep_ == "compound" or tok.dep_ == "poss":
                continue  # "defector camp", "the fighter's wife" (the wife is the head)
            tok_start = self.index.start_of(tok)
            if name_spans.overlaps(Span(tok_start, tok_start + len(tok.text))):
                continue  # the noun is part of a name
            # the nearest determiner (a misparse can hang a far "the" on the noun)
            dets = [c for c in tok.children if c.dep_ in ("det", "poss", "predet")
                    and c.i < tok.i][-1:]
            det = dets[0].lower_ if dets else ""
            if det in _GENERIC_DETS or any(c.lower_ in _GENERIC_DETS for c in tok.children
                                           if c.dep_ == "amod"):
                continue
            if _generic_singular(tok, det):
                continue  # "a returnee who left … needs …", "the typical recruit": nobody
            possessor = None
            if dets and dets[0].dep_ == "poss":
                possessor = dets[0]
            mods = [c for c in tok.lefts if c.dep_ in _NP_LEFT_DEPS]
            start = self.index.start_of(mods[0].left_edge if mods else tok)
            end = self.index.start_of(tok) + len(tok.text)
            if start >= end or end - start > 200:
                start = self.index.start_of(tok)
            span = clip_phrase(self.text, Span(start, end))
            if name_spans.overlaps(span) and not name_spans.inside(span):
                span = Span(self.index.start_of(tok), end)
            definite = det in _SPEAKER_DEF or possessor is not None
            gender = gender_of_word(lemma)
            if gender is None:
                for c in tok.children:
                    if c.dep_ in ("amod", "compound"):
                        gender = gender or gender_of_word(c.lower_)
            if lemma in WRITER_NOUNS and det in ("this",):
                out.append(_Cand(span, "writer", head=tok))
                continue
            kind = "descriptor" if not definite or det in ("the",) else "nominal"
            if not dets and tok.dep_ not in ("appos", "attr"):
                # bare noun: "deserter Abu Yahya" is handled as a name modifier
                kind = "nominal"
            out.append(_Cand(span, kind, head=tok, definite=definite or not dets,
                             gender=gender, possessor=possessor,
                             describes=not is_accused))  # "the accused" tells nothing more
        return out

    def pronouns(self) -> list[_Cand]:
        out: list[_Cand] = []
        for tok in self.index.tokens:
            low = tok.lower_
            if tok.pos_ != "PRON":
                continue
            if low in MALE_PRONOUNS:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="m"))
            elif low in FEMALE_PRONOUNS:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="f"))
            elif low in FIRST_PERSON:
                out.append(_Cand(self.index.span_of(tok), "pronoun", head=tok, gender="i"))
        return out

