"""The reading/coding pipeline: named stages run in order over batches of documents.

A stage is any object with a ``name`` and a ``process(readings, context)`` method
that fills in parts of :class:`~exitlens.model.DocumentReading` in place. Stages
are looked up in the ``stages`` registry (entry point group ``exitlens.stages``),
so a plugin adds a stage by declaring an entry point and naming it in the
configuration — no core code changes. Stages receive whole batches so that model
calls (spaCy ``nlp.pipe``, embedding) can be batched; a stage that works per
document just loops.

Expensive shared resources (the spaCy pipeline, the embedding model) live on the
:class:`PipelineContext` and are loaded once per process, on first use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from .config import Settings
from .model import Document, DocumentReading
from .registry import Registry

log = logging.getLogger(__name__)


@runtime_checkable
class Stage(Protocol):
    """One step of the pipeline."""

    name: str

    def process(self, readings: Sequence[DocumentReading], context: PipelineContext) -> None:
        """Fill in ``readings`` in place."""


StageFactory = Callable[[], Stage]
stages: Registry[StageFactory] = Registry("stages")


class PipelineContext:
    """Settings plus lazily created, process-wide shared resources."""

    # Shared by every context in the process on purpose: models load once per process.
    _shared: ClassVar[dict[tuple[str, str], Any]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, settings: Settings, codebook: Any = None):
        self.settings = settings
        # The project's codebook when it is not the settings' one (a version stored in the
        # database): a ``exitlens.coding.codebook.Codebook``; None → ``coding.codebook``.
        self.codebook = codebook

    def resource(self, name: str, key: str, factory: Callable[[], Any]) -> Any:
        """Return the resource ``name`` built for ``key`` (e.g. a model path), building it once."""
        with self._lock:
            cache_key = (name, key)
            if cache_key not in self._shared:
                log.info("loading %s (%s)", name, key)
                self._shared[cache_key] = factory()
            return self._shared[cache_key]


class Pipeline:
    """An ordered list of stages plus the context they share."""

    def __init__(self, stage_names: Sequence[str], settings: Settings,
                 codebook: Any = None):
        self.settings = settings
        self.context = PipelineContext(settings, codebook)
        self.stage_names = list(stage_names)
        self.stages: list[Stage] = [stages.get(name)() for name in self.stage_names]

    def run_batch(self, documents: Sequence[Document], keep: Collection[str] = (),
                  seeds: Mapping[int, Mapping[str, Any]] | None = None
                  ) -> list[DocumentReading]:
        """Run every stage over ``documents``. ``seeds``: per document id, scratch entries
        set before the stages run (the reviewers' verdicts, see ``RoleStage``). The
        stages' scratch data (parses, indexes) is dropped afterwards to free memory, except
        the ``keep`` keys (for training and inspection)."""
        readings = [DocumentReading(document=doc) for doc in documents]
        for reading in readings:
            seed = seeds.get(reading.document.id or 0) if seeds else None
            if seed:
                reading.scratch.update(seed)
        for stage in self.stages:
            stage.process(readings, self.context)
        for reading in readings:
            kept = {k: reading.scratch[k] for k in keep if k in reading.scratch}
            reading.scratch.clear()
            reading.scratch.update(kept)
        return readings

    def run(
        self, documents: Iterable[Document], batch_size: int | None = None
    ) -> Iterator[DocumentReading]:
        """Yield one reading per document, in input order, processing in batches."""
        size = batch_size or self.settings.reading.batch_size
        batch: list[Document] = []
        for doc in documents:
            batch.append(doc)
            if len(batch) >= size:
                yield from self.run_batch(batch)
                batch = []
        if batch:
            yield from self.run_batch(batch)
