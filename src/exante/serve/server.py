"""``exante serve``: an OpenAI-compatible chat-completions server (FastAPI on uvicorn).

``POST /v1/chat/completions`` (plain and SSE streaming), ``GET /v1/models``, ``GET /health``. An
Ex-Ante trace's reasoning goes to ``reasoning_content`` and only its answer to ``content``
(``reasoning_format``). A bad request gets a 4xx with an OpenAI-style error body; a full server a
503 with ``Retry-After``; a request without the API key (when one is set) a 401. Generation runs
on one worker thread that batches concurrent requests (``batching.py``). Streaming sends the role
at once, then reasoning and answer deltas per token as the batch generates (``streaming.py``),
each choice's finish when its call is done. On SIGINT/SIGTERM uvicorn stops accepting,
finishes the requests in flight (up to ``shutdown_timeout_s``), then the worker stops. With
``load_on_request`` a request may name another model, which the worker loads in its place
(``swap.py``: which names are allowed); ``/v1/models`` lists the one held.
"""

from __future__ import annotations

import asyncio
import hmac
import importlib.util
import json
import logging
import os
import time
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import ValidationError

from exante.errors import ExanteError
from exante.models.generation import GenerationBackend
from exante.models.params import GenerationParams
from exante.serve.batching import MicroBatcher
from exante.serve.config import ServeConfig
from exante.serve.schemas import ChatCompletionRequest, Reply, error_body, first_problem, limit_problem
from exante.serve.streaming import ReplyStream
from exante.serve.swap import load_backend, loader, refusal

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request the server answers with ``status`` and an OpenAI-style error body."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.headers = status, message, kind, headers


def create_app(config: ServeConfig, backend: GenerationBackend) -> FastAPI:
    api_key = _api_key(config.api_key_env)
    started = int(time.time())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        load = loader(config) if config.load_on_request else None
        app.state.batcher = MicroBatcher(backend, concurrency=config.concurrency, queue_size=config.queue_size,
                                         model=config.model_name, load=load)
        yield
        await asyncio.to_thread(app.state.batcher.close)  # uvicorn has finished the requests in flight

    app = FastAPI(title="exante serve", lifespan=lifespan)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(error_body(exc.message, exc.kind), status_code=exc.status, headers=exc.headers)

    def authorize(request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if api_key is not None and not (scheme.lower() == "bearer" and hmac.compare_digest(token.encode(), api_key.encode())):
            raise ApiError(401, "missing or wrong API key: send the header Authorization: Bearer KEY",
                           "authentication_error")

    @app.get("/health")
    async def health(request: Request) -> dict:
        batcher = request.app.state.batcher
        return {"status": "ok", "admitted": batcher.admitted, "generating": batcher.generating}

    @app.get("/v1/models", dependencies=[Depends(authorize)])
    async def models(request: Request) -> dict:
        held = request.app.state.batcher.model  # None while a swap loads the next one
        root = config.model if held == config.model_name else held
        return {"object": "list", "data": [{"id": held, "object": "model", "created": started, "owned_by": "exante",
                                            "root": root}] if held else []}

    @app.post("/v1/chat/completions", dependencies=[Depends(authorize)])
    async def chat_completions(request: Request):
        chat = _parse(await _read_body(request, config.max_body_bytes))
        if (refused := refusal(chat.model, config)) is not None:
            raise ApiError(*refused, "not_found_error" if refused[0] == 404 else "permission_error")
        if (problem := limit_problem(chat, config)) is not None:
            raise ApiError(400, problem)
        reply = Reply(chat.model, chat.n, config.reasoning_format)
        include_usage = bool(chat.stream_options and chat.stream_options.include_usage)
        stream = ReplyStream(reply, chat.stops(), include_usage, asyncio.get_running_loop()) if chat.stream else None
        future = request.app.state.batcher.submit([m.plain() for m in chat.messages], chat.n, _params(chat, config),
                                                  chat.model, stream)
        if future is None:
            raise ApiError(503, f"server busy: {config.concurrency + config.queue_size} requests are already waiting "
                           f"or generating; retry in {config.retry_after_s} s", "server_overloaded",
                           {"Retry-After": str(config.retry_after_s)})
        if stream is not None:
            future.add_done_callback(stream.finish)
            return StreamingResponse(_events(stream, future), media_type="text/event-stream")
        try:
            generations = await asyncio.wrap_future(future)
        except Exception as exc:
            raise ApiError(500, f"generation failed: {type(exc).__name__}: {exc}", "server_error") from None
        return reply.fill(generations).completion()

    return app


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is over ``limit`` bytes (declared or received)."""
    declared = request.headers.get("content-length", "")
    too_large = ApiError(413, f"request body over this server's limit of {limit} bytes")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


def _parse(body: bytes) -> ChatCompletionRequest:
    try:
        data = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError too
        raise ApiError(400, f"malformed JSON body: {exc}") from None
    try:
        return ChatCompletionRequest.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, first_problem(exc)) from None


def _params(chat: ChatCompletionRequest, config: ServeConfig) -> GenerationParams:
    return GenerationParams(
        max_new_tokens=chat.token_limit(config), temperature=chat.temperature, top_p=chat.top_p,
        repetition_penalty=chat.repetition_penalty or config.repetition_penalty,
        seed=chat.seed if chat.temperature > 0 else None,  # None: any seed (batching.py)
        stop=chat.stops(), batch_size=config.batch_size)


async def _events(stream: ReplyStream, future):
    """Server-sent events: the head at once, the deltas as they are generated, then ``[DONE]``."""
    try:
        async for chunk in stream.chunks():
            yield _event(chunk)
        yield "data: [DONE]\n\n"
    finally:
        future.cancel()  # a client gone before its turn is not generated (no-op once running)


def _event(data: dict) -> str:
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _api_key(env_name: str | None) -> str | None:
    if env_name is None:
        return None
    key = os.environ.get(env_name)
    if not key:
        raise ExanteError(f"ServeConfig: field 'api_key_env' names the environment variable {env_name!r}, "
                          "which is not set (or empty)")
    return key


def serve(config: ServeConfig) -> None:
    """Load the model and serve it until SIGINT/SIGTERM."""
    import uvicorn

    if config.backend == "vllm":
        raise ExanteError(_vllm_hint())
    _api_key(config.api_key_env)  # a missing key fails before the model loads
    backend = load_backend(config.model, config.dtype)
    log.info("serving %s as %r on http://%s:%d/v1", config.model, config.model_name, config.host, config.port)
    if config.load_on_request and config.host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("load_on_request on %s: any client that reaches it can load the checkpoints under %s",
                    config.host, config.allowed_dirs)
    uvicorn.run(create_app(config, backend), host=config.host, port=config.port,
                timeout_graceful_shutdown=config.shutdown_timeout_s)


def _vllm_hint() -> str:
    if importlib.util.find_spec("vllm") is None:
        return ("vLLM is not installed: `pip install vllm` (Linux, CUDA GPU), then `vllm serve MODEL` and sample "
                "through it with the model spec openai:MODEL@http://HOST:8000/v1 (docs/serve.md)")
    return ("exante serve runs transformers only; vLLM serves the same API itself: `vllm serve MODEL`, then use "
            "the model spec openai:MODEL@http://HOST:8000/v1 (docs/serve.md)")
