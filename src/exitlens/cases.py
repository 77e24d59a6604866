"""Cases: one real defector across documents, and what makes an account less certain.

Pure logic over persons' profiles, no database (``Project.resolve_cases`` feeds it and
stores the result).

**Grouping.** Every defector becomes part of exactly one case. Each pair of defectors from
different documents is scored with a small table of weights (:data:`WEIGHTS`): name evidence
(the same full name, the same kunya, a kunya that is the kunya part of a longer name, a short
name inside a full one), a reprint link between their documents, the same descriptor, and one
step per agreeing or differing profile field. A pair merges when the score reaches
:data:`MERGE_AT` and nothing in the pair is a hard conflict (:func:`conflicts`: same document,
different nationality or gender, ages that cannot be the same person, unrelated names).
Unnamed people need more: a reprint, or the same descriptor *and* two agreeing non-trivial
fields. Pairs are joined strongest first with a union-find that refuses to join two groups
when any pair across them conflicts, so transitivity never glues together two people the
evidence keeps apart.

**Flags** (:func:`credibility_flags`) never drop a case; they point at the span or field
behind them: ``writer_doubts``, ``sources_disagree``, ``court_or_custody``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .reading.cues import NUMBERED_LABEL

if TYPE_CHECKING:
    from .model import Person

MERGE_AT = 0.6
"""A pair of named defectors merges from this score on."""

WEIGHTS: dict[str, float] = {
    # name evidence (at most one applies)
    "same_name": 0.7,  # the same full name
    "same_kunya": 0.5,  # both are the same bare kunya ("Abu Umar")
    "kunya_of_name": 0.5,  # "Abu Umar" and "Abu Umar al-Tunisi"
    "name_within": 0.5,  # "Karim Benali" inside "Karim Benali al-Faransi"
    "given_name": 0.4,  # "Karim" inside "Karim Benali": needs two agreeing fields
    # document and descriptor evidence
    "reprint": 0.6,  # the two documents are linked as near-duplicate reprints
    "same_position": 0.1,  # the same defector index in both reprints
    "same_descriptor": 0.4,  # "a Syrian defector" in both
    # one per profile field
    "field_agrees": 0.1,
    "field_differs": -0.15,
}

AGREEING_FIELDS = (
    "nationality", "gender", "origin_region", "age", "joined_year", "left_year", "exit_mode",
    "role", "outcome", "occupation", "places", "route",
)
# Fields that say little on their own (most defectors are men; an unnamed person's
# nationality is usually the descriptor itself): not counted for unnamed merges.
TRIVIAL_FIELDS = frozenset({"gender", "nationality", "origin_region"})
SOFT_FIELDS = ("origin_region", "joined_year", "left_year", "exit_mode", "age")
MIN_UNNAMED_AGREEMENT = 2
AGE_DRIFT = 1  # years of drift between accounts still counted as agreeing
AGE_CONFLICT = 5  # beyond this (after the years between publications) not the same person

CASE_COLUMNS = (
    "case_id", "label", "n_sources", "document_ids", "person_ids", "names", "descriptor",
    "gender", "nationality", "origin_region", "age", "joined_year", "left_year", "role",
    "exit_mode", "outcome", "inferred_fields", "outlets", "outlet_kind", "outlet_kinds",
    "first_published", "flags", "flag_details", "merge_score", "merge_reasons",
)
"""Columns of ``Project.cases()`` (a contract: other code relies on these names).
``inferred_fields``: the profile columns whose value no source states for the person, only
inferred from the page (``model.PAGE_BASIS``; breakdowns count them as unknown unless asked)."""


def is_inferred(inferred_fields: Any, name: str) -> bool:
    """Whether a case's ``inferred_fields`` (a list; an array after a Parquet round trip;
    None or NaN when missing) names profile column ``name``."""
    if inferred_fields is None or isinstance(inferred_fields, float):
        return False
    return name in list(inferred_fields)


PROFILE_COLUMNS = ("gender", "nationality", "origin_region", "age", "joined_year", "left_year",
                   "role", "exit_mode", "outcome")
CASE_CODING_COLUMNS = (
    "case_id", "coding_id", "person_id", "document_id", "code", "status", "coder",
    "confidence", "start", "end", "text", "speaker", "outlet", "published", "title", "kind",
)
"""Columns of ``Project.case_codings()``."""

FLAG_IDS = ("writer_doubts", "sources_disagree", "court_or_custody")
DISAGREE_FIELDS = ("nationality", "gender", "joined_year", "left_year", "exit_mode", "age")


@dataclass
class CasePerson:
    """A defector as case resolution sees it (one person of one document's current analysis)."""

    person_id: int
    document_id: int
    name: str | None = None
    descriptor: str | None = None
    profile: dict[str, Any] = field(default_factory=dict)  # field -> plain value (lists for
    # places/route)
    spans: dict[str, tuple[int, int]] = field(default_factory=dict)  # field -> evidence span
    # field -> value inferred from the page, not stated for the person (model.PAGE_BASIS);
    # kept out of ``profile``: it neither joins nor separates cases
    inferred: dict[str, Any] = field(default_factory=dict)
    position: int = 0  # index among the document's defectors
    mentions: list[tuple[int, int]] = field(default_factory=list)
    quotes: list[tuple[int, int]] = field(default_factory=list)
    published_year: int | None = None

    @property
    def first_start(self) -> int:
        return min((m[0] for m in self.mentions), default=0)

    @property
    def label(self) -> str | None:
        return self.name or self.descriptor


@dataclass
class PairScore:
    score: float
    reasons: list[str]
    conflict: str | None = None

    @property
    def merges(self) -> bool:
        return self.conflict is None and self.score >= MERGE_AT


@dataclass
class Merge:
    a: int  # person ids
    b: int
    score: float
    reasons: list[str]

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "score": round(self.score, 3), "reasons": self.reasons}


@dataclass
class Group:
    person_ids: list[int]
    merges: list[Merge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. "split by … (event 7)"

    @property
    def score(self) -> float | None:
        """The weakest merge that holds the group together (None for a single source)."""
        return min((m.score for m in self.merges), default=None)

    @property
    def reasons(self) -> list[str]:
        seen: dict[str, None] = {}
        for m in self.merges:
            for r in m.reasons:
                seen.setdefault(r, None)
        for note in self.notes:
            seen.setdefault(note, None)
        return list(seen)


# ------------------------------------------------------------------ names

_KUNYA_WORDS = {"abu": "abu", "abou": "abu", "abo": "abu", "umm": "umm", "um": "umm",
                "om": "umm", "oum": "umm"}
_ARTICLES = re.compile(r"^(?:a|an|the|one|another)\s+", re.I)


@lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Lower case, no diacritics, hyphens and apostrophes as spaces, one space between words."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = re.sub(r"[-‐‑’'`ʿʾ]", " ", plain.lower())
    plain = re.sub(r"[^\w\s]", " ", plain)
    return " ".join(plain.split())


def person_key(name: str | None, descriptor: str | None, first_start: int | None
               ) -> dict[str, Any]:
    """How review decisions and case corrections name a person across re-analyses (which
    replace ``persons`` rows): normalised name, else descriptor, and first mention start."""
    return {"label": normalize(name or descriptor or ""), "start": first_start or 0}


def reading_person_key(person: Person) -> dict[str, Any]:
    """:func:`person_key` of a person of a reading (their first mention's start)."""
    return person_key(person.name, person.descriptor,
                      min((m.span.start for m in person.mentions), default=0))


def match_person_key(key: dict[str, Any] | None, keys: Sequence[dict[str, Any]],
                     mentions: Sequence[Sequence[tuple[int, int]]]) -> int | None:
    """Index of the person (``keys[i]`` their key, ``mentions[i]`` their mention spans) a
    stored key names: same label and first mention, else the same non-empty label, else
    a mention covering the key's start; None when nobody matches."""
    if not key:
        return None
    label, start = key.get("label"), key.get("start", 0)
    tests = (lambda i: keys[i] == {"label": label, "start": start},
             lambda i: bool(label) and keys[i]["label"] == label,
             lambda i: any(s <= start < e for s, e in mentions[i]))
    for test in tests:
        found = [i for i in range(len(keys)) if test(i)]
        if found:
            return found[0]
    return None


@lru_cache(maxsize=65536)
def name_tokens(name: str) -> tuple[str, ...]:
    tokens = normalize(name).split()
    return tuple(_KUNYA_WORDS.get(t, t) if i + 1 < len(tokens) else t
                 for i, t in enumerate(tokens))


def kunya_of(tokens: Sequence[str]) -> tuple[str, str] | None:
    """The kunya ("abu", "umar") inside a name, if it has one."""
    for i, tok in enumerate(tokens[:-1]):
        if tok in ("abu", "umm"):
            return tok, tokens[i + 1]
    return None


def _contains_in_order(short: Sequence[str], long: Sequence[str]) -> bool:
    it = iter(long)
    return all(tok in it for tok in short)


@lru_cache(maxsize=65536)
def name_relation(a: str, b: str) -> tuple[str | None, str]:
    """How two names relate: (weight key or None, reason). None with a reason means the
    names are unrelated (a conflict); ``(None, "")`` means one is missing."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return None, ""
    if ta == tb:
        if kunya_of(ta) is not None and len(ta) == 2:
            return "same_kunya", f"same kunya '{b}'"
        return "same_name", f"same name '{b}'"
    short, long, s_raw, l_raw = (ta, tb, a, b) if len(ta) <= len(tb) else (tb, ta, b, a)
    if len(short) > 1 and _contains_in_order(short, long):
        if kunya_of(short) is not None and len(short) == 2:
            return "kunya_of_name", f"kunya '{s_raw}' of '{l_raw}'"
        return "name_within", f"name '{s_raw}' within '{l_raw}'"
    if len(short) == 1 and short[0] in long:
        kunya = kunya_of(long)
        if not (kunya and kunya[1] == short[0]):  # a kunya is not the child it names
            return "given_name", f"name '{s_raw}' within '{l_raw}'"
    return None, f"names differ: '{a}' / '{b}'"


_DESCRIPTOR_TAIL = re.compile(
    r"\s*(?:,|;|\(|\b(?:who|whom|whose|which|that|from|in|with|at|of)\b).*$", re.I | re.S
)


@lru_cache(maxsize=65536)
def normalize_descriptor(text: str | None) -> str | None:
    """The core of a descriptor: "A Syrian defector from Homs, who …" → "syrian defector"."""
    if not text:
        return None
    core = normalize(_DESCRIPTOR_TAIL.sub("", _ARTICLES.sub("", text.strip())))
    core = re.sub(r"\b\d+ years? old\b", "", core)
    return " ".join(core.split()) or None


# ------------------------------------------------------------------ profiles


def _age_gap(a: CasePerson, b: CasePerson) -> int | None:
    """How far apart two stated ages are, after the years between the two accounts."""
    age_a, age_b = a.profile.get("age"), b.profile.get("age")
    if not isinstance(age_a, int | float) or not isinstance(age_b, int | float):
        return None
    years = 0
    if a.published_year is not None and b.published_year is not None:
        years = b.published_year - a.published_year
    return int(abs((age_a + years) - age_b))


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list):
        return {normalize(str(v)) for v in value if v}
    return {normalize(str(value))} if value else set()


def compare_fields(a: CasePerson, b: CasePerson) -> tuple[list[str], list[str]]:
    """(agreeing field names, differing soft field names) of two profiles."""
    agree: list[str] = []
    differ: list[str] = []
    for name in AGREEING_FIELDS:
        if name == "age":
            gap = _age_gap(a, b)
            if gap is not None:
                (agree if gap <= AGE_DRIFT else differ).append(name)
            continue
        va, vb = a.profile.get(name), b.profile.get(name)
        if va in (None, [], "") or vb in (None, [], ""):
            continue
        if name in ("places", "route"):
            if _as_set(va) & _as_set(vb):
                agree.append(name)
        elif va == vb:
            agree.append(name)
        elif name in SOFT_FIELDS:
            differ.append(name)
    return agree, differ


def document_label(name: str | None) -> bool:
    """Is ``name`` a write-up's own numbered label ("Respondent 3", "Interviewee B")? Each
    document numbers its people afresh, so such a label names nobody across documents."""
    return name is not None and NUMBERED_LABEL.fullmatch(name.strip()) is not None


def conflicts(a: CasePerson, b: CasePerson) -> str | None:
    """Why two defectors cannot be one person (None when nothing forbids it)."""
    if a.document_id == b.document_id:
        return "same document"
    for name in ("nationality", "gender"):
        va, vb = a.profile.get(name), b.profile.get(name)
        if va and vb and va != vb:
            return f"{name} differs: {va} / {vb}"
    gap = _age_gap(a, b)
    if gap is not None and gap > AGE_CONFLICT:
        return f"ages differ by {gap} years"
    if a.name and b.name and not (document_label(a.name) or document_label(b.name)):
        key, reason = name_relation(a.name, b.name)
        if key is None:
            return reason
    return None


def _field_reason(name: str, a: CasePerson, b: CasePerson, agrees: bool) -> str:
    if name in ("places", "route"):
        shared = sorted(_as_set(a.profile.get(name)) & _as_set(b.profile.get(name)))
        return f"{name} agree: {', '.join(shared)}"
    va, vb = a.profile.get(name), b.profile.get(name)
    label = name.replace("_", " ")
    return f"{label} {va} agrees" if agrees else f"{label} differs: {va} / {vb}"


def score_pair(a: CasePerson, b: CasePerson, *, reprint: bool = False) -> PairScore:
    """Score the evidence that ``a`` and ``b`` are one person (see :data:`WEIGHTS`)."""
    conflict = conflicts(a, b)
    if conflict is not None:
        return PairScore(0.0, [], conflict)
    reasons: list[str] = []
    score = 0.0
    if reprint:
        score += WEIGHTS["reprint"]
        reasons.append(f"reprint of document {min(a.document_id, b.document_id)}")
        if a.position == b.position:
            score += WEIGHTS["same_position"]
            reasons.append("same position in the reprint")
    name_key: str | None = None
    named = bool(a.name and b.name) and (
        reprint or not (document_label(a.name) or document_label(b.name)))
    if named:
        name_key, reason = name_relation(a.name or "", b.name or "")
        if name_key is not None:
            score += WEIGHTS[name_key]
            reasons.append(reason)
    desc_a, desc_b = normalize_descriptor(a.descriptor), normalize_descriptor(b.descriptor)
    same_descriptor = desc_a is not None and desc_a == desc_b
    if same_descriptor:
        score += WEIGHTS["same_descriptor"]
        reasons.append(f"same descriptor '{b.descriptor}'")
    agree, differ = compare_fields(a, b)
    for name in agree:
        score += WEIGHTS["field_agrees"]
        reasons.append(_field_reason(name, a, b, True))
    for name in differ:
        score += WEIGHTS["field_differs"]
        reasons.append(_field_reason(name, a, b, False))
    score = max(0.0, min(1.0, score))
    if not reprint:
        if not named:
            # Unnamed: the same descriptor and a non-trivial agreeing profile, or nothing.
            specific = [n for n in agree if n not in TRIVIAL_FIELDS]
            if not same_descriptor or len(specific) < MIN_UNNAMED_AGREEMENT:
                return PairScore(min(score, MERGE_AT - 0.01), reasons, None)
        elif name_key == "given_name" and len(agree) < MIN_UNNAMED_AGREEMENT:
            return PairScore(min(score, MERGE_AT - 0.01), reasons, None)
    return PairScore(score, reasons)


# ------------------------------------------------------------------ grouping


class _UnionFind:
    def __init__(self, items: Iterable[int]):
        self.parent = {i: i for i in items}
        self.members = {i: [i] for i in self.parent}

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        return ra


def _reprint_pairs(
    persons: Sequence[CasePerson], reprints: set[frozenset[int]]
) -> set[tuple[int, int]]:
    """For each pair of reprinted documents, their defectors matched one to one, best first."""
    by_doc: dict[int, list[CasePerson]] = {}
    for p in persons:
        by_doc.setdefault(p.document_id, []).append(p)
    matched: set[tuple[int, int]] = set()
    for pair in reprints:
        if len(pair) != 2:
            continue
        da, db = sorted(pair)
        options = []
        for a in by_doc.get(da, []):
            for b in by_doc.get(db, []):
                result = score_pair(a, b, reprint=True)
                if result.conflict is None:
                    options.append((-result.score, a.person_id, b.person_id))
        used: set[int] = set()
        for _, pa, pb in sorted(options):
            if pa not in used and pb not in used:
                used.update((pa, pb))
                matched.add((pa, pb))
    return matched


_NAME_PARTICLES = frozenset({"abu", "umm", "al", "el", "bin", "ibn", "bint"})


def candidate_pairs(persons: Sequence[CasePerson]) -> set[tuple[int, int]]:
    """Pairs worth scoring (blocking keeps resolution far from quadratic on big corpora):
    named people sharing a name word, unnamed people sharing a descriptor core. Every other
    pair could only merge as a reprint, and reprint pairs are added separately."""
    blocks: dict[tuple[str, str], list[int]] = {}
    for p in persons:
        if p.name:
            words = {t for t in name_tokens(p.name) if t not in _NAME_PARTICLES}
            for word in words or set(name_tokens(p.name)):
                blocks.setdefault(("name", word), []).append(p.person_id)
        else:
            core = normalize_descriptor(p.descriptor)
            if core:
                blocks.setdefault(("descriptor", core), []).append(p.person_id)
    pairs: set[tuple[int, int]] = set()
    for ids in blocks.values():
        ids = sorted(set(ids))
        pairs.update((a, b) for i, a in enumerate(ids) for b in ids[i + 1:])
    return pairs


def resolve(
    persons: Sequence[CasePerson], reprints: Iterable[tuple[int, int]] = ()
) -> list[Group]:
    """Group defectors into cases. ``reprints``: pairs of document ids linked as reprints."""
    links = {frozenset(p) for p in reprints if p[0] != p[1]}
    reprint_pairs = _reprint_pairs(persons, links)
    by_id = {p.person_id: p for p in persons}
    candidates: list[tuple[float, int, int, list[str]]] = []
    reprinted = {(min(a, b), max(a, b)) for a, b in reprint_pairs}
    for pa, pb in sorted(candidate_pairs(persons) | reprinted):
        a, b = by_id[pa], by_id[pb]
        if a.document_id == b.document_id:
            continue
        is_reprint = (pa, pb) in reprinted
        result = score_pair(a, b, reprint=is_reprint)
        if result.merges:
            candidates.append((result.score, pa, pb, result.reasons))
    uf = _UnionFind(by_id)
    merges: dict[int, list[Merge]] = {}
    for score, pa, pb, reasons in sorted(candidates, key=lambda c: (-c[0], c[1], c[2])):
        ra, rb = uf.find(pa), uf.find(pb)
        if ra == rb:
            continue
        if any(conflicts(by_id[x], by_id[y]) for x in uf.members[ra] for y in uf.members[rb]):
            continue
        root = uf.union(pa, pb)
        merges[root] = [*merges.pop(ra, []), *merges.pop(rb, []), Merge(pa, pb, score, reasons)]
    groups = [
        Group(sorted(members), merges.get(root, []))
        for root, members in uf.members.items()
    ]
    return sorted(groups, key=lambda g: g.person_ids[0])


# ------------------------------------------------------------------ merged profile


def merged_value(values: Sequence[tuple[Any, Any]]) -> Any:
    """The most frequent non-null value; ties go to the earliest document.

    ``values``: (document order key, value) pairs.
    """
    present = [(order, v) for order, v in values if v not in (None, "", [])]
    if not present:
        return None
    counts = Counter(_hashable(v) for _, v in present)
    best = max(counts.values())
    for _, v in sorted(present, key=lambda item: item[0]):
        if counts[_hashable(v)] == best:
            return v
    return None  # pragma: no cover


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def best_label(members: Sequence[CasePerson]) -> str:
    """The fullest name (most words, then earliest), else the most frequent descriptor."""
    names = [m.name for m in members if m.name]
    if names:
        return max(names, key=lambda n: len(name_tokens(n)))
    descriptors = [m.descriptor for m in members if m.descriptor]
    if descriptors:
        return Counter(descriptors).most_common(1)[0][0]
    return "unnamed defector"


# ------------------------------------------------------------------ flags


@dataclass
class Flag:
    flag: str
    reason: str
    document_id: int | None = None
    start: int | None = None
    end: int | None = None
    field: str | None = None
    values: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "flag": self.flag, "reason": self.reason, "document_id": self.document_id,
            "start": self.start, "end": self.end, "field": self.field, "values": self.values,
        }


@dataclass
class FlagDocument:
    """What the flags need to know about one source document."""

    id: int
    text: str
    kind: str = "unknown"


# The writer distancing themselves from the account. Our own wording, kept general.
DOUBT_PATTERNS = [
    r"could not (?:be )?(?:independently )?(?:verif|confirm|corroborat)\w*",
    r"(?:cannot|can ?not|could not|were unable to|was unable to|unable to) "
    r"(?:independently )?(?:verify|confirm|corroborate|check)",
    r"(?:has|have|had) not been (?:independently )?(?:verified|confirmed|corroborated)",
    r"impossible to (?:verify|confirm|check)",
    r"no way (?:of|to) (?:verifying|checking|confirming|verify|check|confirm)",
    r"\bunverified\b",
    r"\b(?:he|she) claims?\b",
    r"\bclaims? (?:that )?(?:he|she)\b",
    r"\ballegedly\b",
    r"\bpurportedly\b",
    r"\b(?:his|her) (?:account|story|version|claims?) (?:is|was|were|are|remains?) "
    r"(?:disputed|contested|doubtful|questionable|inconsistent)",
    r"\binconsisten(?:t|cies|cy) in (?:his|her) (?:account|story)",
]
DOUBT = re.compile("|".join(f"(?:{p})" for p in DOUBT_PATTERNS), re.I)

CUSTODY_PATTERNS = [
    r"\bfrom (?:his|her|a|the) (?:prison|jail|cell|detention)\w*",
    r"\bin (?:prison|jail|custody|detention|pre-?trial detention)\b",
    r"\b(?:prison|jail|detention) (?:cell|centre|center|facility|camp)\b",
    r"\b(?:told|testified before|testifying before) (?:the|a) (?:court|judge|tribunal)\b",
    r"\btestif(?:y|ied|ying)\b",
    r"\b(?:in|before) (?:the |a )?court\b",
    r"\bat (?:his|her) trial\b",
    r"\binterrogat\w*",
    r"\bbehind bars\b",
    r"\b(?:al-)?hol camp\b",
    r"\broj camp\b",
]
CUSTODY = re.compile("|".join(f"(?:{p})" for p in CUSTODY_PATTERNS), re.I)
CUSTODY_OUTCOMES = {"prison": "outcome is prison", "camp": "outcome is a camp"}

_SENTENCE_END = re.compile(r"[.!?]+[\"”’)]*(?=\s)|\n+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Rough sentence spans, enough to find the sentence around a mention."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _person_sentences(person: CasePerson, text: str) -> list[tuple[int, int]]:
    """Sentences holding a mention or a quote of the person, plus the sentence after each
    (where "His account could not be verified" usually stands)."""
    spans = sentence_spans(text)
    anchors = person.mentions + person.quotes
    chosen: set[int] = set()
    for i, (s, e) in enumerate(spans):
        if any(a_start < e and s < a_end for a_start, a_end in anchors):
            chosen.add(i)
            if i + 1 < len(spans):
                chosen.add(i + 1)
    return [spans[i] for i in sorted(chosen)]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _lexicon_flags(
    flag: str, pattern: re.Pattern[str], person: CasePerson, doc: FlagDocument, reason: str
) -> list[Flag]:
    found = []
    for s, e in _person_sentences(person, doc.text):
        m = pattern.search(doc.text, s, e)
        if m:
            start, end = _trimmed(doc.text, s, e)
            found.append(Flag(flag, f"{reason} '{m.group(0)}'", doc.id, start, end))
    return found


def _disagreements(members: Sequence[CasePerson]) -> list[Flag]:
    flags = []
    for name in DISAGREE_FIELDS:
        per_doc = {
            str(m.document_id): m.profile.get(name)
            for m in members
            if m.profile.get(name) not in (None, "")
        }
        if len(per_doc) < 2:
            continue
        if name == "age":
            known = [m for m in members if isinstance(m.profile.get("age"), int | float)]
            gaps = [_age_gap(x, y) or 0 for i, x in enumerate(known) for y in known[i + 1:]]
            disagree = max(gaps, default=0) > AGE_DRIFT
        else:
            disagree = len({_hashable(v) for v in per_doc.values()}) > 1
        if disagree:
            shown = ", ".join(f"{v} (document {d})" for d, v in per_doc.items())
            flags.append(Flag("sources_disagree", f"{name.replace('_', ' ')}: {shown}",
                              field=name, values=per_doc))
    return flags


def credibility_flags(
    members: Sequence[CasePerson], documents: dict[int, FlagDocument]
) -> list[Flag]:
    """Every flag of one case, each with the span or field behind it."""
    flags: list[Flag] = []
    for person in members:
        doc = documents.get(person.document_id)
        if doc is None:
            continue
        flags.extend(_lexicon_flags("writer_doubts", DOUBT, person, doc, "the writer doubts:"))
    flags.extend(_disagreements(members))
    for person in members:
        doc = documents.get(person.document_id)
        if doc is None:
            continue
        if doc.kind == "court":
            flags.append(Flag("court_or_custody", "court document", doc.id))
        outcome = person.profile.get("outcome")
        if outcome in CUSTODY_OUTCOMES:
            span = person.spans.get("outcome")
            flags.append(Flag("court_or_custody", CUSTODY_OUTCOMES[outcome], doc.id,
                              span[0] if span else None, span[1] if span else None,
                              field="outcome"))
        flags.extend(_lexicon_flags("court_or_custody", CUSTODY, person, doc,
                                    "spoke from court or custody:"))
    return _dedupe(flags)


def _dedupe(flags: list[Flag]) -> list[Flag]:
    seen: set[tuple[Any, ...]] = set()
    out = []
    for f in flags:
        key = (f.flag, f.document_id, f.start, f.end, f.field, f.reason if f.start is None else "")
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
