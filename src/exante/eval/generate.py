"""Generation through the cache: only what the cache lacks is generated, and it is stored as it comes.

The model is loaded only when something has to be generated (or when it has no files to
fingerprint), so a fully cached rerun costs no model load. Missing prompts are generated in
length-sorted batches (long prompts in smaller ones: ``length_batches``); every batch is written
to the cache before the next starts, so an interrupted run loses at most one batch.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any, Sequence

from tqdm.auto import tqdm

from exante.eval.cache import GenerationCache
from exante.eval.fingerprint import files_fingerprint, run_context, weights_fingerprint

log = logging.getLogger(__name__)
CHARS_PER_ROW = 1200  # padded request characters per batch row (≈300 tokens) before a batch is cut short


def chat_request(prompt: str, system_prompt: str | None = None) -> list[dict]:
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return [*messages, {"role": "user", "content": prompt}]


@dataclass
class GenerationStats:
    requested: int = 0
    cached: int = 0
    generated: int = 0
    corrupt_dropped: int = 0
    seconds: float = 0.0
    completion_tokens: int = 0


class ModelUnderTest:
    """A model spec with a lazily loaded backend, its tokenizer and its cache fingerprint."""

    def __init__(self, spec: str, dtype: str = "auto"):
        self.spec, self.dtype = spec, dtype
        self._loaded = None
        self._backend = None
        self._tokenizer = None
        self._fingerprint: str | None = None

    @property
    def loaded(self):
        if self._loaded is None:
            from exante.models import load_model

            log.info("loading model %s", self.spec)
            self._loaded = load_model(self.spec, dtype=self.dtype)
        return self._loaded

    @property
    def backend(self):
        if self._backend is None:
            from exante.models import HFBackend

            self._backend = HFBackend(self.loaded, progress=False)
        return self._backend

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            files = files_fingerprint(self.spec)
            own = files if files is not None else weights_fingerprint(self.loaded)
            self._fingerprint = f"{own}-{_short(run_context(self.dtype))}"
        return self._fingerprint

    @property
    def tokenizer(self):
        """The tokenizer, for counting reasoning and answer tokens (loaded without the weights when cached)."""
        if self._tokenizer is None:
            self._tokenizer = self._loaded.tokenizer if self._loaded is not None else _tokenizer_only(self.spec)
            if self._tokenizer is None:
                self._tokenizer = self.loaded.tokenizer
        return self._tokenizer


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _tokenizer_only(spec: str):
    """The tokenizer saved with a checkpoint (or an adapter, else its base), or None when there is none."""
    import json

    from exante.eval.fingerprint import spec_files

    path = spec_files(spec)
    if path is None:
        return None
    if (path / "tokenizer_config.json").exists():
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(path)
    if (path / "adapter_config.json").exists():
        return _tokenizer_only(json.loads((path / "adapter_config.json").read_text())["base_model_name_or_path"])
    return None


def length_batches(keys: list[str], lengths: list[int], batch_size: int,
                   chars_per_row: int = CHARS_PER_ROW) -> list[list[str]]:
    """Keys sorted by length, cut into batches of at most ``batch_size`` whose padded size
    (rows × longest prompt) stays within ``batch_size × chars_per_row``: short prompts share full
    batches, long jailbreak prompts go in smaller ones instead of padding a whole batch to ~1k tokens."""
    order = sorted(range(len(keys)), key=lambda i: lengths[i])
    budget, batches, current = batch_size * chars_per_row, [], []
    for i in order:
        if current and (len(current) == batch_size or (len(current) + 1) * lengths[i] > budget):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return [[keys[i] for i in batch] for batch in batches]


def generate_cached(model: ModelUnderTest, requests: Sequence[Any], params, cache: GenerationCache,
                    *, desc: str = "generating") -> tuple[list[dict], GenerationStats]:
    """One generation dict per request (from the cache where present), and what it cost."""
    start = time.perf_counter()
    keys = [cache.key(r, params) for r in requests]
    stats = GenerationStats(requested=len(requests), corrupt_dropped=cache.corrupt)
    todo = list(dict.fromkeys(k for k in keys if cache.get(k) is None))
    stats.cached = sum(cache.get(k) is not None for k in keys)
    if todo:
        by_key = dict(zip(keys, requests))
        log.info("%s: %d cached, %d to generate", model.spec, stats.cached, len(todo))
        with tqdm(total=len(todo), desc=desc, unit="prompt") as bar:
            for chunk in length_batches(todo, [len(str(by_key[k])) for k in todo], params.batch_size):
                for key, generation in zip(chunk, model.backend.generate([by_key[k] for k in chunk], params)):
                    cache.put(key, generation)
                    stats.generated += 1
                    stats.completion_tokens += generation.completion_tokens
                bar.update(len(chunk))
    stats.seconds = time.perf_counter() - start
    return [dict(cache.get(k)) for k in keys], stats
