"""Profiles of defectors: gender, age, nationality, occupation, years, role, exit, outcome, places.

Every value is read from text *about that person*, never from the document as a
whole, because testimonies often tell two or three defectors' stories side by
side and a profile that mixes them is worse than an empty one. The evidence for
a person is:

- their mentions and descriptor, and the appositions attached to them
  ("X, 26, a Tunisian engineer,", "Syrian deserter X") — the strongest evidence;
- the sentences that mention them, the sentences of quotes they speak, and the
  sentences that follow with a pronoun before anyone else is mentioned.

When a sentence mentions several people, an event cue ("fled", "was jailed",
"joined in 2014") goes to the grammatical subject of its verb, read from the spaCy
parse of the nlp stage ("X went with a cousin in 2015 to join" is X's joining, "a
city that was captured in 2014" is nobody's), and a noun-phrase cue (an age, a
demonym) to the person whose mention is nearest; without a parse, nearest wins.
A date goes to the joining or leaving verb the parse attaches it to, else to the
nearest such verb in its sentence. Each field takes the candidate of highest priority (mention,
then apposition, then sentence), earliest in the text on ties; a field the text
does not state stays ``None`` (LABELING.md: "null where the text does not say"),
except ``joined_year`` and ``exit_mode``: where the rules find none, a learned model
(:mod:`exitlens.reading.profile_models`, ``reading.year_model`` / ``reading.exit_mode_model``)
may choose one of the values the document offers.
Nationality is never guessed from a name, and a place someone travelled to or
fought in is never their origin: a country or city counts only as "a fighter
from X", "born in X", "a native of X", "X-born" and the like, or through a
demonym attached to the person.

The stage runs in one left-to-right pass over sentences per document, with
pointers and binary searches into the sorted mention, quote and parse lists;
regular expressions look only at bounded windows: linear in document length.
Nothing here logs document text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ..model import DocumentReading, FieldValue, Person, Profile, Span
from ..pipeline import PipelineContext
from .cues import SpanSet
from .gazetteer import Gazetteer, GeoMatch, load_gazetteer
from .profile_models import FIELDS, FieldModel, FieldSpec, ProfileCues, fill_field, load_field_model

# Priorities (lower wins): in a mention/descriptor, attached to a mention, in a sentence
# by pattern, in a sentence by weaker cue.
P_MENTION, P_ATTACHED, P_SENTENCE, P_WEAK = 0, 1, 2, 3

CARRY_SENTENCES = 4  # a pronoun sentence keeps its owner this many sentences after a mention
YEAR_MIN, YEAR_MAX = 2011, 2025
CONFLICT_COUNTRIES = {"SY", "IQ"}  # the caliphate's core: travelling there is joining

_WORD = re.compile(r"\w+(?:['’]\w+)*")
_YEAR = re.compile(r"\b(20[12]\d)\b")
_NUM_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_NUM = r"(?:\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)"

# --- lexicons ------------------------------------------------------------------------

GROUP = (
    r"(?:(?:the\s+)?(?:so-called\s+)?Islamic\s+State(?:\s+group)?|IS|ISIS|ISIL|Daesh|Daech|"
    r"the\s+group|the\s+caliphate|the\s+militants|the\s+jihadists|the\s+organi[sz]ation)"
)
_GROUP_RE = re.compile(r"\b" + GROUP + r"\b")

PERSON_NOUNS = (
    "man|men|woman|women|boy|girl|teenager|teen|youth|youngster|fighter|militant|jihadist|"
    "jihadi|defector|deserter|recruit|member|national|citizen|convert|native|student|father|"
    "mother|wife|husband|widow|bride|son|daughter|brother|sister|lad|kid|child|volunteer|"
    "extremist|terrorist|returnee|veteran|soldier|resident|refugee|follower|supporter|"
    "mujahid|commander|emir|guy|person|individual|mum|mom|dad|schoolboy|schoolgirl|"
    "teacher|engineer|doctor|nurse|driver|mechanic|worker|nationals|citizens|fighters|"
    "militants|jihadists|defectors|deserters|recruits|members"
)
_PERSON_NOUN_RE = re.compile(r"\b(?:" + PERSON_NOUNS + r")\b", re.I)

FEMALE_WORDS = (
    "woman|women|girl|mother|wife|widow|sister|daughter|bride|lady|mrs|ms|miss|schoolgirl|"
    "grandmother|aunt|niece|female|mum|mom|housewife|businesswoman|policewoman|frenchwoman|"
    "madame|mme"
)
MALE_WORDS = (
    "man|boy|father|husband|brother|son|mr|guy|schoolboy|grandfather|uncle|nephew|male|"
    "dad|businessman|policeman|frenchman|lad|monsieur"
)
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
    r"\s*(?:-|‑)?\s*(?:forces?|army|armed|military|regime|government|authorities|border|police|"
    r"officials?|intelligence|security|troops|soldiers|airstrikes?|air\s+strikes?|"
    r"opposition|rebels?|state|embassy|consulate|courts?|prosecutors?|judge|media|"
    r"newspaper|television|tv|channel|language|side|territory|province|city|town|capital|"
    r"passports?|jihadists?\s+groups?|democratic|kurdistan|ministry|minister|president|"
    r"prime|parliament|civil\s+war|war|conflict|revolution|lawmakers?|public|society|"
    r"people|population|refugees?|camps?|prison|jail|cities|towns|villages?|coast|"
    r"network|networks|cell|cells|branch|wing|fighters?\s+(?:group|battalion)|"
    r"islamists?\s+groups?|mosques?|company|firm|school|university|flag|team|club|"
    r"home|household|family|families|parents|neighbou?rhood|community|friends?|neighbou?rs?|"
    r"smugglers?)\b",
    re.I,
)

OCCUPATIONS: dict[str, str] = {
    r"(?:university\s+|college\s+|medical\s+|engineering\s+|law\s+|computer(?:\s+science)?\s+)?"
    r"student": "student",
    r"mechanic": "mechanic",
    r"(?:civil\s+|software\s+|electrical\s+|mechanical\s+)?engineer": "engineer",
    r"nurse": "nurse",
    r"(?:school\s*)?teacher": "teacher",
    r"doctor|physician|surgeon": "doctor",
    r"taxi\s+driver|cab\s+driver|cabbie|dr(?:o|i)ve\s+a\s+(?:taxi|cab)": "taxi driver",
    r"(?:bus|lorry|truck|delivery)\s+driver": "driver",
    r"shopkeeper|shop\s+owner|store\s+owner|grocer": "shopkeeper",
    r"accountant": "accountant",
    r"carpenter": "carpenter",
    r"electrician": "electrician",
    r"plumber": "plumber",
    r"(?:construction|building|factory|farm|social|youth|care|aid|office)\s+worker":
        "worker",
    r"labou?rer": "labourer",
    r"builder": "builder",
    r"farmer": "farmer",
    r"shepherd": "shepherd",
    r"butcher": "butcher",
    r"baker": "baker",
    r"barber|hairdresser": "barber",
    r"tailor": "tailor",
    r"chef": "chef",
    r"waiter|waitress": "waiter",
    r"security\s+guard|bouncer": "security guard",
    r"lawyer|attorney": "lawyer",
    r"pharmacist": "pharmacist",
    r"dentist": "dentist",
    r"imam|preacher": "imam",
    r"businessman|businesswoman|trader|merchant": "businessman",
    r"salesman|saleswoman|sales\s+assistant|cashier": "salesperson",
    r"civil\s+servant|clerk|bank\s+employee": "clerk",
    r"(?:it|computer)\s+technician|programmer|web\s+developer": "IT worker",
    r"police\s*(?:officer|man|woman)": "police officer",
    r"(?:former\s+)?soldier|army\s+officer": "soldier",
    r"footballer|boxer|athlete": "athlete",
    r"rapper|musician|singer": "musician",
    r"housewife|homemaker": "housewife",
    r"journalist|reporter": "journalist",
}
_OCC_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<o{i}>{p})" for i, p in enumerate(OCCUPATIONS)) + r")s?\b", re.I
)
_OCC_NAMES = list(OCCUPATIONS.values())

ROLES: list[tuple[str, str]] = [  # (pattern, canonical); order = specificity
    (r"suicide\s+(?:bomber|bombing|mission|attack|operation|vest|belt)s?|"
     r"martyrdom\s+(?:operation|mission)s?|inghimasi", "suicide bomber recruit"),
    (r"hisba|morality\s+police|religious\s+police|sharia\s+police|(?:al-)?khansaa?\s+brigade",
     "morality police"),
    (r"cubs\s+of\s+the\s+caliphate|ashbal|child\s+soldiers?", "child soldier"),
    (r"sniper", "sniper"),
    (r"border\s+guard|guard\s+on\s+the\s+(?:\w+\s+)?border|guard(?:ing|ed)?\s+the\s+border",
     "border guard"),
    (r"checkpoint\s+guard|guard(?:ed|ing|s)?\s+(?:at\s+)?(?:a|the)\s+checkpoints?|"
     r"man(?:ned|ning)\s+(?:a\s+|the\s+)?checkpoints?", "checkpoint guard"),
    (r"prison\s+guard|jailer|guard(?:ed|ing)?\s+(?:prisoners|detainees|a\s+prison|the\s+prison)",
     "prison guard"),
    (r"(?:assigned|sent|posted|put|made)\s+(?:\w+\s+)?to\s+guard|guarding|guard", "guard"),
    (r"medic|field\s+nurse|nurse|hospital", "medic"),
    (r"media\s+(?:office|department|wing|team|operative|unit|centre|center|bureau)|"
     r"propagandist|cameraman", "media office"),
    (r"recruiter", "recruiter"),
    (r"(?:military\s+|security\s+|religious\s+)?(?:trainer|instructor)", "trainer"),
    (r"(?:amni|emni|intelligence|security)\s+(?:services?|apparatus|unit|branch|office|officer|"
     r"department)|spy", "intelligence services"),
    (r"emir|amir", "emir"),
    (r"commander", "commander"),
    (r"administrator|administrative|bureaucrat|official\s+in", "administrator"),
    (r"wife\s+of\s+(?:a|an)\s+(?:\w+\s+){0,2}fighter|jihadi\s+bride|married\s+(?:a|an)\s+"
     r"(?:\w+\s+){0,2}fighter", "wife of a fighter"),
    (r"driver|(?:drove|driving)\s+(?:for\s+|(?:a|an|the)\s+(?!taxi|cab)(?:[\w-]+\s+)?"
     r"(?:truck|lorry|van|ambulance|car|bus|pick-?up)|water\b|supplies|fuel|ammunition|"
     r"(?:trucks|lorries|vans|ambulances))", "driver"),
    (r"cook(?:ed|ing)?\s+(?:and\s+\w+\s+)?for|cook|serv(?:ed|ing)\s+food|"
     r"(?:assigned|sent|put|posted|work\w*)\s+(?:\w+\s+){0,2}(?:in|to)\s+(?:the|a)\s+"
     r"(?:[\w-]+\s+)?kitchens?", "cook"),
    (r"teacher|taught", "teacher"),
    (r"trainee|training\s+camp", "trainee"),
    (r"(?:new\s+|foreign\s+)?recruit", "recruit"),
    (r"fighter|fought|combatant|foot\s+soldier|mujahid|front\s*lines?|battle|militant|"
     r"carr(?:ied|y|ying)\s+(?:a|the)\s+(?:rifle|gun|kalashnikov|weapon)|took\s+up\s+arms|"
     r"(?:at|on)\s+the\s+front(?!\s+of)|(?:came|come|went)\s+to\s+fight",
     "fighter"),
]
_ROLE_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<r{i}>{p})" for i, (p, _) in enumerate(ROLES)) + r")\b", re.I
)
_ROLE_NAMES = [name for _, name in ROLES]
_SUICIDE_SELECTION = re.compile(
    r"\b(?:select\w*|chosen|chose|choose|sign\w*\s+up|regist\w*|volunteer\w*|list|"
    r"asked\s+(?:me|him|her|us|them)\s+to|recruit\w*|wanted\s+(?:me|him|her|us)\s+to|"
    r"told\s+to|ordered\s+to|assigned|was\s+to\s+be|to\s+become|to\s+be|trained\s+(?:as|to))\b"
    r"(?:\s+\w+){0,6}\s+$",
    re.I,
)
# Jobs that are ordinary occupations too: a role in the group only with the group in view.
_ROLES_NEEDING_GROUP = {"teacher", "driver", "cook", "medic", "guard", "administrator",
                        "checkpoint guard", "prison guard"}
_ROLES_AS_OBJECT = {"guard", "checkpoint guard", "border guard", "prison guard", "driver", "cook",
                    "medic", "commander", "emir", "teacher", "administrator"}
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
    r"\b(?:peshmerga|Kurdish|YPG|YPJ|SDF|Iraqi|army|regime|government|rebel|FSA|Nusra|"
    r"opposition|militia|Shia|Shiite|tribal|Free\s+Syrian\s+Army)\s+(?:\w+\s+)?$",
    re.I,
)
_ROLE_CUE = re.compile(
    r"\b(?:served|serving|worked|working|was\s+assigned|been\s+assigned|assigned|became|"
    r"was\s+made|made\s+(?:him|her|me)|appointed|trained|training|joined|signed\s+up|"
    r"volunteered|selected|chosen|spent|sent|posted|"
    r"was\s+a|as\s+a|as\s+an|was\s+an|job|enlisted|registered|picked|put\s+on)\b",
    re.I,
)

EXIT_PATTERNS: list[tuple[str, str]] = [  # (canonical, pattern) in precedence order
    ("surrendered",
     r"surrender(?:ed|s|ing)?\b(?!\s+(?:the|their|his|her)\s+(?:city|town|weapons?))|"
     r"hand(?:ed|s|ing)?\s+(?:him|her|them|my|our)sel(?:f|ves)\s+(?:over|in|to)|"
     r"accept(?:ed|ing)?\s+(?:an?|the)\s+(?:\w+\s+)?amnesty|"
     r"turn(?:ed|s|ing)?\s+(?:him|her|them|my|our)sel(?:f|ves)\s+(?:in|over)|"
     r"g[ai]ve\s+(?:him|her|them|my|our)sel(?:f|ves)\s+up"),
    ("captured",
     r"(?:was|were|been|got|being)\s+(?:(?:\w+ly|later|then|eventually|finally|soon)\s+)?"
     r"(?:captured|caught|arrested|detained|seized)"
     r"(?!\s+by\s+(?:the\s+)?(?:so-called\s+)?(?:Islamic\s+State|IS|ISIS|ISIL|Daesh|"
     r"militants|jihadists|the\s+group))"),
    ("smuggled",
     r"smuggl(?:ed|ing)\s+(?:\w+\s+){0,2}(?:out|across|back|over|to\s+Turkey|into\s+Turkey)|"
     r"paid\s+(?:a\s+|the\s+)?smugglers?|help\s+of\s+(?:a\s+|the\s+)?smugglers?|"
     r"(?:with|through|via|behind)\s+(?:a\s+|the\s+)?(?:[\w-]+\s+)?(?:smugglers?|traffickers?|"
     r"smuggling\s+(?:network|route|ring))|"
     r"(?:smugglers?|traffickers?)\s+(?:helped|took|got|drove|led|guided)|"
     r"(?:paid|pay|paying|hired)\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+)?traffickers?"),
    ("deserted", r"desert(?:ed|ing|er|ers|ion)\b|went\s+awol|abandon(?:ed)?\s+(?:his|her|my)\s+"
                 r"(?:post|unit|position)|slipp?(?:ed|ing)?\s+away"),
    ("escaped",
     r"escap(?:ed|e|es|ing)\b|fle(?:d|e|es|eing)\b|ran\s+away|run\s+away|slipp?(?:ed)?\s+"
     r"out|got\s+out|walked\s+out|break\s+out|broke\s+out|"
     r"crossed\s+(?:back\s+)?(?:in)?to\s+Turkey"),
]
_EXIT_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{name}>{p})" for name, p in EXIT_PATTERNS) + r")(?!\w)", re.I
)
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

OUTCOME_PATTERNS: list[tuple[str, str]] = [  # precedence order
    ("prison",
     r"(?:in|from|to|at|inside)\s+(?:a\s+|an\s+|the\s+)?(?:[\w-]+\s+){0,3}"
     r"(?:prison|jail|gaol|detention\s+(?:centre|center|facility))|jailed|imprisoned|"
     r"incarcerated|behind\s+bars|(?:was|were|been|is|being)\s+sentenced|sentenced\s+to|"
     r"serv(?:ing|es|ed)\s+(?:a\s+)?(?:[\w-]+\s+){0,5}sentence|left\s+on\s+(?:my|his|her)\s+sentence|convicted|found\s+guilty|"
     r"(?:in|from)\s+(?:\w+\s+)?custody|(?:is|are|been|being|remains?)\s+(?:being\s+)?"
     r"(?:held|detained)\s+(?:by|in|at|without|pending|for|since)|"
     r"(?:was|were)\s+(?:held|detained)\s+(?:in|at|without|pending|for|since)|"
     r"(?:arrested|detained|charged|prosecuted|tried)\s+(?:on|upon)\s+(?:(?:his|her|their)\s+)?"
     r"(?:arrival|landing|return)|spent\s+(?:[\w-]+\s+){0,3}detained|"
     r"(?:has|have|had)\s+been\s+(?:held|detained|locked\s+up)\b|"
     r"(?<!suspended\s)(?<!without\s)imprisonment|in\s+detention|"
     r"(?:imposed|handed\s+down|received|given)\s+(?:him\s+|her\s+)?a\s+(?!suspended)(?:[\w-]+\s+){0,3}"
     r"(?:sentence|prison\s+term|jail\s+term)"),
    ("rehabilitation_centre",
     r"rehabilitation\s+(?:centre|center|program|programme|facility|camp|course)|"
     r"de-?radicali[sz]ation\s+(?:centre|center|program|programme|facility|course|project)|"
     r"rehab(?:ilitation)?\s+(?:centre|center)|being\s+rehabilitated|rehabilitation|"
     r"(?:exit|reintegration|disengagement|deradicali[sz]ation|de-radicali[sz]ation)\s+"
     r"(?:programme|program|scheme|project|course)"),
    ("camp",
     r"(?:al-|el-|al\s+)?(?:hol|hawl)(?:\s+camp)?|roj\s+camp|"
     r"(?:detention|displacement|displaced|refugee|idp|holding|prison)\s+camps?|"
     r"(?:now|remains?|remained|lives?|living|lived|held|placed|kept|stays?|staying|taken|been|"
     r"brought|sent|moved|transferred)\s+(?:\w+\s+){0,2}?(?:in|to|into|at)\s+(?:a|the)\s+"
     r"(?:[\w-]+\s+){0,3}?camp\b(?!\s+(?:for\s+)?(?:training|instructor|commander))"),
    ("deported", r"deport(?:ed|ation)|expelled\s+to|extradited"),
    ("in_hiding",
     r"in\s+hiding|hiding\s+(?:out|in|from)|went\s+into\s+hiding|safe\s*house|"
     r"undisclosed\s+location|secret\s+location|"
     r"(?:under|with)\s+(?:another|a\s+false|an\s+assumed|a\s+different|a\s+new)\s+name"),
    ("returned_home",
     r"return(?:ed|s|ing)?\s+(?:back\s+)?(?:home|to\s+(?:his|her|my|their)\s+"
     r"(?:family|home|country|parents|homeland|hometown))|back\s+home|repatriat(?:ed|ion)|"
     r"came\s+(?:back\s+)?home|went\s+(?:back\s+)?home|flew\s+(?:back\s+)?home|"
     r"reunited\s+with\s+(?:his|her|my)\s+family|returns?\s+to\s+(?:[A-Z]\w+)|"
     r"returned\s+to\s+(?:the\s+)?(?-i:[A-Z])\w+|"
     r"(?:lives?|living)\s+(?:again\s+|now\s+)?(?:at\s+home|in\s+(?:his|her|their|my)\s+(?:home\s*)?"
     r"(?:village|town|city|country|hometown))|(?:brought|flew|took)\s+(?:us|him|her|them|me)\s+"
     r"(?:back\s+)?home|(?:lives?|living|lived)\s+(?:again\s+|now\s+)?with\s+(?:his|her|my|their)\s+"
     r"(?:parents|family|mother|father|relatives|wife|husband|children)|"
     r"(?:sent|flown|brought)\s+back\s+(?:home|to\s+(?:the\s+)?(?-i:[A-Z])[\w.]+)"),
]
_OUTCOME_RE = re.compile(
    r"\b(?:" + "|".join(f"(?P<{name}>{p})" for name, p in OUTCOME_PATTERNS) + r")(?!\w)", re.I
)
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

_CORE_PLACES = (
    r"Syria|Iraq|Raqqa|Rakka|Mosul|Deir(?:\s+ez[- ]Zor)?|Tal\s+Afar|Tabqa|Manbij|al-Bab|Jarablus|"
    r"Palmyra|Fallujah|Ramadi|Hawija|Mayadin|Sirte|(?:the\s+)?(?:so-called\s+)?caliphate|(?:the\s+)?"
    r"(?:Islamic\s+State|IS|ISIS)\s+territory"
)
# a season, month or year right after a verb: "travelled in 2015", "went in the autumn of"
_DATE_NEXT = (
    r"(?=\s+(?:in|during)\s+(?:the\s+)?(?:(?:early|late|mid-?)\s*)?(?:spring|summer|autumn|fall|"
    r"winter|20[12]\d|January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\b)"
)
JOIN_CUES = (
    r"join(?:ed|ing|s)?|pledg(?:ed|ing)\s+(?:allegiance|bay['’]?ah?)|made\s+hij?ra|"
    r"t(?:ook|aking)\s+the\s+oath|swore\s+(?:allegiance|the\s+oath)|"
    r"left\s+(?!(?:the\s+)?(?:group|IS|ISIS|ISIL|Daesh|caliphate|organi[sz]ation|Islamic|"
    r"territory|Turkey|" + _CORE_PLACES + r")\b)(?-i:[A-Z])\w+|"
    r"(?:travel(?:l)?ed|went|gone|moved|headed|flew|came|relocated|migrated|followed)"
    r"(?![^.;:]{0,80}?\b(?:back|home)\b)[^.;:]{0,80}?\b(?:to|into)\s+(?:Turkey|"
    + _CORE_PLACES + r")|(?:arriv(?:ed|ing)\s+in|reach(?:ed|ing))\s+(?:Turkey|" + _CORE_PLACES +
    r")|(?:crossed|slipped|smuggled\s+(?:him|her)self)\s+into\s+(?:Syria|Iraq)|"
    r"entered\s+(?:Syria|Iraq)|left\s+for|boarded\s+a\s+(?:flight|plane)|enlisted|recruited|"
    r"departure\s+for\s+(?:" + _CORE_PLACES + r")|went\s+over\s+to|"
    r"(?:travell?ed|travel|went|gone|came|come|departure|decision\s+to\s+travel)" + _DATE_NEXT
)
LEAVE_CUES = (
    r"left\s+(?:the\s+)?(?:group|IS|ISIS|ISIL|Daesh|caliphate|organi[sz]ation|Islamic\s+State|"
    r"territory|" + _CORE_PLACES + r")|"
    r"left(?=\s+(?:in|on|at|during|around|after|before|early|late|mid-?|that|the\s+same|with|by|"
    r"when|while|for\s+good)\b|\s*[,.;])|"
    r"escap(?:ed|ing|e)|fle(?:d|e|eing)|defected|deserted|desertion|"
    r"surrender(?:ed|ing)?|hand(?:ed|ing)\s+(?:him|her|my|them|our)sel(?:f|ves)|"
    r"turn(?:ed|ing)\s+(?:him|her|my|them|our)sel(?:f|ves)|"
    r"gave\s+(?:him|her|my|them|our)sel(?:f|ves)\s+up|(?:was|were|been)\s+(?:captured|caught|arrested|detained)|"
    r"captured|crossed(?!\s+(?:the\s+border\s+)?into\s+(?:Syria|Iraq))|got\s+out|quit|"
    r"walk(?:ed|ing)\s+(?:away|out|up\s+to|across|to\s+(?:a|an|the))|"
    r"slipp?(?:ed|ing)?\s+(?:away|out)|ran\s+(?:away|off|for|towards?)|brib(?:ed|ing)|"
    r"(?:paid|paying)\s+(?:a\s+|the\s+)?(?:smugglers?|traffickers?|driver|guide)|"
    r"sneak(?:ed|ing)?\s+out|snuck\s+out|smuggled\s+(?:\w+\s+)?out|"
    r"b(?:ought|uying)\s+(?:his|her|my|their|our)\s+way\s+out|report(?:ed|ing)\s+to|"
    r"left\s+(?:the\s+)?(?:areas?|lands?|territory|territories)|"
    r"leav(?:e|ing)\s+(?:the\s+)?(?:city|town|group|caliphate|territory|organi[sz]ation|"
    + _CORE_PLACES + r")|"
    r"(?:came|went|flew|got|returned)\s+(?:back\s+)?home|repatriated|"
    r"accepted\s+(?:an?|the)\s+amnesty|put\s+down\s+(?:his|her|my|the)\s+(?:rifle|weapon|gun)"
)
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
    r"after\s+that)\s+)?(?:(?:the\s+)?(?:early|late|mid-?|spring|summer|autumn|fall|winter|"
    r"January|February|March|April|May|June|July|August|September|October|November|December"
    r")\s*(?:of\s+)?)?$",
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
_REL_AGO = re.compile(r"\b(" + _NUM + r")\s+years?\s+ago\b", re.I)
_LAST_YEAR = re.compile(r"\b(?:last|this)\s+year\b", re.I)
_RECENT = re.compile(
    r"\b(?:(?:last|this|earlier\s+this)\s+(?:week|month)|(?P<n>" + _NUM + r")\s+"
    r"(?:weeks?|months?)\s+ago)\b",
    re.I,
)

_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
          "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
# an age in digits or words ("34", "thirty-four", "nineteen"); ranges ("in his forties") are not
_AGE_NUM = (r"(?:\d{1,2}|(?:" + "|".join(_TENS) + r")(?:[-‐‑\s](?:" + "|".join(_UNITS) + r"))?"
            r"|" + "|".join(_TEENS) + r")\b")


def _age_int(raw: str) -> int:
    """The value of an age written in digits or words: "34", "thirty-four", "nineteen"."""
    raw = raw.lower()
    if raw.isdigit():
        return int(raw)
    if raw in _TEENS:
        return _TEENS[raw]
    parts = re.split(r"[-‐‑\s]+", raw)
    return _TENS.get(parts[0], 0) + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0)


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
    r"^\s*(?:[-‐‑]\s*born\b|(?:national|citizen|citizenship|nationality|passport|"
    r"passport[- ]holder|homeland|hometown|compatriot|countryman|countrymen|child|kid|"
    r"convert|man|woman|boy|girl|"
    r"teenager|fighter|militant|jihadist|jihadi|defector|deserter|recruit|member|student|"
    r"mother|father|wife|widow|husband|returnee|extremist|volunteer|youth|origin|"
    r"engineer|doctor|teacher|nurse|mechanic|grocer|pharmacist|labou?rer|farmer|shepherd|"
    r"businessman|businesswoman|lawyer|imam|preacher|clerk|carpenter|electrician|baker|"
    r"butcher|tailor|trader|merchant|shopkeeper|welder|plumber|accountant)s?\b|"
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


@dataclass
class Candidate:
    """A possible value for one field of one person."""

    value: Any
    span: Span
    priority: int


@dataclass
class Evidence:
    """Candidates per field for one person, chosen at the end."""

    fields: dict[str, list[Candidate]] = field(default_factory=dict)
    gender_votes: dict[str, list[Span]] = field(default_factory=lambda: {"m": [], "f": []})
    route: list[tuple[int, str, Span]] = field(default_factory=list)
    places: list[tuple[int, str, Span]] = field(default_factory=list)
    origin_spans: set[Span] = field(default_factory=set)

    def add(self, name: str, value: Any, span: Span, priority: int) -> None:
        self.fields.setdefault(name, []).append(Candidate(value, span, priority))

    def best(self, name: str) -> Candidate | None:
        cands = self.fields.get(name)
        if not cands:
            return None
        return min(cands, key=lambda c: (c.priority, c.span.start))


@dataclass
class SentenceView:
    """A sentence with the people it is about."""

    span: Span
    mentions: list[tuple[int, Span]]  # (person index, mention span) inside the sentence
    owners: list[int]  # persons the sentence is about (mentioned, speaking or carried)
    carried: bool = False


def _hedged_exit(before: str) -> bool:
    """An attempt or a negation right before an exit word ("tried to flee", "did not")."""
    return bool(_ATTEMPT_BEFORE.search(before) or _NOT_BEFORE.search(before))


PROFILE_CUES = ProfileCues(_JOIN_RE, _LEAVE_RE, _EXIT_RE, tuple(_EXIT_ORDER), _hedged_exit)


class ProfileStage:
    """Fills ``person.profile`` for every defector in each reading."""

    name = "profile"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        gazetteer: Gazetteer = context.resource("gazetteer", "default", load_gazetteer)
        learned: list[tuple[FieldSpec, FieldModel]] = []
        for spec in FIELDS.values():
            setting = getattr(context.settings.reading, spec.setting)
            model = context.resource(spec.setting, setting or "",
                                     partial(load_field_model, spec, setting))
            if model is not None:
                learned.append((spec, model))
        for reading in readings:
            profile_reading(reading, gazetteer)
            published = _published_year(reading.document.published)
            for spec, model in learned:
                fill_field(reading, spec, model, PROFILE_CUES, published)


def profile_reading(reading: DocumentReading, gazetteer: Gazetteer | None = None) -> None:
    """Profile every defector of one reading in place."""
    defectors = [i for i, p in enumerate(reading.persons) if p.is_defector]
    if not defectors:
        return
    gaz = gazetteer or load_gazetteer()
    text = reading.document.text
    published_year = _published_year(reading.document.published)
    published_month = _published_month(reading.document.published)
    mentions = _all_mentions(reading, text)
    quoted = _quoted_regions(reading, text)
    sentences = _sentence_views(reading, text, mentions, quoted)
    evidence: dict[int, Evidence] = {i: Evidence() for i in defectors}
    wanted = set(defectors)
    subjects = _Subjects(reading, mentions, quoted)

    # 1. Mentions, descriptors and the appositions attached to them.
    for pi, span, kind in mentions:
        if pi not in wanted:
            continue
        if kind == "pronoun":
            continue
        ev = evidence[pi]
        prio = P_MENTION if kind in ("descriptor", "nominal", "name", "alias") else P_ATTACHED
        _np_cues(text, span, ev, gaz, prio, is_mention=True)
        for att in _attached(text, span):
            _np_cues(text, att, ev, gaz, P_ATTACHED, is_mention=False)
        _age_after_name(text, span, ev)

    # 2. Sentences about each person.
    last_year: dict[int, int] = {}
    for sv in sentences:
        if not sv.owners:
            continue
        owners = [o for o in sv.owners if o in wanted]
        _pronoun_votes(text, sv, quoted, evidence)
        if not owners:
            continue
        _sentence_cues(text, sv, owners, evidence, gaz, quoted,
                       (published_year, published_month), last_year, subjects)

    # A story told from a rehabilitation centre (named in the headline or first
    # paragraphs) places its defectors there unless their own text says otherwise.
    setting = _setting_span(reading, text)
    fallback = _document_country(text, gaz, [m.span for p in reading.persons
                                             for m in p.mentions])
    for pi in defectors:
        if setting is not None and not evidence[pi].fields.get("outcome"):
            evidence[pi].add("outcome", "rehabilitation_centre", setting, len(_OUTCOME_ORDER))
        _finish(reading.persons[pi], evidence[pi])
        prof = reading.persons[pi].profile
        if fallback is not None and prof.nationality is None and prof.origin_region is None:
            prof.nationality = FieldValue(fallback[0], fallback[1])


def _document_country(text: str, gazetteer: Gazetteer,
                      names: Sequence[Span] = ()) -> tuple[str, Span] | None:
    """The country the document clearly points to most often (demonyms, countries,
    cities, conflict-area places; at least twice and more than any other; never inside a
    person's name), with its first span: the nationality of a defector the text gives
    none for (bench_real, grouped CV over the real labelled sets)."""
    counts: dict[str, int] = {}
    first: dict[str, Span] = {}
    for gm in gazetteer.find(text):
        if any(gm.span.overlaps(n) for n in names):
            continue
        for entry in gm.entries:
            if entry.kind in ("demonym", "country", "city", "place") and entry.country:
                counts[entry.country] = counts.get(entry.country, 0) + 1
                first.setdefault(entry.country, gm.span)
                break
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] < 2 or (len(ranked) > 1 and ranked[1] == ranked[0]):
        return None
    best = max(counts, key=lambda c: counts[c])
    return best, first[best]


def _setting_span(reading: DocumentReading, text: str) -> Span | None:
    """A rehabilitation centre named in the first three paragraphs: the story's setting."""
    paras: list[Span] = reading.scratch.get("paragraphs") or []
    end = paras[min(2, len(paras) - 1)].end if paras else min(len(text), 600)
    m = _REHAB_SETTING.search(text, 0, end)
    return Span(m.start(), m.end()) if m else None


# --- structure: mentions, quotes, sentences -------------------------------------------


def _all_mentions(reading: DocumentReading, text: str) -> list[tuple[int, Span, str]]:
    """Every person's mention spans (plus their descriptor located in the text), sorted."""
    out: list[tuple[int, Span, str]] = []
    for pi, person in enumerate(reading.persons):
        surfaces: set[str] = set()
        for m in person.mentions:
            out.append((pi, m.span, m.kind))
            surfaces.add(m.span.text_of(text))
        # The descriptor is usually one of the mentions; search the text only when it
        # is not, and only for defectors (the only people profiled).
        if person.descriptor and person.is_defector and person.descriptor not in surfaces:
            pos = text.find(person.descriptor)
            if pos >= 0:
                out.append((pi, Span(pos, pos + len(person.descriptor)), "descriptor"))
    out.sort(key=lambda x: (x[1].start, x[1].end))
    return out


_QUOTE_PAIR = re.compile(r"“[^”\n]*”|\"[^\"\n]*\"|«[^»\n]*»")


class QuoteIndex:
    """Direct-speech regions sorted by start, with their speakers, for position look-ups."""

    def __init__(self, regions: list[tuple[Span, int | None]]) -> None:
        self.regions = regions
        self.starts = [span.start for span, _ in regions]

    def covering(self, pos: int) -> tuple[Span, int | None] | None:
        """The region containing ``pos`` (regions from the quote stage and from quotation
        marks may nest, so a few predecessors are checked)."""
        i = bisect_right(self.starts, pos) - 1
        for k in range(i, max(-1, i - 3), -1):
            span, speaker = self.regions[k]
            if span.start <= pos < span.end:
                return span, speaker
        return None


def _quoted_regions(reading: DocumentReading, text: str) -> QuoteIndex:
    """Direct-speech regions with their speaker, from the quote stage and quotation marks."""
    regions: dict[Span, int | None] = {}
    for q in reading.quotes:
        if q.kind in ("direct", "transcript"):
            regions[q.span] = q.speaker
    # mark pairs never overlap one another (one regex pass), so each is compared only with
    # the quote stage's regions it overlaps, found by bisection: linear overall
    staged = SpanSet(list(regions))
    for m in _QUOTE_PAIR.finditer(text):
        span = Span(m.start(), m.end())
        near = list(staged.overlapping(span))
        if not any(r.contains(span) or span.contains(r) for r in near):
            regions[span] = None
        elif span not in regions:
            # keep the quote stage's speaker but cover the marks too
            for r in sorted(near):
                spk = regions.get(r)
                if span.contains(r) and spk is not None:
                    regions[span] = spk
    return QuoteIndex(sorted(regions.items(), key=lambda x: (x[0].start, x[0].end)))


def _sentence_views(
    reading: DocumentReading,
    text: str,
    mentions: list[tuple[int, Span, str]],
    quoted: QuoteIndex,
) -> list[SentenceView]:
    """Sentences with their mentions and owners, in one pass with pointers."""
    sents = [s.span for s in reading.sentences] or [Span(0, len(text))]
    views: list[SentenceView] = []
    mi = 0
    qi = 0
    last_owner: int | None = None
    since = CARRY_SENTENCES + 1
    for span in sents:
        while mi < len(mentions) and mentions[mi][1].end <= span.start:
            mi += 1
        inside: list[tuple[int, Span]] = []
        j = mi
        while j < len(mentions) and mentions[j][1].start < span.end:
            if mentions[j][1].end > span.start:  # skip short ones behind a long mention
                inside.append((mentions[j][0], mentions[j][1]))
            j += 1
        regions = quoted.regions
        while qi < len(regions) and regions[qi][0].end <= span.start:
            qi += 1
        speakers: list[int] = []
        k = qi
        while k < len(regions) and regions[k][0].start < span.end:
            spk = regions[k][1]
            if spk is not None and spk not in speakers:
                speakers.append(spk)
            k += 1
        owners: list[int] = []
        for pi, _ in inside:
            if pi not in owners:
                owners.append(pi)
        for spk in speakers:
            if spk not in owners:
                owners.append(spk)
        carried = False
        if (
            not owners
            and last_owner is not None
            and since < CARRY_SENTENCES
            and _THIRD_OR_FIRST.search(text, span.start, span.end)
        ):
            owners = [last_owner]
            carried = True
        if owners and not carried:
            last_owner = inside[0][0] if inside else owners[0]
            since = 0
        else:
            since += 1
        views.append(SentenceView(span, inside, owners, carried))
    return views


NOBODY = -1  # the subject is found and is not a person ("the city was captured")
_NON_REFERRING = {"they", "we", "them", "us", "who", "that", "which", "it", "this", "these",
                  "those", "many", "some", "others", "all", "both", "one", "none"}
_SELF = {"i", "me", "my"}
_THIRD = {"he", "she", "him", "her"}


class _Subjects:
    """Who does what, from the dependency parse: the subject of a cue's verb, mapped to
    the person whose mention it is. Lookups are binary searches over sorted chunks and
    mentions, so the whole pass stays linear."""

    def __init__(
        self,
        reading: DocumentReading,
        mentions: list[tuple[int, Span, str]],
        quoted: QuoteIndex,
    ) -> None:
        self.chunks: list[Any] = list(reading.scratch.get("spacy") or [])
        self.starts = [c.offset for c in self.chunks]
        self.mentions = [(sp, pi) for pi, sp, _ in mentions]
        self.mstarts = [sp.start for sp, _ in self.mentions]
        self.quoted = quoted

    def person(self, cue: Span) -> int | None:
        """Person index, :data:`NOBODY` for a non-person subject, None when unknown."""
        found = [self._resolve(subj, cue) for subj in self._subject_tokens(cue)]
        if not found:
            return None
        people = [f for f in found if f is not None and f != NOBODY]
        if people:
            return people[-1]  # the subject nearest the verb
        return NOBODY if all(f == NOBODY for f in found) else None

    def conjuncts(self, cue: Span) -> list[int]:
        """Persons coordinated with the subject ("X and Y both joined in 2013": Y)."""
        out: list[int] = []
        for subj in self._subject_tokens(cue):
            for conj in subj.conjuncts:
                pi = self._resolve(conj, cue)
                if pi is not None and pi != NOBODY and pi not in out:
                    out.append(pi)
        return out

    def _subject_tokens(self, cue: Span) -> list[Any]:
        """Subject tokens of the verb governing ``cue``; subjects are inherited through
        xcomp/advcl/conj, and "who" in a relative clause stands for its noun."""
        token = self._token(cue.start)
        if token is None:
            return []
        if token.dep_ in ("aux", "auxpass", "neg") and token.head is not token:
            token = token.head  # "was captured": the verb is "captured"
        verb = token
        for _ in range(4):
            if verb.pos_ in ("VERB", "AUX") or verb.head is verb:
                break
            verb = verb.head
        if verb.pos_ not in ("VERB", "AUX"):
            return []
        for _ in range(5):
            subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
            if subjects:
                return [
                    verb.head if subj.tag_ in ("WP", "WDT") and verb.dep_ == "relcl" else subj
                    for subj in subjects
                ]
            if verb.dep_ in ("xcomp", "advcl", "conj", "relcl", "acl") and verb.head is not verb:
                if verb.dep_ in ("relcl", "acl") and verb.head.pos_ in ("NOUN", "PROPN"):
                    return [verb.head]
                verb = verb.head
                continue
            break
        return []

    def is_other_subject(self, cue: Span, allowed: Iterable[int]) -> bool:
        """True when the word at ``cue`` is itself the subject of a clause and not a mention
        of one of ``allowed`` ("the emir made him a guard": the emir is someone else)."""
        token = self._token(cue.start)
        if token is None or token.dep_ not in ("nsubj", "nsubjpass"):
            return False
        return self._mention_at(cue) not in set(allowed)

    def governing_verb(self, pos: int) -> int | None:
        """Document offset of the verb a date at ``pos`` modifies ("handed himself over …
        last month" → handed), or None without a parse."""
        token = self._token(pos)
        if token is None:
            return None
        for _ in range(4):
            if token.pos_ in ("VERB", "AUX"):
                chunk = self.chunks[bisect_right(self.starts, pos) - 1]
                return int(chunk.offset + token.idx)
            if token.head is token:
                return None
            token = token.head
        return None

    def _token(self, pos: int) -> Any:
        """The spaCy token at document offset ``pos``, if a parse covers it."""
        i = bisect_right(self.starts, pos) - 1
        if i < 0:
            return None
        chunk = self.chunks[i]
        local = pos - chunk.offset
        doc = chunk.doc
        if not len(doc) or local >= doc[-1].idx + len(doc[-1].text):  # not doc.text: O(n)
            return None
        span = doc.char_span(local, local + 1, alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    def _resolve(self, subj: Any, cue: Span) -> int | None:
        """Subject token → person: via a mention, the quote's speaker for "I", NOBODY for
        a non-person noun, None when the parse cannot tell (pronouns, unknown names)."""
        word = subj.lower_
        chunk_offset = self.chunks[bisect_right(self.starts, cue.start) - 1].offset
        start = chunk_offset + subj.idx
        end = start + len(subj.text)
        hit = self._mention_at(Span(start, end))
        if hit is not None:
            return hit
        if word in _SELF:
            region = self.quoted.covering(cue.start)
            return region[1] if region is not None else None
        if word in _THIRD or word in _NON_REFERRING or subj.pos_ == "PROPN":
            return None
        if subj.pos_ in ("NOUN", "PRON") and not _PERSON_NOUN_RE.fullmatch(subj.text):
            # A non-person noun is nobody, judged on the noun and its pre-modifiers only
            # ("a city that was taken by the militants" is a city).
            left = chunk_offset + subj.left_edge.idx
            if self._mention_at(Span(left, end)) is None and not _PERSON_NOUN_RE.search(
                subj.doc.text, subj.left_edge.idx, subj.idx + len(subj.text)
            ):
                return NOBODY
        return None

    def _mention_at(self, span: Span) -> int | None:
        """The person of a mention overlapping ``span`` (mentions sorted by start)."""
        i = bisect_right(self.mstarts, span.end - 1) - 1
        for j in range(i, max(-1, i - 8), -1):
            mspan, pi = self.mentions[j]
            if mspan.start <= span.start < mspan.end or span.start <= mspan.start < span.end:
                return pi
        return None


def _inside_name(span: Span, sv: SentenceView, text: str) -> bool:
    """Is ``span`` part of someone's proper name ("Emir Hadzic" is not a commander)?"""
    return any(
        m.contains(span) and _is_proper_name(m.text_of(text)) for _, m in sv.mentions
    )


def _owner_of(pos: Span, sv: SentenceView, candidates: Iterable[int]) -> int | None:
    """The person a cue at ``pos`` is about: the nearest mention in the sentence, the
    sole owner otherwise."""
    allowed = set(candidates)
    if not sv.mentions:
        owners = [o for o in sv.owners if o in allowed]
        return owners[0] if owners else None
    best: int | None = None
    owner: int | None = None
    for pi, span in sv.mentions:
        if span.end <= pos.start:
            dist = pos.start - span.end
        elif pos.end <= span.start:
            dist = span.start - pos.end + 1  # mentions before the cue win ties
        else:
            dist = 0
        if best is None or dist < best:
            best, owner = dist, pi
    return owner if owner is not None and owner in allowed else None


# --- noun-phrase cues: descriptor, mentions, appositions --------------------------------


_APPOS_SEG_START = re.compile(
    r"^\s*(?:(?:al|el|Abu|Abo|Umm)\s+\S+\s+(?:a|an|the)\s|is\s|was\s|"
    r"a|an|the|\d{1,2}\b|now|aged|who|from|originally|born|formerly|former|one|himself|"
    r"herself|[A-Z][a-z]+-born|[\w-]+-year-old|then|once|also|known|dubbed|nicknamed|"
    r"another|this|that)\b",
    re.I,
)
_CLAUSE_STOP = re.compile(r"[.;:!?“”\"«»()]|\s(?:said|says|told|explained|recalled|added)\b")


def _attached(text: str, span: Span) -> list[Span]:
    """Appositions attached to a mention: ", a Tunisian engineer," after it and
    "Syrian deserter" / "18-year-old" before it (same clause)."""
    out: list[Span] = []
    # after: comma-separated appositive segments
    pos = span.end
    limit = min(len(text), span.end + 160)
    window = text[pos:limit]
    stop = _CLAUSE_STOP.search(window)
    if stop:
        window = window[: stop.start()]
    if window.startswith(","):
        offset = 1
        prev = ""
        for seg in window[1:].split(","):
            place_tail = re.match(r"\s*(?:from|born|in|originally)\b", prev, re.I) and re.match(
                r"\s*[A-Z]", seg)
            if not (_APPOS_SEG_START.match(seg) or place_tail):
                break
            prev = seg
            s = pos + offset
            out.append(Span(s, s + len(seg)))
            offset += len(seg) + 1
    # before: the words since the last clause break, at most 60 chars
    start = max(0, span.start - 60)
    before = text[start : span.start]
    cut = max(before.rfind(c) for c in ",;:.!?“”\"()\n")
    if cut >= 0:
        before_start = start + cut + 1
    else:
        before_start = start
        sp = before.find(" ")
        if sp >= 0 and start > 0:
            before_start = start + sp + 1
    # keep only the noun-phrase words right before the mention: "told the British
    # journalist that X" must not make X British
    np_start = span.start
    for w in reversed(list(_WS_WORD.finditer(text, before_start, span.start))):
        if not _np_word(w.group(0)):
            break
        np_start = w.start()
    if np_start < span.start:
        out.append(Span(np_start, span.start))
    return out


_WS_WORD = re.compile(r"\S+")
_NP_WORDS = {
    "a", "an", "the", "former", "ex", "young", "old", "teenage", "fellow", "self-styled",
    "so-called", "alleged", "suspected", "convicted", "female", "male", "foreign", "local",
    "one-time", "onetime", "disillusioned", "repentant", "captured", "jailed", "detained",
    "deserter", "defector", "returnee", "jihadist", "jihadi", "militant", "fighter",
}


def _np_word(word: str) -> bool:
    """Could ``word`` be part of a noun phrase modifying the name after it?"""
    w = word.strip("‘’'\"")
    return bool(w) and (
        w[0].isupper() or w[0].isdigit() or "-year" in w.lower() or w.lower() in _NP_WORDS
        or bool(_PERSON_NOUN_RE.fullmatch(w)) or bool(_OCC_RE.fullmatch(w))
        or bool(_ROLE_RE.fullmatch(w))
    )


def _age_after_name(text: str, span: Span, ev: Evidence) -> None:
    """"X, 26,", "X (26)" and "X is 26,": the age the press puts right after a name."""
    m = _AGE_AFTER_NAME.match(text, span.end, min(len(text), span.end + 64))
    if m:
        g = next(k for k in ("a", "b", "c") if m.group(k))
        n = _age_int(m.group(g))
        if 8 <= n <= 90:
            ev.add("age", n, Span(m.start(g), m.end(g)), P_ATTACHED)


def _np_cues(
    text: str, span: Span, ev: Evidence, gaz: Gazetteer, prio: int, is_mention: bool
) -> None:
    """Gender, age, nationality, region, occupation and role from a noun phrase."""
    s, e = span.start, span.end
    chunk = text[s:e]
    # A proper name ("Jordan Frenchman") says nothing about nationality or gender.
    proper_name = is_mention and _is_proper_name(chunk)
    # gender
    for m in _GENDER_NOUN.finditer(chunk):
        own_head = is_mention and m.start() == 0  # the mention *is* "her husband"
        if (m.group("poss") and not own_head) or (
            proper_name and not _TITLE.fullmatch(m.group("f") or m.group("m"))
        ):
            continue
        g = "f" if m.group("f") else "m"
        grp = "f" if g == "f" else "m"
        ev.add("gender", g, Span(s + m.start(grp), s + m.end(grp)), prio)
    if is_mention:
        km = _KUNYA.match(chunk)
        if km and not gaz.lookup(chunk.split(",")[0].strip()):
            g = "f" if km.group("f") else "m"
            ev.add("gender", g, Span(s + km.start(), s + km.end() - 1), prio)
    # age
    for pat in _AGE_PATTERNS:
        for m in pat.finditer(chunk):
            if _POSSESSIVE_BEFORE.search(chunk, 0, m.start()):
                continue
            n = _age_int(m.group("n"))
            if 8 <= n <= 90:
                ev.add("age", n, Span(s + m.start(), s + m.end()), prio)
    # nationality / region
    for gm in () if proper_name else gaz.iter_matches(text, s, e):
        _nationality_from_match(text, gm, ev, prio, np_context=True)
    # occupation and role
    if proper_name:
        return
    for m in _OCC_RE.finditer(chunk):
        name = _group_name(m, "o", _OCC_NAMES)
        if name and not _GROUP_RE.search(chunk, max(0, m.start() - 25), m.start()):
            ev.add("occupation", name, Span(s + m.start(), s + m.end()), prio)
    for m in _ROLE_RE.finditer(chunk):
        name = _group_name(m, "r", _ROLE_NAMES)
        if name is None:
            continue
        pre = text[max(0, s + m.start() - 40) : s + m.start()]
        if _NEGATION_BEFORE.search(pre) or (
            name in ("fighter", "recruit") and _OTHER_SIDE_BEFORE.search(pre)
        ):
            continue
        if name in ("commander", "emir") and is_mention and not _FORMER_HEAD.match(chunk):
            continue  # "the emir", "our emir": a mention wrongly merged, not the person's rank
        if name not in _ROLES_NEEDING_GROUP or _GROUP_RE.search(chunk) or (
                is_mention and m.group(0).lower() == "medic"):
            ev.add("role", name, Span(s + m.start(), s + m.end()), prio + _role_rank(name))


_FORMER_HEAD = re.compile(r"\W*(?:an?\s|(?:the\s+|a\s+)?(?:former|ex-|one-time|onetime)\b)", re.I)
_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Madame|Mme|Monsieur)", re.I)
_NAME_PARTICLE = {"al", "el", "bin", "ibn", "abu", "umm", "abo", "de", "van", "von", "der", "ben"}


def _is_proper_name(chunk: str) -> bool:
    """Every word capitalised (particles aside): a name, not a description."""
    words = _WORD.findall(chunk.replace("-", " "))
    return bool(words) and all(
        w[0].isupper() or w.lower() in _NAME_PARTICLE or w[0].isdigit() for w in words
    )


def _role_rank(name: str) -> int:
    """Generic "fighter" loses to any specific role found at the same level."""
    return 1 if name in ("fighter", "trainee", "recruit") else 0


def _group_name(m: re.Match[str], prefix: str, names: list[str]) -> str | None:
    """Canonical name of the alternative that matched (named groups ``<prefix><index>``)."""
    for key, value in m.groupdict().items():
        if value is not None and key.startswith(prefix):
            return names[int(key[1:])]
    return None


def _nationality_from_match(
    text: str, gm: GeoMatch, ev: Evidence, prio: int, np_context: bool
) -> None:
    """Record the nationality or region a gazetteer match stands for, if it is about origin.

    In a noun phrase about the person (``np_context``) a demonym counts unless it
    qualifies a non-person noun ("Syrian regime"); a country or city counts only
    after an origin cue ("from", "born in", "native of") or before "-born".
    """
    before = text[max(0, gm.span.start - 60) : gm.span.start]
    after = text[gm.span.end : gm.span.end + 40]
    entry = gm.first("demonym", "ethnic", "region", "country", "city", "place")
    if entry is None:
        return
    if entry.kind == "ethnic":
        return
    if entry.kind == "region":
        if (
            _origin_context(before, after)
            or (np_context and not NON_PERSON_AFTER_DEMONYM.match(after))
            or _NATIONAL_AFTER.match(after)
        ):
            ev.add("origin_region", entry.name, gm.span, prio)
        return
    country = gm.country
    if not country:
        return
    if entry.kind == "demonym":
        if NON_PERSON_AFTER_DEMONYM.match(after):
            return
        born = _BORN_THEN.match(after)
        if born is not None and any(e.kind == "demonym" and e.country
                                    for e in load_gazetteer().lookup(born.group("next"))):
            return  # "a Moroccan-born Belgian": the nationality is the second one
        if not np_context and _RELATIVE_NP_BEFORE.search(before):
            return  # "her mother, a Swedish convert": somebody else's nationality
        if np_context or _NATIONAL_AFTER.match(after) or (
            _COPULA_BEFORE.search(before) and _NOMINAL_AFTER.match(after)
        ):
            ev.add("nationality", country, gm.span, prio)
            ev.origin_spans.add(gm.span)
        return
    # a country, city or place name: only as origin
    if (
        _BORN_AFTER.match(after)
        or _origin_context(before, after)
        or _NATIONAL_AFTER.match(after)
        or (np_context and _FROM_PLAIN.search(before))
    ):
        ev.add("nationality", country, gm.span, prio)
        ev.origin_spans.add(gm.span)


def _origin_context(before: str, after: str) -> bool:
    """True when the text before a place says it is where someone is from."""
    return bool(_ORIGIN_BEFORE.search(before) or _FROM_BEFORE.search(before))


# --- sentence cues ------------------------------------------------------------------------


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


def _year_cues(
    text: str,
    sv: SentenceView,
    who: Callable[[Span], int | None],
    actors: Callable[[Span], list[int]],
    evidence: dict[int, Evidence],
    published: tuple[int | None, int | None],
    last_year: dict[int, int],
    subjects: _Subjects,
) -> None:
    """joined_year / left_year: a year goes to the nearest joining or leaving verb in its
    sentence; "N years later" counts from the person's last year, "N years ago" from the
    publication year."""
    published_year, published_month = published
    s, e = sv.span.start, sv.span.end
    sent = text[s:e]
    years: list[tuple[int, int, int]] = []  # (start, end, year) in sentence offsets
    for m in _YEAR.finditer(sent):
        years.append((m.start(), m.end(), int(m.group(1))))
    for m in _REL_AGO.finditer(sent):
        if published_year:
            years.append((m.start(), m.end(), published_year - _num(m.group(1))))
    for m in _LAST_YEAR.finditer(sent):
        if published_year:
            delta = 1 if m.group(0).lower().startswith("last") else 0
            years.append((m.start(), m.end(), published_year - delta))
    for m in _RECENT.finditer(sent):
        if published_year:
            back = _num(m.group("n")) if m.group("n") else 1
            year = published_year
            if published_month is not None and back >= published_month and "week" not in \
                    m.group(0).lower():
                year -= 1
            years.append((m.start(), m.end(), year))
    rel_later = list(_REL_LATER.finditer(sent))
    if not years and not rel_later:
        return
    _year_ranges(sent, s, who, evidence, last_year)
    cues: list[tuple[int, int, str]] = []
    for m in _JOIN_RE.finditer(sent):
        word = m.group(0).lower()
        if word.startswith("recruit") and re.match(r"\s+(?:them|others|people|fighters)\b",
                                                    sent[m.end():]):
            continue
        cues.append((m.start(), m.end(), "join"))
    for m in _LEAVE_RE.finditer(sent):
        word = m.group(0).lower()
        kind = "leave"
        if word.startswith(("fled", "escap")) and (
                _JOIN_TRIP_AFTER.match(sent, m.end())
                or re.match(r"\s+(?:to|into)\s+(?:Syria|Iraq)\b", sent[m.end():])):
            kind = "join"
        pre = sent[max(0, m.start() - 40): m.start()]
        if _ATTEMPT_BEFORE.search(pre):
            continue
        if "captured" in word and _BY_GROUP.match(sent, m.end()):
            continue
        cues.append((m.start(), m.end(), kind))
    if not cues:
        for ys, ye, y in years:
            pi = who(Span(s + ys, s + ye))
            if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
                last_year[pi] = y
        return
    for ys, ye, y in years:
        if not YEAR_MIN <= y <= YEAR_MAX or _NOT_EVENT_YEAR_BEFORE.search(sent, 0, ys) or \
                _NOT_EVENT_YEAR_AFTER.match(sent, ye):
            continue
        governing = subjects.governing_verb(s + ys)
        parsed = [c for c in cues if governing is not None
                  and c[0] <= governing - s < c[1]]
        if parsed:  # the parse ties the date to a cue verb: take it whatever the distance
            cue, dist = parsed[0], 0
        else:
            cue = min(cues, key=lambda c: _year_distance(c[0], c[1], ys, ye))
            dist = _year_distance(cue[0], cue[1], ys, ye)
            if dist > 70:
                # "In January 2016 he walked to the border and handed himself over": an
                # opening date phrase governs the clause, so its first cue verb takes it
                later = [c for c in cues if ye <= c[0] <= ye + 160]
                if not later or not _LEADING_DATE.match(sent, 0, ys):
                    continue
                cue, dist = later[0], 30
        span = Span(s + ys, s + ye)
        field_name = "joined_year" if cue[2] == "join" else "left_year"
        for pi in actors(Span(s + cue[0], s + cue[1])):
            evidence[pi].add(field_name, y, span, P_SENTENCE + dist // 30)
            last_year[pi] = y
    for m in rel_later:
        cue = min(cues, key=lambda c: _gap(c[0], c[1], m.start(), m.end()))
        if _gap(cue[0], cue[1], m.start(), m.end()) > 90:
            continue
        for pi in actors(Span(s + cue[0], s + cue[1])):
            if pi not in last_year:
                continue
            y = last_year[pi] + _num(m.group(1))
            if YEAR_MIN <= y <= YEAR_MAX:
                field_name = "joined_year" if cue[2] == "join" else "left_year"
                evidence[pi].add(field_name, y, Span(s + m.start(), s + m.end()), P_WEAK)
                last_year[pi] = y


def _year_ranges(
    sent: str,
    s: int,
    who: Callable[[Span], int | None],
    evidence: dict[int, Evidence],
    last_year: dict[int, int],
) -> None:
    """Membership stated as a period: "was with the group since 2013" (joined), "fought
    for them from 2014 to 2016" (joined and left)."""
    for m in _SINCE_GROUP.finditer(sent):
        y = int(m.group("y"))
        span = Span(s + m.start("y"), s + m.end("y"))
        pi = who(span)
        if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
            evidence[pi].add("joined_year", y, span, P_SENTENCE + 1)
            last_year.setdefault(pi, y)
    for m in _UNTIL_YEAR.finditer(sent):
        y = int(m.group("y"))
        span = Span(s + m.start("y"), s + m.end("y"))
        pi = who(span)
        if pi is not None and YEAR_MIN <= y <= YEAR_MAX:
            evidence[pi].add("left_year", y, span, P_WEAK)
    if not _SERVICE_VERB.search(sent) or not (
            _GROUP_RE.search(sent) or _FOR_THEM.search(sent) or _FOR_FIGHTERS.search(sent)):
        return
    for m in _FROM_TO_YEARS.finditer(sent):
        y1, y2 = int(m.group("a")), int(m.group("b"))
        if not (YEAR_MIN <= y1 <= y2 <= YEAR_MAX):
            continue
        sa = Span(s + m.start("a"), s + m.end("a"))
        pi = who(sa)
        if pi is None:
            continue
        evidence[pi].add("joined_year", y1, sa, P_WEAK)
        evidence[pi].add("left_year", y2, Span(s + m.start("b"), s + m.end("b")), P_WEAK)


def _year_distance(c0: int, c1: int, y0: int, y1: int) -> int:
    """Distance from a verb cue to a year; a year before its verb ("In 2014, he joined")
    must be close, one after it ("joined … in 2014") may be further."""
    if c1 <= y0:
        return y0 - c1
    gap = c0 - y1
    return gap if gap <= 25 else gap * 3


def _gap(a0: int, a1: int, b0: int, b1: int) -> int:
    """Characters between two spans (0 when they overlap)."""
    if a1 <= b0:
        return b0 - a1
    if b1 <= a0:
        return a0 - b1
    return 0


def _num(word: str) -> int:
    """"3", "three", "a" → 3, 3, 1."""
    w = word.lower()
    return int(w) if w.isdigit() else _NUM_WORDS.get(w, 0)


def _published_month(published: str | None) -> int | None:
    """Month of an ISO publication date, for "last month" (None when unknown)."""
    m = re.match(r"\d{4}-(\d{2})", published or "")
    return int(m.group(1)) if m else None


def _published_year(published: str | None) -> int | None:
    """Year of an ISO publication date, for "four years ago" (None when unknown)."""
    if not published:
        return None
    m = re.match(r"(\d{4})", published)
    return int(m.group(1)) if m else None


# --- choosing -------------------------------------------------------------------------------


def _finish(person: Person, ev: Evidence) -> None:
    """Choose each field's value from the candidates and store the profile."""
    prof = Profile()
    for name in ("age", "nationality", "occupation", "role", "joined_year", "left_year"):
        cand = ev.best(name)
        if cand is not None:
            setattr(prof, name, FieldValue(cand.value, cand.span))
    if prof.nationality is None:
        cand = ev.best("origin_region")
        if cand is not None:
            prof.origin_region = FieldValue(cand.value, cand.span)
    for name in ("exit_mode", "outcome"):
        cand = ev.best(name)  # priority = precedence of the value
        if cand is not None:
            setattr(prof, name, FieldValue(cand.value, cand.span))
    if (prof.joined_year and prof.left_year
            and prof.left_year.value < prof.joined_year.value):
        prof.left_year = None
    prof.gender = _gender(ev)
    prof.route = _ordered_unique(ev.route)
    prof.places = _ordered_unique(ev.places)
    person.profile = prof


_GENDER_WEIGHT = {P_MENTION: 4, P_ATTACHED: 3}


def _gender(ev: Evidence) -> FieldValue | None:
    """Gendered nouns in mentions and appositions outweigh pronouns, but a stray noun
    (a mention wrongly merged into the person) loses to a clear majority of pronouns."""
    score = {"m": 0, "f": 0}
    first: dict[str, Span] = {}
    for cand in sorted(ev.fields.get("gender", []), key=lambda c: (c.priority, c.span.start)):
        score[cand.value] += _GENDER_WEIGHT.get(cand.priority, 1)
        first.setdefault(cand.value, cand.span)
    for g in ("m", "f"):
        votes = ev.gender_votes[g]
        score[g] += len(votes)
        if votes:
            first.setdefault(g, votes[0])
    if score["m"] == score["f"]:
        return None
    g = "m" if score["m"] > score["f"] else "f"
    other = "f" if g == "m" else "m"
    if score[other] and score[g] < 1.5 * score[other]:
        return None
    return FieldValue(g, first[g])


def _ordered_unique(items: list[tuple[int, str, Span]]) -> list[FieldValue]:
    """Places in text order (the narrative's travel order), each once, first span kept."""
    seen: set[str] = set()
    out: list[FieldValue] = []
    for _, name, span in sorted(items, key=lambda x: x[0]):
        if name not in seen:
            seen.add(name)
            out.append(FieldValue(name, span))
    return out
