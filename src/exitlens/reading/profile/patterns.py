"""The profile rules' regular expressions, compiled once from the word lists in
``data/reading/profile_words.yaml`` and from the grammar written here.

A list of words or phrases (occupations, roles, exit and outcome phrases, joining and
leaving verbs, person and gender nouns, number words) lives in the YAML file; what stays
here is how they are put together and the short context patterns around them ("tried to"
before an exit, "by the group" after an arrest). Each compiled pattern is a module-level
name so that ``benchmarks/bench_rules.py`` can switch it off in turn.
"""

from __future__ import annotations

import re

from ..cues import NUMBER_WORDS, load_word_lists

WORDS = load_word_lists("profile_words.yaml")


def _words(key: str) -> list[str]:
    """A list of words or pattern fragments, in file order."""
    return [str(w) for w in WORDS[key]]


def _alternatives(key: str) -> str:
    """The list ``key`` as one alternation ("a|b|c"), in file order."""
    return "|".join(_words(key))


def _table(key: str) -> list[tuple[str, str]]:
    """A [canonical value, pattern] table, in file (priority) order."""
    return [(str(name), str(pattern)) for name, pattern in WORDS[key]]


def _named_choice(groups: list[tuple[str, str]], tail: str) -> re.Pattern[str]:
    """One case-insensitive pattern trying each (group name, pattern) in order after a word
    boundary; ``tail`` closes the alternation (``")\\b"``…); ``m.lastgroup`` says which."""
    return re.compile(r"\b(?:" + "|".join(f"(?P<{name}>{p})" for name, p in groups) + tail,
                      re.I)


def _numbers(key: str) -> dict[str, int]:
    """A word → number table."""
    return {str(w): int(n) for w, n in WORDS[key].items()}


_WORD = re.compile(r"\w+(?:['’]\w+)*")
_YEAR = re.compile(r"\b(20[12]\d)\b")
_NUM = r"(?:\d{1,2}|" + "|".join(NUMBER_WORDS) + ")"  # "three years later"

# --- the group, people, gender, demonyms ---------------------------------------------

GROUP = "(?:" + _alternatives("group_names") + ")"  # case-sensitive: "IS" is not "is"
_GROUP_RE = re.compile(r"\b" + GROUP + r"\b")

PERSON_NOUNS = _alternatives("person_nouns")
_PERSON_NOUN_RE = re.compile(r"\b(?:" + PERSON_NOUNS + r")\b", re.I)

FEMALE_WORDS = _alternatives("female_words")
MALE_WORDS = _alternatives("male_words")
_GENDER_NOUN = re.compile(
    r"(?<![\w-])(?:(?P<poss>his|her|my|their|whose|your|our)\s+(?:\w+\s+){0,2}?)?"
    r"(?:(?P<f>" + FEMALE_WORDS + r")|(?P<m>" + MALE_WORDS + r"))\b",
    re.I,
)
_KUNYA = re.compile(r"\b(?:(?P<f>Umm?|Um)|(?P<m>Abu|Abo|Abou))\s+[A-Z]")
_PRONOUN = re.compile(
    r"\b(?:(?P<m>he|him|his|himself)|(?P<f>she|her|hers|herself))\b", re.I
)
_THIRD_OR_FIRST = re.compile(
    r"\b(?:[Hh]e|[Hh]im|[Hh]is|[Hh]imself|[Ss]he|[Hh]er|[Hh]ers|[Hh]erself|I|[Mm]e|[Mm]y)\b"
)

NON_PERSON_AFTER_DEMONYM = re.compile(
    r"\s*(?:-|‑)?\s*(?:" + _alternatives("non_person_after_demonym") + r")\b", re.I
)

# --- occupations and roles in the group ----------------------------------------------

OCCUPATIONS: dict[str, str] = {pattern: name for name, pattern in _table("occupations")}
_OCC_RE = _named_choice([(f"o{i}", p) for i, p in enumerate(OCCUPATIONS)], r")s?\b")
_OCC_NAMES = list(OCCUPATIONS.values())

ROLES: list[tuple[str, str]] = [  # (pattern, canonical); order = specificity
    (pattern, name) for name, pattern in _table("roles")
]
_ROLE_RE = _named_choice([(f"r{i}", p) for i, (p, _) in enumerate(ROLES)], r")\b")
_ROLE_NAMES = [name for _, name in ROLES]
_SUICIDE_SELECTION = re.compile(
    r"\b(?:select\w*|chosen|chose|choose|sign\w*\s+up|regist\w*|volunteer\w*|list|"
    r"asked\s+(?:me|him|her|us|them)\s+to|recruit\w*|wanted\s+(?:me|him|her|us)\s+to|"
    r"told\s+to|ordered\s+to|assigned|was\s+to\s+be|to\s+become|to\s+be|trained\s+(?:as|to))\b"
    r"(?:\s+\w+){0,6}\s+$",
    re.I,
)
# Jobs that are ordinary occupations too: a role in the group only with the group in view.
_ROLES_NEEDING_GROUP = set(_words("roles_needing_group"))
_ROLES_AS_OBJECT = set(_words("roles_as_object"))
_SOMEONE_ELSES_ROLE = re.compile(
    r"\b(?:pay\w*|paid|brib\w*|past|killed|shot|asked|told|met|saw|by|with|from|for|"
    r"to|of|and|whom|than|like)\s+(?:a|an|the|his|her|their|our|my|its|one)\s+"
    r"(?:[\w-]+\s+){0,2}$|['’]s\s+(?:[\w-]+\s+)?$",
    re.I,
)
# "her husband, a fighter", "married to a fighter": a relative's role, not the person's
_RELATIVE_ROLE_BEFORE = re.compile(
    r"\b(?:husband|husband's|married|wife\s+of|widow\s+of|brother|father|son|cousin)\b"
    r"[^.;]{0,30}$",
    re.I,
)
# "accused of being a spy", "said I was a spy": an accusation, not a role
_ACCUSED_BEFORE = re.compile(
    r"\b(?:accus\w*|suspect\w*|suspicion|branded|denounced|called\s+(?:me|him|her))\b"
    r"[^.;]{0,25}$",
    re.I,
)
_BECAME_BEFORE = re.compile(
    r"\b(?:was|became|become|becoming|made|appointed|promoted\s+to|as|named|rose\s+to|"
    r"work(?:ed|ing)?\s+as|served\s+as)\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+)?$",
    re.I,
)
_ASSIGNED_BEFORE = re.compile(
    r"\b(?:assigned|appointed|posted|made\s+(?:him|her|me)|put\s+(?:him|her|me)|"
    r"sent|served|serving)\s+(?:\w+\s+){0,3}$",
    re.I,
)
# a role stated by its action ("drove for", "assigned to guard", "cooked for")
_ROLE_ACTION = re.compile(
    r"(?:drove|driving|assigned|sent|posted|put|made|guarding|guarded|man(?:ned|ning)|cook\w*\s|"
    r"serv\w*\s+food|kitchen)",
    re.I,
)
_FOR_THEM = re.compile(r"\bfor\s+(?:them|the\s+group|the\s+militants)\b")
_OCCUPATION_CUE = re.compile(
    r"(?:worked|working|work|job|trained|career|employed|was|been|as|former|ex-)\s+"
    r"(?:a\s+|an\s+)?(?:\w+\s+)?$",
    re.I,
)
_NEGATION_BEFORE = re.compile(
    r"(?:\bnever|\bnot|n't|n’t|\brefused\s+to|\bno)\s+(?:\w+\s+)?$", re.I
)
# "a peshmerga fighter": fighters of the other side are no evidence of a role in the group.
_OTHER_SIDE_BEFORE = re.compile(
    r"\b(?:" + _alternatives("other_side") + r")\s+(?:\w+\s+)?$", re.I
)
_ROLE_CUE = re.compile(
    r"\b(?:served|serving|worked|working|was\s+assigned|been\s+assigned|assigned|became|"
    r"was\s+made|made\s+(?:him|her|me)|appointed|trained|training|joined|signed\s+up|"
    r"volunteered|selected|chosen|spent|sent|posted|"
    r"was\s+a|as\s+a|as\s+an|was\s+an|job|enlisted|registered|picked|put\s+on)\b",
    re.I,
)

# --- exit modes ----------------------------------------------------------------------

# (canonical, pattern) in precedence order
EXIT_PATTERNS: list[tuple[str, str]] = _table("exit_patterns")
_EXIT_RE = _named_choice(EXIT_PATTERNS, r")(?!\w)")
# Arrests inside the group are punishments, not an exit: an arrest counts as the exit
# only with a sign of leaving or of the other side doing it.
_ARREST_EXIT_CONTEXT = re.compile(
    r"\b(?:try|tried|trying|attempt\w*|flee\w*|fled|escap\w*|cross\w*|leav\w*|border|"
    r"Kurdish|SDF|Syrian\s+Democratic|Iraqi|Turkish|peshmerga|YPG|forces|troops|coalition|"
    r"soldiers|police|authorities)\b",
    re.I,
)
_AFTER_OTHER_EXIT = re.compile(
    r"(?:\s+[\w-]+){0,6}?\s+after\s+(?:(?:he|she|they)\s+)?(?P<v>escap\w*|fle\w*|desert\w*|"
    r"defect\w*|surrender\w*|leaving|left)",
    re.I,
)
_EXIT_ORDER = [name for name, _ in EXIT_PATTERNS]
_NOT_BEFORE = re.compile(r"(?:\bdid\s+not|\bdidn['’]t|\bnever|\bnot)\s+$", re.I)
_ATTEMPT_BEFORE = re.compile(
    r"(?:tr(?:y|ied|ies|ying)\s+(?:to|and)|attempt\w*\s+to|sought\s+to|seek\w*\s+to|plan\w*\s+to|want\w*\s+to|wish\w*\s+to|"
    r"hop\w*\s+to|decid\w*\s+to|could\s+not|couldn't|cannot|can't|unable\s+to|no\s+way\s+of|"
    r"impossible\s+to|chance\s+to|how\s+to|would|refus\w*\s+to|not\s+to|try\s+and|"
    r"afraid\s+to|dream\w*\s+of|thought\s+of|think\w*\s+(?:of|about))\s+(?:\w+\s+){0,2}$",
    re.I,
)
_JOIN_TRIP_AFTER = re.compile(
    r"\s+(?:from\s+)?(?:(?:his|her|my|their)\s+(?:\w+\s+)?home|(?:his|her|my|their)\s+family|"
    r"(?:the\s+)?(?:UK|U\.K\.|US|U\.S\.|United\s+States|Britain|America|Europe|France|Germany|"
    r"Belgium|Australia|Canada|home))\b",
    re.I,
)

# --- outcomes ------------------------------------------------------------------------

OUTCOME_PATTERNS: list[tuple[str, str]] = _table("outcome_patterns")  # precedence order
_OUTCOME_RE = _named_choice(OUTCOME_PATTERNS, r")(?!\w)")
_WISH_BEFORE = re.compile(
    r"\b(?:to|could|would|will|can|cannot|can't|never|not)\s+$|"
    r"\b(?:desire|wish\w*|want\w*|hop\w*|plan\w*|decid\w*|dream\w*|chance|long\w*|need\w*)\s+"
    r"to\s+\w+(?:\s+[\w,'’-]+){0,6}?\s+and\s+$",
    re.I,
)
_GROUP_PUNISHMENT_AFTER = re.compile(
    r"(?:\s+[\w-]+){0,5}?\s+(?:for\s+(?:trying|attempting|wanting|planning)\s+to|or\s+killed|"
    r"or\s+executed)\b",
    re.I,
)
# A cue about other people: "those who were caught", "many fighters were jailed".
_OTHERS_BEFORE = re.compile(
    r"\b(?:those|others|anyone|anybody|people|many|some|most|members|fighters|men|women|"
    r"foreigners|militants|thousands|hundreds|dozens)\s+(?:who\s+)?(?:were|are|had|have|"
    r"been|got)?\s*(?:\w+ly\s+)?$",
    re.I,
)
_REHAB_SETTING = re.compile(
    r"\b(?:rehabilitation|de-?radicali[sz]ation)\s+(?:centre|center|programme|program|facility)",
    re.I,
)
_OUTCOME_ORDER = [name for name, _ in OUTCOME_PATTERNS]
_CURRENT_STATE = re.compile(
    r"\b(?:now|currently|today|still|remains?|at\s+the\s+time\s+of\s+(?:the\s+)?(?:interview|"
    r"writing)|(?:has|have)\s+been|lives|is\s+(?:being\s+)?(?:in|at|held|kept))\b",
    re.I,
)
_REHAB_PLACE = re.compile(r"(?:centre|center|programme|program|facility|scheme|project)$", re.I)
_FUTURE_BEFORE = re.compile(
    r"(?:face[sd]?|facing|could|would|might|may|will|risk\w*|threat\w*|up\s+to|avoid\w*|"
    r"fear\w*|if|unless|expect\w*\s+to|want\w*\s+to|hop\w*\s+to|wish\w*\s+to|plan\w*\s+to|"
    r"not\s+to|refus\w*\s+to|by\s+(?:the\s+)?(?:Islamic\s+State|IS|ISIS|ISIL|Daesh))\s+"
    r"(?:\w+\s+){0,4}$",
    re.I,
)
_GROUP_AGENT_AFTER = re.compile(
    r"(?:\s+\w+){0,4}\s+by\s+(?:the\s+)?(?:so-called\s+)?(?:Islamic\s+State|IS|ISIS|ISIL|Daesh|"
    r"militants|jihadists|the\s+group)\b|^\s+(?:run|held)\s+by\s+(?:the\s+)?(?:Islamic\s+State|"
    r"IS|ISIS|ISIL|Daesh)",
    re.I,
)
_GROUP_PRISON_BEFORE = re.compile(
    r"(?:Islamic\s+State|IS|ISIS|ISIL|Daesh|group's|militants'|jihadist)\s*(?:[\w-]+\s+){0,2}$"
)
_TRAINING_BEFORE = re.compile(r"(?:training|military|boot)\s*$", re.I)

# --- joining and leaving, years ------------------------------------------------------

_CORE_PLACES = _alternatives("core_places")
# a season, month or year right after a verb: "travelled in 2015", "went in the autumn of"
_SEASONS = _alternatives("seasons")
_MONTHS = _alternatives("months")
_DATE_NEXT = (
    r"(?=\s+(?:in|during)\s+(?:the\s+)?(?:(?:early|late|mid-?)\s*)?(?:" + _SEASONS
    + r"|20[12]\d|" + _MONTHS + r")\b)"
)


def _cues(key: str) -> str:
    """A cue list as one alternation, its {core_places} and {date_next} filled in."""
    return "|".join(w.replace("{core_places}", _CORE_PLACES).replace("{date_next}", _DATE_NEXT)
                    for w in _words(key))


JOIN_CUES = _cues("join_cues")
LEAVE_CUES = _cues("leave_cues")
_JOIN_RE = re.compile(r"\b(?:" + JOIN_CUES + r")\b", re.I)
_LEAVE_RE = re.compile(r"\b(?:" + LEAVE_CUES + r")\b", re.I)
_NOT_EVENT_YEAR_BEFORE = re.compile(
    r"(?:\bsince\s+(?:at\s+least\s+|early\s+|late\s+|mid-?)?|\b(?:a|an)\s+(?:[A-Z]\w+\s+)?)"
    r"(?:(?:the\s+)?(?:spring|summer|autumn|fall|winter)\s+of\s+)?$",
    re.I,
)
_NOT_EVENT_YEAR_AFTER = re.compile(
    r"\s+(?:report|study|article|interview|paper|survey|book|film|documentary|election|"
    r"attacks?|bombings?|law|census|estimate)s?\b",
    re.I,
)
_BY_GROUP = re.compile(
    r"\s+by\s+(?:the\s+)?(?:so-called\s+)?(?:Islamic\s+State|IS|ISIS|ISIL|Daesh|militants|"
    r"jihadists|extremists|the\s+group)\b"
)
_BY_GROUP_NEAR = re.compile(
    r"\bby\s+(?:the\s+)?(?:so-called\s+)?(?:Islamic\s+State|IS|ISIS|ISIL|Daesh|militants|"
    r"jihadists|extremists|group)\b"
)
_LEADING_DATE = re.compile(
    r"\W*(?:(?:in|on|during|by|around|at\s+the\s+(?:end|start|beginning)\s+of|then|"
    r"after\s+that)\s+)?(?:(?:the\s+)?(?:early|late|mid-?|" + _SEASONS + "|" + _MONTHS
    + r")\s*(?:of\s+)?)?$",
    re.I,
)
_SINCE_GROUP = re.compile(
    r"\b(?:with|in|joined|(?:a\s+)?member\s+of|part\s+of|for)\s+" + GROUP +
    r"\s+(?:ever\s+)?since\s+(?:(?:early|late|mid-?)\s*)?(?P<y>20[12]\d)\b"
)
_FROM_TO_YEARS = re.compile(
    r"\b(?:from|between)\s+(?:(?:early|late|mid-?)\s*)?(?P<a>20[12]\d)\s+(?:to|until|till|through|and)\s+"
    r"(?:(?:early|late|mid-?)\s*)?(?P<b>20[12]\d)\b",
    re.I,
)
# "remained in IS-held territory until November 2017"
_UNTIL_YEAR = re.compile(
    r"\b(?:remained|stayed|lived|served|fought|worked)\b[^.;]{0,60}?\buntil\s+(?:(?:early|late|mid-?)\s*|"
    r"(?:the\s+)?(?:spring|summer|autumn|fall|winter)\s+of\s+|[A-Z][a-z]+\s+)?(?P<y>20[12]\d)\b",
)
_SERVICE_VERB = re.compile(
    r"\b(?:served|serving|worked|working|fought|fighting|cooked|guarded|lived|stayed|spent|"
    r"was\s+with|were\s+with|been\s+with|was\s+a\s+member|belonged)\b",
    re.I,
)
_FOR_FIGHTERS = re.compile(r"\bfor\s+(?:the\s+)?(?:fighters|militants|mujahideen|emirs?)\b", re.I)
_REL_LATER = re.compile(r"\b(" + _NUM + r")\s+years?\s+later\b", re.I)
_REL_AFTER_JOINING = re.compile(
    r"\b(" + _NUM + r")\s+years?\s+after\s+(?:joining|(?:he|she)\s+(?:had\s+)?joined|"
    r"(?:his|her)\s+arrival|arriving)\b", re.I)
_REL_AGO = re.compile(r"\b(" + _NUM + r")\s+years?\s+ago\b", re.I)
_LAST_YEAR = re.compile(r"\b(?:last|this)\s+year\b", re.I)
_RECENT = re.compile(
    r"\b(?:(?:last|this|earlier\s+this)\s+(?:week|month)|(?P<n>" + _NUM + r")\s+"
    r"(?:weeks?|months?)\s+ago)\b",
    re.I,
)

# --- ages ----------------------------------------------------------------------------

_TENS = _numbers("age_tens")
_UNITS = _numbers("age_units")
_TEENS = _numbers("age_teens")
# an age in digits or words ("34", "thirty-four", "nineteen"); ranges ("in his forties") are not
_AGE_NUM = (r"(?:\d{1,2}|(?:" + "|".join(_TENS) + r")(?:[-‐‑\s](?:" + "|".join(_UNITS) + r"))?"
            r"|" + "|".join(_TEENS) + r")\b")

_AGE_PATTERNS = [
    re.compile(r"\b(?P<n>" + _AGE_NUM + r")[-‐‑–\s]+years?[-‐‑–\s]+old\b", re.I),
    re.compile(r"\baged\s+(?P<n>\d{1,2})\b", re.I),
]
_AGE_AFTER_NAME = re.compile(
    r"\s*(?:\([^()\n]{1,40}\)\s*)?(?:,\s*(?P<a>\d{1,2})\s*(?=[,.;)])|\(\s*(?P<b>\d{1,2})\s*\)|"
    r"(?:is|was)\s+(?P<c>" + _AGE_NUM + r")(?:\s+years?\s+old)?\s*(?=[,.;]|\s+when\b))"
)
_AGE_SENTENCE = re.compile(
    r"\b(?:(?:is|was)\s+now|now|who\s+is|(?:he|she)\s+is|I\s+am|I'm)\s+(?P<n>" + _AGE_NUM + r")"
    r"(?:\s+years?\s+old)?\b(?!\s*(?:%|percent|per\s+cent|years?\s+(?:later|ago|in)|months|"
    r"days|times|people|men|women|fighters))",
    re.I,
)
_POSSESSIVE_BEFORE = re.compile(r"\b(?:his|her|my|their|whose|your|our|its)\s+$", re.I)

# --- origins -------------------------------------------------------------------------

# "from Leeds, England", "born in Sfax, southern Tunisia": a city may come first.
_BETWEEN = (
    r"\s+(?:the\s+)?(?-i:(?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2},\s+))?"
    r"(?:(?:the\s+)?(?:[a-z]+ern|central)\s+)?$"
)
_ORIGIN_BEFORE = re.compile(
    r"(?:\b(?:born|raised|grew\s+up|brought\s+up)\s+in|\bnative\s+of|\bcitizens?\s+of|"
    r"\bnationals?\s+of|\b(?:his|her|my|their)\s+(?:family\s+)?(?:home|house|hometown|parents)\s+in|"
    r"\bhails?\s+from|\bhailing\s+from|\bcomes?\s+from|\bcame\s+from|"
    r"\boriginally\s+from|\b(?:is|was|are|were|being)\s+from|\bhome\s*(?:town|city|country|"
    r"land)\s+(?:of|in)?|\bnative\s+(?:country|land)\s+(?:of|in)?|\bnatives?)" + _BETWEEN,
    re.I,
)
_FROM_BEFORE = re.compile(
    r"\b(?P<noun>" + PERSON_NOUNS + r")(?:\s+\w+){0,1}\s+(?:originally\s+)?from" + _BETWEEN,
    re.I,
)
_FROM_PLAIN = re.compile(r"(?:^|\s|,)(?:originally\s+)?from" + _BETWEEN, re.I)
_BORN_THEN = re.compile(r"^[-‐‑]born\s+(?P<next>[A-Z][a-z]+)")
_BORN_AFTER = re.compile(r"^[-‐‑]?\s*born\b", re.I)
_NATIONAL_AFTER = re.compile(
    r"^\s*(?:[-‐‑]\s*born\b|(?:" + _alternatives("national_after") + r")s?\b|"
    r"\s*in\s+(?:his|her)\s+(?:early\s+|mid-?|late\s+)?(?:teens|twenties|thirties|forties|"
    r"fifties|sixties)\b)",
    re.I,
)
# "a Syrian who…", "the Tunisian, …": a demonym used as a noun for a person.
_NOMINAL_AFTER = re.compile(
    r"\s*(?:[,.;:)!?]|$|who\b|named\b|called\b|from\b|living\b|now\b|said\b|told\b|"
    r"and\s+(?:his|her)\b)",
    re.I,
)
# "his wife, a", "her mother was a": the phrase describes a relative, not the person.
_RELATIVE_NP_BEFORE = re.compile(
    r"\b(?:his|her|their|my|whose)\s+(?:[\w-]+\s+){0,2}?[\w-]+(?:\s*,|\s+(?:is|was))\s+"
    r"(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){0,2}$",
    re.I,
)
_COPULA_BEFORE = re.compile(
    r"(?:\b(?:is|was|am|as|being|a|an|the|fellow|other|former|young|"
    r"\d{1,2}[-\s]years?[-\s]old)|\b[Ii]['’]m)\s+"
    r"(?:(?:former|young|\d{1,2}[-\s]years?[-\s]old|teenage|female|male)\s+)*$",
    re.I,
)
# "an ethnic Albanian", "ethnically Uzbek": an ethnicity, not the country of nationality
_ETHNIC_BEFORE = re.compile(r"\bethnic(?:ally)?[ \t]+$", re.IGNORECASE)

# --- noun phrases and names -------------------------------------------------------------

# what may follow a name as an apposition: ", a Tunisian engineer", ", 26,", ", originally from"
_APPOS_SEG_START = re.compile(
    r"^\s*(?:(?:al|el|Abu|Abo|Umm)\s+\S+\s+(?:a|an|the)\s|is\s|was\s|"
    r"a|an|the|\d{1,2}\b|now|aged|who|from|originally|born|formerly|former|one|himself|"
    r"herself|[A-Z][a-z]+-born|[\w-]+-year-old|then|once|also|known|dubbed|nicknamed|"
    r"another|this|that)\b",
    re.I,
)
_CLAUSE_STOP = re.compile(r"[.;:!?“”\"«»()]|\s(?:said|says|told|explained|recalled|added)\b")
_WS_WORD = re.compile(r"\S+")
_NP_WORDS = set(_words("np_words"))
_FORMER_HEAD = re.compile(r"\W*(?:an?\s|(?:the\s+|a\s+)?(?:former|ex-|one-time|onetime)\b)", re.I)
_TITLE = re.compile("(?:" + _alternatives("titles") + ")", re.I)
_NAME_PARTICLE = set(_words("name_particles"))

# --- quotes and subjects ----------------------------------------------------------------

_QUOTE_PAIR = re.compile(r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»")
_NON_REFERRING = set(_words("non_referring"))
_SELF = set(_words("self_words"))
_THIRD = set(_words("third_person"))
