"""The round pages over HTTP: roles and CSRF on every write, blindness before close (another
coder's decisions are nowhere in a coder's pages), agreement, disagreements side by side,
adjudication, and the train-from-reviews button. Fictional documents."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from exitlens import Project
from tests.rounds_data import add_document

Signed = Callable[[str], tuple[TestClient, str]]


def seed(project: Project) -> None:
    for n in (1, 2):
        add_document(project, n, suggestions={"corruption": "rules"})


def create(client: TestClient, token: str, **extra: object) -> int:
    data = {"csrf_token": token, "name": "pilot", "coders": ["cody", "cora"],
            "documents": "1,2", "codes": ["corruption", "infighting"], **extra}
    response = client.post("/rounds", data=data)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def save(client: TestClient, token: str, rid: int, doc: int, *, defector: str,
         corruption: bool, quote: str = "") -> None:
    data = {"csrf_token": token, f"defector|{doc}/0": defector,
            f"quote|{doc}/0/corruption": quote}
    if corruption:
        data[f"code|{doc}/0/corruption"] = "present"
    response = client.post(f"/rounds/{rid}/work/{doc}", data=data)
    assert response.status_code == 303, response.text


def test_roles_and_csrf_on_round_writes(web_project: Project, signed_in: Signed) -> None:
    seed(web_project)
    viewer, vtoken = signed_in("vera")
    coder, ctoken = signed_in("cody")
    admin, atoken = signed_in("ada")
    form = {"name": "x", "coders": ["cody", "cora"], "documents": "1"}
    assert viewer.post("/rounds", data={**form, "csrf_token": vtoken}).status_code == 403
    assert coder.post("/rounds", data={**form, "csrf_token": ctoken}).status_code == 403
    assert admin.post("/rounds", data=form).status_code == 403  # no CSRF token
    assert admin.post("/rounds", data={**form, "csrf_token": "wrong"}).status_code == 403
    rid = create(admin, atoken)
    assert coder.post(f"/rounds/{rid}/close", data={"csrf_token": ctoken}).status_code == 403
    assert admin.post(f"/rounds/{rid}/close", data={}).status_code == 403
    assert viewer.get(f"/rounds/{rid}/work").status_code == 403  # viewers do not code
    assert viewer.post(f"/rounds/{rid}/work/1",
                       data={"csrf_token": vtoken, "defector|0": "yes"}).status_code == 403
    assert coder.post(f"/rounds/{rid}/work/1", data={"defector|0": "yes"}).status_code == 403
    assert coder.post("/train-reviewed", data={"csrf_token": ctoken}).status_code == 403
    assert viewer.get("/rounds").status_code == 200
    assert "New round" not in viewer.get("/rounds").text  # the admin form is not shown
    assert TestClient(admin.app, follow_redirects=False).get("/rounds").status_code == 303
    # a coder outside the round
    outsider = signed_in("ada")[0]
    page = outsider.get(f"/rounds/{rid}/work")
    assert page.status_code == 400 and "not_assigned" in page.text


def test_blind_until_closed_then_agreement_and_adjudication(web_project: Project,
                                                            signed_in: Signed) -> None:
    seed(web_project)
    admin, atoken = signed_in("ada")
    cody, ctoken = signed_in("cody")
    cora, rtoken = signed_in("cora")
    rid = create(admin, atoken)
    secret = "the emirs kept the zakat money"
    save(cody, ctoken, rid, 1, defector="yes", corruption=True, quote=secret)
    save(cody, ctoken, rid, 2, defector="yes", corruption=False)
    page = cody.get(f"/rounds/{rid}/work")
    assert page.status_code == 200 and "checked" in page.text
    assert f'value="{secret}"' in page.text  # cody sees his own evidence

    # cora sees none of cody's decisions, before or after her own
    for attempt in range(2):
        text = cora.get(f"/rounds/{rid}/work").text
        assert f'value="{secret}"' not in text  # cody's evidence is not in her form
        assert attempt == 1 or "checked" not in text  # then only her own answers
        for path in ("agreement", "disagreements"):
            hidden = cora.get(f"/rounds/{rid}/{path}")
            assert hidden.status_code == 400 and "round_open" in hidden.text
        hidden = admin.get(f"/rounds/{rid}/disagreements")
        assert hidden.status_code == 400  # not even an admin peeks before closing
        save(cora, rtoken, rid, 1, defector="yes", corruption=False)
    save(cora, rtoken, rid, 2, defector="yes", corruption=False)
    listing = admin.get("/rounds").text
    assert "cody 6/6" in listing, listing[listing.find("<tbody>"):listing.find("</tbody>")]

    closed = admin.post(f"/rounds/{rid}/close", data={"csrf_token": atoken})
    assert closed.status_code == 303
    viewer = signed_in("vera")[0]
    overview = viewer.get(f"/rounds/{rid}")
    assert overview.status_code == 200 and "closed" in overview.text
    assert "Close the round" not in overview.text
    assert viewer.get(f"/rounds/{rid}/agreement").status_code == 200
    assert admin.post(f"/rounds/{rid}/adjudicate",
                      data={"unit": "1/0/corruption", "value": "present"}).status_code == 403
    table = cora.get(f"/rounds/{rid}/agreement")
    assert table.status_code == 200
    assert "Krippendorff" in table.text and "few units (2 &lt; 10)" in table.text
    assert "saw the machine" in table.text
    split = cora.get(f"/rounds/{rid}/disagreements")
    assert split.status_code == 200 and secret in split.text
    assert "Abu Marwen1" in split.text
    assert 'name="unit"' not in split.text  # coders cannot adjudicate
    assert cora.post(f"/rounds/{rid}/adjudicate",
                     data={"csrf_token": rtoken, "unit": "1/0/corruption",
                           "value": "present"}).status_code == 403
    done = admin.post(f"/rounds/{rid}/adjudicate",
                      data={"csrf_token": atoken, "unit": "1/0/corruption", "value": "present"})
    assert done.status_code == 303
    assert "Adjudicated" in admin.get(f"/rounds/{rid}/disagreements").text
    rows = web_project.document_codings(1)
    assert [(r["code"], r["status"]) for r in rows] == [("corruption", "accepted")]
    late = cody.post(f"/rounds/{rid}/work/1", data={"csrf_token": ctoken, "defector|1/0": "no"})
    assert late.status_code == 400 and "round_closed" in late.text


def test_document_text_is_escaped_on_round_pages(web_project: Project,
                                                 signed_in: Signed) -> None:
    from sqlalchemy import update

    from exitlens.store.schema import PersonRow

    seed(web_project)
    with web_project.db.session() as session:
        session.execute(update(PersonRow).values(name="<script>alert(1)</script>"))
    admin, atoken = signed_in("ada")
    rid = create(admin, atoken, coders=["ada", "cody"])
    page = admin.get(f"/rounds/{rid}/work")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def test_bad_quote_and_train_button_refusal(web_project: Project, signed_in: Signed) -> None:
    seed(web_project)
    admin, atoken = signed_in("ada")
    cody, ctoken = signed_in("cody")
    rid = create(admin, atoken)
    wrong = cody.post(f"/rounds/{rid}/work/1",
                      data={"csrf_token": ctoken, "code|1/0/corruption": "present",
                            "quote|1/0/corruption": "words that are not there"})
    assert wrong.status_code == 400 and "not in document 1" in wrong.text
    refused = admin.post("/train-reviewed", data={"csrf_token": atoken})
    assert refused.status_code == 400 and "too_few_reviews" in refused.text


def test_train_button_adapts_the_builtin_classifier(web_project: Project,
                                                   signed_in: Signed) -> None:
    from sqlalchemy import update

    from exitlens.store.schema import CodingRow

    seed(web_project)
    with web_project.db.session() as session:
        session.execute(update(CodingRow).where(CodingRow.code == "corruption")
                        .values(status="accepted", user="ada"))
    admin, atoken = signed_in("ada")
    page = admin.post("/train-reviewed", data={"csrf_token": atoken})
    assert page.status_code == 200, page.text
    assert "The built-in classifier adapted to them; codes it moved: corruption" in page.text
    assert "Learned from 2 accepted and 0 rejected codings in 2 documents" in page.text
