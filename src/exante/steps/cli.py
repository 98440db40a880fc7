"""``exante steps --config FILE``: step-level preference optimisation (docs/steps.md)."""

from __future__ import annotations

import argparse
import json

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.steps.config import StepsConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_config_command(
        subparsers, "steps", StepsConfig, _steps,
        help="step-level preference optimisation: alternative next steps at the decision steps, valued by roll-outs",
        description="Per round: sample a trace per train prompt from the policy, fix its prefix at each decision step, "
        "sample alternative next steps (plus targeted corruptions), value each by roll-outs scored with the safety "
        "reward, pair best against worst and train step-level DPO (loss on the step tokens only). Writes "
        "<output_dir>/round-<t>/ (journal, step_pairs.jsonl, skipped.jsonl, stats.json, model/), stats.json, the final "
        "model and summary.json. An interrupted run resumes where it stopped.",
    )


def _steps(args: argparse.Namespace) -> int:
    from exante.steps.run import run_steps

    summary = run_steps(config_from_args(StepsConfig, args), progress=not getattr(args, "quiet", False))
    print(json.dumps({k: summary[k] for k in ("model", "rounds", "pairs_per_round", "train_loss", "seconds")}, indent=1))
    return 0
