"""The rules' cached sentence scan (one scan per sentence, shared by the rules coder, the
classifier's lexical features and scoping; only the patterns whose required words the
sentence holds are run) finds exactly what the plain pattern loop finds."""

from __future__ import annotations

import re

from exitlens.coding import rules
from exitlens.coding.codebook import load_codebook, normalize_quotes
from exitlens.model import Span

SENTENCES = [
    "He said he left because the emirs stole the money and lived in villas.",
    "She did not mind the executions, she said, but the hunger broke her.",
    "They sent the foreigners to die first while the commanders watched from the rear.",
    "The weather in the valley was mild that autumn.",
    "Perhaps the beatings of prisoners were what made him run; he never said.",
    "Or was it the bombing that changed his mind?",
    "“I could not stand the killing of innocent people any longer,” he told us.",
    "THE EXECUTIONS IN THE SQUARE WERE WHAT HE COULD NOT ACCEPT.",
    "Kadir from İzmir said the EXECUTİONS and the ſalary cuts made him leave.",
    "",
]


def plain_hits(sentence: str, codebook: object) -> list[tuple[str, int, int, bool]]:
    return [(code.id, m.start(), m.end(), rules.is_negated(sentence, m.start()))
            for code in codebook for pat in code.patterns  # type: ignore[attr-defined]
            for m in pat.regex.finditer(sentence)]


def test_scan_matches_the_plain_loop() -> None:
    codebook = load_codebook(None)
    for text in SENTENCES:
        sentence = normalize_quotes(text)
        expected = plain_hits(sentence, codebook)
        for _ in range(2):  # computed, then from the cache
            got = [(m.code, m.start, m.end, m.negated) for m in rules._scan(sentence, codebook)]
            assert got == expected
    some = [h for t in SENTENCES for h in rules.unit_hits(t, Span(0, len(t)), 0, codebook)]
    assert some  # the sentences do hit the lexicon


def test_patterns_without_required_words_are_always_run() -> None:
    codebook = load_codebook(None)  # a fresh object, changed here only
    first = next(iter(codebook))
    original = first.patterns[0]
    repeated = type(original)(original.source, re.compile(r"(\w+) \1", re.IGNORECASE),
                              original.weight)
    first.patterns = (repeated, *first.patterns[1:])
    sentence = "they said said nothing about the money"
    got = [(m.code, m.start, m.end, m.negated) for m in rules._scan(sentence, codebook)]
    assert got == plain_hits(sentence, codebook) and got
