"""The ``code`` pipeline stage: configured coders + ensemble over every defector.

Runs after the reading stages have found defectors and their evidence spans. All
defectors of a batch go to each coder in one call (so models batch), each coder's
verdicts are merged by the ensemble, and ``reading.codings`` receives one
suggestion per (defector, code). A coder that is unavailable here (no trained
classifier, no LLM URL) is skipped with a logged note; a coder that fails at run
time (LLM endpoint down) is recorded in ``reading.notes`` and the others still
count — a flaky endpoint must never lose the whole analysis.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from threadpoolctl import threadpool_limits

from ..errors import ExitlensError
from ..model import DocumentReading, NearMiss, Span
from ..pipeline import PipelineContext
from .base import Coder, CoderUnavailable, CodingItem, CodingResult, coders, items_for
from .codebook import Codebook, load_codebook
from .ensemble import combine, to_codings
from .rules import dimension_factor, modality_factor, negated_codes

log = logging.getLogger(__name__)


def get_codebook(context: PipelineContext) -> Codebook:
    """The project's stored codebook when the context carries one, else the settings' file
    (``coding.codebook``, else the built-in default)."""
    if context.codebook is not None:
        stored: Codebook = context.codebook
        return stored
    path = context.settings.coding.codebook
    cb: Codebook = context.resource("codebook", str(path or "<built-in>"),
                                    lambda: load_codebook(path))
    return cb


def build_coders(context: PipelineContext, names: Sequence[str] | None = None) -> list[Coder]:
    """Instantiate the configured coders, skipping (with a note) those unavailable here."""
    wanted = list(names if names is not None else context.settings.coding.coders)
    if context.settings.coding.llm.url and "llm" not in wanted:
        wanted.append("llm")
    out: list[Coder] = []
    for name in wanted:
        factory = coders.get(name)
        try:
            out.append(factory(context))
        except CoderUnavailable as exc:
            log.info("coder %s skipped: %s", name, exc.message)
    return out


# Dimensions whose codes model coders must find in a sentence that talks about that
# dimension (the rules' cue factor): a join motive is stated about joining, while an
# exit reason is often told as a bare experience ("they beheaded prisoners").
CUE_GATED_DIMENSIONS = ("join",)


def scope(item: CodingItem, results: Sequence[CodingResult],
          codebook: Codebook) -> list[CodingResult]:
    """Negation, hedge and dimension scoping for coders that read whole sentences
    (embedding, classifier, LLM): a verdict whose evidence unit only mentions the code
    under a negation is dropped, one from a speculative question is dropped, one from a
    hedged unit loses confidence, and a join motive from a unit without joining cues
    (or only leaving cues) loses confidence — the rules the lexicon coder applies to
    its own hits.
    """
    out: list[CodingResult] = []
    cache: dict[Span, tuple[float, set[str]]] = {}
    cues: dict[tuple[Span, str], float] = {}
    for r in results:
        if r.span not in cache:
            cache[r.span] = (modality_factor(item.text, r.span),
                             negated_codes(item.text, r.span, codebook))
        factor, negated = cache[r.span]
        if factor == 0.0 or r.code in negated or codebook.root(r.code) in negated:
            continue
        dim = codebook.dimension_of(r.code)
        if dim in CUE_GATED_DIMENSIONS and (r.span, dim) not in cues:
            cues[(r.span, dim)] = dimension_factor(item.text, r.span, dim, codebook)
        factor *= cues.get((r.span, dim), 1.0)
        out.append(r if factor == 1.0 else
                   CodingResult(r.code, r.span, r.confidence * factor, r.coder))
    return out


def _verdicts(active: Sequence[Coder], items: Sequence[CodingItem],
              codebook: Codebook) -> list[list[CodingResult]]:
    """Every coder's results per item, scoped to the item's own account; a coder that
    fails is noted on the readings and skipped."""
    verdicts: list[list[CodingResult]] = [[] for _ in items]
    for coder in active:
        try:
            results = coder.code(items, codebook)
        except ExitlensError as exc:
            log.warning("coder %s failed: %s", coder.name, exc)
            note = f"coder {coder.name} failed: {exc}"
            for reading in {id(i.reading): i.reading for i in items}.values():
                if note not in reading.notes:  # the reason gate's second pass fails alike
                    reading.notes.append(note)
            continue
        for item, acc, res in zip(items, verdicts, results, strict=True):
            kept = [r for r in res if r.code in codebook]
            acc.extend(kept if coder.name == "rules" else scope(item, kept, codebook))
    return verdicts


def _gated(active: Sequence[Coder], items: Sequence[CodingItem],
           verdicts: list[list[CodingResult]], codebook: Codebook) -> list[list[CodingResult]]:
    """Verdicts of the gated dimensions recomputed from the units the reason gate passes
    (:mod:`exitlens.coding.gate`; the first active coder that offers a gate, in practice
    the classifier version's), the other dimensions' verdicts as they were. A remote coder
    (the LLM endpoint) is not asked again: its verdicts stand for every dimension."""
    for coder in active:
        gate_items = getattr(coder, "gate_items", None)
        gated = gate_items(items) if gate_items is not None else None
        if gated is not None:
            break
    else:
        return verdicts
    gated_items, dimensions = gated
    local = [c for c in active if not getattr(c, "remote", False)]
    again = _verdicts(local, gated_items, codebook)
    local_names = {c.name for c in local}

    def redone(v: CodingResult) -> bool:
        return v.coder in local_names and codebook.dimension_of(v.code) in dimensions

    return [[v for v in full if not redone(v)]
            + [v for v in kept if codebook.dimension_of(v.code) in dimensions]
            for full, kept in zip(verdicts, again, strict=True)]


class CodeStage:
    """Fills ``reading.codings`` with ensemble suggestions for every defector."""

    name = "code"

    def __init__(self, coder_list: Sequence[Coder] | None = None):
        self._coders = list(coder_list) if coder_list is not None else None

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        codebook = get_codebook(context)
        if self._coders is None:  # built once per stage (a pipeline is rebuilt after training)
            self._coders = build_coders(context)
        active = self._coders
        items = items_for(readings)
        if not items:
            return
        # The coders' matrices are small: with several BLAS threads, the idle ones spin
        # after each product and take a core from the reading stages.
        with threadpool_limits(limits=1, user_api="blas"):
            verdicts = _verdicts(active, items, codebook)
            if context.settings.coding.reason_gate:
                verdicts = _gated(active, items, verdicts, codebook)
        cfg = context.settings.coding
        given: list[set[str]] = []
        for item, vs in zip(items, verdicts, strict=True):
            suggestions = combine(vs, cfg.coder_weights, cfg.min_confidence,
                                  codebook.dimension_of)
            item.reading.codings = [c for c in item.reading.codings
                                    if not (c.person == item.person_index
                                            and c.status == "suggested")]
            item.reading.codings.extend(to_codings(suggestions, item.person_index))
            given.append({codebook.root(s.code) for s in suggestions})
        _near_misses(active, items, given, codebook, cfg.near_misses)


def _near_misses(active: Sequence[Coder], items: Sequence[CodingItem], given: list[set[str]],
                 codebook: Codebook, k: int) -> None:
    """Each defector's near misses (``reading.near_misses``): the ``k`` codes not suggested
    that the first coder able to rank them (the classifier) scores highest on one of their
    evidence units. Nothing when no coder can, or ``k`` is 0."""
    for reading in {id(i.reading): i.reading for i in items}.values():
        persons = {i.person_index for i in items if i.reading is reading}
        reading.near_misses = [n for n in reading.near_misses if n.person not in persons]
    finder = next((c for c in active if hasattr(c, "near_misses")), None)
    if finder is None or k <= 0:
        return
    with threadpool_limits(limits=1, user_api="blas"):
        found = finder.near_misses(items, codebook, given, k)
    for item, results in zip(items, found, strict=True):
        item.reading.near_misses.extend(
            NearMiss(r.code, r.span, r.confidence, r.coder, person=item.person_index)
            for r in results)
