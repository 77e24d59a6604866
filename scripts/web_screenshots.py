"""Screenshots of the pages of a running ``exitlens serve`` with headless Chromium.

    printf '%s\\n' "$PASSWORD" | python scripts/web_screenshots.py --user ana \\
        --out /tmp/shots / /documents /documents/2 /review /cases

Signs in through the login form (httpx), hands the session cookie to Debian's
``/usr/bin/chromium`` over the DevTools *pipe* (``--remote-debugging-pipe``: no websocket
library and no network port needed) and saves one full-page PNG per path. It prints any
JavaScript exception or console message per page (a Content-Security-Policy violation shows
up there). A developer tool for looking at the pages, not a test.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx


class DevTools:
    """Chrome DevTools Protocol over the pipe pair Chromium opens as fds 3 (in) and 4 (out)."""

    def __init__(self, chromium: str, profile: str):
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def child_fds() -> None:
            os.dup2(to_chrome_r, 3)
            os.dup2(from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--disable-sync", "--disable-background-networking",
             "--disable-component-update", f"--user-data-dir={profile}", "about:blank"],
            close_fds=False, preexec_fn=child_fds,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_chrome, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, event: str, session: str, timeout: float = 30) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for i, message in enumerate(self.events):
                if message.get("method") == event and message.get("sessionId") == session:
                    del self.events[i]
                    return
            self.events.append(self._read())
        raise TimeoutError(event)

    def close(self) -> None:
        try:
            self.call("Browser.close")
        finally:
            self.proc.wait(10)


def sign_in(base: str, user: str, password: str) -> str:
    client = httpx.Client(base_url=base, follow_redirects=False)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    if token is None:
        sys.exit("no CSRF token on the login page")
    response = client.post("/login", data={"username": user, "password": password,
                                           "csrf_token": token.group(1)})
    if response.status_code != 303:
        sys.exit(f"sign-in failed (HTTP {response.status_code})")
    return str(client.cookies.get("exitlens_session"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="paths to capture, e.g. / /review")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", required=True, help="account; password on stdin")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    password = sys.stdin.readline().rstrip("\r\n")
    cookie = sign_in(args.url, args.user, password)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(args.chromium, profile)
        try:
            target = tools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = tools.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Network"):
                tools.call(f"{domain}.enable", session=session)
            tools.call("Network.setCookie", {"name": "exitlens_session", "value": cookie,
                                             "domain": httpx.URL(args.url).host, "path": "/",
                                             "httpOnly": True}, session=session)
            tools.call("Emulation.setDeviceMetricsOverride",
                       {"width": args.width, "height": 900, "deviceScaleFactor": 1,
                        "mobile": False}, session=session)
            for path in args.paths:
                tools.events.clear()
                tools.call("Page.navigate", {"url": args.url + path}, session=session)
                tools.wait_for("Page.loadEventFired", session)
                time.sleep(0.5)
                height = int(tools.call("Page.getLayoutMetrics",
                                        session=session)["cssContentSize"]["height"])
                shot = tools.call("Page.captureScreenshot", {
                    "format": "png", "captureBeyondViewport": True,
                    "clip": {"x": 0, "y": 0, "width": args.width, "height": min(height, 8000),
                             "scale": 1}}, session=session)
                name = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "dashboard"
                target_file = args.out / f"{name}.png"
                target_file.write_bytes(base64.b64decode(shot["data"]))
                problems = [m["params"] for m in tools.events if m.get("method") in (
                    "Runtime.exceptionThrown", "Runtime.consoleAPICalled")]
                print(f"{path} → {target_file}" + (f"  console: {problems}" if problems else ""))
        finally:
            tools.close()


if __name__ == "__main__":
    main()
