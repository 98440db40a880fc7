"""The ``openai`` teacher: any OpenAI-compatible chat-completions endpoint (vLLM server, hosted API).

Requests run concurrently (``concurrency`` in flight) on one ``httpx.AsyncClient``. Timeouts,
connection errors, 429 and 5xx answers are retried with exponential back-off; other 4xx answers
are not (the request itself is wrong). A prompt whose requests all fail becomes a retryable
failure: it goes to rejected.jsonl with the reason, and a later run of the same config tries it
again. The API key is read from the environment variable named by ``api_key_env`` and is never
logged or written anywhere.
"""

from __future__ import annotations

import asyncio
import logging
import os

import httpx

from exante.errors import ExanteError
from exante.rules import Rulebook
from exante.synth.config import SynthConfig
from exante.synth.prompting import system_prompt, teacher_messages
from exante.synth.teachers import Emit, TeacherOutput

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
_SNIPPET = 200  # characters of an error body kept in a failure reason


class OpenAITeacher:
    name = "openai"

    def __init__(self, config: SynthConfig, rulebook: Rulebook):
        self.config = config
        self.system = system_prompt(rulebook, config.style)
        self.url = config.base_url.rstrip("/") + "/chat/completions"
        self._headers = {"Authorization": f"Bearer {_api_key(config.api_key_env)}"} if config.api_key_env else {}

    def run(self, records: list[dict], emit: Emit) -> None:
        asyncio.run(self._run(records, emit))

    async def _run(self, records: list[dict], emit: Emit) -> None:
        gate = asyncio.Semaphore(self.config.concurrency)
        limits = httpx.Limits(max_connections=self.config.concurrency)
        async with httpx.AsyncClient(headers=self._headers, timeout=self.config.timeout_s, limits=limits) as client:

            async def one(record: dict) -> None:
                async with gate:
                    output = await self._complete(client, record)
                emit(output)

            await asyncio.gather(*(one(r) for r in records))

    async def _complete(self, client: httpx.AsyncClient, record: dict) -> TeacherOutput:
        body = {"model": self.config.teacher_model, "messages": teacher_messages(record, self.system),
                "temperature": self.config.temperature, "max_tokens": self.config.max_tokens}
        attempts, last = self.config.max_retries + 1, ""
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.config.backoff_s * 2 ** (attempt - 1))
            try:
                response = await client.post(self.url, json=body)
            except httpx.TimeoutException:
                last = f"timed out after {self.config.timeout_s:g} s"
                continue
            except httpx.TransportError as exc:
                last = f"connection failed ({type(exc).__name__}: {exc})"
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}: {response.text[:_SNIPPET]}"
                continue
            if response.status_code >= 400:
                return TeacherOutput(record["id"], None, f"teacher request refused: HTTP {response.status_code}: "
                                                         f"{response.text[:_SNIPPET]}")
            return _parse(record["id"], response, attempt + 1)
        log.debug("prompt %s: teacher failed after %d attempts: %s", record["id"], attempts, last)
        return TeacherOutput(record["id"], None, f"teacher request failed after {attempts} attempts: {last}",
                             retryable=True, info={"attempts": attempts})


def _parse(record_id: str, response: httpx.Response, attempts: int) -> TeacherOutput:
    try:
        data = response.json()
        text = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError):
        return TeacherOutput(record_id, None, f"teacher response is not a chat completion: {response.text[:_SNIPPET]}")
    if not isinstance(text, str):
        return TeacherOutput(record_id, None, "teacher response has no text content")
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    info = {"attempts": attempts, "completion_tokens": usage.get("completion_tokens")}
    return TeacherOutput(record_id, text, info=info)


def _api_key(env_name: str) -> str:
    key = os.environ.get(env_name)
    if not key:
        raise ExanteError(f"SynthConfig: api_key_env names the environment variable {env_name!r}, which is not set")
    return key
