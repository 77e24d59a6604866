"""People: names given only as an alias, and headings that are nobody's name."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import DocumentReading

from .conftest import person_named

Read = Callable[[str], DocumentReading]


def _mentions(r: DocumentReading, idx: int) -> list[str]:
    return [m.span.text_of(r.document.text) for m in r.persons[idx].mentions]


def test_alias_given_with_here_is_a_name(read_doc: Read) -> None:
    r = read_doc("An Algerian man in his forties, referred to here as Bilal, drove a truck "
                 "for the group in 2015.")
    idx = person_named(r, "Bilal")
    assert "An Algerian man" in _mentions(r, idx)


def test_identified_here_only_as(read_doc: Read) -> None:
    r = read_doc("Her brother, identified here only as Tarek, was 19 when he went.")
    person_named(r, "Tarek")


def test_later_bare_use_of_an_alias_is_the_same_person(read_doc: Read) -> None:
    r = read_doc("A Moroccan man in his twenties, referred to here as Anas, went to Syria "
                 "in 2014. Anas escaped from the organisation in 2017 and now lives in a "
                 'camp. "I only wanted my children to live," he said.')
    idx = person_named(r, "Anas")
    assert _mentions(r, idx).count("Anas") == 2
    assert len([p for p in r.persons if p.name == "Anas"]) == 1
    assert r.persons[idx].role == "defector"


def test_alias_inside_another_proper_noun_is_not_a_mention(read_doc: Read) -> None:
    r = read_doc("A Moroccan woman in her twenties, whom we call Hind, went to Syria in 2014. "
                 "Her family still runs a shop on Hind Street in Tangier.")
    idx = person_named(r, "Hind")
    assert _mentions(r, idx).count("Hind") == 1



def test_a_pseudonym_the_writer_will_call_without_who(read_doc: Read) -> None:
    """"a fighter I will call Nadim": the writer's pseudonym, given without "whom"."""
    r = read_doc("Take the case of a fighter I will call Nadim, who deserted in 2016. He said "
                 "he could not forget the executions.")
    idx = person_named(r, "Nadim")
    assert "a fighter" in _mentions(r, idx)


def test_numbered_respondents_are_different_people(read_doc: Read) -> None:
    """"Respondent 4" and "Respondent 8" are two people, each named by the number, not one
    person called "Respondent"."""
    r = read_doc("Respondent 4, a Syrian from Homs, said he left in 2016 because of the "
                 "executions. Respondent 8, an Iraqi, deserted in 2017 when the pay stopped. "
                 "Interviewee B refused to talk about the group.")
    four, eight = person_named(r, "Respondent 4"), person_named(r, "Respondent 8")
    assert four != eight
    assert "a Syrian" in _mentions(r, four)
    assert "an Iraqi" in _mentions(r, eight)
    assert r.persons[person_named(r, "Interviewee B")].name == "Interviewee B"


def test_the_accused_of_a_court_record_is_the_defendant(read_doc: Read) -> None:
    """"The accused" (a participle used as a noun) is the defendant named beside it."""
    r = read_doc("The accused, Karim Benali, was born in Lyon.\n\n"
                 "The accused travelled to Syria in 2014 and joined the Islamic State.")
    assert _mentions(r, person_named(r, "Karim Benali")).count("The accused") == 2


def test_a_description_with_its_own_name_is_not_the_last_person(read_doc: Read) -> None:
    """"Others, like the Tunisian commander known as Abu Anas": the description the name
    follows is someone new, not the person just spoken of."""
    r = read_doc("Abu Yahya al-Masri was captured near Mosul in 2017. \"I would do it all "
                 "again,\" he said. Others, like the Tunisian commander known as Abu Anas, are "
                 "still fighting in the Sahel.")
    masri, anas = person_named(r, "al-Masri"), person_named(r, "Abu Anas")
    assert masri != anas
    assert "the Tunisian commander" in _mentions(r, anas)
