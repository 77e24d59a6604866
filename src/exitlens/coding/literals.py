"""Which lexicon patterns can match a sentence at all, found without running them.

The default codebook has 582 patterns, and a sentence used to be tried against every one.
Nearly every pattern contains plain words that any match must include: ``executions?``
needs "execution"; ``(?:the )?same (?:emirs?|…)`` needs "same ". :func:`required_literals`
reads those words off the parsed pattern; a :class:`PatternIndex` finds which of them a
sentence holds in one Aho-Corasick pass and runs only the patterns they belong to
(and every pattern that has no such words). It is an exact necessary condition: the
matches found are the same, in the same order, as trying every pattern.

Case: only case-insensitive patterns get words, compared in lower case. Python's
``re`` also matches four non-ASCII letters to ASCII ones under IGNORECASE (dotted and
dotless i, long s, Kelvin sign); :func:`fold` maps them before lowering, so no sentence
a pattern would match is skipped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import ahocorasick

try:  # the parser behind re.compile; private, so a missing one only costs speed
    from re import _constants as _sre  # type: ignore[attr-defined]
    from re import _parser as _sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - other Python implementations
    _sre = _sre_parse = None

MIN_LENGTH = 3  # shorter words are in nearly every sentence: no use as a filter
MAX_ALTERNATIVES = 64
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def fold(text: str) -> str:
    """``text`` lowered so that a case-insensitive ASCII literal is a substring of it
    wherever ``re.IGNORECASE`` would match that literal."""
    return text.translate(_FOLD).lower()


def _starts(items: Sequence[Any]) -> tuple[set[str], bool]:
    """(strings, whole): every match of ``items`` starts with one of ``strings``;
    ``whole`` when the strings are the entire match (so the next item can extend them)."""
    current = {""}
    for op, av in items:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # zero width
            continue
        if op is _sre.LITERAL:
            strings, whole = {chr(av)}, True
        elif op is _sre.SUBPATTERN and not (av[1] or av[2]):  # a group without flags
            strings, whole = _starts(av[3])
        elif op is _sre.BRANCH:
            parts = [_starts(alt) for alt in av[1]]
            strings = set().union(*(p[0] for p in parts))
            whole = all(p[1] for p in parts)
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            strings, whole = _starts(av[2])
            whole = whole and av[0] == av[1] == 1
        else:  # optional, character class, any character…: the known start ends here
            return current, False
        extended = {a + b for a in current for b in strings}
        if len(extended) > MAX_ALTERNATIVES:
            return current, False
        current = extended
        if not whole:
            return current, False
    return current, True


def _strength(strings: set[str]) -> tuple[int, int]:
    shortest = min((len(s) for s in strings), default=0)
    return shortest, -len(strings)


def _required(items: Sequence[Any]) -> set[str] | None:
    """The best set of strings one of which every match of ``items`` contains: the
    known start of any suffix of the sequence, or what a required group needs."""
    best: set[str] | None = None

    def consider(strings: set[str] | None) -> None:
        nonlocal best
        if (strings and len(strings) <= MAX_ALTERNATIVES
                and (best is None or _strength(strings) > _strength(best))):
            best = strings

    for i, (op, av) in enumerate(items):
        consider(_starts(items[i:])[0])
        if op is _sre.SUBPATTERN and not (av[1] or av[2]):
            consider(_required(av[3]))
        elif op is _sre.BRANCH:
            parts = [_required(alt) for alt in av[1]]
            if all(p is not None for p in parts):
                consider(set().union(*parts))  # type: ignore[arg-type]
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and av[0] >= 1:
            consider(_required(av[2]))
    return best


def required_literals(regex: re.Pattern[str]) -> tuple[str, ...] | None:
    """Lower-case strings one of which is in every match of ``regex`` (compare with
    :func:`fold` of the text), or None when the pattern offers none worth checking."""
    return _required_literals(regex.pattern, regex.flags)


@functools.lru_cache(maxsize=16_384)  # an edited codebook re-reads only its new patterns
def _required_literals(pattern: str, flags: int) -> tuple[str, ...] | None:
    if _sre_parse is None or not flags & re.IGNORECASE:
        return None
    try:
        strings = _required(_sre_parse.parse(pattern, flags))
    except Exception:  # an unusual pattern: simply always run it
        return None
    if not strings or _strength(strings)[0] < MIN_LENGTH:
        return None
    if not all(s.isascii() for s in strings):
        return None
    return tuple(sorted({s.lower() for s in strings}))


class PatternIndex:
    """The patterns of a list that can match a given text, in list order."""

    def __init__(self, patterns: Sequence[re.Pattern[str]]):
        self._always: list[int] = []
        owners: dict[str, list[int]] = {}
        for i, regex in enumerate(patterns):
            literals = required_literals(regex)
            if literals is None:
                self._always.append(i)
                continue
            for literal in literals:
                owners.setdefault(literal, []).append(i)
        self._automaton: Any = None
        if owners:
            self._automaton = ahocorasick.Automaton()
            for literal, ids in owners.items():
                self._automaton.add_word(literal, tuple(ids))
            self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """Indexes of the patterns that may match ``text``, ascending."""
        found = set(self._always)
        if self._automaton is not None:
            for _end, ids in self._automaton.iter(fold(text)):
                found.update(ids)
        return sorted(found)
