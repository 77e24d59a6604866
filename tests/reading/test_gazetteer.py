"""The gazetteer: demonym gaps the packages miss, country and city names, regions and the
spellings of conflict places. Examples written for these tests."""

from __future__ import annotations

import pytest

from exitlens.reading.gazetteer import Gazetteer, load_gazetteer, normalize


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return load_gazetteer()


def test_loaded_once() -> None:
    assert load_gazetteer() is load_gazetteer()


@pytest.mark.parametrize(
    ("term", "iso"),
    [
        # gaps and mistakes of countryinfo/pycountry
        ("Saudi", "SA"), ("Kosovar", "XK"), ("Bosnian", "BA"), ("Chechen", "RU"),
        ("Dagestani", "RU"), ("Emirati", "AE"), ("British", "GB"), ("English", "GB"),
        ("Scottish", "GB"), ("Welsh", "GB"), ("American", "US"), ("Uighur", "CN"),
        ("Uyghur", "CN"),
        # ordinary demonyms
        ("Belgian", "BE"), ("Dutch", "NL"), ("Danish", "DK"), ("Swedish", "SE"),
        ("Turkish", "TR"), ("Jordanian", "JO"), ("Tunisian", "TN"), ("Moroccan", "MA"),
        ("Algerian", "DZ"), ("Libyan", "LY"), ("Egyptian", "EG"), ("Lebanese", "LB"),
        ("Palestinian", "PS"), ("Iraqi", "IQ"), ("Syrian", "SY"), ("Yemeni", "YE"),
        ("Afghan", "AF"), ("Pakistani", "PK"), ("Indonesian", "ID"), ("Malaysian", "MY"),
        ("Filipino", "PH"), ("Australian", "AU"), ("Kazakh", "KZ"), ("Uzbek", "UZ"),
        ("Tajik", "TJ"), ("Kyrgyz", "KG"), ("Azerbaijani", "AZ"), ("Georgian", "GE"),
        ("French", "FR"), ("Chinese", "CN"), ("New Zealander", "NZ"),
    ],
)
def test_demonyms(gaz: Gazetteer, term: str, iso: str) -> None:
    assert gaz.nationality(term) == iso


@pytest.mark.parametrize(
    ("name", "iso"),
    [
        ("Germany", "DE"), ("the United States", "US"), ("Britain", "GB"), ("UK", "GB"),
        ("Holland", "NL"), ("Kosovo", "XK"), ("Chechnya", "RU"), ("Saudi Arabia", "SA"),
        ("New Zealand", "NZ"), ("Trinidad and Tobago", "TT"),
        # cities and regions people come from
        ("Molenbeek", "BE"), ("Brussels", "BE"), ("Birmingham", "GB"), ("Ben Gardane", "TN"),
        ("Bizerte", "TN"), ("Casablanca", "MA"), ("Almaty", "KZ"), ("Pankisi", "GE"),
        ("Minnesota", "US"),
        # a place in the conflict zone is somebody's home town too
        ("Deir Ezzor", "SY"), ("Fallujah", "IQ"),
    ],
)
def test_countries_and_cities(gaz: Gazetteer, name: str, iso: str) -> None:
    assert gaz.nationality(name) == iso


@pytest.mark.parametrize("term", ["Kurdish", "Kurd", "Arab", "Turkmen", "Yazidi"])
def test_ethnicities_have_no_country(gaz: Gazetteer, term: str) -> None:
    assert gaz.lookup(term)
    assert gaz.nationality(term) is None


@pytest.mark.parametrize(
    ("term", "region"),
    [("North African", "North Africa"), ("Maghreb", "Maghreb"), ("Central Asian", "Central Asia"),
     ("the Balkans", "Balkans"), ("the Caucasus", "Caucasus"), ("Gulf", "Gulf"),
     ("Western European", "Western Europe"), ("Southeast Asia", "Southeast Asia"),
     ("Middle Eastern", "Middle East")],
)
def test_regions(gaz: Gazetteer, term: str, region: str) -> None:
    assert gaz.region(term) == region
    assert gaz.nationality(term) is None


@pytest.mark.parametrize(
    ("spelling", "canonical", "country", "kind"),
    [
        ("Raqqa", "Raqqa", "SY", "zone"), ("Rakka", "Raqqa", "SY", "zone"),
        ("Ar Raqqah", "Raqqa", "SY", "zone"), ("ar-Raqqa", "Raqqa", "SY", "zone"),
        ("Deir Ezzor", "Deir ez-Zor", "SY", "zone"), ("Dayr az Zawr", "Deir ez-Zor", "SY", "zone"),
        ("Deir al-Zour", "Deir ez-Zor", "SY", "zone"),
        ("Tel Afar", "Tal Afar", "IQ", "zone"), ("Kobane", "Kobani", "SY", "zone"),
        ("Ayn al-Arab", "Kobani", "SY", "zone"), ("Şanlıurfa", "Sanliurfa", "TR", "transit"),
        ("Urfa", "Sanliurfa", "TR", "transit"), ("Antakya", "Hatay", "TR", "transit"),
        ("Antep", "Gaziantep", "TR", "transit"), ("Akçakale", "Akcakale", "TR", "transit"),
        ("Reyhanlı", "Reyhanli", "TR", "transit"), ("al-Hawl", "al-Hol", "SY", "camp"),
        ("Sirte", "Sirte", "LY", "zone"), ("Marawi", "Marawi", "PH", "zone"),
        ("Baghouz", "Baghuz", "SY", "zone"),
    ],
)
def test_conflict_places(gaz: Gazetteer, spelling: str, canonical: str, country: str,
                         kind: str) -> None:
    place = gaz.place(spelling)
    assert place is not None
    assert (place.name, place.country, place.kind) == (canonical, country, kind)


def test_normalize_folds_spelling_noise() -> None:
    assert normalize("Deir ez-Zor") == normalize("deir EZ zor")
    assert normalize("Şanlıurfa") == "sanliurfa"
    assert normalize("A'zaz") == "azaz"


def test_find_offsets_longest_match_and_case(gaz: Gazetteer) -> None:
    text = "Flights from the U.S. to Istanbul, then a bus to Sanli Urfa; us and a nice turkey."
    matches = gaz.find(text)
    found = [(m.text, (m.first() or m.entries[0]).name) for m in matches]
    assert ("U.S", "United States") in found
    assert ("Istanbul", "Istanbul") in found
    assert ("Sanli Urfa", "Sanliurfa") in found
    # lower-case "us", "nice" and "turkey" are ordinary words here
    assert all(m.text not in ("us", "nice", "turkey") for m in matches)
    for m in matches:
        assert text[m.span.start : m.span.end] == m.text


def test_find_prefers_longest(gaz: Gazetteer) -> None:
    text = "He comes from New Jersey, not Jersey, and lived in Deir ez-Zor."
    names = [m.first().name for m in gaz.find(text) if m.first()]  # type: ignore[union-attr]
    assert names[0] == "New Jersey"
    assert "Deir ez-Zor" in names


def test_find_respects_bounds(gaz: Gazetteer) -> None:
    text = "Raqqa and Mosul"
    assert [m.text for m in gaz.find(text, 6)] == ["Mosul"]
    assert [m.text for m in gaz.find(text, 0, 5)] == ["Raqqa"]
