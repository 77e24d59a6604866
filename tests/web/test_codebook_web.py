"""``/codebook`` over HTTP: every role reads the hierarchy, only admins edit (a coder's or a
viewer's write is 403, so is a write without the CSRF token), each form stores a new version,
a merge re-points codings, and bad edits come back as named errors."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from exitlens import Project
from tests.web.conftest import ROLES

Signed = Callable[[str], tuple[TestClient, str]]


def _codes(project: Project) -> list[str]:
    return [c["code"] for d in project.iter_documents()
            for c in project.document_codings(d.id or 0)]


def test_every_role_reads_only_admins_see_the_forms(as_user: Signed) -> None:
    for name in ROLES:
        client, _ = as_user(name)
        page = client.get("/codebook")
        assert page.status_code == 200
        assert "Boredom and menial roles" in page.text and "<code>boredom</code>" in page.text
        assert ('action="/codebook/merge"' in page.text) == (ROLES[name] == "admin")
        assert 'href="/codebook"' in page.text  # in the navigation


def test_writes_need_the_admin_role_and_the_csrf_token(project: Project,
                                                       as_user: Signed) -> None:
    before = project.codebook_versions()
    for name in ("cody", "vera"):
        client, token = as_user(name)
        response = client.post("/codebook/merge", data={"csrf_token": token,
                                                        "code": "boredom",
                                                        "into": "living_conditions"})
        assert response.status_code == 403, name
        response = client.post("/codebook/add", data={"csrf_token": token, "code": "x_y",
                                                      "label": "X", "under": "daily_life"})
        assert response.status_code == 403, name
    admin, token = as_user("ada")
    assert admin.post("/codebook/rename", data={"code": "boredom", "label": "Idle"}
                      ).status_code == 403
    assert admin.post("/codebook/rename", data={"code": "boredom", "label": "Idle",
                                                "csrf_token": "wrong"}).status_code == 403
    assert project.codebook_versions() == before
    assert "boredom" in _codes(project)


def test_admin_edits_through_the_forms(project: Project, as_user: Signed) -> None:
    admin, token = as_user("ada")

    def post(path: str, **data: str) -> None:
        response = admin.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith("/codebook?done=")

    post("/codebook/add", code="unpaid_wages", label="Unpaid <wages>", under="corruption",
         definition="Fighters went unpaid.")
    post("/codebook/rename", code="unpaid_wages", label="Wages owed <b>")
    post("/codebook/move", code="unpaid_wages", under="daily_life")
    post("/codebook/define", code="unpaid_wages", definition="No pay for months.",
         include="stopped salaries", exclude="")
    page = admin.get("/codebook?done=define").text
    assert "Wages owed &lt;b&gt;" in page and "Wages owed <b>" not in page
    assert "No pay for months." in page and "include: stopped salaries" in page
    assert "Saved: define" in page
    code = project.codebook().get("unpaid_wages")
    assert (code.label, code.family) == ("Wages owed <b>", "daily_life")
    assert [v["actor"] for v in project.codebook_versions()] == ["ada"] * 4
    assert "Saved" not in admin.get("/codebook?done=<script>").text


def test_admin_merge_repoints_codings(project: Project, as_user: Signed) -> None:
    admin, token = as_user("ada")
    n = len(_codes(project))
    assert _codes(project).count("boredom") == 3
    response = admin.post("/codebook/merge", data={"csrf_token": token, "code": "boredom",
                                                   "into": "living_conditions"})
    assert response.status_code == 303
    codes = _codes(project)
    assert len(codes) == n and "boredom" not in codes
    assert codes.count("living_conditions") == 3
    assert "<code>boredom</code>" not in admin.get("/codebook").text
    events = project.history(user="ada")
    assert sum(e["action"] == "codebook.recode" for e in events) == 3
    doc = next(d.id or 0 for d in project.iter_documents() if "Sami Aziz" in d.text)
    assert "Living conditions" in admin.get(f"/documents/{doc}").text


def test_bad_edits_are_named_errors(project: Project, as_user: Signed) -> None:
    admin, token = as_user("ada")
    bad = admin.post("/codebook/add", data={"csrf_token": token, "code": "boredom",
                                            "label": "Again", "under": "daily_life"})
    assert bad.status_code == 400 and "codebook_edit" in bad.text
    assert "already has a code" in bad.text
    loop = admin.post("/codebook/merge", data={"csrf_token": token, "code": "boredom",
                                               "into": "boredom"})
    assert loop.status_code == 400 and "into itself" in loop.text
    assert project.codebook_versions() == []
