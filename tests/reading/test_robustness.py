"""Bad input and bounded time: every reading stage (profile included) on odd documents.

The texts are invented. The timing test reads a document of about 100k characters and one
four times as long; a linear pipeline takes about four times as long, a quadratic step
sixteen times, so the bound (< 6) is generous yet catches one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from exitlens.config import Settings
from exitlens.model import Document, DocumentReading
from exitlens.pipeline import Pipeline

Read = Callable[[str], DocumentReading]

ALL_READING = ["segment", "nlp", "quotes", "people", "roles", "profile", "evidence"]


@pytest.fixture(scope="module")
def read_all() -> Read:
    pipeline = Pipeline(ALL_READING, Settings())

    def _read(text: str) -> DocumentReading:
        return pipeline.run_batch([Document(text=text)])[0]

    return _read


def _check_spans(r: DocumentReading) -> None:
    n = len(r.document.text)
    for q in r.quotes:
        assert 0 <= q.span.start < q.span.end <= n
    for p in r.persons:
        for m in p.mentions:
            assert 0 <= m.span.start < m.span.end <= n
        for e in p.evidence:
            assert 0 <= e.start < e.end <= n


def test_empty_and_whitespace_documents(read_all: Read) -> None:
    for text in ("", "   \n\n\t  ", "\n"):
        r = read_all(text)
        assert r.persons == [] and r.quotes == [] and r.sentences == []


def test_document_with_no_people(read_all: Read) -> None:
    text = ("The reservoir level fell by a third over the summer. Two bridges on the northern "
            "road were closed for repairs.\n\nWheat prices rose in the autumn markets, and the "
            "rains came late. Schools reopened in October.")
    r = read_all(text)
    assert r.defectors() == []
    assert r.quotes == []
    _check_spans(r)


def test_document_with_hundreds_of_quotes_and_speakers(read_all: Read) -> None:
    first = ["Rafiq", "Selim", "Yunus", "Tamer", "Bilal", "Ziad", "Hakim", "Nabil"]
    last = ["Qadri", "Mansour", "Aziz", "Nasser", "Hamdan", "Sabri", "Idris", "Jaber"]
    paras = ["Eight men who left the Islamic State spoke to the newspaper in a border town."]
    for i in range(240):
        name = f"{first[i % 8]} {last[i % 8]}"
        paras.append(f'"On day {i} the guards gave us bread and water only, and we waited," '
                     f"{name} said.")
    text = "\n\n".join(paras)
    r = read_all(text)
    direct = [q for q in r.quotes if q.kind == "direct"]
    assert len(direct) == 240
    assert all(q.speaker is not None for q in direct)
    _check_spans(r)


@pytest.mark.parametrize("text", [
    # an opening mark never closed, in the middle of a long document
    'Karim Aswad said "we were never paid what they promised.\n\nThe market reopened in May '
    "and the bakery too.\n\nPrices rose in June.",
    # a stray closing mark first, then a normal quote
    "The convoy left at dawn.” Then nothing happened.\n\n“We walked all night,” said Omar Fadel.",
    # curly single marks used as apostrophes and as quotes in the same paragraph
    "Omar Fadel’s brother said ‘we didn’t know where he’d gone’ and then ‘he’s alive’.",
    # runs of marks and a lone guillemet
    'He said """ and then « nothing. »» "" \'\' ``',
])
def test_unbalanced_quotation_marks(read_all: Read, text: str) -> None:
    r = read_all(text)
    _check_spans(r)
    paras = [i for i, ch in enumerate(text) if ch == "\n"]
    for q in r.quotes:
        if q.kind == "direct" and paras:
            # a quote never runs across a blank line it does not re-open after
            inner = text[q.span.start : q.span.end]
            assert "\n\n" not in inner or inner.count("\n\n") == 0


def test_unbalanced_mark_is_reported(read_all: Read) -> None:
    r = read_all('Karim Aswad said "we were never paid.\n\nThe market reopened in May.')
    assert any("unbalanced" in n for n in r.notes)


def test_non_english_document_gets_a_note(read_all: Read) -> None:
    text = ("El hombre dijo que había vuelto a su pueblo en invierno. La familia esperó mucho "
            "tiempo y nadie sabía dónde estaba. Después de la guerra, la escuela abrió de "
            "nuevo y los niños volvieron a las clases.")
    r = read_all(text)
    assert any("English" in n for n in r.notes)
    assert r.defectors() == []
    _check_spans(r)


def test_arabic_script_document_does_not_crash(read_all: Read) -> None:
    r = read_all("قال الرجل إنه عاد إلى قريته في الشتاء. انتظرت العائلة طويلا.")
    _check_spans(r)
    assert r.defectors() == []


_PARAS = [
    "Karim Haddad, a 29-year-old Jordanian, joined the Islamic State in 2014. \"I believed I "
    "was helping people,\" Haddad said. \"Then I saw them execute a boy in the square.\" He "
    "deserted in 2016 and fled to Turkey.",
    "Analysts say many recruits were disappointed by life in the group. Perhaps the bombing "
    "played a part. Prices in the markets rose sharply that winter.",
    "Q: Why did you leave?\nA: They killed Muslims every day. I could not stay.",
    "Nadia Saleh's son left the group in 2017. \"He came home thin and silent,\" she said. "
    "\"They had sent his friends to die.\"",
    "The camp holds thousands of women and children. Officials said the water supply was "
    "poor and that the clinics had no medicine left.",
]


def _document(chars: int) -> str:
    parts: list[str] = []
    size = 0
    i = 0
    while size < chars:
        para = _PARAS[i % len(_PARAS)].replace("2014", str(2000 + i % 20))
        parts.append(para)
        size += len(para) + 2
        i += 1
    return "\n\n".join(parts)


def _timed(pipeline: Pipeline, text: str) -> tuple[float, float]:
    """(total seconds, seconds after parsing) for one document through every stage."""
    reading = DocumentReading(document=Document(text=text))
    total = after = 0.0
    for name, stage in zip(pipeline.stage_names, pipeline.stages, strict=True):
        t0 = time.perf_counter()
        stage.process([reading], pipeline.context)
        took = time.perf_counter() - t0
        total += took
        if name not in ("segment", "nlp"):
            after += took
    assert reading.sentences
    return total, after


def test_time_grows_linearly_with_document_length() -> None:
    pipeline = Pipeline(ALL_READING, Settings())
    pipeline.run_batch([Document(text=_document(5_000))])  # load models outside the timing
    small_total, small_after = _timed(pipeline, _document(100_000))
    big_total, big_after = _timed(pipeline, _document(400_000))
    ratio = big_total / max(small_total, 1e-3)
    assert ratio < 6, f"4x the text took {ratio:.1f}x the time"
    # the stages after parsing are a small share of the total: checked on their own so that
    # a quadratic step there is not hidden by the parser's linear cost
    after = big_after / max(small_after, 0.2)
    assert after < 8, f"4x the text took {after:.1f}x the time after parsing"


def test_hard_wrapped_text_reads_as_whole_sentences(read_all: Read) -> None:
    """Plain text wrapped at 70-odd columns: the wraps are not sentence ends (the parser
    and the sentence splitter read them as spaces; the stored text keeps its newlines),
    while a short heading line and a speaker label line still end where they end."""
    text = ("Exit pathways\n"
            "Abdelrahman Idris, a medical student from Sudan, travelled to Syria in 2015 and\n"
            "worked in a hospital. He told us that he became disillusioned when he saw\n"
            "wounded prisoners denied treatment on the orders of a local emir.\n"
            "HOST: Thank you for talking to us.")
    r = read_all(text)
    sentences = [s.span.text_of(text) for s in r.sentences]
    assert "Exit pathways" in sentences
    assert any(s.startswith("He told us") and s.endswith("local emir.") for s in sentences)
    assert any(s.startswith("HOST:") for s in sentences)
    assert r.document.text == text


def test_only_a_hard_wrapped_text_is_unwrapped_for_parsing() -> None:
    """`for_parsing` keeps the length (offsets hold) and changes only wraps: a web page's
    one-paragraph lines, however long, keep their breaks."""
    from exitlens.reading.segment import for_parsing

    wrapped = ("He told us that he became disillusioned when he saw wounded prisoners\n"
               "denied treatment on the orders of a local emir, and that he decided then\n"
               "to leave the group as soon as he could find a way across the border.\n"
               "Short last line.")
    unwrapped = for_parsing(wrapped)
    assert len(unwrapped) == len(wrapped)
    assert "\n" not in unwrapped  # a full-length line ending a sentence may be wrapped too
    assert unwrapped.replace(" ", "") == wrapped.replace("\n", "").replace(" ", "")
    web = ("A former fighter said he left in 2016 after seeing an execution in the square.\n"
           "His brother, who stayed, was killed a year later in a strike near the river.\n"
           "The family now lives in Gaziantep and does not want to be named here.")
    assert for_parsing(web) == web
