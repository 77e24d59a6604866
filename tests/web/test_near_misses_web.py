"""The "Possible missed codes" page: near misses listed strongest first and escaped,
answered by coders (HTMX swaps the row, a plain form redirects), refused when stale."""

from __future__ import annotations

from exitlens import Project


def test_page_lists_near_misses_escaped_and_only_coders_decide(project: Project,
                                                               as_user) -> None:
    viewer, _ = as_user("vera")
    page = viewer.get("/review/missed")
    assert page.status_code == 200
    assert "6 codes the classifier leaned towards" in page.text
    assert page.text.count('id="near-miss-') == 6
    assert "<script>alert" not in page.text and "<img src=x" not in page.text
    assert 'value="dismiss"' not in page.text  # a viewer sees no buttons
    cody, _ = as_user("cody")
    assert 'value="dismiss"' in cody.get("/review/missed").text
    assert 'href="/review/missed"' in cody.get("/review").text


def test_htmx_add_swaps_the_row_and_a_second_answer_is_409(project: Project,
                                                            as_user) -> None:
    rows, _ = project.near_miss_queue()
    first = rows[0]
    cody, token = as_user("cody")
    headers = {"HX-Request": "true", "X-CSRF-Token": token}
    row = cody.post(f"/near-misses/{first['id']}/decide", headers=headers,
                    data={"action": "add"})
    assert row.status_code == 200
    assert row.text.strip().startswith(f'<tr id="near-miss-{first["id"]}"')
    assert "added for this person" in row.text and "<html" not in row.text
    codings = project.document_codings(first["document_id"])
    assert any(c["code"] == first["code"] and c["status"] == "accepted"
               and c["user"] == "cody" for c in codings)
    cora, token2 = as_user("cora")
    again = cora.post(f"/near-misses/{first['id']}/decide",
                      headers={"HX-Request": "true", "X-CSRF-Token": token2},
                      data={"action": "dismiss"})
    assert again.status_code == 409 and "already accepted" in again.text
    refused = cora.post(f"/near-misses/{rows[1]['id']}/decide",
                        headers={"HX-Request": "true", "X-CSRF-Token": "nope"},
                        data={"action": "dismiss"})
    assert refused.status_code == 403
    assert project.near_miss_queue()[1] == 5


def test_plain_form_dismiss_redirects_and_viewers_cannot_write(project: Project,
                                                                as_user) -> None:
    rows, _ = project.near_miss_queue()
    cody, token = as_user("cody")
    done = cody.post(f"/near-misses/{rows[-1]['id']}/decide",
                     data={"action": "dismiss", "csrf_token": token,
                           "next": "/review/missed?page=1"})
    assert done.status_code == 303 and done.headers["location"] == "/review/missed?page=1"
    codings = project.document_codings(rows[-1]["document_id"])
    assert any(c["code"] == rows[-1]["code"] and c["status"] == "rejected" for c in codings)
    vera, token3 = as_user("vera")
    denied = vera.post(f"/near-misses/{rows[0]['id']}/decide",
                       data={"action": "add", "csrf_token": token3})
    assert denied.status_code == 403
    bad = cody.post(f"/near-misses/{rows[0]['id']}/decide",
                    data={"action": "maybe", "csrf_token": token})
    assert bad.status_code == 400
    gone = cody.post("/near-misses/99999/decide", headers={"HX-Request": "true",
                                                           "X-CSRF-Token": token},
                     data={"action": "add"})
    assert gone.status_code == 404 and "no near miss" in gone.text
    # the form sends the reviewer back to the page (and filter) they were on
    page = cody.get(f"/review/missed?document={rows[0]['document_id']}&page=1")
    assert f'value="/review/missed?document={rows[0]["document_id"]}&amp;page=1"' in page.text


def test_a_document_page_links_its_open_near_misses(project: Project, as_user) -> None:
    rows, _ = project.near_miss_queue()
    doc = rows[0]["document_id"]
    cody, _ = as_user("cody")
    page = cody.get(f"/documents/{doc}")
    assert f'href="/review/missed?document={doc}"' in page.text
    assert "2 possible missed codes" in page.text
    only = cody.get(f"/review/missed?document={doc}")
    assert only.text.count('id="near-miss-') == 2


def test_the_dashboard_counts_open_near_misses(project: Project, as_user) -> None:
    cody, token = as_user("cody")
    assert "<strong>6</strong><a href=\"/review/missed\">" in cody.get("/").text
    first = project.near_miss_queue()[0][0]
    cody.post(f"/near-misses/{first['id']}/decide", data={"action": "add",
                                                           "csrf_token": token})
    assert "<strong>5</strong><a href=\"/review/missed\">" in cody.get("/").text


def test_a_capped_count_reads_or_more_and_pages_on(project: Project, as_user,
                                                   monkeypatch) -> None:
    from exitlens.web.routes import review

    monkeypatch.setattr(review, "NEAR_MISS_COUNT_CAP", 6)
    cody, _ = as_user("cody")
    page = cody.get("/review/missed")
    assert "6 or more codes" in page.text



def test_dashboard_warns_when_codes_were_taken_away_and_missed_ones_wait(
        project: Project, as_user) -> None:
    vera, _ = as_user("vera")
    assert "Shares may run low" not in vera.get("/").text
    rows, _ = project.review_queue(limit=50)
    for row in rows[:2]:
        project.decide_coding(row["id"], row["version"], status="rejected")
    page = vera.get("/").text
    assert "<strong>Shares may run low:</strong> reviewers have rejected 2 of the " \
           "machine&#39;s suggestions and added 0 codes, and 6 possible missed codes" in page
    assert 'href="/review/missed">possible missed codes</a>).' in page
