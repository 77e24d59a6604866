"""Which language a document is written in, and whether the reading models cover it.

Detection uses py3langid (a naive Bayes model over byte n-grams that ships inside its
PyPI package: offline, deterministic, ~1 s to load once per process, a few
milliseconds per document). Only a bounded sample of a long text is looked at, so a
huge document costs no more than a page. Results are ISO 639-1 codes; py3langid's
labels that have none (e.g. ``zxx``, "no linguistic content") count as undeterminable,
and its regional varieties are folded into their macrolanguage (``arz`` → ``ar``).

This module depends on nothing else in exitlens except errors; ingest, extract and
analysis use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from .errors import ExitlensError


class _LanguageSettings(Protocol):
    @property
    def languages(self) -> Sequence[str]: ...


class _SettingsWithReading(Protocol):
    """What :func:`covered_languages` reads of :class:`~exitlens.config.Settings` (a protocol,
    because ``config`` imports this module to validate language codes)."""

    @property
    def reading(self) -> _LanguageSettings: ...


# At most this many characters are classified: the start, the middle and the end.
SAMPLE_CHARS = 4_500
_WINDOW = SAMPLE_CHARS // 3
# Fewer letters than this: too short to say (a title, a number, a name).
MIN_LETTERS = 20
# Below this probability the guess is not worth storing.
MIN_CONFIDENCE = 0.3

# py3langid labels that are varieties of an ISO 639-1 language.
_FOLD = {"ary": "ar", "arz": "ar", "yue": "zh", "wuu": "zh", "uzs": "uz", "gug": "gn",
         "sdh": "ku", "nb": "no", "nn": "no"}
_LETTER = re.compile(r"[^\W\d_]")


class LanguageError(ExitlensError):
    """A language code is not a known ISO 639-1 code (``unknown_language``)."""

    code = "unknown_language"


@dataclass(frozen=True)
class LanguageGuess:
    """A detected language: ISO 639-1 ``code`` and the model's probability for it."""

    code: str
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "confidence": round(self.confidence, 3)}


def is_language_code(code: str) -> bool:
    """Whether ``code`` is a two-letter ISO 639-1 code (lower case)."""
    if len(code) != 2 or not code.isascii() or not code.islower():
        return False
    return _pycountry_language(code) is not None


def normalize_language(value: object) -> str | None:
    """An ISO 639-1 code from a stated language ("de", "DE", "de-AT", "de_DE"), else None."""
    if not isinstance(value, str):
        return None
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    code = _FOLD.get(code, code)
    return code if is_language_code(code) else None


def validate_language_codes(codes: Iterable[str]) -> list[str]:
    """``codes`` as a list, or :class:`LanguageError` naming the first unknown one."""
    out: list[str] = []
    for raw in codes:
        code = raw.strip().lower() if isinstance(raw, str) else raw
        if not isinstance(code, str) or not is_language_code(code):
            raise LanguageError(f"{raw!r} is not an ISO 639-1 language code (e.g. 'en', 'de')")
        if code not in out:
            out.append(code)
    return out


def language_name(code: str) -> str:
    """English name of an ISO 639-1 code ("de" → "German"); the code itself if unknown."""
    language = _pycountry_language(code)
    if language is None:
        return code
    name = str(language.name)
    return name.split(" (")[0]  # "Malay (macrolanguage)" → "Malay"


@lru_cache(maxsize=256)
def _pycountry_language(code: str) -> Any:
    import pycountry

    return pycountry.languages.get(alpha_2=code)


def _sample(text: str) -> str:
    """The whole text when short, else windows from its start, middle and end."""
    if len(text) <= SAMPLE_CHARS:
        return text
    middle = len(text) // 2 - _WINDOW // 2
    return "\n".join(
        (text[:_WINDOW], text[middle : middle + _WINDOW], text[len(text) - _WINDOW :])
    )


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import (  # type: ignore[import-untyped]
        MODEL_FILE,
        LanguageIdentifier,
    )

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> LanguageGuess | None:
    """The language ``text`` is written in, or None when it is empty, too short or unclear."""
    sample = _sample(text or "")
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    scores: dict[str, float] = {}
    for label, probability in _identifier().rank(sample):
        code = _FOLD.get(label, label)
        if len(code) == 2:
            scores[code] = scores.get(code, 0.0) + float(probability)
    if not scores:
        return None
    code, confidence = max(scores.items(), key=lambda item: item[1])
    if confidence < MIN_CONFIDENCE or not is_language_code(code):
        return None
    return LanguageGuess(code, min(confidence, 1.0))


def covered_languages(settings: _SettingsWithReading) -> list[str]:
    """The languages the configured reading models cover (``reading.languages``)."""
    return list(settings.reading.languages)


def describe_languages(codes: Sequence[str]) -> str:
    """"English", "English and German", "English, German and French"."""
    names = [language_name(c) for c in codes]
    if len(names) <= 1:
        return "".join(names) or "no language"
    return f"{', '.join(names[:-1])} and {names[-1]}"


NOT_COVERED = "language_not_covered"


def language_note(language: str | None, covered: Sequence[str]) -> dict[str, str] | None:
    """The note stored with an analysis of a document in a language the models do not cover
    (None when it is covered or unknown)."""
    if language is None or language in covered:
        return None
    only = " only" if len(covered) == 1 else ""
    return {
        "code": NOT_COVERED,
        "language": language,
        "message": f"{language_name(language)} ({language}): the reading models cover "
        f"{describe_languages(covered)}{only}; defectors may be missed",
    }
