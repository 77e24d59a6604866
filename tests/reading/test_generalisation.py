"""Phrasings that independently written texts use and the dev set did not: names the small
spaCy model misses, capitalised transcript labels, leaving and membership cues, ages in words.

Every sentence here is invented for these tests.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from exitlens.config import Settings
from exitlens.model import DocumentReading
from exitlens.pipeline import PipelineContext

from .conftest import person_named
from .test_profile import Who, profile, read

Read = Callable[[str], DocumentReading]


@pytest.fixture(scope="module")
def context() -> PipelineContext:
    return PipelineContext(Settings())


def roles_by_name(r: DocumentReading) -> dict[str, str]:
    return {p.name: p.role for p in r.persons if p.name}


def defector_names(r: DocumentReading) -> list[str | None]:
    return [p.name for p in r.persons if p.role == "defector"]


# --- 1. names the entity recogniser misses ---

def test_name_after_dateline_is_a_person_not_the_place(read_doc: Read) -> None:
    r = read_doc("ADANA — Jawad is forty-one, a Syrian from Idlib. He joined the Islamic State "
                 'in 2014 and deserted the group in 2016. "They lied to us," he says.')
    assert person_named(r, "Jawad") is not None
    assert r.persons[person_named(r, "Jawad")].role == "defector"
    assert not any(p.name and p.name.lower() == "adana" for p in r.persons)


def test_capitalised_place_subject_is_not_a_person(read_doc: Read) -> None:
    r = read_doc("Aleppo is quiet now. Mosul was under siege for nine months. "
                 'Dalia Haddad, a nurse, said: "We waited for the water trucks every day."')
    names = {p.name for p in r.persons if p.name}
    assert "Aleppo" not in names and "Mosul" not in names


def test_self_naming_phrases(read_doc: Read) -> None:
    r = read_doc("He calls himself Abu Khalid. Abu Khalid pledged allegiance to the Islamic State "
                 'in 2015 and fled the group in 2017. "I wanted my life back," he said.')
    assert r.persons[person_named(r, "Abu Khalid")].role == "defector"
    r2 = read_doc("She gives her name as Rasha. She joined the Islamic State in 2014 and "
                  'escaped from the group in 2016. "I was afraid every night," she said.')
    assert r2.persons[person_named(r2, "Rasha")].role == "defector"


# --- 2. transcript labels in capitals ---

_PROGRAMME = (
    "PRESENTER: Our guest tonight is the mother of a young man who went to Syria.\n"
    "MOTHER: Thank you. My son Idris joined the group in 2014. He was a fighter in Raqqa.\n"
    "PRESENTER: When did he come back?\n"
    "MOTHER: He went on leave in 2016 and never returned to them. He handed himself over "
    "to the police.\n"
    "PRESENTER: How is he now?\n"
    "MOTHER: He is ashamed. He says he was deceived.\n"
)


def test_capitalised_labels_are_one_person_each(read_doc: Read) -> None:
    r = read_doc(_PROGRAMME)
    text = r.document.text
    label_owners: dict[str, set[int]] = {}
    for i, p in enumerate(r.persons):
        for m in p.mentions:
            word = m.span.text_of(text)
            if word.isupper():
                label_owners.setdefault(word, set()).add(i)
    assert all(len(v) == 1 for v in label_owners.values()), label_owners
    presenter = next(iter(label_owners["PRESENTER"]))
    mother = next(iter(label_owners["MOTHER"]))
    assert r.persons[presenter].role == "journalist"
    assert r.persons[mother].role == "relative"


def test_host_is_not_a_defector(read_doc: Read) -> None:
    r = read_doc("HOST: You left the group in 2016?\nGUEST: Yes, I left in 2016.\n"
                 "HOST: Thank you for joining us.\nGUEST: Thank you.\n")
    for p in r.persons:
        if any(m.span.text_of(r.document.text) == "HOST" for m in p.mentions):
            assert p.role == "journalist"


# --- 3. leaving cues ---

def test_surrender_in_relative_clause_of_apposition(read_doc: Read) -> None:
    r = read_doc("Emir Halilovic, a Bosnian in his late thirties, who surrendered to the SDF in "
                 "2019, had been a fighter for five years. "
                 '"We were promised paradise," Halilovic told us.')
    assert r.persons[person_named(r, "Halilovic")].role == "defector"


def test_slipped_across_border_and_walked_out(read_doc: Read) -> None:
    r = read_doc("Omar Zaidi joined the Islamic State in 2014. In 2016 he slipped across the "
                 'border into Turkey. "I had no more faith in them," Zaidi said.')
    assert r.persons[person_named(r, "Zaidi")].role == "defector"


def test_never_returned_from_leave(read_doc: Read) -> None:
    r = read_doc("Samir Hadi joined the Islamic State in 2015. In 2017 he was given leave to visit "
                 'his sick father and never returned. "I just went home," Hadi said.')
    assert r.persons[person_named(r, "Hadi")].role == "defector"


def test_never_returned_without_leave_is_not_leaving(read_doc: Read) -> None:
    r = read_doc("Karim Naji joined the Islamic State in 2015 and is still fighting for the group. "
                 'His letters never returned. "I believe in the cause," Naji said.')
    assert r.persons[person_named(r, "Naji")].role == "current_member"


def test_now_in_prison_after_years_with_group(read_doc: Read) -> None:
    r = read_doc("Hamza Tlili, a Tunisian, is now in a prison in Hasakah after three years with "
                 'IS. "I was a fool to believe them," he said.')
    assert r.persons[person_named(r, "Tlili")].role == "defector"


def test_in_a_camp_after_the_war_is_not_leaving(read_doc: Read) -> None:
    r = read_doc("Salma Aziz, a teacher, is now in a camp after the war. "
                 '"We have no school here," she said.')
    assert r.persons[person_named(r, "Salma")].role != "defector"


def test_still_with_the_group_stays_current_member(read_doc: Read) -> None:
    r = read_doc("Tariq Mansour joined the Islamic State in 2014 and is still with the group. "
                 '"I will never leave," Mansour said in a message.')
    assert r.persons[person_named(r, "Mansour")].role == "current_member"


# --- 4. membership cues ---

def test_worked_in_group_office_is_membership(read_doc: Read) -> None:
    r = read_doc("Adel Karimi worked in a finance office in Raqqa for two years. He fled in 2017. "
                 '"The money was all for the fighters," Karimi said.')
    assert r.persons[person_named(r, "Karimi")].role == "defector"


def test_worked_in_an_office_elsewhere_is_not_membership(read_doc: Read) -> None:
    r = read_doc("Adel Karimi worked in a finance office in Leeds for two years. He left in 2017. "
                 '"The pay was poor," Karimi said.')
    assert r.persons[person_named(r, "Karimi")].role != "defector"


def test_an_emir_above_him_implies_membership(read_doc: Read) -> None:
    r = read_doc("Fadi Haroun left in 2016 after his emir ordered him to guard a prison. "
                 '"I could not do it," Haroun said.')
    assert r.persons[person_named(r, "Haroun")].role == "defector"


# --- 5. ages in words ---

def test_age_in_words_after_name(context: PipelineContext) -> None:
    prof = profile(context, "Jawad is thirty-four, a former baker from Idlib.", "Jawad")
    assert prof.age is not None and prof.age.value == 34


def test_age_after_pseudonym_note(context: PipelineContext) -> None:
    prof = profile(context, "Nabil (not his real name), 22, joined in 2015.", "Nabil")
    assert prof.age is not None and prof.age.value == 22


def test_age_range_in_words_is_left_empty(context: PipelineContext) -> None:
    prof = profile(context, "Jawad, in his early forties, joined in 2015.", "Jawad")
    assert prof.age is None


def test_now_age_in_words(context: PipelineContext) -> None:
    reading = read(context, "Jawad joined in 2015. He is now twenty-nine and lives in Kilis.",
                   Who(("Jawad", "He")))
    prof = reading.persons[0].profile
    assert prof.age is not None and prof.age.value == 29


def test_relative_label_about_an_unnamed_person(read_doc: Read) -> None:
    r = read_doc("INTERVIEWER: Tell us about your son.\n"
                 "FATHER: He joined the group in 2014. He was a fighter near Mosul.\n"
                 "INTERVIEWER: What happened then?\n"
                 "FATHER: In 2017 he surrendered to the Kurdish forces. He says he regrets it.\n")
    defectors = [p for p in r.persons if p.role == "defector"]
    assert len(defectors) == 1
    assert defectors[0].source_voice == "relative"
    assert not any(m.span.text_of(r.document.text) == "FATHER" for m in defectors[0].mentions)
