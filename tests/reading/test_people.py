"""People: names, kunyas, descriptors, pseudonyms, coreference, the writer."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import DocumentReading
from exitlens.reading.people import name_key

from .conftest import person_named, speaker_name

Read = Callable[[str], DocumentReading]


def _mentions(r: DocumentReading, idx: int) -> list[str]:
    return [m.span.text_of(r.document.text) for m in r.persons[idx].mentions]


def test_name_key_drops_particles_and_initials() -> None:
    assert name_key("Abu Ibrahim al-Suri") == frozenset({"abu ibrahim", "suri"})
    assert name_key("Dr. Karen Holt") == frozenset({"karen", "holt"})
    assert name_key("Peter K.") == frozenset({"peter"})


def test_a_kunya_is_not_the_child_it_names(read_doc: Read) -> None:
    r = read_doc("Umm Bilal spoke from Amman. Her son Bilal left the Islamic State in 2016. "
                 '"He came back thin and silent," Umm Bilal said.')
    mother = person_named(r, "Umm Bilal")
    son = next(i for i, p in enumerate(r.persons) if p.name == "Bilal")
    assert mother != son


def test_kunya_and_short_form_are_one_person(read_doc: Read) -> None:
    r = read_doc("Abu Ibrahim al-Suri joined in 2014. Later Abu Ibrahim drove trucks for the "
                 "group.")
    idx = person_named(r, "Abu Ibrahim al-Suri")
    assert sum(1 for m in _mentions(r, idx) if m.startswith("Abu Ibrahim")) == 2
    assert len([p for p in r.persons if p.name]) == 1


def test_umm_kunya_is_female(read_doc: Read) -> None:
    r = read_doc("Umm Safiya lived in the town for two years. She cooked for the guards.")
    idx = person_named(r, "Umm Safiya")
    assert "She" in _mentions(r, idx)


def test_surname_coreference(read_doc: Read) -> None:
    r = read_doc("Daniel Moretti travelled in 2015. Moretti said the trip took a week.")
    idx = person_named(r, "Daniel Moretti")
    assert "Moretti" in _mentions(r, idx)


def test_descriptor_in_apposition_joins_the_name(read_doc: Read) -> None:
    r = read_doc("Karim Haddad, a 29-year-old Lebanese from Tripoli, arrived in the autumn.")
    idx = person_named(r, "Karim Haddad")
    assert r.persons[idx].descriptor is not None
    assert r.persons[idx].descriptor.startswith("a 29-year-old Lebanese")


def test_descriptor_naming_a_person(read_doc: Read) -> None:
    r = read_doc("A former fighter who gave his name only as Walid said the food was bad.")
    idx = person_named(r, "Walid")
    assert any(m.startswith("A former fighter") for m in _mentions(r, idx))


def test_writer_announced_pseudonym(read_doc: Read) -> None:
    r = read_doc("I met a young man, whom I will call Nadim, in a cafe near the border. "
                 "Nadim had walked for three nights.")
    idx = person_named(r, "Nadim")
    kinds = {m.kind for m in r.persons[idx].mentions}
    assert "alias" in kinds


def test_not_his_real_name(read_doc: Read) -> None:
    r = read_doc("Jonas (not his real name) spent eight months in the city.")
    idx = person_named(r, "Jonas")
    assert r.persons[idx].mentions[0].kind == "alias"


def test_definite_description_refers_back(read_doc: Read) -> None:
    r = read_doc("Samira Khalil married a fighter in 2015. The young woman escaped a year "
                 "later.")
    idx = person_named(r, "Samira Khalil")
    assert "The young woman" in _mentions(r, idx)


def test_writer_is_a_person(read_doc: Read) -> None:
    r = read_doc("I met him in a small flat in the capital. Adnan Farouk was nervous.")
    writers = [p for p in r.persons if p.descriptor == "the writer"]
    assert len(writers) == 1
    assert writers[0].role == "journalist"


def test_told_the_author(read_doc: Read) -> None:
    r = read_doc("Hamid Rostami told the author that he had never fired a gun.")
    assert any(p.descriptor == "the writer" for p in r.persons)


def test_document_without_people(read_doc: Read) -> None:
    r = read_doc("Wheat prices fell sharply after the harvest. Exports resumed in October.")
    assert r.persons == []


def test_mentions_are_sorted_and_exact(read_doc: Read) -> None:
    text = "Lina Farah, a nurse, left the city. Farah said she was afraid. She never returned."
    r = read_doc(text)
    for p in r.persons:
        starts = [m.span.start for m in p.mentions]
        assert starts == sorted(starts)
        for m in p.mentions:
            assert 0 <= m.span.start < m.span.end <= len(text)


def test_converse_kinship_refers_back(read_doc: Read) -> None:
    text = ("Adam Reyes travelled east in 2015. Adam's uncle, Victor Reyes, spoke to a local "
            "radio station, saying that he felt relief when his nephew finally came back.")
    r = read_doc(text)
    adam = person_named(r, "Adam Reyes")
    assert "his nephew" in _mentions(r, adam)
    victor = person_named(r, "Victor Reyes")
    assert r.persons[victor].role == "relative"


def test_descriptor_does_not_run_back_over_a_quote(read_doc: Read) -> None:
    text = ('One boy says, "They are liars." Another boy, asked the same thing, replies, '
            '"We were used."')
    r = read_doc(text)
    speakers = {r.persons[q.speaker].descriptor for q in r.quotes if q.speaker is not None}
    assert speakers == {"One boy", "Another boy"}


# -- coreference and names in harder constructions --------------------------------------


def test_pronoun_in_relative_clause_is_not_the_noun_it_describes(read_doc: Read) -> None:
    text = ("Layla Darwish travelled to Syria in 2015, where a recruiter she had met online "
            'arranged her crossing. "I believed it was my obligation then," she said.')
    r = read_doc(text)
    layla = person_named(r, "Layla Darwish")
    assert speaker_name(r, "my obligation then") == "Layla Darwish"
    assert "she" in _mentions(r, layla)


def test_pronoun_inside_a_noun_phrase_is_not_its_head(read_doc: Read) -> None:
    text = ("Tarek Salloum was afraid. In 2016 an old teacher from his town began to visit "
            "him in secret.")
    r = read_doc(text)
    tarek = person_named(r, "Tarek Salloum")
    assert "his" in _mentions(r, tarek)


def test_age_phrase_pronoun_is_the_phrase_own_person(read_doc: Read) -> None:
    """ "a nurse in her thirties … said she": both pronouns are the nurse, not the woman
    spoken of before her (whose account would otherwise take the nurse's words)."""
    text = ("Hana Berisha, a teacher from Pristina, said she regretted the journey. "
            "A second woman, a nurse in her thirties who gave no name, said she was "
            "promised a hospital post.")
    r = read_doc(text)
    hana = person_named(r, "Hana Berisha")
    assert _mentions(r, hana).count("she") == 1 and "her" not in _mentions(r, hana)
    nurse = next(i for i, p in enumerate(r.persons)
                 if p.descriptor and "second woman" in p.descriptor)
    assert "her" in _mentions(r, nurse) and "she" in _mentions(r, nurse)


def test_embedded_subject_is_not_the_next_antecedent(read_doc: Read) -> None:
    text = ("Amal Haddad moved to the city with her children, where a driver took them across "
            "the river at night. She said she stayed at home for months.")
    r = read_doc(text)
    amal = person_named(r, "Amal Haddad")
    assert "She" in _mentions(r, amal)


def test_pronoun_bound_by_each_is_nobody(read_doc: Read) -> None:
    r = read_doc("Each says the group he joined was not the one he found.")
    assert all(p.role != "defector" for p in r.persons)
    assert not any("he" in _mentions(r, i) for i in range(len(r.persons)))


def test_generic_singular_is_not_a_person(read_doc: Read) -> None:
    text = ("Programmes should take motives seriously. A returnee who left because the pay "
            "stopped needs a different conversation from one who lost faith. The typical "
            "recruit who deserts might say nothing at all.")
    r = read_doc(text)
    assert r.defectors() == []
    assert not any(p.descriptor and "returnee" in p.descriptor for p in r.persons)


def test_asked_to_be_identified_as_gives_the_name(read_doc: Read) -> None:
    text = ("The interview was with a 30-year-old Libyan who spent two years with the group. "
            "He asked to be identified only as Wael. He now lives in hiding.")
    r = read_doc(text)
    idx = person_named(r, "Wael")
    assert r.persons[idx].name == "Wael"
    assert any("Libyan" in m for m in _mentions(r, idx))


def test_initials_are_a_name(read_doc: Read) -> None:
    text = ("The defendant, R.T., a 41-year-old mechanic from the coast, crossed the border "
            "in 2015. He stated that he joined because he was in debt.")
    r = read_doc(text)
    idx = person_named(r, "R.T.")
    assert any("mechanic" in m for m in _mentions(r, idx))
    r2 = read_doc("Officials in the U.S. said the talks would continue.")
    assert not any(p.name == "U.S." for p in r2.persons)


def test_single_word_name_with_copula_description(read_doc: Read) -> None:
    r = read_doc("Warda is 31, a former nurse from the south, and a mother of two. She said "
                 "she had never wanted to go.")
    idx = person_named(r, "Warda")
    assert "She" in _mentions(r, idx)


def test_place_after_preposition_is_not_a_person(read_doc: Read) -> None:
    r = read_doc("During his trial in Hamelin last spring, Jonas Becker said little. "
                 "He was born in Hamelin.")
    assert not any(p.name == "Hamelin" for p in r.persons)


def test_conjoined_description_joins_the_apposition(read_doc: Read) -> None:
    text = ("Sami Karam, a 34-year-old national of the country and a baker by trade, crossed "
            "the border in 2015.")
    r = read_doc(text)
    idx = person_named(r, "Sami Karam")
    assert any("baker" in m for m in _mentions(r, idx))


def test_noun_with_who_clause_is_a_person(read_doc: Read) -> None:
    text = ("Another local lad who first joined a rebel brigade, then the Islamic State, "
            "spoke of his family.")
    r = read_doc(text)
    assert any(p.descriptor and "lad" in p.descriptor for p in r.persons)


def test_entity_running_past_an_initial_is_trimmed() -> None:
    """The recogniser's "Jonas M. told" is the name "Jonas M."; a name never ends in a
    lower-case word, while lower-case particles inside one stay."""
    from exitlens.model import Span
    from exitlens.reading.people.mentions import _clean_entity

    text = "Jonas M. told the court"
    assert _clean_entity(text, Span(0, 13)) == Span(0, 8)
    text = "Abu Omar al-Shami said"
    assert _clean_entity(text, Span(0, 16)) == Span(0, 16)


def test_court_summary_with_initials_keeps_people_apart(read_doc: Read) -> None:
    """Two defendants named by first name and initial, a sentence and a prosecutor: each
    is one person under the bare name, and the prosecutor is nobody's mention."""
    text = ("The defendant, Jonas M., 27, and his co-defendant, Samir K., 31, both travelled "
            "from Bremen to Syria in 2014. Jonas M. told the court he deserted in 2015. "
            "Samir K. stayed until he was captured in 2018.\n\n"
            "The court sentenced Jonas M. to four years. The prosecutor said Samir K. had "
            "shown no remorse.")
    r = read_doc(text)
    names = {p.name for p in r.persons if p.name}
    assert {"Jonas M.", "Samir K."} <= names
    assert not any(n.split()[-1][:1].islower() for n in names)
    samir = person_named(r, "Samir K.")
    assert "The prosecutor" not in _mentions(r, samir)


def test_another_respondent_is_not_the_one_described_before(read_doc: Read) -> None:
    """A research note describes one unnamed respondent, then "another respondent, whom we
    call X": the earlier description is not X, so the two accounts stay apart."""
    text = ("Working note on exits\n\n"
            "Respondent 2, a Kenyan in his thirties, joined in 2014 after losing his job. He "
            "told us the group paid him a wage. He left in 2016 when the wages stopped and he "
            "was beaten for questioning an emir.\n\n"
            "Another respondent, whom we call Idris, described the killing of prisoners as "
            "the moment he decided to leave. Idris escaped in 2017.")
    r = read_doc(text)
    idris = person_named(r, "Idris")
    mentions = _mentions(r, idris)
    assert "Another respondent" in mentions
    assert "a Kenyan" not in mentions and "an emir" not in mentions


def test_byline_reporter_is_not_the_headline_person(read_doc: Read) -> None:
    """A headline's "a former fighter" and the byline's "Staff Reporter" are two people:
    a journalist's title names a separate party unless the person was given it."""
    text = ("Out of the caliphate: a former fighter speaks\n\nBy Staff Reporter\n\n"
            "KILIS \u2014 Daniel Weber, a 29-year-old from Graz, travelled to Raqqa in 2014. He "
            "says a friend told him it was his duty to go.\n\n\"I saw what they did to "
            "prisoners,\" Weber said. He escaped in 2016.")
    r = read_doc(text)
    daniel = person_named(r, "Daniel Weber")
    assert "Staff Reporter" not in _mentions(r, daniel)


def test_list_items_split_by_semicolons_are_different_people(read_doc: Read) -> None:
    """"…: A, 24, from X; B, 31, an Afghan; and a teenager": three people, and "the
    teenager" later is the one introduced as a teenager, not the person just named."""
    text = ("Three men who fled the group spoke to us: Omar Bakri, 24, from Homs; Farid "
            "Rahimi, 31, an Afghan who had lived in Iran; and a teenager who gave only his "
            "age.\n\nRahimi said the Afghans were sent to the front first.\n\n"
            "The teenager said he was taken from his school before he escaped.")
    r = read_doc(text)
    farid = person_named(r, "Farid Rahimi")
    teen = next(i for i, p in enumerate(r.persons)
                if p.descriptor and p.descriptor.startswith("a teenager"))
    assert teen != farid
    assert "The teenager" in _mentions(r, teen)
    assert "The teenager" not in _mentions(r, farid)


def test_opening_phrase_then_subject_is_not_an_apposition(read_doc: Read) -> None:
    """"According to his mother, Samir escaped": the mother is not Samir, and the
    mother met twice ("His mother … his mother") is one person who tells his story."""
    text = ("Samir Haddou grew up in Liege. His mother says he was recruited online and "
            "left for Syria in 2014. \"He called me every week,\" she said.\n\n"
            "According to his mother, Samir escaped in 2016 with the help of a smuggler.")
    r = read_doc(text)
    samir = person_named(r, "Samir Haddou")
    assert not any("mother" in m for m in _mentions(r, samir))
    mothers = [i for i, p in enumerate(r.persons)
               if any("mother" in m for m in _mentions(r, i))]
    assert len(mothers) == 1
    assert r.persons[samir].source_voice == "relative"


def test_a_name_the_recogniser_took_for_a_place_is_a_person(read_doc: Read) -> None:
    """A two-word name labelled a place by the entity recogniser, as the subject of a verb
    people do, and unknown to the gazetteer, is a person; a known place is not."""
    r = read_doc("Karim Saleh spent three years with the Islamic State before escaping in "
                 "the summer of 2017. \"I was a fool,\" he said.")
    assert any(p.name == "Karim Saleh" for p in r.persons)
    r = read_doc("New Delhi decided to send aid in 2017.")
    assert all(p.name != "New Delhi" for p in r.persons)


def test_a_shared_surname_alone_is_the_person_introduced_first(read_doc: Read) -> None:
    """"Ali Hassan … His brother, Omar Hassan, …": "Hassan said" is Ali (news style names
    the main subject by the surname and the relative by the first name)."""
    r = read_doc("Ali Hassan, 24, deserted the Islamic State in 2016. His brother, Omar Hassan, "
                 "is still fighting with the group.\n\n"
                 "\"I begged Omar to come with me,\" Hassan said.")
    assert speaker_name(r, "I begged Omar") == "Ali Hassan"
