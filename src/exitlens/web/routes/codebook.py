"""``/codebook``: the codebook in use as a hierarchy (every role reads it) and, for admins,
forms to add, rename, move, merge and define codes. Each write stores a new codebook version
(see :mod:`exitlens.project_codebook`); a merge re-points the merged code's codings."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..views import render

router = APIRouter()


@router.get("/codebook", response_class=HTMLResponse)
def codebook(request: Request, done: str = "",
             user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    tree = project.codebook_tree()
    codes = [r for r in tree if r["kind"] == "code"]
    versions = project.codebook_versions()
    done = done if done in ("add", "rename", "move", "merge", "define") else ""
    return render(request, "codebook.html", user=user, tree=tree, codes=codes,
                  versions=versions[-10:][::-1], n_versions=len(versions), done=done)


def _back(done: str) -> Response:
    return RedirectResponse(f"/codebook?done={done}", status_code=303)


@router.post("/codebook/add")
def add(request: Request, code: str = Form(...), label: str = Form(...),
        under: str = Form(...), definition: str = Form(""),
        user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).add_code(code, label, under=under, definition=definition)
    return _back("add")


@router.post("/codebook/rename")
def rename(request: Request, code: str = Form(...), label: str = Form(...),
           user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).rename_code(code, label)
    return _back("rename")


@router.post("/codebook/move")
def move(request: Request, code: str = Form(...), under: str = Form(...),
         user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).move_code(code, under)
    return _back("move")


@router.post("/codebook/merge")
def merge(request: Request, code: str = Form(...), into: str = Form(...),
          user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).merge_codes(code, into)
    return _back("merge")


@router.post("/codebook/define")
def define(request: Request, code: str = Form(...), definition: str = Form(""),
           include: str = Form(""), exclude: str = Form(""),
           user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).define_code(code, definition, include=include,
                                              exclude=exclude)
    return _back("define")
