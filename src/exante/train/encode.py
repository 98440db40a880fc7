"""Records → token ids (via the model's chat template), the truncation policy, and batch collation.

The trained tokens are exactly those the chat template appends after the prompt rendered with
``add_generation_prompt=True``: the last assistant turn's content and its end-of-turn token(s).
A step-level pair (``assistant_prefix`` set) trains only its next step: the prompt is the
conversation plus the prefix in the open assistant turn (context, no loss), chosen/rejected are
the tokens that continue it, with no end-of-turn (``models.generation.open_turn_text``).

Truncation policy (``overlong``), applied per example with ``max_length`` counting prompt and
response tokens:
- ``truncate`` (default): cut the response tail to fit; drop the example when the prompt
  alone leaves no room for a response token;
- ``drop``: drop every example that does not fit;
- ``error``: stop with an ExanteError naming the file, line and field.
Dropped and truncated examples are counted and logged (and written to the run summary).

``response: answer`` (SFT) reduces every assistant turn of the conversation to its trace's final
answer before encoding (``records.answer_only``), so the labelled tokens hold no reasoning.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import torch

from exante.errors import ExanteError
from exante.models.generation import open_turn_text
from exante.train.records import OBJECTIVES, answer_only, check_response

log = logging.getLogger(__name__)

OVERLONG_POLICIES = ("truncate", "drop", "error")


def common_prefix_length(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def where(record: dict) -> str:
    """``file:line`` of a record read by ``records.load_split``, else its id."""
    return record.get("_where") or f"record {record.get('id')!r}"


@dataclass
class Encoder:
    tokenizer: Any
    max_length: int
    overlong: str = "truncate"
    response: str = "trace"  # SFT: train on the whole trace, or on its final answer only
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        if self.overlong not in OVERLONG_POLICIES:
            raise ExanteError(f"overlong is {self.overlong!r}; expected one of {', '.join(OVERLONG_POLICIES)}")
        check_response(self.response, "SFTConfig")

    def _ids(self, messages: list[dict], **kwargs) -> list[int]:
        return list(self.tokenizer.apply_chat_template(messages, tokenize=True, return_dict=False, **kwargs))

    def split(self, prompt: list[dict], responses: list[list[dict]]) -> tuple[list[int], list[list[int]]]:
        """Prompt ids and, per response, the ids the template adds after the generation prompt."""
        prompt_ids = self._ids(prompt, add_generation_prompt=True)
        return self._cut(prompt_ids, [self._ids(prompt + response) for response in responses])

    def continue_turn(self, prompt: list[dict], prefix: str, continuations: list[str]) -> tuple[list[int], list[list[int]]]:
        """Prompt ids ending with ``prefix`` in the open assistant turn and, per continuation, the ids after them."""
        opening = open_turn_text(self.tokenizer, [*prompt, {"role": "assistant", "content": prefix}])
        return self._cut(self._text_ids(opening), [self._text_ids(opening + text) for text in continuations])

    def _text_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def _cut(self, prompt_ids: list[int], fulls: list[list[int]]) -> tuple[list[int], list[list[int]]]:
        cut = min(common_prefix_length(prompt_ids, full) for full in fulls)
        if cut < len(prompt_ids) and not self.counts["prefix_mismatch"]:
            log.warning("the prompt's tokens differ inside the full sequence (chat template, or a token merged across "
                        "the boundary); training starts where they diverge (%d of %d prompt tokens kept)", cut, len(prompt_ids))
        self.counts["prefix_mismatch"] += cut < len(prompt_ids)
        return prompt_ids[:cut], [full[cut:] for full in fulls]

    def fit(self, prompt_ids: list[int], responses: dict[str, list[int]], where: str) -> dict[str, list[int]] | None:
        """The responses cut to fit ``max_length`` after the prompt, or None if the example is dropped."""
        field_name, longest = max(responses.items(), key=lambda kv: len(kv[1]))
        total = len(prompt_ids) + len(longest)
        if total <= self.max_length:
            return responses
        if self.overlong == "error":
            raise ExanteError(
                f"{where}: field {field_name!r}: prompt ({len(prompt_ids)} tokens) + response ({len(longest)} tokens) = "
                f"{total} tokens exceed max_length {self.max_length}; raise max_length or set overlong to truncate or drop"
            )
        budget = self.max_length - len(prompt_ids)
        if self.overlong == "drop" or budget < 1:
            self.counts["dropped"] += 1
            return None
        self.counts["truncated"] += 1
        return {name: ids[:budget] for name, ids in responses.items()}

    def sft_example(self, record: dict) -> dict | None:
        messages = record["messages"]
        if self.response == "answer":
            messages = answer_only(messages, where(record))
        prompt_ids, (response_ids,) = self.split(messages[:-1], [messages[-1:]])
        fitted = self.fit(prompt_ids, {"messages[-1]": response_ids}, where(record))
        if fitted is None:
            return None
        ids = prompt_ids + fitted["messages[-1]"]
        return {"id": record["id"], "input_ids": ids, "prompt_length": len(prompt_ids), "length": len(ids)}

    def pair_example(self, record: dict) -> dict | None:
        if "assistant_prefix" in record:  # a step-level pair: chosen and rejected continue the prefix
            prompt_ids, (chosen, rejected) = self.continue_turn(
                record["prompt"], record["assistant_prefix"], [record[n][0]["content"] for n in ("chosen", "rejected")])
        else:
            prompt_ids, (chosen, rejected) = self.split(record["prompt"], [record["chosen"], record["rejected"]])
        fitted = self.fit(prompt_ids, {"chosen": chosen, "rejected": rejected}, where(record))
        if fitted is None:
            return None
        return {
            "id": record["id"], "objective": record["objective"], "prompt_ids": prompt_ids,
            "chosen_ids": fitted["chosen"], "rejected_ids": fitted["rejected"],
            "length": len(prompt_ids) + max(len(fitted["chosen"]), len(fitted["rejected"])),
        }

    def encode_all(self, records: list[dict], make, what: str, required: bool = False) -> list[dict]:
        """``make`` applied to every record, without the dropped ones; ``required``: fail if none is left."""
        before = Counter(self.counts)
        examples = [e for e in map(make, records) if e is not None]
        changed = {k: self.counts[k] - before[k] for k in ("dropped", "truncated") if self.counts[k] > before[k]}
        if changed:
            log.info("%s: %d of %d examples kept; over max_length %d: %s", what, len(examples), len(records),
                     self.max_length, changed)
        if required and not examples:
            raise ExanteError(f"{what}: all {len(records)} records are longer than max_length {self.max_length} "
                              f"and were dropped (overlong: {self.overlong}); raise max_length")
        return examples


def pad_rows(rows: list[tuple[list[int], int]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``/``attention_mask``/``labels`` for (token ids, prompt length) rows."""
    width = max(len(ids) for ids, _ in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros_like(input_ids)
    labels = torch.full_like(input_ids, -100)
    for i, (ids, prompt_length) in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids)
        attention_mask[i, : len(ids)] = 1
        labels[i, prompt_length : len(ids)] = input_ids[i, prompt_length : len(ids)]
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


@dataclass
class SFTCollator:
    pad_id: int

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        return pad_rows([(e["input_ids"], e["prompt_length"]) for e in examples], self.pad_id)


REFERENCE_FIELDS = ("ref_chosen", "ref_rejected", "ref_chosen_shared", "ref_rejected_shared")
# segment of each token in a shared-prefix row (``shared_prefix_rows``)
SHARED, CHOSEN_TAIL, REJECTED_TAIL, PADDING = 0, 1, 2, 3


def shared_prefix_rows(examples: list[dict], pad_id: int) -> dict[str, torch.Tensor]:
    """One row per pair: ``shared + chosen tail + [copy of shared's last token] + rejected tail``.

    ``shared`` is the prompt plus the responses' common first tokens, so its activations are
    computed once for both. The copy stands at shared's last position and restarts the rejected
    branch: the standard shift-by-one then predicts the first rejected token from it, as the
    chosen tail's first token is predicted from shared's last token. ``segment`` marks each
    token's part (``shared_prefix.block_attention_mask`` turns it into the attention mask);
    ``attention_mask`` marks real tokens, so the Trainer counts what the model processes.
    """
    width = max(len(e["prompt_ids"]) + len(e["chosen_ids"]) + len(e["rejected_ids"]) + 1 for e in examples)
    batch = {"input_ids": torch.full((len(examples), width), pad_id, dtype=torch.long),
             "labels": torch.full((len(examples), width), -100, dtype=torch.long),
             "position_ids": torch.zeros(len(examples), width, dtype=torch.long),
             "segment": torch.full((len(examples), width), PADDING, dtype=torch.long)}
    for i, e in enumerate(examples):
        common = common_prefix_length(e["chosen_ids"], e["rejected_ids"])
        shared, n_prompt = e["prompt_ids"] + e["chosen_ids"][:common], len(e["prompt_ids"])
        chosen_tail, rejected_tail = e["chosen_ids"][common:], e["rejected_ids"][common:]
        ids = shared + chosen_tail + shared[-1:] + rejected_tail
        positions = [*range(len(shared) + len(chosen_tail)), *range(len(shared) - 1, len(shared) + len(rejected_tail))]
        segments = [SHARED] * len(shared) + [CHOSEN_TAIL] * len(chosen_tail) + [REJECTED_TAIL] * (1 + len(rejected_tail))
        scored = [False] * n_prompt + [True] * (len(shared) - n_prompt + len(chosen_tail)) + [False] + [True] * len(rejected_tail)
        batch["input_ids"][i, : len(ids)] = torch.tensor(ids)
        batch["labels"][i, : len(ids)] = torch.where(torch.tensor(scored), torch.tensor(ids), -100)
        batch["position_ids"][i, : len(ids)] = torch.tensor(positions)
        batch["segment"][i, : len(ids)] = torch.tensor(segments)
    batch["attention_mask"] = (batch["segment"] != PADDING).long()
    return batch


@dataclass
class PairCollator:
    """Rows ``[chosen_0 … chosen_{B−1}, rejected_0 … rejected_{B−1}]`` plus per-pair weights and objectives.

    With ``share_prefix`` one row per pair instead (``shared_prefix_rows``).
    """

    pad_id: int
    objective_weights: dict[str, float]
    share_prefix: bool = False

    def __call__(self, examples: list[dict]) -> dict[str, torch.Tensor]:
        if self.share_prefix:
            batch = shared_prefix_rows(examples, self.pad_id)
        else:
            rows = [(e["prompt_ids"] + e["chosen_ids"], len(e["prompt_ids"])) for e in examples]
            rows += [(e["prompt_ids"] + e["rejected_ids"], len(e["prompt_ids"])) for e in examples]
            batch = pad_rows(rows, self.pad_id)
        batch["objective"] = torch.tensor([OBJECTIVES.index(e["objective"]) for e in examples])
        batch["weight"] = torch.tensor([float(self.objective_weights.get(e["objective"], 1.0)) for e in examples])
        for name in REFERENCE_FIELDS:
            if name in examples[0]:
                batch[name] = torch.tensor([e[name] for e in examples], dtype=torch.float32)
        return batch
