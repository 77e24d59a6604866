"""Bad input: every kind is reported by name with its stable code, and the batch goes on.

Each case puts one bad file next to a good one; the good one must be stored, the bad
one must be reported as ``failed`` with the documented code (errors.IngestError) and
its path. The CLI must exit with code 1 and never show a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.config import Settings
from exitlens.ingest.runner import FileOutcome, IngestReport
from tests import corpus as c

GOOD_TEXT = (
    "Rolf Dannik says he left the Grey Lantern after the harvest of 2016, when a commander "
    "burned the letters his mother had sent him.\n"
)


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# name → (file name, bytes, expected code)
BAD_FILES: dict[str, tuple[str, Callable[[], bytes], str]] = {
    "corrupt_pdf": ("garbage.pdf", lambda: b"%PDF-1.7\n" + bytes(range(1, 250)) * 20,
                    "corrupt_pdf"),
    "truncated_pdf": ("truncated.pdf", lambda: _truncated(c.pdf_bytes()), "corrupt_pdf"),
    "not_a_pdf": ("notreally.pdf", lambda: b"Just a note that someone renamed to .pdf\n",
                  "corrupt_pdf"),
    "encrypted_pdf": ("locked.pdf", lambda: c.pdf_bytes(user_password="lantern"),
                      "encrypted_pdf"),
    "truncated_docx": ("truncated.docx", lambda: _truncated(c.docx_bytes()), "corrupt_docx"),
    "docx_not_zip": ("plain.docx", lambda: b"This was never a Word document.\n" * 4,
                     "corrupt_docx"),
    "empty_file": ("empty.txt", lambda: b"", "empty_file"),
    "whitespace_only": ("blank.txt", lambda: b"  \r\n\t \n\n   ", "empty_file"),
    "binary_in_txt": ("image.txt", lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300),
                      "binary_data"),
    "control_chars_in_txt": ("noise.txt", lambda: bytes(range(1, 9)) * 200, "binary_data"),
    "html_without_text": ("blank.html", lambda: (
        b"<html><head><title>t</title><script>var lanternTracker = 1;</script></head>"
        b"<body><div><img src='a.png'></div></body></html>"), "no_text"),
    "html_no_markup": ("plain.html", lambda: b"\x00\x01\x02 not markup at all", "corrupt_html"),
    "pdf_without_text": ("blankpage.pdf", lambda: c.pdf_bytes(paragraphs=[" "]), "no_text"),
}


def _ingest_folder(project: Project, folder: Path, *extra: Path) -> IngestReport:
    return project.ingest([folder, *extra])


def _by_name(report: IngestReport) -> dict[str, FileOutcome]:
    return {Path(o.locator.split("#")[0]).name + ("#" + o.locator.split("#")[1]
                                                   if "#" in o.locator else ""): o
            for o in report.outcomes}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_reported_with_code_and_batch_kept(tmp_project: Project, tmp_path: Path,
                                                    case: str) -> None:
    """A bad file fails alone, by name and with its stable code; the good file is stored."""
    name, make, code = BAD_FILES[case]
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / name).write_bytes(make())
    report = tmp_project.ingest([folder])
    outcomes = _by_name(report)
    bad = outcomes[name]
    assert bad.status == "failed", bad
    assert bad.code == code, bad
    assert bad.message
    assert name in bad.locator
    assert outcomes["good.txt"].status == "added"
    assert not report.ok
    assert tmp_project.count_documents() == 1
    assert tmp_project.document(outcomes["good.txt"].document_id or 0).text == GOOD_TEXT


def test_file_over_size_limit(make_project: Callable[..., Project], tmp_path: Path) -> None:
    """A file over ingest.max_file_mb is refused as too_large without being read."""
    project = make_project(settings=Settings(ingest={"max_file_mb": 0.001}))  # ~1 KB
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "huge.txt").write_text("The long testimony continues. " * 200, encoding="utf-8")
    outcomes = _by_name(project.ingest([folder]))
    assert outcomes["huge.txt"].status == "failed"
    assert outcomes["huge.txt"].code == "too_large"
    assert "max_file_mb" in (outcomes["huge.txt"].message or "")
    assert outcomes["good.txt"].status == "added"


def test_unreadable_file_simulated(tmp_project: Project, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A file the OS refuses to open is reported as unreadable (works even as root)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    locked = folder / "locked.txt"
    locked.write_text("Secret testimony nobody may read here.\n", encoding="utf-8")
    real_open = Path.open

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded_open)
    outcomes = _by_name(tmp_project.ingest([folder]))
    assert outcomes["locked.txt"].status == "failed"
    assert outcomes["locked.txt"].code == "unreadable"
    assert outcomes["good.txt"].status == "added"


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="running as root: chmod 000 does not stop root from reading")
def test_unreadable_file_chmod(tmp_project: Project, tmp_path: Path) -> None:
    """A real chmod 000 file is reported as unreadable."""
    locked = tmp_path / "locked.txt"
    locked.write_text(GOOD_TEXT, encoding="utf-8")
    locked.chmod(0)
    try:
        (outcome,) = tmp_project.ingest([locked]).outcomes
    finally:
        locked.chmod(0o600)
    assert (outcome.status, outcome.code) == ("failed", "unreadable")


def test_unexpected_parser_exception_is_one_failure(tmp_project: Project, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A parser crashing in an unforeseen way fails that file only (no abort, no traceback)."""
    import pypdf

    def explode(self: object, *args: object, **kwargs: object) -> str:
        raise ZeroDivisionError("float division by zero in a damaged font")

    monkeypatch.setattr(pypdf.PageObject, "extract_text", explode)
    (tmp_path / "odd.pdf").write_bytes(c.pdf_bytes())
    (tmp_path / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    outcomes = _by_name(tmp_project.ingest([tmp_path / "odd.pdf", tmp_path / "good.txt"]))
    assert (outcomes["odd.pdf"].status, outcomes["odd.pdf"].code) == ("failed", "corrupt_pdf")
    assert "ZeroDivisionError" in (outcomes["odd.pdf"].message or "")
    assert outcomes["good.txt"].status == "added"


def test_unsupported_extension_given_explicitly(tmp_project: Project, tmp_path: Path) -> None:
    """An explicitly named file of an unknown type fails with unsupported_type and lists types."""
    odd = tmp_path / "notes.rtf"
    odd.write_text(GOOD_TEXT, encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    outcomes = _by_name(tmp_project.ingest([odd, good]))
    assert outcomes["notes.rtf"].status == "failed"
    assert outcomes["notes.rtf"].code == "unsupported_type"
    assert ".txt" in (outcomes["notes.rtf"].message or "")
    assert outcomes["good.txt"].status == "added"


def test_unsupported_file_in_folder_is_skipped(tmp_project: Project, tmp_path: Path) -> None:
    """Inside a folder, unknown types are skipped (reported), not failures."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (tmp_path / "in" / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    report = tmp_project.ingest([tmp_path / "in"])
    outcomes = _by_name(report)
    assert outcomes["photo.jpg"].status == "skipped"
    assert report.ok


def test_missing_path(tmp_project: Project, tmp_path: Path) -> None:
    """A path that does not exist is reported as not_found; other paths are still ingested."""
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    report = tmp_project.ingest([tmp_path / "nowhere.txt", good])
    outcomes = _by_name(report)
    assert (outcomes["nowhere.txt"].status, outcomes["nowhere.txt"].code) == ("failed",
                                                                              "not_found")
    assert outcomes["good.txt"].status == "added"


def test_file_removed_after_planning(tmp_project: Project, tmp_path: Path) -> None:
    """A file deleted between planning and reading is not_found, not a crash."""
    from exitlens.ingest.runner import IngestRunner, plan_inputs

    path = tmp_path / "fleeting.txt"
    path.write_text(GOOD_TEXT, encoding="utf-8")
    planned, early = plan_inputs([path])
    assert early == [] and len(planned) == 1
    path.unlink()
    (outcome,) = IngestRunner(tmp_project.db, tmp_project.settings.ingest,
                              tmp_project.actor).run(planned)
    assert (outcome.status, outcome.code) == ("failed", "not_found")


def test_bad_jsonl_lines_reported_with_line_numbers(tmp_project: Project, tmp_path: Path) -> None:
    """Invalid JSON, a record without text and a duplicate id fail with file:line; good lines
    of the same file are stored."""
    path = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps({"id": "a", "text": "Kasimir Vell left the movement in 2015 by bicycle."}),
        '{"id": "b", "text": "unterminated',
        json.dumps({"id": "c", "title": "no text field"}),
        json.dumps({"id": "a", "text": "A second record reusing the id a, which is not allowed."}),
        "",
        json.dumps({"id": "d", "text": "Greta Holm walked to the border with her two children."}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "e", "text": 42}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_project.ingest([path])
    failed = {o.locator: o for o in report.failures}
    for line in (2, 3, 4, 7, 8):
        loc = f"{path}:{line}"
        assert loc in failed, (loc, list(failed))
        assert failed[loc].code == "bad_jsonl"
    assert "duplicate" in (failed[f"{path}:4"].message or "")
    added = sorted(o.locator for o in report.outcomes if o.status == "added")
    assert added == [f"{path}#a", f"{path}#d"]
    assert tmp_project.count_documents() == 2


def test_jsonl_record_with_blank_text(tmp_project: Project, tmp_path: Path) -> None:
    """A record whose text is blank is refused as no_text, by record."""
    path = tmp_path / "blank.jsonl"
    path.write_bytes(c.jsonl_bytes([{"id": "z", "text": "   "},
                                    {"id": "y", "text": GOOD_TEXT}]))
    outcomes = {o.locator: o for o in tmp_project.ingest([path]).outcomes}
    assert outcomes[f"{path}#z"].status == "failed"
    assert outcomes[f"{path}#z"].code == "no_text"
    assert outcomes[f"{path}#y"].status == "added"


def test_jsonl_record_with_nul_characters(tmp_project: Project, tmp_path: Path) -> None:
    """A record whose text or title holds NUL is binary data, refused by record on both
    databases (PostgreSQL's text columns cannot hold NUL); the rest of the file is kept."""
    path = tmp_path / "nul.jsonl"
    path.write_bytes(c.jsonl_bytes([{"id": "z", "text": GOOD_TEXT.replace(" ", "\x00", 1)},
                                    {"id": "t", "text": GOOD_TEXT + " Again.",
                                     "title": "A\x00title"},
                                    {"id": "y", "text": GOOD_TEXT}]))
    outcomes = {o.locator: o for o in tmp_project.ingest([path]).outcomes}
    assert [outcomes[f"{path}#{r}"].code for r in "zt"] == ["binary_data", "binary_data"]
    assert outcomes[f"{path}#y"].status == "added"
    assert tmp_project.count_documents() == 1


def test_manifest_without_path_column(tmp_project: Project, tmp_path: Path) -> None:
    """A manifest lacking the required path column is reported as bad_manifest."""
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("file,outlet\ngood.txt,Somewhere\n", encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    report = tmp_project.ingest([manifest, good])
    outcomes = _by_name(report)
    assert outcomes["manifest.csv"].code == "bad_manifest"
    assert "path" in (outcomes["manifest.csv"].message or "")
    assert outcomes["good.txt"].status == "added"


def test_manifest_row_pointing_to_missing_file(tmp_project: Project, tmp_path: Path) -> None:
    """A manifest row whose file is missing is reported with the row; listed files still load."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    (folder / "manifest.csv").write_text(
        "path,outlet,kind\ngood.txt,Dornick Evening Post,news\nghost.txt,Nowhere Daily,news\n"
        ",Empty Row Gazette,news\n", encoding="utf-8")
    report = tmp_project.ingest([folder])
    outcomes = _by_name(report)
    assert outcomes["ghost.txt"].status == "failed"
    assert outcomes["ghost.txt"].code == "not_found"
    assert "manifest.csv:3" in (outcomes["ghost.txt"].message or "")
    assert any(o.code == "bad_manifest" and o.locator.endswith("manifest.csv:4")
               for o in report.failures)
    assert outcomes["good.txt"].status == "added"
    (summary,) = tmp_project.documents()
    assert summary.outlet == "Dornick Evening Post"
    assert summary.kind == "news"


# ---------------------------------------------------------------- the CLI


def _bad_folder(root: Path) -> Path:
    folder = root / "bad"
    folder.mkdir()
    (folder / "good.txt").write_text(GOOD_TEXT, encoding="utf-8")
    for name, make, _code in BAD_FILES.values():
        (folder / name).write_bytes(make())
    return folder


def test_cli_reports_every_bad_file_and_exits_1(tmp_path: Path, db_url: str) -> None:
    """The CLI names every bad file with its code, keeps the good one, exits 1, no traceback."""
    folder = _bad_folder(tmp_path)
    result = CliRunner().invoke(app, ["ingest", str(folder), str(tmp_path / "missing.txt"),
                                      "--db", db_url, "--format", "json"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    data = json.loads(result.stdout)
    failed = {Path(o["locator"]).name: o["code"] for o in data["outcomes"]
              if o["status"] == "failed"}
    for name, _make, code in BAD_FILES.values():
        assert failed.get(name) == code, (name, failed)
    assert failed["missing.txt"] == "not_found"
    assert data["added"] == 1


def test_cli_table_output_names_files_and_codes(tmp_path: Path, db_url: str) -> None:
    """Human output lists each failed file with its code on stderr and a summary on stdout."""
    folder = _bad_folder(tmp_path)
    result = CliRunner().invoke(app, ["ingest", str(folder), "--db", db_url, "--no-progress"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    flat = " ".join(result.stderr.split())
    for name, _make, code in BAD_FILES.values():
        assert name in flat and f"({code})" in flat, name
    assert "added 1," in result.stdout


@pytest.mark.slow
def test_cli_subprocess_no_traceback(tmp_path: Path) -> None:
    """The real entry point (python -m exitlens) prints plain errors, never a traceback."""
    folder = _bad_folder(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DB", "EXITLENS_CONFIG")}
    proc = subprocess.run(
        [sys.executable, "-m", "exitlens", "ingest", str(folder), str(tmp_path / "gone.pdf"),
         "--db", str(tmp_path / "sub.db"), "--no-progress"],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert "gone.pdf" in proc.stderr and "not_found" in proc.stderr
    assert "WARNING" not in proc.stderr  # library warnings are not shown for reported files


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["folder_is_a_file", "not_a_database"])
def test_cli_bad_database_is_plain_error(tmp_path: Path, kind: str) -> None:
    """An unusable database gives error[store_error] and exit 2, not a traceback."""
    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DB", "EXITLENS_CONFIG")}
    blocker = tmp_path / "file"
    blocker.write_text("This is a plain text file, not an SQLite database at all.\n" * 20)
    target = blocker / "sub" / "x.db" if kind == "folder_is_a_file" else blocker
    proc = subprocess.run(
        [sys.executable, "-m", "exitlens", "documents", "--db", str(target)],
        capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "error[store_error]" in proc.stderr
