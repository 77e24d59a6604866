"""Running the pipeline over a batch of documents, and storing what it found.

The steps ``Project.analyze`` takes for every batch, kept here (below ``project``) so that
``exitlens process`` workers, ``exitlens load`` and ``analyze --dask`` take exactly the same
ones:

- :func:`fingerprint` — the identity of "the current settings" (settings plus the active
  trained models) that marks a document as analysed;
- :func:`fill_languages` — detect the language of documents stored without one;
- :func:`read_batch` — run the pipeline over a batch; a document that makes it fail is found
  and reported on its own, the others are still read;
- :func:`store_analysis` — write one document's reading (and a newly detected language) in
  the caller's transaction, re-apply the human review decisions on that document, and
  return its ``language_not_covered`` note if any.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from .config import Settings, with_model_dir
from .errors import ExitlensError
from .language import detect_language, language_note
from .model import Document, DocumentReading
from .pipeline import Pipeline
from .store import review_store
from .store.readings import analysis_fingerprint, store_reading
from .store.schema import DocumentRow

log = logging.getLogger(__name__)


def models_signature(settings: Settings, stored_codebook_sha: str | None = None) -> str:
    """The trained models in use under ``settings`` (model folder filled in): the active
    classifier version, the codebook (a version stored in the database, ``stored_codebook_sha``,
    else the content of a configured codebook file) and the role model file's hash."""
    from .coding.versions import active_model_path, read_meta

    cfg = settings.coding
    models = ""
    if "code" in settings.reading.stages and "classifier" in cfg.coders:
        active = active_model_path(cfg.model_dir, cfg.classifier_model)
        if active is not None:
            meta = read_meta(active)
            models = f"classifier={meta.get('version', active.name)}@{meta.get('created')}"
    if stored_codebook_sha is not None:  # the codebook in use is the database's, not the file's
        models += f"|codebook={stored_codebook_sha[:16]}"
    elif settings.coding.codebook:  # a codebook file edited in place counts too
        try:
            file_hash = hashlib.sha256(Path(settings.coding.codebook).read_bytes())
            models += f"|codebook-file={file_hash.hexdigest()[:16]}"
        except OSError:
            pass  # loading it fails with a named error where it is used
    from .reading.profile_models import FIELDS
    from .reading.role_model import builtin_role_model_path

    choices = [("roles", settings.reading.role_model, builtin_role_model_path())]
    choices += [(spec.field, getattr(settings.reading, spec.setting), spec.builtin_path())
                for spec in FIELDS.values()]
    for tag, choice, builtin in choices:
        if choice == "none":
            continue
        path = Path(choice) if choice else builtin
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            models += f"|{tag}={digest}"
    return models


def fingerprint(settings: Settings, db_url: str, stored_codebook_sha: str | None = None
                ) -> str:
    """The analysis fingerprint of a project at ``db_url`` run with ``settings`` (as
    configured: the model folder is derived from ``db_url`` when not set), coding with the
    codebook version ``stored_codebook_sha`` stored in its database, if any."""
    return analysis_fingerprint(settings, models_signature(with_model_dir(settings, db_url),
                                                           stored_codebook_sha))


def fill_languages(documents: Sequence[Document]) -> set[int]:
    """Detect the language of the documents stored without one (in place); the ids of those
    that got one."""
    detected: set[int] = set()
    for doc in documents:
        if doc.language is None:
            guess = detect_language(doc.text)
            if guess is not None and doc.id is not None:
                doc.language = guess.code
                detected.add(doc.id)
    return detected


@dataclass
class BatchResult:
    readings: list[DocumentReading] = field(default_factory=list)
    # (document, "ExceptionType: message") for each document the pipeline failed on
    failed: list[tuple[Document, str]] = field(default_factory=list)


def read_batch(pipeline: Pipeline, documents: Sequence[Document],
               verdicts: Mapping[int, list[dict[str, Any]]] | None = None) -> BatchResult:
    """The pipeline over one batch (``verdicts``: the reviewers' standing verdicts per
    document id, ``review_store.verdict_seeds``, honoured by the roles stage). An
    unexpected failure makes every document run alone, so that only the culprit is lost;
    configuration errors (``ExitlensError``) still stop."""
    seeds = {doc_id: {"verdicts": v} for doc_id, v in (verdicts or {}).items()}
    try:
        return BatchResult(pipeline.run_batch(documents, seeds=seeds))
    except ExitlensError:
        raise
    except Exception:
        result = BatchResult()
        for doc in documents:  # find the culprit; the others still get analysed
            try:
                result.readings.extend(pipeline.run_batch([doc], seeds=seeds))
            except ExitlensError:
                raise
            except Exception as exc:
                log.warning("pipeline failed on document %s: %s", doc.id, type(exc).__name__)
                result.failed.append((doc, f"{type(exc).__name__}: {exc}"))
        return result


def store_analysis(session: Session, reading: DocumentReading, fingerprint: str,
                   stage_names: list[str], actor: str, covered: Sequence[str],
                   language_detected: bool = False) -> dict[str, Any] | None:
    """Store one document's reading in the caller's transaction, with its detected
    language (``language_detected``) and its ``language_not_covered`` note, which is
    returned (None when the language is covered or unknown)."""
    doc = reading.document
    note = language_note(doc.language, covered)
    if language_detected:
        session.execute(
            update(DocumentRow)
            .where(DocumentRow.id == doc.id, DocumentRow.language.is_(None))
            .values(language=doc.language)
        )
    store_reading(session, reading, fingerprint, stage_names, actor,
                  extra_notes=[note] if note else [])
    # human review decisions win over the new machine results
    review_store.apply_decisions(session, doc.id or 0)
    return note
