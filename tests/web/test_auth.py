"""Accounts, sign-in, sessions, CSRF, rate limiting and the security headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from exitlens import Project
from exitlens.cli import app as cli_app
from exitlens.store.users import UserError
from exitlens.web import WebOptions
from exitlens.web.auth import COOKIE_NAME, LoginLimiter, SessionStore
from exitlens.web.routes.auth import safe_next
from tests.web.conftest import PASSWORD, csrf_of, login


def test_passwords_are_argon2_hashes_and_accounts_validated(web_project: Project) -> None:
    from sqlalchemy import select

    from exitlens.store.schema import UserRow

    with web_project.db.session() as session:
        hashes = list(session.scalars(select(UserRow.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    assert web_project.authenticate("ada", PASSWORD) is not None
    assert web_project.authenticate("ada", "wrong password!") is None
    assert web_project.authenticate("nobody", PASSWORD) is None
    assert web_project.authenticate("ada\x00", PASSWORD) is None
    assert web_project.user("ada\x00") is None
    for name, role, password, code in [("ada", "coder", PASSWORD, "user_exists"),
                                       ("x y", "coder", PASSWORD, "bad_user_name"),
                                       ("zed", "boss", PASSWORD, "bad_role"),
                                       ("zed", "coder", "short", "weak_password")]:
        with pytest.raises(UserError) as info:
            web_project.add_user(name, role, password)
        assert info.value.code == code
    assert [e["action"] for e in web_project.events()].count("user.add") == 4
    web_project.add_user("Bea", "viewer", PASSWORD)  # code-point order on both databases
    assert [u.name for u in web_project.users()] == ["Bea", "ada", "cody", "cora", "vera"]


def test_cli_user_add_list_and_serve_refuses_without_admin(db_url: str) -> None:
    runner = CliRunner()
    db = db_url
    result = runner.invoke(cli_app, ["serve", "--db", db])
    assert result.exit_code == 2
    assert "error[no_admin]" in result.output and "exitlens user add" in result.output
    result = runner.invoke(cli_app, ["user", "add", "root", "--role", "admin",
                                     "--password-stdin", "--db", db], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli_app, ["user", "list", "--db", db, "--format", "json"])
    assert '"name": "root"' in result.output and "argon2" not in result.output
    result = runner.invoke(cli_app, ["user", "add", "root", "--role", "coder",
                                     "--password-stdin", "--db", db], input=PASSWORD + "\n")
    assert result.exit_code == 2 and "error[user_exists]" in result.output
    result = runner.invoke(cli_app, ["user", "deactivate", "root", "--db", db])
    assert result.exit_code == 2 and "error[last_admin]" in result.output


def test_pages_need_a_session_and_headers_are_strict(make_client: Callable[..., TestClient]
                                                     ) -> None:
    client = make_client()
    response = client.get("/?q=x")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2F%3Fq%3Dx"
    htmx = client.get("/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and htmx.headers["HX-Redirect"] == "/login"
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text and "onclick" not in page.text  # no inline script
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # plain http here


def test_cookie_is_secure_over_https(web_project: Project) -> None:
    from exitlens.web import create_app

    client = TestClient(create_app(web_project), base_url="https://review.example")
    assert "Secure" in client.get("/login").headers["set-cookie"]


def test_login_logout_and_csrf(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    token = csrf_of(client.get("/login").text)
    no_token = client.post("/login", data={"username": "ada", "password": PASSWORD})
    assert no_token.status_code == 403
    wrong = client.post("/login", data={"username": "ada", "password": PASSWORD,
                                        "csrf_token": "forged"})
    assert wrong.status_code == 403
    bad = client.post("/login", data={"username": "ada", "password": "not it at all",
                                      "csrf_token": token})
    assert bad.status_code == 401 and "wrong user name or password" in bad.text
    for odd in ("ada\x00", "x" * 500):  # names no account can have (PostgreSQL cannot
        odd_name = client.post("/login", data={"username": odd,  # compare a NUL at all)
                                               "password": PASSWORD, "csrf_token": token})
        assert odd_name.status_code == 401 and "wrong user name or password" in odd_name.text
    before = client.cookies.get(COOKIE_NAME)
    ok = client.post("/login", data={"username": "ada", "password": PASSWORD,
                                     "csrf_token": token, "next": "//evil.example/"})
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert client.cookies.get(COOKIE_NAME) != before  # a fresh session token
    home = client.get("/")
    assert home.status_code == 200 and "ada" in home.text
    token = csrf_of(home.text)
    assert client.post("/logout").status_code == 403  # no CSRF token
    out = client.post("/logout", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/").status_code == 303


def test_login_rate_limit_per_user_and_per_address(make_client: Callable[..., TestClient]
                                                   ) -> None:
    client = make_client(WebOptions(login_failures=3))
    token = csrf_of(client.get("/login").text)
    for _ in range(3):
        r = client.post("/login", data={"username": "cody", "password": "nope nope nope",
                                        "csrf_token": token})
        assert r.status_code == 401
    blocked = client.post("/login", data={"username": "cody", "password": PASSWORD,
                                          "csrf_token": token})
    assert blocked.status_code == 429 and "too many failed logins" in blocked.text
    # the same address is blocked for another name too
    other = client.post("/login", data={"username": "ada", "password": PASSWORD,
                                        "csrf_token": token})
    assert other.status_code == 429


def test_limiter_window_and_session_expiry_with_a_clock() -> None:
    now = [1000.0]
    limiter = LoginLimiter(limit=2, window=60, clock=lambda: now[0])
    limiter.failed("u", "1.2.3.4")
    limiter.failed("u", "5.6.7.8")
    assert limiter.blocked("u", "9.9.9.9") > 0  # per user, whatever the address
    assert limiter.blocked("other", "1.2.3.4") == 0
    now[0] += 61
    assert limiter.blocked("u", "9.9.9.9") == 0
    store = SessionStore(idle=100, absolute=1000, clock=lambda: now[0])
    session = store.new("ada")
    now[0] += 99
    assert store.get(session.token) is session  # touching it renews the idle time
    now[0] += 99
    assert store.get(session.token) is session
    now[0] += 101
    assert store.get(session.token) is None
    session = store.new("ada")
    for _ in range(11):
        now[0] += 95
        store.get(session.token)
    assert store.get(session.token) is None  # absolute limit


def test_expired_session_sends_back_to_login(make_client: Callable[..., TestClient]) -> None:
    client = make_client(WebOptions(session_idle_seconds=0.0))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "ada", "password": PASSWORD, "csrf_token": token})
    assert client.get("/").status_code == 303


def test_inactive_or_unknown_session_is_anonymous(make_client: Callable[..., TestClient]
                                                  ) -> None:
    client = make_client()
    client.cookies.set(COOKIE_NAME, "made-up")
    assert client.get("/").status_code == 303
    login(client, "vera")
    assert client.get("/").status_code == 200


def test_safe_next() -> None:
    assert safe_next("/documents/3") == "/documents/3"
    for bad in ("https://evil.example", "//evil.example", "/\\evil", "", None):
        assert safe_next(bad) == "/"


def test_admin_manages_users_and_deactivation_ends_sessions(
        make_client: Callable[..., TestClient], web_project: Project) -> None:
    coder = make_client()
    coder_token = login(coder, "cody")
    assert coder.get("/users").status_code == 403
    assert coder.post("/users", data={"name": "x", "role": "admin", "password": PASSWORD,
                                      "csrf_token": coder_token}).status_code == 403
    admin = make_client()
    token = login(admin, "ada")
    assert "cody" in admin.get("/users").text
    added = admin.post("/users", data={"name": "newbie", "role": "viewer",
                                       "password": PASSWORD, "csrf_token": token})
    assert added.status_code == 303 and web_project.user("newbie") is not None
    weak = admin.post("/users", data={"name": "weakling", "role": "viewer",
                                      "password": "short", "csrf_token": token})
    assert weak.status_code == 400 and "weak_password" in weak.text
    off = admin.post("/users/cody/active", data={"active": "0", "csrf_token": token})
    assert off.status_code == 303
    assert coder.get("/").status_code == 303  # signed out at once
    assert web_project.authenticate("cody", PASSWORD) is None
    last = admin.post("/users/ada/active", data={"active": "0", "csrf_token": token})
    assert last.status_code == 400 and "last_admin" in last.text


def test_write_after_session_expiry_goes_to_login(make_client: Callable[..., TestClient]
                                                   ) -> None:
    client = make_client(WebOptions(session_idle_seconds=0.0))
    token = csrf_of(client.get("/login").text)
    client.post("/login", data={"username": "cody", "password": PASSWORD, "csrf_token": token})
    response = client.post("/undo", data={"csrf_token": token},
                           headers={"HX-Request": "true"})
    assert response.status_code == 401 and response.headers["HX-Redirect"] == "/login"


@pytest.mark.slow
def test_serve_command_runs_the_app_over_the_database(db_url: str) -> None:
    """`exitlens serve --db URL` (a SQLite file or a PostgreSQL URL) starts the web app over
    that database: the admin added beforehand signs in through the real server."""
    import os
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with Project.open(db_url, actor="test") as project:
        project.add_user("ada", "admin", PASSWORD)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DB", "EXITLENS_CONFIG")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "exitlens", "serve", "--db", db_url, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=10) as client:
            deadline = time.monotonic() + 90
            while True:
                assert proc.poll() is None, proc.communicate()[1].decode()
                try:
                    form = client.get("/login")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "exitlens serve did not answer"
                    time.sleep(0.2)
            assert form.status_code == 200
            signed = client.post("/login", data={"username": "ada", "password": PASSWORD,
                                                 "csrf_token": csrf_of(form.text), "next": "/"})
            assert signed.status_code == 303, signed.text
            home = client.get("/")
            assert home.status_code == 200 and "holds no documents yet" in home.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)
