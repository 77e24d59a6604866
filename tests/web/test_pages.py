"""Every page and write through HTTP, for every role: reads, review writes, 403s, 409s,
escaping of hostile document text, adding a coding from browser (UTF-16) offsets."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from exitlens import Project
from exitlens.web import create_app
from tests.web.conftest import PASSWORD, ROLES, csrf_of, login
from tests.web.fake_reading import add_document


def _doc_id(project: Project, needle: str) -> int:
    return next(d.id or 0 for d in project.iter_documents() if needle in d.text)


def _codings(project: Project, doc: int) -> dict[str, dict]:
    return {c["code"]: c for c in project.document_codings(doc)}


READ_PAGES = ["/", "/quotes", "/quotes?q=Aziz", "/documents", "/documents?q=Defector",
              "/documents?defectors=yes",
              "/documents?status=unreviewed&kind=unknown", "/review", "/cases",
              "/users/cody/history", "/charts/prevalence-exit.svg",
              "/charts/promise-reality.svg"]


@pytest.mark.parametrize("name", list(ROLES))
def test_every_role_reads_every_page(project: Project, as_user, name: str) -> None:
    client, _ = as_user(name)
    doc = _doc_id(project, "Sami Aziz")
    case_id = int(project.cases()["case_id"].iloc[0])
    for url in [*READ_PAGES, f"/documents/{doc}", f"/documents/{doc}/history",
                f"/cases/{case_id}"]:
        response = client.get(url)
        assert response.status_code in (200, 204), (url, response.status_code)
    assert "image/svg+xml" in client.get("/charts/prevalence-exit.svg").headers["content-type"]
    svg = client.get("/charts/prevalence-exit.svg")
    assert "script" not in svg.headers["content-security-policy"]


def test_document_list_filters_and_search(project: Project, as_user, backend: str) -> None:
    client, _ = as_user("vera")
    page = client.get("/documents").text
    assert page.count('href="/documents/') == 3
    found = client.get("/documents?q=Haddad").text
    assert found.count('href="/documents/') == 1 and "Lina Haddad" in found
    assert "0 documents" in client.get("/documents?status=reviewed").text
    assert client.get("/documents?defectors=no").text.count('href="/documents/') == 0
    assert client.get("/documents?q=Haddad+OR+Aziz").text.count('href="/documents/') == 2
    bad = client.get("/documents?q=Haddad+OR")  # a misplaced operator: a named error page
    assert bad.status_code == 400 and "bad_query" in bad.text
    assert client.get("/documents?q=Haddad%00").text.count('href="/documents/') == 1
    nul = client.get("/documents?outlet=Harbour%00")  # PostgreSQL cannot compare a NUL
    if backend == "postgresql":
        assert nul.status_code == 400 and "nul_character" in nul.text
    else:
        assert nul.status_code == 200 and "0 documents" in nul.text


def test_hostile_document_text_renders_as_text_everywhere(project: Project, as_user) -> None:
    client, _ = as_user("cody")
    doc = _doc_id(project, "<script>")
    case_id = next(int(r.case_id) for r in project.cases().itertuples()
                   if doc in r.document_ids)
    pages = [client.get(u).text for u in (f"/documents/{doc}", "/review", "/documents",
                                          "/documents?q=alert", f"/documents/{doc}/history",
                                          f"/cases/{case_id}", "/cases")]
    for html in pages:
        assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[0]
    assert "onerror=alert(2)&gt;" in pages[0]
    # the only <script> tags are our own static files
    assert set(re.findall(r"<script[^>]*>", pages[0])) == {
        '<script src="/static/htmx-2.0.11.min.js" defer>', '<script src="/static/app.js" defer>'}


def test_document_view_marks_quotes_defectors_and_codings(project: Project, as_user) -> None:
    client, _ = as_user("vera")
    doc = _doc_id(project, "Sami Aziz")
    html = client.get(f"/documents/{doc}").text
    assert re.search(r'<span class="[^"]*defector[^"]*">Sami Aziz', html)
    assert 'class="coding fam-' in html and "data-coding-id" in html
    assert "quote" in html and "nationality" in html and "“SY”" in html
    assert "Accept" not in html  # a viewer gets no review buttons


def test_viewer_writes_are_refused(project: Project, as_user) -> None:
    client, token = as_user("vera")
    doc = _doc_id(project, "Sami Aziz")
    coding = _codings(project, doc)["brutality"]
    person = next(p for p in project.reading(doc).persons if p.name == "Noor Malik")  # type: ignore[union-attr]
    writes = [
        (f"/codings/{coding['id']}/decide", {"version": "1", "action": "accept"}),
        (f"/documents/{doc}/codings", {"code": "family", "start_utf16": "0",
                                       "end_utf16": "7", "selected_text": "Harbour"}),
        (f"/persons/{person.id}/verdict", {"verdict": "defector", "seen": "not_defector"}),
        (f"/persons/{person.id}/profile", {"field": "age", "value": "30"}),
        ("/undo", {}),
        ("/cases/merge", {"case_a": "1", "case_b": "2"}),
    ]
    for url, data in writes:
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code == 403, url
    assert _codings(project, doc)["brutality"]["status"] == "suggested"


def test_coder_cannot_merge_cases_admin_can(project: Project, as_user) -> None:
    ids = sorted(int(c) for c in project.cases()["case_id"])
    coder, token = as_user("cody")
    assert coder.post("/cases/merge", data={"case_a": ids[0], "case_b": ids[1],
                                            "csrf_token": token}).status_code == 403
    admin, token = as_user("ada")
    assert admin.post("/cases/merge", data={"case_a": ids[0], "case_b": ids[1]}
                      ).status_code == 403  # no CSRF token
    response = admin.post("/cases/merge", data={"case_a": ids[0], "case_b": ids[1],
                                                "csrf_token": token})
    assert response.status_code == 303
    assert len(project.cases()) == len(ids) - 1
    merged = int(response.headers["location"].rsplit("/", 1)[1])
    doc = project.case(merged)["sources"][-1]["document_id"]
    split = admin.post(f"/cases/{merged}/split", data={"document_id": doc, "csrf_token": token})
    assert split.status_code == 303 and len(project.cases()) == len(ids)


def test_htmx_decision_swaps_the_row_and_stale_write_gets_409(project: Project, as_user
                                                               ) -> None:
    doc = _doc_id(project, "Sami Aziz")
    coding = _codings(project, doc)["brutality"]
    cody, token = as_user("cody")
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    row = cody.post(f"/codings/{coding['id']}/decide", headers=headers,
                    data={"version": "1", "action": "accept"})
    assert row.status_code == 200
    assert row.text.strip().startswith(f'<tr id="coding-{coding["id"]}"')
    assert "<html" not in row.text and 'value="2"' in row.text  # the new version
    cora, token2 = as_user("cora")
    stale = cora.post(f"/codings/{coding['id']}/decide",
                      headers={"HX-Request": "true", "X-CSRF-Token": token2},
                      data={"version": "1", "action": "reject"})
    assert stale.status_code == 409
    assert "changed by cody" in stale.text and "accepted" in stale.text
    assert _codings(project, doc)["brutality"]["status"] == "accepted"
    # without HTMX the conflict is a full page with the current value
    page = cora.post(f"/codings/{coding['id']}/decide",
                     data={"version": "1", "action": "reject", "csrf_token": token2})
    assert page.status_code == 409 and "Current value" in page.text
    wrong = cora.post(f"/codings/{coding['id']}/decide",
                      headers={"HX-Request": "true", "X-CSRF-Token": "nope"},
                      data={"version": "2", "action": "reject"})
    assert wrong.status_code == 403


def test_change_code_adjust_span_and_plain_form_redirect(project: Project, as_user) -> None:
    doc = _doc_id(project, "Sami Aziz")
    coding = _codings(project, doc)["boredom"]
    cody, token = as_user("cody")
    changed = cody.post(f"/codings/{coding['id']}/decide",
                        data={"version": "1", "action": "code", "code": "family",
                              "csrf_token": token, "next": f"/documents/{doc}"})
    assert changed.status_code == 303 and changed.headers["location"] == f"/documents/{doc}"
    assert project.coding(coding["id"])["code"] == "family"
    bad = cody.post(f"/codings/{coding['id']}/decide",
                    headers={"HX-Request": "true", "X-CSRF-Token": token},
                    data={"version": "2", "action": "span", "start": "5", "end": "99999"})
    assert bad.status_code == 400 and "not inside document" in bad.text
    ok = cody.post(f"/codings/{coding['id']}/decide",
                   headers={"HX-Request": "true", "X-CSRF-Token": token},
                   data={"version": "2", "action": "span", "start": "0", "end": "7"})
    assert ok.status_code == 200
    assert (project.coding(coding["id"])["start"], project.coding(coding["id"])["end"]) == (0, 7)


def test_add_coding_from_utf16_selection_after_an_emoji(project: Project, as_user) -> None:
    doc = _doc_id(project, "🙂")
    text = project.document(doc).text
    selected = "Lina Haddad"
    start16 = len(text[:text.index(selected)].encode("utf-16-le")) // 2
    cody, token = as_user("cody")
    person = next(p for p in project.reading(doc).persons if p.name == "Lina Haddad")  # type: ignore[union-attr]
    response = cody.post(f"/documents/{doc}/codings", data={
        "code": "family", "start_utf16": start16, "end_utf16": start16 + len(selected),
        "selected_text": selected, "person_id": person.id, "csrf_token": token})
    assert response.status_code == 303
    added = _codings(project, doc)["family"]
    assert text[added["start"]:added["end"]] == selected
    assert added["coder"] == "human" and added["status"] == "accepted"
    # code point offsets sent as if they were UTF-16 select the wrong text: refused
    cp = text.index("Lina Haddad")
    refused = cody.post(f"/documents/{doc}/codings", data={
        "code": "psych_toll", "start_utf16": cp, "end_utf16": cp + len(selected),
        "selected_text": selected, "csrf_token": token})
    assert refused.status_code == 400 and "bad_selection" in refused.text
    assert "psych_toll" not in _codings(project, doc)


def test_verdict_profile_history_and_undo_over_http(project: Project, as_user) -> None:
    doc = _doc_id(project, "Sami Aziz")
    reading = project.reading(doc)
    assert reading is not None
    noor = next(p for p in reading.persons if p.name == "Noor Malik")
    sami = next(p for p in reading.persons if p.name == "Sami Aziz")
    cody, token = as_user("cody")
    r = cody.post(f"/persons/{noor.id}/verdict", data={
        "verdict": "defector", "seen": "not_defector", "next": f"/documents/{doc}",
        "csrf_token": token})
    assert r.status_code == 303
    r = cody.post(f"/persons/{sami.id}/profile", data={
        "field": "left_year", "value": "2015", "seen": "", "csrf_token": token,
        "next": f"/documents/{doc}"})
    assert r.status_code == 303
    html = cody.get(f"/documents/{doc}").text
    assert re.search(r'<span class="[^"]*defector[^"]*">Noor Malik', html)
    assert "2015" in html
    history = cody.get(f"/documents/{doc}/history").text
    assert "review.person" in history and "review.profile" in history and "cody" in history
    undo = cody.post("/undo", data={"csrf_token": token})
    assert undo.status_code == 303 and undo.headers["location"] == "/users/cody/history"
    reading = project.reading(doc)
    assert reading is not None
    assert next(p for p in reading.persons if p.name == "Sami Aziz").profile.left_year is None
    mine = cody.get("/users/cody/history").text
    assert "review.undo" in mine and "undoes" in mine
    # another coder has nothing to undo: a named error, not a crash
    cora, token2 = as_user("cora")
    nothing = cora.post("/undo", data={"csrf_token": token2})
    assert nothing.status_code == 400 and "nothing_to_undo" in nothing.text


def test_missing_pages_and_bad_input_are_named(project: Project, as_user) -> None:
    client, token = as_user("cody")
    assert client.get("/documents/9999").status_code == 404
    assert client.get("/cases/9999").status_code == 404
    bad = client.post("/codings/1/decide", data={"csrf_token": token, "action": "accept"})
    assert bad.status_code == 422 and "version" in bad.text


def test_empty_project_dashboard_is_friendly(make_db_url: Callable[..., str]) -> None:
    with Project.open(make_db_url("empty"), actor="t") as empty:
        empty.add_user("ada", "admin", PASSWORD)
        client = TestClient(create_app(empty), follow_redirects=False)
        login(client, "ada")
        page = client.get("/")
        assert page.status_code == 200 and "holds no documents yet" in page.text
        assert "Nothing to review" in client.get("/review").text
        assert "No cases yet" in client.get("/cases").text
        assert csrf_of(page.text)


def test_people_to_check_lists_unchecked_defectors_and_possible_ones(project: Project,
                                                                     as_user) -> None:
    cody, token = as_user("cody")
    assert 'href="/review/people"' in cody.get("/review").text
    dashboard = cody.get("/").text
    assert '<strong>3</strong><a href="/review/people">defectors to check</a>' in dashboard
    doc_page = cody.get(f"/documents/{_doc_id(project, 'Noor Malik')}").text
    assert "defector score 0.20" in doc_page  # beside the reporter under Other people
    page = cody.get("/review/people").text
    assert "Defectors not yet checked" in page and "Sami Aziz" in page
    assert "3 defectors no reviewer has checked" in page
    assert "Possible defectors" in page and "Noor Malik" in page and "0.20" in page
    people, total = project.defector_queue()
    assert total == 3 and {p["label"] for p in people} == {"Sami Aziz", "Lina Haddad",
                                                            "Omar Farid"}
    sami = next(p for p in people if p["label"] == "Sami Aziz")
    # agreeing with the machine is a verdict: Sami is checked and leaves the list
    r = cody.post(f"/persons/{sami['id']}/verdict", data={
        "verdict": "defector", "seen": "defector", "next": "/review/people",
        "csrf_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/review/people"
    people, total = project.defector_queue()
    assert total == 2 and all(p["label"] != "Sami Aziz" for p in people)
    verdicts = project.person_verdicts()
    assert verdicts[["person", "machine", "verdict"]].values.tolist() == [
        ["Sami Aziz", "defector", "defector"]]
    assert project.overview()["taken for defectors by the machine, confirmed by reviewers"] \
        == "1"
    # the reporter, not a defector, is checked too: off the possible list, role unchanged
    noor = next(p for p in project.possible_defectors()[0] if p["label"] == "Noor Malik")
    assert noor["role"] == "journalist" and noor["score"] == pytest.approx(0.2)
    r = cody.post(f"/persons/{noor['id']}/verdict", data={
        "verdict": "not_defector", "seen": "not_defector", "next": "/review/people",
        "csrf_token": token})
    assert r.status_code == 303
    assert project.possible_defectors() == ([], 0)
    assert "None: every document" in cody.get("/review/people").text
    doc = project.reading(noor["document_id"])
    assert doc is not None and [p.role for p in doc.persons if p.name == "Noor Malik"] == [
        "journalist"]
    # a defector ruled out leaves the defector list as well
    lina = next(p for p in project.defector_queue()[0] if p["label"] == "Lina Haddad")
    cody.post(f"/persons/{lina['id']}/verdict", data={
        "verdict": "not_defector", "seen": "defector", "csrf_token": token})
    assert [p["label"] for p in project.defector_queue()[0]] == ["Omar Farid"]


def test_ruling_someone_out_with_a_reason_over_http(project: Project, as_user) -> None:
    doc = _doc_id(project, "Sami Aziz")
    cody, token = as_user("cody")
    page = cody.get(f"/documents/{doc}").text
    assert 'name="reason"' in page and '<option value="captured">' in page
    assert 'name="reason"' in cody.get("/review/people").text
    person = next(p for p in project.defector_queue()[0] if p["label"] == "Sami Aziz")
    bad = cody.post(f"/persons/{person['id']}/verdict", data={
        "verdict": "not_defector", "seen": "defector", "reason": "bored", "csrf_token": token})
    assert bad.status_code == 400 and "unknown reason" in bad.text
    assert any(p["label"] == "Sami Aziz" for p in project.defector_queue()[0])  # nothing saved
    r = cody.post(f"/persons/{person['id']}/verdict", data={
        "verdict": "not_defector", "seen": "defector", "reason": "other_group",
        "next": f"/documents/{doc}", "csrf_token": token})
    assert r.status_code == 303
    page = cody.get(f"/documents/{doc}").text
    assert "ruled out by a reviewer: a member of another group only" in page
    assert '<option value="other_group" selected>' in page  # the standing reason, preselected
    assert project.verdict_reasons(doc) == {person["id"]: "other_group"}
    # someone already ruled out gets a reason, or another one, from the "Other people" list
    r = cody.post(f"/persons/{person['id']}/verdict", data={
        "verdict": "not_defector", "seen": "not_defector", "reason": "current_member",
        "next": f"/documents/{doc}", "csrf_token": token})
    assert r.status_code == 303
    assert project.verdict_reasons(doc) == {person["id"]: "current_member"}
    assert "Save the reason" in cody.get(f"/documents/{doc}").text


def test_serve_binds_localhost_by_default(project: Project, monkeypatch: pytest.MonkeyPatch
                                          ) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from exitlens.cli import app as cli_app

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    result = CliRunner().invoke(cli_app, ["serve", "--db", project.url])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "127.0.0.1" and seen["port"] == 8000


def test_documents_and_queue_are_paginated(project: Project) -> None:
    from exitlens.web import WebOptions

    client = TestClient(create_app(project, options=WebOptions(page_size=2)),
                        follow_redirects=False)
    login(client, "vera")
    first = client.get("/documents").text
    assert first.count('href="/documents/') == 2 and "page 1 of 2" in first
    assert 'href="/documents?page=2"' in first
    second = client.get("/documents?page=2").text
    assert second.count('href="/documents/') == 1 and "← previous" in second
    queue = client.get("/review?page=3").text
    assert "page 3 of 3" in queue and queue.count("data-review-row") == 2
    assert client.get("/documents?page=nonsense").status_code == 200


def test_quote_bank_search_and_accepted_only(project: Project, as_user) -> None:
    client, _ = as_user("vera")
    page = client.get("/quotes?q=Haddad").text
    assert "Lina Haddad" in page and "Sami Aziz" not in page
    doc = _doc_id(project, "Sami Aziz")
    coding = _codings(project, doc)["brutality"]
    project.as_actor("ana").decide_coding(coding["id"], 1, status="accepted")
    accepted = client.get("/quotes?code=brutality&accepted_only=1").text
    assert "Sami Aziz" in accepted and "Lina Haddad" not in accepted
    hostile = client.get("/quotes?q=Farid").text
    assert "<script>alert" not in hostile


def test_dashboard_says_what_suggestions_are_worth_or_why_not(project: Project, as_user,
                                                             tmp_path: Path) -> None:
    from exitlens.config import Settings
    from exitlens.web.routes.dashboard import _measured

    client, _ = as_user("vera")
    page = client.get("/").text
    # The fake reading is not the built-in pipeline: the measurement is withheld, and why.
    assert "Measured accuracy of suggestions not shown: the project reads with other " \
           "stages" in page
    with Project.open(str(tmp_path / "plain.db"), settings=Settings()) as plain:
        rows, note, pairs = _measured(plain)  # default settings: the built-in pipeline
    assert note.startswith("Measured accuracy of suggestions: grouped")
    assert all(r["reading"] for r in rows.values())
    assert rows["brutality"]["support"] > 0
    assert pairs.startswith("The machine's (join motive, exit reason) pairs, which this "
                            "table counts, need both codes right: precision 0.")


def test_the_dashboard_matrix_says_how_often_machine_pairs_were_right(
        project: Project, as_user, monkeypatch: pytest.MonkeyPatch) -> None:
    from exitlens.web.routes import dashboard

    monkeypatch.setattr(dashboard, "_measured",
                        lambda _project: ({}, "m", "pairs were <b>rarely</b> right"))
    client, _ = as_user("vera")
    assert "Measured: pairs were &lt;b&gt;rarely&lt;/b&gt; right." in client.get("/").text
    assert "pairs were" not in client.get("/?accepted_only=1").text


def test_a_verdict_tells_the_document_page_it_awaits_rereading(project: Project,
                                                               as_user) -> None:
    doc = _doc_id(project, "Sami Aziz")
    cody, token = as_user("cody")
    assert "reads it again" not in cody.get(f"/documents/{doc}").text
    reading = project.reading(doc)
    assert reading is not None
    person = next(p for p in reading.persons if p.role == "defector")
    cody.post(f"/persons/{person.id}/verdict", data={"verdict": "not_defector",
                                                     "seen": "defector", "csrf_token": token})
    assert "reads it again" in cody.get(f"/documents/{doc}").text
    project.analyze()
    assert "reads it again" not in cody.get(f"/documents/{doc}").text


def test_a_nationality_only_inferred_from_the_page_is_marked(project: Project, as_user,
                                                              tmp_path: Path) -> None:
    add_document(project, tmp_path / "more",
                 "Quiet valley. Defector Rami Saleh, IQ?, left in 2018.")
    client, token = as_user("cody")
    listing = client.get("/cases").text
    assert "1 case has a nationality only inferred from the page" in listing
    assert 'href="/cases?inferred=1"' in listing
    only = client.get("/cases?inferred=1").text
    assert "Rami Saleh" in only and "Sami Aziz" not in only
    case_id = next(int(r.case_id) for r in project.cases().itertuples()
                   if r.label == "Rami Saleh")
    assert "(only the page's country)" in client.get(f"/cases/{case_id}").text
    doc = _doc_id(project, "Rami Saleh")
    page = client.get(f"/documents/{doc}").text
    assert "(only the page's country)" in page
    rami = next(p for p in project.reading(doc).persons if p.name == "Rami Saleh")
    saved = client.post(f"/persons/{rami.id}/profile", data={
        "field": "nationality", "value": "IQ", "seen": "IQ", "csrf_token": token,
        "next": f"/documents/{doc}"})
    assert saved.status_code == 303
    assert "only the page" not in client.get(f"/documents/{doc}").text
    assert "inferred from the page" not in client.get("/cases").text

