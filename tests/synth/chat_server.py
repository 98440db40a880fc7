"""A real OpenAI-compatible chat-completions server on loopback, for testing the openai teacher.

It runs the runtime's ``tiny`` model on every request's user turn (prompt tokens and a few
generated tokens are reported in ``usage``), but answers with canned traces so that tests are deterministic: a
random tiny model writes no valid trace. Prompts can make it fail: ``ERROR`` in the prompt → HTTP
500 every time, ``STALL`` → never answers in time, ``FLAKY`` → HTTP 503 for the first two calls;
``failing = False`` turns the first two off (the server "recovers").
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from typing import Callable

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from exante.models import GenerationParams, HFBackend, build_tiny_model


class ChatServer:
    def __init__(self, answer: Callable[[str], str], api_key: str | None = None):
        self.answer, self.api_key = answer, api_key
        self.calls: Counter = Counter()  # user prompt → requests received
        self.failing = True
        self.backend = HFBackend(build_tiny_model(), progress=False)
        self.app = FastAPI()
        self.app.post("/v1/chat/completions")(self._chat)

    async def _chat(self, request: Request):
        if self.api_key and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return JSONResponse({"error": {"message": "bad key"}}, status_code=401)
        body = await request.json()
        prompt = body["messages"][-1]["content"]
        self.calls[prompt] += 1
        if "ERROR" in prompt and self.failing:
            return JSONResponse({"error": {"message": "internal error"}}, status_code=500)
        if "FLAKY" in prompt and self.calls[prompt] <= 2:
            return JSONResponse({"error": {"message": "overloaded"}}, status_code=503)
        if "STALL" in prompt and self.failing:
            await asyncio.sleep(60)
        # the model reads the user turn only (the teacher's system prompt exceeds the tiny model's context),
        # in a worker thread so that a slow generation never blocks other requests
        user_turn = [body["messages"][-1]]
        gen = (await asyncio.to_thread(self.backend.generate, [user_turn], GenerationParams(max_new_tokens=3)))[0]
        usage = {"prompt_tokens": gen.prompt_tokens, "completion_tokens": gen.completion_tokens}
        choice = {"index": 0, "message": {"role": "assistant", "content": self.answer(prompt)}, "finish_reason": "stop"}
        return {"id": "chatcmpl-test", "object": "chat.completion", "model": body["model"], "choices": [choice],
                "usage": usage}

    def __enter__(self) -> "ChatServer":
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
        config = uvicorn.Config(self.app, log_level="warning", timeout_graceful_shutdown=1)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("test chat server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
