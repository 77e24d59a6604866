"""CSV manifests attach provenance to files and define which files of a folder are the corpus."""

from __future__ import annotations

from pathlib import Path

from exitlens import Project
from tests import corpus as c
from tests.corpus import Corpus


def test_manifest_provenance_reaches_document(tmp_project: Project,
                                              manifest_corpus: Corpus) -> None:
    """url, outlet, published, kind, title and author from the manifest are stored."""
    report = tmp_project.ingest([manifest_corpus.root])
    assert report.ok and report.count("added") == 1
    (summary,) = tmp_project.documents()
    doc = tmp_project.document(summary.id)
    assert doc.text == c.MANIFEST_TEXT
    assert (doc.url, doc.outlet, doc.published, doc.kind, doc.title, doc.author) == (
        "https://example.net/hakon", "Dornick Evening Post", "2020-11-03", "news",
        "The football club recruit", "Jonas Ebbe")


def test_manifest_given_directly(tmp_project: Project, manifest_corpus: Corpus) -> None:
    """Naming the CSV itself ingests the files it lists, relative to the CSV's folder."""
    report = tmp_project.ingest([manifest_corpus.path("manifest.csv")])
    assert [o.status for o in report.outcomes] == ["added"]
    assert report.outcomes[0].locator == str(manifest_corpus.path("hakon.txt").resolve())


def test_manifest_overrides_file_metadata(tmp_project: Project, tmp_path: Path) -> None:
    """Manifest values win over the file's own metadata (an HTML page's author/site)."""
    folder = tmp_path / "web"
    folder.mkdir()
    (folder / "page.html").write_bytes(c.html_page())
    (folder / "manifest.csv").write_text(
        "Path,Outlet,Date,Author\npage.html,The Original Daily,2022-03-01,Rhea Tamsworth\n",
        encoding="utf-8")
    tmp_project.ingest([folder])
    (summary,) = tmp_project.documents()
    assert (summary.outlet, summary.published, summary.author) == (
        "The Original Daily", "2022-03-01", "Rhea Tamsworth")


def test_unlisted_files_next_to_manifest_are_skipped(tmp_project: Project,
                                                     manifest_corpus: Corpus) -> None:
    """In a folder with a manifest, a file it does not list (a README) is skipped, not read."""
    (manifest_corpus.root / "README.md").write_text("How this folder was collected, by hand.\n")
    report = tmp_project.ingest([manifest_corpus.root])
    skipped = [o for o in report.outcomes if o.status == "skipped"]
    assert [Path(o.locator).name for o in skipped] == ["README.md"]
    assert tmp_project.count_documents() == 1
    assert report.ok


def test_unknown_kind_in_manifest_is_noted(tmp_project: Project, tmp_path: Path) -> None:
    """A kind outside SPEC §1 is dropped with a note naming the manifest line."""
    (tmp_path / "a.txt").write_text(c.MANIFEST_TEXT, encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_text("path,kind\na.txt,gossip\n", encoding="utf-8")
    (outcome,) = tmp_project.ingest([manifest]).outcomes
    assert outcome.status == "added"
    assert any("gossip" in n and "m.csv:2" in n for n in outcome.notes)
    assert tmp_project.document(outcome.document_id or 0).kind == "unknown"


def test_manifest_in_cp1252(tmp_project: Project, tmp_path: Path) -> None:
    """A manifest saved in a legacy Windows encoding is detected and decoded correctly."""
    (tmp_path / "a.txt").write_text(c.MANIFEST_TEXT, encoding="utf-8")
    (tmp_path / "b.txt").write_text(c.TXT_UTF16, encoding="utf-8")
    manifest = tmp_path / "m.csv"
    manifest.write_bytes(
        "path,outlet,title\n"
        "a.txt,Le Journal de Brèvemont,Café à l'aube près du lac où l'été dernier\n"
        "b.txt,La Gazette d'Orvanne,Témoignage: « je suis parti à pied », déclare un ancien "
        "élève\n".encode("cp1252"))
    report = tmp_project.ingest([manifest])
    assert all(any("m.csv: not valid UTF-8" in n for n in o.notes) for o in report.outcomes)
    outlets = sorted(d.outlet or "" for d in tmp_project.documents())
    assert outlets == ["La Gazette d'Orvanne", "Le Journal de Brèvemont"]
