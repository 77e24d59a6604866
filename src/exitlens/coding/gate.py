"""The reason gate: which of a defector's evidence units give anyone's reason at all.

The reading stages hand a defector's coders every unit of their account — their quotes and
the sentences reporting them, often seven or eight — and most say where they were, what
they did or what happened next, not why they joined or left. Each coder then codes any
unit that looks like a reason, and a background sentence about a childhood or a journey
easily looks like a join motive. The gate is one logistic regression over the MiniLM
vector of a sentence, trained on every sentence of the labelled documents (a sentence
holding any labelled evidence quote is a positive, all codes pooled, so it learns from
several hundred positives where a single code has a dozen). For the dimensions it gates
(join motives, as measured), the coders see only the units it scores at or above its
threshold (the best unit when none is); the other dimensions see every unit.

Grouped cross-validation on the real labelled sets chose this (``benchmarks/
EXPERIMENTS.md``, session 8): gating join motives gained on unseen pages, gating exit
reasons lost, so only join is gated. The gate is trained with the classifier (same
documents, same version folder); a classifier version saved without one gates nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .base import CodingItem, split_sentences

if TYPE_CHECKING:
    from ..gold import GoldRecord
    from .embedding import Embedder

GATE_THRESHOLD = 0.3
GATED_DIMENSIONS = ("join",)
GATE_C = 0.5


@dataclass
class ReasonGate:
    """A fitted sentence → "gives a reason" model and how it is applied."""

    estimator: Any  # sklearn LogisticRegression over the embedding vector
    threshold: float = GATE_THRESHOLD
    dimensions: tuple[str, ...] = GATED_DIMENSIONS
    sentences: int | None = None  # training sentences, and how many held evidence
    positives: int | None = None

    def scores(self, texts: Sequence[str], embedder: Embedder) -> np.ndarray:
        if not texts:
            return np.zeros(0)
        return np.asarray(self.estimator.predict_proba(embedder.embed(list(texts)))[:, 1])

    def gate(self, items: Sequence[CodingItem], embedder: Embedder) -> list[CodingItem]:
        """The items with only the units that pass (each item keeps at least its best);
        every unit of the batch is scored in one call."""
        scores = self.scores([t for item in items for t in item.unit_texts()], embedder)
        out: list[CodingItem] = []
        pos = 0
        for item in items:
            p = scores[pos:pos + len(item.units)]
            pos += len(item.units)
            if not item.units:
                out.append(item)
                continue
            keep = [u for u, s in zip(item.units, p, strict=True) if s >= self.threshold]
            out.append(replace(item, units=keep or [item.units[int(np.argmax(p))]]))
        return out

    def as_meta(self) -> dict[str, Any]:
        """What a version's ``meta.json`` says of its gate."""
        meta: dict[str, Any] = {"threshold": self.threshold,
                                "dimensions": list(self.dimensions)}
        if self.sentences is not None:
            meta.update(sentences=self.sentences, positives=self.positives)
        return meta

    @classmethod
    def from_meta(cls, estimator: Any, meta: dict[str, Any]) -> ReasonGate:
        """The gate of a saved version (its estimator, and ``as_meta``'s dict)."""
        return cls(estimator, float(meta.get("threshold", GATE_THRESHOLD)),
                   tuple(meta.get("dimensions", GATED_DIMENSIONS)),
                   meta.get("sentences"), meta.get("positives"))


def gate_examples(records: Sequence[GoldRecord]) -> tuple[list[str], list[int]]:
    """Every sentence of the records, 1 when it holds any labelled evidence quote."""
    from ..gold import find_all

    texts: list[str] = []
    labels: list[int] = []
    for rec in records:
        quotes = [s for d in rec.defectors for e in d.evidence
                  for s in find_all(rec.text, e.quote)]
        for sentence in split_sentences(rec.text):
            texts.append(sentence.text_of(rec.text))
            labels.append(int(any(sentence.overlaps(q) for q in quotes)))
    return texts, labels


def train_gate(records: Sequence[GoldRecord], embedder: Embedder) -> ReasonGate | None:
    """The gate fitted on the records' sentences (None without positives and negatives)."""
    from sklearn.linear_model import LogisticRegression

    texts, labels = gate_examples(records)
    if len(set(labels)) < 2:
        return None
    est = LogisticRegression(C=GATE_C, class_weight="balanced", max_iter=3000)
    est.fit(embedder.embed(texts), np.array(labels))
    return ReasonGate(est, sentences=len(texts), positives=sum(labels))
