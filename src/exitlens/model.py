"""The core data model every stage shares.

Plain dataclasses, independent of the database: the ``extract`` command runs the
whole pipeline on files without a store, and the store maps these objects to
tables. Every location in a document is a :class:`Span` — ``[start, end)`` in
Unicode code points over the document's *stored text*, which is never rewritten
after ingest (SPEC §1). Python ``str`` indexing is by code point, so
``text[span.start:span.end]`` is always the spanned text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal

DocumentKind = Literal[
    "news", "transcript", "report", "research_note", "court", "blog", "interview", "unknown"
]
DOCUMENT_KINDS: tuple[str, ...] = (
    "news",
    "transcript",
    "report",
    "research_note",
    "court",
    "blog",
    "interview",
    "unknown",
)

PersonRole = Literal[
    "defector", "current_member", "journalist", "analyst_official", "relative", "other"
]
PERSON_ROLES: tuple[str, ...] = (
    "defector",
    "current_member",
    "journalist",
    "analyst_official",
    "relative",
    "other",
)
SourceVoice = Literal["self", "relative", "reported"]
#: Why a reviewer ruled a person out as a defector: the exclusions of the definition (SPEC
#: section 1) and of the labelling guide, recorded with the verdict so a study can say
#: whom it left out and why. Ids are stable; the labels are what a reviewer reads.
EXCLUSION_REASONS: dict[str, str] = {
    "writer_or_analyst": "a journalist, analyst or researcher",
    "official": "an official, prosecutor, judge, police officer or soldier",
    "current_member": "still a member of the group",
    "captured": "captured or arrested without having tried to leave",
    "other_group": "a member of another group only",
    "never_member": "never a member (a victim, a hostage, a recruit stopped on the way)",
    "relative_or_witness": "a relative or witness telling someone else's story",
    "no_own_account": "left, but no account of their own is reported",
    "not_a_person": "not a person, or someone already listed under another name",
    "other": "another reason",
}
EXIT_MODES: tuple[str, ...] = ("escaped", "surrendered", "captured", "smuggled", "deserted")
OUTCOMES: tuple[str, ...] = (
    "prison",
    "rehabilitation_centre",
    "returned_home",
    "in_hiding",
    "deported",
    "camp",
)
CODING_STATUSES: tuple[str, ...] = ("suggested", "accepted", "rejected")


def sha256_text(text: str) -> str:
    """Identity of a stored text: hex SHA-256 of its UTF-8 bytes (SPEC §3 ``text_sha256``)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_newlines(text: str) -> str:
    """The only changes ever made to decoded text: drop a leading BOM, CRLF/CR → LF."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True, order=True)
class Span:
    """``[start, end)`` in code points of a document's stored text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span [{self.start}, {self.end})")

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]

    def stripped(self, text: str) -> Span | None:
        """This span without leading/trailing whitespace of ``text``; None when nothing is left."""
        start, end = self.start, self.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        return Span(start, end) if end > start else None

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def __len__(self) -> int:
        return self.end - self.start

    def as_list(self) -> list[int]:
        return [self.start, self.end]


@dataclass
class Document:
    """One ingested source with its provenance and immutable stored text."""

    text: str
    title: str | None = None
    author: str | None = None
    outlet: str | None = None
    url: str | None = None
    source_path: str | None = None
    published: str | None = None  # ISO date (YYYY, YYYY-MM or YYYY-MM-DD) as known
    kind: str = "unknown"
    fmt: str = "txt"  # the format it was read from: txt, md, html, pdf, docx, jsonl
    language: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    text_sha256: str = ""

    def __post_init__(self) -> None:
        if not self.text_sha256:
            self.text_sha256 = sha256_text(self.text)

    def span_text(self, span: Span) -> str:
        return span.text_of(self.text)


@dataclass
class Sentence:
    span: Span
    paragraph: int


@dataclass
class Mention:
    """One place a person is referred to: a name, alias, descriptor or pronoun."""

    span: Span
    kind: Literal["name", "alias", "descriptor", "pronoun", "nominal", "speaker_label"] = "name"


@dataclass
class Quote:
    """Reported speech, direct (inside quotation marks) or indirect."""

    span: Span
    kind: Literal["direct", "indirect", "transcript"] = "direct"
    speaker: int | None = None  # index into DocumentReading.persons
    speaker_span: Span | None = None  # the mention that named the speaker
    cue_span: Span | None = None  # "said", "told reporters", "according to"


PAGE_BASIS = "page"
"""``FieldValue.basis`` of a value the text does not state for the person: the country the
page names most, given to a defector the text gives no nationality (grouped CV on unseen
pages: right 0.47-0.57 of the time, stated values 0.89-0.91; benchmarks/EXPERIMENTS.md)."""


@dataclass
class FieldValue:
    """A profile field's value together with the span that justified it, and its basis:
    None when the text states it for this person, :data:`PAGE_BASIS` when it is only
    inferred from the page as a whole."""

    value: Any
    span: Span | None = None
    basis: str | None = None

    @property
    def inferred(self) -> bool:
        return self.basis is not None


@dataclass
class Profile:
    """SPEC §3 profile of a defector; each field keeps its evidence span."""

    gender: FieldValue | None = None
    age: FieldValue | None = None
    nationality: FieldValue | None = None
    origin_region: FieldValue | None = None
    occupation: FieldValue | None = None
    joined_year: FieldValue | None = None
    left_year: FieldValue | None = None
    role: FieldValue | None = None
    route: list[FieldValue] = field(default_factory=list)
    places: list[FieldValue] = field(default_factory=list)
    exit_mode: FieldValue | None = None
    outcome: FieldValue | None = None

    SCALAR_FIELDS = (
        "gender",
        "age",
        "nationality",
        "origin_region",
        "occupation",
        "joined_year",
        "left_year",
        "role",
        "exit_mode",
        "outcome",
    )

    def value(self, name: str) -> Any:
        fv = getattr(self, name)
        return fv.value if isinstance(fv, FieldValue) else None

    def inferred_fields(self) -> list[str]:
        """The scalar fields whose value is inferred from the page, not stated."""
        return [name for name in self.SCALAR_FIELDS
                if isinstance(fv := getattr(self, name), FieldValue) and fv.inferred]

    def to_record(self) -> dict[str, Any]:
        """Flat SPEC §3 values (no spans)."""
        out: dict[str, Any] = {name: self.value(name) for name in self.SCALAR_FIELDS}
        out["route"] = [fv.value for fv in self.route]
        out["places"] = [fv.value for fv in self.places]
        return out

    def to_json(self) -> dict[str, Any]:
        """Values with their evidence spans, for storage."""

        def enc(fv: FieldValue | None) -> dict[str, Any] | None:
            if fv is None:
                return None
            out = {"value": fv.value, "span": fv.span.as_list() if fv.span else None}
            if fv.basis is not None:
                out["basis"] = fv.basis
            return out

        out: dict[str, Any] = {name: enc(getattr(self, name)) for name in self.SCALAR_FIELDS}
        out["route"] = [enc(fv) for fv in self.route]
        out["places"] = [enc(fv) for fv in self.places]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        def dec(item: dict[str, Any] | None) -> FieldValue | None:
            if not item:
                return None
            span = item.get("span")
            return FieldValue(item.get("value"), Span(*span) if span else None,
                              item.get("basis"))

        prof = cls()
        for name in cls.SCALAR_FIELDS:
            setattr(prof, name, dec(data.get(name)))
        prof.route = [fv for fv in (dec(x) for x in data.get("route", [])) if fv]
        prof.places = [fv for fv in (dec(x) for x in data.get("places", [])) if fv]
        return prof


@dataclass
class Person:
    """Someone mentioned in one document, with everything the reading stage found."""

    name: str | None = None
    descriptor: str | None = None
    mentions: list[Mention] = field(default_factory=list)
    role: str = "other"
    role_confidence: float = 0.0
    role_cues: list[Span] = field(default_factory=list)
    source_voice: str | None = None  # self | relative | reported, for defectors
    profile: Profile = field(default_factory=Profile)
    evidence: list[Span] = field(default_factory=list)  # spans carrying their own account
    # The role model's probability that this person is a defector, whatever the role
    # decided (None when no role model ran): what ranks the people the machine did not call
    # defectors for a reviewer ("possible defectors").
    defector_score: float | None = None
    id: int | None = None

    @property
    def is_defector(self) -> bool:
        return self.role == "defector"

    def mention_spans(self) -> list[Span]:
        return [m.span for m in self.mentions]


@dataclass
class Coding:
    """One code applied to one person (or case) with its evidence span (SPEC §1)."""

    code: str
    span: Span
    coder: str  # rules | embedding | classifier | llm | ensemble | human:<user>
    confidence: float
    status: str = "suggested"
    person: int | None = None  # index into DocumentReading.persons (or a stored person id)
    user: str | None = None
    id: int | None = None


@dataclass
class NearMiss:
    """A code the coders leaned towards for a defector but did not suggest: the unit of
    their evidence a model scored highest for it, and that score. Shown to reviewers as
    "did the machine miss this?"; never counted, never exported as a coding."""

    code: str
    span: Span
    score: float
    coder: str = "classifier"
    person: int | None = None  # index into DocumentReading.persons
    id: int | None = None


@dataclass
class DocumentReading:
    """All a pipeline run learned about one document."""

    document: Document
    sentences: list[Sentence] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    codings: list[Coding] = field(default_factory=list)
    near_misses: list[NearMiss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # things that could not be read, plainly
    # Transient per-run artefacts shared between stages (the spaCy Doc, paragraph
    # offsets…). Never stored, never serialised.
    scratch: dict[str, Any] = field(default_factory=dict, repr=False)

    def defectors(self) -> list[tuple[int, Person]]:
        return [(i, p) for i, p in enumerate(self.persons) if p.is_defector]
