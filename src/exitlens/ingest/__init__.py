"""Ingest: files → documents with provenance (readers, manifests, duplicate detection)."""

from .readers import ExtractedText, Reader, reader_for, readers
from .runner import IngestReport, IngestRunner, plan_inputs

__all__ = [
    "ExtractedText", "IngestReport", "IngestRunner", "Reader", "plan_inputs", "reader_for",
    "readers",
]
