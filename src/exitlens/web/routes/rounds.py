"""``/rounds``: blind coding rounds (admins create and close them, coders decide blind,
everyone reads the agreement once closed, admins adjudicate), and ``/train-reviewed``.

Blindness is the Project API's (:mod:`exitlens.project_rounds`): the work page only ever
asks for the signed-in coder's own decisions, and the agreement and disagreement pages
fail with ``round_open`` until the round is closed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ...store.round_store import RoundError
from ...store.users import User
from ..deps import acting_project, get_project, require_user, require_writer
from ..views import render

router = APIRouter()


def _ids(text: str) -> list[int]:
    try:
        return [int(x) for x in text.replace(" ", "").split(",") if x]
    except ValueError:
        raise RoundError(f"document ids must be numbers separated by commas, not {text!r}"
                         ) from None


def locate(text: str, quote: str, document_id: int) -> tuple[int, int]:
    """The code-point span of ``quote`` (its first occurrence) in a document's text."""
    needle = quote.strip()
    start = text.find(needle)
    if not needle or start < 0:
        raise RoundError(f"the quoted evidence is not in document {document_id}: copy it "
                         "exactly from the text")
    return start, start + len(needle)


@router.get("/rounds", response_class=HTMLResponse)
def rounds_page(request: Request, user: User = Depends(require_user("viewer"))
                ) -> HTMLResponse:
    project = get_project(request)
    frame = project.rounds()
    rounds = frame.to_dict(orient="records")
    mine = {r["id"] for r in rounds if user.name in str(r["coders"]).split(", ")}
    coders = [u.name for u in project.users() if u.active and u.can("coder")]
    return render(request, "rounds.html", user=user, rounds=rounds, mine=mine,
                  coders=coders, codes=list(project.codebook().codes),
                  flash=request.query_params.get("flash"))


@router.post("/rounds")
def create_round(request: Request, name: str = Form(""), coders: list[str] = Form([]),
                 documents: str = Form(""), sample: str = Form(""), seed: str = Form(""),
                 codes: list[str] = Form([]), blind_to_machine: str = Form(""),
                 user: User = Depends(require_writer("admin"))) -> Response:
    project = acting_project(request, user)
    info = project.create_round(
        name, coders=coders,
        documents=_ids(documents) if documents.strip() else None,
        sample=int(sample) if sample.strip().isdigit() else None,
        seed=int(seed) if seed.strip().isdigit() else None,
        codes=codes or None, blind_to_machine=bool(blind_to_machine))
    return RedirectResponse(f"/rounds/{info['id']}", status_code=303)


@router.get("/rounds/{round_id}", response_class=HTMLResponse)
def round_page(request: Request, round_id: int, user: User = Depends(require_user("viewer"))
               ) -> HTMLResponse:
    info = get_project(request).round(round_id)
    return render(request, "round.html", user=user, info=info,
                  flash=request.query_params.get("flash"))


@router.post("/rounds/{round_id}/close")
def close_round(request: Request, round_id: int,
                user: User = Depends(require_writer("admin"))) -> Response:
    acting_project(request, user).close_round(round_id)
    return RedirectResponse(f"/rounds/{round_id}/agreement", status_code=303)


def _work_documents(project: Any, round_id: int, coder: str) -> list[dict[str, Any]]:
    """The coder's units grouped by document and person, with the document text."""
    work = project.round_work(round_id, coder).to_dict(orient="records")
    codebook = project.codebook()
    docs: dict[int, dict[str, Any]] = {}
    for unit in work:
        doc_id = int(unit["document_id"])
        if doc_id not in docs:
            document = project.document(doc_id)
            docs[doc_id] = {"id": doc_id, "title": document.title, "text": document.text,
                            "persons": {}}
        persons = docs[doc_id]["persons"]
        person = persons.setdefault(unit["person"], {"person": unit["person"],
                                                     "label": unit["label"],
                                                     "defector": None, "codes": []})
        if unit["code"] == "defector":
            person["defector"] = unit
            continue
        text = docs[doc_id]["text"]
        start, end = unit["start"], unit["end"]
        s_start, s_end = unit["suggested_start"], unit["suggested_end"]
        person["codes"].append({
            **unit,
            "label_text": codebook.get(unit["code"]).label or unit["code"],
            "quote": text[int(start):int(end)] if _present(start) else "",
            "suggested_quote": text[int(s_start):int(s_end)] if _present(s_start) else "",
        })
    return [{**d, "persons": list(d["persons"].values())} for d in docs.values()]


def _present(value: Any) -> bool:
    return value is not None and value == value  # not None, not NaN


@router.get("/rounds/{round_id}/work", response_class=HTMLResponse)
def work_page(request: Request, round_id: int, user: User = Depends(require_user("coder"))
              ) -> HTMLResponse:
    project = get_project(request)
    info = project.round(round_id)
    documents = _work_documents(project, round_id, user.name)
    return render(request, "round_work.html", user=user, info=info, documents=documents,
                  flash=request.query_params.get("flash"))


@router.post("/rounds/{round_id}/work/{document_id}")
async def save_work(request: Request, round_id: int, document_id: int,
                    user: User = Depends(require_writer("coder"))) -> Response:
    """One document's decisions: per person a defector yes/no, and each code checked
    (present, with an optional quote as its evidence) or not (absent)."""
    project = acting_project(request, user)
    form = await request.form()
    work = project.round_work(round_id, user.name)
    units = work[work["document_id"] == document_id].to_dict(orient="records")
    if not units:
        raise RoundError(f"document {document_id} is not yours in round {round_id}",
                         code="not_assigned")
    text = project.document(document_id).text
    saved = 0
    for unit in units:
        key = unit["unit"]
        if unit["code"] == "defector":
            answer = form.get(f"defector|{unit['person']}")
            if answer not in ("yes", "no"):
                continue  # not answered yet: stays undecided
            project.decide(round_id, key, answer == "yes", coder=user.name)
        else:
            present = form.get(f"code|{key}") == "present"
            quote = str(form.get(f"quote|{key}") or "")
            span = locate(text, quote, document_id) if present and quote.strip() else None
            project.decide(round_id, key, present, coder=user.name, span=span)
        saved += 1
    return RedirectResponse(f"/rounds/{round_id}/work?flash=saved+{saved}+decisions"
                            f"#doc-{document_id}", status_code=303)


@router.get("/rounds/{round_id}/agreement", response_class=HTMLResponse)
def agreement_page(request: Request, round_id: int,
                   user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    table = project.round_agreement(round_id)
    pairs = project.round_agreement(round_id, pairs=True)
    return render(request, "round_agreement.html", user=user, info=project.round(round_id),
                  rows=table.to_dict(orient="records"), pairs=pairs.to_dict(orient="records"),
                  note=table.attrs.get("note", ""))


@router.get("/rounds/{round_id}/disagreements", response_class=HTMLResponse)
def disagreements_page(request: Request, round_id: int,
                       user: User = Depends(require_user("viewer"))) -> HTMLResponse:
    project = get_project(request)
    info = project.round(round_id)
    frame = project.round_disagreements(round_id)
    texts: dict[int, str] = {}
    items = []
    for rec in frame.to_dict(orient="records"):
        doc_id = int(rec["document_id"])
        if doc_id not in texts:
            texts[doc_id] = project.document(doc_id).text
        sides = []
        for coder in info["coders"]:
            span = rec.get(f"{coder}_span")
            quote = ""
            if isinstance(span, str) and "-" in span:
                start, end = (int(x) for x in span.split("-"))
                quote = texts[doc_id][start:end]
            sides.append({"coder": coder, "value": rec.get(coder), "quote": quote})
        items.append({**rec, "sides": sides})
    return render(request, "round_disagreements.html", user=user, info=info, items=items,
                  flash=request.query_params.get("flash"))


@router.post("/rounds/{round_id}/adjudicate")
def adjudicate(request: Request, round_id: int, unit: str = Form(...), value: str = Form(...),
               quote: str = Form(""), user: User = Depends(require_writer("admin"))
               ) -> Response:
    project = acting_project(request, user)
    span = None
    if quote.strip():
        document_id = int(unit.split("/", 1)[0])
        span = locate(project.document(document_id).text, quote, document_id)
    project.adjudicate(round_id, unit, value == "present", span=span)
    return RedirectResponse(f"/rounds/{round_id}/disagreements?flash=adjudicated",
                            status_code=303)


@router.post("/train-reviewed", response_class=HTMLResponse)
def train_reviewed(request: Request, user: User = Depends(require_writer("admin"))
                   ) -> HTMLResponse:
    """The next classifier version: the built-in one adapted to accepted and rejected
    codings."""
    report = acting_project(request, user).train_from_reviews()
    get_project(request)._pipeline = None  # the next analysis loads the new version
    return render(request, "train_result.html", user=user, report=report)
