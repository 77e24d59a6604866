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
as an error. Nationality accuracy is that figure for ``nationality``; ``nationality_stated`` and
``nationality_inferred`` split it by basis: of the values given stated for the person / only
inferred from the page, the share right.

Candidate recall. The share of gold defectors that :func:`match_defectors` pairs with
*any* person the pipeline found (whatever role it gave them): what a perfect role
decision could reach, so a miss here is a person never found, not a wrong role.

Evidence. For matched defectors, "gold quotes covered" is the share of labelled evidence
quotes (found in the text) that some predicted evidence span overlaps (recall of the
spans the coding stage will read), and "chars on gold quotes" the share of predicted
evidence characters inside the labelled quotes — a lower bound on precision, since the
labels keep only the shortest span carrying each reason.

The report (:class:`ReadingEval`) is a list of rows grouped by section
(``defectors``, ``fields``…); later stages (coding) add their own sections with
:meth:`ReadingEval.add_rows` and every output format picks them up.

Codes. :func:`evaluate` (``exitlens eval``) runs the configured pipeline once —
reading stages and ``code`` — and scores reading and coding on the *same* defector
matching: :func:`align_codes` turns each document's matched pairs into aligned code
sets (an unmatched gold defector has no predicted codes, an unmatched predicted one
no gold codes) and the arithmetic in :mod:`exitlens.coding.evaluate` gives per-code
P/R/F1 at defector level, families with child→parent roll-up, micro/macro F1 per
dimension, family prevalence error in percentage points, and the keyword-only
baseline on the same rows (:class:`EvalReport`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .coding.codebook import Codebook
from .coding.evaluate import (
    CodeEvaluation,
    Counts,
    evaluate_codes,
    fold_codes,
    keyword_baseline,
    label_scheme,
    predicted_codes,
)
from .coding.evaluate import format_table as format_code_table
from .config import Settings
from .gold import (
    FIELDS,
    GoldRecord,
    find_all,
    match_defectors,
    run_pipeline,
)
from .model import DocumentReading, Person, Span


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
    candidates_matched: int = 0  # gold defectors matched to ANY person found, whatever role
    extra_rows: list[MetricRow] = field(default_factory=list)

    @property
    def counts(self) -> Counts:
        """Defector-level matches as the same Counts the code metrics use."""
        return Counts(self.tp, self.fp, self.fn)

    @property
    def precision(self) -> float:
        return self.counts.precision

    @property
    def recall(self) -> float:
        return self.counts.recall

    @property
    def f1(self) -> float:
        return self.counts.f1

    @property
    def candidate_recall(self) -> float:
        """Share of gold defectors matched (:func:`match_defectors`) to any person the
        pipeline found, whatever role it gave them: the ceiling on defector recall that
        the role decision can reach."""
        gold = self.tp + self.fn
        return self.candidates_matched / gold if gold else 0.0

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
            MetricRow("defectors", "candidate recall", self.candidate_recall,
                      self.candidates_matched, self.tp + self.fn,
                      "gold defectors matched to any person found, whatever role"),
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
                          "precision": self.precision, "recall": self.recall, "f1": self.f1,
                          "candidates_matched": self.candidates_matched,
                          "candidate_recall": self.candidate_recall},
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


BASIS_FIELDS = ("nationality_stated", "nationality_inferred")
"""Nationality split by its basis (``model.PAGE_BASIS``): of the matched defectors given
a nationality stated for them / only inferred from the page, how many are right (a value
the labels lack is wrong)."""


def score_reading(
    records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
) -> ReadingEval:
    """Compare pipeline readings with the gold records (same order)."""
    tp = fp = fn = candidates = 0
    ev_found = ev_total = ev_chars = ev_hit = 0
    scored = (*FIELDS, "source_voice")
    fields: dict[str, list[int]] = {name: [0, 0] for name in (*scored, *BASIS_FIELDS)}
    per_doc: list[DocumentResult] = []
    for record, reading in zip(records, readings, strict=True):
        predicted = [p for _, p in reading.defectors()]
        pairs = match_defectors(record.defectors, predicted, record.text)
        tp += len(pairs)
        fp += len(predicted) - len(pairs)
        fn += len(record.defectors) - len(pairs)
        candidates += len(match_defectors(record.defectors, reading.persons, record.text))
        for gi, pi in pairs:
            g, p = record.defectors[gi], predicted[pi]
            _, gold_spans = g.locate(record.text)
            for ev in g.evidence:
                located = find_all(record.text, ev.quote, limit=5)
                if not located:
                    continue
                ev_total += 1
                if any(x.overlaps(y) for x in located for y in p.evidence):
                    ev_found += 1
            ev_chars += sum(len(s) for s in p.evidence)
            ev_hit += _covered_chars(p.evidence, gold_spans)
            for name in scored:
                gv = g.values.get(name)
                pv = p.source_voice if name == "source_voice" else p.profile.value(name)
                if gv is None and pv is None:
                    continue
                fields[name][1] += 1
                if _norm(gv) == _norm(pv):
                    fields[name][0] += 1
            nationality = p.profile.nationality
            if nationality is not None and nationality.value is not None:
                basis = BASIS_FIELDS[1 if nationality.inferred else 0]
                fields[basis][1] += 1
                fields[basis][0] += _norm(g.values.get("nationality")) == _norm(nationality.value)
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
        evidence_hit_chars=ev_hit, candidates_matched=candidates,
    )


def evaluate_reading(
    records: Sequence[GoldRecord], settings: Settings | None = None,
    stages: Sequence[str] | None = None,
) -> ReadingEval:
    """Run the reading pipeline (``stages`` or the configured ones) and score it."""
    settings = settings or Settings()
    return score_reading(records, run_pipeline(records, settings, stages))


# --------------------------------------------------------------------------- coding scores


def align_codes(record: GoldRecord, reading: DocumentReading, predicted: dict[int, set[str]],
                ) -> tuple[list[set[str]], list[set[str]], list[bool]]:
    """Aligned (gold, predicted) code sets for one document, using :func:`match_defectors`.

    One row per gold defector (matched or not: an unmatched one has no predicted codes)
    and one per unmatched predicted defector (no gold codes: its codes are false
    positives). ``predicted`` maps the reading's *person index* to its codes. The third
    list flags the rows that are gold defectors.
    """
    defectors = reading.defectors()
    persons = [p for _, p in defectors]
    pairs = match_defectors(record.defectors, persons, record.text)
    by_gold = {gi: defectors[pi][0] for gi, pi in pairs}
    matched = {pi for _, pi in pairs}
    gold: list[set[str]] = []
    pred: list[set[str]] = []
    is_gold: list[bool] = []
    for gi, d in enumerate(record.defectors):
        gold.append(d.codes())
        person_index = by_gold.get(gi)
        pred.append(set(predicted.get(person_index, set())) if person_index is not None else set())
        is_gold.append(True)
    for pi, (person_index, _person) in enumerate(defectors):
        if pi not in matched:
            gold.append(set())
            pred.append(set(predicted.get(person_index, set())))
            is_gold.append(False)
    return gold, pred, is_gold


def _aligned_rows(records: Sequence[GoldRecord], readings: Sequence[DocumentReading]
                  ) -> tuple[list[set[str]], list[set[str]]]:
    """(gold, predicted) code sets, one row per defector of every document
    (:func:`align_codes` with the readings' suggested/accepted codings)."""
    gold: list[set[str]] = []
    pred: list[set[str]] = []
    for record, reading in zip(records, readings, strict=True):
        g, p, _ = align_codes(record, reading, predicted_codes(reading))
        gold.extend(g)
        pred.extend(p)
    return gold, pred


def code_scores(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                codebook: Codebook, *, dev_labels: bool = True) -> CodeEvaluation:
    """Code scores of ``readings`` (their suggested/accepted codings) against the gold
    records, rows aligned by :func:`align_codes` (``records[i]`` and ``readings[i]`` the
    same document); :func:`score_codes` adds the keyword baseline."""
    gold, pred = _aligned_rows(records, readings)
    labelled, fold = label_scheme(dev_labels)
    return evaluate_codes(gold, pred, codebook, labelled=labelled, fold=fold)


def pair_counts(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                codebook: Codebook, *, dev_labels: bool = True) -> Counts:
    """The promise-versus-reality table's cells scored like codes: each defector's
    (join motive, exit reason) pairs — every join code with every exit code it carries —
    against the matched labelled defector's, rows aligned by :func:`align_codes` (a false
    defector's pairs are all wrong, an unfound defector's all missed). A machine pair needs
    both codes right, so its precision is roughly the product of the two dimensions'."""
    labelled, fold = label_scheme(dev_labels)
    dimension = {code.id: code.dimension for code in codebook}

    def pairs(codes: set[str]) -> set[tuple[str, str]]:
        kept = [c for c in fold_codes(codes, fold) if labelled is None or c in labelled]
        joins = {c for c in kept if dimension.get(c) == "join"}
        exits = {c for c in kept if dimension.get(c) == "exit"}
        return {(j, e) for j in joins for e in exits}

    total = Counts()
    for g, p in zip(*_aligned_rows(records, readings), strict=True):
        want, got = pairs(g), pairs(p)
        total.add(Counts(len(want & got), len(got - want), len(want - got)))
    return total


def score_codes(records: Sequence[GoldRecord], readings: Sequence[DocumentReading],
                codebook: Codebook, *, dev_labels: bool = True,
                ) -> tuple[CodeEvaluation, CodeEvaluation]:
    """:func:`code_scores`, and the keyword-only baseline on the same rows.

    The baseline gives every *gold* defector the codes whose keywords occur anywhere in
    the document (no attribution, and it is handed perfect defector detection); rows of
    unmatched predicted defectors get nothing from it. Matching the keywords is most of
    the cost: callers that do not print the baseline call :func:`code_scores`.
    """
    gold: list[set[str]] = []
    base: list[set[str]] = []
    for record, reading in zip(records, readings, strict=True):
        g, _, is_gold = align_codes(record, reading, {})  # rows depend on defectors only
        kw = keyword_baseline(record.text)
        gold.extend(g)
        base.extend(set(kw) if flag else set() for flag in is_gold)
    labelled, fold = label_scheme(dev_labels)
    return (code_scores(records, readings, codebook, dev_labels=dev_labels),
            evaluate_codes(gold, base, codebook, labelled=labelled, fold=fold))


def code_rows(ev: CodeEvaluation, baseline: CodeEvaluation) -> list[MetricRow]:
    """Summary rows of the code scores for :meth:`ReadingEval.add_rows`."""
    rows: list[MetricRow] = []
    for dim, c in ev.micro.items():
        b = baseline.micro.get(dim)
        ratio = f"{c.f1 / b.f1:.2f}x baseline" if b is not None and b.f1 else ""
        rows.append(MetricRow("codes", f"{dim} micro-F1", c.f1, c.tp, c.tp + c.fn,
                              f"P {c.precision:.3f} R {c.recall:.3f}; {ratio}".rstrip("; ")))
        rows.append(MetricRow("codes", f"{dim} macro-F1", ev.macro_f1.get(dim, 0.0)))
        mean, mx = ev.prevalence_error.get(dim, (0.0, 0.0))
        rows.append(MetricRow("codes", f"{dim} family prev. err", mean, None, None,
                              f"percentage points (mean over families; max {mx:.1f})"))
        if b is not None:
            rows.append(MetricRow("baseline", f"{dim} micro-F1", b.f1, b.tp, b.tp + b.fn,
                                  "keyword-only, whole document"))
    return rows


@dataclass
class EvalReport:
    """``exitlens eval``: reading scores, code scores and the keyword baseline, one run."""

    reading: ReadingEval
    codes: CodeEvaluation
    baseline: CodeEvaluation
    dev_labels: bool = True
    models: dict[str, Any] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def ratio_to_baseline(self) -> dict[str, float | None]:
        """Micro-F1 divided by the baseline's, per dimension (None when the baseline is 0)."""
        out: dict[str, float | None] = {}
        for dim, c in self.codes.micro.items():
            b = self.baseline.micro.get(dim)
            out[dim] = c.f1 / b.f1 if b is not None and b.f1 else None
        return out

    def format_table(self) -> str:
        scheme = ("annotated-set labels (LABELING.md subset and folding)" if self.dev_labels
                  else "full codebook")
        parts = [self.reading.format_table(), "",
                 format_code_table(self.codes, self.baseline,
                                   title=f"codes per defector ({scheme}); keyword baseline "
                                         f"F1 beside")]
        if self.models:
            parts.append("")
            parts.append("models: " + "; ".join(f"{k} {v}" for k, v in self.models.items()))
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "reading": self.reading.to_json(),
            "codes": self.codes.as_dict(),
            "baseline": self.baseline.as_dict(),
            "ratio_to_baseline": {k: None if v is None else round(v, 3)
                                  for k, v in self.ratio_to_baseline().items()},
            "labels": "dev" if self.dev_labels else "full",
            "stages": self.stages,
            "models": self.models,
            "seconds": round(self.seconds, 2),
        }


def evaluate(records: Sequence[GoldRecord], settings: Settings | None = None, *,
             dev_labels: bool = True, codebook: Codebook | None = None) -> EvalReport:
    """Run the configured pipeline ONCE and score both reading and coding on it.

    Reading and code scores share one defector matching (:func:`match_defectors`).
    The coders use whatever models ``settings`` point at (``coding.model_dir``, the
    built-in ones otherwise): if those were trained on ``records`` themselves the code
    figures are not held-out — ``models`` in the report says what ran.
    """
    import time

    from .coding.classifier import describe_active_models
    from .coding.codebook import load_codebook
    from .reading.profile_models import describe_field_models
    from .reading.role_model import describe_role_model

    settings = settings or Settings()
    cb = codebook or load_codebook(settings.coding.codebook)
    t0 = time.perf_counter()
    readings = run_pipeline(records, settings)
    seconds = time.perf_counter() - t0
    reading_eval = score_reading(records, readings)
    codes, baseline = score_codes(records, readings, cb, dev_labels=dev_labels)
    reading_eval.add_rows(code_rows(codes, baseline))
    pairs = pair_counts(records, readings, cb, dev_labels=dev_labels)
    reading_eval.add_rows([MetricRow(
        "codes", "promise-reality pairs micro-F1", pairs.f1, pairs.tp, pairs.tp + pairs.fn,
        f"P {pairs.precision:.3f} R {pairs.recall:.3f}; each defector's join motive x exit "
        "reason pairs, the cells of the promise-versus-reality table")])
    models = describe_active_models(settings) if "code" in settings.reading.stages else {
        "coders": "none (the `code` stage is not configured)"}
    models["roles"] = describe_role_model(settings)
    models["profile"] = describe_field_models(settings)
    return EvalReport(reading_eval, codes, baseline, dev_labels, models,
                      list(settings.reading.stages), seconds)
