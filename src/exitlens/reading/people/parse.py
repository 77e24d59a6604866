"""Tests on the dependency parse used while grouping mentions: is a verb the main clause,
is a pronoun bound by a quantifier ("each says he…"), is a singular noun phrase the
writer's generalisation ("the typical recruit"), and which persons a pronoun sits inside.
"""

from __future__ import annotations

from typing import Any

from ..cues import SPEECH_VERBS
from .patterns import (
    _AGE_DECADES,
    _GENERIC_MODALS,
    _GENERIC_MODS,
    _GENERIC_PREDICATES,
    _QUANTIFIERS,
)


def main_clause(verb: Any) -> bool:
    """Is ``verb`` the main verb of its sentence (the root, or conjoined with it)? Subjects
    of main clauses are the likeliest antecedents of the next pronoun; the subject of an
    embedded clause ("where *a woman* arranged the crossing") is not."""
    node = verb
    for _ in range(6):
        if node.dep_ == "ROOT" or node.head.i == node.i:
            return True
        if node.dep_ == "ccomp" and node.i < node.head.i and \
                node.head.lemma_.lower() in SPEECH_VERBS:
            node = node.head  # "X followed a friend…, he told reporters": reported main clause
            continue
        if node.dep_ != "conj":
            return False
        node = node.head
    return False



def _bound_by_quantifier(pron: Any) -> bool:
    """Is a pronoun bound by a quantified subject of a clause above it ("*each* says the
    group *he* joined", "*every* recruit who left says *he*…")? It then names nobody."""
    node = pron
    for _ in range(8):
        for c in node.children:
            if c.dep_ in ("nsubj", "nsubjpass") and c.i != pron.i and (
                    c.lower_ in _QUANTIFIERS or any(
                        d.dep_ == "det" and d.lower_ in ("each", "every", "any", "no")
                        for d in c.children)):
                return True
        if node.head.i == node.i:
            return False
        node = node.head
    return False



def _generic_singular(tok: Any, det: str) -> bool:
    """A singular noun phrase of the writer's analysis that refers to no one in particular:
    "the typical recruit", "a returnee who left because … needs a different approach",
    "one former fighter might say …". Specific people are described in the past or with a
    speech verb ("a former fighter says"); generic ones with modals and tendencies."""
    if any(c.dep_ == "amod" and c.lower_ in _GENERIC_MODS for c in tok.children):
        return True
    if det not in ("a", "an", "one") and not (tok.i > 0 and tok.doc[tok.i - 1].lower_ == "one"):
        return False
    if tok.dep_ not in ("nsubj", "nsubjpass"):
        return False
    verb = tok.head
    if verb.pos_ not in ("VERB", "AUX"):
        return False
    kids = list(verb.children)
    if any(c.dep_ == "aux" and c.lower_ in _GENERIC_MODALS for c in kids):
        return True
    return verb.tag_ in ("VBZ", "VBP") and (verb.lemma_.lower() in _GENERIC_PREDICATES or any(
        c.lower_ in _GENERIC_PREDICATES for c in kids if c.dep_ == "advmod"))


def _enclosing_referents(pron: Any, by_head: dict[tuple[int, int], int]) -> frozenset[int]:
    """Persons a pronoun cannot refer to because it sits inside their own noun phrase:
    "an old imam from *his* village" (not the imam), "a woman *she* had met" (a relative
    clause whose subject is not the relative pronoun: not the woman). "A man who said *he*
    had left" may be the man, so such clauses exclude nobody. An age ("a convert in *her*
    twenties") describes the phrase's own person: it excludes nobody either."""
    if pron.dep_ == "poss" and pron.head.lower_.lstrip("'’") in _AGE_DECADES:
        return frozenset()
    out: set[int] = set()
    doc_id = id(pron.doc)
    node = pron
    for _ in range(8):
        if node.head.i == node.i:
            break
        parent = node.head
        if node.dep_ == "relcl":
            subj_rel = any(c.dep_ in ("nsubj", "nsubjpass") and c.lower_ in ("who", "that",
                                                                              "which", "whom")
                           for c in node.children)
            owner = by_head.get((doc_id, parent.i))
            if not subj_rel and owner is not None:
                out.add(owner)
            break
        if parent.pos_ in ("VERB", "AUX"):
            if parent.dep_ != "relcl":
                break
        elif parent.pos_ in ("NOUN", "PROPN") and node.dep_ in ("pobj", "prep", "poss"):
            owner = by_head.get((doc_id, parent.i))
            if owner is not None and node.dep_ != "poss":
                out.add(owner)
        node = parent
    return frozenset(out)

