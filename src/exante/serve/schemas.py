"""The chat-completions request (pydantic), the server's limits on it, and the response bodies.

Fields follow OpenAI's API; ``repetition_penalty`` is vLLM's extension. Fields this server does
not implement (``logprobs``, ``tools``, ...) are ignored, as vLLM ignores unknown ones.
"""

from __future__ import annotations

import time
import uuid
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator

from exante.models.generation import Generation
from exante.serve.config import ServeConfig


class TextPart(BaseModel):
    type: Literal["text"]
    text: str


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant"]
    content: str | list[TextPart]

    def plain(self) -> dict:
        text = self.content if isinstance(self.content, str) else "".join(p.text for p in self.content)
        return {"role": self.role, "content": text}


class StreamOptions(BaseModel):
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1)
    temperature: float = Field(1.0, ge=0, le=2)
    top_p: float = Field(1.0, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    max_completion_tokens: int | None = Field(None, ge=1)  # OpenAI's newer name for max_tokens
    stop: str | list[str] | None = None
    seed: int | None = None
    repetition_penalty: float | None = Field(None, gt=0)

    @field_validator("stop")
    @classmethod
    def _at_most_four_stops(cls, stop: str | list[str] | None) -> str | list[str] | None:
        stops = [stop] if isinstance(stop, str) else stop or []
        if len(stops) > 4:
            raise ValueError(f"at most 4 stop sequences, got {len(stops)}")
        if not all(stops):
            raise ValueError("a stop sequence must not be empty")
        return stop

    def token_limit(self, config: ServeConfig) -> int:
        return self.max_completion_tokens or self.max_tokens or config.default_max_tokens

    def stops(self) -> tuple[str, ...]:
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop or ())


def first_problem(error: ValidationError) -> str:
    """One line for a client: where in the body and what was wrong (pydantic lists them all)."""
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "body"
    return f"{where}: {problem['msg']}"


def limit_problem(request: ChatCompletionRequest, config: ServeConfig) -> str | None:
    """Why the request is over one of this server's caps, or None."""
    if len(request.messages) > config.max_messages:
        return f"messages: {len(request.messages)} messages; this server takes at most {config.max_messages}"
    if request.token_limit(config) > config.max_tokens_cap:
        return f"max_tokens: {request.token_limit(config)} is over this server's cap of {config.max_tokens_cap}"
    if request.n > config.max_n:
        return f"n: {request.n} is over this server's cap of {config.max_n}"
    return None


def error_body(message: str, kind: str = "invalid_request_error") -> dict:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


def split_reply(text: str, reasoning_format: str) -> tuple[str | None, str]:
    """(reasoning, content) of a reply per ``reasoning_format``: split, drop (no reasoning) or none (unparsed)."""
    from exante.reasoning import strip_reasoning

    if reasoning_format == "none":
        return None, text
    reasoning, answer = strip_reasoning(text)
    return (None if reasoning_format == "drop" else reasoning), answer


class Reply:
    """The response to one request: made when it is admitted (id, stream head), filled with its
    generations, each split per ``reasoning_format``."""

    def __init__(self, model: str, n: int, reasoning_format: str):
        self.id, self.created, self.model = f"chatcmpl-{uuid.uuid4().hex}", int(time.time()), model
        self.n, self.reasoning_format = n, reasoning_format
        self.generations: list[Generation] = []
        self.parts: list[tuple[str | None, str]] = []  # (reasoning, content) per choice

    def fill(self, generations: list[Generation]) -> "Reply":
        self.generations = generations
        self.parts = [split_reply(g.text, self.reasoning_format) for g in generations]
        return self

    def usage(self) -> dict:
        prompt = self.generations[0].prompt_tokens  # the prompt is the same for every choice
        completion = sum(g.completion_tokens for g in self.generations)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def completion(self) -> dict:
        choices = []
        for index, (reasoning, content) in enumerate(self.parts):
            message = {"role": "assistant", "content": content}
            if reasoning is not None:
                message["reasoning_content"] = reasoning
            choices.append({"index": index, "message": message, "logprobs": None,
                            "finish_reason": self.finish_reason(index)})
        return {"id": self.id, "object": "chat.completion", "created": self.created, "model": self.model,
                "choices": choices, "usage": self.usage()}

    def head_chunks(self) -> list[dict]:
        """What a stream starts with, before anything is generated: each choice's role."""
        return [self.chunk(index, {"role": "assistant", "content": ""}) for index in range(self.n)]

    def usage_chunk(self) -> dict:
        return {**self.chunk(0, {}), "choices": [], "usage": self.usage()}

    def chunk(self, index: int, delta: dict, finish_reason: str | None = None) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created, "model": self.model,
                "choices": [{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]}

    def finish_reason(self, index: int) -> str:
        return "stop" if self.generations[index].finish_reason == "eos" else "length"
