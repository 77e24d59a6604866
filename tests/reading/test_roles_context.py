"""Roles from combined evidence: documents that name the group only in passing, leaving
without a group object, first-person accounts, parties of a trial, crossings."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import DocumentReading

from .conftest import person_named

Read = Callable[[str], DocumentReading]


def _cue_texts(r: DocumentReading, idx: int) -> list[str]:
    return [c.text_of(r.document.text) for c in r.persons[idx].role_cues]


def test_own_account_of_leaving_in_a_text_about_daesh(read_doc: Read) -> None:
    r = read_doc("Yusuf Karimi repairs bicycles in a border town these days. He spent two "
                 "years in the caliphate before the money ran out. "
                 '"I left in the spring of 2016, on foot, with nothing," Karimi said. '
                 '"The checkpoints were full of boys younger than my brother."')
    p = r.persons[person_named(r, "Karimi")]
    assert p.role == "defector"
    assert p.source_voice == "self"


def test_leaving_without_any_group_in_the_text_is_not_enough(read_doc: Read) -> None:
    r = read_doc("Yusuf Karimi repairs bicycles in a border town these days. "
                 '"I left in the spring of 2016, on foot, with nothing," Karimi said. '
                 '"The bombing was closer every night."')
    assert r.persons[person_named(r, "Karimi")].role != "defector"


def test_fighter_still_inside_the_group_is_no_defector(read_doc: Read) -> None:
    r = read_doc("A fighter still inside the organisation, contacted through an encrypted "
                 'app, talked about leaving. "Many of us think about leaving," he wrote.')
    assert not r.defectors()


def test_the_judge_is_not_the_accused(read_doc: Read) -> None:
    r = read_doc("The accused, a Dutch man of 30, travelled to Syria in 2014 and joined the "
                 "Islamic State. He surrendered to Kurdish forces in 2018. "
                 '"I wanted to be useful and I was used," he told the court. '
                 "The judge found that he had left of his own will.")
    judge = [p for p in r.persons if any(
        m.span.text_of(r.document.text).lower() == "the judge" for m in p.mentions)]
    assert len(judge) == 1
    assert judge[0].role != "defector"
    accused = [p for p in r.persons if p.descriptor and "Dutch man" in p.descriptor]
    assert len(accused) == 1 and accused[0] is not judge[0]
    assert accused[0].role == "defector"


def test_the_judge_named_as_such_stays_the_judge(read_doc: Read) -> None:
    r = read_doc("Judge Maria Lindqvist read the sentence aloud. The judge said the court "
                 "had weighed the accused's youth.")
    idx = person_named(r, "Lindqvist")
    texts = [m.span.text_of(r.document.text) for m in r.persons[idx].mentions]
    assert "The judge" in texts


def test_serving_for_the_group_by_name_is_membership(read_doc: Read) -> None:
    r = read_doc("Idris Kamal guarded a grain store for the Islamic State near Raqqa for "
                 "two years.")
    idx = person_named(r, "Idris Kamal")
    assert r.persons[idx].role == "current_member"
    assert "guarded" in _cue_texts(r, idx)


def test_guarding_for_a_company_is_no_membership(read_doc: Read) -> None:
    r = read_doc("Idris Kamal guarded a grain store for a trading company near Hama for "
                 "two years.")
    assert r.persons[person_named(r, "Idris Kamal")].role == "other"


def test_taken_across_the_border_is_leaving(read_doc: Read) -> None:
    r = read_doc("Samir Oud fought for ISIS for a year. In 2015 he paid a driver to take "
                 "him across the border. "
                 '"I was ashamed of what I had seen," Oud said.')
    idx = person_named(r, "Samir Oud")
    assert r.persons[idx].role == "defector"
    assert "take" in _cue_texts(r, idx)


def test_taken_to_the_market_is_not_leaving(read_doc: Read) -> None:
    r = read_doc("Samir Oud sells vegetables. In 2015 a neighbour offered to take him to "
                 'the market every morning. "I was grateful," Oud said.')
    assert r.persons[person_named(r, "Samir Oud")].role != "defector"


def test_first_person_account_of_leaving_makes_the_writer_the_defector(read_doc: Read) -> None:
    r = read_doc("What I did not say\n\n"
                 "People want me to write about the organisation. I joined it in 2015 "
                 "because I was angry and young.\n\n"
                 "In the winter of 2016 I was given leave to see a dentist in a town near "
                 "the frontier. I went, and I never went back.")
    writer = next(p for p in r.persons if p.descriptor == "the writer")
    assert writer.role == "defector"
    assert writer.source_voice == "self"


def test_writer_travelling_to_the_group_area_stays_a_journalist(read_doc: Read) -> None:
    r = read_doc("I travelled to the camp in the spring to ask about the organisation. "
                 "I left the camp before dark, as the guards asked.")
    writer = next(p for p in r.persons if p.descriptor == "the writer")
    assert writer.role == "journalist"
