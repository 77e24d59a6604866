"""Profiles of defectors: gender, age, nationality, occupation, years, role, exit, outcome, places.

Every value is read from text *about that person*, never from the document as a
whole, because testimonies often tell two or three defectors' stories side by
side and a profile that mixes them is worse than an empty one. The evidence for
a person is:

- their mentions and descriptor, and the appositions attached to them
  ("X, 26, a Tunisian engineer,", "Syrian deserter X") — the strongest evidence;
- the sentences that mention them, the sentences of quotes they speak, and the
  sentences that follow with a pronoun before anyone else is mentioned.

When a sentence mentions several people, an event cue ("fled", "was jailed",
"joined in 2014") goes to the grammatical subject of its verb, read from the spaCy
parse of the nlp stage ("X went with a cousin in 2015 to join" is X's joining, "a
city that was captured in 2014" is nobody's), and a noun-phrase cue (an age, a
demonym) to the person whose mention is nearest; without a parse, nearest wins.
A date goes to the joining or leaving verb the parse attaches it to, else to the
nearest such verb in its sentence. Each field takes the candidate of highest priority (mention,
then apposition, then sentence), earliest in the text on ties; a field the text
does not state stays ``None`` (LABELING.md: "null where the text does not say"),
except ``joined_year`` and ``exit_mode``: where the rules find none, a learned model
(:mod:`exitlens.reading.profile_models`, ``reading.year_model`` / ``reading.exit_mode_model``)
may choose one of the values the document offers.
Nationality is never guessed from a name, and a place someone travelled to or
fought in is never their origin: a country or city counts only as "a fighter
from X", "born in X", "a native of X", "X-born" and the like, or through a
demonym attached to the person.

The stage runs in one left-to-right pass over sentences per document, with
pointers and binary searches into the sorted mention, quote and parse lists;
regular expressions look only at bounded windows: linear in document length.
Nothing here logs document text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from ...model import PAGE_BASIS, DocumentReading, FieldValue, Span
from ...pipeline import PipelineContext
from ..gazetteer import Gazetteer, load_gazetteer
from ..profile_models import (
    FIELDS,
    FieldModel,
    FieldSpec,
    ProfileCues,
    fill_field,
    load_field_model,
)
from .choice import P_ATTACHED, P_MENTION, Evidence, _finish
from .noun_cues import _age_after_name, _attached, _np_cues
from .patterns import (
    _ATTEMPT_BEFORE,
    _EXIT_ORDER,
    _EXIT_RE,
    _JOIN_RE,
    _LEAVE_RE,
    _NOT_BEFORE,
    _OUTCOME_ORDER,
    _REHAB_SETTING,
)
from .sentence_cues import _pronoun_votes, _sentence_cues
from .subjects import _all_mentions, _quoted_regions, _sentence_views, _Subjects
from .years import _published_month, _published_year


def _hedged_exit(before: str) -> bool:
    """An attempt or a negation right before an exit word ("tried to flee", "did not")."""
    return bool(_ATTEMPT_BEFORE.search(before) or _NOT_BEFORE.search(before))


PROFILE_CUES = ProfileCues(_JOIN_RE, _LEAVE_RE, _EXIT_RE, tuple(_EXIT_ORDER), _hedged_exit)


class ProfileStage:
    """Fills ``person.profile`` for every defector in each reading."""

    name = "profile"

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        gazetteer: Gazetteer = context.resource("gazetteer", "default", load_gazetteer)
        learned: list[tuple[FieldSpec, FieldModel]] = []
        for spec in FIELDS.values():
            setting = getattr(context.settings.reading, spec.setting)
            model = context.resource(spec.setting, setting or "",
                                     partial(load_field_model, spec, setting))
            if model is not None:
                learned.append((spec, model))
        for reading in readings:
            profile_reading(reading, gazetteer)
            published = _published_year(reading.document.published)
            for spec, model in learned:
                fill_field(reading, spec, model, PROFILE_CUES, published)


def profile_reading(reading: DocumentReading, gazetteer: Gazetteer | None = None) -> None:
    """Profile every defector of one reading in place."""
    defectors = [i for i, p in enumerate(reading.persons) if p.is_defector]
    if not defectors:
        return
    gaz = gazetteer or load_gazetteer()
    text = reading.document.text
    published_year = _published_year(reading.document.published)
    published_month = _published_month(reading.document.published)
    mentions = _all_mentions(reading, text)
    quoted = _quoted_regions(reading, text)
    sentences = _sentence_views(reading, text, mentions, quoted)
    evidence: dict[int, Evidence] = {i: Evidence() for i in defectors}
    wanted = set(defectors)
    subjects = _Subjects(reading, mentions, quoted)

    # 1. Mentions, descriptors and the appositions attached to them.
    for pi, span, kind in mentions:
        if pi not in wanted:
            continue
        if kind == "pronoun":
            continue
        ev = evidence[pi]
        prio = P_MENTION if kind in ("descriptor", "nominal", "name", "alias") else P_ATTACHED
        _np_cues(text, span, ev, gaz, prio, is_mention=True)
        for att in _attached(text, span):
            _np_cues(text, att, ev, gaz, P_ATTACHED, is_mention=False)
        _age_after_name(text, span, ev)

    # 2. Sentences about each person.
    last_year: dict[int, int] = {}
    for sv in sentences:
        if not sv.owners:
            continue
        owners = [o for o in sv.owners if o in wanted]
        _pronoun_votes(text, sv, quoted, evidence)
        if not owners:
            continue
        _sentence_cues(text, sv, owners, evidence, gaz, quoted,
                       (published_year, published_month), last_year, subjects)

    # A story told from a rehabilitation centre (named in the headline or first
    # paragraphs) places its defectors there unless their own text says otherwise.
    setting = _setting_span(reading, text)
    fallback = _document_country(text, gaz, [m.span for p in reading.persons
                                             for m in p.mentions])
    for pi in defectors:
        if setting is not None and not evidence[pi].fields.get("outcome"):
            evidence[pi].add("outcome", "rehabilitation_centre", setting, len(_OUTCOME_ORDER))
        _finish(reading.persons[pi], evidence[pi])
        prof = reading.persons[pi].profile
        if fallback is not None and prof.nationality is None and prof.origin_region is None:
            prof.nationality = FieldValue(fallback[0], fallback[1], basis=PAGE_BASIS)


def _document_country(text: str, gazetteer: Gazetteer,
                      names: Sequence[Span] = ()) -> tuple[str, Span] | None:
    """The country the document clearly points to most often (demonyms, countries,
    cities, conflict-area places; at least twice and more than any other; never inside a
    person's name), with its first span: the nationality of a defector the text gives
    none for (bench_real, grouped CV over the real labelled sets)."""
    counts: dict[str, int] = {}
    first: dict[str, Span] = {}
    for gm in gazetteer.find(text):
        if any(gm.span.overlaps(n) for n in names):
            continue
        for entry in gm.entries:
            if entry.kind in ("demonym", "country", "city", "place") and entry.country:
                counts[entry.country] = counts.get(entry.country, 0) + 1
                first.setdefault(entry.country, gm.span)
                break
    ranked = sorted(counts.values(), reverse=True)
    if not ranked or ranked[0] < 2 or (len(ranked) > 1 and ranked[1] == ranked[0]):
        return None
    best = max(counts, key=lambda c: counts[c])
    return best, first[best]


def _setting_span(reading: DocumentReading, text: str) -> Span | None:
    """A rehabilitation centre named in the first three paragraphs: the story's setting."""
    paras: list[Span] = reading.scratch.get("paragraphs") or []
    end = paras[min(2, len(paras) - 1)].end if paras else min(len(text), 600)
    m = _REHAB_SETTING.search(text, 0, end)
    return Span(m.start(), m.end()) if m else None

