"""Redaction: a copy of an export bundle that names nobody, with every span remapped.

What is replaced, in document texts and in every other text column:

* **people** — the name of every person the reading found (``persons.name``), the text of
  their name, alias and speaker-label mentions, every other occurrence of those surfaces
  (case-insensitive, also with ``-``/``_`` between words, as in file names), the distinctive
  words of multi-word names standing alone ("Aziz"), and any kunya the reading's kunya
  pattern finds ("Abu X", "Umm X al-Y") even when nobody was attached to it. One person
  gets one pseudonym (``Person-`` and four base-32 characters of an HMAC, e.g.
  ``Person-K7QZ``) for all their surfaces and in every document of their case.
* **exact ages** — "aged 23", "23-year-old", "23 years old", "at the age of 23" and an
  appositive ", 23," or "(23)" after a replaced name become the decade band "20-29"; the
  persons' and cases' ``age`` values too; a year of birth ("born in 1994") becomes its
  decade ("1990s").
* **small places** — gazetteer matches that are cities, towns or named conflict places
  (Raqqa, Kilis, al-Hol …), the values of the ``places`` and ``route`` profile fields, and
  "village/town/… of X" phrases become ``Place-`` pseudonyms made the same way.
  Countries, nationalities, ethnicities, regions and US states stay: they are what the
  statistics are about and do not single anyone out.

Pseudonyms are ``HMAC-SHA256(salt, key)`` in base32: stable within one export (the same key
gives the same pseudonym in every table and file) and unlinkable across exports, because
the salt is random unless the caller gives one. Keys are the person's case (else the
person), or the normalised surface for kunyas and places nobody owns.

Offsets: each document's replacements are applied left to right and every span
(codings, quotes, mentions, case flags) is mapped through them; a span edge inside a
replaced stretch moves to that stretch's edge, so ``text[start:end]`` of the redacted text
is the redacted version of the original span (each span table's ``text`` column is
recomputed from the redacted document). Document hashes and lengths are those of the
redacted text; URLs and file locators are dropped (they often carry names); the codebook's
labels, definitions and examples go through the same replacements.
"""

from __future__ import annotations

import base64
import bisect
import functools
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..coding.codebook import Codebook, CodebookSpec
from ..reading.cues import HONORIFICS, NAME_PARTICLES
from ..reading.gazetteer import Gazetteer, load_gazetteer
from ..reading.gazetteer import normalize as geo_normalize
from ..reading.people import _KUNYA as KUNYA_PATTERN
from .bundle import SPAN_TABLES, ExportBundle

NAME_MENTION_KINDS = frozenset({"name", "alias"})
KEPT_PLACE_KINDS = frozenset({"country", "demonym", "region", "ethnic"})
_PLACE_PHRASE = re.compile(
    r"\b(?:village|town|hamlet|city|district|neighbou?rhood|suburb|camp|province)s? of "
    r"(?P<place>(?:al-|el-)?[A-Z][\w'’-]+(?:[ -](?:al-|el-)?[A-Z][\w'’-]+){0,2})")
_AGE_PATTERNS = (
    re.compile(r"\b(?:aged|age|ages|age of)\s+(?P<age>\d{1,3})(?!\d|[-.,]\d)"),
    re.compile(r"\b(?P<age>\d{1,3})(?:-| )years?(?:-| )old\b"),
)
# A year of birth is an exact age too: "born in 1994" -> "born in 1990s".
_BIRTH_YEAR = re.compile(r"\b(?:[Bb]orn|[Bb]irth)(?: in| on [^.;\n]{0,20}?)?\s+"
                         r"(?P<year>(?:1[89]|20)\d\d)\b")
_APPOSITIVE_AGE = re.compile(r"\s*(?:,\s*(?P<a>\d{1,3})\s*(?=[,;)])|\(\s*(?P<b>\d{1,3})\s*\))")
_WORD_EDGE_L = r"(?<![^\W_])"  # not preceded by a letter or digit (underscores are edges)
_WORD_EDGE_R = r"(?![^\W_])"
# Priorities when replacements overlap: lower wins, then the longer one.
_P_MENTION, _P_NAME, _P_PLACE, _P_KUNYA, _P_TOKEN, _P_AGE = range(6)


def age_band(age: Any) -> str | None:
    """The decade band of an exact age ("20-29"; "under 10"); None when not a number."""
    try:
        value = int(str(age).strip())
    except (TypeError, ValueError):
        return None
    if value < 10:
        return "under 10"
    return f"{value // 10 * 10}-{value // 10 * 10 + 9}"


@dataclass
class _Replacement:
    start: int
    end: int
    text: str
    priority: int


@dataclass
class _DocumentMap:
    """Old → new offsets of one redacted document."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    new_starts: list[int] = field(default_factory=list)
    new_ends: list[int] = field(default_factory=list)

    def position(self, offset: int, *, is_end: bool) -> int:
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return offset
        if offset == self.starts[i]:
            return self.new_starts[i]
        if offset < self.ends[i]:  # inside a replaced stretch: snap outwards
            return self.new_ends[i] if is_end else self.new_starts[i]
        return offset - self.ends[i] + self.new_ends[i]


class Pseudonymizer:
    """Stable pseudonyms for one export: ``HMAC(salt, key)``, collisions lengthened."""

    def __init__(self, salt: str):
        self._key = salt.encode("utf-8")
        self._by_key: dict[str, str] = {}
        self._used: set[str] = set()

    def get(self, prefix: str, key: str) -> str:
        full = f"{prefix}:{key}"
        if full not in self._by_key:
            digest = base64.b32encode(
                hmac.new(self._key, full.encode("utf-8"), hashlib.sha256).digest()).decode()
            size = 4
            while f"{prefix}-{digest[:size]}" in self._used:
                size += 2
            name = f"{prefix}-{digest[:size]}"
            self._used.add(name)
            self._by_key[full] = name
        return self._by_key[full]


def _norm(surface: str) -> str:
    return " ".join(re.split(r"[\s_\-]+", surface.strip().casefold()))


def _surface_regex(surface: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s_\-]+", surface.strip()) if w]
    return _WORD_EDGE_L + r"[\s_\-]+".join(words) + _WORD_EDGE_R


def _name_tokens(name: str) -> list[str]:
    """The distinctive words of a multi-word name, as written ("Sami Aziz" → Sami, Aziz);
    particles, honorifics, kunya words and the name after a kunya word are left out."""
    words = [w.strip(".,;:'’\"“”()") for w in name.split()]
    if len(words) < 2:
        return []
    out = []
    after_kunya = False
    for word in words:
        low = word.lower()
        if low in ("abu", "abou", "abo", "umm", "um", "omm", "oum"):
            after_kunya = True
            continue
        if after_kunya or len(word) < 3 or low in NAME_PARTICLES or low in HONORIFICS \
                or not word[:1].isupper():
            after_kunya = False
            continue
        out.append(word)
    return out


class _Redactor:
    """The replacement rules of one export, applied to texts and to loose strings."""

    def __init__(self, bundle: ExportBundle, salt: str, gazetteer: Gazetteer):
        self.pseudonyms = Pseudonymizer(salt)
        self.gazetteer = gazetteer
        self.person_alias: dict[int, str] = {}  # person id -> pseudonym
        self.surface_alias: dict[str, str] = {}  # normalised surface -> pseudonym
        self.token_alias: dict[str, str] = {}  # a single name word -> pseudonym
        self.place_alias: dict[str, str] = {}  # normalised small place -> pseudonym
        self.originals: dict[str, str] = {}  # original surface -> pseudonym (bundle.pseudonyms)
        persons = bundle.persons
        mentions = bundle.mentions
        by_person: dict[int, list[tuple[str, str]]] = {}
        for row in mentions.itertuples(index=False):
            by_person.setdefault(int(row.person_id), []).append((str(row.kind), str(row.text)))
        for row in persons.itertuples(index=False):
            pid = int(row.id)
            key = f"case{int(row.case_id)}" if not pd.isna(row.case_id) else f"person{pid}"
            alias = self.pseudonyms.get("Person", key)
            surfaces = [str(row.name)] if isinstance(row.name, str) and row.name.strip() else []
            for kind, text in by_person.get(pid, []):
                if kind in NAME_MENTION_KINDS or (kind == "speaker_label"
                                                  and self._namelike(text, surfaces)):
                    surfaces.append(text)
            if surfaces:
                self.person_alias[pid] = alias
            for surface in surfaces:
                self._add_surface(surface, alias)
                for token in _name_tokens(surface):
                    if self._is_kept_place(token):
                        continue
                    # "MIRA" in a transcript label is "Mira" in running text
                    for form in {token, token.capitalize()}:
                        self.token_alias.setdefault(form, alias)
            for column in ("profile_places", "profile_route"):
                value = getattr(row, column)
                if isinstance(value, str):
                    for place in value.split("; "):
                        self._add_place(place)
        self._names_re = self._alternation(self.surface_alias, flags=re.IGNORECASE)
        self._tokens_re = self._alternation(self.token_alias, flags=0, plain=True)
        self._places_re = self._alternation(self.place_alias, flags=re.IGNORECASE)

    def prescan(self, texts: Iterable[str]) -> None:
        """Learn the "village of X" places of every text first, so that X is replaced in
        every document, not only in those after the one that names it as a village."""
        for text in texts:
            for m in _PLACE_PHRASE.finditer(text):
                self._add_place(m.group("place"))
        self._places_re = self._alternation(self.place_alias, flags=re.IGNORECASE)

    @staticmethod
    def _namelike(label: str, surfaces: list[str]) -> bool:
        words = {w.casefold() for s in surfaces for w in _name_tokens(s) + s.split()}
        return bool(KUNYA_PATTERN.search(label)) or any(
            w.casefold().strip(":") in words for w in label.split())

    def _add_surface(self, surface: str, alias: str) -> None:
        norm = _norm(surface)
        if len(norm) < 2 or self._is_kept_place(surface):
            return
        self.surface_alias.setdefault(norm, alias)
        self.originals.setdefault(surface, alias)

    def _is_kept_place(self, surface: str) -> bool:
        entries = self.gazetteer.lookup(surface)
        return any(e.kind in KEPT_PLACE_KINDS for e in entries) or self._is_state(entries)

    @staticmethod
    def _is_state(entries: Iterable[Any]) -> bool:
        return any(e.kind == "city" and e.country == "US" and e.name in us_states()
                   for e in entries)

    def _add_place(self, place: str) -> str | None:
        place = place.strip()
        if len(place) < 2 or self._is_kept_place(place):
            return None
        norm = geo_normalize(place) or _norm(place)
        alias = self.place_alias.get(_norm(place)) or self.pseudonyms.get("Place", norm)
        self.place_alias.setdefault(_norm(place), alias)
        self.originals.setdefault(place, alias)
        return alias

    @staticmethod
    def _alternation(table: dict[str, str], *, flags: int, plain: bool = False
                     ) -> re.Pattern[str] | None:
        if not table:
            return None
        keys = sorted(table, key=len, reverse=True)
        parts = [(_WORD_EDGE_L + re.escape(k) + _WORD_EDGE_R) if plain else _surface_regex(k)
                 for k in keys]
        return re.compile("|".join(f"(?:{p})" for p in parts), flags)

    # ------------------------------------------------------------ finding replacements
    def replacements(self, text: str, mention_spans: Iterable[tuple[int, int, str]] = ()
                     ) -> list[_Replacement]:
        """Non-overlapping replacements for ``text``, in order."""
        found: list[_Replacement] = [_Replacement(s, e, alias, _P_MENTION)
                                     for s, e, alias in mention_spans]
        if self._names_re is not None:
            found += [_Replacement(m.start(), m.end(), self.surface_alias[_norm(m.group(0))],
                                   _P_NAME) for m in self._names_re.finditer(text)]
        for geo in self.gazetteer.iter_matches(text):
            if not any(e.kind in KEPT_PLACE_KINDS for e in geo.entries) \
                    and not self._is_state(geo.entries):
                alias = self._add_place(geo.text)
                if alias:
                    found.append(_Replacement(geo.span.start, geo.span.end, alias, _P_PLACE))
        for m in _PLACE_PHRASE.finditer(text):
            alias = self._add_place(m.group("place"))
            if alias:
                found.append(_Replacement(m.start("place"), m.end("place"), alias, _P_PLACE))
        if self._places_re is not None:
            found += [_Replacement(m.start(), m.end(), self.place_alias[_norm(m.group(0))],
                                   _P_PLACE) for m in self._places_re.finditer(text)]
        for m in KUNYA_PATTERN.finditer(text):
            alias = self.surface_alias.get(_norm(m.group(0))) or self.pseudonyms.get(
                "Person", "kunya:" + _norm(m.group(0)))
            self.originals.setdefault(m.group(0), alias)
            found.append(_Replacement(m.start(), m.end(), alias, _P_KUNYA))
        if self._tokens_re is not None:
            found += [_Replacement(m.start(), m.end(), self.token_alias[m.group(0)], _P_TOKEN)
                      for m in self._tokens_re.finditer(text)]
        for pattern in _AGE_PATTERNS:
            for m in pattern.finditer(text):
                band = age_band(m.group("age"))
                if band:
                    found.append(_Replacement(m.start("age"), m.end("age"), band, _P_AGE))
        for m in _BIRTH_YEAR.finditer(text):
            decade = f"{m.group('year')[:3]}0s"
            found.append(_Replacement(m.start("year"), m.end("year"), decade, _P_AGE))
        chosen = _non_overlapping(found)
        # ", 23," or "(23)" right after a replaced name is that person's age
        ages = []
        for rep in chosen:
            if rep.priority in (_P_MENTION, _P_NAME, _P_KUNYA):
                after = _APPOSITIVE_AGE.match(text, rep.end)
                if after:
                    group = "a" if after.group("a") else "b"
                    band = age_band(after.group(group))
                    if band:
                        ages.append(_Replacement(after.start(group), after.end(group), band,
                                                 _P_AGE))
        return _non_overlapping(chosen + ages)

    def text(self, text: str, mention_spans: Iterable[tuple[int, int, str]] = ()
             ) -> tuple[str, _DocumentMap]:
        reps = self.replacements(text, mention_spans)
        pieces: list[str] = []
        doc_map = _DocumentMap()
        cursor = 0
        new_len = 0
        for rep in reps:
            pieces.append(text[cursor:rep.start])
            new_len += rep.start - cursor
            doc_map.starts.append(rep.start)
            doc_map.ends.append(rep.end)
            doc_map.new_starts.append(new_len)
            pieces.append(rep.text)
            new_len += len(rep.text)
            doc_map.new_ends.append(new_len)
            cursor = rep.end
        pieces.append(text[cursor:])
        return "".join(pieces), doc_map

    def string(self, value: Any) -> Any:
        """A loose string (title, descriptor, reason …) redacted; other values unchanged."""
        if isinstance(value, str) and value:
            return self.text(value)[0]
        if isinstance(value, list):
            return [self.string(v) for v in value]
        if isinstance(value, dict):
            return {k: self.string(v) for k, v in value.items()}
        return value


def _non_overlapping(found: list[_Replacement]) -> list[_Replacement]:
    found = sorted(found, key=lambda r: (r.priority, -(r.end - r.start), r.start))
    taken: list[tuple[int, int]] = []  # sorted, disjoint
    chosen: list[_Replacement] = []
    for rep in found:
        if rep.end <= rep.start:
            continue
        i = bisect.bisect_left(taken, (rep.start, rep.start))
        if i > 0 and taken[i - 1][1] > rep.start:
            continue
        if i < len(taken) and taken[i][0] < rep.end:
            continue
        taken.insert(i, (rep.start, rep.end))
        chosen.append(rep)
    return sorted(chosen, key=lambda r: r.start)


@functools.lru_cache(maxsize=1)
def us_states() -> frozenset[str]:
    """US state names (large regions: kept, as the gazetteer files them under "city")."""
    from countryinfo import CountryInfo

    return frozenset(CountryInfo("US").provinces())


def redact_bundle(bundle: ExportBundle, salt: str | None = None) -> ExportBundle:
    """A NEW bundle that names nobody (see the module docstring); ``bundle`` is unchanged.
    ``salt``: None draws a random one, so two redacted exports cannot be linked."""
    redactor = _Redactor(bundle, salt if salt is not None else secrets.token_hex(16),
                         load_gazetteer())
    mention_spans: dict[int, list[tuple[int, int, str]]] = {}
    for row in bundle.mentions.itertuples(index=False):
        alias = redactor.person_alias.get(int(row.person_id))
        if alias and (row.kind in NAME_MENTION_KINDS or (
                row.kind == "speaker_label" and redactor.surface_alias.get(_norm(str(row.text))))):
            mention_spans.setdefault(int(row.document_id), []).append(
                (int(row.start), int(row.end), alias))
    documents = bundle.documents.copy()
    redactor.prescan(str(t) for t in documents["text"])
    maps: dict[int, _DocumentMap] = {}
    texts: dict[int, str] = {}
    new_texts = []
    for doc_id, text in zip(documents["id"].tolist(), documents["text"].tolist(), strict=True):
        new_text, doc_map = redactor.text(str(text), mention_spans.get(int(doc_id), []))
        maps[int(doc_id)] = doc_map
        texts[int(doc_id)] = new_text
        new_texts.append(new_text)
    documents["text"] = new_texts
    documents["n_chars"] = [len(t) for t in new_texts]
    documents["text_sha256"] = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in new_texts]
    documents["url"] = None
    # outlets too: a name the reading found (rightly or not) is replaced everywhere
    for column in ("title", "author", "outlet"):
        documents[column] = documents[column].map(redactor.string)

    sources = bundle.sources.copy()
    sources["locator"] = [f"redacted:source-{i}" for i in sources["id"]]
    sources["content_sha256"] = ""

    spans = {name: _remap(getattr(bundle, name), maps, texts) for name in SPAN_TABLES}

    persons = bundle.persons.copy()
    persons["name"] = [redactor.person_alias.get(int(pid)) if isinstance(name, str) else None
                       for pid, name in zip(persons["id"], persons["name"], strict=True)]
    persons["descriptor"] = persons["descriptor"].map(redactor.string)
    persons["profile_age"] = persons["profile_age"].map(
        lambda v: v if v is None or pd.isna(v) else age_band(v))
    for column in ("profile_places", "profile_route"):
        persons[column] = persons[column].map(lambda v: "; ".join(
            redactor._add_place(p) or p for p in v.split("; ")) if isinstance(v, str) else v)
    persons = persons.astype({"profile_age": object})

    cases = _redact_cases(bundle.cases, redactor, maps, persons)
    events = bundle.events.copy()
    events["payload"] = events["payload"].map(
        lambda p: json.dumps(redactor.string(json.loads(p)), ensure_ascii=False,
                             sort_keys=True))
    return replace(
        bundle, documents=documents, sources=sources, persons=persons, cases=cases,
        codings=spans["codings"], quotes=spans["quotes"], mentions=spans["mentions"],
        events=events, codebook=_redact_codebook(bundle.codebook, redactor), redacted=True,
        pseudonyms=dict(redactor.originals))


_CODEBOOK_TEXT_KEYS = frozenset({"label", "description", "definition", "include", "exclude",
                                 "examples"})


def _redact_codebook(codebook: Codebook, redactor: _Redactor) -> Codebook:
    """The codebook with its labels, definitions and examples passed through the redactor
    (a definition may name someone the reading found, e.g. a head of state); ids, hierarchy
    and lexicon patterns are unchanged."""
    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: (redactor.string(v) if k in _CODEBOOK_TEXT_KEYS else walk(v))
                    for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    spec = CodebookSpec.model_validate(walk(codebook.spec.model_dump()))
    lines = {c.id: c.line for c in codebook.codes.values() if c.line is not None}
    return Codebook(spec, source=codebook.source, lines=lines)


def _remap(frame: pd.DataFrame, maps: dict[int, _DocumentMap], texts: dict[int, str]
           ) -> pd.DataFrame:
    out = frame.copy()
    if out.empty:
        return out
    starts, ends, spanned = [], [], []
    for doc_id, start, end in zip(out["document_id"], out["start"], out["end"], strict=True):
        doc_map = maps[int(doc_id)]
        s = doc_map.position(int(start), is_end=False)
        e = max(s, doc_map.position(int(end), is_end=True))
        starts.append(s)
        ends.append(e)
        spanned.append(texts[int(doc_id)][s:e])
    out["start"] = pd.Series(starts, index=out.index, dtype="int64")
    out["end"] = pd.Series(ends, index=out.index, dtype="int64")
    out["text"] = spanned
    return out


def _redact_cases(cases: pd.DataFrame, redactor: _Redactor, maps: dict[int, _DocumentMap],
                  persons: pd.DataFrame) -> pd.DataFrame:
    out = cases.copy()
    if out.empty:
        return out
    alias_of = dict(zip(persons["id"].tolist(), persons["name"].tolist(), strict=True))
    names, labels, flags = [], [], []
    for row in out.itertuples(index=False):
        aliases = list(dict.fromkeys(a for pid in row.person_ids
                                     if isinstance(a := alias_of.get(pid), str)))
        names.append(aliases)
        labels.append(aliases[0] if aliases and row.names else redactor.string(row.label))
        details = []
        for flag in row.flag_details or []:
            flag = redactor.string(dict(flag))
            doc_map = maps.get(flag.get("document_id") or -1)
            if doc_map is not None and flag.get("start") is not None \
                    and flag.get("end") is not None:
                flag["start"] = doc_map.position(int(flag["start"]), is_end=False)
                flag["end"] = doc_map.position(int(flag["end"]), is_end=True)
            details.append(flag)
        flags.append(details)
    out["names"] = names
    out["label"] = labels
    out["flag_details"] = flags
    out["descriptor"] = out["descriptor"].map(redactor.string)
    out["outlets"] = out["outlets"].map(redactor.string)
    out["merge_reasons"] = out["merge_reasons"].map(redactor.string)
    out["age"] = out["age"].map(lambda v: v if v is None or pd.isna(v) else age_band(v))
    return out


def redact_case_frames(cases: pd.DataFrame, case_codings: pd.DataFrame,
                       redacted: ExportBundle) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``Project.cases()`` / ``case_codings()`` frames with every name, quote and title taken
    from the redacted bundle (same rows, same ids): what ``report --redact`` counts and
    shows."""
    by_case = redacted.cases.set_index("case_id")
    out_cases = cases.copy()
    for column in ("label", "names", "descriptor", "age", "flag_details", "merge_reasons",
                   "outlets"):
        out_cases[column] = [by_case.at[cid, column] if cid in by_case.index else None
                             for cid in out_cases["case_id"]]
    codings = redacted.codings.set_index("id")
    persons = redacted.persons.set_index("id")
    titles = dict(zip(redacted.documents["id"], redacted.documents["title"], strict=True))
    out = case_codings.copy()
    if out.empty:
        return out_cases, out
    for column in ("start", "end", "text"):
        out[column] = [codings.at[cid, column] for cid in out["coding_id"]]
    out["speaker"] = [persons.at[pid, "name"] if isinstance(persons.at[pid, "name"], str)
                      else persons.at[pid, "descriptor"] for pid in out["person_id"]]
    out["title"] = [titles.get(did) for did in out["document_id"]]
    outlets = dict(zip(redacted.documents["id"], redacted.documents["outlet"], strict=True))
    out["outlet"] = [outlets.get(did) for did in out["document_id"]]
    return out_cases, out.astype({"start": "int64", "end": "int64"})
