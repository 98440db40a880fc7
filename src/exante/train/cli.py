"""``exante sft``, ``exante dpo`` and ``exante grpo``: thin entry points over ``run_sft``, ``run_dpo`` and ``run_grpo``."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.train.config import DPOConfig, SFTConfig
from exante.train.grpo_config import GRPOStageConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_config_command(
        subparsers, "sft", SFTConfig, _sft,
        help="stage 1: supervised fine-tuning on Ex-Ante traces (loss on the assistant turn only)",
        description="Fine-tune a chat model on conversations whose last assistant turn is the trace "
        "(JSONL schema: docs/train.md). Flags override the YAML given with --config.",
    )
    add_config_command(
        subparsers, "dpo", DPOConfig, _dpo,
        help="stage 2: multi-objective preference optimisation (DPO, IPO, R-DPO, SimPO, LD-DPO)",
        description="Train on safety / usefulness / efficiency preference pairs with a loss from the "
        "registry (docs/train.md). Flags override the YAML given with --config.",
    )
    add_config_command(
        subparsers, "grpo", GRPOStageConfig, _grpo,
        help="on-policy: TRL's GRPOTrainer with exante's safety reward (refusal, harm, trace, rules, length)",
        description="Sample completions for train-split prompts and learn from exante's reward functions "
        "(docs/rewards.md). Flags override the YAML given with --config.",
    )


def _sft(args: argparse.Namespace) -> int:
    from exante.train.sft import run_sft

    run_sft(config_from_args(SFTConfig, args))
    return 0


def _dpo(args: argparse.Namespace) -> int:
    from exante.train.dpo import run_dpo

    run_dpo(config_from_args(DPOConfig, args))
    return 0


def _grpo(args: argparse.Namespace) -> int:
    from exante.train.grpo import run_grpo

    run_grpo(config_from_args(GRPOStageConfig, args))
    return 0
