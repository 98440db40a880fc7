"""Hidden states of chat-templated prompts at two positions, batched and cached on disk.

A prompt is rendered as a single user turn with the model's chat template and an open
assistant turn (``add_generation_prompt=True``: exactly what the model sees before it answers,
``HFBackend.encode``). One forward pass gives both positions (METHODS.md §10):

- ``instruction``: the last token of the user's instruction, before the end-of-turn and the
  assistant header (Zhao et al. 2025: where harmfulness is encoded);
- ``generation``: the last token of the templated prompt, where the model starts its answer
  (the "post-instruction" position where refusal is decided; Arditi et al. 2024).

With causal attention the hidden state at the instruction's last token is the same as if the
prompt ended there. ``layer`` picks ``hidden_states[layer]``: -1 (default) or the number of
layers = the final hidden state after the last norm (what the LM head reads), 0 = token
embeddings, k = output of block k. Batches run in eval mode without gradients, sorted by length
and bounded in padded tokens; the token prefix all prompts share (the template's system turn
and user header, ~24 of a short prompt's ~45 tokens) is run once and its KV cache reused, and
each prompt's rest is left-padded after it, with explicit position ids: the same hidden states
as one prompt alone, up to float noise, for about half the work on short prompts.

Prompts longer than ``max_prompt_tokens`` (almost only jailbreaks, whose templates run to
~1,000 tokens) keep their first quarter and last three quarters of that many tokens, joined by
`` […] ``: the wrapped request and the template's closing instruction stay, and the two CPU
cores spend minutes, not a quarter of an hour, on the test split. 0 keeps every prompt whole.

Features are cached per model fingerprint (the generation cache's, which includes dtype and
device) in ``<dir>/<fingerprint>/*.npz`` shards, one row per (prompt id, prompt text,
position, layer, max_prompt_tokens); a shard is written atomically after each chunk of
batches, so an interrupted run resumes, and a rerun does not load the model at all.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np

from exante.errors import ExanteError
from exante.io import atomic_write_bytes
from exante.models.batching import length_batches

log = logging.getLogger(__name__)

POSITIONS = ("instruction", "generation")
FEATURE_VERSION = "p1"
ELISION = " […] "
SHARD_ROWS = 256  # prompts per shard written during extraction
MAX_SHARDS = 16  # more are merged into one when the cache is opened


class ModelHandle(Protocol):
    """What the extractor needs: ``ModelUnderTest`` (exante.eval.generate) is one."""

    fingerprint: str

    @property
    def loaded(self) -> Any: ...  # LoadedModel, loaded on first access


@dataclass
class FixedModel:
    """A ``ModelHandle`` around an already loaded model (tests, notebooks)."""

    loaded: Any
    fingerprint: str


def shorten(tokenizer, prompt: str, max_tokens: int) -> str:
    """``prompt`` itself, or its first quarter and last three quarters of ``max_tokens`` tokens."""
    if not max_tokens:
        return prompt
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    if len(ids) <= max_tokens:
        return prompt
    head = max_tokens // 4
    return tokenizer.decode(ids[:head]) + ELISION + tokenizer.decode(ids[len(ids) - (max_tokens - head):])


def render_prompt(tokenizer, prompt: str, max_prompt_tokens: int = 0) -> tuple[list[int], int]:
    """(token ids of the templated prompt with an open assistant turn, index of the instruction's last token)."""
    content = shorten(tokenizer, prompt, max_prompt_tokens)
    text = tokenizer.apply_chat_template([{"role": "user", "content": content}], add_generation_prompt=True,
                                         tokenize=False)
    start = text.rfind(content)
    if start < 0 and content.strip():
        content = content.strip()
        start = text.rfind(content)
    if start < 0:
        raise ExanteError("the chat template does not contain the user's message verbatim; cannot locate the "
                          "instruction's last token")
    end = start + len(content)
    encoded = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = encoded["input_ids"], encoded["offset_mapping"]
    inside = [i for i, (s, e) in enumerate(offsets) if s < end and e > s and e > start]
    if not inside:
        raise ExanteError("no token of the user's message found in the templated prompt")
    return list(ids), inside[-1]


def _key(record: dict, position: str, layer: int, max_prompt_tokens: int) -> str:
    text = f"{FEATURE_VERSION}\x1f{record['id']}\x1f{record['prompt']}\x1f{position}\x1f{layer}\x1f{max_prompt_tokens}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class FeatureCache:
    """key → feature vector for one model fingerprint, in ``directory/<fingerprint>/*.npz``."""

    def __init__(self, directory: str | os.PathLike, fingerprint: str):
        self.path = Path(directory) / fingerprint
        self.rows: dict[str, np.ndarray] = {}
        self.corrupt = 0
        self._load()

    def _shards(self) -> list[Path]:
        return sorted(self.path.glob("*.npz")) if self.path.is_dir() else []

    def _load(self) -> None:
        shards = self._shards()
        for shard in shards:
            try:
                with np.load(shard, allow_pickle=False) as data:
                    keys, x = data["keys"], data["x"]
                if x.ndim != 2 or len(keys) != len(x):
                    raise ValueError("shape mismatch")
            except Exception as exc:  # torn, truncated or edited: recomputed, never trusted
                log.warning("%s: unreadable feature shard dropped (%s); its features will be computed again", shard, exc)
                shard.unlink(missing_ok=True)
                self.corrupt += 1
                continue
            self.rows.update(zip(keys.tolist(), x))
        if len(shards) > MAX_SHARDS and self.rows:
            merged = self._write(list(self.rows), np.stack(list(self.rows.values())))
            for shard in shards:
                if shard != merged:
                    shard.unlink(missing_ok=True)

    def get(self, key: str) -> np.ndarray | None:
        return self.rows.get(key)

    def put_many(self, keys: list[str], x: np.ndarray) -> None:
        if not keys:
            return
        self._write(keys, x)
        self.rows.update(zip(keys, x))

    def _write(self, keys: list[str], x: np.ndarray) -> Path:
        buffer = io.BytesIO()
        np.savez(buffer, keys=np.array(keys), x=np.asarray(x, dtype=np.float32))
        name = hashlib.sha256("".join(keys).encode()).hexdigest()[:16]
        path = self.path / f"{time.time_ns()}-{name}.npz"
        atomic_write_bytes(path, buffer.getvalue())
        return path


@dataclass
class ExtractionStats:
    requested: int = 0
    cached: int = 0
    computed: int = 0
    corrupt_dropped: int = 0
    seconds: float = 0.0
    tokens: int = 0  # templated prompt tokens run through the model now
    forward_passes: int = 0


@dataclass
class FeatureExtractor:
    """Hidden states of ``records`` at ``POSITIONS`` for ``model`` (a ``ModelHandle``), through the cache."""

    model: ModelHandle
    cache_dir: str | os.PathLike | None = None  # None: no cache
    layer: int = -1
    max_prompt_tokens: int = 128
    batch_tokens: int = 4096  # padded tokens per forward pass
    max_batch: int = 64
    progress: bool = True
    stats: ExtractionStats = field(default_factory=ExtractionStats)

    def features(self, records: Sequence[dict]) -> dict[str, np.ndarray]:
        """position → array (len(records), hidden size), rows in the order of ``records``."""
        start = time.perf_counter()
        cache = FeatureCache(self.cache_dir, self.model.fingerprint) if self.cache_dir is not None else None
        self.stats.corrupt_dropped += cache.corrupt if cache else 0
        keys = {p: [_key(r, p, self.layer, self.max_prompt_tokens) for r in records] for p in POSITIONS}
        cached = [cache is not None and all(cache.get(keys[p][i]) is not None for p in POSITIONS)
                  for i in range(len(records))]
        todo = list(dict.fromkeys(i for i, hit in enumerate(cached) if not hit))
        todo.sort(key=lambda i: len(records[i]["prompt"]))  # each shard's batches then pad little
        self.stats.requested += len(records)
        self.stats.cached += len(records) - len(todo)
        fresh: dict[str, dict[str, np.ndarray]] = {p: {} for p in POSITIONS}
        if todo:
            log.info("probe features: %d cached, %d to compute", len(records) - len(todo), len(todo))
            from tqdm.auto import tqdm

            with tqdm(total=len(todo), desc="probe features", unit="prompt", disable=not self.progress) as bar:
                for chunk in _chunks(todo, SHARD_ROWS):
                    out = self._compute([records[i] for i in chunk], bar)
                    for p in POSITIONS:
                        fresh[p].update(zip([keys[p][i] for i in chunk], out[p]))
                    if cache is not None:  # one shard per chunk, both positions
                        cache.put_many([keys[p][i] for p in POSITIONS for i in chunk],
                                       np.concatenate([out[p] for p in POSITIONS]))
                    self.stats.computed += len(chunk)
        result = {p: np.stack([fresh[p].get(k) if k in fresh[p] else cache.get(k) for k in keys[p]])
                  if records else np.zeros((0, 0), np.float32) for p in POSITIONS}
        self.stats.seconds += time.perf_counter() - start
        return result

    def _compute(self, records: list[dict], bar=None) -> dict[str, np.ndarray]:
        import torch

        loaded = self.model.loaded
        tokenizer = loaded.tokenizer
        rendered = [render_prompt(tokenizer, r["prompt"], self.max_prompt_tokens) for r in records]
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
        decoder, full = _decoder(loaded.model)
        device = loaded.device
        out = {p: [None] * len(records) for p in POSITIONS}
        loaded.model.eval()
        with torch.inference_mode():
            shared, prefix = self._prefix(decoder, full, rendered, device)
            for batch in length_batches([len(ids) - shared for ids, _ in rendered], self.batch_tokens, self.max_batch):
                width = max(len(rendered[i][0]) for i in batch) - shared
                ids = torch.full((len(batch), width), pad, dtype=torch.long)
                mask = torch.zeros((len(batch), width), dtype=torch.long)
                for row, i in enumerate(batch):
                    tokens = rendered[i][0][shared:]
                    ids[row, width - len(tokens):] = torch.tensor(tokens)
                    mask[row, width - len(tokens):] = 1
                kwargs = {"input_ids": ids.to(device), "position_ids": (shared + (mask.cumsum(-1) - 1).clamp(min=0)).to(device),
                          "attention_mask": torch.cat([torch.ones((len(batch), shared), dtype=torch.long), mask], 1).to(device)}
                if prefix is not None:
                    kwargs["past_key_values"] = _repeat(prefix, len(batch))
                hidden = _hidden(decoder, full, kwargs, self.layer)
                self.stats.forward_passes += 1
                self.stats.tokens += int(mask.sum())
                if bar is not None:
                    bar.update(len(batch))
                for row, i in enumerate(batch):
                    offset = width - (len(rendered[i][0]) - shared)
                    index = {"instruction": offset + rendered[i][1] - shared, "generation": width - 1}
                    for p in POSITIONS:
                        out[p][i] = hidden[row, index[p]].float().cpu().numpy()
        return {p: np.stack(v) for p, v in out.items()}

    def _prefix(self, decoder, full: bool, rendered: list[tuple[list[int], int]], device) -> tuple[int, Any]:
        """(length, KV cache) of the token prefix every prompt shares (the chat template's system turn
        and user header, ~24 tokens): computed once instead of once per prompt. (0, None) when there
        is none or the model's cache cannot be repeated over a batch."""
        import torch

        first = rendered[0][0]
        shared = min([len(ids) for ids, _ in rendered] + [inst for _, inst in rendered])
        for ids, _ in rendered:
            shared = next((k for k in range(shared) if ids[k] != first[k]), shared)
        if shared < 4:
            return 0, None
        try:
            cache = decoder(input_ids=torch.tensor([first[:shared]], device=device), use_cache=True).past_key_values
            _repeat(cache, 1)
        except (AttributeError, TypeError, ValueError) as exc:
            log.debug("no shared-prefix cache for this model (%s); running whole prompts", exc)
            return 0, None
        self.stats.tokens += shared
        return shared, cache


def _repeat(cache, rows: int):
    """A copy of a one-row KV cache repeated to ``rows`` rows (the original is left as it is)."""
    import copy

    copied = copy.deepcopy(cache)
    for layer in copied.layers:
        layer.batch_repeat_interleave(rows)
    return copied


def _decoder(model) -> tuple[Any, bool]:
    """(the module to run, whether it is the full LM): the bare decoder skips the LM head's
    vocabulary-sized matmul; a PEFT model's adapters sit inside it and still apply."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    decoder = getattr(base, getattr(base, "base_model_prefix", "") or "", None)
    if decoder is not None and decoder is not base and hasattr(decoder, "forward"):
        return decoder, False
    return model, True


def _hidden(module, full: bool, kwargs: dict, layer: int):
    use_cache = "past_key_values" in kwargs  # the shared prefix's cache (extended, then dropped)
    if layer == -1 and not full:
        return module(**kwargs, use_cache=use_cache).last_hidden_state
    states = module(**kwargs, use_cache=use_cache, output_hidden_states=True).hidden_states
    if not -len(states) <= layer < len(states):
        raise ExanteError(f"layer {layer} does not exist: the model has {len(states) - 1} layers "
                          f"(0 = embeddings, {len(states) - 1} or -1 = final)")
    return states[layer]


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i:i + size] for i in range(0, len(items), size)]
