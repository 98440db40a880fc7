"""``exante dpo``: multi-objective preference optimisation with a loss from ``losses.LOSSES``.

One step: score the batch's chosen and rejected responses with ``reference.score_pairs`` (two
rows per pair, or with ``share_prefix`` one row that computes their shared prefix once), take the
reference log-probs (precomputed in the batch, or the same model with its LoRA adapters
disabled, or none for SimPO), apply the loss, weight each pair by its objective's weight and
average. Reward margins and accuracies are logged overall and per objective.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from datasets import Dataset

from exante.errors import ExanteError
from exante.train.config import DPOConfig
from exante.train.encode import Encoder, PairCollator
from exante.train.losses import REFERENCE_FREE, LossOutput, LossParams, PairLogps, get_loss, preference_loss
from exante.train.records import OBJECTIVES, check_pair, load_records
from exante.train.reference import attach_reference, default_reference_file, score_pairs
from exante.train.trainer import ExanteTrainer, prepare_model, run, use_bf16_autocast

log = logging.getLogger(__name__)


def reference_mode(cfg: DPOConfig) -> str:
    """none (reference-free loss), adapter (LoRA: the base without adapters) or precomputed.

    A LoRA run that starts from an adapter trains that adapter further (``continue_adapter``), so
    the base without adapters is not the starting policy: it scores its own reference up front."""
    if cfg.loss in REFERENCE_FREE:
        return "none"
    fresh_adapter = cfg.lora and not Path(cfg.model, "adapter_config.json").exists()
    return "adapter" if fresh_adapter and cfg.reference_model is None else "precomputed"


def pair_logps(policy: dict[str, torch.Tensor], reference: dict[str, torch.Tensor] | None) -> PairLogps:
    ref = reference or {}
    return PairLogps(
        policy_chosen=policy["chosen"], policy_rejected=policy["rejected"],
        chosen_tokens=policy["chosen_tokens"], rejected_tokens=policy["rejected_tokens"],
        policy_chosen_shared=policy["chosen_shared"], policy_rejected_shared=policy["rejected_shared"],
        ref_chosen=ref.get("chosen"), ref_rejected=ref.get("rejected"),
        ref_chosen_shared=ref.get("chosen_shared"), ref_rejected_shared=ref.get("rejected_shared"),
    )


class PreferenceTrainer(ExanteTrainer):
    # the loss is a mean over this micro-batch's pairs: the Trainer divides by the accumulation steps
    loss_is_scaled_for_ga = False

    def __init__(self, *args, loss: str, params: LossParams, nll_weight: float, reference: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_name, self.params, self.nll_weight, self.reference = loss, params, nll_weight, reference

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        policy = score_pairs(model, inputs)
        out = preference_loss(self.loss_name, pair_logps(policy, self.reference_logps(model, inputs)),
                              self.params, self.nll_weight)
        self.record_pairs(out, policy, inputs["objective"])
        return (inputs["weight"] * out.losses).mean()

    def reference_logps(self, model, inputs) -> dict[str, torch.Tensor] | None:
        if self.reference == "precomputed":
            return {name: inputs[f"ref_{name}"] for name in ("chosen", "rejected", "chosen_shared", "rejected_shared")}
        if self.reference == "adapter":
            with torch.no_grad(), self.accelerator.unwrap_model(model).disable_adapter():
                return score_pairs(model, inputs)
        return None

    def record_pairs(self, out: LossOutput, policy: dict[str, torch.Tensor], objective: torch.Tensor) -> None:
        margins = out.chosen_rewards - out.rejected_rewards
        self.record("rewards/chosen", out.chosen_rewards)
        self.record("rewards/rejected", out.rejected_rewards)
        self.record("rewards/margins", margins)
        self.record("rewards/accuracies", (margins > 0).float())
        self.record("logps/chosen", policy["chosen"])
        self.record("logps/rejected", policy["rejected"])
        for index, name in enumerate(OBJECTIVES):
            # the other objectives' pairs as NaN: record gathers equal shapes from every process
            mask = objective == index
            self.record(f"rewards/margins/{name}", margins.where(mask, torch.nan))
            self.record(f"rewards/accuracies/{name}", (margins > 0).float().where(mask, torch.nan))


def pair_datasets(cfg: DPOConfig, tokenizer) -> tuple[list[dict], list[dict], dict]:
    unknown = set(cfg.objective_weights) - set(OBJECTIVES)
    if unknown:
        raise ExanteError(f"objective_weights: unknown objective(s) {sorted(unknown)}; expected {', '.join(OBJECTIVES)}")
    train_records, dev_records = load_records(cfg.train_file, cfg.dev_file, check_pair)
    encoder = Encoder(tokenizer, cfg.max_length, cfg.overlong)
    train = encoder.encode_all(train_records, encoder.pair_example, f"{cfg.train_file} (train)", required=True)
    dev = encoder.encode_all(dev_records, encoder.pair_example, "dev")
    counts = {"train_pairs": len(train), "dev_examples": len(dev), **{k: v for k, v in encoder.counts.items() if v}}
    return train, dev, counts


def precompute_reference(cfg: DPOConfig, model, collator, examples: list[dict]) -> Path:
    """Attach stored (or freshly computed) reference log-probs; the policy scores itself before training."""
    reference = model
    if cfg.reference_model is not None:
        reference, _ = prepare_model(DPOConfig(model=cfg.reference_model, precision=cfg.precision))
    # the same precision as the training forward pass: under bf16 autocast an fp32 reference
    # would differ from the initial policy by rounding, and the first loss would not be log 2
    bf16 = use_bf16_autocast(cfg.precision)
    autocast = torch.autocast(reference.device.type, dtype=torch.bfloat16, enabled=bf16)
    path = Path(cfg.reference_file) if cfg.reference_file else default_reference_file(cfg.train_file, reference, bf16)
    with autocast:  # under accelerate launch the processes share the scoring out
        attach_reference(examples, reference, collator, path, cfg.reference_batch_size)
    return path


def run_dpo(cfg: DPOConfig) -> dict:
    get_loss(cfg.loss)  # fail on an unknown loss before loading anything
    if not 0.0 <= cfg.ld_alpha <= 1.0:
        raise ExanteError(f"ld_alpha is {cfg.ld_alpha}; expected a value in [0, 1]")
    model, tokenizer = prepare_model(cfg)
    train, dev, counts = pair_datasets(cfg, tokenizer)
    collator = PairCollator(tokenizer.pad_token_id, cfg.objective_weights, cfg.share_prefix)
    mode = reference_mode(cfg)
    if mode == "precomputed":
        counts["reference_file"] = str(precompute_reference(cfg, model, collator, train + dev))
    params = LossParams(beta=cfg.beta, rdpo_alpha=cfg.rdpo_alpha, simpo_gamma=cfg.simpo_gamma, ld_alpha=cfg.ld_alpha)

    def build(args):
        return PreferenceTrainer(
            model=model, args=args, train_dataset=Dataset.from_list(train),
            eval_dataset=Dataset.from_list(dev) if dev else None, data_collator=collator,
            processing_class=tokenizer, loss=cfg.loss, params=params, nll_weight=cfg.nll_weight, reference=mode,
        )

    return run(cfg, build, {"stage": "dpo", "loss": cfg.loss, "reference": mode, **counts})
