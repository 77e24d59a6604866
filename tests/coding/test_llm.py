"""LLM coder against a local fake OpenAI-compatible server (never any real network)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from exitlens.coding.base import CoderUnavailable, CodingError, items_for
from exitlens.coding.codebook import Codebook
from exitlens.coding.llm import LlmCoder, chat_url, locate_quote
from exitlens.coding.rules import RulesCoder
from exitlens.coding.stage import CodeStage
from exitlens.config import Settings
from exitlens.model import Span
from exitlens.pipeline import PipelineContext
from tests.coding.conftest import reading_with

TEXT = ("Karim said: “The emirs stole   everything we had.” He added that he saw "
        "prisoners beheaded. Analysts think the group is collapsing.")
EVIDENCE = ["Karim said: “The emirs stole   everything we had.”",
            "He added that he saw prisoners beheaded."]


class FakeServer:
    """Answers POST /v1/chat/completions with whatever the test sets."""

    def __init__(self) -> None:
        self.status = 200
        self.content: str = '{"codes": []}'
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.requests.append({"path": self.path, "json": json.loads(body),
                                       "auth": self.headers.get("Authorization")})
                time.sleep(owner.delay)
                reply = json.dumps({"choices": [{"message": {"role": "assistant",
                                                             "content": owner.content}}]})
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(reply.encode())

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FakeServer]:
    srv = FakeServer()
    yield srv
    srv.close()


def context_for(url: str | None, timeout: float = 5.0) -> PipelineContext:
    settings = Settings()
    settings.coding.llm.url = url
    settings.coding.llm.model = "tiny"
    settings.coding.llm.timeout_s = timeout
    return PipelineContext(settings)


def test_absent_without_url() -> None:
    with pytest.raises(CoderUnavailable):
        LlmCoder(context_for(None))


def test_valid_answer_unknown_code_and_hallucinated_quote(
        server: FakeServer, codebook: Codebook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXITLENS_LLM_API_KEY", "secret-test-key")
    server.content = "```json\n" + json.dumps({"codes": [
        {"code": "corruption", "quote": "the emirs stole everything we had"},
        {"code": "brutality", "quote": "saw prisoners beheaded"},
        {"code": "made_up_code", "quote": "saw prisoners beheaded"},
        {"code": "military_decline", "quote": "the group is collapsing"},
        {"code": "hypocrisy", "quote": "they lied about paradise"},
    ]}) + "\n```"
    reading = reading_with(TEXT, EVIDENCE)
    [results] = LlmCoder(context_for(server.url)).code(items_for([reading]), codebook)
    by_code = {r.code: r for r in results}
    assert set(by_code) == {"corruption", "brutality"}
    span = by_code["corruption"].span
    assert span.text_of(TEXT) == "The emirs stole   everything we had"
    assert by_code["brutality"].span.text_of(TEXT) == "saw prisoners beheaded"
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions" and req["json"]["model"] == "tiny"
    assert req["auth"] == "Bearer secret-test-key"
    prompt = req["json"]["messages"][1]["content"]
    assert "brutality" in prompt and "Analysts think" not in prompt


def test_http_error_and_timeout_are_clear_errors(server: FakeServer, codebook: Codebook) -> None:
    reading = reading_with(TEXT, EVIDENCE)
    server.status = 500
    with pytest.raises(CodingError, match="HTTP 500") as err:
        LlmCoder(context_for(server.url)).code(items_for([reading]), codebook)
    assert err.value.code == "llm_http_error"
    server.status = 200
    server.delay = 1.0
    with pytest.raises(CodingError, match="did not answer") as err:
        LlmCoder(context_for(server.url, timeout=0.2)).code(items_for([reading]), codebook)
    assert err.value.code == "llm_timeout"
    server.delay = 0.0
    server.content = "I think it is brutality."
    with pytest.raises(CodingError, match="not JSON"):
        LlmCoder(context_for(server.url)).code(items_for([reading]), codebook)


def test_failing_llm_does_not_stop_the_stage(server: FakeServer, codebook: Codebook) -> None:
    server.status = 503
    context = context_for(server.url)
    reading = reading_with(TEXT, EVIDENCE)
    CodeStage([RulesCoder(), LlmCoder(context)]).process([reading], context)
    assert {c.code for c in reading.codings} >= {"brutality", "corruption"}
    assert any("coder llm failed" in n and "503" in n for n in reading.notes)


def test_quote_matching_normalises_whitespace_and_quotes() -> None:
    text = "He said: ‘it’s  all\nlies’ and left."
    unit = Span(0, len(text))
    span = locate_quote(text, [unit], "it's all lies")
    assert span is not None and span.text_of(text) == "it’s  all\nlies"
    assert locate_quote(text, [Span(0, 8)], "it's all lies") is None
    assert chat_url("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert chat_url("http://h:1") == "http://h:1/v1/chat/completions"
