"""The ensemble: one suggestion per (defector, code) from several coders' verdicts.

Coders fail differently — rules miss paraphrases, embeddings over-generalise, the
classifier knows only what it was trained on — so their evidence is combined by a
weighted noisy-OR: ``p = 1 − Π (1 − w_c · p_c)``. A code found by one confident
coder survives, agreement between coders raises confidence, and a coder the user
trusts less (``coding.coder_weights``) counts less. A weight may be given per
dimension ("embedding:exit"), which wins over the coder's own; a weight of 0 leaves
the coder out of that dimension. The span kept is the one of the strongest single
verdict, so every suggestion still points at its evidence.

Coder name on the output: the contributing coder when only one found the code
(so reviewers can see that "rules" alone made it), else ``ensemble``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..model import Coding
from .base import CodingResult

DEFAULT_WEIGHT = 0.8
MAX_CONFIDENCE = 0.99


@dataclass
class EnsembleSuggestion:
    code: str
    confidence: float
    coder: str
    result: CodingResult  # the strongest contributing verdict (its span is kept)
    contributors: tuple[str, ...]


def coder_weight(weights: Mapping[str, float], coder: str, dimension: str | None) -> float:
    """The weight of ``coder`` for codes of ``dimension``: "coder:dimension", else "coder",
    else :data:`DEFAULT_WEIGHT`."""
    if dimension is not None and f"{coder}:{dimension}" in weights:
        return weights[f"{coder}:{dimension}"]
    return weights.get(coder, DEFAULT_WEIGHT)


def combine(verdicts: Sequence[CodingResult], weights: Mapping[str, float],
            min_confidence: float,
            dimension_of: Callable[[str], str | None] | None = None
            ) -> list[EnsembleSuggestion]:
    """Merge one defector's verdicts from all coders into at most one suggestion per code
    (``dimension_of`` maps a code to its dimension for per-dimension weights)."""
    by_code: dict[str, list[CodingResult]] = {}
    for v in verdicts:
        by_code.setdefault(v.code, []).append(v)
    out: list[EnsembleSuggestion] = []
    for code, vs in by_code.items():
        dimension = dimension_of(code) if dimension_of is not None else None
        best: dict[str, CodingResult] = {}
        for v in vs:  # one verdict per coder (that counts here): its most confident
            if coder_weight(weights, v.coder, dimension) <= 0.0:
                continue
            if v.coder not in best or v.confidence > best[v.coder].confidence:
                best[v.coder] = v
        miss = 1.0
        strongest: CodingResult | None = None
        strongest_w = -1.0
        for coder, v in best.items():
            w = coder_weight(weights, coder, dimension) * max(0.0, min(1.0, v.confidence))
            miss *= 1.0 - w
            if w > strongest_w:
                strongest, strongest_w = v, w
        p = min(MAX_CONFIDENCE, 1.0 - miss)
        if strongest is None or p < min_confidence:
            continue
        contributors = tuple(sorted(best))
        name = contributors[0] if len(contributors) == 1 else "ensemble"
        out.append(EnsembleSuggestion(code, p, name, strongest, contributors))
    return sorted(out, key=lambda s: -s.confidence)


def to_codings(suggestions: Sequence[EnsembleSuggestion], person: int) -> list[Coding]:
    return [
        Coding(code=s.code, span=s.result.span, coder=s.coder, confidence=round(s.confidence, 4),
               status="suggested", person=person)
        for s in suggestions
    ]
