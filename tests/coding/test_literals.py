"""Required words of a pattern: an exact necessary condition for a match."""

from __future__ import annotations

import re

import pytest

from exitlens.coding.literals import PatternIndex, fold, required_literals

IC = re.IGNORECASE


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"(?<!\w)(?:executions?)(?!\w)", ("execution",)),
    (r"(?:sold|selling) (?:the )?loot", ("selling ", "sold ")),
    (r"(?:the )?same (?:emirs?|men)", ("same emir", "same men")),  # optional start skipped
    (r"bankrupt\w*", ("bankrupt",)),
    (r"(\w+) \1", None),  # nothing literal to require
    (r"(?:a|an) (?:\w+ )?ox", None),  # every required word is shorter than three letters
])
def test_required_literals(pattern: str, expected: tuple[str, ...] | None) -> None:
    assert required_literals(re.compile(pattern, IC)) == expected


def test_case_sensitive_patterns_are_always_run() -> None:
    assert required_literals(re.compile("Daesh")) is None


def test_fold_covers_the_letters_re_matches_case_insensitively() -> None:
    ascii_letters = re.compile("[a-z]", IC)
    for cp in range(0x80, 0x110000):
        ch = chr(cp)
        if ascii_letters.fullmatch(ch):
            assert fold(ch).isascii() and re.fullmatch(fold(ch), ch, IC), hex(cp)


def test_index_gives_the_patterns_that_match() -> None:
    patterns = [re.compile(p, IC) for p in (
        r"(?:the )?same (?:emirs?|men)", r"executions?", r"(\w+) \1", r"salary cuts?",
    )]
    index = PatternIndex(patterns)
    texts = ["The same emirs ordered EXECUTIONS.", "Nothing here here.", "the ſalary cut",
             "no match at all", ""]
    for text in texts:
        matching = [i for i, p in enumerate(patterns) if p.search(text)]
        candidates = index.candidates(text)
        assert set(matching) <= set(candidates) and candidates == sorted(candidates)
    assert index.candidates("no match at all") == [2]  # only the one without words
