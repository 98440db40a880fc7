"""``sequence_logprobs``: the one log-prob function of exante.

SFT's loss and evaluation, DPO's policy and reference terms, reference precomputation (and
later pair scoring and judging) all score a batch through it. A batch is the usual causal-LM
dict: ``input_ids`` and ``attention_mask`` of shape [B, T] and ``labels`` with −100 on the
tokens that are not scored (prompt, padding); a scored token's log-prob is
log π(token_t | tokens_<t). Optional ``position_ids`` mark padding-free rows (several sequences
packed into one row; transformers then keeps them from attending to each other).

Only the scored positions go through the LM head (``logits_to_keep`` with a boolean mask):
for SmolLM2 the head is a fifth of the weights and prompts are often half the tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class SequenceLogprobs:
    per_token: torch.Tensor  # [B, T], log-prob of each scored token at its own position, 0 elsewhere
    summed: torch.Tensor  # [B], sum of per_token over each row
    lengths: torch.Tensor  # [B], number of scored tokens per row


def scored_mask(labels: torch.Tensor) -> torch.Tensor:
    """[B, T] bool: tokens that are scored. Position 0 never is: nothing precedes it."""
    mask = labels != -100
    mask[:, 0] = False
    return mask


def is_right_padded(attention_mask: torch.Tensor) -> bool:
    """Every row is real tokens, then padding only (1 … 1 0 … 0), and starts with a real token."""
    return bool((attention_mask[:, 0] == 1).all() and (attention_mask[:, 1:] <= attention_mask[:, :-1]).all())


def model_inputs(batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The model's inputs of ``batch``; right-padded rows go without their padding mask.

    Under causal attention a real token of a right-padded row only sees the real tokens before
    it, so the mask changes nothing that is scored; without it, SDPA runs ``is_causal`` and skips
    the key blocks above the diagonal, which an explicit mask makes it compute
    (``benchmarks/bench_train.py``, docs/benchmarks.md). Padding-free rows keep their mask.
    """
    inputs = {k: batch[k] for k in ("input_ids", "attention_mask", "position_ids") if k in batch}
    if "position_ids" not in inputs and "attention_mask" in inputs and is_right_padded(inputs["attention_mask"]):
        del inputs["attention_mask"]
    return inputs


def sequence_logprobs(model, batch: dict[str, torch.Tensor]) -> SequenceLogprobs:
    """Per-token and summed log-probs of the labelled tokens of ``batch`` under ``model``.

    Works for plain transformers models, PEFT models and accelerate/DDP wrappers alike, since it
    only calls the model's own forward. Gradients flow unless the caller disables them.
    """
    labels = batch["labels"]
    scored = scored_mask(labels)
    # position t predicts token t+1: keep the positions whose *next* token is scored
    keep = torch.zeros_like(scored)
    keep[:, :-1] = scored[:, 1:]
    logits = model(**model_inputs(batch), logits_to_keep=keep, use_cache=False).logits  # [N scored, V]
    token_logps = -F.cross_entropy(logits.float(), labels[scored], reduction="none")
    per_token = torch.zeros(labels.shape, dtype=token_logps.dtype, device=token_logps.device)
    per_token = per_token.masked_scatter(scored, token_logps)
    return SequenceLogprobs(per_token, per_token.sum(-1), scored.sum(-1))


def shared_prefix_logps(per_token: torch.Tensor, labels: torch.Tensor, limit: torch.Tensor) -> torch.Tensor:
    """Per row, the sum of the first ``limit[row]`` scored log-probs (LD-DPO's shared-length part)."""
    scored = scored_mask(labels)
    rank = scored.cumsum(-1)  # 1 for the first scored token of a row, 2 for the second, ...
    return (per_token * (scored & (rank <= limit.unsqueeze(-1)))).sum(-1)
