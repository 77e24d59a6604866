"""End to end in a real browser: Debian's Chromium driven by Playwright against ``uvicorn``
serving the app over a small fictional analysed project. Signs in through the form, accepts a
suggestion in the review queue (the row is swapped by HTMX, the page is not reloaded), adds a
coding by selecting text after an emoji (browser UTF-16 offsets → stored code points), and
saves screenshots of the main pages under ``$EXITLENS_SCREENSHOTS`` (default
``test-artifacts/screenshots/``) for a person to look at.

Never ``playwright install``: the browser is the system's ``/usr/bin/chromium`` (installed by
``scripts/install-system-deps.sh``, which ``make test`` runs)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exitlens import Project
from exitlens.web import create_app
from tests.web.conftest import PASSWORD, ROLES
from tests.web.fake_reading import analysed_project

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-quic", "--no-first-run", "--disable-component-update",
                 "--disable-sync"]
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="no /usr/bin/chromium (apt-get install chromium, or run "
                              "scripts/install-system-deps.sh)"),
]
ROOT = Path(__file__).resolve().parents[2]


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("EXITLENS_SCREENSHOTS")
                  or ROOT / "test-artifacts" / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    from argon2 import PasswordHasher

    from exitlens.store import users

    # cheap hashes (the flow is under test, not the cost); module scope, so set by hand
    saved = users._hasher, users._DUMMY_HASH
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    users._hasher, users._DUMMY_HASH = cheap, cheap.hash("dummy password")
    project = analysed_project(tmp_path_factory.mktemp("browser"))
    for name, role in ROLES.items():
        project.add_user(name, role, PASSWORD)
    try:
        yield project
    finally:
        project.close()
        users._hasher, users._DUMMY_HASH = saved


@pytest.fixture(scope="module")
def server(project: Project) -> Iterator[str]:
    import uvicorn

    port = _free_port()
    config = uvicorn.Config(create_app(project), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                              args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def sign_in(browser: Any, base: str, name: str) -> Any:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/review")  # not signed in: sent to the login form
    assert "/login" in page.url
    page.fill('input[name="username"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('form[action="/login"] button[type="submit"]')
    page.wait_for_url(f"{base}/review")
    return page


def _doc_id(project: Project, needle: str) -> int:
    return next(d.id or 0 for d in project.iter_documents() if needle in d.text)


def test_login_form_rejects_a_wrong_password(browser: Any, server: str) -> None:
    page = browser.new_page()
    page.goto(f"{server}/login")
    page.fill('input[name="username"]', "cody")
    page.fill('input[name="password"]', "not the password")
    page.click('form[action="/login"] button[type="submit"]')
    page.wait_for_load_state()
    assert "/login" in page.url
    assert page.locator("text=Logout").count() == 0
    page.close()


def test_accept_a_suggestion_swaps_the_row_without_reloading(browser: Any, server: str,
                                                             project: Project) -> None:
    page = sign_in(browser, server, "cody")
    row = page.locator("[data-review-row]").first
    row_id = row.get_attribute("id")
    assert row_id and row_id.startswith("coding-")
    coding_id = int(row_id.split("-")[1])
    page.evaluate("window.__notReloaded = true")
    row.locator('button[data-action="accept"]').click()
    swapped = page.locator(f"#{row_id} .status.accepted")
    swapped.wait_for(timeout=10_000)
    assert page.evaluate("window.__notReloaded === true"), "the page reloaded"
    assert page.locator(f'#{row_id} button[data-action="accept"]').is_disabled()
    stored = {c["id"]: c for d in project.iter_documents()
              for c in project.document_codings(d.id or 0)}
    assert stored[coding_id]["status"] == "accepted"
    assert stored[coding_id]["user"] == "cody"
    # keyboard: the next row is selected after the decision; "r" rejects it. htmx keeps
    # the old row's attributes (its "selected" class) on the swapped-in row until the
    # settle delay ends, so wait for the selection to move instead of reading it at once.
    page.wait_for_function(
        "id => { const s = document.querySelector('[data-review-row].selected');"
        " return s !== null && s.id !== id; }", arg=row_id, timeout=10_000)
    selected = page.locator("[data-review-row].selected")
    next_id = selected.get_attribute("id")
    assert next_id and next_id != row_id
    page.keyboard.press("r")
    page.locator(f"#{next_id} .status.rejected").wait_for(timeout=10_000)
    page.close()


def test_near_misses_are_answered_with_the_keyboard(browser: Any, server: str,
                                                    project: Project) -> None:
    page = sign_in(browser, server, "cody")
    page.goto(f"{server}/review/missed")
    first = page.locator("[data-review-row].selected")
    first_id = first.get_attribute("id")
    assert first_id and first_id.startswith("near-miss-")
    page.keyboard.press("a")
    page.locator(f"#{first_id} .status.accepted").wait_for(timeout=10_000)
    page.wait_for_function(
        "id => { const s = document.querySelector('[data-review-row].selected');"
        " return s !== null && s.id !== id; }", arg=first_id, timeout=10_000)
    next_id = page.locator("[data-review-row].selected").get_attribute("id")
    page.keyboard.press("r")
    page.locator(f"#{next_id} .status.rejected").wait_for(timeout=10_000)
    answered = {(c["code"], c["status"]) for d in project.iter_documents()
                for c in project.document_codings(d.id or 0) if c["user"] == "cody"}
    assert ("corruption", "accepted") in answered and ("corruption", "rejected") in answered
    page.close()


def test_add_a_coding_by_selecting_text_after_an_emoji(browser: Any, server: str,
                                                       project: Project) -> None:
    doc_id = _doc_id(project, "Emoji first")
    text = project.document(doc_id).text
    assert text.startswith("🙂")  # one code point, two UTF-16 units
    target = "Wind rose"
    start = text.index(target)
    page = sign_in(browser, server, "cody")
    page.goto(f"{server}/documents/{doc_id}")
    form = page.locator("[data-add-coding]")
    assert form.is_hidden()
    # a real browser selection over the rendered (marked-up) text, then the mouse-up the
    # page listens for
    page.evaluate("""(needle) => {
        const root = document.querySelector('[data-document-text]');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        let node;
        while ((node = walker.nextNode())) {
            const at = node.data.indexOf(needle);
            if (at >= 0) {
                const range = document.createRange();
                range.setStart(node, at);
                range.setEnd(node, at + needle.length);
                const sel = window.getSelection();
                sel.removeAllRanges();
                sel.addRange(range);
                return;
            }
        }
        throw new Error('text not found: ' + needle);
    }""", target)
    page.locator("[data-document-text]").dispatch_event("mouseup")
    form.wait_for(state="visible")
    assert form.locator("[data-selection-preview]").inner_text() == target
    # the browser counted UTF-16 units: the emoji makes it one more than the code points
    assert int(form.locator('[name="start_utf16"]').input_value()) == start + 1
    form.locator('select[name="code"]').select_option("hypocrisy")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(f"{server}/documents/{doc_id}")
    added = [c for c in project.document_codings(doc_id) if c["code"] == "hypocrisy"]
    assert len(added) == 1
    assert (added[0]["start"], added[0]["end"]) == (start, start + len(target))
    assert text[added[0]["start"]:added[0]["end"]] == target
    assert added[0]["status"] == "accepted" and added[0]["user"] == "cody"
    assert page.locator(f"mark.coding[data-coding-id='{added[0]['id']}']").count() >= 1 or \
        page.locator("mark.coding", has_text=target).count() >= 1
    page.close()


def test_screenshots_of_the_main_pages(browser: Any, server: str, project: Project) -> None:
    doc_id = _doc_id(project, "Sami Aziz")
    emoji_doc = _doc_id(project, "Emoji first")
    eligible = sorted(d.id or 0 for d in project.iter_documents())
    rnd = project.create_round("pilot", coders=["cody", "cora"], documents=eligible,
                               codes=["brutality", "boredom"])
    rid = int(rnd["id"])
    for n, coder in enumerate(["cody", "cora"]):
        for unit in project.round_work(rid, coder).itertuples():
            value = (hash((unit.unit, n)) % 3) != 0 if unit.code != "defector" else True
            span = None
            if value and unit.code != "defector":
                span = (int(unit.suggested_start or 0), int(unit.suggested_end or 1))
            project.decide(rid, str(unit.unit), value, coder=coder, span=span)
    project.close_round(rid)
    case_id = int(project.cases()["case_id"].iloc[0])
    page = sign_in(browser, server, "ada")
    folder = screenshot_dir()
    pages = {"dashboard": "/", "documents": "/documents", "document": f"/documents/{doc_id}",
             "document-emoji": f"/documents/{emoji_doc}",
             "review": "/review", "missed": "/review/missed", "cases": "/cases",
             "case": f"/cases/{case_id}",
             "rounds": "/rounds", "round": f"/rounds/{rid}",
             "agreement": f"/rounds/{rid}/agreement",
             "disagreements": f"/rounds/{rid}/disagreements", "quotes": "/quotes",
             "users": "/users", "codebook": "/codebook"}
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    for name, url in pages.items():
        response = page.goto(server + url)
        assert response is not None and response.status == 200, (url, response)
        assert page.locator("h1").count() >= 1, url
        out = folder / f"{name}.png"
        page.screenshot(path=str(out), full_page=True)
        assert out.stat().st_size > 5_000, out
    assert not errors, errors  # no CSP violations or script errors on any page
    page.close()
