"""The profile rules' word lists (data/reading/profile_words.yaml): the file ships with the
package, every entry is a valid pattern, the tables name only values the model allows, and
the compiled patterns are built from the lists in their file order."""

from __future__ import annotations

import re

from exitlens.model import EXIT_MODES, OUTCOMES
from exitlens.reading.cues import load_word_lists
from exitlens.reading.profile import patterns


def words() -> dict:
    """The file as shipped in the package."""
    return load_word_lists("profile_words.yaml")


def test_every_entry_compiles_on_its_own() -> None:
    for key, value in words().items():
        entries = value.values() if isinstance(value, dict) else value
        for entry in entries:
            fragments = entry if isinstance(entry, list) else [entry]
            for fragment in fragments:
                if isinstance(fragment, str):
                    filled = fragment.replace("{core_places}", "X").replace("{date_next}", "")
                    re.compile(filled)  # raises on a typo, naming nothing else
                else:
                    assert isinstance(fragment, int), key


def test_tables_name_only_allowed_values_in_priority_order() -> None:
    data = words()
    assert [name for name, _ in data["exit_patterns"]] == [
        "surrendered", "captured", "smuggled", "deserted", "escaped"]
    assert set(patterns._EXIT_ORDER) == set(EXIT_MODES)
    assert set(patterns._OUTCOME_ORDER) <= set(OUTCOMES)
    assert patterns._OUTCOME_ORDER[0] == "prison"
    roles = {name for name, _ in data["roles"]}
    assert set(data["roles_needing_group"]) <= roles
    assert set(data["roles_as_object"]) <= roles
    assert patterns._ROLE_NAMES[0] == "suicide bomber recruit"  # most specific first
    assert patterns._ROLE_NAMES[-1] == "fighter"  # the generic role last


def test_placeholders_are_filled_and_lists_keep_their_order() -> None:
    for cues in (patterns.JOIN_CUES, patterns.LEAVE_CUES):
        assert "{core_places}" not in cues and "{date_next}" not in cues
    assert "Raqqa" in patterns.JOIN_CUES and "Raqqa" in patterns.LEAVE_CUES
    data = words()
    assert patterns.PERSON_NOUNS.split("|") == data["person_nouns"]
    assert list(patterns.OCCUPATIONS.values()) == [name for name, _ in data["occupations"]]
    expected = r"(?:\d{1,2}|" + "|".join(data["number_words"]) + ")"
    assert expected == patterns._NUM


def test_the_lists_drive_the_patterns() -> None:
    assert patterns._GROUP_RE.search("he joined Daesh in 2014")
    assert not patterns._GROUP_RE.search("it is what it is")  # group names are case-sensitive
    m = patterns._OCC_RE.search("he worked as a taxi driver")
    assert m is not None and patterns._OCC_NAMES[int(m.lastgroup[1:])] == "taxi driver"
    m = patterns._EXIT_RE.search("she handed herself over to the police")
    assert m is not None and m.lastgroup == "surrendered"
    assert patterns._LEAVE_RE.search("he left Mosul")
    assert patterns._JOIN_RE.search("she travelled in the autumn of 2014")
    assert patterns._NATIONAL_AFTER.match(" nationals from")
    assert patterns.NON_PERSON_AFTER_DEMONYM.match(" air strikes")
