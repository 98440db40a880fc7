"""``exante quickstart``: the main job, every stage through its own entry point (docs/pipeline.md)."""

from __future__ import annotations

import argparse

from exante.cli_util import add_config_command
from exante.config import config_from_args
from exante.pipeline.config import QuickstartConfig


def register(subparsers: argparse._SubParsersAction) -> None:
    add_config_command(
        subparsers, "quickstart", QuickstartConfig, _main,
        help="the main job: synth → sft → pairs → dpo → eval of the default model, and a before/after summary",
        description="Run synth, sft, pairs, dpo (and, with --rounds N, N-1 further on-policy pairs + dpo rounds) "
        "and eval with the stage YAMLs named below (configs/*.yaml), after checking that each stage reads what "
        "the one before it writes; then write <out>/quickstart.md (base vs SFT vs each DPO round on the headline "
        "metrics, stage wall times, the commands) and print it. Finished "
        "stages are skipped and interrupted ones resumed, so the same command continues an interrupted run.",
    )


def _main(args: argparse.Namespace) -> int:
    from exante.pipeline.run import run_quickstart

    print(run_quickstart(config_from_args(QuickstartConfig, args)))
    return 0
