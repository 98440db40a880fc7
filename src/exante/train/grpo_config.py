"""The config of ``exante grpo`` (``exante.train.grpo``), apart so that the CLI imports no TRL."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError
from exante.rewards import RewardConfig
from exante.train.config import ModelTrainingFields

REWARD_MODES = ("parts", "combined")


@dataclass
class GRPOStageConfig(RewardConfig, ModelTrainingFields):
    """``exante grpo``: GRPO on the train split's prompts with exante's safety reward."""

    model: str = field("smollm2-135m-instruct", help="model to train: built-in name, checkpoint or adapter dir, hub id")
    output_dir: str = field("runs/grpo", help="checkpoints, final model, config.yaml, log.jsonl and summary.json")
    sources: list[str] = field([], help="prompt sources (exante data --help); empty: every built-in source")
    prompts_per_kind: int = field(64, help="train-split prompts of each kind (harmful, jailbreak, borderline, benign); 0: all")
    system_prompt: str | None = field(None, help="system message before every prompt")
    reward_mode: str = field("parts", help="parts: each reward part a TRL reward function with its weight; combined: one")
    num_generations: int = field(8, help="completions sampled per prompt (the group GRPO normalises over)")
    max_completion_length: int = field(320, help="new tokens per completion (the dev suite's limit)")
    temperature: float = field(1.0, help="sampling temperature")
    beta: float = field(0.0, help="KL coefficient to the start model (0: no reference model, as in DAPO/Dr. GRPO)")
    loss_type: str = field("dapo", help="TRL GRPO loss: grpo, dr_grpo, dapo, bnpo, ...")
    scale_rewards: str = field("group", help="advantage scaling: group, batch or none")
    epochs: float = field(1.0, help="passes over the prompts")
    max_steps: int = field(100, help="stop after this many optimizer steps (-1: run all epochs)")
    max_sampled_tokens: int = field(0, help="also stop after the step at which this many completion tokens "
                                            "were sampled in all (0: no token budget); to match another run's budget")
    batch_size: int = field(8, help="completions per device per micro-batch (a multiple of num_generations with grad_accum)")
    grad_accum: int = field(1, help="micro-batches per optimizer step")
    learning_rate: float = field(1e-6, help="peak learning rate (AdamW)")
    lr_scheduler: str = field("constant", help="transformers scheduler name: constant, cosine, linear, ...")
    warmup: float = field(0.0, help="warm-up: a fraction of the steps if < 1, else a number of steps")
    weight_decay: float = field(0.0, help="AdamW weight decay")
    max_grad_norm: float = field(1.0, help="gradient clipping norm")
    seed: int = field(42, help="seed for prompt choice, sampling, initialisation and shuffling")
    compile: bool = field(False, help="torch.compile each decoder layer")
    save_steps: int = field(20, help="save a checkpoint every N optimizer steps")
    save_total_limit: int = field(2, help="checkpoints kept (oldest deleted)")
    logging_steps: int = field(1, help="log every N optimizer steps")
    report_to: list[str] = field(["none"], help="extra loggers: none, tensorboard, wandb")
    resume: bool = field(False, help="continue from the last checkpoint in output_dir (TRL/Trainer state)")
    eval_dev: bool = field(False, help="run the dev eval suite on the trained model (into output_dir/eval-dev)")


def check_config(cfg: GRPOStageConfig) -> None:
    if cfg.reward_mode not in REWARD_MODES:
        raise ExanteError(f"reward_mode is {cfg.reward_mode!r}; expected one of {', '.join(REWARD_MODES)}")
    if cfg.batch_size * cfg.grad_accum % cfg.num_generations:
        raise ExanteError(f"batch_size × grad_accum ({cfg.batch_size} × {cfg.grad_accum}) must be a multiple of "
                          f"num_generations ({cfg.num_generations}): each prompt's group is sampled whole")
    if cfg.beta and not cfg.lora:
        raise ExanteError("beta > 0 needs lora: true (the reference is then the model with its adapters off; "
                          "for a full fine-tune TRL would reload the start model by its name)")
