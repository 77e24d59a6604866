"""Reading cases from the third generalisation round, in our own words: nationalities
are not names, transcript guests, self-introductions, narrators
who were members, plural desertions, and what does not count as silence."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import DocumentReading

from .conftest import person_named

Read = Callable[[str], DocumentReading]


def _by_descriptor(r: DocumentReading, fragment: str) -> int:
    for i, p in enumerate(r.persons):
        if p.descriptor and fragment in p.descriptor:
            return i
    raise AssertionError(f"no person described like {fragment!r}: "
                         f"{[p.descriptor for p in r.persons]}")


def test_a_nationality_is_not_a_name(read_doc: Read) -> None:
    r = read_doc("Dilshod Rakhimov crossed into Syria in 2014 to join the Islamic State. "
                 "Riding beside him on the bus was another Kazakh, a 20-year-old from "
                 'Shymkent. "Every Kazakh there was treated as a servant," Rakhimov said.')
    names = [p.name for p in r.persons if p.name]
    assert not any(n in ("Kazakh", "Kazakhs") for n in names), names


def test_a_demonym_with_the_is_a_person(read_doc: Read) -> None:
    r = read_doc("He arrived at the clinic on foot. The young Chechen — he is from Grozny and "
                 "barely twenty — had spent a year with the Islamic State. "
                 '"I wanted a war and I got a prison," he said.')
    i = _by_descriptor(r, "Chechen")
    assert any(m.kind == "pronoun" for m in r.persons[i].mentions)


def test_transcript_guest_and_label_name(read_doc: Read) -> None:
    """The host's turns are narration: her "I" is hers, her "he" and "a former fighter"
    are the guest who answers next."""
    text = ("HOST: I'm Lena Varga. My guest this week is a former fighter who spent three "
            "years with ISIS. He is twenty-eight now. Karim, welcome.\n"
            "KARIM: Thank you. I went in 2014.\n"
            "HOST: Why did you leave?\n"
            "KARIM: They sent boys to die for nothing. I ran at night across the border.\n")
    r = read_doc(text)
    karim = person_named(r, "Karim")
    person = r.persons[karim]
    kinds = {m.kind for m in person.mentions}
    assert {"speaker_label", "name", "descriptor"} <= kinds
    assert person.role == "defector"
    host = person_named(r, "Lena")
    assert r.persons[host].role != "defector"
    host_words = {m.span.text_of(text).lower() for m in r.persons[host].mentions
                  if m.kind == "pronoun"}
    assert not host_words & {"he", "him", "his"}
    assert "He" in [m.span.text_of(text) for m in person.mentions]
    assert len([p for p in r.persons if p.descriptor and "former fighter" in p.descriptor]) == 1


def test_a_member_narrator_is_the_defector(read_doc: Read) -> None:
    r = read_doc(
        "When I went to Syria I was Abu Talha al-Almani. I swore allegiance to the Islamic "
        "State in 2014 and served in its police in Raqqa. I saw my emir steal from widows. "
        "In 2016 I walked out through the fields at night and reached Turkey.")
    writer = next(p for p in r.persons if p.name and "Abu Talha" in p.name)
    assert writer.role == "defector"
    assert writer.source_voice == "self"


def test_withheld_detail_is_not_silence(read_doc: Read) -> None:
    r = read_doc("Omar Sadiq, a former ISIS fighter, deserted in 2016. He would not say where "
                 'he lives now. "They made us kill Muslims," Sadiq said.')
    assert r.persons[person_named(r, "Omar Sadiq")].role == "defector"


def test_former_member_of_the_group_outweighs_a_stray_title(read_doc: Read) -> None:
    r = read_doc("Witnesses: Mr Tarek Nassif, former member of Islamic State; Ms Ruth Cole, "
                 "Director of Prevention.\n"
                 'Q1 Chair: Mr Nassif, why did you leave?\n'
                 "Mr Nassif: The commanders stole and we starved.\n")
    assert r.persons[person_named(r, "Nassif")].role == "defector"


def test_plural_desertion_covers_the_men_quoted(read_doc: Read) -> None:
    r = read_doc(
        "Two men who say they deserted from Daesh last month wait in a flat in Kilis.\n\n"
        "The elder, a Libyan who calls himself Abu Salim, says he joined because the group "
        'paid. "The money stopped and the beatings started," he said.')
    i = person_named(r, "Abu Salim")
    assert r.persons[i].role == "defector"


def test_a_mothers_son_is_the_one_who_went(read_doc: Read) -> None:
    r = read_doc("PRESENTER: Our guest is the mother of a young man who went to Syria.\n"
                 "MOTHER: My son Samir joined the group in 2015. He came home in 2017.\n")
    mother = next(i for i, p in enumerate(r.persons)
                  if any(m.span.text_of(r.document.text) == "MOTHER" for m in p.mentions))
    assert r.persons[mother].role == "relative"


def test_both_of_the_officials_did_not_leave_anything(read_doc: Read) -> None:
    r = read_doc('"Returnees are screened," said Maria Lind, a police spokeswoman. '
                 '"Most cooperate," said Jonas Berg, a prosecutor. Both declined to give '
                 "numbers.")
    assert all(p.role != "defector" for p in r.persons)
