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
