"""Roles: defector, current member, journalist/writer, analyst/official, relative."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline

from .conftest import person_named

Read = Callable[[str], DocumentReading]


def test_defector_with_own_quotes(read_doc: Read) -> None:
    r = read_doc("Rashid Amari joined the Islamic State in 2014 and deserted the group a year "
                 'later. "I could not watch another execution," Amari said.')
    p = r.persons[person_named(r, "Rashid Amari")]
    assert p.role == "defector"
    assert p.source_voice == "self"
    assert 0.5 < p.role_confidence <= 1.0
    cues = [c.text_of(r.document.text) for c in p.role_cues]
    assert "deserted" in cues


def test_defector_described_as_former_fighter(read_doc: Read) -> None:
    r = read_doc("Malik Jaber, a former ISIS fighter, now lives in a small flat. "
                 '"I was a fool to believe them," he said.')
    assert r.persons[person_named(r, "Malik Jaber")].role == "defector"


def test_current_member_is_not_a_defector(read_doc: Read) -> None:
    r = read_doc("Zaid Marwan, an ISIS commander, is still fighting in the desert. "
                 '"We will win," Marwan said.')
    p = r.persons[person_named(r, "Zaid Marwan")]
    assert p.role == "current_member"


def test_writer_voice_is_journalist_never_defector(read_doc: Read) -> None:
    r = read_doc("I left the city in a hurry after the interview. Karim Nasser, who fled the "
                 'group in 2017, met me there. "They lied to us," Nasser said.')
    writer = next(p for p in r.persons if p.descriptor == "the writer")
    assert writer.role == "journalist"
    assert writer.source_voice is None
    assert r.persons[person_named(r, "Karim Nasser")].role == "defector"


def test_analyst_and_official(read_doc: Read) -> None:
    r = read_doc('"Most recruits leave when the money stops," said Greta Holm, an analyst at '
                 'a research institute in London. "The group is weaker now," said Colonel '
                 "Peter Lang, a military spokesman.")
    assert r.persons[person_named(r, "Greta Holm")].role == "analyst_official"
    assert r.persons[person_named(r, "Peter Lang")].role == "analyst_official"


def test_reporter_is_journalist(read_doc: Read) -> None:
    r = read_doc("Anna Berg, a correspondent for a Swedish daily, travelled to the camp. "
                 '"The camp was crowded," Berg said.')
    assert r.persons[person_named(r, "Anna Berg")].role == "journalist"


def test_relative_speaking_for_a_defector(read_doc: Read) -> None:
    text = ("Nour Saleh is the mother of a young man who joined the group in 2015. "
            '"My son Faris left the group because they made him guard prisoners. He escaped '
            'at night and came home," Saleh said.')
    r = read_doc(text)
    mother = r.persons[person_named(r, "Nour Saleh")]
    son = r.persons[person_named(r, "Faris")]
    assert mother.role == "relative"
    assert son.role == "defector"


def test_mentioned_leaver_without_account_is_not_a_defector(read_doc: Read) -> None:
    r = read_doc("Officials say Anton Vogel left the group in 2016. Nothing else is known "
                 "about him.")
    assert r.persons[person_named(r, "Anton Vogel")].role != "defector"


def test_refugee_fleeing_is_not_a_defector(read_doc: Read) -> None:
    r = read_doc('Mariam Jalal fled the city with her children. "We walked for two days," '
                 "Jalal said.")
    assert r.persons[person_named(r, "Mariam Jalal")].role != "defector"


def test_person_said_to_have_kept_silent_is_not_a_defector(read_doc: Read) -> None:
    r = read_doc("Lukas Brenner left the group in 2015 after a year as a guard. Brenner has never "
                 "said why he left, and he declined to talk to reporters.")
    assert r.persons[person_named(r, "Lukas Brenner")].role != "defector"


def test_quoted_member_in_a_document_about_defectors(read_doc: Read) -> None:
    text = ("Defectors talk about their years in the group\n\n"
            "A young man who joined the group at sixteen sat in a plastic chair. "
            '"They promised us paradise and gave us hunger," the young man said.')
    r = read_doc(text)
    defectors = [p for p in r.persons if p.role == "defector"]
    assert len(defectors) == 1
    assert defectors[0].role_confidence <= 0.6  # the document's topic, not a leaving cue


def test_transcript_interviewee_introduced_before_the_answers(read_doc: Read) -> None:
    text = ("This is an interview with a 31-year-old Egyptian who spent two years with the "
            "Islamic State.\n\n"
            "Q: Why did you go?\nA: I believed what the preachers said.\n"
            "Q: How did it end?\nA: I escaped from the group at night and walked to the "
            "border.")
    r = read_doc(text)
    answers = [q for q in r.quotes if q.kind == "transcript" and "preachers" in
               q.span.text_of(text)]
    person = r.persons[answers[0].speaker or 0]
    assert person.descriptor is not None and person.descriptor.startswith("a 31-year-old")
    assert person.role == "defector" and person.source_voice == "self"


# -- membership and leaving from context ------------------------------------------------


def test_wife_of_a_fighter_who_escaped_is_a_defector(read_doc: Read) -> None:
    text = ("Hala Nouri travelled to Syria in 2014 and married a fighter in the city. "
            '"The bombs fell every night and I was sure we would die," she said. In 2017 she '
            "escaped with a smuggler.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Hala Nouri")].role == "defector"


def test_headline_about_people_who_left_implies_membership(read_doc: Read) -> None:
    text = ("Two men who left the Islamic State describe their flight\n\n"
            "Fadi Omran, 30, spent a year in the east. \"I saw things I cannot forget,\" he "
            "said. He escaped in 2016, walking for two nights to the border.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Fadi Omran")].role == "defector"


def test_member_quoted_where_the_fighters_surrendered(read_doc: Read) -> None:
    text = ("Hundreds of fighters have surrendered to the advancing forces this month.\n\n"
            '"Every night the shelling came closer and nobody slept," said Idris Kamal, a Sudanese '
            "national who joined ISIS in 2015.")
    r = read_doc(text)
    p = r.persons[person_named(r, "Idris Kamal")]
    assert p.role == "defector" and p.source_voice == "self"


def test_member_still_fighting_stays_a_member_despite_context(read_doc: Read) -> None:
    text = ("Hundreds of fighters have surrendered to the advancing forces this month.\n\n"
            '"We will never give up," said Idris Kamal, a Sudanese national who joined ISIS '
            "in 2015 and is still fighting in the desert.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Idris Kamal")].role != "defector"


def test_generic_singular_in_analysis_is_no_defector(read_doc: Read) -> None:
    text = ("This note summarises published accounts. A defector who left because of unpaid "
            "wages needs a different conversation from one who left because the ideology "
            "collapsed for him. One former fighter might leave for his family.")
    r = read_doc(text)
    assert r.defectors() == []


def test_members_listed_after_a_group_that_fled(read_doc: Read) -> None:
    """"Three men who fled the group spoke to us: A; B; and a teenager": each listed
    person fled, not only the first one named."""
    text = ("Three men who fled the group spoke to us in a safe house: Omar Bakri, 24, from "
            "Homs; Farid Rahimi, 31, an Afghan who had lived in Iran; and a teenager who "
            "gave only his age.\n\n"
            "Bakri said he joined for the salary. \"The money was a fortune,\" he said.\n\n"
            "Rahimi said the Afghans were always sent to the front first. \"They called us "
            "donkeys,\" he said.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Omar Bakri")].role == "defector"
    assert r.persons[person_named(r, "Farid Rahimi")].role == "defector"


def test_a_group_that_fled_without_a_list_gives_nobody_the_cue(read_doc: Read) -> None:
    """A plural group with no one listed ("Many men who fled the group say …") makes the
    next named person no defector by itself."""
    text = ("Many men who fled the group say the pay stopped. Farid Rahimi, a trader in "
            "Gaziantep, sells them phones.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Farid Rahimi")].role != "defector"


def test_a_list_that_does_not_match_the_count_is_not_the_group(read_doc: Read) -> None:
    """"Two men who fled the group named their commanders: A, B and C": three names for
    two men are not the men, so the commanders get no leaving cue."""
    text = ("Two men who fled the group named their commanders to us: Karim Odeh, the "
            "emir; Samir Lahlou, his deputy; and Jamal Turki, a judge.")
    r = read_doc(text)
    for name in ("Karim Odeh", "Samir Lahlou"):
        assert r.persons[person_named(r, name)].role != "defector"


def test_each_person_of_a_coordinated_subject_did_it(read_doc: Read) -> None:
    """"A and B deserted the group": the second person named deserted too, not only the
    first one the verb's subject points to."""
    text = ("Nabil Saadi and Tarek Mansour deserted the Islamic State in 2016. \"We saw too "
            "many executions,\" Mansour said. Saadi said he missed his mother.")
    r = read_doc(text)
    for name in ("Nabil Saadi", "Tarek Mansour"):
        assert r.persons[person_named(r, name)].role == "defector"


def test_leaving_because_forced_to_fight_is_leaving(pipeline: Pipeline) -> None:
    """"left because the group forced his unit to fight": the fighting is the cause, not
    the purpose ("left home to fight" is going to the group)."""
    text = ("Hadi Karam joined the Islamic State in 2014. He told us he left because the group "
            "forced his unit to fight other rebels. \"We were killing our neighbours,\" he said.")
    r = pipeline.run_batch([Document(text=text)], keep=("role_features",))[0]
    idx = person_named(r, "Hadi Karam")
    assert r.persons[idx].role == "defector"
    assert r.scratch["role_features"][idx]["leave_max"] >= 0.6  # "left" is a leaving cue


def test_both_takes_up_the_pair_named_before(read_doc: Read) -> None:
    """"A and B travelled to Syria together. Both deserted in 2016": each of the two."""
    text = ("Nabil Saadi and Tarek Mansour travelled to Syria together in 2014. Both deserted "
            "in 2016. \"We saw too many executions,\" Mansour said. Saadi said he missed his "
            "mother.")
    r = read_doc(text)
    for name in ("Nabil Saadi", "Tarek Mansour"):
        assert r.persons[person_named(r, name)].role == "defector"


def test_both_with_no_pair_before_gives_nobody_the_cue(read_doc: Read) -> None:
    text = ("Nabil Saadi travelled to Syria in 2014 with his cousins. Both deserted in 2016. "
            "Saadi said he missed his mother.")
    r = read_doc(text)
    assert r.persons[person_named(r, "Nabil Saadi")].role != "defector"


def test_a_son_whose_mother_tells_his_leaving_is_the_defector(read_doc: Read) -> None:
    """"the week before he left their flat in Hamburg for Syria" (the parse hangs "for
    Syria" on the city) is going to the group; with his escape told, the son is a defector
    and his mother a relative."""
    text = ("Fatma Demir last saw her son Emre in 2014, the week before he left their flat in "
            "Hamburg for Syria.\n\n"
            "\"He called me from Raqqa and said he was happy,\" she said.\n\n"
            "Emre, now 27, escaped in 2016 with the help of a smuggler and is in a German "
            "prison. His mother says he left because he could no longer stand the killing.")
    r = read_doc(text)
    son = r.persons[person_named(r, "Emre")]
    assert son.role == "defector"
    assert r.persons[person_named(r, "Fatma Demir")].role == "relative"
