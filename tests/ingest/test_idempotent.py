"""Re-ingest is idempotent; exact duplicates share a document; reprints are linked, not dropped."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from exitlens import Project
from exitlens.store.schema import DocumentLinkRow, DocumentRow, EventRow, SourceRow
from tests.corpus import Corpus, jsonl_bytes

# A ~200-word invented wire story, its reprint (new headline, one sentence added) and an
# unrelated text of similar length.
STORY = (
    "Former recruit describes escape from lakeside camp\n\n"
    "A young man who spent three years inside the Grey Lantern movement has described how he "
    "escaped from one of its camps on the northern shore of Lake Orvanne last winter. The man, "
    "who asked to be identified only as Emil, said he joined at sixteen after a recruiter "
    "promised him a salary, a motorbike and a place among people who respected him. Instead, "
    "he said, he was put to work digging trenches and carrying supplies between villages, and "
    "he was beaten when he asked to visit his mother. Emil said he began planning his escape "
    "after a friend disappeared following an argument with a commander. He saved bread for a "
    "week, waited for a night without moonlight and walked along the frozen shoreline for "
    "eleven hours until he reached a fishing village. A family there hid him in a boat shed "
    "and contacted a local priest, who drove him to the police station in Dornick. He was "
    "questioned for several days and then released to a rehabilitation programme run by the "
    "regional council. Officials said more than forty people had left the movement this year, "
    "most of them young men from the river towns who had joined for money rather than belief.\n"
)
REPRINT = (
    STORY.replace("Former recruit describes escape from lakeside camp",
                  "'I walked eleven hours on the ice': a defector's story")
    .replace("respected him.", "respected him. He said his older brother had joined first.")
)
UNRELATED = (
    "Council approves new ferry timetable for the summer season\n\n"
    "The regional council on Tuesday approved a new ferry timetable that adds two evening "
    "crossings between Vessaline and the islands during July and August. Councillors said the "
    "change responds to complaints from shop owners and hotel staff who could not get home "
    "after late shifts. The ferry operator will hire four additional deckhands and repaint the "
    "older of its two vessels before the season begins. Ticket prices will stay the same for "
    "residents, while visitors will pay a small surcharge on weekend crossings. A proposal to "
    "build a second landing stage on the eastern islands was postponed until the autumn, when "
    "engineers are expected to deliver a report on the condition of the existing pier and the "
    "costs of dredging the harbour entrance. Local fishermen welcomed the decision to delay, "
    "saying construction in spring would disturb the spawning grounds near the pier.\n"
)


def _counts(project: Project) -> tuple[int, int, int]:
    with project.db.session() as session:
        return (
            session.scalar(select(func.count()).select_from(DocumentRow)) or 0,
            session.scalar(select(func.count()).select_from(SourceRow)) or 0,
            session.scalar(select(func.count()).select_from(DocumentLinkRow)) or 0,
        )


def test_reingest_same_folder_adds_nothing(tmp_project: Project, corpus: Corpus) -> None:
    """A second run over the same files reports every file unchanged and stores nothing new."""
    first = tmp_project.ingest([corpus.root])
    assert first.ok and first.count("added") >= len(corpus.files) - 1
    before = _counts(tmp_project)
    texts_before = {d.id: tmp_project.document(d.id).text for d in tmp_project.documents()}

    second = tmp_project.ingest([corpus.root])
    assert second.ok
    assert {o.status for o in second.outcomes} == {"unchanged"}
    assert len(second.outcomes) == len(first.outcomes)
    assert [o.document_id for o in second.outcomes] == [o.document_id for o in first.outcomes]
    assert _counts(tmp_project) == before
    assert {d.id: tmp_project.document(d.id).text for d in tmp_project.documents()} == texts_before


def test_reingest_via_new_project_instance(corpus: Corpus, db_url: str) -> None:
    """Idempotence holds across processes: a fresh Project on the same database changes
    nothing."""
    with Project.open(db_url, actor="test") as p1:
        p1.ingest([corpus.root])
        before = _counts(p1)
    with Project.open(db_url, actor="test") as p2:
        report = p2.ingest([corpus.root])
        assert report.count("added") == 0 and report.count("duplicate") == 0
        assert _counts(p2) == before


def test_same_text_other_filename_is_duplicate(tmp_project: Project, tmp_path: Path) -> None:
    """Identical stored text under another name: one document, two sources."""
    (tmp_path / "a.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "b.txt").write_text(STORY, encoding="utf-8")
    # Same stored text from different raw bytes (CRLF) is also the same document.
    (tmp_path / "c.txt").write_bytes(STORY.replace("\n", "\r\n").encode("utf-8"))
    report = tmp_project.ingest([tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"])
    statuses = [o.status for o in report.outcomes]
    assert statuses == ["added", "duplicate", "duplicate"]
    doc_id = report.outcomes[0].document_id
    assert all(o.document_id == doc_id for o in report.outcomes)
    assert _counts(tmp_project)[:2] == (1, 3)
    (summary,) = tmp_project.documents()
    assert summary.n_sources == 3
    with tmp_project.db.session() as session:
        actions = session.scalars(select(EventRow.action)).all()
    assert actions.count("ingest.duplicate") == 2


def test_changed_file_adds_new_document(tmp_project: Project, tmp_path: Path) -> None:
    """Editing a file and re-ingesting stores the new text as a new document; the old stays."""
    path = tmp_path / "story.txt"
    path.write_text(UNRELATED, encoding="utf-8")
    first = tmp_project.ingest([path])
    path.write_text(STORY, encoding="utf-8")
    second = tmp_project.ingest([path])
    assert second.outcomes[0].status == "added"
    assert second.outcomes[0].document_id != first.outcomes[0].document_id
    assert tmp_project.count_documents() == 2
    assert tmp_project.document(first.outcomes[0].document_id or 0).text == UNRELATED
    assert tmp_project.document(second.outcomes[0].document_id or 0).text == STORY
    third = tmp_project.ingest([path])
    assert third.outcomes[0].status == "unchanged"


def test_near_duplicate_reprint_is_linked_not_dropped(tmp_project: Project,
                                                      tmp_path: Path) -> None:
    """A reprint with a new headline and an extra sentence is stored and linked to the original."""
    (tmp_path / "original.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "reprint.txt").write_text(REPRINT, encoding="utf-8")
    report = tmp_project.ingest([tmp_path / "original.txt", tmp_path / "reprint.txt"])
    original, reprint = report.outcomes
    assert original.status == reprint.status == "added"
    assert tmp_project.count_documents() == 2
    assert [d for d, _ in reprint.near_duplicates] == [original.document_id]
    assert 0.7 <= reprint.near_duplicates[0][1] < 1.0
    with tmp_project.db.session() as session:
        links = session.execute(select(DocumentLinkRow.document_id, DocumentLinkRow.other_id,
                                       DocumentLinkRow.relation)).all()
    assert links == [(reprint.document_id, original.document_id, "near_duplicate")]
    summaries = {d.id: d for d in tmp_project.documents()}
    assert summaries[original.document_id or 0].near_duplicates == [reprint.document_id]
    assert summaries[reprint.document_id or 0].near_duplicates == [original.document_id]
    reprint_text = tmp_project.document(reprint.document_id or 0).text
    assert "older brother had joined first" in reprint_text
    assert tmp_project.summary()["near_duplicate_pairs"] == 1


def test_reprint_linked_in_later_run(tmp_path: Path, db_url: str) -> None:
    """The near-duplicate index is rebuilt from stored signatures: a later run still links."""
    (tmp_path / "original.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "reprint.txt").write_text(REPRINT, encoding="utf-8")
    with Project.open(db_url, actor="test") as p:
        (orig,) = p.ingest([tmp_path / "original.txt"]).outcomes
    with Project.open(db_url, actor="test") as p:
        (rep,) = p.ingest([tmp_path / "reprint.txt"]).outcomes
        assert [d for d, _ in rep.near_duplicates] == [orig.document_id]


def test_unrelated_texts_not_linked(tmp_project: Project, tmp_path: Path,
                                    corpus: Corpus) -> None:
    """Different stories (even on the same topic) are not linked as near-duplicates."""
    (tmp_path / "story.txt").write_text(STORY, encoding="utf-8")
    (tmp_path / "ferry.txt").write_text(UNRELATED, encoding="utf-8")
    report = tmp_project.ingest([tmp_path / "story.txt", tmp_path / "ferry.txt", corpus.root])
    assert all(o.near_duplicates == [] for o in report.outcomes)
    assert _counts(tmp_project)[2] == 0
    assert all(d.near_duplicates == [] for d in tmp_project.documents())


def test_jsonl_reingest_and_changed_record(tmp_project: Project, tmp_path: Path) -> None:
    """JSONL records are tracked one by one: unchanged records stay, an edited one is added."""
    path = tmp_path / "records.jsonl"
    path.write_text('{"id": "r1", "text": "Nils Aander left the camp in 2014 on foot."}\n'
                    '{"id": "r2", "text": "Mira Solt surrendered at a checkpoint in 2016."}\n',
                    encoding="utf-8")
    assert tmp_project.ingest([path]).count("added") == 2
    again = tmp_project.ingest([path])
    assert [o.status for o in again.outcomes] == ["unchanged", "unchanged"]
    path.write_text('{"id": "r1", "text": "Nils Aander left the camp in 2014 on foot."}\n'
                    '{"id": "r2", "text": "Mira Solt surrendered at a border post in 2016."}\n',
                    encoding="utf-8")
    third = tmp_project.ingest([path])
    assert sorted(o.status for o in third.outcomes) == ["added", "unchanged"]
    assert tmp_project.count_documents() == 3


def test_reprints_within_one_jsonl_file_are_linked(tmp_project: Project,
                                                   tmp_path: Path) -> None:
    """Near-duplicate records of the same JSONL file (one transaction) are linked too."""
    path = tmp_path / "wire.jsonl"
    path.write_bytes(jsonl_bytes([{"id": "orig", "text": STORY},
                                  {"id": "reprint", "text": REPRINT},
                                  {"id": "ferry", "text": UNRELATED}]))
    report = tmp_project.ingest([path])
    by_id = {o.locator.rsplit("#", 1)[1]: o for o in report.outcomes}
    assert [o.status for o in by_id.values()] == ["added"] * 3
    assert [d for d, _ in by_id["reprint"].near_duplicates] == [by_id["orig"].document_id]
    assert by_id["ferry"].near_duplicates == []
    assert tmp_project.summary()["near_duplicate_pairs"] == 1
