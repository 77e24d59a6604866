"""REFI-QDA export and import: schema validity, round trips, foreign files, bad input."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from lxml import etree  # type: ignore[import-untyped]
from sqlalchemy import func, select
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app
from exitlens.coding.codebook import load_codebook, parse_codebook
from exitlens.errors import ExitlensError
from exitlens.sharing.refi import read_qdc, read_qdpx, write_qdc, write_qdpx
from exitlens.sharing.refi.common import code_guid, codebook_schema, project_schema
from exitlens.store.schema import CodebookVersionRow, CodingRow, DocumentRow, EventRow

P = "{urn:QDA-XML:project:1.0}"

# Fictional texts written for these tests. The first has non-ASCII letters and an emoji
# (one code point, two UTF-16 units, four UTF-8 bytes) before the coded spans.
TEXT_A = ("Zoë Brünnhilde-Ødegård told the reporter 😀 about Raqqa.\n"
          "She said the emir kept our wages and drove a new car.\n"
          "Later she fled to the border at night.\n")
TEXT_B = ("A former fighter, now in a camp, said the commanders sent the young men to die "
          "first.\nHe missed his mother and wanted a normal life.\n")


def _span(text: str, phrase: str) -> tuple[int, int]:
    start = text.index(phrase)
    return start, start + len(phrase)


def _seed(project: Project, folder: Path) -> None:
    """Two ingested documents with codings of machines and of a person."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (folder / "b.txt").write_text(TEXT_B, encoding="utf-8")
    project.ingest([folder])
    with project.db.session() as session:
        docs = {row.text: row.id for row in session.scalars(select(DocumentRow))}
        rows = [
            (TEXT_A, "the emir kept our wages", "corruption", "rules", 0.81, "suggested", None),
            (TEXT_A, "the emir kept our wages and drove a new car.\nLater she fled",
             "living_conditions", "human:alice", 1.0, "accepted", "alice"),
            (TEXT_B, "sent the young men to die", "expendability", "ensemble", 0.66,
             "rejected", "bob"),
            (TEXT_B, "He missed his mother", "family", "embedding", 0.58, "suggested", None),
        ]
        for text, phrase, code, coder, confidence, status, user in rows:
            start, end = _span(text, phrase)
            session.add(CodingRow(document_id=docs[text], person_id=None, analysis_id=None,
                                  code=code, start=start, end=end, coder=coder,
                                  confidence=confidence, status=status, user=user))


def _bundle(project: Project) -> Any:
    return project.export_bundle()


def _codings(project: Project) -> list[tuple[Any, ...]]:
    with project.db.session() as session:
        out = []
        for c in session.scalars(select(CodingRow)):
            text = session.get(DocumentRow, c.document_id).text  # type: ignore[union-attr]
            out.append((text[c.start:c.end], c.start, c.end, c.code, c.coder, c.status,
                        round(c.confidence, 4), c.user, c.person_id))
        return sorted(out)


def _counts(project: Project) -> dict[str, int]:
    with project.db.session() as session:
        return {table.__tablename__: session.scalar(select(func.count()).select_from(table)) or 0
                for table in (DocumentRow, CodingRow, CodebookVersionRow, EventRow)}


# --------------------------------------------------------------------------- codebook


def test_qdc_of_default_codebook_is_valid_and_reads_back(tmp_path: Path) -> None:
    codebook = load_codebook()
    path = write_qdc(codebook, tmp_path / "codebook.qdc")
    root = etree.parse(str(path))
    assert codebook_schema().validate(root), codebook_schema().error_log
    assert root.getroot().get("origin", "").startswith("exitlens")
    parsed = read_qdc(path)
    names = [c.name for c in parsed.codes]
    assert len(names) == len(set(n.casefold() for n in names))
    codable = {c.guid for c in parsed.codes if c.codable}
    assert codable == {code_guid(cid) for cid in codebook.codes}
    # children sit under their parent code, codes under their family
    infighting = next(c for c in parsed.codes if c.guid == code_guid("infighting"))
    family = next(c for c in parsed.codes if c.guid == infighting.parent)
    assert not family.codable and family.name == "Fighting injustice"
    # stable GUIDs: a second export is byte-identical
    again = write_qdc(codebook, tmp_path / "again.qdc")
    assert again.read_bytes() == path.read_bytes()


def test_qdc_disambiguates_colliding_names(tmp_path: Path) -> None:
    codebook = parse_codebook("""
dimensions:
  - id: exit
    label: Exit
    families:
      - id: home
        label: Family
        codes:
          - id: family
            label: Family
            children:
              - id: kin_pressure
                label: family
  - id: join
    label: Join
    codes:
      - id: join_family
        label: Family
""")
    path = write_qdc(codebook, tmp_path / "c.qdc")
    names = [c.name for c in read_qdc(path).codes]
    assert len({n.casefold() for n in names}) == len(names) == 6
    assert "Family (family)" in names and "Family (home)" in names


# --------------------------------------------------------------------------- project export


def test_qdpx_export_validates_and_is_what_importers_need(tmp_project: Project,
                                                          tmp_path: Path) -> None:
    _seed(tmp_project, tmp_path / "docs")
    path = write_qdpx(_bundle(tmp_project), tmp_path / "out.qdpx")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        qde = etree.fromstring(archive.read("project.qde"))
        files = {n: archive.read(n) for n in names if n.startswith("sources/")}
    assert project_schema().validate(qde), project_schema().error_log
    assert qde.get("origin", "").startswith("exitlens")
    assert len(files) == 2
    for data in files.values():
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
    # no empty container anywhere
    for el in qde.iter():
        if etree.QName(el).localname in ("Users", "Variables", "Cases", "Sources", "Sets",
                                         "Notes", "Codes"):
            assert len(el) > 0
    users = {u.get("guid"): u.get("name") for u in qde.iter(f"{P}User")}
    assert {"rules", "alice", "ensemble", "bob", "embedding"} <= set(users.values())
    sources = {s.get("guid"): s for s in qde.iter(f"{P}TextSource")}
    n_selections = 0
    for sguid, src in sources.items():
        assert src.get("plainTextPath") == f"internal://{sguid}.txt"
        text = files[f"sources/{sguid}.txt"].decode("utf-8")
        for sel in src.iter(f"{P}PlainTextSelection"):
            n_selections += 1
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert text[start:end] == sel.get("name")
            assert sel.get("creatingUser") in users
            coding = sel.find(f"{P}Coding")
            assert coding.get("creatingUser") == sel.get("creatingUser")
    assert n_selections == 4
    # the multi-line quote keeps its newline, written as &#10; in the attribute
    raw = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
    assert "new car.&#10;Later she fled" in raw
    # every GUID reference points at an element spelled exactly the same
    guids = {el.get("guid") for el in qde.iter() if el.get("guid")}
    refs = [el.get("targetGUID") for el in qde.iter() if el.get("targetGUID")]
    refs += [el.get("creatingUser") for el in qde.iter() if el.get("creatingUser")]
    assert refs and set(refs) <= guids


def test_qdpx_export_remaps_crlf_and_carries_cases(tmp_path: Path) -> None:
    """A stored text with CRLF (never from our readers, but possible in old databases) is
    written LF-only with positions moved; a form feed (PDF page break) survives in the
    source file; cases carry profile variables and refs."""
    codebook = load_codebook()
    text = "Line one.\r\nPage\x0cbreak. He said the pay\x0cnever came.\r\nEnd."
    start, end = _span(text, "the pay\x0cnever came")
    documents = pd.DataFrame([{
        "id": 1, "title": "CRLF text", "author": None, "outlet": "Example Post",
        "url": None, "published": "2016-05-01", "kind": "news", "language": "en",
        "text_sha256": "x" * 64, "n_chars": len(text), "text": text}])
    codings = pd.DataFrame([{
        "id": 7, "document_id": 1, "person_id": 3, "case_id": 5, "code": "living_conditions",
        "start": start, "end": end, "text": text[start:end], "coder": "classifier",
        "confidence": 0.7, "status": "suggested", "user": None,
        "created_at": "2026-12-01T10:00:00+00:00", "updated_at": None}])
    cases = pd.DataFrame([{"case_id": 5, "label": "Defector 5", "document_ids": [1],
                           "gender": "m", "nationality": "DE", "age": 31, "joined_year": 2014,
                           "left_year": None, "n_sources": 1}])

    class Bundle:
        pass

    bundle = Bundle()
    bundle.documents, bundle.codings, bundle.cases = documents, codings, cases  # type: ignore[attr-defined]
    bundle.codebook, bundle.redacted = codebook, False  # type: ignore[attr-defined]
    path = write_qdpx(bundle, tmp_path / "crlf.qdpx")  # type: ignore[arg-type]
    parsed = read_qdpx(path)
    (source,) = parsed.sources
    (sel,) = source.selections
    assert "\r" not in source.text
    assert source.text[sel.start:sel.end] == "the pay\x0cnever came"
    assert sel.name == "the pay\ufffdnever came"  # XML cannot hold a form feed
    (case,) = parsed.cases
    assert case.variables["nationality"] == "DE" and case.variables["age"] == 31
    assert case.sources == [source.guid] and case.selections == [sel.guid]
    assert source.variables["outlet"] == "Example Post"


def test_bad_output_path(tmp_project: Project, tmp_path: Path) -> None:
    bundle = _bundle(tmp_project)
    with pytest.raises(ExitlensError) as err:
        write_qdpx(bundle, tmp_path / "missing" / "out.qdpx")
    assert err.value.code == "bad_output_path" and "missing" in str(err.value)
    with pytest.raises(ExitlensError) as err:
        write_qdc(load_codebook(), tmp_path / "nowhere" / "c.qdc")
    assert err.value.code == "bad_output_path"
    if os.geteuid() != 0:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o500)
        try:
            with pytest.raises(ExitlensError) as err:
                write_qdpx(bundle, locked / "out.qdpx")
            assert err.value.code == "bad_output_path"
            assert list(locked.iterdir()) == []
        finally:
            locked.chmod(0o700)


# --------------------------------------------------------------------------- round trip


def test_round_trip_into_a_fresh_database_keeps_every_coding(
        tmp_project: Project, make_project: Any, tmp_path: Path) -> None:
    _seed(tmp_project, tmp_path / "docs")
    before = _codings(tmp_project)
    path = write_qdpx(_bundle(tmp_project), tmp_path / "study.qdpx")
    fresh = make_project("fresh.db")
    report = fresh.import_refi(path)
    assert report.codes_added == [] and report.codebook_version is None
    assert len(report.documents_added) == 2 and report.codings_added == 4
    assert _codings(fresh) == before
    # the emoji counts as one code point: the span still starts where it did
    start, _ = _span(TEXT_A, "the emir kept our wages")
    assert any(c[1] == start and c[3] == "corruption" for c in _codings(fresh))
    texts = {d.text for d in fresh.iter_documents()}
    assert texts == {TEXT_A, TEXT_B}
    # importing the same file again adds nothing
    again = fresh.import_refi(path)
    assert again.codings_added == 0 and again.codings_present == 4
    assert sorted(again.documents_reused) == sorted(report.documents_added)
    assert _codings(fresh) == before
    # person-less codings are codings of text: the case tables do not count them
    assert fresh.case_codings().empty
    assert any("not yet of a defector" in note for note in report.notes)
    with pytest.raises(ExitlensError) as err:
        fresh.case_frames()
    assert err.value.code == "no_cases"


# --------------------------------------------------------------------------- foreign files

FOREIGN_QDE = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Interviews" origin="QualCoder 3.5"
         creationDateTime="2025-03-01T09:00:00Z">
  <Users>
    <User guid="6F9619FF-8B86-D011-B42D-00C04FC964FF" name="Maria"/>
    <User guid="7A1B2C3D-0000-4000-8000-000000000001" name="Tomas"/>
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="A0000000-0000-4000-8000-000000000001" name="Reasons for leaving"
            isCodable="false" color="#AA0000">
        <Description>Top category</Description>
        <Code guid="A0000000-0000-4000-8000-000000000002" name="Violence against civilians"
              isCodable="true">
          <Description>Harm to non-combatants seen or done.</Description>
          <Code guid="A0000000-0000-4000-8000-000000000003" name="Public executions"
                isCodable="true"/>
        </Code>
        <Code guid="A0000000-0000-4000-8000-000000000004" name="Boredom and idleness"
              isCodable="true"/>
      </Code>
      <Code guid="A0000000-0000-4000-8000-000000000005" name="corruption"
            isCodable="true"/>
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="B0000000-0000-4000-8000-000000000001" name="Outlet" typeOfVariable="Text"/>
    <Variable guid="B0000000-0000-4000-8000-000000000002" name="Age" typeOfVariable="Integer"/>
  </Variables>
  <Cases>
    <Case guid="C0000000-0000-4000-8000-000000000001" name="Interviewee 1">
      <VariableValue>
        <VariableRef targetGUID="B0000000-0000-4000-8000-000000000002"/>
        <IntegerValue>29</IntegerValue>
      </VariableValue>
      <SourceRef targetGUID="D0000000-0000-4000-8000-000000000001"/>
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="D0000000-0000-4000-8000-000000000001" name="Interview 1"
                plainTextPath="internal://D0000000-0000-4000-8000-000000000001.txt"
                creatingUser="6F9619FF-8B86-D011-B42D-00C04FC964FF">
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000001" name="{q1}"
          startPosition="{s1}" endPosition="{e1}"
          creatingUser="6F9619FF-8B86-D011-B42D-00C04FC964FF"
          creationDateTime="2025-03-02T10:00:00Z">
        <Coding guid="F0000000-0000-4000-8000-000000000001"
                creatingUser="6F9619FF-8B86-D011-B42D-00C04FC964FF">
          <CodeRef targetGUID="A0000000-0000-4000-8000-000000000003"/>
        </Coding>
        <NoteRef targetGUID="99999999-0000-4000-8000-000000000001"/>
      </PlainTextSelection>
      <PlainTextSelection guid="E0000000-0000-4000-8000-000000000002" name="{q2}"
          startPosition="{s2}" endPosition="{e2}"
          creatingUser="7A1B2C3D-0000-4000-8000-000000000001">
        <Coding guid="F0000000-0000-4000-8000-000000000002">
          <CodeRef targetGUID="A0000000-0000-4000-8000-000000000004"/>
        </Coding>
        <Coding guid="F0000000-0000-4000-8000-000000000003">
          <CodeRef targetGUID="a0000000-0000-4000-8000-000000000005"/>
        </Coding>
      </PlainTextSelection>
      <VariableValue>
        <VariableRef targetGUID="B0000000-0000-4000-8000-000000000001"/>
        <TextValue>Field notes</TextValue>
      </VariableValue>
    </TextSource>
    <PDFSource guid="D0000000-0000-4000-8000-000000000002" name="Scan"
               path="internal://D0000000-0000-4000-8000-000000000002.pdf">
      <PDFSelection guid="E0000000-0000-4000-8000-000000000009" page="1" firstX="1"
                    firstY="1" secondX="5" secondY="5">
        <Coding guid="F0000000-0000-4000-8000-000000000009">
          <CodeRef targetGUID="A0000000-0000-4000-8000-000000000002"/>
        </Coding>
      </PDFSelection>
    </PDFSource>
  </Sources>
  <Notes>
    <Note guid="99999999-0000-4000-8000-000000000001" name="Memo"
          plainTextPath="internal://99999999-0000-4000-8000-000000000001.txt"/>
  </Notes>
  <Sets>
    <Set guid="99999999-0000-4000-8000-000000000002" name="Push factors">
      <MemberCode targetGUID="A0000000-0000-4000-8000-000000000002"/>
    </Set>
  </Sets>
</Project>
"""

# Written the Windows way: CRLF line ends and a BOM, positions counted over the LF text.
FOREIGN_TEXT = ("Interviewer: Why did you go?\r\n"
                "Answer: I watched the public killings in the square – három times.\r\n"
                "There was nothing to do all day but guard an empty road.\r\n")


def _foreign_qdpx(path: Path, qde: str | None = None, text: str = FOREIGN_TEXT) -> Path:
    lf = text.replace("\r\n", "\n")
    s1, e1 = _span(lf, "I watched the public killings")
    s2, e2 = _span(lf, "nothing to do all day")
    body = (qde or FOREIGN_QDE).replace("{q1}", lf[s1:e1]).replace("{q2}", lf[s2:e2])
    body = body.replace("{s1}", str(s1)).replace("{e1}", str(e1))
    body = body.replace("{s2}", str(s2)).replace("{e2}", str(e2))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", body.encode("utf-8"))
        archive.writestr("sources/D0000000-0000-4000-8000-000000000001.txt",
                         b"\xef\xbb\xbf" + text.encode("utf-8"))
        archive.writestr("sources/D0000000-0000-4000-8000-000000000002.pdf", b"%PDF-1.4")
        archive.writestr("sources/99999999-0000-4000-8000-000000000001.txt", b"a memo")
    return path


def test_import_of_a_file_from_another_tool(tmp_project: Project, tmp_path: Path) -> None:
    path = _foreign_qdpx(tmp_path / "qualcoder.qdpx")
    report = tmp_project.import_refi(path)
    assert report.origin == "QualCoder 3.5" and report.kind == "project"
    assert len(report.documents_added) == 1
    (doc,) = list(tmp_project.iter_documents())
    assert "\r" not in doc.text and not doc.text.startswith("\ufeff")
    assert doc.title == "Interview 1" and doc.outlet == "Field notes"
    # new codes nest as in the file; a known code id ("corruption") is matched by name
    codebook = tmp_project.codebook()
    assert set(report.codes_added) == {"reasons_for_leaving", "violence_against_civilians",
                                       "public_executions", "boredom_and_idleness"}
    assert codebook.codes["public_executions"].parent == "violence_against_civilians"
    assert codebook.codes["reasons_for_leaving"].family == "imported"
    assert report.codes_matched == 1
    assert report.codebook_version is not None
    codings = {c[3]: c for c in _codings(tmp_project)}
    assert codings["public_executions"][0] == "I watched the public killings"
    assert codings["public_executions"][4:6] == ("human:Maria", "accepted")
    assert codings["corruption"][0] == "nothing to do all day"
    assert codings["corruption"][4] == "human:Tomas"
    assert report.skipped["PDFSource (not a text source)"] == 1
    assert report.skipped["codings on non-text sources"] == 1
    assert report.skipped["notes"] == 1 and report.skipped["sets"] == 1
    assert report.skipped["note references"] == 1
    assert report.kept == {"cases (in the import event, not mapped to defector cases)": 1,
                           "variables (in the import event)": 2}
    event = next(e for e in tmp_project.events() if e["action"] == "refi.import")
    assert event["payload"]["cases"][0]["variables"] == {"Age": 29}
    # the stored codebook is now the project's, and the analysis fingerprint follows it
    assert any(e["action"] == "codebook.store" for e in tmp_project.events())


def test_import_of_a_codebook_file(tmp_project: Project, tmp_path: Path) -> None:
    qdc = tmp_path / "other.qdc"
    qdc.write_text("""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="ATLAS.ti 23">
  <Codes>
    <Code guid="{11111111-2222-4333-8444-555555555555}" name="Disillusion" isCodable="true">
      <Description>Lost belief in the cause.</Description>
    </Code>
    <Code guid="{11111111-2222-4333-8444-555555555556}" name="Boredom" isCodable="true"/>
  </Codes>
  <Sets><Set guid="11111111-2222-4333-8444-555555555557" name="S"/></Sets>
</CodeBook>
""", encoding="utf-8")
    report = tmp_project.import_refi(qdc)
    assert report.kind == "codebook" and report.codes_added == ["disillusion"]
    assert report.codes_matched == 1 and report.skipped == {"sets": 1}
    assert tmp_project.codebook().codes["disillusion"].definition == "Lost belief in the cause."
    # importing it again matches both by the GUID remembered from the first import
    again = tmp_project.import_refi(qdc)
    assert again.codes_added == [] and again.codes_matched == 2
    assert len(tmp_project.codebook_versions()) == 1


# --------------------------------------------------------------------------- bad input


def _expect(project: Project, path: Path, code: str) -> ExitlensError:
    before = _counts(project)
    with pytest.raises(ExitlensError) as err:
        project.import_refi(path)
    assert err.value.code == code
    assert str(path) in str(err.value)
    assert _counts(project) == before
    return err.value


def test_bad_inputs_name_the_file_and_import_nothing(tmp_project: Project,
                                                     tmp_path: Path) -> None:
    not_zip = tmp_path / "plain.qdpx"
    not_zip.write_text("hello", encoding="utf-8")
    _expect(tmp_project, not_zip, "not_a_zip")

    empty = tmp_path / "empty.qdpx"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("sources/x.txt", "text")
    _expect(tmp_project, empty, "no_project_file")

    bad_schema = _foreign_qdpx(tmp_path / "schema.qdpx",
                               FOREIGN_QDE.replace('isCodable="true"/>', "/>", 1))
    err = _expect(tmp_project, bad_schema, "schema_invalid")
    assert "line" in err.message and "isCodable" in err.message

    out_of_range = _foreign_qdpx(tmp_path / "range.qdpx",
                                 FOREIGN_QDE.replace('endPosition="{e2}"', 'endPosition="9999"'))
    err = _expect(tmp_project, out_of_range, "selection_out_of_range")
    assert "e0000000-0000-4000-8000-000000000002" in err.message
    assert "Interview 1" in err.message

    unknown = _foreign_qdpx(tmp_path / "unknown.qdpx", FOREIGN_QDE.replace(
        'a0000000-0000-4000-8000-000000000005"/>', 'a0000000-0000-4000-8000-0000000000ff"/>'))
    _expect(tmp_project, unknown, "unknown_code_ref")


def test_failure_late_in_the_import_rolls_everything_back(tmp_project: Project,
                                                          tmp_path: Path) -> None:
    """The first source is stored and the codebook grows before the second source fails:
    none of it may stay."""
    second = """    <TextSource guid="D0000000-0000-4000-8000-0000000000AA" name="Blank">
      <PlainTextContent>   </PlainTextContent>
    </TextSource>
    <PDFSource"""
    path = _foreign_qdpx(tmp_path / "late.qdpx", FOREIGN_QDE.replace("    <PDFSource", second))
    _expect(tmp_project, path, "empty_source")
    assert tmp_project.codebook_versions() == []
    assert "public_executions" not in tmp_project.codebook()


# --------------------------------------------------------------------------- stored codebook


def test_stored_codebook_is_used_and_guarded(tmp_project: Project, tmp_path: Path) -> None:
    _seed(tmp_project, tmp_path / "docs")
    default_fp = tmp_project.analysis_fingerprint()
    slim = tmp_path / "slim.yaml"
    slim.write_text("""
dimensions:
  - id: exit
    label: Exit
    codes:
      - id: corruption
        label: Corruption
""", encoding="utf-8")
    with pytest.raises(ExitlensError) as err:
        tmp_project.store_codebook(slim)
    assert err.value.code == "codebook_mismatch"
    assert "living_conditions" in err.value.message
    assert tmp_project.codebook_versions() == []
    stored = tmp_project.store_codebook(slim, force=True)
    assert stored["codes"] == 1
    assert list(tmp_project.codebook().codes) == ["corruption"]
    assert tmp_project.analysis_fingerprint() != default_fp
    assert tmp_project.pipeline().context.codebook is tmp_project.codebook()
    event = next(e for e in tmp_project.events() if e["action"] == "codebook.store")
    assert event["payload"]["forced"] is True
    # storing the full codebook again: the fingerprint follows the content
    tmp_project.store_codebook(load_codebook())
    assert tmp_project.analysis_fingerprint() not in (default_fp,)
    assert len(tmp_project.codebook_versions()) == 2


def test_cli_import(tmp_path: Path, db_url: str) -> None:
    path = _foreign_qdpx(tmp_path / "cli.qdpx")
    db = db_url
    result = CliRunner().invoke(app, ["import", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "skipped: 1 notes" in result.output
    result = CliRunner().invoke(app, ["import", str(path), "--db", db, "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["codings_present"] == 3
    bad = tmp_path / "bad.qdpx"
    bad.write_bytes(b"not a zip")
    result = CliRunner().invoke(app, ["import", str(bad), "--db", db])
    assert result.exit_code == 2
    assert "error[not_a_zip]" in result.output and "bad.qdpx" in result.output


# --------------------------------------------------------------------------- analysed corpus


def test_analysed_sample_corpus_round_trip_with_cases(make_project: Any, tmp_path: Path) -> None:
    """The real pipeline's codings (persons, cases, several coders) leave and come back
    with their text, offsets, coder, status and confidence; cases carry their profile."""
    from importlib import resources

    corpus = Path(str(resources.files("exitlens").joinpath("data/sample_corpus")))
    source = make_project("analysed.db")
    source.ingest(sorted(corpus.glob("0[1-4]-*")))
    source.analyze()
    bundle = source.export_bundle()
    assert len(bundle.codings) and len(bundle.cases)
    path = write_qdpx(bundle, tmp_path / "analysed.qdpx")
    parsed = read_qdpx(path)
    assert len(parsed.cases) == len(bundle.cases)
    assert any("nationality" in c.variables or "gender" in c.variables for c in parsed.cases)
    expected = sorted(
        (row.text, row.start, row.end, row.code, row.coder, row.status,
         round(float(row.confidence), 4)) for row in bundle.codings.itertuples())
    fresh = make_project("fresh.db")
    report = fresh.import_refi(path)
    assert report.codings_added == len(expected) and report.codes_added == []
    assert sorted(c[:7] for c in _codings(fresh)) == expected
    assert all(c[8] is None for c in _codings(fresh))  # codings of text, not of a person
    # a redacted bundle is written as valid REFI too, its spans still on their text
    redacted = write_qdpx(source.export_bundle(redact=True, salt="s"), tmp_path / "r.qdpx")
    for src in read_qdpx(redacted).sources:
        for sel in src.selections:
            assert src.text[sel.start:sel.end] == sel.name


def test_crlf_positions_counting_every_character(tmp_project: Project, tmp_path: Path) -> None:
    """Some tools count the CR of a CRLF: the quoted text decides, positions are moved."""
    text = FOREIGN_TEXT
    s1, e1 = _span(text, "I watched the public killings")
    s2, e2 = _span(text, "nothing to do all day")
    qde = FOREIGN_QDE.replace("{s1}", str(s1)).replace("{e1}", str(e1))
    qde = qde.replace("{s2}", str(s2)).replace("{e2}", str(e2))
    path = tmp_path / "crcount.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde.replace("{q1}", text[s1:e1])
                         .replace("{q2}", text[s2:e2]).encode("utf-8"))
        archive.writestr("sources/D0000000-0000-4000-8000-000000000001.txt",
                         text.encode("utf-8"))
    tmp_project.import_refi(path)
    quoted = {c[0] for c in _codings(tmp_project)}
    assert quoted == {"I watched the public killings", "nothing to do all day"}


def test_cli_codebook_use_and_versions(tmp_path: Path, db_url: str) -> None:
    db = db_url
    yaml_path = tmp_path / "mine.yaml"
    yaml_path.write_text("dimensions:\n  - id: exit\n    label: Exit\n    codes:\n"
                         "      - id: homesick\n        label: Homesick\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["codebook", "versions", "--db", db])
    assert result.exit_code == 0 and "no codebook stored" in result.output
    result = CliRunner().invoke(app, ["codebook", "use", str(yaml_path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "version 1 stored (1 codes" in result.output
    result = CliRunner().invoke(app, ["codebook", "versions", "--db", db, "--format", "json"])
    assert [r["version"] for r in json.loads(result.stdout)] == [1]
    with Project.open(db) as project:
        assert list(project.codebook().codes) == ["homesick"]


@pytest.mark.parametrize("origin, counts_cr", [("NVivo 14", True), ("ATLAS.ti 24", False)])
def test_crlf_positions_without_quoted_text(tmp_project: Project, tmp_path: Path,
                                            origin: str, counts_cr: bool) -> None:
    """No quoted text to decide by: NVivo-style positions count the CR, ATLAS.ti's do not."""
    lf = FOREIGN_TEXT.replace("\r\n", "\n")
    basis = FOREIGN_TEXT if counts_cr else lf
    s2, e2 = _span(basis, "nothing to do all day")
    qde = FOREIGN_QDE.replace('origin="QualCoder 3.5"', f'origin="{origin}"')
    qde = qde.replace('name="{q1}"', "").replace('name="{q2}"', "")
    qde = qde.replace("{s1}", "0").replace("{e1}", "5")
    qde = qde.replace("{s2}", str(s2)).replace("{e2}", str(e2))
    path = tmp_path / "noquote.qdpx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde.encode("utf-8"))
        archive.writestr("sources/D0000000-0000-4000-8000-000000000001.txt",
                         FOREIGN_TEXT.encode("utf-8"))
    tmp_project.import_refi(path)
    assert "nothing to do all day" in {c[0] for c in _codings(tmp_project)}


def test_merge_places_codes_by_their_parents() -> None:
    """A code named like a family that holds codings becomes a code in that family; a
    child of a known code becomes its child code; a child of a known family joins it."""
    from exitlens.sharing.refi.common import family_guid
    from exitlens.sharing.refi.importer import merge_codebook
    from exitlens.sharing.refi.reader import RefiCode

    codebook = load_codebook()
    codes = [
        RefiCode("g1", "Daily life", True),  # the family daily_life's label, coded directly
        RefiCode(code_guid("boredom"), "Renamed in NVivo", True),
        RefiCode("g2", "Guard duty", True, parent=code_guid("boredom")),
        RefiCode(family_guid("exit", "pull"), "Pull", False),
        RefiCode("g3", "Amnesty radio", True, parent=family_guid("exit", "pull")),
    ]
    merge = merge_codebook(codebook, codes, coded={"g1", "g2"})
    merged = merge.codebook
    assert merge.added == ["daily_life_2", "guard_duty", "amnesty_radio"]
    assert merged.codes["daily_life_2"].family == "daily_life"
    assert merged.codes["guard_duty"].parent == "boredom"
    assert merged.codes["amnesty_radio"].family == "pull"
    assert merge.code_of[code_guid("boredom")] == "boredom"  # matched by GUID, not name
    assert merged.codes["boredom"].label == codebook.codes["boredom"].label


def test_fingerprint_follows_an_edited_codebook_file(make_project: Any, tmp_path: Path) -> None:
    from exitlens.config import Settings

    path = tmp_path / "cb.yaml"
    path.write_text("dimensions:\n  - id: exit\n    label: Exit\n    codes:\n"
                    "      - id: homesick\n        label: Homesick\n", encoding="utf-8")
    settings = Settings()
    settings.coding.codebook = str(path)
    project = make_project("file.db", settings)
    before = project.analysis_fingerprint()
    path.write_text(path.read_text(encoding="utf-8").replace("Homesick", "Missing home"),
                    encoding="utf-8")
    assert project.analysis_fingerprint() != before
