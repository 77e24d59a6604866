"""The ``rules`` coder: the codebook's lexicon patterns, with negation and hedges.

A pattern hit in a defector's evidence unit supports its code with the pattern's
weight, adjusted for:

- **negation** — a negator shortly before the hit in the same clause ("he did not
  mind the executions", "never complained about the pay", "it wasn't the money")
  cancels it; "could not stand/bear/accept …" is rejection, not negation, and
  counts;
- **hedges** — "perhaps", "some say", "it is possible that"… halve the weight; a
  speculative question ("Or was the tide turning?") is skipped entirely;
- **dimension cues** — a join code in a sentence that only talks about leaving
  (and vice versa) is trusted less.

Several hits for one code combine by noisy-OR. Only evidence units are read, so
the writer's general analysis never codes anyone.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from ..model import Span
from ..pipeline import PipelineContext
from .base import CodingItem, CodingResult
from .codebook import Codebook, Pattern, normalize_quotes
from .literals import PatternIndex

_NEGATOR = re.compile(
    r"(?<!\w)(?:not|never|no|nor|neither|without|hardly|n't|nothing|nobody|none)(?!\w)"
    r"|n't(?!\w)",
    re.IGNORECASE,
)
# A negator followed by one of these expresses rejection ("could not stand the killing").
_REJECTION_AFTER_NEGATOR = re.compile(
    r"^\W*(?:stand|bear|accept|tolerate|forget|stomach|endure|take|abide|live with|justify|"
    r"understand|believe|sleep|only|just|longer|doubt|wonder|more|less|matter|one)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(
    r"[,;:.!?()\[\]\"—–]|\b(?:but|although|though|yet|because|while|whereas|since|and then)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:perhaps|maybe|possibly|probably|presumably|reportedly|allegedly|apparently|"
    r"seemingly|some say|some said|some believe|it is possible|it was possible|it seems|"
    r"it seemed|might have|may have|could have|must have|rumou?red|rumou?rs?)\b",
    re.IGNORECASE,
)
_SPECULATIVE_QUESTION = re.compile(
    r"^\W*(?:or|was it|could it|might it|is it|did the|was the|were the)\b", re.IGNORECASE
)
NEGATION_WINDOW_WORDS = 6
HEDGE_FACTOR = 0.5
OFF_DIMENSION_FACTOR = 0.6
NO_CUE_FACTOR = 0.85
MAX_CONFIDENCE = 0.97


@dataclass(frozen=True)
class Hit:
    """One pattern match in one unit, after adjustments."""

    code: str
    unit: int
    span: Span
    score: float
    pattern: str


def is_negated(text: str, start: int) -> bool:
    """A negator within a few words before ``start``, in the same clause."""
    window_start = max(0, start - 80)
    before = text[window_start:start]
    breaks = list(_CLAUSE_BREAK.finditer(before))
    if breaks:
        before = before[breaks[-1].end():]
    words = re.findall(r"[\w']+", before)
    tail = " ".join(words[-NEGATION_WINDOW_WORDS:])
    return any(not _REJECTION_AFTER_NEGATOR.match(tail[m.end():])
               for m in _NEGATOR.finditer(tail))


def is_speculative(text: str) -> bool:
    """The writer (or speaker) wondering, not stating: '…or was the tide turning?'."""
    stripped = text.rstrip(" \"'”’»)")
    if not stripped.endswith("?"):
        return False
    return bool(_SPECULATIVE_QUESTION.match(text) or _HEDGE.search(text))


def _cue_factor(sentence: str, dimension: str, codebook: Codebook) -> float:
    own = codebook.dimensions[dimension].cues
    if not own:
        return 1.0
    if any(p.regex.search(sentence) for p in own):
        return 1.0
    others = [
        p for d in codebook.dimensions.values() if d.id != dimension and d.cues for p in d.cues
    ]
    if any(p.regex.search(sentence) for p in others):
        return OFF_DIMENSION_FACTOR
    return NO_CUE_FACTOR


@dataclass(frozen=True)
class _Match:
    """One lexicon match in a sentence, with whether a negator governs it."""

    code: str
    dimension: str
    start: int
    end: int
    pattern: Pattern
    negated: bool


# The same evidence sentences are scanned by the rules coder, by the classifier's lexical
# features and by the scoping of the model coders: every scan of a sentence (582 patterns
# in the default codebook) is done once and kept, per codebook, in a bounded cache.
_SCAN_CACHE_SIZE = 8192
_scans: OrderedDict[tuple[int, str], tuple[Codebook, tuple[_Match, ...]]] = OrderedDict()
_indexes: dict[int, tuple[Codebook, list[tuple[str, str, Pattern]], PatternIndex]] = {}
_scan_lock = threading.Lock()


def _pattern_index(codebook: Codebook) -> tuple[list[tuple[str, str, Pattern]], PatternIndex]:
    """Every pattern of the codebook as (code, dimension, pattern), in codebook and
    pattern order, with the index that finds which of them can match a sentence."""
    entry = _indexes.get(id(codebook))
    if entry is None or entry[0] is not codebook:
        flat = [(code.id, code.dimension, pat) for code in codebook for pat in code.patterns]
        entry = (codebook, flat, PatternIndex([p.regex for _, _, p in flat]))
        _indexes[id(codebook)] = entry
    return entry[1], entry[2]


def _scan(sentence: str, codebook: Codebook) -> tuple[_Match, ...]:
    """Every pattern match in ``sentence``, in codebook and pattern order (cached)."""
    key = (id(codebook), sentence)
    with _scan_lock:
        cached = _scans.get(key)
        if cached is not None and cached[0] is codebook:
            _scans.move_to_end(key)
            return cached[1]
        flat, index = _pattern_index(codebook)
    matches: list[_Match] = []
    for i in index.candidates(sentence):
        code_id, dimension, pat = flat[i]
        for m in pat.regex.finditer(sentence):
            matches.append(_Match(code_id, dimension, m.start(), m.end(), pat,
                                  is_negated(sentence, m.start())))
    found = tuple(matches)
    with _scan_lock:
        _scans[key] = (codebook, found)
        if len(_scans) > _SCAN_CACHE_SIZE:
            _scans.popitem(last=False)
    return found


def unit_hits(text: str, unit: Span, unit_index: int, codebook: Codebook) -> list[Hit]:
    """All surviving pattern hits in one unit of ``text``."""
    sentence = normalize_quotes(unit.text_of(text))
    if is_speculative(sentence):
        return []
    hedge = HEDGE_FACTOR if _HEDGE.search(sentence) else 1.0
    cue_cache: dict[str, float] = {}
    hits: list[Hit] = []
    for m in _scan(sentence, codebook):
        if m.negated:
            continue
        if m.dimension not in cue_cache:
            cue_cache[m.dimension] = _cue_factor(sentence, m.dimension, codebook)
        score = m.pattern.weight * hedge * cue_cache[m.dimension]
        hits.append(Hit(m.code, unit_index, Span(unit.start + m.start, unit.start + m.end),
                        score, m.pattern.source))
    return hits


def negated_codes(text: str, unit: Span, codebook: Codebook) -> set[str]:
    """Codes whose lexicon matches in ``unit`` only under a negation ("he did not mind the
    executions"): the labelled rule "explicitly not a reason" for every coder."""
    sentence = normalize_quotes(unit.text_of(text))
    negated: set[str] = set()
    affirmed: set[str] = set()
    for m in _scan(sentence, codebook):
        (negated if m.negated else affirmed).add(m.code)
    return negated - affirmed


def modality_factor(text: str, unit: Span) -> float:
    """How far a unit states rather than wonders: 0 for a speculative question, the hedge
    factor for "perhaps/reportedly…", else 1 (applied to model coders' verdicts too)."""
    sentence = normalize_quotes(unit.text_of(text))
    if is_speculative(sentence):
        return 0.0
    return HEDGE_FACTOR if _HEDGE.search(sentence) else 1.0


def dimension_factor(text: str, unit: Span, dimension: str, codebook: Codebook) -> float:
    """The rules' dimension-cue factor for a whole unit (1 with its own cues)."""
    return _cue_factor(normalize_quotes(unit.text_of(text)), dimension, codebook)


def unit_scores(text: str, units: Sequence[Span], codebook: Codebook) -> list[dict[str, float]]:
    """Per unit, code → noisy-OR of its hits (the classifier's lexical features)."""
    out: list[dict[str, float]] = []
    for i, unit in enumerate(units):
        scores: dict[str, float] = {}
        for hit in unit_hits(text, unit, i, codebook):
            scores[hit.code] = 1 - (1 - scores.get(hit.code, 0.0)) * (1 - hit.score)
        out.append(scores)
    return out


class RulesCoder:
    """Lexicon coder; needs no model, so it is always available."""

    name = "rules"

    def __init__(self, context: PipelineContext | None = None, min_score: float = 0.3):
        self.min_score = min_score

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        results: list[list[CodingResult]] = []
        for item in items:
            per_code: dict[str, tuple[float, float, Span]] = {}  # code → (combined, best, unit)
            for i, unit in enumerate(item.units):
                by_code: dict[str, float] = {}
                for hit in unit_hits(item.text, unit, i, codebook):
                    by_code[hit.code] = 1 - (1 - by_code.get(hit.code, 0.0)) * (1 - hit.score)
                for code, score in by_code.items():
                    combined, best, span = per_code.get(code, (0.0, 0.0, unit))
                    combined = 1 - (1 - combined) * (1 - score)
                    if score > best:
                        best, span = score, unit
                    per_code[code] = (combined, best, span)
            item_results = [
                CodingResult(code, span, min(MAX_CONFIDENCE, combined), self.name)
                for code, (combined, _best, span) in per_code.items()
                if combined >= self.min_score
            ]
            results.append(sorted(item_results, key=lambda r: -r.confidence))
        return results
