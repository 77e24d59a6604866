"""Scoring the reading pipeline against annotated (gold) records (SPEC §4).

``load_gold`` reads the JSON Lines gold format (``eval/FORMAT.md``) with errors that
name the offending line. ``evaluate_reading`` runs the configured pipeline on each
record's text and compares the defectors it finds with the labelled ones.

Matching. A gold defector is *located* in the text by exact substring search of its
descriptor, its name (every occurrence) and its evidence quotes. A predicted
defector is the set of its mention spans and evidence spans. The overlap between
the two (in characters, mentions counted double so that being the same *person*
outweighs sharing a quoted sentence) scores a candidate pair; pairs are matched
one-to-one greedily from the highest overlap. Unmatched predictions are false
positives, unmatched gold defectors false negatives.

Fields. For each profile field (gender, age, nationality, origin_region,
joined_year, left_year, role, exit_mode, outcome) and for ``source_voice``,
accuracy is computed over the *matched* defectors for which the gold value or the
predicted value is non-null: a pair counts as correct when both are equal (text
fields compared case-insensitively). A field both sides leave null is not counted,
so a pipeline cannot score by saying nothing, and a value the labels lack counts
as an error. Nationality accuracy is that figure for ``nationality``.

Evidence. For matched defectors, "gold quotes covered" is the share of labelled evidence
quotes (found in the text) that some predicted evidence span overlaps (recall of the
spans the coding stage will read), and "chars on gold quotes" the share of predicted
evidence characters inside the labelled quotes — a lower bound on precision, since the
labels keep only the shortest span carrying each reason.

The report (:class:`ReadingEval`) is a list of rows grouped by section
(``defectors``, ``fields``…); later stages (coding) add their own sections with
:meth:`ReadingEval.add_rows` and every output format picks them up.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import ExitlensError
from .model import Document, DocumentReading, Person, Span

FIELDS: tuple[str, ...] = (
    "gender", "age", "nationality", "origin_region", "joined_year", "left_year", "role",
    "exit_mode", "outcome",
)
_KINDS = {"news", "report", "transcript", "research_note", "blog", "court", "interview"}


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

    def locate(self, text: str) -> tuple[list[Span], list[Span]]:
        """(name/descriptor spans, evidence spans) found in ``text`` by exact search."""
        mentions: list[Span] = []
        for needle in (self.descriptor, self.name):
            mentions.extend(_find_all(text, needle))
        evidence: list[Span] = []
        for ev in self.evidence:
            evidence.extend(_find_all(text, ev.quote))
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


def _find_all(text: str, needle: str | None, limit: int = 50) -> list[Span]:
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
        defectors.append(GoldDefector(
            ref=str(d.get("ref", f"d{i + 1}")), name=name, descriptor=descriptor, values=values,
            exit_reasons=list(d.get("exit_reasons") or []),
            join_motives=list(d.get("join_motives") or []), evidence=evidence,
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


@dataclass
class MetricRow:
    """One line of an evaluation report: ``k`` of ``n`` (or a free value) in a section."""

    section: str
    name: str
    value: float | None
    k: int | None = None
    n: int | None = None
    note: str = ""


@dataclass
class DocumentResult:
    id: str
    gold: int
    predicted: int
    matched: list[tuple[str, str]]  # (gold ref, predicted label)
    false_positives: list[str]
    false_negatives: list[str]


@dataclass
class ReadingEval:
    """Reading scores; ``rows`` can be extended by later stages (e.g. per-code metrics)."""

    documents: int
    tp: int
    fp: int
    fn: int
    field_scores: dict[str, tuple[int, int]]  # field -> (correct, counted)
    per_document: list[DocumentResult]
    evidence_found: int = 0  # gold evidence quotes of matched defectors overlapped by evidence
    evidence_total: int = 0  # gold evidence quotes of matched defectors (located in the text)
    evidence_chars: int = 0  # characters of predicted evidence of matched defectors
    evidence_hit_chars: int = 0  # of which inside some gold evidence quote of that defector
    extra_rows: list[MetricRow] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def field_accuracy(self, name: str) -> float | None:
        correct, counted = self.field_scores.get(name, (0, 0))
        return correct / counted if counted else None

    @property
    def nationality_accuracy(self) -> float | None:
        return self.field_accuracy("nationality")

    def add_rows(self, rows: Iterable[MetricRow]) -> None:
        """Append rows from another evaluation (kept in every output format)."""
        self.extra_rows.extend(rows)

    def to_rows(self) -> list[MetricRow]:
        rows = [
            MetricRow("defectors", "precision", self.precision, self.tp, self.tp + self.fp),
            MetricRow("defectors", "recall", self.recall, self.tp, self.tp + self.fn),
            MetricRow("defectors", "f1", self.f1, None, None,
                      f"{self.documents} documents"),
        ]
        rows.append(MetricRow(
            "evidence", "gold quotes covered",
            self.evidence_found / self.evidence_total if self.evidence_total else None,
            self.evidence_found, self.evidence_total,
            "gold evidence quotes overlapped by the matched defector's evidence"))
        rows.append(MetricRow(
            "evidence", "chars on gold quotes",
            self.evidence_hit_chars / self.evidence_chars if self.evidence_chars else None,
            self.evidence_hit_chars, self.evidence_chars,
            "share of predicted evidence inside gold quotes (a lower bound on precision)"))
        for name, (correct, counted) in self.field_scores.items():
            rows.append(MetricRow("fields", name, correct / counted if counted else None,
                                  correct, counted))
        return rows + list(self.extra_rows)

    def to_json(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "defectors": {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                          "precision": self.precision, "recall": self.recall, "f1": self.f1},
            "evidence": {"gold_quotes_covered": self.evidence_found,
                         "gold_quotes": self.evidence_total,
                         "predicted_chars": self.evidence_chars,
                         "predicted_chars_on_gold": self.evidence_hit_chars},
            "nationality_accuracy": self.nationality_accuracy,
            "rows": [asdict(r) for r in self.to_rows()],
            "per_document": [asdict(d) for d in self.per_document],
        }

    def format_table(self) -> str:
        """A plain-text table, one row per metric, grouped by section."""
        lines = [f"{'section':<10} {'metric':<24} {'value':>7} {'k/n':>9}  note"]
        lines.append("-" * len(lines[0]))
        for r in self.to_rows():
            value = "-" if r.value is None else f"{r.value:.3f}"
            kn = f"{r.k}/{r.n}" if r.k is not None and r.n is not None else ""
            lines.append(f"{r.section:<10} {r.name:<24} {value:>7} {kn:>9}  {r.note}".rstrip())
        return "\n".join(lines)


def _norm(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip().lower()
    return value


def _overlap(a: Sequence[Span], b: Sequence[Span]) -> int:
    total = 0
    for x in a:
        for y in b:
            if x.overlaps(y):
                total += min(x.end, y.end) - max(x.start, y.start)
    return total


def _covered_chars(spans: Sequence[Span], cover: Sequence[Span]) -> int:
    """Characters of ``spans`` that lie inside the union of ``cover``."""
    total = 0
    for s in spans:
        marks = [(max(s.start, c.start), min(s.end, c.end)) for c in cover if c.overlaps(s)]
        marks.sort()
        end = s.start
        for a, b in marks:
            a = max(a, end)
            if b > a:
                total += b - a
                end = b
    return total


def _label(person: Person) -> str:
    return person.name or person.descriptor or "(unnamed)"


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


def score_reading(
    records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
) -> ReadingEval:
    """Compare pipeline readings with the gold records (same order)."""
    tp = fp = fn = 0
    ev_found = ev_total = ev_chars = ev_hit = 0
    fields: dict[str, list[int]] = {name: [0, 0] for name in (*FIELDS, "source_voice")}
    per_doc: list[DocumentResult] = []
    for record, reading in zip(records, readings, strict=True):
        predicted = [p for _, p in reading.defectors()]
        pairs = match_defectors(record.defectors, predicted, record.text)
        tp += len(pairs)
        fp += len(predicted) - len(pairs)
        fn += len(record.defectors) - len(pairs)
        for gi, pi in pairs:
            g, p = record.defectors[gi], predicted[pi]
            _, gold_spans = g.locate(record.text)
            for ev in g.evidence:
                located = _find_all(record.text, ev.quote, limit=5)
                if not located:
                    continue
                ev_total += 1
                if any(x.overlaps(y) for x in located for y in p.evidence):
                    ev_found += 1
            ev_chars += sum(len(s) for s in p.evidence)
            ev_hit += _covered_chars(p.evidence, gold_spans)
            for name in fields:
                gv = g.values.get(name)
                pv = p.source_voice if name == "source_voice" else p.profile.value(name)
                if gv is None and pv is None:
                    continue
                fields[name][1] += 1
                if _norm(gv) == _norm(pv):
                    fields[name][0] += 1
        matched_g = {gi for gi, _ in pairs}
        matched_p = {pi for _, pi in pairs}
        per_doc.append(DocumentResult(
            id=record.id, gold=len(record.defectors), predicted=len(predicted),
            matched=[(record.defectors[gi].ref, _label(predicted[pi])) for gi, pi in pairs],
            false_positives=[_label(p) for i, p in enumerate(predicted) if i not in matched_p],
            false_negatives=[g.ref + ": " + (g.name or g.descriptor or "")
                             for i, g in enumerate(record.defectors) if i not in matched_g],
        ))
    return ReadingEval(
        documents=len(records), tp=tp, fp=fp, fn=fn,
        field_scores={k: (v[0], v[1]) for k, v in fields.items()}, per_document=per_doc,
        evidence_found=ev_found, evidence_total=ev_total, evidence_chars=ev_chars,
        evidence_hit_chars=ev_hit,
    )


def evaluate_reading(
    records: Sequence[GoldRecord], settings: Settings | None = None,
    stages: Sequence[str] | None = None,
) -> ReadingEval:
    """Run the reading pipeline (``stages`` or the configured ones) and score it."""
    from .pipeline import Pipeline

    settings = settings or Settings()
    pipeline = Pipeline(list(stages or settings.reading.stages), settings)
    readings: list[DocumentReading] = []
    batch = settings.reading.batch_size
    for i in range(0, len(records), batch):
        readings.extend(pipeline.run_batch([r.document() for r in records[i : i + batch]]))
    return score_reading(records, readings)
