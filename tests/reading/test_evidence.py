"""Evidence: a defector's own account, without the writer's speculation or analysis."""

from __future__ import annotations

from collections.abc import Callable

from exitlens.model import DocumentReading, Span
from exitlens.reading.evidence import dedupe, is_speculation

from .conftest import person_named

Read = Callable[[str], DocumentReading]

TEXT = (
    "Yassin Karam joined the Islamic State in 2014 and defected in 2016. "
    '"They killed people I had known since school," Karam said. '
    "He left because the commanders took the best houses for themselves. "
    "Or was the tide simply turning against the group? "
    "Perhaps the bombing frightened him more than he admits. "
    "Many fighters complained about the pay. "
    "Experts say defections rose sharply that year."
)


def _evidence(r: DocumentReading, name: str) -> list[str]:
    p = r.persons[person_named(r, name)]
    return [s.text_of(r.document.text) for s in p.evidence]


def test_quotes_and_reason_sentences_are_evidence(read_doc: Read) -> None:
    r = read_doc(TEXT)
    ev = _evidence(r, "Yassin Karam")
    assert any("killed people I had known" in e for e in ev)
    assert any("commanders took the best houses" in e for e in ev)


def test_speculation_and_general_analysis_are_excluded(read_doc: Read) -> None:
    r = read_doc(TEXT)
    joined = " ".join(_evidence(r, "Yassin Karam"))
    assert "tide" not in joined
    assert "Perhaps" not in joined
    assert "Many fighters" not in joined
    assert "Experts" not in joined


def test_evidence_sorted_without_duplicates(read_doc: Read) -> None:
    r = read_doc(TEXT)
    p = r.persons[person_named(r, "Yassin Karam")]
    assert p.evidence == sorted(set(p.evidence), key=lambda s: (s.start, -s.end))
    for a, b in zip(p.evidence, p.evidence[1:], strict=False):
        assert not a.contains(b)


def test_non_defectors_have_no_evidence(read_doc: Read) -> None:
    r = read_doc('"The group is losing ground," said Mark Ellis, a professor at a university.')
    assert all(p.evidence == [] for p in r.persons)


def test_is_speculation() -> None:
    assert is_speculation("Or was the tide turning?")
    assert is_speculation("He may have feared the bombing.")
    assert not is_speculation("He left because of the bombing.")


def test_dedupe() -> None:
    spans = [Span(5, 10), Span(0, 20), Span(5, 10), Span(30, 40)]
    assert dedupe(spans) == [Span(0, 20), Span(30, 40)]


def test_relative_voice_evidence_is_the_relatives_words(read_doc: Read) -> None:
    text = ("Nour Saleh is the mother of a young man who joined the group in 2015. "
            '"My son Faris left the group because they made him guard prisoners," Saleh said.')
    r = read_doc(text)
    son = r.persons[person_named(r, "Faris")]
    assert son.source_voice == "relative"
    assert any("guard prisoners" in s.text_of(text) for s in son.evidence)


# -- wider evidence: what the person did, relatives, groups, run-on reasons ---------------


def _ev_text(r: DocumentReading, name: str) -> str:
    return " | ".join(_evidence(r, name))


def test_sentence_continuing_a_reported_reason(read_doc: Read) -> None:
    text = ("Samir Haddad left the Islamic State in 2016. In 2013 he began searching online "
            "about the war because he felt helpless. The searches brought up videos of "
            "children under the rubble. Experts say such videos are common.")
    r = read_doc(text)
    ev = _ev_text(r, "Samir Haddad")
    assert "videos of children" in ev
    assert "Experts" not in ev
    # a defector who speaks (here in reported speech) is read in his words only
    spoken = read_doc(text.replace("In 2013 he began", "He said that in 2013 he began"))
    assert "videos of children" not in _ev_text(spoken, "Samir Haddad")


def test_done_to_the_person_and_their_possessions(read_doc: Read) -> None:
    text = ("Mona Aziz left the group in 2017 after years in the city because she was "
            "afraid of the bombing. Recruiters convinced her to come with promises "
            "of a house. Her savings ran out within a year.")
    r = read_doc(text)
    ev = _ev_text(r, "Mona Aziz")
    assert "Recruiters convinced her" in ev
    assert "savings ran out" in ev


def test_a_defector_who_speaks_is_coded_from_their_account_only(read_doc: Read) -> None:
    # The same story with her own words: the writer's sentences telling what she did or
    # what was done to her are no longer her evidence; her words and the sentence
    # reporting her reason are.
    text = ("Mona Aziz left the group in 2017 because she was afraid of the bombing. "
            '"I wanted to go home," she said.\n\nIn 2014 recruiters convinced her to come '
            "with promises of a house. Her savings ran out within a year.")
    r = read_doc(text)
    ev = _ev_text(r, "Mona Aziz")
    assert "wanted to go home" in ev
    assert "afraid of the bombing" in ev
    assert "recruiters convinced her" not in ev
    assert "savings ran out" not in ev
    silent = read_doc(text.replace(' "I wanted to go home," she said.', ""))
    assert "recruiters convinced her" in _ev_text(silent, "Mona Aziz")


def test_collective_account_of_the_documents_defectors(read_doc: Read) -> None:
    text = ("Women who joined the unit to survive came to hate it\n\n"
            "The defectors said that the unit was the only way to earn money in the city.\n\n"
            "Reem Kassab joined the unit in 2014 and fled to Turkey in 2015 because she "
            "was afraid all the time.")
    r = read_doc(text)
    ev = _ev_text(r, "Reem Kassab")
    assert "only way to earn money" in ev
    assert "joined the unit to survive" in ev
    # ...which is not read for a defector who speaks for herself
    spoken = read_doc(text.replace("because she was afraid all the time.",
                                   'and said: "We were afraid all the time."'))
    assert "only way to earn money" not in _ev_text(spoken, "Reem Kassab")


def test_generic_plural_is_not_a_collective_account(read_doc: Read) -> None:
    text = ("Many defectors say the pay was poor. 58 defectors from Europe have spoken out.\n\n"
            "Reem Kassab joined the unit in 2014 and fled to Turkey in 2015. \"We were "
            'afraid all the time," Kassab said.')
    r = read_doc(text)
    ev = _ev_text(r, "Reem Kassab")
    assert "pay was poor" not in ev and "spoken out" not in ev


def test_relatives_quotes_join_the_defectors_own_account(read_doc: Read) -> None:
    text = ("Salma Idris waited for years. Her son Yazan left for Syria in 2014. He told her "
            "he was guarding a depot. \"He told me they beat him for asking questions,\" "
            "she said. In 2017 he escaped during a raid.")
    r = read_doc(text)
    ev = _ev_text(r, "Yazan")
    assert "beat him for asking" in ev


def test_the_prosecutions_case_is_not_the_defendants_account(read_doc: Read) -> None:
    """In a court record, what the prosecution submits about the defendant's motives is the
    other side's case; the accused's own statement is his account."""
    r = read_doc("The accused, Omar Haddad, joined the Islamic State in 2014 and deserted in "
                 "2015. He stated that he left because he was disgusted by the executions. "
                 "The prosecution submits that the accused left only because he feared the "
                 "bombing.")
    evidence = " ".join(_evidence(r, "Omar Haddad"))
    assert "disgusted by the executions" in evidence
    assert "feared the bombing" not in evidence
