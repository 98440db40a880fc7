"""Generation through any OpenAI-compatible ``/v1/chat/completions`` server (``vllm serve``,
``exante serve``, SGLang, TGI, llama.cpp), behind the same ``GenerationBackend`` interface as
``HFBackend``.

A model spec ``openai:MODEL@URL`` (e.g. ``openai:Qwen/Qwen3-8B@http://gpu-node:8000/v1``) selects
it wherever a stage takes a model to sample from (``backend_for``). Repeats of one request (k
samples per prompt) go out as one request with ``n = k``; requests run ``concurrency`` at a time;
429, 5xx, timeouts and connection errors are retried with exponential back-off (a server's
``Retry-After`` is honoured). The seed is passed through. The API key is read from the
environment variable ``api_key_env`` (sent only when set) and never logged.

Token counts come from the response's ``usage``. OpenAI's usage has one completion count for
all ``n`` choices: a choice cut at the limit counts ``max_tokens`` (exact) and the rest of the
total is shared among the other choices in proportion to their text length (exact for n = 1).
The whole reply must arrive in ``content``: a ``reasoning_content`` field means the server split
the reasoning off (``exante serve`` without ``--reasoning-format none``, ``vllm serve`` with a
``--reasoning-parser``), and the reply cannot be judged, so it is refused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

import httpx

from exante.errors import ExanteError
from exante.models.params import GenerationParams, check_generation

if TYPE_CHECKING:  # generation.py imports torch; parsing a spec must not
    from exante.models.generation import Generation, Request

log = logging.getLogger(__name__)
SPEC_PREFIX = "openai:"
DEFAULT_KEY_ENV = "EXANTE_ENDPOINT_API_KEY"
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_SNIPPET = 300  # characters of an error body kept in a message


@dataclass(frozen=True)
class RemoteSpec:
    """``openai:MODEL@URL``: the served model's name and the API's base URL (ending in ``/v1``)."""

    model: str
    base_url: str

    @classmethod
    def parse(cls, spec: str) -> "RemoteSpec | None":
        """The remote model a spec names, or None for a local spec; a malformed one raises ExanteError."""
        if not spec.startswith(SPEC_PREFIX):
            return None
        model, _, url = spec[len(SPEC_PREFIX):].rpartition("@")
        if not model or not url.startswith(("http://", "https://")):
            raise ExanteError(f"model spec {spec!r}: expected openai:MODEL@URL, e.g. openai:my-model@http://localhost:8000/v1")
        return cls(model, url.rstrip("/"))

    @property
    def fingerprint(self) -> str:
        """What identifies its generations in a cache: the endpoint and the model name."""
        return "remote-" + hashlib.sha256(f"{self.base_url}\x1f{self.model}".encode()).hexdigest()[:20]


def backend_for(spec: str, *, dtype: str = "auto", loaded=None):
    """The backend a stage samples ``spec`` with: ``OpenAIBackend`` for ``openai:MODEL@URL``, else
    ``HFBackend`` over ``loaded`` (or the model ``spec`` loads)."""
    remote = RemoteSpec.parse(spec)
    if remote is not None:
        return OpenAIBackend(remote.base_url, remote.model)
    from exante.models import HFBackend, load_model

    return HFBackend(loaded or load_model(spec, dtype=dtype), progress=False)


class OpenAIBackend:
    """``GenerationBackend`` over an OpenAI-compatible chat-completions endpoint."""

    def __init__(self, base_url: str, model: str, *, api_key_env: str = DEFAULT_KEY_ENV, concurrency: int = 16,
                 max_retries: int = 5, backoff_s: float = 1.0, timeout_s: float = 600.0):
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.concurrency, self.max_retries, self.backoff_s = concurrency, max_retries, backoff_s
        key = os.environ.get(api_key_env)
        self.http = httpx.Client(headers={"Authorization": f"Bearer {key}"} if key else {}, timeout=timeout_s,
                                 limits=httpx.Limits(max_connections=concurrency))
        self.retries = 0  # requests sent again after a retryable failure, over this backend's life
        self._retries_lock = threading.Lock()

    def generate(self, requests: Sequence[Request], params: GenerationParams) -> list[Generation]:
        check_generation("generation", params)
        groups: dict[str, tuple[Request, list[int]]] = {}  # request content → (request, its positions)
        for i, request in enumerate(requests):
            if isinstance(request, str):
                raise ExanteError(f"{self.url}: the remote backend takes chat requests (message lists), not raw prompts")
            key = json.dumps(request, sort_keys=True, ensure_ascii=False)
            groups.setdefault(key, (request, []))[1].append(i)
        results: list[Generation | None] = [None] * len(requests)
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            futures = [(positions, pool.submit(self._complete, list(request), len(positions), params))
                       for request, positions in groups.values()]
            for positions, future in futures:
                for i, generation in zip(positions, future.result()):
                    results[i] = generation
        return results  # type: ignore[return-value]

    def _complete(self, messages: list, n: int, params: GenerationParams) -> list[Generation]:
        body = {"model": self.model, "messages": messages, "n": n, "max_tokens": params.max_new_tokens,
                "temperature": params.temperature, "top_p": params.top_p, "seed": params.seed}
        if params.stop:
            body["stop"] = list(params.stop)
        if params.repetition_penalty != 1.0:  # an extension (vLLM, exante serve); OpenAI's API would refuse it
            body["repetition_penalty"] = params.repetition_penalty
        if messages[-1].get("role") == "assistant":  # continue that turn, as HFBackend does (vLLM's extension)
            body.update(add_generation_prompt=False, continue_final_message=True)
        start = time.perf_counter()
        data = self._post(body)
        return self._generations(data, n, params.max_new_tokens, time.perf_counter() - start)

    def _post(self, body: dict) -> dict:
        last, refused = "", None  # why the last attempt failed; its answer when the server sent one
        for attempt in range(self.max_retries + 1):
            if attempt:
                with self._retries_lock:
                    self.retries += 1
                time.sleep(self._wait(attempt, refused))
            try:
                response = self.http.post(self.url, json=body)
            except httpx.TransportError as exc:  # timeouts included
                last, refused = f"connection failed ({type(exc).__name__}: {exc})", None
                continue
            if response.status_code in RETRY_STATUS:
                last, refused = f"HTTP {response.status_code}: {response.text[:_SNIPPET]}", response
                continue
            if response.status_code >= 400:
                raise ExanteError(f"{self.url}: request refused: HTTP {response.status_code}: {response.text[:_SNIPPET]}")
            try:
                return response.json()
            except ValueError:
                raise ExanteError(f"{self.url}: the response is not JSON: {response.text[:_SNIPPET]}") from None
        raise ExanteError(f"{self.url}: failed after {self.max_retries + 1} attempts: {last}")

    def _wait(self, attempt: int, response: httpx.Response | None) -> float:
        """Seconds before retry ``attempt``: the server's Retry-After when it sent one, else back-off."""
        backoff = self.backoff_s * 2 ** (attempt - 1)
        header = response.headers.get("retry-after") if response is not None else None
        try:
            return float(header) if header else backoff
        except ValueError:  # an HTTP date: rare enough to back off instead
            return backoff

    def _generations(self, data: dict, n: int, max_tokens: int, latency: float) -> list[Generation]:
        from exante.models.generation import Generation

        try:
            choices = sorted(data["choices"], key=lambda c: c["index"])
            usage = data["usage"]
            texts = [c["message"].get("content") or "" for c in choices]
            cut = [c["finish_reason"] == "length" for c in choices]
            prompt_tokens, total = int(usage["prompt_tokens"]), int(usage["completion_tokens"])
        except (KeyError, TypeError, ValueError, AttributeError):
            raise ExanteError(f"{self.url}: the response is not a chat completion with usage: "
                              f"{json.dumps(data)[:_SNIPPET]}") from None
        if len(choices) != n:
            raise ExanteError(f"{self.url}: asked for {n} choices, got {len(choices)}")
        if any(c["message"].get("reasoning_content") for c in choices):
            raise ExanteError(f"{self.url}: the server splits the reasoning off into reasoning_content, so the whole "
                              "reply cannot be judged; serve with `exante serve --reasoning-format none` (or "
                              "`vllm serve` without --reasoning-parser)")
        counts = _apportion(total, texts, cut, max_tokens)
        return [Generation(text=text, prompt_tokens=prompt_tokens, completion_tokens=count,
                           finish_reason="length" if is_cut else "eos", latency_s=latency,
                           tokens_per_s=count / latency if latency > 0 else 0.0)
                for text, is_cut, count in zip(texts, cut, counts)]


def _apportion(total: int, texts: list[str], cut: list[bool], max_tokens: int) -> list[int]:
    """Per-choice completion tokens from the total: ``max_tokens`` for a choice cut at the limit, the
    rest shared by text length (largest remainders rounded up), so that the counts add up to ``total``."""
    if len(texts) == 1:
        return [total]
    counts = [max_tokens if c else 0 for c in cut]
    free = [i for i, c in enumerate(cut) if not c]
    rest = max(total - sum(counts), 0)
    weights = [len(texts[i]) or 1 for i in free]  # an empty text still ended with a token
    shares = [rest * w / sum(weights) for w in weights]
    floors = [int(s) for s in shares]
    for j in sorted(range(len(free)), key=lambda j: shares[j] - floors[j], reverse=True)[: rest - sum(floors)]:
        floors[j] += 1
    for i, count in zip(free, floors):
        counts[i] = count
    return counts
