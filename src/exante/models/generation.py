"""Text generation behind a small interface that other engines (e.g. vLLM) can implement.

A request is a chat conversation (a list of ``{"role", "content"}`` messages, rendered with
the model's chat template and an open assistant turn; a final assistant message is continued)
or a raw prompt string.
``HFBackend`` runs a transformers model: left-padded batches sorted by prompt length,
results in input order, stopping at the EOS ids of the model's generation config. Repeats of
one prompt in a batch (k samples per prompt) share one prefill of the prompt: its KV cache is
computed once and copied to each of its rows before decoding. With ``on_tokens`` it reports each
request's new token ids as they are generated (``sampling.RowStreamer``); without it no streamer
runs, and the outputs are the same either way.

Token accounting: ``completion_tokens`` counts every token the model produced, including the
EOS (or the token that completed a stop string); the text excludes the EOS and stop strings.
``latency_s`` runs from the start of the sample's batch to the step at which the sample
finished, prefill included.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Callable, Literal, Protocol, Sequence, Union, runtime_checkable

import torch
from tqdm.auto import tqdm

from exante.models.loading import LoadedModel
from exante.models.params import GenerationParams, check_generation
from exante.models.sampling import FinishTracker, RowStreamer, SeededGumbelSampler

Message = dict  # {"role": "system" | "user" | "assistant", "content": str}
Request = Union[str, Sequence[Message]]
TokenCallback = Callable[[int, list[int]], None]  # (request index, its new token ids)


@dataclass(frozen=True)
class Generation:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: Literal["eos", "length"]  # "eos" also when a stop string ended the text
    latency_s: float
    tokens_per_s: float


@runtime_checkable
class GenerationBackend(Protocol):
    def generate(self, requests: Sequence[Request], params: GenerationParams) -> list[Generation]:
        """One Generation per request, in the order of ``requests``."""
        ...


@runtime_checkable
class StreamingBackend(GenerationBackend, Protocol):
    """A backend that reports each request's tokens as they are generated, and decodes them.

    ``on_tokens(i, ids)`` gets request i's ids in order, exactly those its text decodes from (the
    EOS and the padding after it excluded); ``decode`` turns them into text as ``generate`` does.
    """

    def generate(self, requests: Sequence[Request], params: GenerationParams,
                 on_tokens: TokenCallback | None = None) -> list[Generation]: ...

    def decode(self, ids: list[int]) -> str: ...


class HFBackend:
    """Generation with a transformers model (optionally PEFT-wrapped) on CPU or one GPU."""

    def __init__(self, loaded: LoadedModel, *, progress: bool = True, share_prompts: bool = True):
        self.loaded = loaded
        self.progress = progress
        self.share_prompts = share_prompts
        tokenizer, config = loaded.tokenizer, loaded.model.generation_config
        eos = config.eos_token_id if config.eos_token_id is not None else tokenizer.eos_token_id
        self.eos_ids = [eos] if isinstance(eos, int) else list(eos)
        pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else config.pad_token_id
        self.pad_id = pad if pad is not None else self.eos_ids[0]

    def generate(self, requests: Sequence[Request], params: GenerationParams,
                 on_tokens: TokenCallback | None = None) -> list[Generation]:
        check_generation("generation", params)
        prompts = [self.encode(r) for r in requests]
        keys = _sample_keys(requests, params.seed)
        order = sorted(range(len(prompts)), key=lambda i: (len(prompts[i]), prompts[i]))  # repeats side by side
        batches = [order[i : i + params.batch_size] for i in range(0, len(order), params.batch_size)]
        results: list[Generation | None] = [None] * len(prompts)
        with tqdm(total=len(prompts), desc="generating", unit="prompt", disable=not self.progress or len(batches) < 2) as bar:
            for batch in batches:
                on_row_tokens = None if on_tokens is None else _by_request(on_tokens, batch)
                outputs = self._generate_batch([prompts[i] for i in batch], [keys[i] for i in batch], params,
                                               on_row_tokens)
                for i, output in zip(batch, outputs):
                    results[i] = output
                bar.update(len(batch))
        return results  # type: ignore[return-value]

    def decode(self, ids: list[int]) -> str:
        return self.loaded.tokenizer.decode(ids)

    def encode(self, request: Request) -> list[int]:
        """Prompt token ids: chat template with an open assistant turn (``open_turn_text``), or the raw string."""
        tokenizer = self.loaded.tokenizer
        if isinstance(request, str):
            return tokenizer(request, add_special_tokens=True)["input_ids"]
        return tokenizer(open_turn_text(tokenizer, request), add_special_tokens=False)["input_ids"]

    def _generate_batch(self, prompts: list[list[int]], keys: list[int], params: GenerationParams,
                        on_row_tokens: TokenCallback | None = None) -> list[Generation]:
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        model, tokenizer, device = self.loaded.model, self.loaded.tokenizer, self.loaded.device
        batch = tokenizer.pad({"input_ids": prompts}, padding_side="left", return_tensors="pt").to(device)
        width = batch["input_ids"].shape[1]
        processors = [] if params.temperature == 0 else SeededGumbelSampler.with_warpers(
            keys, width, params.temperature, params.top_p)
        # a fresh config: sampling defaults saved with a checkpoint must not leak in
        config = GenerationConfig(max_new_tokens=params.max_new_tokens, do_sample=False, pad_token_id=self.pad_id,
                                  repetition_penalty=params.repetition_penalty)
        with torch.inference_mode():
            tracker = FinishTracker(self.eos_ids, params.stop, tokenizer, width)  # its clock starts here
            cache = self._shared_prefill(batch, prompts) if self.share_prompts else None
            streamer = None if on_row_tokens is None else RowStreamer(tracker, self.eos_ids, on_row_tokens)
            output = model.generate(
                **batch, generation_config=config, past_key_values=cache, streamer=streamer,
                logits_processor=LogitsProcessorList(processors),
                stopping_criteria=StoppingCriteriaList([tracker]),
            )
        end = time.perf_counter()
        return [self._result(row, len(prompt), tracker, r, end, params)
                for r, (row, prompt) in enumerate(zip(output[:, width:].tolist(), prompts))]

    def _shared_prefill(self, batch, prompts: list[list[int]]):
        """The KV cache of all but the last prompt token, computed once per distinct prompt and
        copied to each row; None when every prompt is distinct. ``generate`` then runs only the
        last token (documented prefix caching): the logits that start decoding come from it.
        """
        from transformers import DynamicCache

        firsts: dict[tuple[int, ...], int] = {}
        source = [firsts.setdefault(tuple(p), len(firsts)) for p in prompts]  # row → its distinct prompt
        width = batch["input_ids"].shape[1]
        if len(firsts) == len(prompts) or width < 2:
            return None
        rows = torch.tensor([source.index(u) for u in range(len(firsts))], device=batch["input_ids"].device)
        mask = batch["attention_mask"][rows, :-1]
        positions = (mask.long().cumsum(-1) - 1).masked_fill(mask == 0, 0)  # as generate derives them
        cache = DynamicCache(config=self.loaded.model.config)
        self.loaded.model(input_ids=batch["input_ids"][rows, :-1], attention_mask=mask, position_ids=positions,
                          past_key_values=cache, use_cache=True, logits_to_keep=1)
        cache.reorder_cache(torch.tensor(source, device=rows.device))
        return cache

    def _result(self, row: list[int], prompt_tokens: int, tracker: FinishTracker, r: int, end: float,
                params: GenerationParams) -> Generation:
        finished = tracker.finished.get(r)
        count, latency = finished if finished else (len(row), end - tracker.started)
        tokens = row[:count]
        if finished and tokens[-1] in self.eos_ids:
            tokens = tokens[:-1]
        text = cut_at_stop(self.decode(tokens), params.stop)
        return Generation(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=count,
            finish_reason="eos" if finished else "length",
            latency_s=latency,
            tokens_per_s=count / latency if latency > 0 else 0.0,
        )


def open_turn_text(tokenizer, messages: Sequence[Message]) -> str:
    """The chat template's text of ``messages`` ending in an open assistant turn.

    A final assistant message is continued, not closed: its content follows the generation
    prompt with no end-of-turn token, so the model goes on from a trace prefix (step-level PO).
    Rendered as generation prompt + content (not ``continue_final_message``): the text is then
    what the model had before it when it wrote the prefix itself, whatever a template does to
    finished assistant messages (some trim whitespace or drop reasoning).
    """
    messages = list(messages)
    prefix = messages.pop()["content"] if messages and messages[-1]["role"] == "assistant" else ""
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False) + prefix


def cut_at_stop(text: str, stops: Sequence[str]) -> str:
    """``text`` up to the first stop string in it."""
    cuts = [text.find(s) for s in stops if s in text]
    return text[: min(cuts)] if cuts else text


def _by_request(on_tokens: TokenCallback, batch: list[int]) -> TokenCallback:
    """The callback of one batch: its row r is request ``batch[r]`` (batches are sorted by length)."""
    return lambda row, ids: on_tokens(batch[row], ids)


def _sample_keys(requests: Sequence[Request], seed: int) -> list[int]:
    """A sampling key per request from (seed, request content, how often it occurred before).

    Keys do not depend on batch size or on where a request sits in the list, so a seeded
    sample is the same whatever it is batched with; repeats of one prompt (k samples per
    prompt) still get different keys.
    """
    seen: dict[str, int] = {}
    keys = []
    for request in requests:
        content = json.dumps(request, sort_keys=True, ensure_ascii=False)
        occurrence = seen.get(content, 0)
        seen[content] = occurrence + 1
        digest = hashlib.sha256(f"{seed}\x00{occurrence}\x00{content}".encode()).digest()
        keys.append(int.from_bytes(digest[:8], "little") >> 1)
    return keys
