"""Score a pair's chosen and rejected responses in one row that computes their shared prefix once.

The row is laid out by ``encode.shared_prefix_rows``: the prompt and the responses' common
first tokens, then the chosen tail, then the rejected tail restarted from a copy of the shared
part's last token. A block attention mask (a custom 4D mask, which transformers passes through
to the attention unchanged) lets each tail see the shared part and itself, never the other
tail; position ids restart for the rejected branch. The result equals scoring the two
sequences separately (``logprobs.sequence_logprobs`` over two rows) up to float rounding, with
the prompt's forward and backward done once: fewer tokens per pair, more so for step pairs that
share whole reasoning prefixes.
"""

from __future__ import annotations

import torch

from exante.errors import ExanteError
from exante.train.encode import CHOSEN_TAIL, REJECTED_TAIL, SHARED
from exante.train.logprobs import scored_mask, sequence_logprobs, shared_prefix_logps


def block_attention_mask(segment: torch.Tensor) -> torch.Tensor:
    """[B, 1, T, T] bool, True where query i may attend key j.

    Causal within the row; a tail sees the shared part and its own earlier tokens; the rejected
    branch does not see shared's last token, whose copy (same token, same position) it sees
    instead. Padding sees only padding and the shared part, so no query row is empty.
    """
    query, key = segment[:, :, None], segment[:, None, :]
    last_shared = torch.zeros_like(segment, dtype=torch.bool)
    last_shared.scatter_(1, ((segment == SHARED).sum(-1, keepdim=True) - 1).clamp(min=0), True)
    allowed = (key == query) | ((key == SHARED) & ~((query == REJECTED_TAIL) & last_shared[:, None, :]))
    width = segment.shape[1]
    causal = torch.ones(width, width, dtype=torch.bool, device=segment.device).tril()
    return (allowed & causal)[:, None]


def attention_format(mask: torch.Tensor, model) -> torch.Tensor:
    """The mask as the model's attention takes it: bool for SDPA, additive float for eager."""
    config = model.config if hasattr(model, "config") else model.module.config  # DDP wraps the model
    implementation = config._attn_implementation
    if implementation == "sdpa":
        return mask
    if implementation == "eager":
        return torch.zeros(mask.shape, device=mask.device).masked_fill(~mask, torch.finfo(torch.float32).min)
    raise ExanteError(f"share_prefix needs SDPA or eager attention; the model uses {implementation!r}: "
                      "set share_prefix to false")


def shared_pair_summary(model, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """What ``reference.pair_summary`` gives for two rows per pair, from one shared-prefix row per pair."""
    mask = attention_format(block_attention_mask(batch["segment"]), model)
    logps = sequence_logprobs(model, {**batch, "attention_mask": mask})
    labels, segment = batch["labels"], batch["segment"]
    views = {"chosen": labels.masked_fill(segment == REJECTED_TAIL, -100),
             "rejected": labels.masked_fill(segment == CHOSEN_TAIL, -100)}
    scored = {name: scored_mask(view) for name, view in views.items()}
    tokens = {name: mask.sum(-1) for name, mask in scored.items()}
    shorter = torch.minimum(tokens["chosen"], tokens["rejected"])
    summary = {}
    for name, view in views.items():
        summary[name] = (logps.per_token * scored[name]).sum(-1)
        summary[f"{name}_shared"] = shared_prefix_logps(logps.per_token, view, shorter)
        summary[f"{name}_tokens"] = tokens[name]
    return summary
