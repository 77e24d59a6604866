"""Case resolution and credibility flags on hand-built persons (no database, no models).

All names and sentences are invented for these tests.
"""

from __future__ import annotations

from typing import Any

from exitlens.cases import (
    MERGE_AT,
    CasePerson,
    FlagDocument,
    best_label,
    conflicts,
    credibility_flags,
    merged_value,
    name_relation,
    normalize,
    normalize_descriptor,
    resolve,
    score_pair,
)

_ids = iter(range(1, 10_000))


def person(doc: int, name: str | None = None, descriptor: str | None = None, *,
           position: int = 0, year: int | None = None, **profile: Any) -> CasePerson:
    return CasePerson(person_id=next(_ids), document_id=doc, name=name, descriptor=descriptor,
                      profile=profile, position=position, published_year=year)


def groups_of(persons: list[CasePerson], reprints: list[tuple[int, int]] | None = None
              ) -> list[set[int]]:
    index = {p.person_id: p.document_id for p in persons}
    return sorted(({index[i] for i in g.person_ids} for g in resolve(persons, reprints or [])),
                  key=min)


# ------------------------------------------------------------------ names


def test_normalize_drops_case_diacritics_and_hyphens() -> None:
    assert normalize("Abū Ḥafṣ al-Urdunī") == "abu hafs al urduni"
    assert normalize("ABU  HAFS") == "abu hafs"


def test_name_relations() -> None:
    assert name_relation("Abu Hafs", "abū hafs")[0] == "same_kunya"
    assert name_relation("Karim Benali", "karim benali")[0] == "same_name"
    assert name_relation("Abou Hafs", "Abu Hafs al-Urduni")[0] == "kunya_of_name"
    assert name_relation("Umm Layla", "Umm Layla al-Faransiya")[0] == "kunya_of_name"
    assert name_relation("Karim Benali", "Karim Benali al-Faransi")[0] == "name_within"
    assert name_relation("Karim", "Karim Benali")[0] == "given_name"
    # a kunya is not the child it names
    assert name_relation("Umar", "Abu Umar") == (None, "names differ: 'Umar' / 'Abu Umar'")
    assert name_relation("Abu Musa", "Yusuf Haddad")[0] is None


def test_descriptor_core() -> None:
    assert normalize_descriptor("A Syrian defector from Homs, who deserted") == "syrian defector"
    assert normalize_descriptor("the 31-year-old Algerian defector") == "algerian defector"
    assert normalize_descriptor(None) is None


# ------------------------------------------------------------------ pair scores


def test_kunya_and_full_name_with_the_same_nationality_merge() -> None:
    a = person(1, "Abu Hafs", nationality="JO")
    b = person(2, "Abu Hafs al-Urduni", nationality="JO")
    result = score_pair(a, b)
    assert result.merges and result.score >= MERGE_AT
    assert "kunya 'Abu Hafs' of 'Abu Hafs al-Urduni'" in result.reasons
    assert "nationality JO agrees" in result.reasons


def test_a_numbered_label_names_nobody_across_documents() -> None:
    """Two reports' "Respondent 3" are two people (each numbers its own), unless one page
    reprints the other."""
    a = person(1, "Respondent 3", nationality="SY", gender="m")
    b = person(2, "Respondent 3", nationality="SY", gender="m")
    assert not score_pair(a, b).merges
    assert score_pair(a, b, reprint=True).merges
    assert not score_pair(person(1, "Respondent 3"), person(2, "Respondent 7")).merges


def test_a_bare_shared_kunya_is_not_enough() -> None:
    assert not score_pair(person(1, "Abu Hafs"), person(2, "Abu Hafs")).merges
    assert score_pair(person(1, "Abu Hafs", left_year=2016),
                      person(2, "Abu Hafs", left_year=2016)).merges


def test_conflicting_nationality_or_gender_blocks_even_the_same_name() -> None:
    a = person(1, "Abu Musa", nationality="TN", left_year=2017)
    b = person(2, "Abu Musa", nationality="EG", left_year=2017)
    result = score_pair(a, b)
    assert result.conflict == "nationality differs: TN / EG" and not result.merges
    assert conflicts(person(1, "Sami Aziz", gender="m"), person(2, "Sami Aziz", gender="f"))


def test_a_given_name_needs_two_agreeing_fields() -> None:
    assert not score_pair(person(1, "Karim"), person(2, "Karim Benali", nationality="FR")).merges
    assert score_pair(person(1, "Karim", nationality="FR", joined_year=2014),
                      person(2, "Karim Benali", nationality="FR", joined_year=2014)).merges


def test_ages_are_compared_across_the_years_between_accounts() -> None:
    a = person(1, "Sami Aziz", year=2016, age=24)
    assert score_pair(a, person(2, "Sami Aziz", year=2019, age=27)).merges
    assert "age 24 agrees" in score_pair(a, person(2, "Sami Aziz", year=2019, age=27)).reasons
    assert conflicts(a, person(3, "Sami Aziz", year=2016, age=45)) == "ages differ by 21 years"


def test_people_of_one_document_never_merge() -> None:
    a, b = person(1, "Sami Aziz"), person(1, "Sami Aziz")
    assert conflicts(a, b) == "same document"
    assert groups_of([a, b]) == [{1}, {1}]


# ------------------------------------------------------------------ unnamed people


def test_two_unnamed_syrian_defectors_in_unrelated_articles_stay_apart() -> None:
    a = person(1, None, "A Syrian defector from Homs", nationality="SY", gender="m",
               left_year=2015, exit_mode="deserted")
    b = person(2, None, "a Syrian defector who was smuggled out", nationality="SY", gender="m",
               left_year=2018, exit_mode="smuggled")
    assert len(groups_of([a, b])) == 2
    # agreeing nationality and gender are trivial for unnamed people
    c = person(3, None, "a Syrian defector", nationality="SY", gender="m")
    d = person(4, None, "a Syrian defector", nationality="SY", gender="m")
    assert not score_pair(c, d).merges


def test_unnamed_with_the_same_descriptor_and_two_specific_fields_merge() -> None:
    a = person(1, None, "a Syrian defector", nationality="SY", left_year=2015,
               exit_mode="deserted")
    b = person(2, None, "the Syrian defector", nationality="SY", left_year=2015,
               exit_mode="deserted")
    result = score_pair(a, b)
    assert result.merges and "same descriptor 'the Syrian defector'" in result.reasons


def test_reprints_pair_their_defectors_by_position() -> None:
    first = [person(1, None, "a defector", position=0, left_year=2016),
             person(1, None, "a former fighter", position=1)]
    second = [person(2, None, "a defector", position=0, left_year=2016),
              person(2, None, "a former fighter", position=1)]
    groups = resolve(first + second, [(2, 1)])
    pairs = sorted(tuple(sorted(g.person_ids)) for g in groups)
    assert pairs == sorted([(first[0].person_id, second[0].person_id),
                            (first[1].person_id, second[1].person_id)])
    assert all("reprint of document 1" in g.reasons for g in groups)
    # without the link the unnamed people stay apart
    assert len(resolve(first + second, [])) == 4


def test_a_named_and_an_unnamed_person_need_a_reprint() -> None:
    a = person(1, "Sami Aziz", nationality="SY", left_year=2015, exit_mode="deserted")
    b = person(2, None, "a Syrian defector", nationality="SY", left_year=2015,
               exit_mode="deserted")
    assert not score_pair(a, b).merges
    assert score_pair(a, b, reprint=True).merges


# ------------------------------------------------------------------ grouping


def test_transitive_grouping_never_joins_a_conflicting_pair() -> None:
    bare = person(1, "Abu Umar", exit_mode="escaped")
    tunisian = person(2, "Abu Umar", nationality="TN", exit_mode="escaped")
    egyptian = person(3, "Abu Umar", nationality="EG", exit_mode="escaped")
    groups = groups_of([bare, tunisian, egyptian])
    assert len(groups) == 2
    assert not any({2, 3} <= g for g in groups)


def test_every_person_is_in_exactly_one_group_with_score_and_reasons() -> None:
    people = [person(1, "Sami Aziz", nationality="SY"), person(2, "Sami Aziz", nationality="SY"),
              person(3, "Lina Haddad", gender="f")]
    groups = resolve(people)
    assert sorted(pid for g in groups for pid in g.person_ids) == [p.person_id for p in people]
    merged = next(g for g in groups if len(g.person_ids) == 2)
    assert merged.score is not None and 0 < merged.score <= 1
    assert merged.reasons[:2] == ["same name 'Sami Aziz'", "nationality SY agrees"]
    single = next(g for g in groups if len(g.person_ids) == 1)
    assert single.score is None and single.reasons == []


def test_merged_values_and_labels() -> None:
    assert merged_value([((0,), 2016), ((1,), 2017), ((2,), 2017)]) == 2017
    assert merged_value([((1,), 2017), ((0,), 2016)]) == 2016  # tie: earliest document
    assert merged_value([((0,), None)]) is None
    assert best_label([person(1, "Abu Hafs"), person(2, "Abu Hafs al-Urduni")]) \
        == "Abu Hafs al-Urduni"
    assert best_label([person(1, None, "a Syrian defector")]) == "a Syrian defector"


# ------------------------------------------------------------------ flags


def test_writer_doubts_points_at_the_sentence_near_the_person() -> None:
    text = ('Sami Aziz said he ran in 2015. "I walked at night," he said. '
            "His story could not be independently verified.\n\nThe weather was cold.")
    p = person(1, "Sami Aziz")
    p.mentions = [(0, 9)]
    p.quotes = [(31, 51)]
    (flag,) = credibility_flags([p], {1: FlagDocument(1, text)})
    assert flag.flag == "writer_doubts" and flag.document_id == 1
    assert text[flag.start or 0:flag.end] == "His story could not be independently verified."


def test_doubt_far_from_the_person_is_not_theirs() -> None:
    text = ("Sami Aziz said he ran in 2015.\n\nElsewhere, a rumour about the town was "
            "never confirmed. Officials allegedly knew.")
    p = person(1, "Sami Aziz")
    p.mentions = [(0, 9)]
    assert credibility_flags([p], {1: FlagDocument(1, text)}) == []


def test_court_documents_and_custody_outcomes_are_flagged() -> None:
    text = "Sami Aziz told the court that he deserted in 2016."
    p = person(1, "Sami Aziz", outcome="prison")
    p.mentions = [(0, 9)]
    p.spans = {"outcome": (0, 9)}
    flags = credibility_flags([p], {1: FlagDocument(1, text, kind="court")})
    reasons = {f.reason for f in flags}
    assert {"court document", "outcome is prison",
            "spoke from court or custody: 'told the court'"} <= reasons
    assert all(f.flag == "court_or_custody" for f in flags)


def test_sources_disagree_lists_the_values_per_document() -> None:
    a = person(1, "Sami Aziz", year=2016, left_year=2015, age=24, nationality="SY")
    b = person(2, "Sami Aziz", year=2018, left_year=2016, age=26, nationality="SY")
    flags = credibility_flags([a, b], {})
    assert [(f.field, f.values) for f in flags] == [("left_year", {"1": 2015, "2": 2016})]
    c = person(3, "Sami Aziz", year=2018, age=30)
    assert [f.field for f in credibility_flags([a, c], {})] == ["age"]
