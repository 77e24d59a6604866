"""Registries: lookup by name, helpful unknown-name errors, entry points, runtime plugins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from exitlens import Project
from exitlens.config import DEFAULT_READING_STAGES
from exitlens.errors import ConfigError
from exitlens.ingest.readers import (
    ExtractedText,
    HtmlReader,
    ReadResult,
    TextReader,
    reader_for,
    readers,
)
from exitlens.pipeline import stages
from exitlens.registry import Registry


class LanternReader:
    """A toy plugin format: ``.lantern`` files whose text is upper-cased on reading."""

    name: ClassVar[str] = "lantern"
    extensions: ClassVar[tuple[str, ...]] = (".lantern",)

    def read(self, path: Path, data: bytes) -> ReadResult:
        return ReadResult([ExtractedText(data.decode("utf-8").upper(), "lantern",
                                         title="from a plugin")])


@pytest.fixture
def restore_readers() -> Iterator[None]:
    """Undo runtime registrations so other tests see the built-in readers only."""
    items = dict(readers._items)
    pending = dict(readers._pending)
    yield
    readers._items.clear()
    readers._items.update(items)
    readers._pending.clear()
    readers._pending.update(pending)


def test_lookup_by_name() -> None:
    """Built-in readers are found by their registered names."""
    assert readers.get("text") is TextReader
    assert readers.get("html") is HtmlReader
    assert "pdf" in readers and "nope" not in readers


def test_unknown_name_lists_known_ones() -> None:
    """Asking for an unknown name fails with code unknown_name and lists what exists."""
    with pytest.raises(ConfigError) as info:
        readers.get("rtf")
    assert info.value.code == "unknown_name"
    for known in ("docx", "html", "jsonl", "pdf", "text"):
        assert known in info.value.message
    assert "'rtf'" in info.value.message


def test_entry_point_readers_are_discovered_lazily() -> None:
    """A fresh registry finds the pyproject entry points and imports them only on demand."""
    fresh: Registry[object] = Registry("readers")
    assert {"text", "html", "pdf", "docx", "jsonl"} <= set(fresh.names())
    assert "pdf" in fresh._pending and "pdf" not in fresh._items
    assert fresh.get("pdf").__name__ == "PdfReader"  # type: ignore[attr-defined]
    assert "pdf" in fresh._items


def test_entry_point_stages_are_found() -> None:
    """Every default reading stage is declared as an entry point and found by name."""
    assert set(DEFAULT_READING_STAGES) <= set(stages.names())
    assert callable(stages.get("segment"))


def test_runtime_registered_reader_is_used(restore_readers: None, tmp_project: Project,
                                           tmp_path: Path) -> None:
    """A reader registered at run time handles its extension in reader_for and in ingest."""
    readers.register("lantern")(LanternReader)
    assert readers.get("lantern") is LanternReader
    assert isinstance(reader_for(Path("story.lantern")), LanternReader)
    path = tmp_path / "story.lantern"
    path.write_text("Vigo Prane left the movement on a fishing boat.")
    (outcome,) = tmp_project.ingest([path]).outcomes
    assert outcome.status == "added"
    doc = tmp_project.document(outcome.document_id or 0)
    assert doc.text == "VIGO PRANE LEFT THE MOVEMENT ON A FISHING BOAT."
    assert (doc.fmt, doc.title) == ("lantern", "from a plugin")


def test_runtime_registration_overrides_entry_point(restore_readers: None,
                                                    tmp_path: Path) -> None:
    """Registering under a built-in name replaces it (a plugin can swap a reader)."""

    class LoudText(TextReader):
        pass

    readers.add("text", LoudText)
    assert readers.get("text") is LoudText
    assert isinstance(reader_for(Path("a.txt")), LoudText)


def test_unknown_stage_name_lists_known() -> None:
    """The stage registry gives the same helpful error."""
    with pytest.raises(ConfigError) as info:
        stages.get("summarise")
    assert "segment" in info.value.message
