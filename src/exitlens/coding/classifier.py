"""The ``classifier`` coder: logistic regression over sentence embeddings + lexical hits.

Rules are precise but brittle; embeddings generalise but are vague. A small
supervised model over both — the MiniLM vector of a sentence, its similarity to
every code's examples, and the rules coder's per-code scores — learns from
labelled or human-accepted codings which combinations really carry a code. It is
one-vs-rest (one binary logistic regression per code) because a sentence can carry
several codes and codes have very different amounts of data.

The rules coder's per-code scores are the third feature block (``lexical``; the meta
of a model names its ``features``, and models saved before it did were trained with all
three). Training without them was measured (``benchmarks/EXPERIMENTS.md``, session 6):
given the gold evidence the coders found more reasons on unseen pages, but end to end it
was a wash under cross-validation and worse on the lockbox, so the block stays.

Training units are sentences: a sentence is positive for the codes whose evidence
it holds and negative otherwise (other sentences of the same documents supply the
negatives); each code's definition and example phrases from the codebook are extra,
weighted positives, so codes with few labelled defectors still have a signal. Every
code uses one fixed decision threshold (per-code thresholds fitted on a few dozen
defectors overfit). At coding time a defector gets a code when one of their evidence
units scores above it; codes that fewer than ``MIN_DEFECTORS`` labelled defectors
carried in training are left to the rules and embedding coders.

Models are versioned directories ``<model_dir>/classifier/model-YYYYMMDD-HHMMSS``
holding ``model.joblib``, ``meta.json`` (version, codebook fingerprint, training
size, date, codes, feature blocks) and the embedding thresholds calibrated with it. The coder loads
the configured version, else the newest one in ``coding.model_dir`` (the project's
``<db-stem>.models`` folder), else the built-in model ``data/coding/classifier-builtin``,
trained on the real labelled sets named in its meta (``trained_on``) together with
their grouped cross-validation figures. Long units are scored whole and clause by
clause (best of both), and long labelled sentences also train as their clauses.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..model import DocumentReading, Span
from ..pipeline import PipelineContext
from .base import CoderUnavailable, CodingItem, CodingResult, clause_spans, split_sentences
from .codebook import Codebook
from .embedding import (
    THRESHOLDS_FILE,
    Embedder,
    Prototypes,
    _per_unit_max,
    build_prototypes,
    default_thresholds_path,
    get_embedder,
    get_prototypes,
)
from .gate import ReasonGate
from .rules import unit_scores
from .versions import (
    CLASSIFIER_DIR,
    META_FILE,
    active_model_path,
    default_model_path,
    list_versions,
    read_meta,
    resolve_model_path,
)

if TYPE_CHECKING:
    from ..config import Settings
    from ..gold import GoldRecord

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MODEL_FILE = "model.joblib"
DEFAULT_THRESHOLD = 0.5
# Feature blocks of a model, in order; the meta's "features" names them. Models saved
# without that entry were trained with all three.
EMBEDDING, SIMILARITY, LEXICAL = "embedding", "similarity", "lexical"
ALL_FEATURES = (EMBEDDING, SIMILARITY, LEXICAL)


@dataclass
class LabelledSentence:
    """A training unit: one sentence and the (top-level) codes it carries."""

    text: str
    codes: set[str] = field(default_factory=set)
    group: str = ""  # the document it comes from: cross-validation folds keep documents whole
    weight: float = 1.0  # sample weight in training
    # The codes this unit is a training example for (None: every code). A span a reviewer
    # rejected for one code says nothing about the codes nobody suggested there.
    scope: set[str] | None = None


@dataclass
class ClassifierModel:
    """Per-code estimators plus what is needed to use them safely."""

    codes: list[str]  # feature order of the lexical and similarity blocks
    estimators: dict[str, Any]  # code → fitted LogisticRegression
    thresholds: dict[str, float]
    meta: dict[str, Any]
    path: Path | None = None
    gate: ReasonGate | None = None  # which units give any reason (``coding.gate``)


# --------------------------------------------------------------------------- examples


def examples_from_gold(records: Iterable[GoldRecord], codebook: Codebook,
                       negatives: bool = True, clauses: bool = True) -> list[LabelledSentence]:
    """Sentence units from SPEC §4 records: positives from evidence quotes."""
    from ..gold import find_all

    out: list[LabelledSentence] = []
    for rec in records:
        text = rec.text
        sentences = split_sentences(text)
        labels: dict[Span, set[str]] = {s: set() for s in sentences}
        quotes: list[tuple[Span, str]] = []
        for d in rec.defectors:
            allowed = d.codes()
            for ev in d.evidence:
                code = ev.code
                if code not in codebook or code not in allowed:
                    continue
                root = codebook.root(code)
                for q in find_all(text, ev.quote):
                    quotes.append((q, root))
                    for s in sentences:
                        if s.overlaps(q):
                            labels[s].add(root)
        for s in sentences:
            if labels[s] or negatives:
                out.append(LabelledSentence(s.text_of(text), labels[s], rec.id))
            if clauses and labels[s]:
                # The clauses of a long labelled sentence, labelled by the quotes they
                # overlap: the coder scores clauses too, and they teach it which part of
                # a long sentence carries the reason.
                for cl in clause_spans(text, s):
                    out.append(LabelledSentence(cl.text_of(text),
                                                {c for q, c in quotes if q.overlaps(cl)},
                                                rec.id))
    return out


CODEBOOK_WEIGHT = 5.0
CODEBOOK_GROUP = "codebook"


def examples_from_codebook(codebook: Codebook, weight: float = CODEBOOK_WEIGHT,
                           codes: Iterable[str] | None = None) -> list[LabelledSentence]:
    """Each code's definition and example phrases as positives for its top-level code
    (weighted): codes with few labelled defectors still have a signal, and the model
    learns what the codebook means rather than only what a handful of pages said."""
    wanted = set(codes) if codes is not None else None
    out: list[LabelledSentence] = []
    for code in codebook:
        root = codebook.root(code.id)
        if wanted is not None and root not in wanted:
            continue
        out.extend(LabelledSentence(t, {root}, f"{CODEBOOK_GROUP}:{root}", weight)
                   for t in code.prototype_texts())
    return out


def load_sentences(path: str | Path, codebook: Codebook,
                   weight: float = 1.0) -> list[LabelledSentence]:
    """Labelled sentences from a JSON Lines file (``{"text": ..., "codes": [...]}`` per
    line; ``codes`` empty for a sentence that carries none; optional ``weight``): extra
    training units beside the labelled documents. Codes are mapped to their top-level
    code; an unknown code or a malformed line is an error naming the file and line."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read labelled sentences: {exc}", where=str(p),
                          code="sentences_invalid") from exc
    out: list[LabelledSentence] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text, codes = row["text"], row.get("codes", [])
            if not isinstance(text, str) or not text.strip() or not isinstance(codes, list):
                raise ValueError("needs a non-empty 'text' and a 'codes' list")
            unknown = sorted(str(c) for c in codes if c not in codebook)
            if unknown:
                raise ValueError(f"codes not in the codebook: {', '.join(unknown)}")
            w = float(row.get("weight", weight))
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"bad labelled sentence: {exc}", where=f"{p}:{n}",
                              code="sentences_invalid") from exc
        out.append(LabelledSentence(text, {codebook.root(c) for c in codes},
                                    f"sentences:{p.name}", w))
    return out


def examples_from_readings(readings: Iterable[DocumentReading],
                           codebook: Codebook) -> list[LabelledSentence]:
    """Training units from human-reviewed codings (what ``exitlens train --reviewed`` learns).

    A span with accepted codings is a positive for their (top-level) codes; a rejected
    coding makes its span a negative for *that* code only (the unit's ``scope`` is the
    codes reviewed there: whether an unsuggested code applies is unknown). Sentences of
    the reviewed documents outside every person's evidence are negatives for every code,
    as in the gold recipe (nothing outside a defector's evidence is ever coded).
    """
    out: list[LabelledSentence] = []
    for reading in readings:
        text = reading.document.text
        accepted: dict[Span, set[str]] = {}
        reviewed: dict[Span, set[str]] = {}
        for c in reading.codings:
            if c.status not in ("accepted", "rejected") or c.code not in codebook:
                continue
            root = codebook.root(c.code)
            reviewed.setdefault(c.span, set()).add(root)
            codes = accepted.setdefault(c.span, set())
            if c.status == "accepted":
                codes.add(root)
        if not reviewed:
            continue
        group = f"doc-{reading.document.id}"
        out.extend(LabelledSentence(span.text_of(text), accepted[span], group,
                                    scope=reviewed[span])
                   for span in reviewed)
        evidence = [s for p in reading.persons for s in p.evidence]
        out.extend(LabelledSentence(s.text_of(text), set(), group)
                   for s in split_sentences(text)
                   if not any(s.overlaps(e) for e in evidence) and s not in reviewed)
    return out


def reviewed_defectors(readings: Iterable[DocumentReading], codebook: Codebook
                       ) -> dict[str, int]:
    """Top-level code → number of defectors a human accepted it for (the reviewed
    counterpart of ``training.positive_defectors``: codes below ``MIN_DEFECTORS`` are
    backed off)."""
    seen: set[tuple[int | None, int | None, str]] = set()
    for reading in readings:
        for c in reading.codings:
            if c.status == "accepted" and c.code in codebook:
                seen.add((reading.document.id, c.person, codebook.root(c.code)))
    counts: dict[str, int] = {}
    for _doc, _person, code in seen:
        counts[code] = counts.get(code, 0) + 1
    return dict(sorted(counts.items()))


# --------------------------------------------------------------------------- features


def featurize(texts: Sequence[str], codebook: Codebook, embedder: Embedder,
              protos: Prototypes, codes: Sequence[str],
              features: Sequence[str] = ALL_FEATURES) -> np.ndarray:
    """[n, features]: the embedding (dim), the similarity to each code's prototypes
    (len(codes)) and the rules' score per code (len(codes)), those named in
    ``features``, in that order."""
    width = {EMBEDDING: embedder.dim, SIMILARITY: len(codes), LEXICAL: len(codes)}
    unknown = set(features) - set(width)
    if unknown:
        raise ConfigError(f"unknown classifier features {sorted(unknown)}",
                          code="model_invalid")
    if not texts:
        return np.zeros((0, sum(width[f] for f in features)), dtype=np.float32)
    blocks: list[np.ndarray] = []
    vectors = embedder.embed(texts)
    if EMBEDDING in features:
        blocks.append(vectors)
    if SIMILARITY in features:
        sims_all = protos.scores(vectors)
        col = {c: j for j, c in enumerate(protos.codes)}
        blocks.append(np.stack([sims_all[:, col[c]] if c in col else np.zeros(len(texts))
                                for c in codes], axis=1).astype(np.float32))
    if LEXICAL in features:
        lex = np.zeros((len(texts), len(codes)), dtype=np.float32)
        index = {c: j for j, c in enumerate(codes)}
        for i, t in enumerate(texts):
            for code, score in unit_scores(t, [Span(0, len(t))], codebook)[0].items():
                j = index.get(codebook.root(code)) if code in codebook else None
                if j is not None:
                    lex[i, j] = max(lex[i, j], score)
        blocks.append(lex)
    return np.hstack(blocks).astype(np.float32)


def model_features(model: ClassifierModel) -> tuple[str, ...]:
    """The feature blocks ``model`` was trained on (all three for models saved before
    the meta named them)."""
    named = model.meta.get("features")
    return tuple(named) if isinstance(named, list) else ALL_FEATURES


# --------------------------------------------------------------------------- training


def train_classifier(examples: Sequence[LabelledSentence], codebook: Codebook,
                     embedder: Embedder, *, c: float = 0.5, min_positives: int = 2,
                     threshold: float | None = DEFAULT_THRESHOLD, lexical: bool = True,
                     note: str = "") -> ClassifierModel:
    """Fit one logistic regression per top-level code with enough positives.

    ``threshold`` is the one decision threshold every code uses (measured: per-code
    thresholds searched on 2–26 positive defectors per code overfit); None searches
    one per code on document folds of the training data (kept for comparison).
    ``lexical=False`` leaves the rules' per-code scores out of the features (see the
    module docstring for what that did).
    """
    from sklearn.linear_model import LogisticRegression

    codes = codebook.codes_in(top_level=True)
    features = ALL_FEATURES if lexical else (EMBEDDING, SIMILARITY)
    protos = build_prototypes(embedder, codebook)
    x = featurize([e.text for e in examples], codebook, embedder, protos, codes, features)
    w = np.array([e.weight for e in examples], dtype=np.float64)
    estimators: dict[str, Any] = {}
    positives: dict[str, int] = {}
    thresholds: dict[str, float] = {}
    folds = (_document_folds([e.group for e in examples], k=4, min_documents=20)
             if threshold is None else [])
    for code in codes:
        use = np.array([e.scope is None or code in e.scope for e in examples], dtype=bool)
        y = np.array([code in e.codes for e in examples], dtype=np.int64)
        positives[code] = int(y[use].sum())
        if y[use].sum() < min_positives or y[use].sum() == use.sum():
            continue
        est = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        est.fit(x[use], y[use], sample_weight=w[use])
        estimators[code] = est
        thresholds[code] = (threshold if threshold is not None else
                            _calibrated_threshold(x, y, folds, c) if folds
                            else DEFAULT_THRESHOLD)
    meta = {
        "format": FORMAT_VERSION,
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "codebook": codebook.fingerprint(),
        "codebook_name": codebook.name,
        "training_units": len(examples),
        "positive_units": positives,
        "codes": codes,
        "trained_codes": sorted(estimators),
        "embedding_model": Path(embedder.model_path).name,
        "C": c,
        "features": list(features),
        "note": note,
    }
    meta["thresholds"] = (f"fixed {threshold}" if threshold is not None else
                          "cross-validated per code" if folds else "constant")
    return ClassifierModel(codes, estimators, thresholds, meta)


def _document_folds(groups: Sequence[str], k: int, min_documents: int) -> list[np.ndarray]:
    """Index arrays of ``k`` folds that keep each document's units together; none when
    fewer than ``min_documents`` documents are named: a threshold searched on a handful
    of documents is noise (measured: on the 15-document sample corpus it lowered the
    figures on unseen sets), so thresholds then stay at the default."""
    names = sorted({g for g in groups if g})
    if len(names) < max(k, min_documents):
        return []
    fold_of = {g: i % k for i, g in enumerate(names)}
    assignment = np.array([fold_of.get(g, -1) for g in groups])
    return [np.flatnonzero(assignment == i) for i in range(k)]


def _calibrated_threshold(x: np.ndarray, y: np.ndarray, folds: Sequence[np.ndarray],
                          c: float) -> float:
    """The decision threshold with the best out-of-fold F1 for one code.

    Balanced class weights make the raw probabilities generous; evidence is then
    maxed over many units per defector, so the threshold is chosen on units the
    model did not see, between 0.5 and 0.95 (ties go to the higher one).
    """
    from sklearn.linear_model import LogisticRegression

    scores = np.zeros(len(y))
    for test in folds:
        train = np.setdiff1d(np.arange(len(y)), test)
        if y[train].sum() < 1 or y[train].sum() == len(train):
            return DEFAULT_THRESHOLD
        est = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        est.fit(x[train], y[train])
        scores[test] = est.predict_proba(x[test])[:, 1]
    best_f1, best_t = -1.0, DEFAULT_THRESHOLD
    for t in np.arange(0.5, 0.951, 0.05):
        pred = scores >= t
        tp = float((pred & (y == 1)).sum())
        denom = float(pred.sum() + y.sum())
        f1 = 2 * tp / denom if denom else 0.0
        if f1 >= best_f1:
            best_f1, best_t = f1, float(round(t, 2))
    return best_t


MIN_DEFECTORS = 10


def backed_off_codes(model: ClassifierModel) -> set[str]:
    """Codes the classifier leaves to the other coders: fewer than ``min_defectors``
    labelled defectors carried them in training (measured by grouped CV: on such codes
    the learned model adds false positives, not recall). Models trained on bare
    sentences (no defector counts in their meta) back off from nothing."""
    counts = model.meta.get("positive_defectors")
    if not isinstance(counts, dict):
        return set()
    floor = int(model.meta.get("min_defectors", MIN_DEFECTORS))
    return {c for c in model.codes if int(counts.get(c, 0)) < floor}


def predict_units(model: ClassifierModel, texts: Sequence[str], codebook: Codebook,
                  embedder: Embedder, protos: Prototypes) -> np.ndarray:
    """[n_texts, len(model.codes)] probabilities (0 for codes without an estimator)."""
    x = featurize(texts, codebook, embedder, protos, model.codes, model_features(model))
    out = np.zeros((len(texts), len(model.codes)), dtype=np.float32)
    if not len(texts):
        return out
    for j, code in enumerate(model.codes):
        est = model.estimators.get(code)
        if est is not None:
            out[:, j] = est.predict_proba(x)[:, 1]
    return out


# --------------------------------------------------------------------------- storage


def save_model(model: ClassifierModel, model_dir: str | Path, name: str | None = None) -> Path:
    """Write a new version ``model-YYYYMMDD-HHMMSS`` (suffixed if taken) under ``model_dir``."""
    import joblib  # type: ignore[import-untyped]

    base = Path(model_dir) / CLASSIFIER_DIR
    base.mkdir(parents=True, exist_ok=True)
    stem = name or "model-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = base / stem
    n = 2
    while path.exists():
        path = base / f"{stem}-{n}"
        n += 1
    path.mkdir()
    joblib.dump({"codes": model.codes, "estimators": model.estimators,
                 "thresholds": model.thresholds,
                 "gate": model.gate.estimator if model.gate is not None else None},
                path / MODEL_FILE)
    meta = dict(model.meta, version=path.name)
    if model.gate is not None:
        meta["gate"] = model.gate.as_meta()
    (path / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                  encoding="utf-8")
    model.path = path
    model.meta = meta
    return path


def load_model(path: str | Path) -> ClassifierModel:
    import joblib

    p = Path(path)
    try:
        meta = json.loads((p / META_FILE).read_text(encoding="utf-8"))
        blob = joblib.load(p / MODEL_FILE)
    except (OSError, ValueError, EOFError) as exc:
        raise ConfigError(f"cannot load classifier: {exc}", where=str(p),
                          code="model_invalid") from None
    if meta.get("format") != FORMAT_VERSION:
        raise ConfigError(f"classifier format {meta.get('format')} is not {FORMAT_VERSION}",
                          where=str(p), code="model_invalid")
    gate = None
    if blob.get("gate") is not None:  # versions saved before the gate have none
        gate = ReasonGate.from_meta(blob["gate"], meta.get("gate") or {})
    return ClassifierModel(blob["codes"], blob["estimators"], blob["thresholds"], meta, p,
                           gate)


def version_rows(model_dir: str | Path | None, choice: str | None = None
                 ) -> list[dict[str, Any]]:
    """What ``exitlens models`` lists: every saved version, then the built-in fallback.

    Each row: name, path, created, training size, codebook hash, trained codes, whether
    calibrated embedding thresholds were saved with it, and whether it is the active one
    (the configured ``coding.classifier_model``, else the newest, else the built-in).
    """
    active = active_model_path(model_dir, choice)
    paths = list_versions(model_dir) if model_dir else []
    builtin = default_model_path()
    if (builtin / META_FILE).is_file():
        paths.append(builtin)
    rows: list[dict[str, Any]] = []
    for path in paths:
        meta = read_meta(path)
        rows.append({
            "name": meta.get("version", path.name),
            "path": str(path),
            "created": meta.get("created"),
            "training_units": meta.get("training_units"),
            "training_documents": meta.get("training_documents"),
            "codebook": meta.get("codebook"),
            "codebook_name": meta.get("codebook_name"),
            "trained_codes": len(meta.get("trained_codes") or []),
            "thresholds": (path / THRESHOLDS_FILE).is_file()
                          or (path == builtin and default_thresholds_path().is_file()),
            "reason_gate": (meta.get("gate") or {}).get("dimensions", []),
            "builtin": path == builtin,
            "active": active is not None and path.resolve() == active.resolve(),
            "note": meta.get("note", ""),
        })
    return rows


def describe_active_models(settings: Settings) -> dict[str, Any]:
    """Which coders, classifier version and embedding thresholds a run uses (for reports)."""
    from .embedding import load_thresholds

    cfg = settings.coding
    out: dict[str, Any] = {"coders": ",".join(cfg.coders)}
    path = active_model_path(cfg.model_dir, cfg.classifier_model)
    if "classifier" in cfg.coders:
        if path is None:
            out["classifier"] = "unavailable"
        else:
            meta = read_meta(path)
            out["classifier"] = f"{meta.get('version', path.name)} ({meta.get('note') or path})"
            gate = meta.get("gate") or {}
            out["reason_gate"] = (
                f"{', '.join(gate.get('dimensions', []))} (threshold {gate.get('threshold')})"
                if gate and cfg.reason_gate else "off")
    if "embedding" in cfg.coders:
        out["thresholds"] = load_thresholds(cfg.model_dir, path).get("source")
    return out


class ClassifierCoder:
    """Codes with the trained model; unavailable (skipped) when there is none."""

    name = "classifier"

    def __init__(self, context: PipelineContext, model: ClassifierModel | None = None):
        self.context = context
        cfg = context.settings.coding
        if model is None:
            path = resolve_model_path(cfg.model_dir, cfg.classifier_model)
            if path is None:
                raise CoderUnavailable("no trained classifier model; run `exitlens train`")
            model = context.resource("classifier_model", str(path.resolve()),
                                     lambda: load_model(path))
        self.model = model
        self.embedder = get_embedder(context)

    def gate_items(self, items: Sequence[CodingItem]
                   ) -> tuple[list[CodingItem], tuple[str, ...]] | None:
        """The items with only the units the model's reason gate passes, and the
        dimensions to code from them; None when this version has no gate."""
        if self.model.gate is None:
            return None
        return self.model.gate.gate(items, self.embedder), self.model.gate.dimensions

    def unit_scores(self, items: Sequence[CodingItem], codebook: Codebook) -> list[np.ndarray]:
        """Per item, [n_units, len(model.codes)] probabilities: per unit the best of the
        whole unit and, for long units, each of its clauses."""
        protos = get_prototypes(self.context, codebook)
        pieces = [item.scoring_pieces() for item in items]
        texts = [t for item_texts, _ in pieces for t in item_texts]
        probs = predict_units(self.model, texts, codebook, self.embedder, protos)
        return _per_unit_max(probs, items, pieces)

    def _best_per_code(self, items: Sequence[CodingItem], codebook: Codebook
                       ) -> list[list[CodingResult]]:
        """Per item, every code of ``codebook`` the model has an estimator for, on the unit
        it scores highest there with that probability (nothing for an item without units)."""
        out: list[list[CodingResult]] = []
        for item, block in zip(items, self.unit_scores(items, codebook), strict=True):
            found: list[CodingResult] = []
            if len(item.units):
                best_unit = block.argmax(axis=0)
                best = block.max(axis=0)
                found = [CodingResult(code, item.units[int(best_unit[j])], float(best[j]),
                                      self.name)
                         for j, code in enumerate(self.model.codes)
                         if code in codebook and self.model.estimators.get(code) is not None]
            out.append(found)
        return out

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        if self.model.meta.get("codebook") != codebook.fingerprint():
            log.info("classifier %s was trained on another codebook version; codes absent "
                     "from the current codebook are ignored", self.model.meta.get("version"))
        skip = backed_off_codes(self.model)
        return [sorted((r for r in best if r.code not in skip
                        and r.confidence >= self.model.thresholds.get(r.code, DEFAULT_THRESHOLD)),
                       key=lambda r: -r.confidence)
                for best in self._best_per_code(items, codebook)]

    def near_misses(self, items: Sequence[CodingItem], codebook: Codebook,
                    given: Sequence[set[str]], k: int) -> list[list[CodingResult]]:
        """Per item, the ``k`` (top-level) codes outside ``given`` (that item's suggested
        codes, as top-level codes) the model scores highest on one of the item's units,
        each on its best unit with that probability, best first — whatever the threshold
        and back-off: a reviewer decides them (``exitlens.model.NearMiss``). The items are
        scored again (the embeddings are cached; about 2 % of the pipeline's time)."""
        if k <= 0:
            return [[] for _ in items]
        return [sorted((r for r in best if r.code not in taken),
                       key=lambda r: (-r.confidence, r.code))[:k]
                for best, taken in zip(self._best_per_code(items, codebook), given,
                                       strict=True)]
