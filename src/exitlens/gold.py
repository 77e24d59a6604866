"""Labelled (gold) records in the SPEC §4 format, and matching predictions to them.

This is the lowest layer that knows about labels: training code (``coding.training``,
``reading.role_training``) and scoring code (``evaluation``) both build on it, so no
lower layer ever imports the evaluation module.

``load_gold`` reads the JSON Lines gold format (``eval/FORMAT.md``) with errors that
name the offending line; ``match_defectors`` is the one defector matching every score
and every training example uses; ``oracle_reading`` gives the coders exactly the
labelled defectors' sentences; ``run_pipeline`` reads gold texts with the pipeline.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ExitlensError
from .model import Document, DocumentReading, Mention, Person, Span

FIELDS: tuple[str, ...] = (
    "gender", "age", "nationality", "origin_region", "joined_year", "left_year", "role",
    "exit_mode", "outcome",
)


class GoldError(ExitlensError):
    """A gold/annotation file is malformed."""

    code = "bad_gold"


@dataclass
class GoldEvidence:
    code: str
    quote: str


@dataclass
class GoldDefector:
    ref: str
    name: str | None
    descriptor: str | None
    values: dict[str, Any]  # the profile fields and source_voice
    exit_reasons: list[str] = field(default_factory=list)
    join_motives: list[str] = field(default_factory=list)
    evidence: list[GoldEvidence] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)

    def codes(self) -> set[str]:
        """Every code the defector carries: exit reasons, join motives and barriers."""
        return set(self.exit_reasons) | set(self.join_motives) | set(self.barriers)

    def locate(self, text: str) -> tuple[list[Span], list[Span]]:
        """(name/descriptor spans, evidence spans) found in ``text`` by exact search."""
        mentions: list[Span] = []
        for needle in (self.descriptor, self.name):
            mentions.extend(find_all(text, needle))
        evidence: list[Span] = []
        for ev in self.evidence:
            evidence.extend(find_all(text, ev.quote))
        return mentions, evidence


@dataclass
class GoldRecord:
    id: str
    text: str
    kind: str
    title: str | None
    defectors: list[GoldDefector]
    meta: dict[str, Any] = field(default_factory=dict)

    def document(self) -> Document:
        return Document(text=self.text, title=self.title, kind=self.kind,
                        url=self.meta.get("url"), outlet=self.meta.get("outlet"),
                        published=self.meta.get("published"), fmt="jsonl")


def find_all(text: str, needle: str | None, limit: int = 50) -> list[Span]:
    """Spans of every exact occurrence of ``needle`` in ``text`` (at most ``limit``)."""
    out: list[Span] = []
    if not needle:
        return out
    start = text.find(needle)
    while start >= 0 and len(out) < limit:
        out.append(Span(start, start + len(needle)))
        start = text.find(needle, start + 1)
    return out


def _require(obj: dict[str, Any], key: str, typ: type | tuple[type, ...], where: str) -> Any:
    if key not in obj:
        raise GoldError(f"missing field {key!r}", where=where)
    value = obj[key]
    if not isinstance(value, typ):
        raise GoldError(f"field {key!r} has the wrong type ({type(value).__name__})", where=where)
    return value


def parse_gold_record(data: Any, where: str) -> GoldRecord:
    """Validate one decoded gold object."""
    if not isinstance(data, dict):
        raise GoldError("each line must be a JSON object", where=where)
    rid = _require(data, "id", str, where)
    text = _require(data, "text", str, where)
    kind = data.get("kind") or "unknown"
    if not isinstance(kind, str):
        raise GoldError("field 'kind' must be a string", where=where)
    raw_defectors = _require(data, "defectors", list, where)
    defectors: list[GoldDefector] = []
    for i, d in enumerate(raw_defectors):
        dwhere = f"{where} defectors[{i}]"
        if not isinstance(d, dict):
            raise GoldError("a defector must be an object", where=dwhere)
        evidence: list[GoldEvidence] = []
        for j, ev in enumerate(d.get("evidence") or []):
            if not isinstance(ev, dict) or not isinstance(ev.get("quote"), str):
                raise GoldError(f"evidence[{j}] needs a string 'quote'", where=dwhere)
            evidence.append(GoldEvidence(code=str(ev.get("code", "")), quote=ev["quote"]))
        name = d.get("name")
        descriptor = d.get("descriptor")
        if name is not None and not isinstance(name, str):
            raise GoldError("'name' must be a string or null", where=dwhere)
        if descriptor is not None and not isinstance(descriptor, str):
            raise GoldError("'descriptor' must be a string or null", where=dwhere)
        values = {k: d.get(k) for k in (*FIELDS, "source_voice")}
        for key in ("exit_reasons", "join_motives", "barriers"):
            codes = d.get(key)
            if codes is not None and not (isinstance(codes, list)
                                          and all(isinstance(c, str) for c in codes)):
                raise GoldError(f"{key!r} must be a list of code ids", where=dwhere)
        defectors.append(GoldDefector(
            ref=str(d.get("ref", f"d{i + 1}")), name=name, descriptor=descriptor, values=values,
            exit_reasons=list(d.get("exit_reasons") or []),
            join_motives=list(d.get("join_motives") or []), evidence=evidence,
            barriers=list(d.get("barriers") or []),
        ))
    meta = {k: data.get(k) for k in ("url", "outlet", "published", "notes")}
    return GoldRecord(id=rid, text=text, kind=kind, title=data.get("title"),
                      defectors=defectors, meta=meta)


def load_gold(path: str | Path) -> list[GoldRecord]:
    """Read a SPEC §4 JSON Lines file; blank lines are skipped, errors name the line."""
    p = Path(path)
    try:
        raw = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"cannot read gold file: {exc}", where=str(p)) from None
    records: list[GoldRecord] = []
    seen: set[str] = set()
    for lineno, line in enumerate(raw.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{p}:{lineno}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldError(f"not valid JSON ({exc.msg} at column {exc.colno})",
                            where=where) from None
        record = parse_gold_record(data, where)
        if record.id in seen:
            raise GoldError(f"duplicate id {record.id!r}", where=where)
        seen.add(record.id)
        records.append(record)
    return records


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> int:
    total = 0
    for x in a:
        for y in b:
            if x.overlaps(y):
                total += min(x.end, y.end) - max(x.start, y.start)
    return total


def match_defectors(
    gold: Sequence[GoldDefector], predicted: Sequence[Person], text: str
) -> list[tuple[int, int]]:
    """One-to-one (gold index, predicted index) pairs, greedily by overlap."""
    scored: list[tuple[int, int, int]] = []
    for gi, g in enumerate(gold):
        g_mentions, g_evidence = g.locate(text)
        for pi, p in enumerate(predicted):
            mentions = p.mention_spans()
            score = 2 * _overlap(mentions, g_mentions) + _overlap(p.evidence, g_evidence)
            score += _overlap(mentions, g_evidence) + _overlap(p.evidence, g_mentions)
            if score > 0:
                scored.append((score, gi, pi))
    scored.sort(key=lambda x: (-x[0], x[1], x[2]))
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for _, gi, pi in scored:
        if gi in used_g or pi in used_p:
            continue
        used_g.add(gi)
        used_p.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def oracle_reading(record: GoldRecord) -> DocumentReading:
    """A reading whose defectors' evidence is the sentences holding their gold quotes.

    This is "oracle attribution": it measures the coders alone, assuming the reading
    stages found exactly the right people and sentences. Figures obtained with it must
    be labelled as such. Persons are in gold order (person ``i`` is gold defector ``i``).
    """
    from .coding.base import split_sentences
    from .model import Sentence

    text = record.text
    sentences = split_sentences(text)
    reading = DocumentReading(document=record.document())
    reading.sentences = [Sentence(s, 0) for s in sentences]
    for d in record.defectors:
        spans: list[Span] = []
        for ev in d.evidence:
            for q in find_all(text, ev.quote):
                hit = [s for s in sentences if s.overlaps(q)]
                spans.extend(hit or [q])
        mentions, _ = d.locate(text)
        reading.persons.append(Person(name=d.name, descriptor=d.descriptor, role="defector",
                                      mentions=[Mention(m) for m in mentions],
                                      evidence=sorted(set(spans))))
    return reading


def run_pipeline(records: Sequence[GoldRecord], settings: Settings,
                 stages: Sequence[str] | None = None,
                 keep: Sequence[str] = ()) -> list[DocumentReading]:
    """The configured pipeline (or ``stages``) over the records' texts, in batches;
    ``keep`` names scratch entries to keep on the readings."""
    from .pipeline import Pipeline

    pipeline = Pipeline(list(stages or settings.reading.stages), settings)
    readings: list[DocumentReading] = []
    batch = settings.reading.batch_size
    for i in range(0, len(records), batch):
        readings.extend(pipeline.run_batch([r.document() for r in records[i : i + batch]],
                                           keep=keep))
    return readings


def _person_keys(defector: GoldDefector) -> set[str]:
    """Normalised names that identify a labelled person across documents (a full name,
    or a kunya such as "abu hamza"); single given names are too common to join on."""
    keys: set[str] = set()
    if defector.name:
        words = [w for w in "".join(c if c.isalnum() else " " for c in
                                    defector.name.casefold()).split() if w]
        if len(words) >= 2:
            keys.add(" ".join(words))
    return keys


def document_groups(records: Sequence[GoldRecord]) -> list[int]:
    """A group number per record: records that share a labelled person (same full name or
    kunya), the same URL or the same opening text are in one group, so grouped
    cross-validation never tests on a person it trained on."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        keys = {f"text:{' '.join(record.text[:400].split())}"}
        if record.meta.get("url"):
            keys.add(f"url:{record.meta['url']}")
        for d in record.defectors:
            keys.update(f"name:{k}" for k in _person_keys(d))
        for key in keys:
            if key in seen:
                parent[find(i)] = find(seen[key])
            else:
                seen[key] = i
    roots: dict[int, int] = {}
    return [roots.setdefault(find(i), len(roots)) for i in range(len(records))]


def grouped_folds(records: Sequence[GoldRecord], k: int = 5, seed: int = 13) -> list[list[int]]:
    """``k`` folds of record indices; a :func:`document_groups` group never straddles two
    folds, and folds are balanced by labelled defectors (largest groups placed first, each
    into the fold with the fewest defectors so far; ties broken by a seeded shuffle)."""
    import random

    groups = document_groups(records)
    members: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        members.setdefault(g, []).append(i)
    order = list(members)
    random.Random(seed).shuffle(order)
    weight = {g: sum(1 + len(records[i].defectors) for i in members[g]) for g in order}
    order.sort(key=lambda g: -weight[g])
    folds: list[list[int]] = [[] for _ in range(k)]
    load = [0] * k
    for g in order:
        target = min(range(k), key=lambda f: (load[f], f))
        folds[target].extend(members[g])
        load[target] += weight[g]
    return [sorted(f) for f in folds if f]
