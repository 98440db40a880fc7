"""Reference log-probs for full fine-tuning, computed once and stored next to the pairs.

Full fine-tuning would otherwise keep a second copy of the model in memory and run it every
step. Instead the reference (by default the initial policy) scores each pair once before
training (under the training's bf16 autocast where it has one); the results go to a JSONL file
keyed by pair id::

    {"id": "...", "key": "<hash of the pair's token ids>", "chosen": -41.2, "rejected": -57.9,
     "chosen_shared": -41.2, "rejected_shared": -40.3}

``*_shared`` sums the first min(|y_w|, |y_l|) response tokens (LD-DPO). The file name carries a
fingerprint of the reference weights (and ``-bf16`` when scored under autocast); the ``key``
catches a pair whose text or truncation changed. Records are appended as they are computed, so an interrupted precomputation resumes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Iterator

import torch
from tqdm.auto import tqdm

from exante.io import append_jsonl, read_jsonl
from exante.train.logprobs import SequenceLogprobs, sequence_logprobs, shared_prefix_logps
from exante.train.shared_prefix import shared_pair_summary

log = logging.getLogger(__name__)

SUMMARY_FIELDS = ("chosen", "rejected", "chosen_shared", "rejected_shared")


def pair_summary(logps: SequenceLogprobs, labels: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per pair, from a batch of rows [chosen…, rejected…]: summed log-probs, shared parts, lengths."""
    chosen_tokens, rejected_tokens = logps.lengths.chunk(2)
    shared = shared_prefix_logps(logps.per_token, labels, torch.minimum(chosen_tokens, rejected_tokens).repeat(2))
    (chosen, rejected), (chosen_shared, rejected_shared) = logps.summed.chunk(2), shared.chunk(2)
    return {"chosen": chosen, "rejected": rejected, "chosen_shared": chosen_shared,
            "rejected_shared": rejected_shared, "chosen_tokens": chosen_tokens, "rejected_tokens": rejected_tokens}


def score_pairs(model, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """``pair_summary`` of a collated batch, in either layout (``PairCollator.share_prefix`` or not)."""
    if "segment" in batch:
        return shared_pair_summary(model, batch)
    return pair_summary(sequence_logprobs(model, batch), batch["labels"])


def weights_fingerprint(model) -> str:
    """A cheap fingerprint of a model's weights: names and the first values of every tensor."""
    digest = hashlib.sha256()
    for name, param in model.state_dict().items():
        digest.update(name.encode())
        digest.update(param.detach().flatten()[:64].float().cpu().numpy().tobytes())
    return digest.hexdigest()[:12]


def default_reference_file(train_file: str, model, bf16: bool = False) -> Path:
    """Beside the pairs, named by the reference's weights and (for bf16 autocast) its precision."""
    path = Path(train_file)
    return path.with_name(f"{path.stem}.ref-{weights_fingerprint(model)}{'-bf16' if bf16 else ''}.jsonl")


def pair_key(example: dict) -> str:
    ids = [example["prompt_ids"], example["chosen_ids"], example["rejected_ids"]]
    return hashlib.sha256(json.dumps(ids).encode()).hexdigest()[:16]


def attach_reference(examples: list[dict], model, collator, path: Path, batch_size: int) -> int:
    """Add ``ref_*`` fields to every example, scoring with ``model`` those not yet in ``path``.

    Returns how many pairs were scored now (the rest came from the file). Scoring needs no
    autograd, so it takes larger batches than training; pairs go longest first (the peak
    memory shows at once) in batches of similar length (little padding). Under ``accelerate
    launch`` the processes share the scoring out and all receive every score; only the main
    process writes ``path``.
    """
    from accelerate import PartialState

    state = PartialState()
    stored = {r["id"]: r for r in read_jsonl(path, tolerate_torn_tail=True)} if path.exists() else {}
    missing = [e for e in examples if stored.get(e["id"], {}).get("key") != pair_key(e)]
    missing.sort(key=lambda e: -(len(e["prompt_ids"]) + len(e["chosen_ids"]) + len(e["rejected_ids"])))
    if missing:
        was_training = model.training
        model.eval()
        with torch.inference_mode():
            for records in scored_rounds(missing, model, collator, batch_size, state):
                if state.is_main_process:
                    for record in records:
                        append_jsonl(path, record)
                stored.update((record["id"], record) for record in records)
        model.train(was_training)
        log.info("reference log-probs: %d pairs scored, %d read from %s", len(missing), len(examples) - len(missing), path)
    for example in examples:
        example.update({f"ref_{name}": stored[example["id"]][name] for name in SUMMARY_FIELDS})
    return len(missing)


def scored_rounds(missing: list[dict], model, collator, batch_size: int, state) -> Iterator[list[dict]]:
    """Reference records of ``missing``, a round at a time: one batch per process, gathered to all.

    No process sees the main process's writes before it has chosen what is missing: it reads
    the file before the first gather, and the main process writes only after it.
    """
    from accelerate.utils import gather_object

    per_round, first = batch_size * state.num_processes, batch_size * state.process_index
    for start in tqdm(range(0, len(missing), per_round), desc="reference log-probs", unit="round",
                      disable=not state.is_main_process):
        mine = missing[start + first : start + first + batch_size]
        yield gather_object(scored_batch(mine, model, collator) if mine else [])


def scored_batch(chunk: list[dict], model, collator) -> list[dict]:
    batch = {k: v.to(model.device) for k, v in collator(chunk).items()}
    summary = score_pairs(model, batch)
    return [{"id": e["id"], "key": pair_key(e), **{name: float(summary[name][i]) for name in SUMMARY_FIELDS}}
            for i, e in enumerate(chunk)]
