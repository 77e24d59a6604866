"""Quotes: every quotation style, attribution, indirect speech, transcripts, robustness."""

from __future__ import annotations

import time
from collections.abc import Callable

from exitlens.model import DocumentReading, Span
from exitlens.reading.quotes import find_transcript_lines, scan_direct_quotes
from exitlens.reading.segment import paragraphs

from .conftest import quoted, speaker_name

Read = Callable[[str], DocumentReading]


def _scan(text: str) -> list[str]:
    raws, _ = scan_direct_quotes(text, paragraphs(text))
    return [text[r.span.start : r.span.end] for r in raws]


# -- the mark scanner (no spaCy) ------------------------------------------------------


def test_straight_and_curly_double_quotes() -> None:
    assert _scan('He said "we waited for weeks" and left.') == ["we waited for weeks"]
    assert _scan("She wrote “nobody came back” in her diary.") == ["nobody came back"]


def test_single_quotes_are_not_confused_with_apostrophes() -> None:
    text = "It's the emir's rule, they don't argue. He said: ‘We were never paid.’ In the ’90s."
    assert _scan(text) == ["We were never paid."]
    assert _scan("Then Omar's cousin said 'the camp was empty' and wept.") == [
        "the camp was empty"
    ]


def test_guillemets_and_low_high_marks() -> None:
    assert _scan("He said «the bread ran out» that winter.") == ["the bread ran out"]
    assert _scan("She said „the door was locked“ twice.") == ["the door was locked"]


def test_doubled_single_marks() -> None:
    assert _scan("He felt ‘‘abandoned by everyone’’ after the trial.") == [
        "abandoned by everyone"
    ]


def test_multi_sentence_quote_is_one_span() -> None:
    assert _scan('"We prayed. We waited. Nobody came," he said.') == [
        "We prayed. We waited. Nobody came,"
    ]


def test_multi_paragraph_convention() -> None:
    text = '"The first winter was quiet.\n\n"Then the arrests began," he said.'
    assert _scan(text) == ["The first winter was quiet.\n\n\"Then the arrests began,"]


def test_unbalanced_mark_is_capped_at_the_paragraph() -> None:
    text = 'He shouted "run now and never\n\nThe next paragraph is narration.\n\nMore narration.'
    raws, unbalanced = scan_direct_quotes(text, paragraphs(text))
    assert unbalanced == 1
    assert [text[r.span.start : r.span.end] for r in raws] == ["run now and never"]


def test_transcript_needs_recurring_labels() -> None:
    assert find_transcript_lines("Note: this is not an interview.\nJust text.") == []
    lines = find_transcript_lines("Q: Where were you?\nA: In the east.\nQ: Why?\nA: Work.")
    assert [label for _, _, label in lines] == ["Q", "A", "Q", "A"]


def test_broadcast_labels_with_a_note_and_guests_heard_once() -> None:
    """"ABU X (through interpreter):" is a label; in a transcript whose recurring labels are
    capitals, a guest heard once ("UNIDENTIFIED MAN:", long as it is) is a speaker too."""
    text = ("PRESENTER: Tonight two men who left.\n"
            "SAMI HADDOURI (through interpreter): We were sent against other rebels.\n"
            "PRESENTER: And the second man?\n"
            "UNIDENTIFIED MAN (via translator): I ran when they jailed me.\n"
            "Note: names have been changed.")
    lines = find_transcript_lines(text)
    assert [label for _, _, label in lines] == [
        "PRESENTER", "SAMI HADDOURI", "PRESENTER", "UNIDENTIFIED MAN"]
    body = lines[1][1]
    assert text[body.start:body.end] == "We were sent against other rebels."


def test_once_heard_labels_need_a_transcript_of_capitals() -> None:
    """Mixed-case "Name: …" lines heard once stay prose, as before."""
    text = ("Q: Where were you?\nA: In the east.\n"
            "Update: the page was corrected.\nLater Reading: see below.")
    assert [label for _, _, label in find_transcript_lines(text)] == ["Q", "A"]


# -- attribution (with the parse) -------------------------------------------------------


def test_speaker_from_cue_verb_subject(read_doc: Read) -> None:
    r = read_doc('Karim Nasser left the group in 2016. "They stole everything we had," Nasser '
                 "said.")
    assert speaker_name(r, "They stole everything") == "Karim Nasser"
    q = r.quotes[0]
    assert q.kind == "direct" and q.cue_span is not None
    assert q.cue_span.text_of(r.document.text) == "said"


def test_inverted_attribution(read_doc: Read) -> None:
    r = read_doc('"The commanders ate first and we ate last," said Abu Yahya al-Shami.')
    assert speaker_name(r, "commanders ate first") == "Abu Yahya al-Shami"


def test_pronoun_speaker_resolves_to_earlier_person(read_doc: Read) -> None:
    r = read_doc('Yusuf Karaman spent a year in the east. "I was only a guard," he said.')
    assert speaker_name(r, "only a guard") == "Yusuf Karaman"


def test_the_defector_resolves_to_the_named_person(read_doc: Read) -> None:
    text = ("Samir Aziz, a former fighter, fled in the spring. "
            '"We were hungry all the time," the defector told the newspaper.')
    r = read_doc(text)
    assert speaker_name(r, "hungry all the time") == "Samir Aziz"


def test_split_quote_has_one_speaker(read_doc: Read) -> None:
    r = read_doc('Farid Karimi sat by the window. "I went there to help," he said, '
                 '"but I found only fighting."')
    assert speaker_name(r, "went there to help") == "Farid Karimi"
    assert speaker_name(r, "found only fighting") == "Farid Karimi"


def test_attribution_from_previous_sentence(read_doc: Read) -> None:
    r = read_doc('Tariq Mansour shook his head. "Nobody trusted anybody in that town."')
    assert speaker_name(r, "Nobody trusted anybody") == "Tariq Mansour"


def test_multi_paragraph_quote_keeps_speaker(read_doc: Read) -> None:
    text = ('Nabil Qasim remembered the first weeks. "We trained every morning in the heat.\n\n'
            '"Later they sent the weakest men to the front," Qasim said.')
    r = read_doc(text)
    assert len([q for q in r.quotes if q.kind == "direct"]) == 1
    assert speaker_name(r, "weakest men") == "Nabil Qasim"


def test_curly_single_and_guillemet_quotes_attributed(read_doc: Read) -> None:
    r = read_doc("Hassan Rahimi spoke slowly. ‘The money never arrived,’ Rahimi said. "
                 "«Nobody kept their promises», he added.")
    assert speaker_name(r, "money never arrived") == "Hassan Rahimi"
    assert speaker_name(r, "Nobody kept their promises") == "Hassan Rahimi"


def test_indirect_speech(read_doc: Read) -> None:
    text = ("Omar Haddad told reporters that he had been jailed twice by the group. "
            "Leila Saber said she had no money left. "
            "According to Haddad, the fighters were paid late every month. "
            "Saber described how the guards searched every house.")
    r = read_doc(text)
    indirect = {q.span.text_of(text): q for q in r.quotes if q.kind == "indirect"}
    assert any("jailed twice" in t for t in indirect)
    assert any("no money left" in t for t in indirect)
    assert any("paid late" in t for t in indirect)
    assert any("guards searched" in t for t in indirect)
    assert speaker_name(r, "jailed twice") == "Omar Haddad"
    assert speaker_name(r, "no money left") == "Leila Saber"
    assert speaker_name(r, "paid late") == "Omar Haddad"


def test_transcript_name_labels(read_doc: Read) -> None:
    text = ("INTERVIEWER: When did you arrive?\nRAMI: In the summer.\n"
            "INTERVIEWER: And when did you leave?\nRAMI: After the winter.")
    r = read_doc(text)
    rami = [q for q in r.quotes if q.kind == "transcript" and "winter" in q.span.text_of(text)]
    assert rami and rami[0].speaker is not None
    assert r.persons[rami[0].speaker].name == "RAMI"


def test_unnamed_transcript_guest_is_a_described_person(read_doc: Read) -> None:
    """"UNIDENTIFIED MAN:" is someone described, not a man named Unidentified; his first
    person is his own, not the writer's."""
    text = ("HOST: Two men spoke to us.\nHOST: The first asked not to be named.\n"
            "UNIDENTIFIED MAN (through interpreter): I left because they jailed me.")
    r = read_doc(text)
    q = next(q for q in r.quotes if "jailed me" in q.span.text_of(text))
    assert q.speaker is not None
    person = r.persons[q.speaker]
    assert person.name is None and person.descriptor == "unidentified man"
    assert person.role != "journalist"


def test_transcript_q_and_a(read_doc: Read) -> None:
    text = "Q: Why did you go?\nA: I believed the videos.\nQ: And now?\nA: Now I know better."
    r = read_doc(text)
    answers = [q for q in r.quotes if q.span.text_of(text).startswith(("I believed", "Now I"))]
    questions = [q for q in r.quotes if q.span.text_of(text).startswith(("Why", "And now"))]
    assert {q.speaker for q in answers} != {q.speaker for q in questions}
    interviewer = r.persons[questions[0].speaker or 0]
    assert interviewer.role == "journalist"
    assert r.persons[answers[0].speaker or 0].descriptor == "the interviewee"


def test_unbalanced_quote_leaves_a_note_and_does_not_swallow(read_doc: Read) -> None:
    text = ('Ali Baig said "we never saw the money\n\nThe town market reopened in May.\n\n'
            "Prices rose again in June.")
    r = read_doc(text)
    assert any("unbalanced" in n for n in r.notes)
    assert all(q.span.end <= text.index("The town") for q in r.quotes if q.kind == "direct")


def test_no_people_no_quotes(read_doc: Read) -> None:
    r = read_doc("The river rose in March. Bridges were closed for two weeks.")
    assert r.quotes == [] and r.persons == []


def test_non_english_text_does_not_crash(read_doc: Read) -> None:
    r = read_doc("Der Mann sagte, dass er im Winter zurückgekehrt sei. Die Familie wartete "
                 "lange auf ihn, und niemand wusste, wo er war.")
    assert any("English" in n for n in r.notes)


def _many_quotes(n: int) -> str:
    parts = ["Rafiq Omari left the group in 2017."]
    for i in range(n):
        parts.append(f'"The ration on day {i} was bread and water only," Omari said.')
    return "\n\n".join(parts)


def test_hundreds_of_quotes_run_in_linear_time(read_doc: Read) -> None:
    read_doc(_many_quotes(20))  # warm up
    t0 = time.perf_counter()
    small = read_doc(_many_quotes(100))
    t1 = time.perf_counter()
    big = read_doc(_many_quotes(400))
    t2 = time.perf_counter()
    assert len([q for q in small.quotes if q.kind == "direct"]) == 100
    assert len([q for q in big.quotes if q.kind == "direct"]) == 400
    assert (t2 - t1) < 8 * (t1 - t0) + 0.5  # 4x the input, far from 16x


def test_spans_are_exact_substrings(read_doc: Read) -> None:
    text = "Preface line.\n\n“We left at night,” said Jamal Idris. “Nobody followed us.”"
    r = read_doc(text)
    for q in r.quotes:
        assert isinstance(q.span, Span)
        assert text[q.span.start : q.span.end] in text
    assert quoted(r)[:2] == ["We left at night,", "Nobody followed us."]


def test_headline_label_quote(read_doc: Read) -> None:
    text = ("Former fighter: We were never paid what they promised\n\n"
            "A former fighter from the north spoke to the newspaper last week about the pay.")
    r = read_doc(text)
    q = next(q for q in r.quotes if "never paid" in q.span.text_of(text))
    assert q.speaker_span is not None
    assert q.speaker_span.text_of(text).endswith("fighter")


def test_label_before_quote_marks(read_doc: Read) -> None:
    text = 'Syrian defector: "They treated us like animals"\n\nThe rest of the story follows.'
    r = read_doc(text)
    q = next(q for q in r.quotes if "like animals" in q.span.text_of(text))
    assert q.speaker_span is not None and "defector" in q.speaker_span.text_of(text)


def test_negated_speech_is_not_indirect_speech(read_doc: Read) -> None:
    r = read_doc("Tomas Brandt has never said what he saw in the prison that winter.")
    assert [q for q in r.quotes if q.kind == "indirect"] == []


def test_diaeresis_used_as_quotation_marks() -> None:
    assert _scan("One boy states, ¨We were only tools.¨ Then he left.") == ["We were only tools."]


def test_quote_after_the_same_speaker_named_again_keeps_the_speaker(read_doc: Read) -> None:
    text = ('"Buses of newcomers came through the checkpoint each week," Haddad said when he '
            'testified at his trial. "At first it felt like a festival."')
    r = read_doc("Omar Haddad joined the group in 2015. " + text)
    assert speaker_name(r, "felt like a festival") == "Omar Haddad"


def test_paragraph_of_quote_after_a_pronoun_subject(read_doc: Read) -> None:
    text = ("Tariq Aziz spent three months in the camp. He could name only one teacher.\n"
            "\u201cI saw people whipped every day. Nobody was allowed to leave.\u201d\n"
            "Tariq escaped in the spring.")
    r = read_doc(text)
    assert speaker_name(r, "whipped every day") == "Tariq Aziz"


def test_paragraph_of_quote_after_a_caption_is_not_the_captions_subject(read_doc: Read) -> None:
    text = ("FILE - A woman holds a candle during a rally in the capital.\n"
            "\u201cAt first I believed them, but later I saw they were liars.\u201d\n"
            "The rally ended at night.")
    r = read_doc(text)
    q = next(q for q in r.quotes if "liars" in q.span.text_of(text))
    assert q.speaker is None or "woman" not in (r.persons[q.speaker].descriptor or "")


def test_paragraph_of_quote_continues_a_described_speaker(read_doc: Read) -> None:
    """A paragraph of quote after "a young woman … said she had …" goes on in that
    person's words, though they are known only by a description."""
    text = ("A young woman from Leeds said she had travelled in 2015 because she wanted to "
            "help the wounded.\n\n"
            "\u201cThe first months were quiet. Then the punishments began in the square.\u201d\n\n"
            "The rally ended at night.")
    r = read_doc(text)
    q = next(q for q in r.quotes if "punishments" in q.span.text_of(text))
    assert q.speaker is not None
    assert "young woman" in (r.persons[q.speaker].descriptor or "")


def test_host_and_correspondent_turns_are_narration(read_doc: Read) -> None:
    """"NAME, HOST:" and a correspondent the host introduces speak for the programme: their
    turns are read as the writer's prose, so what they tell of a guest ("X fought for the
    Islamic State until last year") ties the guest to the group, while the guest's own
    turn stays his quote."""
    text = ("RITA OKAFOR, HOST: Our correspondent Jan Meyer met a man who left.\n"
            "JAN MEYER, BYLINE: Khalil Aboud fought for the Islamic State until last year, "
            "when he ran across the border.\n"
            "KHALIL ABOUD (through interpreter): They made us shoot at other Muslims.\n"
            "MEYER: Today he sells phones in a market.\n"
            "OKAFOR: Jan Meyer reporting.")
    r = read_doc(text)
    lines = [q for q in r.quotes if q.kind == "transcript"]
    assert len(lines) == 5
    guest_line = next(q for q in lines if "other Muslims" in q.span.text_of(text))
    assert guest_line.speaker is not None
    khalil = r.persons[guest_line.speaker]
    assert khalil.name is not None and "Aboud" in khalil.name
    assert khalil.role == "defector"
    assert {q.speaker for q in lines if q is not guest_line} != {guest_line.speaker}
    assert not any(p.descriptor == "interpreter" for p in r.persons)


def test_a_citation_after_the_quote_names_its_speaker(read_doc: Read) -> None:
    """A research write-up cites each quote's speaker in brackets after it; an acronym or a
    year in brackets names nobody."""
    r = read_doc("Several interviewees described the privileges of the foreign commanders.\n\n"
                 "\"The Saudis had cars and good food. We were sent to the front with "
                 "nothing.\" (Interviewee 5, Syrian, aged 24)\n\n"
                 "\"They watched us all the time and we were afraid to speak.\" [Abu Karam, "
                 "Gaziantep]\n\n"
                 "\"Nobody trusted anybody in those months of the war.\" (ISIS)\n\n"
                 "\"They stopped paying us and still expected us to die for them.\"\n"
                 "— Respondent 22, Iraqi, aged 35")
    assert speaker_name(r, "The Saudis had cars") == "Interviewee 5"
    assert speaker_name(r, "They stopped paying us") == "Respondent 22"
    assert speaker_name(r, "They watched us") == "Abu Karam"
    assert all(p.name != "ISIS" for p in r.persons)


def test_the_person_introducing_a_cited_quote_is_the_cited_speaker(read_doc: Read) -> None:
    """"One respondent explained …: “…” (Interviewee 9)": one person, described and
    labelled, not two."""
    r = read_doc("One respondent, a former medic, explained that he decided to escape after "
                 "his unit was ordered to attack a rival brigade: \"They told us they were "
                 "apostates. They were our cousins.\" (Interviewee 9, Iraqi, aged 28)")
    labelled = [p for p in r.persons if p.name == "Interviewee 9"]
    assert len(labelled) == 1
    mentions = [m.span.text_of(r.document.text) for m in labelled[0].mentions]
    assert "One respondent" in mentions
    assert speaker_name(r, "They told us") == "Interviewee 9"


def test_an_interview_printed_without_labels_gives_the_answers_to_the_interviewee(
        read_doc: Read) -> None:
    """Questions as paragraphs of their own, answers as first-person paragraphs: the answers
    are the words of the person the introduction presents, not the writer's."""
    text = ("Nadia Rahimi, 33, from Brussels, spent three years in Raqqa. She escaped in "
            "2017. She spoke to us in her lawyer's office.\n\n"
            "Why did you go to Syria?\n\n"
            "My husband wanted to go. I thought I would be a good wife if I followed him.\n\n"
            "How did you leave?\n\n"
            "I paid a smuggler with my gold. We walked for two nights to the border.")
    r = read_doc(text)
    assert speaker_name(r, "My husband wanted to go") == "Nadia Rahimi"
    assert speaker_name(r, "I paid a smuggler") == "Nadia Rahimi"
    assert all("Why did you go" not in q.span.text_of(text) for q in r.quotes)


def test_one_rhetorical_question_makes_no_interview(read_doc: Read) -> None:
    text = ("Why do young men still join?\n\n"
            "I asked this of every official I met in Baghdad last year.\n\n"
            "Nobody had an answer that satisfied me.")
    r = read_doc(text)
    assert all(q.kind != "transcript" for q in r.quotes)


def test_a_cited_description_taken_for_the_person_before_goes_to_the_cited_one(
        read_doc: Read) -> None:
    """"… (Interviewee 5) / One respondent explained that he …: “…” (Interviewee 9)": the
    description and its pronouns were first taken for Interviewee 5; the citation says
    they are Interviewee 9, and so is what the description reports."""
    text = ("\"The Saudis had cars and good food. We were sent to the front with nothing.\" "
            "(Interviewee 5, Syrian, aged 24)\n\n"
            "One respondent, a former medic, explained that he decided to escape after his "
            "unit was ordered to attack a rival brigade: \"They told us they were apostates. "
            "They were our cousins.\" (Interviewee 9, Iraqi, aged 28)")
    r = read_doc(text)
    five = next(p for p in r.persons if p.name == "Interviewee 5")
    nine = next(p for p in r.persons if p.name == "Interviewee 9")
    assert "One respondent" in [m.span.text_of(text) for m in nine.mentions]
    assert "One respondent" not in [m.span.text_of(text) for m in five.mentions]
    assert speaker_name(r, "that he decided to escape") == "Interviewee 9"
