"""``SynthConfig``: every knob of ``exante synth``, one field each (YAML key = CLI flag)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError

STYLES = ("concise", "long")
# Fields that change which records are made or what they contain; the rest (where to write,
# how fast to go) may differ between an interrupted run and its resumption.
_RUN_ONLY = {"out", "overwrite", "concurrency", "timeout_s", "max_retries", "backoff_s", "batch_size"}


@dataclass
class SynthConfig:
    out: str = field("runs/synth", help="output directory (sft.jsonl, rejected.jsonl, stats.json, config.yaml)")
    overwrite: bool = field(False, help="discard an earlier run in `out` made with a different config")
    rules: str | None = field(None, help="rulebook YAML (default: the one shipped with exante)")
    sources: list[str] = field([], help="prompt sources (exante.data names or files); empty: all built-in sources")
    source_map: str | None = field(None, help="for your own files: FIELD=COLUMN pairs, e.g. prompt=question,kind=label")
    source_kind: str | None = field(None, help="for your own files: the kind of every prompt, when no column gives it")
    splits: list[str] = field(["train", "dev"], help="data splits to synthesize (never tune on test)")
    teacher: str = field("compose", help="teacher: compose (offline, deterministic), openai (chat-completions "
                         "endpoint), hf (local model)")
    style: str = field("concise", help="concise: shortest adequate trace; long: SaRO-style reflective reasoning")
    max_unsafe_share: float = field(0.5, help="largest share of harmful+jailbreak records in each split (1: no cap)")
    jailbreak_share: float = field(0.5, help="share of jailbreak-wrapped prompts among the harmful+jailbreak records")
    framed_safe_per_prompt: int = field(
        1, help="jailbreak-style framings (role-play, hypothetical, prefix injection) of each benign/borderline "
        "prompt, kept as safe prompts so framing alone never means refusal")
    limit: int | None = field(None, help="at most this many prompts per split (for quick runs)")
    answered_areas: list[str] = field(
        ["specialised_advice"], help="hazard areas whose harmful-labelled prompts (e.g. 'Do I need an X-ray?') "
        "are left out instead of refused: their rules answer with care, and a refusal would teach over-refusal")
    require_category_agreement: bool = field(
        True, help="drop harmful/jailbreak traces whose violated rule's hazard area differs from the data set's "
        "category")
    salt: str = field("exante-synth-v1", help="salt of the hash-based choices (mix order, phrasings)")
    distill_model: str = field("smollm2-135m-instruct",
                               help="model whose own answers fill benign/borderline traces (compose)")
    distill_max_new_tokens: int = field(128, help="token budget of a distilled answer")
    distill_attempts: int = field(2, help="tries per prompt: greedy first, then seeded sampling at temperature 0.7")
    distill_shipped: bool = field(
        True, help="use the answers of smollm2-135m-instruct (128 tokens) shipped with exante for the built-in "
        "prompts they cover (made by configs/synth.yaml on AMD EPYC, bf16); false: generate every answer here")
    batch_size: int = field(16, help="generation batch size (distillation and the hf teacher)")
    teacher_model: str = field("", help="model name for openai (served name) or hf (load_model spec)")
    base_url: str = field("http://127.0.0.1:8000/v1", help="OpenAI-compatible API root (…/v1)")
    api_key_env: str | None = field(None, help="name of the environment variable holding the API key (never logged)")
    concurrency: int = field(8, help="openai: requests in flight at once")
    max_retries: int = field(4, help="openai: retries after a failed request (timeouts, 429, 5xx)")
    backoff_s: float = field(1.0, help="openai: first retry delay, doubled after each failure")
    timeout_s: float = field(120.0, help="openai: seconds before a request counts as failed")
    temperature: float = field(0.0, help="teacher sampling temperature (openai, hf)")
    max_tokens: int = field(768, help="teacher completion budget in tokens (openai, hf)")

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ExanteError(f"SynthConfig: field 'style' must be one of {', '.join(STYLES)}, got {self.style!r}")
        if not 0 <= self.max_unsafe_share <= 1 or not 0 <= self.jailbreak_share <= 1:
            raise ExanteError("SynthConfig: expected 0 ≤ max_unsafe_share ≤ 1 and 0 ≤ jailbreak_share ≤ 1")
        if not self.splits:
            raise ExanteError("SynthConfig: field 'splits' must name at least one split")
        positive = ("distill_max_new_tokens", "distill_attempts", "batch_size", "concurrency", "max_tokens")
        for name in positive:
            if getattr(self, name) < 1:
                raise ExanteError(f"SynthConfig: field {name!r} must be ≥ 1, got {getattr(self, name)}")
        if self.limit is not None and self.limit < 1:
            raise ExanteError(f"SynthConfig: field 'limit' must be ≥ 1 or empty, got {self.limit}")

    def fingerprint(self) -> str:
        """Identifies what this config makes; a resumed run must have the same fingerprint."""
        made = {k: v for k, v in dataclasses.asdict(self).items() if k not in _RUN_ONLY}
        return hashlib.sha256(json.dumps(made, sort_keys=True).encode()).hexdigest()[:16]
