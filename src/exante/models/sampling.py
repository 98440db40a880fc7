"""Per-row pieces that transformers' ``generate`` lacks: batch-invariant seeded sampling,
per-sample finish steps and times, and per-row token streaming."""

from __future__ import annotations

import time
from typing import Callable, Sequence

import torch
from transformers import (
    LogitsProcessor,
    StoppingCriteria,
    StopStringCriteria,
    TemperatureLogitsWarper,
    TopPLogitsWarper,
)
from transformers.generation.stopping_criteria import EosTokenCriteria
from transformers.generation.streamers import BaseStreamer


class SeededGumbelSampler(LogitsProcessor):
    """Sampling as argmax(logits + Gumbel noise), with noise drawn per row from its own key.

    transformers samples a whole batch with one ``torch.multinomial`` call, so a row's draw
    depends on its neighbours. Here row r at step t uses a generator seeded from
    (keys[r], t): the same request gets the same sample whatever batch it sits in (up to
    float differences between padded and unpadded forward passes). Run it with greedy
    decoding (``do_sample=False``); argmax over Gumbel-perturbed logits is an exact sample
    from softmax(logits).
    """

    def __init__(self, keys: Sequence[int], prompt_width: int):
        self.keys = list(keys)
        self.prompt_width = prompt_width

    @classmethod
    def with_warpers(cls, keys: Sequence[int], prompt_width: int, temperature: float, top_p: float) -> list:
        warpers = [TemperatureLogitsWarper(temperature)]
        if top_p < 1.0:
            warpers.append(TopPLogitsWarper(top_p))
        return [*warpers, cls(keys, prompt_width)]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        step = input_ids.shape[1] - self.prompt_width
        noise = torch.empty_like(scores, dtype=torch.float32)
        for row, key in enumerate(self.keys):
            generator = torch.Generator(device=scores.device).manual_seed(hash((key, step)) & (2**63 - 1))
            noise[row].uniform_(generator=generator)
        gumbel = -torch.log(-torch.log(noise.clamp_(1e-20, 1.0 - 1e-7)))
        return scores.float() + gumbel


class FinishTracker(StoppingCriteria):
    """EOS and stop-string stopping that also records, per row, when and at which step it stopped.

    ``finished[row] = (generated tokens including the stopping one, seconds since construction)``.
    """

    def __init__(self, eos_ids: Sequence[int], stops: Sequence[str], tokenizer, prompt_width: int):
        self.criteria = [EosTokenCriteria(list(eos_ids))]
        # generate() pads finished rows only when a criterion has this attribute
        self.eos_token_id = self.criteria[0].eos_token_id
        if stops:
            self.criteria.append(StopStringCriteria(tokenizer, list(stops)))
        self.prompt_width = prompt_width
        self.finished: dict[int, tuple[int, float]] = {}
        self.started = time.perf_counter()

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        done = self.criteria[0](input_ids, scores)
        for criterion in self.criteria[1:]:
            done = done | criterion(input_ids, scores)
        now = time.perf_counter() - self.started
        step = input_ids.shape[1] - self.prompt_width
        for row in done.nonzero().flatten().tolist():
            self.finished.setdefault(row, (step, now))
        return done


class RowStreamer(BaseStreamer):
    """Hands each row's new token to ``on_row_tokens(row, [token])`` as ``generate`` makes it, up to
    the row's finish: its EOS and the padding after it are not handed on (``tracker`` knows the finish).

    transformers' own TextStreamer and TextIteratorStreamer take a batch of one only.
    """

    def __init__(self, tracker: FinishTracker, eos_ids: Sequence[int], on_row_tokens: Callable[[int, list[int]], None]):
        self.tracker, self.eos_ids, self.on_row_tokens = tracker, set(eos_ids), on_row_tokens
        self.step = -1  # generate's first put is the prompt

    def put(self, value: torch.Tensor) -> None:
        self.step += 1
        if self.step == 0:
            return
        for row, token in enumerate(value.tolist()):
            finished = self.tracker.finished.get(row)
            # an EOS ends its row whether the tracker has seen this step yet or not
            if token not in self.eos_ids and not (finished and finished[0] < self.step):
                self.on_row_tokens(row, [token])

    def end(self) -> None:
        """Nothing is held back to flush."""
