"""``ServeConfig``: every setting of ``exante serve``, one field each (YAML key = CLI flag)."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError
from exante.models.builtin import DEFAULT_MODEL

REASONING_FORMATS = ("split", "drop", "none")
BACKENDS = ("hf", "vllm")


@dataclass
class ServeConfig:
    model: str = field(DEFAULT_MODEL, help="model to serve (built-in name, checkpoint or adapter directory, hub id)")
    served_model_name: str | None = field(None, help="the name clients send as `model` (default: the model spec)")
    dtype: str = field("auto", help="auto, bf16 or fp32")
    backend: str = field("hf", help="generation engine: hf (transformers, batched); vllm is served by `vllm serve`")
    host: str = field("127.0.0.1", help="address to listen on (0.0.0.0: every interface)")
    port: int = field(8000, help="TCP port")
    reasoning_format: str = field("split", help="an Ex-Ante trace's reasoning: split (into reasoning_content), drop, "
                                  "or none (the whole reply in content, unparsed: for sampling through the server)")
    api_key_env: str | None = field(None, help="environment variable holding the API key clients must send "
                                    "(Authorization: Bearer KEY); null: no key")
    concurrency: int = field(8, help="requests generated together (one micro-batch)")
    queue_size: int = field(32, help="requests waiting beyond those; more are refused with 503 and Retry-After")
    retry_after_s: int = field(1, help="Retry-After seconds sent with a 503")
    batch_size: int = field(16, help="sequences per forward batch (a request with n samples counts n)")
    default_max_tokens: int = field(256, help="max_tokens of a request that sets none")
    max_tokens_cap: int = field(2048, help="largest max_tokens a request may ask for")
    max_n: int = field(8, help="largest n (choices per request)")
    max_messages: int = field(64, help="most messages in one request")
    max_body_bytes: int = field(1_000_000, help="largest request body")
    repetition_penalty: float = field(1.0, help="repetition penalty of a request that sets none (1 = off)")
    shutdown_timeout_s: int = field(30, help="on SIGINT/SIGTERM, seconds to finish in-flight requests")
    load_on_request: bool = field(False, help="load the model a request names in `model` in place of the one held "
                                  "(one at a time), so that iterate/steps rounds sample through one server; the client "
                                  "chooses checkpoints, so for trusted loopback use only")
    allowed_dirs: list[str] = field([], help="with load_on_request: the directories whose checkpoints a request may "
                                    "name (built-in names and the served model are always allowed)")

    def __post_init__(self) -> None:
        for name, allowed in (("reasoning_format", REASONING_FORMATS), ("backend", BACKENDS)):
            if getattr(self, name) not in allowed:
                raise ExanteError(f"ServeConfig: field {name!r} must be one of {', '.join(allowed)}, "
                                  f"got {getattr(self, name)!r}")
        for name in ("concurrency", "batch_size", "default_max_tokens", "max_tokens_cap", "max_n", "max_messages",
                     "max_body_bytes"):
            if getattr(self, name) < 1:
                raise ExanteError(f"ServeConfig: field {name!r} must be ≥ 1, got {getattr(self, name)!r}")
        if self.queue_size < 0 or self.retry_after_s < 0:
            raise ExanteError("ServeConfig: fields 'queue_size' and 'retry_after_s' must be ≥ 0")
        if self.default_max_tokens > self.max_tokens_cap:
            raise ExanteError(f"ServeConfig: field 'default_max_tokens' ({self.default_max_tokens}) is over "
                              f"'max_tokens_cap' ({self.max_tokens_cap})")
        if self.repetition_penalty <= 0:
            raise ExanteError(f"ServeConfig: field 'repetition_penalty' must be > 0, got {self.repetition_penalty!r}")

    @property
    def model_name(self) -> str:
        return self.served_model_name or self.model
