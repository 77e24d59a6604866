"""The people stage's word lists (data/reading/people_words.yaml): the file ships with the
package, every entry is a string (no YAML boolean or number slipped in), and the sets and
patterns built from it do what the people stage relies on (fictional names)."""

from __future__ import annotations

from exitlens.reading.cues import load_word_lists
from exitlens.reading.people import _KUNYA, name_key, patterns

CASE_SENSITIVE = {"kunya_prefixes", "kunya_particles", "not_initials"}


def words() -> dict:
    """The file as shipped in the package."""
    return load_word_lists("people_words.yaml")


def test_every_entry_is_a_plain_string() -> None:
    for key, value in words().items():
        entries = list(value.items()) if isinstance(value, dict) else [(w, None) for w in value]
        assert entries, key
        for word, target in entries:
            assert isinstance(word, str) and word.strip() == word and word, (key, word)
            if key not in CASE_SENSITIVE:
                assert word == word.lower(), (key, word)
            if target is not None:
                targets = target if isinstance(target, list) else [target]
                assert all(isinstance(t, str) for t in targets), (key, word)


def test_the_sets_are_the_lists() -> None:
    data = words()
    assert frozenset(data["generic_determiners"]) == patterns._GENERIC_DETS
    assert "no" in patterns._GENERIC_DETS  # quoted in the file: not YAML's false
    assert frozenset(data["human_verbs"]) | {"say"} <= patterns._HUMAN_VERBS
    assert patterns._CONVERSE["uncle"] == ("nephew", "niece")
    assert patterns._KUNYA_WORDS["oum"] == "umm"


def test_kunyas_are_read_from_the_lists() -> None:
    m = _KUNYA.search("The man called Abou Karim al-Tawil arrived.")
    assert m is not None and m.group(0) == "Abou Karim al-Tawil"
    assert _KUNYA.search("the abu karim") is None  # prefixes are case-sensitive
    assert name_key("Abou Karim") == name_key("Abu Karim") == frozenset({"abu karim"})
    assert name_key("Umm Salma") != name_key("Salma")
