"""Typed configs of ``exante sft`` and ``exante dpo``: every field a CLI flag and a YAML key."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.train.records import check_response

LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@dataclass
class ModelTrainingFields:
    """Precision and LoRA: how the weights are trained, shared by sft, dpo and grpo."""

    precision: str = field("auto", help="auto (bf16 autocast where the CPU/GPU runs it fast, else fp32), bf16, or fp32")
    lora: bool = field(False, help="train a LoRA adapter instead of all weights")
    lora_r: int = field(16, help="LoRA rank")
    lora_alpha: int = field(32, help="LoRA scaling numerator")
    lora_dropout: float = field(0.05, help="LoRA dropout")
    lora_target_modules: list[str] = field(LORA_TARGETS, help="module names that get LoRA adapters")


@dataclass
class TrainConfig(ModelTrainingFields):
    """Fields shared by both stages (model, data, optimisation, checkpoints, logging)."""

    model: str = field("smollm2-135m-instruct", help="model to train: built-in name, local checkpoint or hub id")
    train_file: str = field("runs/synth/sft.jsonl", help="training JSONL; without dev_file its 'split' field selects train/dev")
    dev_file: str | None = field(None, help="separate dev JSONL (default: records with split 'dev' in train_file)")
    output_dir: str = field("runs/sft", help="checkpoints, final model, config.yaml, log.jsonl and summary.json")
    max_length: int = field(1024, help="maximum tokens of prompt + response")
    overlong: str = field("truncate", help="examples over max_length: truncate (response tail), drop, or error")
    epochs: float = field(2.0, help="passes over the training data")
    max_steps: int = field(-1, help="stop after this many optimizer steps (-1: run all epochs)")
    batch_size: int = field(8, help="sequences (SFT) or pairs (DPO) per device per micro-batch")
    eval_batch_size: int = field(8, help="batch size for dev evaluation and reference log-probs")
    grad_accum: int = field(1, help="micro-batches per optimizer step")
    learning_rate: float = field(3e-5, help="peak learning rate (AdamW)")
    lr_scheduler: str = field("cosine", help="transformers scheduler name: cosine, linear, constant, ...")
    warmup: float = field(0.03, help="warm-up: a fraction of the steps if < 1, else a number of steps")
    weight_decay: float = field(0.0, help="AdamW weight decay")
    max_grad_norm: float = field(1.0, help="gradient clipping norm")
    seed: int = field(42, help="seed for initialisation, shuffling and dropout")
    group_by_length: bool = field(True, help="batch examples of similar length (little padding)")
    compile: bool = field(False, help="torch.compile each decoder layer (pays a one-off compile time; see docs/train.md)")
    save_steps: int = field(100, help="save a checkpoint every N optimizer steps")
    save_total_limit: int = field(2, help="checkpoints kept (oldest deleted)")
    eval_steps: int = field(100, help="evaluate on the dev split every N optimizer steps (and at the end); 0: never")
    logging_steps: int = field(5, help="log every N optimizer steps")
    report_to: list[str] = field(["none"], help="extra loggers: none, tensorboard, wandb")
    resume: bool = field(False, help="continue from the last checkpoint in output_dir (optimizer, scheduler and RNG state)")


@dataclass
class SFTConfig(TrainConfig):
    """``exante sft``: supervised fine-tuning on the assistant turn of each conversation."""

    response: str = field("trace", help="what of each assistant turn is trained on: trace (the whole Ex-Ante trace) "
                                        "or answer (only its final answer; a turn that is not a trace stays whole)")

    def __post_init__(self) -> None:
        check_response(self.response, "SFTConfig")  # at load time: a recipe fails in its checks, not mid-run


@dataclass
class DPOConfig(TrainConfig):
    """``exante dpo``: multi-objective preference optimisation with a loss from the registry."""

    train_file: str = field("runs/pairs/pairs.jsonl", help="preference pairs JSONL; without dev_file its 'split' field selects train/dev")
    output_dir: str = field("runs/dpo", help="checkpoints, final model, config.yaml, log.jsonl and summary.json")
    learning_rate: float = field(5e-6, help="peak learning rate (AdamW)")
    epochs: float = field(1.0, help="passes over the training pairs")
    batch_size: int = field(4, help="pairs per device per micro-batch")
    eval_batch_size: int = field(4, help="pairs per batch for dev evaluation")
    reference_batch_size: int = field(16, help="pairs per batch when precomputing reference log-probs (no autograd)")
    share_prefix: bool = field(True, help="score chosen and rejected in one row that computes their shared prompt "
                                          "(and common first response tokens) once")
    loss: str = field("sigmoid", help="preference loss: sigmoid (DPO), ipo, rdpo, simpo, ld")
    beta: float = field(0.1, help="β: strength of the preference (inverse KL weight; SimPO's reward scale)")
    rdpo_alpha: float = field(0.01, help="R-DPO α: weight of the length difference |y_w| − |y_l| in the logit")
    simpo_gamma: float = field(0.5, help="SimPO γ: target reward margin")
    ld_alpha: float = field(0.5, help="LD-DPO α in [0, 1]: weight of tokens past the shorter response's length")
    nll_weight: float = field(0.0, help="λ of the extra term λ·(−log π(y_w)/|y_w|) (0: off)")
    objective_weights: dict[str, float] = field(
        {"safety": 1.0, "usefulness": 1.0, "efficiency": 1.0}, help="loss weight of each pair's objective"
    )
    reference_model: str | None = field(None, help="reference model for precomputed log-probs (default: model)")
    reference_file: str | None = field(None, help="precomputed reference log-probs JSONL (default: next to train_file)")
