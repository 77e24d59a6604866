"""Offline gazetteer: nationalities, origin regions and the places of the conflict.

Three jobs, one index:

- **nationality** — demonyms ("Tunisian", "Kosovar") and country, city or state
  names ("from Germany", "a native of Molenbeek") resolved to ISO 3166-1 alpha-2.
  Country names come from ``pycountry`` and demonyms from ``countryinfo``; both
  have gaps and mistakes for this literature (no "Saudi", "Kosovar" or "Chechen";
  "American" → Northern Mariana Islands), so the curated tables in
  ``exitlens/data/gazetteer`` are loaded last and win. Ethnicities with no single
  country (Kurdish, Arab, Turkmen) are known *as such* and resolve to ``None``,
  so that they are not mistaken for something else.
- **origin region** — "North African", "from the Caucasus", used only when no
  country is given.
- **conflict places** — canonical names, country and kind (``transit`` for the
  way in through Turkey, ``zone`` for where people served, ``camp``) for the many
  spellings the press uses (Rakka, Deir Ezzor, Tel Afar…).

Matching is by token n-grams over a normalised form (case-folded, diacritics and
apostrophes removed, hyphens as spaces), so "Deir ez-Zor", "Deir Ez Zor" and
"Şanlıurfa" find their entries with one dictionary look-up per position: linear
in text length. A match must contain an upper-case letter in the source, so
"nice", "turkey" or "us" in running text never match. The index is built once
per process (:func:`load_gazetteer` is cached).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from ..model import Span

EntryKind = Literal["demonym", "country", "city", "region", "ethnic", "place"]
PlaceKind = Literal["transit", "zone", "camp", "other"]

MAX_NGRAM = 5

# Tokens: runs of letters/digits, with inner apostrophes kept (A'zaz, Ma'an).
_TOKEN = re.compile(r"\w+(?:['’ʼ‘ʿʾ]\w+)*")
_APOSTROPHES = str.maketrans("", "", "'’ʼ‘ʿʾ")
# countryinfo alternate spellings that are ordinary English words or misleading.
_ALT_SPELLING_STOP = {
    "island", "reunion", "mann", "guiana", "prathet", "pitcairn", "thai", "togolese",
    "montenegrin", "the abode of peace", "yugoslavia",
}


@dataclass(frozen=True)
class Place:
    """A named place of the conflict literature."""

    name: str  # canonical spelling
    country: str | None  # ISO alpha-2
    kind: PlaceKind


@dataclass(frozen=True)
class GeoEntry:
    """What a gazetteer key means. ``country`` is None for regions and ethnicities."""

    kind: EntryKind
    name: str  # canonical: country name, city, region or place name
    country: str | None = None
    place: Place | None = None
    exact_case: bool = False  # abbreviations like "US", "UK" must match case exactly


@dataclass(frozen=True)
class GeoMatch:
    """One gazetteer hit in a text."""

    span: Span
    text: str
    entries: tuple[GeoEntry, ...]

    def first(self, *kinds: EntryKind) -> GeoEntry | None:
        """The entry of the first of ``kinds`` present (any entry when none given)."""
        if not kinds:
            return self.entries[0] if self.entries else None
        for kind in kinds:
            for entry in self.entries:
                if entry.kind == kind:
                    return entry
        return None

    @property
    def country(self) -> str | None:
        """The country this match points to as a possible origin, if any."""
        for entry in self.entries:
            if entry.kind in ("demonym", "country", "city", "place") and entry.country:
                return entry.country
        return None


def normalize(text: str) -> str:
    """Key form of a name: case-folded, no diacritics/apostrophes, hyphens as spaces."""
    return " ".join(_norm_token(m.group(0)) for m in _TOKEN.finditer(text))


@functools.lru_cache(maxsize=65_536)
def _norm_token(token: str) -> str:
    token = token.replace("ı", "i").replace("İ", "I").translate(_APOSTROPHES)
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _read_csv(name: str) -> list[dict[str, str]]:
    path = resources.files("exitlens") / "data" / "gazetteer" / name
    with path.open("r", encoding="utf-8") as fh:
        return [
            {k: (v or "").strip() for k, v in row.items()}
            for row in csv.DictReader(fh)
            if any((v or "").strip() for v in row.values())
        ]


class Gazetteer:
    """An n-gram index of names → :class:`GeoEntry` lists, with lookup helpers."""

    def __init__(self) -> None:
        self._index: dict[str, list[GeoEntry]] = {}
        # first token of every key → its longest key in tokens: a scan tries only the
        # n-grams that can exist at a position (most tokens start no name at all)
        self._longest: dict[str, int] = {}
        self.places: dict[str, Place] = {}

    # -- building -----------------------------------------------------------------

    def add(self, alias: str, entry: GeoEntry, override: bool = False) -> None:
        """Index ``alias``. With ``override`` the alias's entries of the same kind family
        (nationality-bearing or not) are replaced, so curated rows correct the packages."""
        key = normalize(alias)
        if not key or len(key.split()) > MAX_NGRAM:
            return
        exact = len(alias) <= 4 and alias.replace(".", "").isupper()
        if exact:
            entry = GeoEntry(entry.kind, entry.name, entry.country, entry.place, exact_case=True)
        bucket = self._index.setdefault(key, [])
        words = key.split()
        self._longest[words[0]] = max(self._longest.get(words[0], 0), len(words))
        if override:
            bucket[:] = [e for e in bucket if e.kind != entry.kind]
        if entry not in bucket:
            bucket.append(entry)

    def remove(self, alias: str, kind: EntryKind) -> None:
        """Drop ``alias``'s entries of ``kind`` (a package demonym that is really an
        ethnicity, like "Turkmen")."""
        key = normalize(alias)
        if key in self._index:
            self._index[key] = [e for e in self._index[key] if e.kind != kind]

    # -- lookup -------------------------------------------------------------------

    def lookup(self, name: str) -> list[GeoEntry]:
        """Every entry for ``name`` (any spelling the index knows), case-insensitively."""
        return list(self._index.get(normalize(name), ()))

    def nationality(self, name: str) -> str | None:
        """ISO alpha-2 for a demonym, country, city or place name; None if unknown
        or an ethnicity/region without a country."""
        entries = self.lookup(name)
        if any(e.kind == "ethnic" for e in entries):
            return None
        for kind in ("demonym", "country", "city", "place"):
            for e in entries:
                if e.kind == kind and e.country:
                    return e.country
        return None

    def region(self, name: str) -> str | None:
        """Canonical world region for a region noun or adjective."""
        for e in self.lookup(name):
            if e.kind == "region":
                return e.name
        return None

    def place(self, name: str) -> Place | None:
        """The conflict-literature place for any of its spellings."""
        for e in self.lookup(name):
            if e.kind == "place" and e.place is not None:
                return e.place
        return None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[GeoMatch]:
        """All longest, non-overlapping matches in ``text[start:end]`` (document offsets)."""
        return list(self.iter_matches(text, start, end))

    def iter_matches(self, text: str, start: int = 0, end: int | None = None) -> Iterator[GeoMatch]:
        """Scan left to right; at each token try the longest n-gram first (≤ MAX_NGRAM)."""
        stop = len(text) if end is None else end
        tokens = [
            (m.start(), m.end(), _norm_token(m.group(0)))
            for m in _TOKEN.finditer(text, start, stop)
        ]
        i = 0
        while i < len(tokens):
            hit: GeoMatch | None = None
            longest = self._longest.get(tokens[i][2], 0)
            for n in range(min(longest, len(tokens) - i), 0, -1):
                key = " ".join(t[2] for t in tokens[i : i + n])
                entries = self._index.get(key)
                if not entries:
                    continue
                s, e = tokens[i][0], tokens[i + n - 1][1]
                surface = text[s:e]
                usable = tuple(x for x in entries if _case_ok(surface, x))
                if usable:
                    hit = GeoMatch(Span(s, e), surface, usable)
                    break
            if hit is None:
                i += 1
                continue
            yield hit
            while i < len(tokens) and tokens[i][0] < hit.span.end:
                i += 1


def _case_ok(surface: str, entry: GeoEntry) -> bool:
    if entry.exact_case:
        return surface.replace(".", "").isupper()
    return any(c.isupper() for c in surface)


def _country_name(alpha2: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2)
    if country is None:
        return "Kosovo" if alpha2 == "XK" else alpha2
    return str(getattr(country, "common_name", None) or country.name)


def build_gazetteer() -> Gazetteer:
    """Build the index from pycountry, countryinfo and the curated CSV tables."""
    import pycountry
    from countryinfo import CountryInfo

    gaz = Gazetteer()
    known = {c.alpha_2 for c in pycountry.countries} | {"XK"}
    for c in pycountry.countries:
        entry = GeoEntry("country", _country_name(c.alpha_2), c.alpha_2)
        for attr in ("name", "common_name", "official_name"):
            value = getattr(c, attr, None)
            if value and "," not in value:
                gaz.add(value, entry)
    # countryinfo: demonyms and alternate spellings. Demonyms shared by several
    # territories ("French", "Chinese") go to the most populous one.
    demonym_best: dict[str, tuple[int, str]] = {}
    for data in CountryInfo.all().values():
        alpha2 = (data.get("ISO") or {}).get("alpha2")
        if not alpha2 or alpha2 not in known:
            continue
        for raw in re.split(r"[,/]", data.get("demonym") or ""):
            dem = raw.strip()
            pop = int(data.get("population") or 0)
            if dem and (dem not in demonym_best or pop > demonym_best[dem][0]):
                demonym_best[dem] = (pop, alpha2)
        entry = GeoEntry("country", _country_name(alpha2), alpha2)
        for alt in data.get("altSpellings") or []:
            alt = alt.strip()
            if len(alt) > 3 and "," not in alt and alt.casefold() not in _ALT_SPELLING_STOP:
                gaz.add(alt, entry)
    for dem, (_, alpha2) in demonym_best.items():
        gaz.add(dem, GeoEntry("demonym", _country_name(alpha2), alpha2))
    # Curated tables, last: they correct the packages.
    for row in _read_csv("countries.csv"):
        gaz.add(row["name"], GeoEntry("country", _country_name(row["country"]), row["country"]),
                override=True)
    for row in _read_csv("demonyms.csv"):
        if row["country"]:
            gaz.add(row["term"], GeoEntry("demonym", _country_name(row["country"]),
                                          row["country"]), override=True)
        else:
            gaz.remove(row["term"], "demonym")
            gaz.add(row["term"], GeoEntry("ethnic", row["term"]))
    # US states: "a Minnesota man", "from Texas". Georgia is the country.
    for state in CountryInfo("US").provinces():
        if state not in ("Georgia", "District of Columbia"):
            gaz.add(state, GeoEntry("city", state, "US"), override=True)
    for row in _read_csv("cities.csv"):
        gaz.add(row["name"], GeoEntry("city", row["name"], row["country"]), override=True)
    for row in _read_csv("regions.csv"):
        gaz.add(row["term"], GeoEntry("region", row["region"]), override=True)
    for row in _read_csv("conflict_places.csv"):
        kind = row["kind"]
        if kind not in ("transit", "zone", "camp", "other"):
            raise ValueError(f"conflict_places.csv: unknown kind {kind!r} for {row['name']}")
        place = Place(row["name"], row["country"] or None, kind)  # type: ignore[arg-type]
        gaz.places[place.name] = place
        entry = GeoEntry("place", place.name, place.country, place)
        for alias in {row["name"], *row["aliases"].split(";")}:
            if alias.strip():
                gaz.add(alias.strip(), entry, override=True)
    return gaz


@functools.lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The process-wide gazetteer (built on first use, ~0.1 s)."""
    return build_gazetteer()
