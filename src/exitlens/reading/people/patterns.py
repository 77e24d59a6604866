"""The people stage's regular expressions and word sets: the word lists are read once from
``data/reading/people_words.yaml``; the patterns for names, kunyas, pseudonyms, bylines
and transcript introductions are written here.
"""

from __future__ import annotations

import re

from ..cues import SPEECH_VERBS, load_word_lists

WORDS = load_word_lists("people_words.yaml")


def _set(key: str) -> frozenset[str]:
    """A word list as a set."""
    return frozenset(str(w) for w in WORDS[key])


def _alternatives(key: str) -> str:
    """A word list as one alternation ("a|b|c"), in file order."""
    return "|".join(str(w) for w in WORDS[key])


_NAME = r"[A-Z][\w'’-]*\.?(?:[ \t]+(?:al-|el-|al[ \t]+|bin[ \t]+|ibn[ \t]+)?[A-Z][\w'’-]*\.?){0,3}"
_KUNYA = re.compile(
    r"\b(?:" + _alternatives("kunya_prefixes") + r")[ \t]+[A-Z][\w'’]+"
    r"(?:(?:[ \t]+|-)(?:" + _alternatives("kunya_particles") + r")(?:-|[ \t]+)[A-Z]?[\w'’]+)*"
)
_PSEUDONYM = re.compile(
    r"(?:(?:whom|who|that)[ \t]+(?:I|we)(?:'ll|’ll|[ \t]+will|[ \t]+shall|[ \t]+would|"
    r"[ \t]+will[ \t]+here)?[ \t]+call|"
    r"(?:I|we)(?:'ll|’ll|[ \t]+will|[ \t]+shall)[ \t]+call(?:[ \t]+(?:him|her))?|"
    r"(?P<naming>identified|known|named|called|dubbed|nicknamed|referred[ \t]+to)"
    r"(?:[ \t]+(?:here|below|hereafter|in[ \t]+this[ \t]+(?:article|report|note)))?(?:[ \t]+only)?"
    r"(?:[ \t]+(?:as|by[ \t]+(?:the|his|her)[ \t]+(?:name|nom[ \t]+de[ \t]+guerre|kunya|alias|"
    r"pseudonym)))?|"
    r"g(?:ave|ives?)[ \t]+(?:his|her)[ \t]+(?:first[ \t]+)?name[ \t]+(?:only[ \t]+)?as|"
    r"calls?[ \t]+(?:himself|herself)|"
    r"(?:goes|went)[ \t]+by(?:[ \t]+the[ \t]+name)?|"
    r"(?:pseudonym|alias|nom[ \t]+de[ \t]+guerre|kunya)(?:[ \t]+of)?)"
    r"[ \t]+(?P<name>" + _NAME + ")"
)
# "the Tunisian commander known as Abu Anas": a description followed by the name it goes by
_NAMED_AFTER = re.compile(
    r"[ \t]*,?[ \t]*(?:(?:who[ \t]+is|also)[ \t]+)?(?:known|called|named|nicknamed|dubbed)"
    r"(?:[ \t]+(?:only|simply))?(?:[ \t]+as)?[ \t]+(?P<name>" + _NAME + ")"
)
# Initials standing for a withheld name ("the defendant, M.K.,"), not abbreviations.
_INITIALS = re.compile(r"(?<![\w.])(?:[A-Z]\.[ \t]?){1,2}[A-Z]\.(?![\w])")
_NOT_INITIALS = _set("not_initials")
# Transcript labels naming the programme's host, and labels for a guest with no name.
_HOST_LABELS = _set("host_labels")
_GENERIC_LABELS = _set("generic_labels")
_UNNAMED_LABEL_WORDS = _set("unnamed_label_words")
_NOT_REAL_NAME = re.compile(r"\((?:not (?:his|her|their) real name|a pseudonym|name changed)\)")
_WRITER_PHRASE = re.compile(
    r"\b(?:the|this)[ \t]+(?:author|writer|reporter|correspondent|interviewer)\b|"
    r"\btold[ \t]+(?:me|us)\b",
    re.IGNORECASE,
)
_SPEAKER_INDEF = _set("speaker_indefinite")
_SPEAKER_DEF = _set("speaker_definite")
_NAMING_LEMMAS = _set("naming_lemmas")
_PLACE_WORDS = _set("place_words")
_BYLINE_AFTER = re.compile(r"[ \t]+(?:writes|reports)[ \t]*:")
_BYLINE_BEFORE = re.compile(
    r"(?:^|\n)[ \t|]*(?:[Bb]y|(?:[A-Z][a-z]+[ \t]+)?(?:[Tt]hread|[Pp]ost|[Ee]ssay|[Bb]log|"
    r"[Mm]emoir|[Dd]iary)[ \t]+by)[ \t]+$")
# "I'm Yusuf", "My name is Yusuf", "I was Abu Hamza" in the narration: the writer's name
_WRITER_SELF_NAME = re.compile(r"\b(?:I'm|I’m|I am|I was|[Mm]y name is|[Mm]y name was|"
                               r"[Tt]hey called me|[Pp]eople call me)[ \t]+$")
_APPOS_GAP = re.compile(r"[ \t]*,[ \t]*(?:\d{1,3}[ \t]*,[ \t]*)?(?=\S)")
_FOLLOW_GAP = re.compile(r"[ \t]*,?[ \t]*(?=\S)")
# Verbs whose subject is almost always a person (used to accept unlabelled names).
_HUMAN_VERBS = SPEECH_VERBS | _set("human_verbs")
_ORG_WORDS = _set("org_words")
# Left dependents that belong to a noun phrase (not a clause subject like "making *him* a…").
_NP_LEFT_DEPS = frozenset(
    {"det", "amod", "compound", "nummod", "poss", "npadvmod", "advmod", "predet", "nmod",
     "punct", "quantmod", "case"}
)
_CONVERSE: dict[str, tuple[str, ...]] = {
    str(noun): tuple(str(w) for w in converse) for noun, converse in WORDS["converse"].items()
}
# Titles of the other parties in a trial, an interview or an arrest.
_PARTY_NOUNS = _set("party_nouns")
# "the second man", "the other woman": a definite description of someone new
_NEW_REFERENT = _set("new_referent")
_PLACE_PREPS = _set("place_prepositions")
_COMPASS = _set("compass")
_SUBJECT_WINDOW = 300  # characters: about the current and the previous sentence
_GENERIC_DETS = _set("generic_determiners")
_QUANTIFIERS = _set("quantifiers")
_GENERIC_MODS = _set("generic_modifiers")
_GENERIC_MODALS = _set("generic_modals")
_AGE_DECADES = _set("age_decades")
_GENERIC_PREDICATES = _set("generic_predicates")
_KUNYA_WORDS = {str(k): str(v) for k, v in WORDS["kunya_words"].items()}
_SELF_INTRO = re.compile(r"\b(?:I'm|I’m|I am|my name is|this is|it's|it’s)\s+$",
                         re.IGNORECASE)
_GUEST_INTRO = re.compile(
    r"\b(?:my|our)\s+(?:first\s+|next\s+|special\s+)?guest\s+(?:today\s+|tonight\s+|"
    r"this\s+week\s+|now\s+)?(?:is|was)\s+(?P<np>(?:a|an|the)\s+[^.;!?]{3,200}?)"
    r"(?=[.;!?]|$)", re.IGNORECASE)
_PHRASE_BREAK = re.compile(r"[\n.!?\"“”«»¨]")
