"""The optional ``llm`` coder: an OpenAI-compatible chat endpoint the user runs.

No LLM ships with exitlens (SPEC §7). When ``coding.llm.url`` is set, this coder
sends, per defector, the codebook (ids and definitions) and the defector's
evidence text, and asks for JSON ``{"codes": [{"code": ..., "quote": ...}]}``.
The answer is never trusted as is: unknown codes are dropped, and a quote that is
not a substring of the evidence (after normalising whitespace and quote marks) is
dropped as a hallucination; a kept quote is mapped back to its exact span in the
stored text. Timeouts and HTTP errors raise :class:`~exitlens.coding.base.CodingError`
with a plain message; the stage records it and the other coders' results still count.

No network is touched unless the user configured the URL.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Sequence
from typing import Any

import httpx

from ..model import Span
from ..pipeline import PipelineContext
from .base import CoderUnavailable, CodingError, CodingItem, CodingResult
from .codebook import Codebook

log = logging.getLogger(__name__)

LLM_CONFIDENCE = 0.8
SYSTEM_PROMPT = (
    "You code testimonies of people who left the Islamic State. Use only the codebook "
    "given. Code only reasons the text attributes to the defector (their words or the "
    "writer reporting their reasons), never the writer's general analysis or speculation, "
    "and never a reason explicitly denied. For each code give the shortest exact quote "
    "from the evidence text that carries it. Answer with JSON only: "
    '{"codes": [{"code": "<id>", "quote": "<exact text>"}]}.'
)
_WS = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"',
                         "„": '"', "´": "'", "`": "'"})
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def chat_url(base: str) -> str:
    """Accept a server root, a ``/v1`` base or the full completions URL."""
    url = base.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    if url.endswith("/v1"):
        return url + "/chat/completions"
    return url + "/v1/chat/completions"


def codebook_prompt(codebook: Codebook) -> str:
    lines = []
    for code in codebook:
        label = f"{code.id} ({code.dimension}): {code.label}"
        if code.definition:
            label += f" — {code.definition}"
        lines.append(label)
    return "\n".join(lines)


def build_messages(codebook: Codebook, evidence: str) -> list[dict[str, str]]:
    user = (f"Codebook:\n{codebook_prompt(codebook)}\n\nEvidence text about one defector:\n"
            f"<<<\n{evidence}\n>>>\n\nWhich codes apply to this defector?")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def _normalise_with_map(text: str) -> tuple[str, list[int]]:
    """Whitespace-collapsed, quote-normalised, lower-cased text + index map to the original."""
    out: list[str] = []
    idx: list[int] = []
    prev_space = False
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            if prev_space:
                continue
            out.append(" ")
            prev_space = True
        else:
            out.append(ch.lower())
            prev_space = False
        idx.append(i)
    return "".join(out), idx


def locate_quote(text: str, units: Sequence[Span], quote: str) -> Span | None:
    """The exact span of ``quote`` inside one of ``units`` of ``text``, or None."""
    needle = _WS.sub(" ", quote.translate(_QUOTES)).strip().lower().strip("\"' ")
    if len(needle) < 3:
        return None
    for unit in units:
        hay, idx = _normalise_with_map(unit.text_of(text))
        pos = hay.find(needle)
        if pos >= 0:
            start = unit.start + idx[pos]
            end = unit.start + idx[pos + len(needle) - 1] + 1
            return Span(start, end)
    return None


def parse_answer(content: str) -> list[dict[str, Any]]:
    """The ``codes`` list from the model's reply (tolerating code fences and extra prose)."""
    body = _FENCE.sub("", content.strip())
    try:
        data = json.loads(body)
    except ValueError:
        m = re.search(r"\{.*\}", body, re.DOTALL)
        if not m:
            raise CodingError("the LLM reply is not JSON", code="llm_bad_reply") from None
        try:
            data = json.loads(m.group())
        except ValueError:
            raise CodingError("the LLM reply is not JSON", code="llm_bad_reply") from None
    codes = data.get("codes") if isinstance(data, dict) else None
    if not isinstance(codes, list):
        raise CodingError('the LLM reply has no "codes" list', code="llm_bad_reply")
    return [c for c in codes if isinstance(c, dict)]


class LlmCoder:
    """Asks the configured endpoint; validates every code and quote it returns."""

    name = "llm"
    # Each call sends the evidence to the configured endpoint: the code stage's reason
    # gate does not ask it a second time with fewer units (its verdicts stand as given).
    remote = True

    def __init__(self, context: PipelineContext, client: httpx.Client | None = None):
        cfg = context.settings.coding.llm
        if not cfg.url:
            raise CoderUnavailable("coding.llm.url is not set")
        self.url = chat_url(cfg.url)
        self.model = cfg.model or "default"
        self.timeout = cfg.timeout_s
        key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
        self.headers = {"Content-Type": "application/json"}
        if key:
            self.headers["Authorization"] = f"Bearer {key}"
        self.client = client

    def ask(self, codebook: Codebook, evidence: str) -> str:
        """One chat completion; returns the message content or raises CodingError."""
        payload = {"model": self.model, "temperature": 0,
                   "messages": build_messages(codebook, evidence)}
        try:
            if self.client is not None:
                resp = self.client.post(self.url, json=payload, headers=self.headers,
                                        timeout=self.timeout)
            else:
                with httpx.Client(timeout=self.timeout) as client:
                    resp = client.post(self.url, json=payload, headers=self.headers)
        except httpx.TimeoutException:
            raise CodingError(f"the LLM endpoint did not answer within {self.timeout:g} s",
                              code="llm_timeout", where=self.url) from None
        except httpx.HTTPError as exc:
            raise CodingError(f"cannot reach the LLM endpoint: {type(exc).__name__}",
                              code="llm_unreachable", where=self.url) from None
        if resp.status_code != 200:
            raise CodingError(f"the LLM endpoint answered HTTP {resp.status_code}",
                              code="llm_http_error", where=self.url)
        try:
            content = resp.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise CodingError("the LLM endpoint's answer is not a chat completion",
                              code="llm_bad_reply", where=self.url) from None
        return str(content or "")

    def code_one(self, item: CodingItem, codebook: Codebook) -> list[CodingResult]:
        answer = parse_answer(self.ask(codebook, item.evidence_text()))
        best: dict[str, CodingResult] = {}
        dropped = 0
        for entry in answer:
            code = str(entry.get("code", ""))
            quote = str(entry.get("quote", ""))
            if code not in codebook:
                dropped += 1
                continue
            span = locate_quote(item.text, item.units, quote)
            if span is None:
                dropped += 1
                continue
            if code not in best:
                best[code] = CodingResult(code, span, LLM_CONFIDENCE, self.name)
        if dropped:
            log.info("llm: dropped %d suggestion(s) with unknown codes or unfound quotes", dropped)
        return list(best.values())

    def code(self, items: Sequence[CodingItem], codebook: Codebook) -> list[list[CodingResult]]:
        """Per item; one failing request fails the batch with a clear CodingError."""
        return [self.code_one(item, codebook) for item in items]
